//! The run policy: what `run`, `learn` and the recipes hand to srt instead of `.srt.json`
//! as it is. `.srt.json` stays a complete policy a teammate can give srt directly; a run
//! derives from it, at launch, the policy for *this* machine and *this* run, and passes it
//! to srt on a pipe (`--settings /dev/fd/3`), where the sandbox can never reach it.
//!
//! Each concern is one step, in this order (each in its own file):
//! 1. [`machine`]: every recorded fragment's entries resolved again for this machine's
//!    variables and platform; what differs from the file is reported as drift;
//! 2. [`floor`]: the base protections, whatever the file says;
//! 3. [`caches`]: the sandbox's own caches and tool homes, set through each tool's own
//!    variable, instead of the user's;
//! 4. [`agent`]: the agent's private state home and its key;
//! 5. [`secrets`]: secret environment variables withheld;
//! 6. [`git`]: git's code-running paths that srt leaves writable.
//!
//! Then srt-gen's own bookkeeping is kept out of reach, the record is dropped (srt ignores
//! it, and the sandbox has no use for it), and the result is linted like any policy.

mod agent;
mod caches;
mod configs;
mod floor;
mod git;
mod machine;
mod secrets;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::{Catalog, List};
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::policy::lint::{self, Severity};
use crate::policy::settings::Settings;

use super::state::StateDirs;

/// What a step needs to read. Nothing here comes from a place the sandbox can write except
/// the project's own files, which every step treats as data.
pub struct Context<'a> {
    pub project: &'a Project,
    /// `.srt.json` as the user (or srt-gen) wrote it, record included.
    pub committed: &'a Settings,
    pub catalog: &'a Catalog,
    pub env: &'a Env,
    pub state: StateDirs,
    /// The command runs the agent (no command was given): the agent step applies.
    pub agent: bool,
    /// `run --pass-env NAME`: secret variables let through for this run.
    pub pass_env: BTreeSet<String>,
}

/// The policy and environment one run gets.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPolicy {
    /// What srt reads: `.srt.json`'s lists and keys as this run needs them, without the record.
    pub settings: Settings,
    /// Variables set in srt's own environment (srt passes them into the sandbox).
    pub env_set: BTreeMap<String, String>,
    /// Variables taken out of srt's own environment.
    pub env_remove: BTreeSet<String>,
    /// Base credential denies a step lifted on its own reading of the file (a tool's
    /// config that holds no token): the gate takes them as kept.
    #[serde(skip)]
    pub floor_handled: Vec<String>,
    /// What the wrapper does inside the sandbox, after srt has set its own variables.
    pub inside: Vec<Inside>,
    /// Folders to create before srt starts (srt skips absent write paths).
    pub create: Vec<PathBuf>,
    /// Files to write before srt starts (sanitized copies of the user's configuration,
    /// seeded agent settings), each with a safe write that never follows a link.
    #[serde(skip)]
    pub files: Vec<Staged>,
    /// Writes into folders the sandbox can write (the agent's private home, seeded from the
    /// user's settings), made without following anything planted there.
    #[serde(skip)]
    pub seeds: Vec<super::seed::Seed>,
    /// What the summary, `--dry-run` and `doctor` say about this run's policy.
    pub notes: Vec<Note>,
    /// Where `.srt.json` no longer fits this machine.
    pub drift: Vec<Drift>,
}

/// One change the wrapper makes to the environment inside the sandbox. Variable names are
/// checked (`[A-Za-z_][A-Za-z0-9_]*`); values travel as arguments, never as shell text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Inside {
    /// `VAR=value`.
    Set { var: String, value: String },
    /// `VAR=$FROM` when FROM is set inside (srt's proxy address, which carries a per-run
    /// token and is known only inside).
    Copy { var: String, from: String },
    /// Unset VAR.
    Unset { var: String },
    /// Remove one item from VAR's comma-separated list (`localhost` from NO_PROXY).
    DropItem { var: String, item: String },
}

/// A file srt-gen writes before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// One line of what a run's policy does differently from `.srt.json`, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// `machine`, `floor`, `cache`, `agent`, `secret`, `git`, `state`.
    pub topic: &'static str,
    pub text: String,
}

