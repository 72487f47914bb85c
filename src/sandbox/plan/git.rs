//! Run policy step: issue 18 (git cannot carry code out). srt protects `.git/config` and
//! `.git/hooks`; git runs code from more places than that. What can be
//! protected without breaking git is, here:
//! - the folder `core.hooksPath` names (read by srt-gen from the repository's and the
//!   user's git config, never by running git), when a write root covers it: an in-tree
//!   hooks folder (`.husky`) runs at the user's next commit; for husky 9's `.husky/_`,
//!   `.husky` itself, whose scripts `_` runs;
//! - `.git/config.worktree` (an empty placeholder is a valid, empty config), and the
//!   config, hooks and `commondir` of every existing submodule and worktree git dir;
//! - srt's own scan for protected files reaches 5 folders deep (`mandatoryDenySearchDepth`,
//!   default 3), so nested repositories' hooks and config are protected too.
//!
//! What cannot (`.git/commondir`: a placeholder there breaks the user's git; new nested
//! repositories) is named by the review at the end of the run (`sandbox::review`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalog::List;
use crate::env::{resolve_symlinks, Env};
use crate::error::Error;

use super::{Context, RunPolicy};

/// srt's scan depth for protected files that this step asks for at least.
const SEARCH_DEPTH: u64 = 5;

/// The git dir and worktree top holding `root`: `.git` (a folder) in `root` or above.
fn repository(root: &Path) -> Option<(PathBuf, PathBuf)> {
    root.ancestors().find_map(|d| {
        let g = d.join(".git");
        std::fs::symlink_metadata(&g)
            .ok()
            .filter(std::fs::Metadata::is_dir)
            .map(|_| (d.to_path_buf(), g))
    })
}

/// The last value of `section.key` in git config text (keys and section names without
/// regard to case, `"quoted"` values, `#`/`;` comments). Includes are not followed.
pub(crate) fn config_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.split([']', ' ', '"']).next().unwrap_or("");
            current = name.to_ascii_lowercase();
            // `[core] hooksPath = x` on one line.
            let after = rest.split_once(']').map(|x| x.1.trim()).unwrap_or("");
            if !after.is_empty() && current == section {
                if let Some(v) = assignment(after, key) {
                    found = Some(v);
                }
            }
            continue;
        }
        if current == section {
            if let Some(v) = assignment(line, key) {
                found = Some(v);
            }
        }
    }
    found
}

fn assignment(line: &str, key: &str) -> Option<String> {
    let (k, v) = line.split_once('=')?;
    if !k.trim().eq_ignore_ascii_case(key) {
        return None;
    }
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = v.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(match n {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
            }
            '#' | ';' if !quoted => break,
            c => out.push(c),
        }
    }
    Some(out.trim_end().to_string())
}

/// `core.hooksPath` as git reads it for this repository: system, global (XDG, then
/// `~/.gitconfig`), local, worktree, the last one set winning. Each file read bounded.
fn hooks_path(env: &Env, git_dir: &Path) -> Option<String> {
    let xdg = env.config_dir().join("git").join("config");
    let files: [(PathBuf, bool); 5] = [
        (PathBuf::from("/etc/gitconfig"), true),
        (xdg, true),
        (env.home.join(".gitconfig"), true),
        (git_dir.join("config"), false),
        (git_dir.join("config.worktree"), false),
    ];
    let mut value = None;
    for (f, users) in files {
        let text = if users {
            crate::files::config_text(&f)
        } else {
            crate::files::project_text(&f)
        };
        if let Some(v) = text.and_then(|t| config_value(&t, "core", "hookspath")) {
            value = Some(v);
        }
    }
    value.filter(|v| !v.is_empty())
}

/// The folders the hooks path protects: the folder, and for husky 9's `<dir>/_` also
/// `<dir>`, whose scripts `_/h` runs.
fn hooks_folders(value: &str, top: &Path, env: &Env) -> Vec<PathBuf> {
    let dir = if let Some(rest) = value.strip_prefix("~/") {
        env.home.join(rest)
    } else if Path::new(value).is_absolute() {
        PathBuf::from(value)
    } else {
        top.join(value)
    };
    let dir = crate::env::normalize(&dir);
    let mut out = vec![dir.clone()];
    if dir.file_name().is_some_and(|n| n == "_") {
        if let Some(parent) = dir.parent() {
            out.push(parent.to_path_buf());
        }
    }
    out
}

