//! Path checks, and the one place that decides whether a write root is dangerous: a write
//! root that holds the home folder, a PATH folder or a tool's programs, a shell or git
//! start-up file, or the configuration folder carries the sandbox out
//! ([`dangerous_root`]); the policy file and recipes must stay write-protected; globs and
//! spellings srt reads differently; deny entries that protect nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Finding, LintContext, Severity};
use crate::catalog::List;
use crate::env::{normalize, Os};

/// Files in the home directory that a shell, git or ssh runs or trusts at the next login:
/// writable from inside, they carry the sandbox out.
pub(crate) const STARTUP_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".cshrc",
    ".tcshrc",
    ".kshrc",
    ".mkshrc",
    ".inputrc",
    ".config/fish",
    ".config/nushell",
    ".config/autostart",
    ".config/systemd",
    ".config/environment.d",
    ".config/git",
    ".gitconfig",
    ".ssh",
    ".pam_environment",
    ".xprofile",
    ".xinitrc",
    "Library/LaunchAgents",
];

/// Tool homes whose programs run outside the sandbox later, as `(variable, default under
/// home, folder, tree)`. `tree`: the folder holds whole toolchains (`toolchains/*/bin`), so
/// writing anywhere inside it counts; otherwise it is a folder of programs, like a PATH
/// entry, and only it and the folders above it count (PATH lookup does not recurse).
const TOOL_BINS: &[(&str, &str, &str, bool)] = &[
    ("CARGO_HOME", ".cargo", "bin", false),
    ("RUSTUP_HOME", ".rustup", "toolchains", true),
    ("GOPATH", "go", "bin", false),
    ("", ".local", "bin", false),
    ("", ".npm-global", "bin", false),
    ("PNPM_HOME", ".local/share/pnpm", "", false),
    ("BUN_INSTALL", ".bun", "bin", false),
    ("DENO_INSTALL", ".deno", "bin", false),
    ("VOLTA_HOME", ".volta", "bin", false),
    ("NVM_DIR", ".nvm", "versions", true),
    ("PYENV_ROOT", ".pyenv", "shims", false),
    ("PYENV_ROOT", ".pyenv", "versions", true),
    ("", ".asdf", "shims", false),
    ("", ".asdf", "installs", true),
    ("", ".local/share/mise", "shims", false),
    ("", ".local/share/mise", "installs", true),
    ("SDKMAN_DIR", ".sdkman", "candidates", true),
    ("", ".dotnet", "tools", false),
    ("", ".gem", "bin", false),
];

/// A spelled path as srt resolves it, with symlinks in its existing part resolved.
fn resolve(spelled: &str, ctx: &LintContext<'_>) -> PathBuf {
    crate::env::resolve_symlinks(&normalize(&ctx.env.absolute(spelled, &ctx.project)))
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', ']'])
}

/// Resolved places whose change runs code outside the sandbox later, with why and whether
/// writing anywhere inside counts too (see [`TOOL_BINS`]).
pub(crate) fn executable_dirs(ctx: &LintContext<'_>) -> Vec<(PathBuf, String, bool)> {
    let home = &ctx.env.home;
    let mut out = Vec::new();
    for (var, default, sub, tree) in TOOL_BINS {
        let root = ctx
            .env
            .var(var)
            .filter(|v| Path::new(v).is_absolute())
            .map_or_else(|| home.join(default), PathBuf::from);
        let dir = if sub.is_empty() {
            root.clone()
        } else {
            root.join(sub)
        };
        out.push((
            resolve(&dir.display().to_string(), ctx),
            format!(
                "`{}` holds programs that run outside the sandbox later",
                ctx.env.tilde(&dir)
            ),
            *tree,
        ));
    }
    for dir in ctx.env.var("PATH").unwrap_or("").split(':') {
        if dir.is_empty() || !Path::new(dir).is_absolute() {
            continue;
        }
        out.push((
            resolve(dir, ctx),
            format!("`{dir}` is on PATH: a program written there runs outside the sandbox"),
            false,
        ));
    }
    out
}

