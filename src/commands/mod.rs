//! The commands, on top of every stage: each takes its clap-free options (`cli.rs` converts
//! into [`Command`]), runs the stages, and prints what happened. Each is a short function.

pub mod change;
pub mod check;
pub mod ci;
pub mod claude_settings;
pub mod doctor;
pub mod explain;
pub mod init;
pub mod learn;
pub mod list;
pub mod run;
pub mod summary;

use std::path::Path;

use crate::catalog::Catalog;
use crate::detect::project::{Found, Project, SETTINGS_FILE};
use crate::env::Env;
use crate::error::Error;
use crate::policy::settings::{Settings, Why};

/// A command with its options, as the command line gave them.
#[derive(Debug, Clone)]
pub enum Command {
    Init(init::InitOptions),
    Check(check::CheckOptions),
    Add(change::ChangeOptions),
    Remove(change::ChangeOptions),
    List(list::ListOptions),
    Explain(explain::ExplainOptions),
    Run(run::RunCommand),
    Doctor(doctor::DoctorOptions),
    Learn(learn::LearnOptions),
    Ci(ci::CiOptions),
    ClaudeSettings(claude_settings::ClaudeSettingsOptions),
}

/// Runs one command from `base` (the current folder, or `-C DIR`); the exit code on success.
pub fn execute(command: Command, base: &Path, env: &Env) -> Result<u8, Error> {
    match command {
        Command::Init(o) => init::execute(base, env, &o),
        Command::Check(o) => check::execute(base, env, &o),
        Command::Add(o) => change::execute(base, env, &o, true),
        Command::Remove(o) => change::execute(base, env, &o, false),
        Command::List(o) => list::execute(base, env, &o),
        Command::Explain(o) => explain::execute(base, env, &o),
        Command::Run(o) => run::run(base, env, &o),
        Command::Doctor(o) => doctor::doctor(base, env, &o),
        Command::Learn(o) => learn::execute(base, env, &o),
        Command::Ci(o) => ci::execute(base, &o),
        Command::ClaudeSettings(o) => claude_settings::execute(base, env, &o),
    }
}

/// The error for a command that needs a `.srt.json` and finds none at or above `start`
/// (within the project's bound: the repository's top, or below the home folder).
pub(crate) fn no_settings(start: &Path) -> Error {
    Error::Usage(crate::error::with_tip(
        format!(
            "no {} in {} or above it in this project",
            SETTINGS_FILE,
            start.display()
        ),
        "run `srt-gen init` in the project first",
    ))
}

/// The project a command started in `start` acts on (The outermost policy, or
/// a declared subproject's), with a note on stderr for each policy or justfile on the way
/// up that is not used, and why.
pub(crate) fn locate(start: &Path, env: &Env, command: &str) -> Result<Found, Error> {
    let found = Project::find_root(start, env)?;
    for note in found.notes() {
        eprintln!("srt-gen {command}: note: {note}");
    }
    Ok(found)
}

/// [`locate`] for a command that needs the policy to exist.
pub(crate) fn locate_policy(start: &Path, env: &Env, command: &str) -> Result<Project, Error> {
    let found = locate(start, env, command)?;
    if !found.has_policy {
        return Err(no_settings(start));
    }
    Ok(found.project)
}

/// The project `start` is in, its catalog and its `.srt.json`, which must exist.
pub fn load(start: &Path, env: &Env, command: &str) -> Result<(Project, Catalog, Settings), Error> {
    let project = locate_policy(start, env, command)?;
    open(project, start, env)
}

/// [`load`] for a project already found.
fn open(project: Project, start: &Path, env: &Env) -> Result<(Project, Catalog, Settings), Error> {
    let catalog = Catalog::load(&project.root, env)?;
    let settings = Settings::read(&project.settings)?.ok_or_else(|| no_settings(start))?;
    Ok((project, catalog, settings))
}

/// Why a fragment is active, as `list` and `add` say it.
fn why_text(why: Why) -> &'static str {
    match why {
        Why::Base => "always applied",
        Why::Detected => "detected",
        Why::Added => "added",
        Why::Project => "named by a file in the repository",
        Why::Config => "named by your configuration",
    }
}
