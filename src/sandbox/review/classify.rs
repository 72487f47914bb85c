//! Which changed paths matter, and why. From the path alone, except where a submodule's
//! git dir ends below `.git/modules` (names may hold slashes): the walk finds that on disk.

use std::path::{Component, Path};

/// Folders whose files run code, or are obeyed, outside the sandbox wherever they are.
/// Something else in their place (a link) is followed by the tools that read them.
const FOLDERS: [&str; 8] = [
    ".vscode",
    ".idea",
    ".zed",
    ".claude",
    ".husky",
    ".githooks",
    ".devcontainer",
    ".hg",
];

/// Why a changed path matters, if it does. `rel` is relative to the project root;
/// `is_dir` and `new` describe the entry. No submodule git dir is known: every file below
/// `.git/modules` is named.
pub fn classify(rel: &Path, is_dir: bool, new: bool) -> Option<String> {
    let parts = names(rel);
    let names: Vec<&str> = parts.iter().map(String::as_str).collect();
    classify_in(&names, is_dir, new, None)
}

pub(super) fn names(rel: &Path) -> Vec<String> {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// [`classify`], with `module` the number of leading names that make the innermost
/// submodule git dir holding the path (`.git/modules/libs/foo`: 4), when the walk found one.
pub(super) fn classify_in(
    names: &[&str],
    is_dir: bool,
    new: bool,
    module: Option<usize>,
) -> Option<String> {
    let name = *names.last()?;
    // The repository's own git dir, at the root.
    if names[0] == ".git" {
        if names.len() == 1 {
            return (!is_dir).then(|| {
                "the project's `.git` file: it says where git finds this worktree's config and hooks".into()
            });
        }
        let rest = &names[1..];
        return match module {
            Some(m)
                if rest
                    .get(..m - 1)
                    .is_some_and(|d| d.first() == Some(&"modules")) =>
            {
                let inner = &rest[m - 1..];
                if inner.is_empty() {
                    return new.then(|| {
                        "a new submodule git dir: its config and hooks run at your next git command in that submodule".into()
                    });
                }
                git_internal(inner, is_dir, Whose::Submodule)
            }
            _ => git_internal(rest, is_dir, Whose::Repository),
        };
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
                "a git repository new here (made or moved in during the run): its config (core.fsmonitor, aliases) and hooks run when you use git there, outside the sandbox".into()
            });
        }
        return match inner {
            ["config"] | ["config.worktree"] | ["commondir"] => Some(
                "a nested repository's git config: what it sets (core.fsmonitor, core.hooksPath, aliases) runs at your next git command there".into(),
            ),
            ["hooks", .., hook] if !is_dir && !hook.ends_with(".sample") => {
                Some("a nested repository's hook: it runs at your next git command there".into())
            }
            _ => in_progress(inner, is_dir).flatten(),
        };
    }
    // Mercurial: `.hg/hgrc` holds hooks that run at the next hg command.
    if let Some(i) = names.iter().position(|n| *n == ".hg") {
        let inner = &names[i + 1..];
        let whose = if i == 0 {
            "the repository's"
        } else {
            "a nested repository's"
        };
        return match inner {
            [] if !is_dir => Some(not_a_folder(name)),
            [] => (new && i > 0).then(|| {
                "a Mercurial repository new here (made or moved in during the run): the hooks its `.hg/hgrc` sets run at your next hg command there".into()
            }),
            ["hgrc" | "hgrc-not-shared"] => Some(format!(
                "{whose} Mercurial config: its hooks and extensions run at your next hg command there"
            )),
            ["sharedpath"] => Some(format!(
                "points {whose} Mercurial working copy at another repository, whose config and hooks hg may then use"
            )),
            _ => None,
        };
    }
    if FOLDERS.contains(&name) && !is_dir {
        return Some(not_a_folder(name));
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
        // Tool settings that name programs the user's own tools run here, outside.
        "config" | "config.toml" if under(".cargo") => "cargo's config: its `build.rustc-wrapper`, `target.*.runner` and aliases run at your next cargo command here",
        "rust-toolchain" | "rust-toolchain.toml" => "rustup obeys it at your next cargo or rustc here: a `path` toolchain runs the programs in that folder",
        ".yarnrc.yml" => "Yarn's config: the `yarnPath` release and the plugins it names are code Yarn runs at your next yarn command here",
        _ if names.windows(2).any(|w| w == [".yarn", "releases"] || w == [".yarn", "plugins"]) => "a Yarn release or plugin: Yarn runs it at your next yarn command here",
        ".npmrc" => "npm's project config: `node-options`, `script-shell` and `git` name what npm runs here",
        "gradle-wrapper.properties" if under("wrapper") => "the Gradle wrapper downloads and runs the distribution it names at your next ./gradlew",
        "maven-wrapper.properties" | "extensions.xml" | "jvm.config" | "maven.config" if under(".mvn") => "Maven reads it at your next mvn here: the wrapper's distribution, build extensions and JVM options run",
        n if n.ends_with(".code-workspace") || n.ends_with(".sublime-project") => "an editor workspace: its tasks and settings run when you open it",
        ".nvim.lua" | ".nvimrc" | ".exrc" => "Neovim/Vim run it when you open the folder (exrc)",
        ".devcontainer.json" => "a dev container definition: its commands run when you open the folder in one",
        _ if under(".vscode") => "VS Code task, launch or settings file: it runs commands when you open the folder",
        _ if under(".idea") => "JetBrains project file: run configurations and tool settings",
        _ if under(".zed") => "Zed task or settings file",
        _ if under(".devcontainer") => "a dev container definition: its commands run when you open the folder in one",
        _ if under(".husky") || under(".githooks") => "a git hooks folder: its scripts run at your next commit",
        _ if under(".claude") => "Claude Code's project settings, commands or agents: read by your next session there",
        // The walk enters `.srt-gen` (not its `tmp`): `srt-gen init` run there reads these.
        _ if names.windows(2).any(|w| w == [".srt-gen", "fragments"]) => "a project fragment: `srt-gen init` would apply it",
        _ if is_dir => "a hooks or dev container folder",
        _ => return None,
    };
    Some(why.to_string())
}