pub(super) fn check_paths(
    top: &Map<String, Value>,
    ctx: &LintContext<'_>,
    generated: &BTreeMap<String, Vec<String>>,
    out: &mut Vec<Finding>,
) {
    let linux = ctx.env.os == Os::Linux;
    let fs = top.get("filesystem");
    let entries = |key: &str| -> Vec<(usize, String, bool)> {
        fs.and_then(|f| f.get(key))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .filter_map(|(i, v)| match v {
                        Value::String(s) => Some((i, s.clone(), false)),
                        Value::Object(o) => o
                            .get("path")
                            .and_then(Value::as_str)
                            .map(|s| (i, s.to_string(), true)),
                        _ => None,
                    })
                    .filter(|(_, s, _)| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let allow = entries("allowWrite");
    let deny_write = entries("denyWrite");
    let home = resolve("~", ctx);
    let project = resolve(".", ctx);
    let exec = executable_dirs(ctx);
    let agents = agent_state_paths(ctx);
    let deny_targets: Vec<PathBuf> = deny_write
        .iter()
        .filter(|(_, s, lit)| *lit || !has_glob(s))
        .map(|(_, s, _)| resolve(s.strip_suffix("/**").unwrap_or(s), ctx))
        .collect();
    let mut write_roots: Vec<(String, PathBuf)> = Vec::new();

    for (i, spelled, literal) in &allow {
        let key = format!("filesystem.allowWrite[{i}]");
        if let Some(f) = spelling_finding(&key, spelled) {
            out.push(f);
            continue;
        }
        let glob = !literal && has_glob(spelled);
        let stripped = if *literal {
            spelled.as_str()
        } else {
            spelled.strip_suffix("/**").unwrap_or(spelled)
        };
        if glob && linux && has_glob(stripped) {
            let base = glob_base(stripped);
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!("`{spelled}` is a glob: srt skips glob write paths on Linux, so nothing here is writable"),
                format!("list the folder instead (\"{base}\"), or {{ \"path\": \"{spelled}\", \"literal\": true }} if the name really holds these characters"),
            ));
            continue;
        }
        let target = if glob && has_glob(stripped) {
            resolve(&glob_base(stripped), ctx)
        } else {
            resolve(stripped, ctx)
        };
        if let Some((message, fix)) = dangerous_root(&target, &home, &project, &exec, ctx) {
            out.push(Finding::new(Severity::Error, &key, message, fix));
            continue;
        }
        if let Some((message, fix)) = agent_state(&target, &agents, &deny_targets, ctx) {
            out.push(Finding::new(Severity::Error, &key, message, fix));
            continue;
        }
        if let Some((dir, _, _)) = exec
            .iter()
            .find(|(dir, _, tree)| *tree && target.starts_with(dir))
        {
            // Inside a toolchain tree: persistence, but the catalog allows it on purpose where
            // a pinned toolchain must install itself (rustup), so a warning, not an error.
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!(
                    "`{}` {} installed toolchains: the sandbox can change a compiler or interpreter that later runs outside it",
                    ctx.env.tilde(&target),
                    if target == *dir { "holds".to_string() } else { format!("is inside `{}`, which holds", ctx.env.tilde(dir)) }
                ),
                "install the toolchain outside the sandbox (`rustup toolchain install`, `nvm install`, ...) and take this entry out".into(),
            ));
        }
        write_roots.push((key, target));
    }

    // The settings file and its recipes: covered by a write root, they must be covered by
    // a denyWrite entry too, or the sandbox can widen itself for the next run.
    let denied: Vec<PathBuf> = deny_write
        .iter()
        .filter(|(_, s, lit)| *lit || !has_glob(s))
        .map(|(_, s, _)| resolve(s, ctx))
        .collect();
    let mut flagged = Vec::new();
    for p in &ctx.protected {
        let p = resolve(&p.display().to_string(), ctx);
        if denied.iter().any(|d| p.starts_with(d)) {
            continue;
        }
        if let Some((key, _)) = write_roots.iter().find(|(_, r)| p.starts_with(r)) {
            if flagged.contains(key) {
                continue;
            }
            flagged.push(key.clone());
            let shown = shown_path(&p, ctx);
            out.push(Finding::new(
                Severity::Error,
                key,
                format!("`{shown}` is writable from inside: the sandbox could rewrite its own policy or recipes for the next run"),
                format!("add \"{shown}\" to filesystem.denyWrite"),
            ));
        }
    }

    for (i, spelled, literal) in &deny_write {
        let key = format!("filesystem.denyWrite[{i}]");
        if let Some(f) = spelling_finding(&key, spelled) {
            out.push(f);
            continue;
        }
        let stripped = spelled.strip_suffix("/**").unwrap_or(spelled);
        if !literal && linux && has_glob(stripped) {
            out.push(Finding::new(
                Severity::Error,
                &key,
                format!("`{spelled}` is a glob: srt skips glob write paths on Linux, so this protects nothing"),
                format!("list each path to protect, or the folder that holds them (\"{}\")", glob_base(stripped)),
            ));
        }
    }

    let gen_read = generated.get(List::DenyRead.key());
    for (i, spelled, literal) in entries("denyRead") {
        let key = format!("filesystem.denyRead[{i}]");
        if let Some(f) = spelling_finding(&key, &spelled) {
            out.push(f);
            continue;
        }
        // srt-gen lists every known credential store, present or not, on purpose (see
        // docs/threat-model.md); the warning is for entries a person wrote and may
        // believe enforced.
        if (!literal && has_glob(&spelled)) || gen_read.is_some_and(|g| g.contains(&spelled)) {
            continue;
        }
        let target = ctx.env.absolute(&spelled, &ctx.project);
        if std::fs::symlink_metadata(&target).is_err() {
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!("`{spelled}` does not exist: srt protects nothing there until it exists at launch, so a file created during a session stays readable"),
                "create it now (an empty folder or file) if something may put secrets there, or remove the entry".into(),
            ));
        }
    }
}