/// The submodule and worktree git dirs under `git_dir` that exist now (`modules/a`,
/// `modules/a/modules/b`, `worktrees/w`), to a small depth.
fn nested_git_dirs(git_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut frontier = vec![(git_dir.join("modules"), 0)];
    while let Some((dir, depth)) = frontier.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let p = e.path();
            if p.join("HEAD").is_file() {
                out.push(p.clone());
                if depth < 3 {
                    frontier.push((p.join("modules"), depth + 1));
                }
            } else if depth < 3 {
                // Submodule names may hold slashes: `modules/libs/x`.
                frontier.push((p, depth + 1));
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(git_dir.join("worktrees")) {
        out.extend(
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path()),
        );
    }
    out.sort();
    out
}

pub(super) fn apply(cx: &Context<'_>, p: &mut RunPolicy) -> Result<(), Error> {
    let env = cx.env;
    let root = &cx.project.root;
    let roots: Vec<PathBuf> = p
        .settings
        .strings(List::AllowWrite)
        .into_iter()
        .filter(|e| !e.contains(['*', '?', '[']))
        .map(|e| resolve_symlinks(&env.absolute(e, root)))
        .collect();
    let writable = |path: &Path| {
        let real = resolve_symlinks(path);
        roots.iter().any(|r| real.starts_with(r))
    };
    // srt's own scan, deeper.
    let depth = p
        .settings
        .other
        .get("mandatoryDenySearchDepth")
        .and_then(Value::as_u64);
    if depth.is_none_or(|d| d < SEARCH_DEPTH) {
        p.settings
            .other
            .insert("mandatoryDenySearchDepth".into(), Value::from(SEARCH_DEPTH));
    }
    let Some((top, git_dir)) = repository(root) else {
        return Ok(());
    };
    let mut protected = Vec::new();
    if let Some(value) = hooks_path(env, &git_dir) {
        for dir in hooks_folders(&value, &top, env) {
            if writable(&dir) {
                protected.push(dir);
            }
        }
    }
    let mut internals = vec![git_dir.join("config.worktree")];
    for nested in nested_git_dirs(&git_dir) {
        for name in ["config", "config.worktree", "hooks", "commondir", "gitdir"] {
            let f = nested.join(name);
            if std::fs::symlink_metadata(&f).is_ok() {
                internals.push(f);
            }
        }
    }
    internals.retain(|f| writable(f));
    let spell = |f: &Path| match f.strip_prefix(root) {
        Ok(rel) => format!("./{}", rel.display()),
        Err(_) => env.tilde(f),
    };
    for f in protected.iter().chain(&internals) {
        let s = spell(f);
        if !s.contains('\n') {
            p.add(List::DenyWrite, &s);
        }
    }
    if !protected.is_empty() {
        let shown: Vec<String> = protected
            .iter()
            .map(|f| crate::shown::shown(&spell(f)).into_owned())
            .collect();
        p.note(
            "git",
            format!(
                "write-protected: {} (core.hooksPath: hooks there run at your next commit, outside the sandbox)",
                shown.join(", ")
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_path_is_read_as_git_reads_it() {
        let text = "[core]\n\tbare = false\n\tHooksPath = \".husky/_\" # husky\n[alias]\n\thooksPath = nope\n";
        assert_eq!(
            config_value(text, "core", "hookspath").as_deref(),
            Some(".husky/_")
        );
        assert_eq!(
            config_value("[core] hooksPath = hooks", "core", "hookspath").as_deref(),
            Some("hooks")
        );
        assert_eq!(
            config_value(
                "[core]\nhooksPath=a\n[core]\nhooksPath=b\n",
                "core",
                "hookspath"
            )
            .as_deref(),
            Some("b")
        );
        assert_eq!(
            config_value("[remote \"core\"]\nhooksPath=x\n", "core", "hookspath"),
            None
        );
    }

    #[test]
    fn husky_nine_protects_the_scripts_folder_too() {
        let env = Env {
            vars: Default::default(),
            home: "/nonexistent-h".into(),
            os: crate::env::Os::Linux,
        };
        let top = Path::new("/p");
        assert_eq!(
            hooks_folders(".husky/_", top, &env),
            [PathBuf::from("/p/.husky/_"), PathBuf::from("/p/.husky")]
        );
        assert_eq!(
            hooks_folders("~/hooks", top, &env),
            [PathBuf::from("/nonexistent-h/hooks")]
        );
        assert_eq!(
            hooks_folders("../x/../hooks", top, &env),
            [PathBuf::from("/hooks")]
        );
    }
}
