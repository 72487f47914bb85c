//! The linter: what srt accepts but does not enforce, what it rejects, and what hands the
//! sandbox a way out. A pure function over the parsed JSON (so unknown keys and wrong
//! types are seen before the typed model drops or refuses them), used by `check` and by
//! every command that writes or runs a config. Its parts, one job each: [`schema`] (srt's
//! keys and types), [`hosts`] (host syntax, risky hosts), [`paths`] (which write roots
//! carry the sandbox out), [`locate`] (the line of each finding) and [`gate`] (what stops
//! srt-gen from writing a config).

pub mod floor;
pub mod gate;
pub mod hosts;
pub mod keys;
pub mod locate;
pub mod paths;
pub mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::env::{Env, Os};
use crate::error::Error;
use crate::policy::settings::{Record, RECORD_KEY};

pub use gate::gate_generated;
pub use hosts::exfiltration_risk;
pub use locate::locate;

/// How bad a finding is: errors fail `check` (exit 1) and stop srt-gen from writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem, at one key path (`filesystem.allowWrite[2]`), with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: Severity,
    pub key: String,
    /// 1-based line in the file's text, when the finding was located (see [`locate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column of the key (or entry) on that line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
    pub fix: String,
    /// `run` refuses the file even with `--force`: the key makes srt run or load what a
    /// sandboxed run could have written (see [`keys`]).
    #[serde(rename = "noForce", skip_serializing_if = "std::ops::Not::not")]
    pub no_force: bool,
}

impl Finding {
    pub(crate) fn new(
        severity: Severity,
        key: impl Into<String>,
        message: String,
        fix: String,
    ) -> Finding {
        Finding {
            severity,
            key: key.into(),
            line: None,
            column: None,
            message,
            fix,
            no_force: false,
        }
    }
}

/// What the linter needs besides the file: whose machine (home, PATH, platform), which
/// project (relative paths resolve against it: `srt-gen run` starts srt there) and which
/// files the sandbox must not be able to rewrite.
#[derive(Debug, Clone)]
pub struct LintContext<'a> {
    pub env: &'a Env,
    pub project: PathBuf,
    /// The settings file itself, and the files whose change widens the sandbox next time
    /// (the justfile recipes, project fragments, the agent's project settings).
    pub protected: Vec<PathBuf>,
    /// The base fragment's read denies for this machine (empty: the floor is not checked).
    pub floor: Vec<floor::FloorEntry>,
    /// `credentials.files` masks that srt-gen itself made for this run (the paths as the
    /// policy spells them): only these keep a floor entry in place of its deny. A mask in a
    /// file is the file's own, and its `extract` may match nothing.
    pub masked: Vec<String>,
    /// Base credential denies srt-gen itself lifted for this run (a config file it read
    /// and found without a token), as the policy spells them.
    pub handled: Vec<String>,
}