/// Every agent's own configuration and state on this machine (the catalog's agents: their
/// homes and state files), with the agent's name. Written from inside, each runs or steers
/// the user's next unsandboxed session (hooks, skills, MCP servers, memory).
fn agent_state_paths(ctx: &LintContext<'_>) -> Vec<(PathBuf, String)> {
    let Ok(catalog) = crate::catalog::Catalog::builtin() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in crate::catalog::agent::agents(&catalog) {
        let spec = f.agent.as_ref().expect("an agent has its table");
        let templates = spec
            .homes
            .iter()
            .map(|h| h.user.as_str())
            .chain(spec.user_files.iter().map(String::as_str));
        for t in templates {
            if let Some(spelled) = ctx.env.expand_path(t, ctx.env.os) {
                out.push((resolve(&spelled, ctx), f.name.clone()));
            }
        }
    }
    out
}

/// Why a write root makes an agent's own configuration writable, and the fix.
fn agent_state(
    target: &Path,
    agents: &[(PathBuf, String)],
    denied: &[PathBuf],
    ctx: &LintContext<'_>,
) -> Option<(String, String)> {
    let (state, agent) = agents.iter().find(|(state, _)| {
        (target.starts_with(state) || state.starts_with(target))
            && !denied.iter().any(|d| {
                if target.starts_with(state) {
                    target.starts_with(d)
                } else {
                    state.starts_with(d)
                }
            })
    })?;
    let shown = ctx.env.tilde(target);
    let place = if target == state {
        "is".to_string()
    } else if target.starts_with(state) {
        format!("is inside `{}`,", ctx.env.tilde(state))
    } else {
        format!("holds `{}`,", ctx.env.tilde(state))
    };
    Some((
        format!("`{shown}` {place} the {agent} agent's own configuration and state: what the sandbox writes there (settings, hooks, skills, MCP servers, memory) runs or steers your next session outside the sandbox"),
        "remove it: `srt-gen run` gives the agent a private state folder of its own for each project, seeded from yours".into(),
    ))
}

