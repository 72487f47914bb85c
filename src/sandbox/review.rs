//! The review at the end of a run (issue 18.6): what the command changed that runs code, or
//! is obeyed, outside the sandbox later, and that no deny could stop without breaking the
//! user's tools: git's internals beyond objects, refs, logs and the index (`commondir`,
//! `info/`, `modules/`, `config.worktree`, `worktrees/`), new nested repositories and their
//! config, new or changed policies and recipes below the root, `.envrc`, hook managers'
//! files and editor task files anywhere.
//!
//! One walk after the run compares each entry's change time (ctime, which nothing inside
//! the sandbox can set back) with a mark taken just before srt started. Dependency and
//! build folders are not entered (the catalog's `skip-dirs`), nor git's object store.

use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

/// When the run started, as the kernel stamps change times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    secs: i64,
    nanos: i64,
}

impl Mark {
    /// The change time of a file made now in `dir` (srt-gen's own folder, outside the
    /// sandbox): the kernel's clock, at the granularity file systems use.
    pub fn now(dir: &Path) -> std::io::Result<Mark> {
        std::fs::create_dir_all(dir)?;
        let f = dir.join(format!("mark-{}", std::process::id()));
        std::fs::write(&f, b"")?;
        let m = std::fs::symlink_metadata(&f)?;
        let _ = std::fs::remove_file(&f);
        Ok(Mark {
            secs: m.ctime(),
            nanos: m.ctime_nsec(),
        })
    }

    fn of(m: &std::fs::Metadata) -> Mark {
        Mark {
            secs: m.ctime(),
            nanos: m.ctime_nsec(),
        }
    }
}

/// One change worth the user's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Relative to the project root, `./`-spelled.
    pub path: String,
    /// Made during the run (not only changed).
    pub new: bool,
    pub why: String,
}

/// Why a changed path matters, if it does. `rel` is relative to the project root;
/// `is_dir` and `new` describe the entry.
pub fn classify(rel: &Path, is_dir: bool, new: bool) -> Option<String> {
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = parts.iter().map(String::as_str).collect();
    let name = *names.last()?;
    // The repository's own git dir, at the root.
    if names[0] == ".git" {
        if names.len() == 1 {
            return (!is_dir).then(|| {
                "the project's `.git` file: it says where git finds this worktree's config and hooks".into()
            });
        }
        return git_internal(&names[1..], is_dir);
    }
    // Inside a nested repository's git dir: only what runs code.
    if let Some(i) = names.iter().position(|n| *n == ".git") {
        let inner = &names[i + 1..];
        if inner.is_empty() {
            // A `.git` file (a submodule's or worktree's pointer) rewritten in place keeps
            // its birth time: any change to it says where git now takes config and hooks.
            if !is_dir {
                return Some(
                    "a nested repository's `.git` file: it says where git finds that repository's config and hooks, which run at your next git command there (a submodule's run at `git status` in the project)".into(),
                );
            }
            return new.then(|| {
                "a new git repository: its config (core.fsmonitor, aliases) and hooks run when you use git there, outside the sandbox".into()
            });
        }
        return match inner {
            ["config"] | ["config.worktree"] | ["commondir"] => Some(
                "a nested repository's git config: what it sets (core.fsmonitor, core.hooksPath, aliases) runs at your next git command there".into(),
            ),
            ["hooks", ..] if !is_dir => Some("a nested repository's hook: it runs at your next git command there".into()),
            _ => None,
        };
    }
    if is_dir && !matches!(name, ".husky" | ".githooks" | ".devcontainer") {
        // A folder's own change time moves with every file made in it; its files say more.
        return None;
    }
    let under = |dir: &str| names[..names.len() - 1].contains(&dir);
    let why = match name {
        ".srt.json" if names.len() > 1 => "a policy file below the project's root: srt-gen never uses it (it runs the root's), but `srt --settings` started there would",
        ".srt.json" => "the project's policy",
        "justfile" | "Justfile" | ".justfile" => "recipes: `just` runs them outside the sandbox",
        n if n.ends_with(".just") => "recipes: `just` imports them",
        ".envrc" => "direnv runs it in your shell when you enter the folder",
        "mise.toml" | ".mise.toml" | "mise.local.toml" | ".mise.local.toml" => "mise runs its hooks and tasks, and sets the environment, when you enter the folder",
        ".pre-commit-config.yaml" => "pre-commit runs what it lists at your next commit",
        "lefthook.yml" | ".lefthook.yml" | "lefthook-local.yml" | ".lefthook-local.yml" => "lefthook runs what it lists at your next commit",
        ".gitmodules" => "submodule URLs and settings git uses at your next submodule update",
        ".mcp.json" => "MCP servers: Claude Code starts the commands it lists",
        n if n.ends_with(".code-workspace") || n.ends_with(".sublime-project") => "an editor workspace: its tasks and settings run when you open it",
        ".nvim.lua" | ".nvimrc" | ".exrc" => "Neovim/Vim run it when you open the folder (exrc)",
        ".devcontainer.json" => "a dev container definition: its commands run when you open the folder in one",
        _ if under(".vscode") => "VS Code task, launch or settings file: it runs commands when you open the folder",
        _ if under(".idea") => "JetBrains project file: run configurations and tool settings",
        _ if under(".zed") => "Zed task or settings file",
        _ if under(".devcontainer") => "a dev container definition: its commands run when you open the folder in one",
        _ if under(".husky") || under(".githooks") => "a git hooks folder: its scripts run at your next commit",
        _ if under(".claude") => "Claude Code's project settings, commands or agents: read by your next session there",
        _ if under(".srt-gen") && under("fragments") => "a project fragment: `srt-gen init` would apply it",
        _ if is_dir => "a hooks or dev container folder",
        _ => return None,
    };
    Some(why.to_string())
}

