//! srt's command line, working directory and environment, and starting it: the project
//! root as srt's working directory, `--` before the command, a small `sh` wrapper that
//! moves to the user's folder, and the placeholders held while it runs.

use std::path::{Path, PathBuf};

use crate::detect::project::Project;
use crate::error::Error;
use crate::output::justfile::shell_quote;

use super::observe::Observed;
use super::plan::{Inside, RunPolicy};
use super::preflight::Preflight;
use super::supervise::supervise;

/// srt's variable for the sandbox's TMPDIR (srt `sandbox-utils.js`).
pub const TMPDIR_VAR: &str = "CLAUDE_CODE_TMPDIR";

/// Runs inside the sandbox: makes the run policy's changes to the environment (after srt
/// has set its own variables: srt's proxy address is known only inside), records that the
/// command started (so that srt's own failure can be told from the command's), moves to
/// the user's folder, and becomes the command. `$1` is the marker file (empty: none), `$2`
/// the folder, then one argument per change (`set:VAR=value`, `copy:VAR=FROM`,
/// `unset:VAR`, `drop:VAR=item`; see [`Inside::arg`]), then `--` and the command. Values
/// arrive as arguments and are never evaluated as shell text; names were checked by
/// [`super::plan::check_var`].
pub const WRAPPER: &str = r#"m=$1 d=$2; shift 2
while [ "$#" -gt 0 ]; do
  case $1 in
    --) shift; break ;;
    set:*) a=${1#set:}; export "${a%%=*}=${a#*=}" ;;
    copy:*) a=${1#copy:}; if v=$(printenv "${a#*=}"); then export "${a%%=*}=$v"; fi ;;
    unset:*) unset "${1#unset:}" ;;
    drop:*) a=${1#drop:}; n=${a%%=*}; x=${a#*=}
      if v=$(printenv "$n"); then o=; set -f; IFS=,
        for i in $v; do [ "$i" = "$x" ] || o=${o:+$o,}$i; done; unset IFS; set +f; export "$n=$o"
      fi ;;
    *) echo "srt-gen-run: bad argument $1" >&2; exit 125 ;;
  esac
  shift
done
[ -z "$m" ] || true 2>/dev/null >"$m"; cd "$d" || exit 125; exec "$@""#;

/// What srt reads the run policy from: a pipe srt-gen writes, on this descriptor.
pub const POLICY_FD: i32 = 3;

/// srt's command line, working directory and environment.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Always the project root: srt anchors relative paths and protected names here.
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    /// Variables taken out of srt's environment.
    pub env_remove: Vec<String>,
    /// The run policy's bytes, which srt reads from [`POLICY_FD`].
    pub policy: Vec<u8>,
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
        policy: &RunPolicy,
        workdir: &Path,
        debug: bool,
        command: Vec<String>,
    ) -> Launch {
        let marker = pre.tmp_writable.then(|| {
            pre.tmp
                .join(format!(".srt-gen-run-{}.started", std::process::id()))
        });
        let mut args = vec!["--settings".to_string(), format!("/dev/fd/{POLICY_FD}")];
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
        args.extend(policy.inside.iter().map(Inside::arg));
        args.push("--".into());
        args.extend(command);
        let mut env = vec![(TMPDIR_VAR.to_string(), pre.tmp.display().to_string())];
        env.extend(
            policy
                .env_set
                .iter()
                .filter(|(k, _)| k.as_str() != TMPDIR_VAR)
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        Launch {
            program: srt.to_path_buf(),
            args,
            cwd: project.root.clone(),
            env,
            env_remove: policy.env_remove.iter().cloned().collect(),
            policy: policy.to_bytes(),
            marker,
            observe: false,
            stdout_to_stderr: false,
            observe_stdout: false,
            tracer: Vec::new(),
            debug,
            placeholders: pre.placeholders.clone(),
        }
    }

    /// The command line as a shell would take it: `cd ROOT && env -u X VAR=... srt ...
    /// 3< POLICY` (the policy arrives on a pipe; `run --print-policy` prints it).
    pub fn shell_line(&self) -> String {
        let mut words = vec![
            "cd".to_string(),
            shell_quote(&self.cwd.display().to_string()),
            "&&".to_string(),
        ];
        if !self.env_remove.is_empty() {
            words.push("env".into());
            for k in &self.env_remove {
                words.push(format!("-u {k}"));
            }
        }
        for (k, v) in &self.env {
            words.push(format!("{k}={}", shell_quote(v)));
        }
        words.push(shell_quote(&self.program.display().to_string()));
        words.extend(self.args.iter().map(|a| shell_quote(a)));
        words.push(format!("{POLICY_FD}<RUN-POLICY"));
        words.join(" ")
    }

    /// What `hold` could not do, always; what it made, with `run --debug`.
    fn report_placeholders(&self, held: &super::placeholders::Held) {
        let verb = if self.observe { "learn" } else { "run" };
        for w in &held.warnings {
            crate::ui::status(&format!("srt-gen {verb}: note: {w}\n"));
        }
        if self.debug && !self.observe && !held.made.is_empty() {
            let made: Vec<String> = held.made.iter().map(|p| p.display().to_string()).collect();
            crate::ui::status(&format!(
                "srt-gen run: placeholders over absent protected paths, removed after the last run ends: {}\n",
                made.join(" ")
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The wrapper as srt runs it, here without srt: `sh -c WRAPPER srt-gen-run MARKER DIR
    /// OPS... -- CMD...`.
    fn wrap(ops: &[Inside], env: &[(&str, &str)], cmd: &[&str]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut c = std::process::Command::new("sh");
        c.args(["-c", WRAPPER, "srt-gen-run", ""])
            .arg(dir.path())
            .args(ops.iter().map(Inside::arg))
            .arg("--")
            .args(cmd)
            .env_clear()
            .env("PATH", "/usr/bin:/bin");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn the_wrapper_makes_each_change_and_evaluates_no_value() {
        let ops = [
            Inside::Set {
                var: "IS_SANDBOX".into(),
                value: "1".into(),
            },
            Inside::Set {
                var: "ODD".into(),
                value: "a=b $(touch /tmp/srt-gen-never) `x` 'q' \"\n".into(),
            },
            Inside::Copy {
                var: "YARN_HTTPS_PROXY".into(),
                from: "HTTPS_PROXY".into(),
            },
            Inside::Copy {
                var: "FROM_UNSET".into(),
                from: "NOT_THERE".into(),
            },
            Inside::Unset { var: "GONE".into() },
            Inside::DropItem {
                var: "NO_PROXY".into(),
                item: "localhost".into(),
            },
            Inside::DropItem {
                var: "NOT_SET".into(),
                item: "x".into(),
            },
        ];
        let out = wrap(
            &ops,
            &[
                ("HTTPS_PROXY", "http://u:t@localhost:3128"),
                ("GONE", "secret"),
                ("NO_PROXY", "localhost,127.0.0.1,*.x"),
            ],
            &[
                "sh",
                "-c",
                r#"printf '%s|' "$IS_SANDBOX" "$ODD" "$YARN_HTTPS_PROXY" "${FROM_UNSET-unset}" "${GONE-unset}" "$NO_PROXY" "${NOT_SET-unset}" "$1""#,
                "sh",
                "--",
            ],
        );
        assert_eq!(
            out,
            "1|a=b $(touch /tmp/srt-gen-never) `x` 'q' \"\n|http://u:t@localhost:3128|unset|unset|127.0.0.1,*.x|unset|--|"
        );
        assert!(!Path::new("/tmp/srt-gen-never").exists());
    }
}
