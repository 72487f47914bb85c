//! The floor (issue 18.3): the base fragment's credential denies, which no file may lower.
//! `init` puts them back whatever the record's `removed` or a hand edit says
//! (`policy::compose`); here a file that lacks one, or re-opens one with `allowRead`, is an
//! error, so that `check` reports it and `run` refuses it.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{Finding, LintContext, Severity};
use crate::catalog::{Catalog, Kind, List};
use crate::env::{normalize, Env, Os};

/// One path the floor keeps unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloorEntry {
    /// As srt-gen spells it for this machine (`~/.ssh`, `$GNUPGHOME`'s value).
    pub path: String,
    /// The same entry with no variable set (`~/.gnupg`), when that differs: a file written
    /// on another machine spells it so.
    pub default: Option<String>,
}

/// The base fragment's read denies for `platforms`, as this machine spells them.
pub fn floor_entries(env: &Env, platforms: &[Os]) -> Vec<FloorEntry> {
    let Some(base) = Catalog::builtin_ref()
        .fragments
        .iter()
        .find(|f| f.kind == Kind::Base)
    else {
        return Vec::new();
    };
    let bare = Env {
        vars: Default::default(),
        home: env.home.clone(),
        os: env.os,
    };
    let mut out: Vec<FloorEntry> = Vec::new();
    // Resolved once: each entry's default is looked up in it (it was resolved again for
    // every entry, a realpath each, thousands in one `init`).
    let defaults = base.resolve(&bare, platforms);
    for r in base.resolve(env, platforms) {
        if r.list != List::DenyRead {
            continue;
        }
        // The same template without variables: find it by source (each entry has its own).
        let default = defaults
            .iter()
            .find(|d| d.list == List::DenyRead && d.source == r.source && d.value != r.value)
            .map(|d| d.value.clone());
        let e = FloorEntry {
            path: r.value,
            default,
        };
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

fn resolve(spelled: &str, ctx: &LintContext<'_>) -> PathBuf {
    crate::env::resolve_symlinks(&normalize(&ctx.env.absolute(spelled, &ctx.project)))
}

/// A read deny and the paths it covers, as srt resolves them: `denyRead` entries,
/// `credentials.files` entries in `deny` mode, and the `mask` entries srt-gen made for this
/// run (`ctx.masked`). Such a mask keeps the file readable with every token replaced by a
/// stand-in (the run policy does that for tools that stop on an unreadable `~/.npmrc` or
/// `~/.yarnrc.yml`, issue 14), so the secret stays out, which is what the floor keeps. A
/// mask written in a file never counts: its `extract` may match nothing, and then the whole
/// file is readable.
fn denied(top: &Map<String, Value>, ctx: &LintContext<'_>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = top
        .get("filesystem")
        .and_then(|f| f.get("denyRead"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(crate::policy::settings::entry_text)
        .filter(|s| !s.is_empty())
        .map(|s| resolve(s, ctx))
        .collect();
    out.extend(
        top.get("credentials")
            .and_then(|c| c.get("files"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| {
                let path = f.get("path").and_then(Value::as_str)?;
                match f.get("mode").and_then(Value::as_str) {
                    Some("deny") => Some(path),
                    Some("mask") if ctx.masked.iter().any(|m| m == path) => Some(path),
                    _ => None,
                }
            })
            .map(|s| resolve(s, ctx)),
    );
    out
}

pub(super) fn check_floor(top: &Map<String, Value>, ctx: &LintContext<'_>, out: &mut Vec<Finding>) {
    if ctx.floor.is_empty() {
        return;
    }
    let denied = denied(top, ctx);
    let covered = |spelled: &str| {
        let p = resolve(spelled, ctx);
        denied.iter().any(|d| p.starts_with(d))
    };
    let mut missing = Vec::new();
    let mut drifted = Vec::new();
    for e in &ctx.floor {
        if covered(&e.path) || ctx.handled.contains(&e.path) {
            continue;
        }
        match &e.default {
            Some(d) if covered(d) => drifted.push(format!("{} (the file has {d})", e.path)),
            _ => missing.push(e.path.as_str()),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(12).copied().collect();
        let more = missing.len().saturating_sub(shown.len());
        out.push(Finding::new(
            Severity::Error,
            "filesystem.denyRead",
            format!(
                "{} of srt-gen's base credential protections {} missing, so the sandbox can read {}: {}{}",
                missing.len(),
                if missing.len() == 1 { "is" } else { "are" },
                if missing.len() == 1 { "it" } else { "them" },
                shown.join(", "),
                if more > 0 { format!(", and {more} more") } else { String::new() }
            ),
            "run `srt-gen init`, which puts every one back (no record or hand edit can drop them), or add them to filesystem.denyRead".into(),
        ));
    }
    if !drifted.is_empty() {
        out.push(Finding::new(
            Severity::Warning,
            "filesystem.denyRead",
            format!(
                "this machine keeps credentials where the file does not look: {}",
                drifted.join(", ")
            ),
            "run `srt-gen init` on this machine (`srt-gen run` denies them anyway)".into(),
        ));
    }
    // allowRead re-opens what a denyRead above it hides.
    let floor: Vec<PathBuf> = ctx.floor.iter().map(|e| resolve(&e.path, ctx)).collect();
    for (i, v) in top
        .get("filesystem")
        .and_then(|f| f.get("allowRead"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(spelled) = crate::policy::settings::entry_text(v).filter(|s| !s.is_empty()) else {
            continue;
        };
        let key = format!("filesystem.allowRead[{i}]");
        // srt expands an allowRead glob on Linux: `~/.ss*` re-opens `~/.ssh`. A glob counts
        // by the text before its first wildcard, as a prefix of the path's text.
        let hit = match spelled.find(['*', '?', '[']) {
            Some(g) => {
                let pre = &spelled[..g];
                let base = resolve(pre, ctx);
                let mut text = base.to_string_lossy().into_owned();
                if pre.ends_with('/') && !text.ends_with('/') {
                    text.push('/');
                }
                floor
                    .iter()
                    .position(|p| p.to_string_lossy().starts_with(&text) || base.starts_with(p))
            }
            None => {
                let a = resolve(spelled, ctx);
                floor
                    .iter()
                    .position(|p| a.starts_with(p) || p.starts_with(&a))
            }
        };
        match hit {
            Some(j) => out.push(Finding::new(
                Severity::Error,
                &key,
                format!(
                    "`{spelled}` re-opens `{}`, which srt-gen's base protections keep unreadable",
                    ctx.floor[j].path
                ),
                "remove it".into(),
            )),
            None => out.push(Finding::new(
                Severity::Warning,
                &key,
                format!("`{spelled}` is readable even where a denyRead above it says otherwise"),
                "make sure nothing secret lies under it".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;
    use super::*;
    use serde_json::json;

    fn with_floor(v: &Value, extra_env: &[(&str, &str)]) -> Vec<Finding> {
        with_floor_masked(v, extra_env, &[])
    }

    fn with_floor_masked(v: &Value, extra_env: &[(&str, &str)], masked: &[&str]) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        let mut e = env(&home, "/usr/bin:/bin");
        for (k, val) in extra_env {
            e.vars.insert(k.to_string(), val.to_string());
        }
        let ctx = LintContext {
            env: &e,
            project: project.clone(),
            protected: vec![project.join(".srt.json")],
            floor: floor_entries(&e, &[Os::Linux]),
            masked: masked.iter().map(|m| m.to_string()).collect(),
            handled: Vec::new(),
        };
        lint(v, &ctx)
    }

    fn all_floor(home_vars: &[(&str, &str)]) -> Vec<String> {
        let e = Env {
            vars: home_vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: "/nonexistent-h".into(),
            os: Os::Linux,
        };
        floor_entries(&e, &[Os::Linux])
            .into_iter()
            .map(|f| f.path.replace("/nonexistent-h", "~"))
            .collect()
    }

    #[test]
    fn the_floor_is_the_base_fragments_read_denies() {
        let f = all_floor(&[]);
        for p in [
            "~/.ssh",
            "~/.aws",
            "~/.bash_history",
            "~/.vault-token",
            "~/.docker",
        ] {
            assert!(f.iter().any(|x| x == p), "{p} not in the floor: {f:?}");
        }
    }

    #[test]
    fn a_file_without_the_floor_is_one_error_and_allow_read_cannot_reopen_it() {
        let f = with_floor(&base(), &[]);
        let floor: Vec<_> = f
            .iter()
            .filter(|x| x.key == "filesystem.denyRead")
            .collect();
        assert_eq!(floor.len(), 1, "{f:#?}");
        assert_eq!(floor[0].severity, Severity::Error);
        assert!(floor[0].message.contains("~/.ssh") || floor[0].message.contains("/.ssh"));

        let mut v = base();
        v["filesystem"]["denyRead"] =
            Value::Array(all_floor(&[]).into_iter().map(Value::String).collect());
        // The test's home is a temp folder: spell the entries as `~/...` for it.
        let clean = with_floor(&v, &[]);
        assert!(
            !clean.iter().any(|x| x.key == "filesystem.denyRead"),
            "{clean:#?}"
        );
        v["filesystem"]["allowRead"] = json!(["~/.ssh/known_hosts", "~/notes"]);
        let f = with_floor(&v, &[]);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "filesystem.allowRead[0]"),
                (Severity::Warning, "filesystem.allowRead[1]"),
            ]
        );
        // A glob srt expands re-opens what it matches: `~/.ss*` is `~/.ssh`.
        v["filesystem"]["allowRead"] = json!(["~/.ss*", "~/*", "~/notes/*.md"]);
        let f = with_floor(&v, &[]);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "filesystem.allowRead[0]"),
                (Severity::Error, "filesystem.allowRead[1]"),
                (Severity::Warning, "filesystem.allowRead[2]"),
            ]
        );
    }

    #[test]
    fn a_masked_credential_file_keeps_the_floor_and_an_unmasked_one_does_not() {
        // The run policy trades `~/.npmrc`'s deny for a mask (issue 14): tokens stay out.
        let mut v = base();
        let rest: Vec<Value> = all_floor(&[])
            .into_iter()
            .filter(|p| p != "~/.npmrc")
            .map(Value::String)
            .collect();
        v["filesystem"]["denyRead"] = Value::Array(rest);
        let floor_errors = |v: &Value| {
            with_floor(v, &[])
                .into_iter()
                .filter(|x| x.key == "filesystem.denyRead")
                .count()
        };
        assert_eq!(floor_errors(&v), 1, "~/.npmrc is neither denied nor masked");
        // A mask written in the file does not count: its extract may match nothing.
        v["credentials"] = json!({"files": [{"path": "~/.npmrc", "mode": "mask",
            "extract": "NEVER-MATCHES", "injectHosts": ["never.invalid"]}]});
        assert_eq!(floor_errors(&v), 1, "a hand-written mask lowers nothing");
        // The one srt-gen made for this run does.
        let masked = with_floor_masked(&v, &[], &["~/.npmrc"])
            .into_iter()
            .filter(|x| x.key == "filesystem.denyRead")
            .count();
        assert_eq!(masked, 0, "srt-gen's own mask keeps the token out");
    }

    #[test]
    fn a_file_written_where_a_variable_differs_is_a_warning_not_an_error() {
        let mut v = base();
        v["filesystem"]["denyRead"] =
            Value::Array(all_floor(&[]).into_iter().map(Value::String).collect());
        let f = with_floor(&v, &[("GNUPGHOME", "/nonexistent-gpg")]);
        assert_eq!(
            keys(&f),
            vec![(Severity::Warning, "filesystem.denyRead")],
            "{f:#?}"
        );
    }
}