/// `.git/<rest>` of the repository: what is routine for git and what is not.
fn git_internal(rest: &[&str], is_dir: bool) -> Option<String> {
    let first = rest[0];
    let routine = matches!(
        first,
        "objects"
            | "refs"
            | "logs"
            | "index"
            | "packed-refs"
            | "COMMIT_EDITMSG"
            | "MERGE_MSG"
            | "MERGE_MODE"
            | "SQUASH_MSG"
            | "TAG_EDITMSG"
            | "description"
            | "shallow"
            | "sequencer"
            | "rebase-merge"
            | "rebase-apply"
            | "lfs"
            | "fsmonitor--daemon"
            | "gc.log"
            | "gc.pid"
            | "AUTO_MERGE"
            | "FETCH_HEAD"
            | "BISECT_LOG"
            | "BISECT_START"
            | "BISECT_TERMS"
            | "BISECT_EXPECTED_REV"
            | "NOTES_MERGE_PARTIAL"
    ) || first.ends_with("HEAD")
        || first.ends_with(".lock");
    if rest == ["objects", "info", "alternates"] {
        return Some("git reads objects from the folders it lists".into());
    }
    if routine || is_dir && rest.len() == 1 && first != "hooks" {
        return None;
    }
    let why = match first {
        "commondir" => "points git at another folder's config and hooks: they run at your next git command, outside the sandbox",
        "config" | "config.worktree" => "the repository's git config: what it sets (core.fsmonitor, core.hooksPath, aliases) runs at your next git command",
        "hooks" => "a git hook: it runs at your next git command",
        "info" => "git's per-repository attributes and excludes (an exclude hides a file from `git status`)",
        "modules" => "a submodule's git dir: its config and hooks run at your next git command in that submodule",
        "worktrees" => match rest.last().copied() {
            Some("HEAD" | "ORIG_HEAD" | "index" | "FETCH_HEAD") => return None,
            _ if rest.get(2) == Some(&"logs") => return None,
            _ => "a linked worktree's git metadata: where that worktree finds its config and hooks",
        },
        _ => "a file git does not write itself",
    };
    Some(why.to_string())
}

/// The most entries the review looks at.
const WALK_LIMIT: usize = 1_000_000;

