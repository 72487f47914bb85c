//! srt-gen: least-privilege settings for Anthropic's Sandbox Runtime, from what a project
//! uses. Data flows one way, one folder per stage, and a lower stage never names a higher
//! one: [`detect`] → [`catalog`] → [`policy`] → [`output`] → [`sandbox`], with the
//! [`commands`] on top. [`error`], [`env`], [`files`], [`hosts`] and [`ui`] serve every
//! stage; [`cli`] is the only module that sees clap.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod detect;
pub mod env;
pub mod error;
pub mod files;
pub mod hosts;
pub mod output;
pub mod policy;
pub mod sandbox;
pub mod ui;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Action, Cli};
use crate::env::Env;
use crate::error::Error;

/// Parses the arguments, runs the command, and turns the outcome into an exit code
/// (README, "Exit codes"): 2 for every usage error, clap's included.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    // Before parsing: clap's own help and errors follow --color too.
    ui::set_color(cli::color_in(&args).unwrap_or_default());
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let e = cli::with_hints(e, &args);
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    ui::set_verbosity(cli.verbosity());
    let json = cli.command.json_name();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(name) = json {
                ui::json::print_error(name, &e);
            }
            ui::always(&ui::error_text(&e, ""));
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<u8, Error> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the current folder", e))?;
    let base = match &cli.dir {
        Some(d) => directory(&cwd, d)?,
        None => cwd,
    };
    let command = match cli.command.into_action()? {
        Action::Print(bytes) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("cannot write to stdout", e))?;
            return Ok(0);
        }
        Action::Run(c) => c,
    };
    let env = Env::from_process().ok_or_else(|| {
        Error::Environment(error::with_tip(
            "HOME is not set; srt-gen needs it to spell paths as srt reads them",
            "set HOME to your home folder",
        ))
    })?;
    commands::execute(command, &base, &env)
}

/// `-C DIR`: the folder to run in, which must exist (a usage error naming it otherwise).
fn directory(cwd: &std::path::Path, dir: &std::path::Path) -> Result<PathBuf, Error> {
    let base = cwd.join(dir);
    if base.is_dir() {
        return Ok(base);
    }
    let what = if base.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(Error::Usage(error::with_tip(
        format!("-C {}: {} {what}", dir.display(), base.display()),
        "give -C (--directory) the folder to run in",
    )))
}