fn not_a_folder(name: &str) -> String {
    format!("`{name}` is not a folder here (a link?): the tools that read it follow it, the review does not")
}

/// Whose git dir a path is in, for the wording.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Whose {
    Repository,
    Submodule,
}

/// `<git dir>/<rest>`: what is routine for git and what is not.
fn git_internal(rest: &[&str], is_dir: bool, whose: Whose) -> Option<String> {
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
    // Folders: their files speak for them (a hooks folder moved in too: the walk judges
    // what a moved folder holds).
    if routine || is_dir && (rest.len() == 1 || first == "hooks") {
        return None;
    }
    if let Some(why) = in_progress(rest, is_dir) {
        return why;
    }
    let (config, hook) = match whose {
        Whose::Repository => (
            "the repository's git config",
            "a git hook: it runs at your next git command",
        ),
        Whose::Submodule => (
            "a submodule's git config",
            "a submodule's git hook: it runs at your next git command in that submodule",
        ),
    };
    let why = match first {
        "commondir" => "points git at another folder's config and hooks: they run at your next git command, outside the sandbox",
        "config" | "config.worktree" => return Some(format!("{config}: what it sets (core.fsmonitor, core.hooksPath, aliases) runs at your next git command")),
        // git runs a hook by its exact name: the samples `git init` writes never run.
        "hooks" if rest.last().is_some_and(|h| h.ends_with(".sample")) => return None,
        "hooks" => hook,
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

/// A rebase, `git am` or cherry-pick in progress (`rest` in its folder): git goes on from
/// what the sandbox left there at the user's next `--continue`, outside. `None`: not such
/// a folder; `Some(None)`: a routine file of it.
fn in_progress(rest: &[&str], is_dir: bool) -> Option<Option<String>> {
    if !matches!(rest[0], "rebase-merge" | "rebase-apply" | "sequencer") {
        return None;
    }
    // The folder, or one in it: their files speak for them.
    if is_dir || rest.len() == 1 {
        return Some(None);
    }
    let (folder, file) = (rest[0], if rest.len() == 2 { rest[1] } else { "" });
    let why = match (folder, file) {
        ("rebase-merge", "git-rebase-todo") => "the rebase's todo list: git runs its `exec` lines at your next `git rebase --continue`",
        ("rebase-merge", "strategy" | "strategy_opts") => "the rebase's merge strategy or its options: git runs `git merge-<strategy>` at your next `git rebase --continue`",
        ("rebase-merge", f) if REBASE_MERGE_ROUTINE.contains(&f) => return Some(None),
        ("rebase-merge", _) => "a file of the rebase in progress that git does not write itself: git goes on from this folder at your next `git rebase --continue`",
        ("rebase-apply", "apply-opt") => "options git passes to `git apply` at your next `git am --continue` or `git rebase --continue` (`--unsafe-paths` lets a patch write outside the project)",
        ("rebase-apply", f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => "a patch git applies to your files at your next `git am --continue` or `git rebase --continue`",
        ("rebase-apply", f) if REBASE_APPLY_ROUTINE.contains(&f) => return Some(None),
        ("rebase-apply", _) => "a file of the `git am` or rebase in progress that git does not write itself: git goes on from this folder at your next `--continue`",
        ("sequencer", "todo") => "the cherry-pick or revert's todo list: git picks the commits it lists at your next `git cherry-pick --continue` or `git revert --continue`",
        ("sequencer", "opts") => "the cherry-pick or revert's options: a merge strategy there is a program git runs at your next `--continue`",
        ("sequencer", "head" | "abort-safety") => return Some(None),
        ("sequencer", _) => "a file of the cherry-pick or revert in progress that git does not write itself",
        _ => return None,
    };
    Some(Some(why.to_string()))
}

/// The state files of `git rebase` (the merge backend) that only say where it is.
const REBASE_MERGE_ROUTINE: [&str; 36] = [
    "git-rebase-todo.backup",
    "done",
    "dropped",
    "msgnum",
    "end",
    "onto",
    "orig-head",
    "head-name",
    "interactive",
    "message",
    "message-squash",
    "message-fixup",
    "author-script",
    "patch",
    "stopped-sha",
    "rewritten-list",
    "rewritten-pending",
    "current-fixups",
    "amend",
    "autostash",
    "squash-onto",
    "refs-to-update",
    "gpg_sign_opt",
    "allow_rerere_autoupdate",
    "signoff",
    "quiet",
    "verbose",
    "reschedule-failed-exec",
    "no-reschedule-failed-exec",
    "drop_redundant_commits",
    "keep_redundant_commits",
    "cdate_is_adate",
    "ignore_date",
    "keep-base",
    "trailer",
    "final-commit",
];

/// The state files of `git am` (and the apply backend of `git rebase`) that only say where
/// it is; its patches and `apply-opt` are named.
const REBASE_APPLY_ROUTINE: [&str; 24] = [
    "next",
    "last",
    "applying",
    "rebasing",
    "patch",
    "msg",
    "final-commit",
    "info",
    "author-script",
    "original-commit",
    "abort-safety",
    "keep",
    "messageid",
    "utf8",
    "threeway",
    "quiet",
    "sign",
    "scissors",
    "quoted-cr",
    "orig-head",
    "onto",
    "head-name",
    "autostash",
    "rewritten",
];
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
            // Missed before: tool settings that name programs the user's tools run.
            ".cargo/config.toml",
            "crates/x/.cargo/config",
            "rust-toolchain.toml",
            "rust-toolchain",
            ".yarnrc.yml",
            ".yarn/releases/yarn-4.5.0.cjs",
            ".yarn/plugins/@yarnpkg/plugin-x.cjs",
            ".npmrc",
            "gradle/wrapper/gradle-wrapper.properties",
            ".mvn/wrapper/maven-wrapper.properties",
            ".mvn/extensions.xml",
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
            "config.toml",
            ".yarn/cache/x.zip",
            ".yarn/install-state.gz",
            "src/config",
        ] {
            assert_eq!(c(routine), None, "{routine}");
        }
        // Folders: their files speak for them.
        assert_eq!(classify(Path::new(".vscode"), true, true), None);
        assert!(classify(Path::new(".husky"), true, true).is_some());
    }

    /// Gap: these folders were routine, but git goes on from them at the user's next
    /// `--continue`, outside: a rebase's todo runs its `exec` lines.
    #[test]
    fn a_rebase_am_or_cherry_pick_left_in_progress_is_named() {
        for (flagged, says) in [
            (
                ".git/rebase-merge/git-rebase-todo",
                "`exec` lines at your next `git rebase --continue`",
            ),
            (".git/rebase-merge/strategy", "git merge-<strategy>"),
            (".git/rebase-merge/evil", "rebase in progress"),
            (".git/rebase-apply/0001", "a patch git applies"),
            (".git/rebase-apply/apply-opt", "--unsafe-paths"),
            (".git/sequencer/todo", "`git cherry-pick --continue`"),
            (".git/sequencer/opts", "merge strategy"),
            ("sub/.git/rebase-merge/git-rebase-todo", "`exec` lines"),
        ] {
            let why = c(flagged).unwrap_or_default();
            assert!(why.contains(says), "{flagged}: {why}");
        }
        for routine in [
            ".git/ORIG_HEAD",
            ".git/REBASE_HEAD",
            ".git/CHERRY_PICK_HEAD",
            ".git/rebase-merge/done",
            ".git/rebase-merge/msgnum",
            ".git/rebase-merge/head-name",
            ".git/rebase-merge/git-rebase-todo.backup",
            ".git/rebase-apply/next",
            ".git/rebase-apply/last",
            ".git/sequencer/head",
            ".git/sequencer/abort-safety",
        ] {
            assert_eq!(c(routine), None, "{routine}");
        }
        assert_eq!(classify(Path::new(".git/rebase-merge"), true, true), None);
    }

    #[test]
    fn mercurial_config_is_named_and_its_store_is_not() {
        assert!(c(".hg/hgrc")
            .unwrap()
            .starts_with("the repository's Mercurial config"));
        assert!(c("lib/.hg/hgrc")
            .unwrap()
            .starts_with("a nested repository's"));
        assert!(c(".hg/sharedpath").is_some());
        assert!(classify(Path::new("lib/.hg"), true, true).is_some());
        assert_eq!(classify(Path::new("lib/.hg"), true, false), None);
        // A new `.hg` at the root says nothing without an hgrc.
        assert_eq!(classify(Path::new(".hg"), true, true), None);
        for routine in [
            ".hg/dirstate",
            ".hg/store/00changelog.i",
            ".hg/cache/branch2",
            ".hg/wcache/checkisexec",
            ".hg/requires",
            "lib/.hg/undo.desc",
        ] {
            assert_eq!(c(routine), None, "{routine}");
        }
    }

    #[test]
    fn a_link_where_a_folder_that_runs_code_belongs_is_named_and_samples_are_not() {
        for link in [".vscode", "web/.claude", ".husky", ".zed", ".hg"] {
            assert!(c(link).unwrap().contains("not a folder here"), "{link}");
        }
        assert_eq!(c(".git/hooks/pre-commit.sample"), None);
        assert_eq!(c("sub/.git/hooks/pre-commit.sample"), None);
        assert!(c(".git/hooks/pre-commit").is_some());
    }

    /// The walk finds a submodule's git dir on disk; given one, its routine files are
    /// routine, and its config, hooks, `commondir` and `info/` are not.
    #[test]
    fn a_known_submodule_git_dir_is_judged_as_the_root_s_is() {
        let at = |p: &str, m: usize| {
            let names: Vec<&str> = p.split('/').collect();
            classify_in(&names, false, false, Some(m))
        };
        for routine in [
            "refs/heads/main",
            "logs/HEAD",
            "index",
            "HEAD",
            "FETCH_HEAD",
            "packed-refs",
            "ORIG_HEAD",
        ] {
            assert_eq!(
                at(&format!(".git/modules/libs/foo/{routine}"), 4),
                None,
                "{routine}"
            );
        }
        for flagged in [
            "config",
            "config.worktree",
            "commondir",
            "hooks/post-checkout",
            "info/exclude",
            "modules/bar/config",
            "rebase-merge/git-rebase-todo",
            "evil",
        ] {
            assert!(
                at(&format!(".git/modules/libs/foo/{flagged}"), 4).is_some(),
                "{flagged}"
            );
        }
        let names = [".git", "modules", "libs", "foo"];
        assert!(classify_in(&names, true, true, Some(4))
            .unwrap()
            .contains("a new submodule git dir"));
        assert_eq!(classify_in(&names, true, false, Some(4)), None);
    }
}