fn shown_path(p: &Path, ctx: &LintContext<'_>) -> String {
    let project = resolve(".", ctx);
    match p.strip_prefix(&project) {
        Ok(rest) if rest.as_os_str().is_empty() => ".".into(),
        Ok(rest) => format!("./{}", rest.display()),
        Err(_) => ctx.env.tilde(p),
    }
}

/// Spellings srt reads differently than a shell would.
fn spelling_finding(key: &str, s: &str) -> Option<Finding> {
    if s.starts_with('$') || s.contains("/$") {
        let fix = s
            .strip_prefix("$HOME")
            .or_else(|| s.strip_prefix("${HOME}"))
            .map_or_else(
                || "write the path itself: srt expands only `~`".into(),
                |rest| format!("write \"~{rest}\""),
            );
        return Some(Finding::new(
            Severity::Error,
            key,
            format!("`{s}`: srt does not expand variables, so this names a folder literally called `$...` under srt's working directory"),
            fix,
        ));
    }
    if s.starts_with('~') && s != "~" && !s.starts_with("~/") {
        return Some(Finding::new(
            Severity::Error,
            key,
            format!("`{s}`: srt expands only `~` and `~/`, not `~user`"),
            "write the absolute path".into(),
        ));
    }
    None
}

/// The folder part of a glob, before its first glob character.
fn glob_base(s: &str) -> String {
    let cut = s.find(['*', '?', '[', ']']).unwrap_or(s.len());
    let head = &s[..cut];
    match head.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => head[..i].to_string(),
        None => ".".into(),
    }
}