impl<'a> LintContext<'a> {
    /// The context for a project's own `.srt.json` and recipes.
    pub fn for_project(env: &'a Env, project: &crate::detect::project::Project) -> LintContext<'a> {
        LintContext {
            env,
            project: project.root.clone(),
            protected: vec![
                project.settings.clone(),
                project.justfile.clone(),
                project.root.join(".srt-gen").join("fragments"),
                project.root.join(".claude").join("settings.json"),
                project.root.join(".claude").join("settings.local.json"),
            ],
            floor: floor::floor_entries(env, &[env.os]),
            masked: Vec::new(),
            handled: Vec::new(),
        }
    }
}

/// `prefix.key`, or `key` at the top level.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Every finding for one parsed settings file, in key order within each check.
pub fn lint(value: &Value, ctx: &LintContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let Value::Object(top) = value else {
        out.push(Finding::new(
            Severity::Error,
            "",
            "the top level must be a JSON object".into(),
            "start from `srt-gen init`, or wrap the settings in `{ ... }`".into(),
        ));
        return out;
    };
    schema::check_object(top, "", "", &mut out);
    let record = match top.get(RECORD_KEY).map(Record::deserialize) {
        None => None,
        Some(Ok(rec)) => Some(rec),
        Some(Err(e)) => {
            out.push(Finding::new(
                Severity::Error,
                RECORD_KEY,
                format!("srt-gen's record is not as srt-gen writes it: {e}"),
                format!("remove `{RECORD_KEY}` and run `srt-gen init` to start afresh"),
            ));
            None
        }
    };
    let generated = generated_entries(record.as_ref());
    if let Some(rec) = &record {
        check_shared_caches(rec, &mut out);
    }
    hosts::check_hosts(top, record.as_ref(), &mut out);
    paths::check_paths(top, ctx, &generated, &mut out);
    check_platform(top, ctx, &mut out);
    keys::check_keys(top, ctx, &mut out);
    floor::check_floor(top, ctx, &mut out);
    if let Some(pass) = record
        .as_ref()
        .map(|r| &r.pass_env)
        .filter(|p| !p.is_empty())
    {
        let names: Vec<&str> = pass.iter().map(String::as_str).collect();
        out.push(Finding::new(
            Severity::Warning,
            format!("{RECORD_KEY}.passEnv"),
            format!(
                "these variables reach the sandbox even where they hold a secret: {}",
                names.join(", ")
            ),
            "keep only what a command inside really needs; a repository you did not write should list none".into(),
        ));
    }
    out
}

/// `list key → entries` that srt-gen's record says a fragment gave (and the user did not
/// also write): the user did not choose them one by one.
fn generated_entries(record: Option<&Record>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(rec) = record else {
        return out;
    };
    for f in rec.fragments.values() {
        for (k, entries) in &f.entries {
            let yours = rec.yours.get(k);
            out.entry(k.clone()).or_default().extend(
                entries
                    .iter()
                    .filter(|e| !yours.is_some_and(|y| y.contains(*e)))
                    .cloned(),
            );
        }
    }
    out
}

/// `init --shared-caches`: `run` leaves those caches where the user's own tools read them.
fn check_shared_caches(rec: &Record, out: &mut Vec<Finding>) {
    for name in &rec.shared_caches {
        out.push(Finding::new(
            Severity::Warning,
            format!("{RECORD_KEY}.sharedCaches"),
            format!(
                "`{name}`'s caches are shared with your own tools: code a sandboxed run writes there (a package's build script, a downloaded tool) runs outside the sandbox later"
            ),
            format!("`srt-gen init --own-caches {name}` gives the sandbox its own caches again"),
        ));
    }
}

fn check_platform(top: &Map<String, Value>, ctx: &LintContext<'_>, out: &mut Vec<Finding>) {
    let net = top.get("network");
    if ctx.env.os == Os::Linux
        && net
            .and_then(|n| n.get("allowUnixSockets"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    {
        out.push(Finding::new(
            Severity::Warning,
            "network.allowUnixSockets",
            "srt ignores allowUnixSockets on Linux (seccomp cannot filter by path): these sockets stay blocked".into(),
            "on Linux only allowAllUnixSockets: true lifts the block, for every socket; leave this for macOS or remove it".into(),
        ));
    }
    if top.get("filesystem").and_then(|f| f.get("disabled")) == Some(&Value::Bool(true)) {
        out.push(Finding::new(
            Severity::Error,
            "filesystem.disabled",
            "every filesystem rule is switched off: the lists in this file protect nothing".into(),
            "remove \"disabled\": true".into(),
        ));
    }
}

/// Reads and lints a settings file. Unreadable or unparseable files are `Error::Parse` or
/// `Error::Refused` (naming file:line:col); findings come back with their lines filled in.
pub fn check_file(path: &Path, ctx: &LintContext<'_>) -> Result<Vec<Finding>, Error> {
    let text = crate::files::read_text(path)?.ok_or_else(|| {
        Error::Usage(crate::error::with_tip(
            format!("{} does not exist", path.display()),
            "name an existing settings file, or run `srt-gen init` to write the project's",
        ))
    })?;
    check_text(&text, path, ctx)
}

/// Lints a settings file's text (strict JSON, as srt reads it).
pub fn check_text(text: &str, path: &Path, ctx: &LintContext<'_>) -> Result<Vec<Finding>, Error> {
    let file = path.display().to_string();
    let value = crate::policy::settings::parse_json(text, &file)?;
    let mut findings = lint(&value, ctx);
    locate::locate(&mut findings, text);
    // In file order, as a reader goes through the file.
    findings.sort_by_key(|f| f.line);
    Ok(findings)
}

/// Counts of errors and warnings.
pub fn counts(findings: &[Finding]) -> (usize, usize) {
    let e = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (e, findings.len() - e)
}

/// `FILE:LINE:COL: error: key: message (fix: ...)`, one a line, then a count.
pub fn render_human(file: &str, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let at = match (f.line, f.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.to_string(),
        };
        let key = if f.key.is_empty() {
            String::new()
        } else {
            format!("{}: ", f.key)
        };
        let severity = match f.severity {
            Severity::Error => crate::ui::style::paint(crate::ui::style::ERROR, "error"),
            Severity::Warning => crate::ui::style::paint(crate::ui::style::WARNING, "warning"),
        };
        out.push_str(&format!(
            "{at}: {severity}: {key}{} (fix: {})\n",
            f.message, f.fix
        ));
    }
    let (e, w) = counts(findings);
    if findings.is_empty() {
        out.push_str(&format!("{file}: no problems found\n"));
    } else {
        out.push_str(&format!(
            "{file}: {e} error{}, {w} warning{}\n",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The JSON report `check --json` prints.
pub fn render_json(file: &str, findings: &[Finding]) -> Value {
    let (e, w) = counts(findings);
    serde_json::json!({
        "file": file,
        "errors": e,
        "warnings": w,
        "findings": findings,
    })
}

/// What the linter's tests share: a context on temp folders, and files built from the
/// smallest valid one.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use serde_json::json;

    pub(crate) fn env(home: &Path, path: &str) -> Env {
        Env {
            vars: [("PATH".to_string(), path.to_string())].into(),
            home: home.to_path_buf(),
            os: Os::Linux,
        }
    }

    pub(crate) fn base() -> Value {
        json!({
            "network": {"allowedDomains": [], "deniedDomains": []},
            "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}
        })
    }

    pub(crate) fn run(v: &Value) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        let e = env(&home, "/usr/bin:/bin");
        let ctx = LintContext {
            env: &e,
            project: project.clone(),
            protected: vec![project.join(".srt.json")],
            floor: Vec::new(),
            masked: Vec::new(),
            handled: Vec::new(),
        };
        lint(v, &ctx)
    }

    pub(crate) fn keys(f: &[Finding]) -> Vec<(Severity, &str)> {
        f.iter().map(|f| (f.severity, f.key.as_str())).collect()
    }

    pub(crate) fn with(path: &str, val: Value) -> Value {
        let mut v = base();
        let mut cur = &mut v;
        let parts: Vec<&str> = path.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            cur = cur.get_mut(*p).unwrap();
        }
        cur[parts[parts.len() - 1]] = val;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn the_minimal_file_is_clean() {
        assert_eq!(run(&base()), vec![]);
    }

    #[test]
    fn a_record_srt_gen_did_not_write_is_one_error() {
        let mut v = base();
        v[RECORD_KEY] = json!({"fragments": {}});
        let f = run(&v);
        assert_eq!(keys(&f), vec![(Severity::Error, RECORD_KEY)]);
        assert_eq!(
            f[0].message,
            "srt-gen's record is not as srt-gen writes it: missing field `version`"
        );
        v[RECORD_KEY] = json!({"version": 1, "fragments": {}});
        assert_eq!(run(&v), vec![]);
    }

    #[test]
    fn a_policy_that_lets_secrets_in_says_which() {
        let mut v = base();
        v[RECORD_KEY] = json!({"version": 1, "fragments": {}, "passEnv": ["GITHUB_TOKEN"]});
        let f = run(&v);
        assert_eq!(keys(&f), vec![(Severity::Warning, "srtGen.passEnv")]);
        assert!(f[0].message.contains("GITHUB_TOKEN"), "{}", f[0].message);
    }

    #[test]
    fn platform_entries_and_absent_denies() {
        let mut v = with("network.allowUnixSockets", json!(["/var/run/docker.sock"]));
        v["filesystem"]["denyRead"] = json!(["/nonexistent-srt-gen-test/secret", "/"]);
        v["filesystem"]["disabled"] = json!(true);
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Warning, "filesystem.denyRead[0]"),
                (Severity::Warning, "network.allowUnixSockets"),
                (Severity::Error, "filesystem.disabled"),
            ]
        );
    }
}