/// Every path under `root` changed after `mark` that [`classify`] names, sorted.
/// `skip` are folder names never entered (dependency and build folders); `ignore` are paths
/// srt-gen itself made during the run (its placeholders).
pub fn review(root: &Path, mark: Mark, skip: &[String], ignore: &[PathBuf]) -> Vec<Finding> {
    let skip: Vec<String> = skip.to_vec();
    let root_buf = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .filter_entry(move |e| {
            let Some(name) = e.file_name().to_str() else {
                return true;
            };
            if !e.file_type().is_some_and(|t| t.is_dir()) || e.depth() == 0 {
                return true;
            }
            let rel = e.path().strip_prefix(&root_buf).unwrap_or(e.path());
            // git's object stores and history: large, and routine. `objects/info`
            // (alternates: where git reads more objects) is entered.
            let objects = rel.parent().is_some_and(|p| p == Path::new(".git/objects"));
            let in_git = rel.starts_with(".git");
            if (objects && name != "info")
                || rel == Path::new(".git/logs")
                || rel == Path::new(".git/lfs")
                || (in_git && rel.starts_with(".git/modules") && name == "objects")
            {
                return false;
            }
            // `.git/` at the root is entered whole (a submodule's git dir may be named
            // `vendor` or `build`); anything else named like a dependency or build folder,
            // and the sandbox's own temp folder, is not.
            !(rel == Path::new(".srt-gen/tmp")
                || (!in_git && skip.iter().any(|s| s == name) && name != ".git"))
        })
        .build();
    let mut out = Vec::new();
    for entry in walker.flatten().take(WALK_LIMIT) {
        if entry.depth() == 0 {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if Mark::of(&meta) <= mark || ignore.iter().any(|i| i == entry.path()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        // Made during the run: its birth is after the mark (the change time of a file made
        // and never changed equals its birth, and `created()` is statx's btime).
        let new = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|d| {
                (d.as_secs() as i64, i64::from(d.subsec_nanos())) > (mark.secs, mark.nanos)
            });
        if let Some(why) = classify(rel, meta.is_dir(), new) {
            out.push(Finding {
                path: format!("./{}", rel.display()),
                new,
                why,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The review as stderr lines, each path shown escaped.
pub fn render(findings: &[Finding], verb: &str) -> String {
    let mut s = String::new();
    if findings.is_empty() {
        return s;
    }
    s.push_str(&format!(
        "srt-gen {verb}: review: the command changed {} path{} that run{} code or {} obeyed outside the sandbox later; look at {} before you use git, just or an editor here:\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        if findings.len() == 1 { "s" } else { "" },
        if findings.len() == 1 { "is" } else { "are" },
        if findings.len() == 1 { "it" } else { "them" },
    ));
    for f in findings {
        s.push_str(&format!(
            "  {} ({}): {}\n",
            crate::shown::shown(&f.path),
            if f.new { "new" } else { "changed" },
            f.why
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str) -> Option<String> {
        classify(Path::new(p), false, false)
    }

    #[test]
    fn git_internals_are_told_apart() {
        for routine in [
            ".git/objects/ab/cdef",
            ".git/refs/heads/main",
            ".git/logs/HEAD",
            ".git/index",
            ".git/HEAD",
            ".git/ORIG_HEAD",
            ".git/FETCH_HEAD",
            ".git/COMMIT_EDITMSG",
            ".git/packed-refs",
            ".git/index.lock",
            ".git/worktrees/w/HEAD",
            ".git/worktrees/w/index",
        ] {
            assert_eq!(c(routine), None, "{routine}");
        }
        for flagged in [
            ".git/commondir",
            ".git/config",
            ".git/config.worktree",
            ".git/hooks/pre-commit",
            ".git/info/exclude",
            ".git/info/attributes",
            ".git/modules/sub/config",
            ".git/modules/sub/hooks/post-checkout",
            ".git/worktrees/w/commondir",
            ".git/worktrees/w/gitdir",
            ".git/objects/info/alternates",
            ".git/evil/config",
        ] {
            assert!(c(flagged).is_some(), "{flagged}");
        }
    }

    #[test]
    fn nested_repositories_policies_recipes_and_editor_files_are_named() {
        assert!(classify(Path::new("sub/.git"), true, true).is_some());
        assert_eq!(classify(Path::new("sub/.git"), true, false), None);
        // A submodule's `.git` file rewritten in place (not new) is named.
        assert!(classify(Path::new("libs/x/.git"), false, false).is_some());
        assert!(c("sub/.git/config").is_some());
        assert!(c("a/b/.git/hooks/pre-commit").is_some());
        assert_eq!(c("sub/.git/objects/x"), None);
        assert_eq!(c("sub/.git/HEAD"), None);
        for flagged in [
            "src/.srt.json",
            "src/justfile",
            "Justfile",
            "tools/build.just",
            ".envrc",
            "web/.envrc",
            "mise.toml",
            ".pre-commit-config.yaml",
            "lefthook.yml",
            ".husky/pre-commit",
            ".husky/_/h",
            ".vscode/tasks.json",
            "pkg/.vscode/settings.json",
            ".idea/workspace.xml",
            ".idea/runConfigurations/x.xml",
            "app.code-workspace",
            ".devcontainer/devcontainer.json",
            ".zed/tasks.json",
            ".nvim.lua",
            ".claude/settings.json",
            "sub/.claude/commands/x.md",
            ".mcp.json",
            ".srt-gen/fragments/x.toml",
            "sub/.gitmodules",
        ] {
            assert!(c(flagged).is_some(), "{flagged}");
        }
        for routine in [
            "src/main.rs",
            "README.md",
            "package.json",
            "Cargo.lock",
            ".gitignore",
            "node_modules/x/index.js",
            ".env",
            "docs/justfile.md",
        ] {
            assert_eq!(c(routine), None, "{routine}");
        }
        // Folders: their files speak for them.
        assert_eq!(classify(Path::new(".vscode"), true, true), None);
        assert!(classify(Path::new(".husky"), true, true).is_some());
    }

    #[test]
    fn the_walk_finds_what_changed_after_the_mark_and_nothing_before() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        std::fs::create_dir_all(root.join(".git/objects/aa")).unwrap();
        std::fs::create_dir_all(root.join(".vscode")).unwrap();
        std::fs::write(root.join(".git/config"), "[core]\n").unwrap();
        std::fs::write(root.join("justfile"), "a:\n").unwrap();
        // Change times have the kernel clock's tick as granularity.
        std::thread::sleep(std::time::Duration::from_millis(30));
        let mark = Mark::now(&d.path().join("state")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::write(root.join(".git/commondir"), "evil\n").unwrap();
        std::fs::write(root.join(".vscode/tasks.json"), "{}").unwrap();
        std::fs::write(root.join(".git/objects/aa/bb"), "x").unwrap();
        // Missed before: alternates (the walk skipped all of objects/), and a submodule
        // git dir named like a dependency folder.
        std::fs::create_dir_all(root.join(".git/objects/info")).unwrap();
        std::fs::write(root.join(".git/objects/info/alternates"), "/x\n").unwrap();
        std::fs::create_dir_all(root.join(".git/modules/node_modules/y")).unwrap();
        std::fs::write(root.join(".git/modules/node_modules/y/commondir"), "../z\n").unwrap();
        std::fs::create_dir_all(root.join("node_modules/.vscode")).unwrap();
        std::fs::write(root.join("node_modules/.vscode/tasks.json"), "{}").unwrap();
        std::fs::write(root.join("src.rs"), "").unwrap();
        let placeholder = root.join(".mcp.json");
        std::fs::write(&placeholder, "{}").unwrap();
        let f = review(&root, mark, &["node_modules".to_string()], &[placeholder]);
        let paths: Vec<&str> = f.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "./.git/commondir",
                "./.git/modules/node_modules",
                "./.git/modules/node_modules/y",
                "./.git/modules/node_modules/y/commondir",
                "./.git/objects/info/alternates",
                "./.vscode/tasks.json"
            ]
        );
        assert!(f.iter().all(|x| x.new), "{f:?}");
        let text = render(&f, "run");
        assert!(text.contains("6 paths"), "{text}");
    }
}