/// An entry `.srt.json` holds that this machine resolves differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub fragment: String,
    pub list: String,
    /// In the file, not what this machine needs (`None`: the file lacks `needed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_file: Option<String>,
    /// What this machine needs instead (`None`: nothing; the entry is stale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed: Option<String>,
}

impl RunPolicy {
    pub fn note(&mut self, topic: &'static str, text: impl Into<String>) {
        self.notes.push(Note {
            topic,
            text: text.into(),
        });
    }

    /// Adds an entry to a list unless it is there.
    pub fn add(&mut self, list: List, entry: &str) {
        let l = self.settings.list_mut(list);
        if !l.iter().any(|v| v.as_str() == Some(entry)) {
            l.push(entry.into());
        }
    }

    /// Takes an entry out of a list (string entries only).
    pub fn remove(&mut self, list: List, entry: &str) -> bool {
        let l = self.settings.list_mut(list);
        let before = l.len();
        l.retain(|v| v.as_str() != Some(entry));
        l.len() != before
    }

    /// The bytes srt reads (strict JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.settings.to_bytes()
    }

    /// One line per note and drift, as `run --dry-run` and `doctor` print them.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .notes
            .iter()
            .map(|n| format!("{}: {}", n.topic, n.text))
            .collect();
        for d in &self.drift {
            out.push(format!("drift: {}", d.describe()));
        }
        out
    }
}

impl Drift {
    pub fn describe(&self) -> String {
        match (&self.in_file, &self.needed) {
            (Some(f), Some(n)) => format!(
                "{} {}: .srt.json has {f}, this machine needs {n}",
                self.fragment, self.list
            ),
            (None, Some(n)) => format!(
                "{} {}: this machine needs {n}, which .srt.json lacks",
                self.fragment, self.list
            ),
            (Some(f), None) => format!(
                "{} {}: .srt.json has {f}, which this machine does not need",
                self.fragment, self.list
            ),
            (None, None) => format!("{} {}", self.fragment, self.list),
        }
    }
}

/// The command that brings `.srt.json` up to date with this machine.
pub const REFRESH: &str = "srt-gen init";

/// Builds the run policy. Creates and writes nothing: `create` and `files` are applied by
/// the launch, after `--dry-run` had its chance to show them.
pub fn build(cx: &Context<'_>, force: bool) -> Result<RunPolicy, Error> {
    let mut p = RunPolicy {
        settings: cx.committed.clone(),
        ..RunPolicy::default()
    };
    machine::apply(cx, &mut p)?;
    floor::apply(cx, &mut p)?;
    caches::apply(cx, &mut p)?;
    // Always: a run that is not the agent gets none of the agent's keys.
    agent::apply(cx, &mut p)?;
    secrets::apply(cx, &mut p)?;
    git::apply(cx, &mut p)?;
    keep_own_state_out(cx, &mut p);
    p.settings.record = None;
    for i in &p.inside {
        check_inside(i)?;
    }
    // Names srt-gen sets must be names; a name it only removes from srt's environment
    // may be anything the environment holds (`npm_config_//host/:_authToken`).
    for name in p.env_set.keys() {
        check_var(name)?;
    }
    if !force {
        gate(cx, &p)?;
    }
    if !p.drift.is_empty() {
        p.note(
            "machine",
            format!(
                "{} was written for another environment; this run uses what this machine needs, \
                 and `{REFRESH}` writes it into the file",
                cx.project.settings.display()
            ),
        );
    }
    Ok(p)
}

/// srt-gen's own files (the sanitized configuration copies, the per-run folder) must never
/// be writable from inside, whatever write root a hand-written policy holds.
fn keep_own_state_out(cx: &Context<'_>, p: &mut RunPolicy) {
    let roots: Vec<PathBuf> = p
        .settings
        .strings(List::AllowWrite)
        .into_iter()
        .map(|e| crate::env::resolve_symlinks(&cx.env.absolute(e, &cx.project.root)))
        .collect();
    for own in [&cx.state.config, &cx.state.runs] {
        let real = crate::env::resolve_symlinks(own);
        if roots.iter().any(|r| real.starts_with(r)) {
            let spelled = cx.env.tilde(own);
            p.add(List::DenyWrite, &spelled);
            if !p.create.contains(own) {
                p.create.push(own.clone());
            }
            p.note(
                "state",
                format!("{spelled} (srt-gen's own files) write-protected: a write root of the policy covers it"),
            );
        }
    }
}