/// Why a write root hands the sandbox a way out, and the fix; `None` when it does not.
fn dangerous_root(
    target: &Path,
    home: &Path,
    project: &Path,
    exec: &[(PathBuf, String, bool)],
    ctx: &LintContext<'_>,
) -> Option<(String, String)> {
    let shown = ctx.env.tilde(target);
    if target.parent().is_none() {
        return Some((
            "`/` makes the whole machine writable from inside the sandbox".into(),
            "list the folders the tool writes (run `srt-gen init` to find them)".into(),
        ));
    }
    if home.starts_with(target) {
        return Some((
            format!("`{shown}` holds the home directory: shell start-up files, PATH folders and credentials all become writable from inside"),
            "list the folders under the home directory that the tool writes (`~/.cache/pip`, `~/.cargo/registry`)".into(),
        ));
    }
    // The project itself is the one broadly writable place by design; srt protects its
    // dangerous names (.git/hooks, rc files) because `srt-gen run` starts srt there.
    if target == project {
        return None;
    }
    for (dir, why, tree) in exec {
        // A root at a toolchain folder itself is reported as a warning by the caller.
        if dir.starts_with(target) && !(*tree && target == dir.as_path()) {
            return Some((
                format!("`{shown}` is or holds a place programs run from: {why}"),
                "list only the cache folders the tool writes (for cargo: `~/.cargo/registry` and `~/.cargo/git`, not `~/.cargo`)".into(),
            ));
        }
    }
    for f in STARTUP_FILES {
        let f = home.join(f);
        if f.starts_with(target) || target.starts_with(&f) {
            return Some((
                format!("`{shown}` is or holds `{}`, which a shell, git or ssh runs or trusts at the next login: writable, it carries the sandbox out", ctx.env.tilde(&f)),
                "remove it; if a tool needs a folder under it, list that folder alone".into(),
            ));
        }
    }
    let config = resolve(&ctx.env.config_dir().display().to_string(), ctx);
    if config.starts_with(target) {
        return Some((
            format!("`{shown}` holds `{}`, the configuration of every tool (git hooks paths, autostart, systemd units)", ctx.env.tilde(&config)),
            "list the one tool's folder under it instead".into(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;
    use serde_json::json;

    #[test]
    fn an_agents_own_configuration_is_never_writable() {
        let f = run(&with(
            "filesystem.allowWrite",
            json!([
                "~/.claude",
                "~/.claude/skills",
                "~/.claude.json",
                "~/.codex",
                "~/.gemini",
                "~/.local/share/opencode",
                "~/.cache/pip",
                "~/.cache/claude-cli-nodejs"
            ]),
        ));
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "filesystem.allowWrite[0]"),
                (Severity::Error, "filesystem.allowWrite[1]"),
                (Severity::Error, "filesystem.allowWrite[2]"),
                (Severity::Error, "filesystem.allowWrite[3]"),
                (Severity::Error, "filesystem.allowWrite[4]"),
                (Severity::Error, "filesystem.allowWrite[5]"),
            ]
        );
        assert!(
            f[1].message.contains("inside `~/.claude`"),
            "{}",
            f[1].message
        );
        assert!(f[0].message.contains("claude agent"), "{}", f[0].message);
        assert!(f[3].message.contains("codex agent"), "{}", f[3].message);
        assert!(f[0].fix.contains("private state folder"), "{}", f[0].fix);
        // A denyWrite over the whole folder makes it safe again.
        let mut v = with("filesystem.allowWrite", json!(["~/.claude"]));
        v["filesystem"]["denyWrite"] = json!(["~/.claude"]);
        assert!(run(&v).is_empty(), "{:?}", run(&v));
    }

    #[test]
    fn write_roots_that_escape() {
        let f = run(&with(
            "filesystem.allowWrite",
            json!([
                "~",
                "/",
                "~/.cargo",
                "~/.cargo/registry",
                "~/.bashrc",
                "~/.config",
                "~/.config/pip",
                "/usr/bin",
                "/usr",
                "$HOME/.cache",
                "~/.local",
                "./out/**",
                "~/.rustup/toolchains/stable/lib",
                "~/.local/share/pnpm/store",
                "/usr/bin/x"
            ]),
        ));
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "filesystem.allowWrite[0]"),
                (Severity::Error, "filesystem.allowWrite[1]"),
                (Severity::Error, "filesystem.allowWrite[2]"),
                (Severity::Error, "filesystem.allowWrite[4]"),
                (Severity::Error, "filesystem.allowWrite[5]"),
                (Severity::Error, "filesystem.allowWrite[7]"),
                (Severity::Error, "filesystem.allowWrite[8]"),
                (Severity::Error, "filesystem.allowWrite[9]"),
                (Severity::Error, "filesystem.allowWrite[10]"),
                (Severity::Warning, "filesystem.allowWrite[12]"),
            ]
        );
        assert_eq!(f[7].fix, "write \"~/.cache\"");
    }

    #[test]
    fn globs_on_linux_and_the_config_itself() {
        let mut v = with("filesystem.allowWrite", json!([".", "./build/*.o"]));
        v["filesystem"]["denyWrite"] = json!(["./secret/*"]);
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Warning, "filesystem.allowWrite[1]"),
                (Severity::Error, "filesystem.allowWrite[0]"),
                (Severity::Error, "filesystem.denyWrite[0]"),
            ]
        );
        assert_eq!(f[0].fix.split(" (").next(), Some("list the folder instead"));
        assert_eq!(f[1].fix, "add \"./.srt.json\" to filesystem.denyWrite");
        v["filesystem"]["denyWrite"] = json!(["./.srt.json"]);
        v["filesystem"]["allowWrite"] = json!(["."]);
        assert_eq!(run(&v), vec![]);
    }
}
