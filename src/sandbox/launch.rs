//! srt's command line, working directory and environment, and starting it: the project
//! root as srt's working directory, `--` before the command, a small `sh` wrapper that
//! moves to the user's folder, and the placeholders held while it runs.

use std::path::{Path, PathBuf};

use crate::detect::project::Project;
use crate::error::Error;
use crate::output::justfile::shell_quote;

use super::observe::Observed;
use super::preflight::Preflight;
use super::supervise::supervise;

/// srt's variable for the sandbox's TMPDIR (srt `sandbox-utils.js`).
pub const TMPDIR_VAR: &str = "CLAUDE_CODE_TMPDIR";

/// Runs inside the sandbox: records that the command started (so that srt's own failure
/// can be told from the command's), moves to the user's folder, and becomes the command.
/// `$1` is the marker file (empty: none), `$2` the folder, the rest the command.
const WRAPPER: &str =
    r#"[ -z "$1" ] || true 2>/dev/null >"$1"; cd "$2" || exit 125; shift 2; exec "$@""#;

/// srt's command line, working directory and environment.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Always the project root: srt anchors relative paths and protected names here.
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    /// Written by the wrapper inside the sandbox once the command is about to start.
    pub marker: Option<PathBuf>,
    /// `srt-gen learn`: read srt's stderr, keep its debug lines, pass the rest on.
    pub observe: bool,
    /// `srt-gen learn --json`: the command's stdout goes to stderr, leaving stdout for JSON.
    pub stdout_to_stderr: bool,
    /// `srt-gen learn` without a trace: the command's stdout is read too (and passed on).
    pub observe_stdout: bool,
    /// `srt-gen learn`: a program (strace and its options) that srt is started under.
    pub tracer: Vec<String>,
    /// `--debug`: also say which placeholders were made.
    pub debug: bool,
    /// Made before srt starts and removed after (see [`super::placeholders`]).
    pub placeholders: super::placeholders::Plan,
}

impl Launch {
    pub fn new(
        project: &Project,
        srt: &Path,
        pre: &Preflight,
        workdir: &Path,
        debug: bool,
        command: Vec<String>,
    ) -> Launch {
        let marker = pre.tmp_writable.then(|| {
            pre.tmp
                .join(format!(".srt-gen-run-{}.started", std::process::id()))
        });
        let mut args = vec![
            "--settings".to_string(),
            project.settings.display().to_string(),
        ];
        if debug {
            args.push("--debug".into());
        }
        args.extend(["--", "sh", "-c", WRAPPER, "srt-gen-run"].map(String::from));
        args.push(
            marker
                .as_ref()
                .map(|m| m.display().to_string())
                .unwrap_or_default(),
        );
        args.push(workdir.display().to_string());
        args.extend(command);
        Launch {
            program: srt.to_path_buf(),
            args,
            cwd: project.root.clone(),
            env: vec![(TMPDIR_VAR.to_string(), pre.tmp.display().to_string())],
            marker,
            observe: false,
            stdout_to_stderr: false,
            observe_stdout: false,
            tracer: Vec::new(),
            debug,
            placeholders: pre.placeholders.clone(),
        }
    }

    /// The command line as a shell would take it: `cd ROOT && VAR=... srt ...`.
    pub fn shell_line(&self) -> String {
        let mut words = vec![
            "cd".to_string(),
            shell_quote(&self.cwd.display().to_string()),
            "&&".to_string(),
        ];
        for (k, v) in &self.env {
            words.push(format!("{k}={}", shell_quote(v)));
        }
        words.push(shell_quote(&self.program.display().to_string()));
        words.extend(self.args.iter().map(|a| shell_quote(a)));
        words.join(" ")
    }

    /// What `hold` could not do, always; what it made, with `run --debug`.
    fn report_placeholders(&self, held: &super::placeholders::Held) {
        let verb = if self.observe { "learn" } else { "run" };
        for w in &held.warnings {
            eprintln!("srt-gen {verb}: note: {w}");
        }
        if self.debug && !self.observe && !held.made.is_empty() {
            let made: Vec<String> = held.made.iter().map(|p| p.display().to_string()).collect();
            eprintln!(
                "srt-gen run: placeholders over absent protected paths, removed after the last run ends: {}",
                made.join(" ")
            );
        }
    }

    /// Starts srt and waits for it, forwarding SIGINT, SIGTERM and SIGHUP.
    pub fn spawn(&self) -> Result<Outcome, Error> {
        self.spawn_observed().map(|(o, _)| o)
    }

    /// As [`Launch::spawn`], and with `observe` set, what srt's stderr showed.
    pub fn spawn_observed(&self) -> Result<(Outcome, Observed), Error> {
        if let Some(m) = &self.marker {
            let _ = std::fs::remove_file(m);
        }
        let held = super::placeholders::hold(&self.placeholders);
        self.report_placeholders(&held);
        let supervised = supervise(self);
        held.release();
        let (out, observed) = match supervised {
            Ok((o, obs)) => (Ok(o), obs),
            Err(e) => (Err(e), Observed::default()),
        };
        if let Some(m) = &self.marker {
            let started = m.exists();
            let _ = std::fs::remove_file(m);
            if let Ok(Outcome::Exited(code)) = out {
                if code != 0 && !started {
                    return Ok((Outcome::SrtFailed(code), observed));
                }
            }
        }
        out.map(|o| (o, observed))
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command's own exit status (128+N when it was killed by signal N).
    Exited(u8),
    /// srt-gen received signal N and ended the sandbox.
    Signalled(i32),
    /// srt failed before the command started.
    SrtFailed(u8),
}
