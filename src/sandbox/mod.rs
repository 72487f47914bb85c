//! The sandbox, the last stage: find srt and the tools it needs ([`srt`]), preflight the
//! machine and the project ([`preflight`], [`git_exclude`], [`placeholders`]), build srt's
//! command line and environment ([`launch`]), run it with signals forwarded and everything
//! below it reaped (`supervise`), and read what it refused ([`observe`], and from outside
//! the sandbox, [`trace`]).
//!
//! What srt alone gets wrong, and what this stage does about it, as observed with srt 0.0.83:
//! - absent write paths are skipped: the folders the policy names are created first;
//! - TMPDIR points at `/tmp/claude`: `CLAUDE_CODE_TMPDIR` points it at `.srt-gen/tmp`;
//! - relative paths and protected files are anchored at srt's working directory: srt is
//!   always started in the project root, and a small `sh` wrapper inside the sandbox
//!   moves to the folder the user started from;
//! - srt's flag parser takes the command's flags: srt always gets `--` before the command;
//! - srt exits 0 when interrupted and leaves the sandbox behind on SIGHUP: srt-gen
//!   forwards SIGINT, SIGTERM and SIGHUP itself, reaps what is left, and exits 128+N.
//! - srt deletes the placeholders it mounts over absent protected paths when its command
//!   ends, lifting them in any other sandbox of the same user: srt-gen makes and removes
//!   them itself ([`placeholders`]).

pub mod git_exclude;
pub mod launch;
pub mod observe;
pub mod placeholders;
pub mod plan;
pub mod preflight;
pub mod review;
pub mod seed;
pub mod srt;
pub mod state;
mod supervise;
pub mod toolchains;
pub mod trace;

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::detect::project::{Project, SETTINGS_FILE};
use crate::env::Env;
use crate::error::Error;
use crate::policy::settings::Settings;
use launch::Launch;
use preflight::{preflight, Preflight};
use srt::{find_srt, missing_message, missing_tools, Missing, SrtPath};

/// Whether srt-gen runs as root (Claude Code then needs `IS_SANDBOX=1` inside).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// What `run` and `learn` start inside the sandbox, and how.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub debug: bool,
    /// Run even when `srt-gen check` finds errors in the policy.
    pub force: bool,
    pub dry_run: bool,
    /// Print the run policy and run nothing.
    pub print_policy: bool,
    /// `--pass-env NAME`: secret variables let into the sandbox for this run.
    pub pass_env: Vec<String>,
    /// `--parent-proxy`: srt keeps this environment's HTTP(S)_PROXY/NO_PROXY as its
    /// upstream proxy (otherwise they are taken out of srt's environment).
    pub parent_proxy: bool,
    pub prompt: Option<String>,
    pub srt: Option<PathBuf>,
    /// Whether to install the toolchains the project pins before the sandbox starts.
    pub toolchains: toolchains::Mode,
    pub command: Vec<String>,
}

/// Everything `run` (and `learn`) decide before anything is started.
pub struct Prepared {
    pub project: Project,
    /// Policies and justfiles between the start folder and the project's root that are not
    /// used, each with why (said by `run` and `learn`).
    pub notes: Vec<String>,
    /// `.srt.json` as the project has it.
    pub settings: Settings,
    /// What srt gets instead (see [`plan`]).
    pub policy: plan::RunPolicy,
    pub srt: SrtPath,
    /// With `dry_run`, why srt was not found (then `srt` is a stand-in named `srt`):
    /// a dry run shows the plan on a machine without srt too.
    pub srt_missing: Option<Error>,
    pub missing: Vec<Missing>,
    pub pre: Preflight,
    pub launch: Launch,
    /// The toolchains the project pins that are not installed yet (see [`toolchains`]).
    pub toolchains: toolchains::Plan,
}

/// The project, `.srt.json` and the run policy for a run started in `cwd`, with the
/// catalog they were built from. Reads, creates nothing; needs no srt (`run
/// --print-policy` and `doctor` use it alone).
pub struct Planned {
    pub project: Project,
    /// Policies and justfiles on the way up that are not used, each with why.
    pub notes: Vec<String>,
    pub settings: Settings,
    pub catalog: Catalog,
    pub policy: plan::RunPolicy,
}

/// See [`Planned`]. What the run starts is `opts.command`: none, or the agent's own program
/// (`srt-gen run -- claude ...`, as the recipes start it), is a run of the agent.
pub fn plan_run(cwd: &Path, env: &Env, opts: &RunOptions) -> Result<Planned, Error> {
    let force = opts.force;
    let command = &opts.command;
    // The project's policy, never a nearer one a sandboxed run could have
    // written; each one passed over is named in `notes`.
    let found = Project::find_root(cwd, env)?;
    if !found.has_policy {
        return Err(Error::Usage(crate::error::with_tip(
            format!(
                "no {SETTINGS_FILE} in {} or any folder above it in this project",
                cwd.display()
            ),
            "run `srt-gen init` in the project first",
        )));
    }
    let notes = found.notes();
    let project = found.project;
    let settings = crate::policy::load::load_policy(&project, env, force)?;
    // What a killed run left (placeholders in srt-gen's record) goes first: nothing below
    // may trip over it, and this run makes its own.
    placeholders::clean_leftovers(&placeholders::plan(&project.root, &settings, env));
    let catalog = Catalog::load(&project.root, env)?;
    let agent = command.is_empty()
        || crate::catalog::agent::chosen(&catalog, settings.agent_name())
            .ok()
            .and_then(|f| f.agent.as_ref())
            .is_some_and(|spec| {
                Path::new(&command[0]).file_name() == Some(std::ffi::OsStr::new(&spec.program))
            });
    let policy = plan::build(
        &plan::Context {
            project: &project,
            committed: &settings,
            catalog: &catalog,
            env,
            state: state::StateDirs::for_env(env),
            agent,
            pass_env: opts.pass_env.iter().cloned().collect(),
        },
        force,
    )?;
    Ok(Planned {
        project,
        notes,
        settings,
        catalog,
        policy,
    })
}

