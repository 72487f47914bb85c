//! Run policy step: issue 18 (secrets stay outside).
//!
//! - Every variable of srt-gen's environment that the secret catalog names or matches
//!   (`catalog::secrets`; srt takes no patterns, so they are expanded here) is withheld:
//!   taken out of srt's own environment, and listed in `credentials.envVars` as `deny`
//!   (for the names srt can take). The key the running agent's endpoint uses is the agent
//!   step's, which masks it; every other agent key is withheld here. `--pass-env NAME` and
//!   the record's `passEnv` let a name through.
//! - The project's `.env` files below the root (the policy file names the root's usual
//!   ones; srt's own glob expansion costs seconds in a large tree) are made unreadable,
//!   examples and templates excepted, unless the `dotenv` fragment was removed.
//!
//! The notes name what was withheld, never a value.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::catalog::secrets::{srt_can_name, Secrets};
use crate::catalog::List;
use crate::error::Error;
use crate::policy::secrets::{deny_entry, CREDENTIALS, ENV_VARS};

use super::{Context, RunPolicy};

/// The fragment whose removal lets the sandbox read the project's `.env` files.
const DOTENV: &str = "dotenv";

/// Suffixes of `.env.*` files that hold no secret (templates other tools read).
const NOT_SECRET: &[&str] = &[
    "example", "sample", "template", "tmpl", "tpl", "dist", "schema", "defaults",
];

pub(super) fn apply(cx: &Context<'_>, p: &mut RunPolicy) -> Result<(), Error> {
    let mut pass: BTreeSet<String> = cx.pass_env.clone();
    if let Some(r) = &cx.committed.record {
        pass.extend(r.pass_env.iter().cloned());
    }
    let secrets = Secrets::builtin();
    // Names the policy already handles in another mode (the agent step's mask of the key
    // its endpoint uses, with its injectHosts): srt needs their real value in its own
    // environment. Every other agent key, the running agent's included (Bedrock's token
    // on the Anthropic API), is withheld like any secret.
    let masked: BTreeSet<String> = crate::policy::secrets::env_entries(&p.settings)
        .iter()
        .filter(|v| v.get("mode").and_then(Value::as_str) != Some("deny"))
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let withheld: Vec<String> = secrets
        .withheld(cx.env.vars.keys().map(String::as_str), &pass)
        .into_iter()
        .map(|m| m.name)
        .filter(|n| !masked.contains(n))
        .collect();
    // A deny the file lists for a name passed on purpose, or for a key the agent step
    // masks, goes.
    let cred = p
        .settings
        .other
        .entry(CREDENTIALS.to_string())
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(cred) = cred {
        if let Value::Array(list) = cred
            .entry(ENV_VARS.to_string())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.retain(|v| {
                let deny = v.get("mode").and_then(Value::as_str) == Some("deny");
                let name = v.get("name").and_then(Value::as_str).unwrap_or("");
                !(deny && (pass.contains(name) || masked.contains(name)))
            });
            let listed: BTreeSet<String> = list
                .iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            for n in withheld
                .iter()
                .filter(|n| srt_can_name(n) && !listed.contains(*n))
            {
                list.push(deny_entry(n));
            }
            if list.is_empty() {
                cred.remove(ENV_VARS);
            }
        }
        if cred.is_empty() {
            p.settings.other.remove(CREDENTIALS);
        }
    }
    p.env_remove.extend(withheld.iter().cloned());
    if !withheld.is_empty() {
        p.note(
            "secret",
            format!(
                "withheld from the sandbox: {} (`--pass-env NAME` lets one through)",
                withheld
                    .iter()
                    .map(|n| crate::shown::shown(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let passed: Vec<&String> = pass
        .iter()
        .filter(|n| cx.env.vars.contains_key(*n))
        .collect();
    if !passed.is_empty() {
        p.note(
            "secret",
            format!(
                "let into the sandbox on purpose (--pass-env, srtGen.passEnv): {}",
                passed
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    dotenv_files(cx, p);
    Ok(())
}

/// Whether `name` is a secret `.env` file name (`.env`, `.env.local`, `.env.production`),
/// not a template (`.env.example`).
pub(crate) fn is_secret_env_file(name: &str) -> bool {
    if name == ".env" {
        return true;
    }
    let Some(rest) = name.strip_prefix(".env.") else {
        return false;
    };
    !rest.is_empty()
        && !rest
            .split('.')
            .any(|part| NOT_SECRET.contains(&part.to_ascii_lowercase().as_str()))
}

/// The most entries the `.env` walk looks at: a bound on a hostile tree.
const WALK_LIMIT: usize = 500_000;

fn dotenv_files(cx: &Context<'_>, p: &mut RunPolicy) {
    let excluded = cx
        .committed
        .record
        .as_ref()
        .is_some_and(|r| r.excluded.contains(DOTENV));
    if excluded {
        return;
    }
    let skip: Vec<String> = cx
        .catalog
        .skip_dirs()
        .into_iter()
        .map(str::to_string)
        .collect();
    let root = cx.project.root.clone();
    let walker = ignore::WalkBuilder::new(&root)
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .filter_entry(move |e| {
            let dir = e.file_type().is_some_and(|t| t.is_dir());
            !(dir
                && e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| n == ".git" || skip.iter().any(|s| s == n)))
        })
        .build();
    let mut found = Vec::new();
    for entry in walker.flatten().take(WALK_LIMIT) {
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            continue;
        };
        if !is_secret_env_file(name) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&root) else {
            continue;
        };
        let spelled = format!("./{}", rel.display());
        if spelled.contains('\n')
            || p.settings
                .strings(List::DenyRead)
                .contains(&spelled.as_str())
        {
            continue;
        }
        found.push(spelled);
    }
    found.sort();
    for f in &found {
        p.add(List::DenyRead, f);
    }
    if !found.is_empty() {
        p.note(
            "secret",
            format!(
                "unreadable inside: {} (`srt-gen remove dotenv` lets the sandbox read .env files)",
                found
                    .iter()
                    .map(|f| crate::shown::shown(f).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_are_told_from_their_templates() {
        for s in [
            ".env",
            ".env.local",
            ".env.production",
            ".env.staging.local",
            ".env.test",
        ] {
            assert!(is_secret_env_file(s), "{s}");
        }
        for n in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.local.example",
            ".env.dist",
            ".envrc",
            "env",
            ".env.",
            "x.env",
        ] {
            assert!(!is_secret_env_file(n), "{n}");
        }
    }
}