/// The run policy is linted as any policy: an error here that `.srt.json` does not have
/// came from this machine's environment (or a bug), and stops the run.
fn gate(cx: &Context<'_>, p: &RunPolicy) -> Result<(), Error> {
    let ctx = lint::LintContext::for_project(cx.env, cx.project);
    let value = serde_json::to_value(&p.settings).expect("settings serialize");
    let committed = serde_json::to_value(cx.committed).expect("settings serialize");
    let before: BTreeSet<String> = lint::lint(&committed, &ctx)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message)
        .collect();
    // The masks this run's steps added (not in the file) stand for their floor denies.
    let mask_paths = |v: &serde_json::Value| -> Vec<String> {
        v.pointer("/credentials/files")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter(|f| f.get("mode").and_then(serde_json::Value::as_str) == Some("mask"))
            .filter_map(|f| f.get("path").and_then(serde_json::Value::as_str))
            .map(str::to_string)
            .collect()
    };
    let in_file = mask_paths(&committed);
    let ctx = lint::LintContext {
        masked: mask_paths(&value)
            .into_iter()
            .filter(|m| !in_file.contains(m))
            .collect(),
        handled: p.floor_handled.clone(),
        ..ctx
    };
    let new: Vec<_> = lint::lint(&value, &ctx)
        .into_iter()
        .filter(|f| f.severity == Severity::Error && !before.contains(&f.message))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut msg = String::from(
        "the policy this run would use has problems that .srt.json does not (they come from this \
         machine's environment):",
    );
    for f in &new {
        msg.push_str(&format!("\n  {}: {} (fix: {})", f.key, f.message, f.fix));
    }
    Err(Error::Findings(msg))
}

/// A variable name the wrapper and srt can take.
pub fn check_var(name: &str) -> Result<(), Error> {
    crate::catalog::fragment::check_var_name(name).map_err(|_| {
        Error::Usage(format!(
            "`{name}` is not a variable name (letters, digits and `_`, not starting with a digit)"
        ))
    })
}

fn check_inside(i: &Inside) -> Result<(), Error> {
    match i {
        Inside::Set { var, .. } | Inside::Unset { var } | Inside::DropItem { var, .. } => {
            check_var(var)
        }
        Inside::Copy { var, from } => check_var(var).and_then(|()| check_var(from)),
    }
}

impl Inside {
    /// The wrapper's argument for this change (see `launch::WRAPPER`).
    pub fn arg(&self) -> String {
        match self {
            Inside::Set { var, value } => format!("set:{var}={value}"),
            Inside::Copy { var, from } => format!("copy:{var}={from}"),
            Inside::Unset { var } => format!("unset:{var}"),
            Inside::DropItem { var, item } => format!("drop:{var}={item}"),
        }
    }
}

/// Creates the folders and writes the staged files of a run policy. Files are written
/// with [`crate::files::write_atomic`] after checking that no component of their folder
/// is a symlink (a sandbox may have planted one in a folder it can write).
pub fn apply(p: &RunPolicy) -> Result<(), Error> {
    for d in &p.create {
        std::fs::create_dir_all(d)
            .map_err(|e| Error::io(format!("cannot create {}", d.display()), e))?;
    }
    for f in &p.files {
        let dir = f.path.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        if crate::env::resolve_symlinks(dir) != dir {
            return Err(Error::Refused(format!(
                "{} is reached through a symbolic link; srt-gen writes nothing there",
                dir.display()
            )));
        }
        crate::files::write_atomic(&f.path, &f.bytes)?;
    }
    super::seed::apply(&p.seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_are_checked() {
        for ok in ["A", "_x", "NO_PROXY", "npm_config_cache", "A1"] {
            assert!(check_var(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "$A", "A;B"] {
            assert!(check_var(bad).is_err(), "{bad}");
        }
        assert!(check_inside(&Inside::Copy {
            var: "YARN_HTTPS_PROXY".into(),
            from: "HTTPS_PROXY;x".into()
        })
        .is_err());
    }
}