/// Whether srt can run in a PID namespace of its own here (`unshare` on `path` works), so
/// that nothing sandboxed outlives srt-gen: `Err` says why not. For `doctor`.
pub fn lifetime_check(path: &str) -> Result<(), String> {
    supervise::namespace_prefix(path).map(|_| ())
}

/// srt (and node, when srt is a Node script) on the clean PATH, refused when it lies where
/// the sandbox writes, wherever it was named. Where only such a copy exists, the error says
/// so instead of "not found".
fn locate_srt(
    opts: &RunOptions,
    env: &Env,
    clean: &Env,
    cwd: &Path,
    untrusted: &srt::Untrusted,
) -> Result<SrtPath, Error> {
    let srt = match find_srt(opts.srt.as_deref(), clean, cwd) {
        Ok(s) => s,
        Err(e) => {
            if let Ok(s) = find_srt(opts.srt.as_deref(), env, cwd) {
                srt::trusted("srt", &s.path, s.how, untrusted)?;
            }
            return Err(e);
        }
    };
    srt::trusted("srt", &srt.path, srt.how, untrusted)?;
    if srt::needs_node(&srt.path) {
        if let Some(node) = srt::which("node", clean) {
            srt::trusted("node", &node, "PATH", untrusted)?;
        }
    }
    Ok(srt)
}

/// Finds the project, srt and the tools, plans the preflight and builds srt's command
/// line. Creates nothing.
pub fn prepare(cwd: &Path, env: &Env, opts: &RunOptions) -> Result<Prepared, Error> {
    if opts.prompt.is_some() && !opts.command.is_empty() {
        return Err(Error::Usage(
            "-p is the agent's prompt; with a command after `--`, pass the prompt as one of its arguments".into(),
        ));
    }
    let Planned {
        project,
        notes,
        settings,
        catalog,
        mut policy,
    } = plan_run(cwd, env, opts)?;
    let workdir = cwd
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot resolve {}", cwd.display()), e))?;
    // Nothing srt-gen runs on the host comes from where the sandbox writes (issue 18.1):
    // srt, node and srt's tools are looked up on a PATH without those folders.
    let untrusted = srt::Untrusted::of_policy(&policy.settings, env, &project.root);
    let srt_env = srt::srt_env(env, &untrusted, opts.parent_proxy);
    let clean = srt::with_path(env, &srt_env.path);
    // A dry run shows the plan on a machine without srt too (with why it was not found).
    let (srt, srt_missing) = match locate_srt(opts, env, &clean, cwd, &untrusted) {
        Ok(s) => (s, None),
        Err(e) if opts.dry_run => (
            SrtPath {
                path: PathBuf::from("srt"),
                how: "not found",
            },
            Some(e),
        ),
        Err(e) => return Err(e),
    };
    let missing = missing_tools(&srt.path, &clean);
    policy.env_set.insert("PATH".into(), srt_env.path.clone());
    if let Some(original) = env.var("PATH").filter(|o| *o != srt_env.path) {
        policy.inside.push(plan::Inside::Set {
            var: "PATH".into(),
            value: original.to_string(),
        });
    }
    policy.env_remove.extend(srt_env.remove);
    for n in srt_env.notes {
        policy.note("srt", n);
    }
    if !missing.is_empty() && !opts.dry_run {
        return Err(Error::Environment(missing_message(&missing)));
    }
    let pre = preflight(&project, &policy.settings, env)?;
    let fragments: Vec<&str> = settings.fragment_names().collect();
    let sandbox_env: Vec<(String, String)> = policy
        .env_set
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // The installers run outside: found on the PATH srt gets (without the project and the
    // policy's write roots), never where a sandboxed run could have put a program.
    let toolchains = toolchains::plan(
        &project,
        &workdir,
        &fragments,
        &clean,
        &state::StateDirs::for_env(env).runs,
        &sandbox_env,
    );
    let command = if opts.command.is_empty() {
        let agent = crate::catalog::agent::chosen(&catalog, settings.agent_name())?;
        crate::catalog::agent::commands(
            agent,
            settings.fragment_names(),
            &catalog,
            opts.prompt.as_deref(),
        )
        .autonomous
    } else {
        opts.command.clone()
    };
    let mut launch = Launch::new(
        &project, &srt.path, &pre, &policy, &workdir, opts.debug, command,
    );
    launch.runs = state::StateDirs::for_env(env).runs;
    Ok(Prepared {
        project,
        notes,
        settings,
        policy,
        srt,
        srt_missing,
        missing,
        pre,
        launch,
        toolchains,
    })
}
