//! The review at the end of a run (issue 18.6): what the command changed that runs code, or
//! is obeyed, outside the sandbox later, and that no deny could stop without breaking the
//! user's tools: git's internals beyond objects, refs, logs and the index (`commondir`,
//! `info/`, `modules/`, `config.worktree`, `worktrees/`, a rebase or cherry-pick left in
//! progress), new nested repositories and their config, Mercurial's `hgrc`, new or changed
//! policies, project fragments and recipes below the root, `.envrc`, hook managers' files
//! and editor task files anywhere.
//!
//! One walk after the run compares each entry's change time (ctime, which nothing inside
//! the sandbox can set back) with a mark taken just before srt started. Dependency and
//! build folders are not entered (the catalog's `skip-dirs`), nor git's object stores and
//! logs, nor Mercurial's store.
//!
//! A folder moved in (from a dependency folder, say) brings files whose change times are
//! older than the mark: only the moved folder's own changes. So the files below a folder
//! that may have moved are judged whatever their times: below one of the root's, or its
//! `.git`'s, that was not there at the mark (the start notes which folders were), and
//! below any deeper folder changed in a folder that changed too, as a move changes both.

mod classify;

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use classify::classify;

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

/// The mark, and which folder stood at each name in the root and its `.git` then.
#[derive(Debug, Clone)]
pub struct Start {
    mark: Mark,
    folders: HashMap<PathBuf, (u64, u64)>,
}

impl Start {
    /// [`Mark::now`] in `state`, then the root's folders and its `.git`'s (device and
    /// inode): a folder there later that is not the same one was moved in or made.
    pub fn now(state: &Path, root: &Path) -> std::io::Result<Start> {
        let mark = Mark::now(state)?;
        let mut folders = HashMap::new();
        for dir in [PathBuf::new(), PathBuf::from(".git")] {
            let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
                continue;
            };
            for e in entries.flatten() {
                if !e.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                if let Ok(m) = e.path().symlink_metadata() {
                    folders.insert(dir.join(e.file_name()), (m.dev(), m.ino()));
                }
            }
        }
        Ok(Start { mark, folders })
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

/// What the review found, and whether it looked at everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    pub findings: Vec<Finding>,
    /// The walk stopped at its limit: the rest of the project was not looked at.
    pub truncated: bool,
}

/// The most entries the review looks at.
const WALK_LIMIT: usize = 1_000_000;

/// Every path under `root` changed after the start that [`classify`] names, sorted.
/// `skip` are folder names never entered (dependency and build folders); `ignore` are paths
/// srt-gen itself made during the run (its placeholders).
pub fn review(root: &Path, start: &Start, skip: &[String], ignore: &[PathBuf]) -> Review {
    review_up_to(root, start, skip, ignore, WALK_LIMIT)
}

/// A folder the walk entered: changed after the mark, and the folder above it (or itself)
/// that may have been moved in, with whether that is known.
struct Seen {
    changed: bool,
    moved: Option<(PathBuf, bool)>,
}

fn review_up_to(
    root: &Path,
    start: &Start,
    skip: &[String],
    ignore: &[PathBuf],
    limit: usize,
) -> Review {
    let mark = start.mark;
    let walker = walker(root, skip);
    let mut found: Vec<(Finding, bool)> = Vec::new();
    let mut folders: HashMap<PathBuf, Seen> = HashMap::new();
    let root_changed = root.symlink_metadata().is_ok_and(|m| Mark::of(&m) > mark);
    folders.insert(
        PathBuf::new(),
        Seen {
            changed: root_changed,
            moved: None,
        },
    );
    // Submodule git dirs below `.git/modules`, as found on disk.
    let mut git_dirs: HashSet<PathBuf> = HashSet::new();
    let mut truncated = false;
    for (looked, entry) in walker.flatten().enumerate() {
        if looked == limit {
            truncated = true;
            break;
        }
        if entry.depth() == 0 {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let changed = Mark::of(&meta) > mark;
        let above = folders.get(rel.parent().unwrap_or(Path::new("")));
        let above_changed = above.is_some_and(|s| s.changed);
        let mut moved = above.and_then(|s| s.moved.clone());
        // Made during the run: its birth is after the mark (the change time of a file made
        // and never changed equals its birth, and `created()` is statx's btime).
        let new = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|d| {
                (d.as_secs() as i64, i64::from(d.subsec_nanos())) > (mark.secs, mark.nanos)
            });
        let mut arrived = false;
        if meta.is_dir() {
            // The root's folders and `.git`'s are known from the start; deeper ones moved
            // in change, and change the folder they came into.
            let known = start.folders.get(rel);
            let depth = rel.components().count();
            let exact = depth == 1 || depth == 2 && rel.starts_with(".git");
            arrived = changed
                && if exact {
                    known != Some(&(meta.dev(), meta.ino()))
                } else {
                    above_changed
                };
            if arrived && moved.is_none() {
                moved = Some((rel.to_path_buf(), exact));
            }
            if is_submodule_git_dir(entry.path(), rel, &git_dirs) {
                git_dirs.insert(rel.to_path_buf());
            }
            folders.insert(
                rel.to_path_buf(),
                Seen {
                    changed,
                    moved: moved.clone(),
                },
            );
        }
        if !changed && moved.is_none() || ignore.iter().any(|i| i == entry.path()) {
            continue;
        }
        let parts = classify::names(rel);
        let names: Vec<&str> = parts.iter().map(String::as_str).collect();
        let module = innermost(rel, &git_dirs).map(|d| d.components().count());
        let Some(mut why) = classify::classify_in(&names, meta.is_dir(), new || arrived, module)
        else {
            continue;
        };
        if !changed {
            if let Some((dir, exact)) = &moved {
                let how = if *exact {
                    "was moved or made here during the run"
                } else {
                    "changed during the run as a folder moved in does"
                };
                why.push_str(&format!(
                    " (its own change time is older, but `./{}` {how}, and files keep theirs when their folder moves)",
                    crate::shown::shown_path(dir)
                ));
            }
        }
        found.push((
            Finding {
                path: format!("./{}", rel.display()),
                new,
                why,
            },
            meta.is_dir(),
        ));
    }
    // A folder is named only when nothing in it is: its files say more.
    let mut paths: Vec<String> = found.iter().map(|(f, _)| f.path.clone()).collect();
    paths.sort();
    let has_below = |dir: &str| {
        let prefix = format!("{dir}/");
        let i = paths.partition_point(|p| p.as_str() < prefix.as_str());
        paths.get(i).is_some_and(|p| p.starts_with(&prefix))
    };
    let mut findings: Vec<Finding> = found
        .into_iter()
        .filter(|(f, is_dir)| !*is_dir || !has_below(&f.path))
        .map(|(f, _)| f)
        .collect();
    findings.sort_by(|a, b| a.path.cmp(&b.path));
    Review {
        findings,
        truncated,
    }
}

/// The walk: no links followed; dependency and build folders, git's object stores and
/// logs, Mercurial's store and the sandbox's temp folder not entered.
fn walker(root: &Path, skip: &[String]) -> ignore::Walk {
    let skip: Vec<String> = skip.to_vec();
    let root_buf = root.to_path_buf();
    ignore::WalkBuilder::new(root)
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
            let parent = e.path().parent().unwrap_or(Path::new(""));
            let parent_name = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let in_git = rel.components().any(|c| c.as_os_str() == ".git");
            // A git dir's object store and history: large, and routine. `objects/info`
            // (alternates: where git reads more objects) is entered.
            let git_dir = |d: &Path| in_git && d.join("HEAD").is_file();
            if in_git
                && ((parent_name == "objects"
                    && name != "info"
                    && parent.parent().is_some_and(git_dir))
                    || (matches!(name, "logs" | "lfs") && git_dir(parent)))
            {
                return false;
            }
            if (name == "store" && parent_name == ".hg")
                || (name == "tmp" && parent_name == ".srt-gen")
                || (matches!(name, "cache" | "unplugged") && parent_name == ".yarn")
            {
                return false;
            }
            // The root's `.git/` is entered whole (a submodule's git dir may be named
            // `vendor` or `build`); version control folders and srt-gen's own, wherever
            // they are, too. Anything else named like a dependency or build folder is not.
            // `.yarn` is, but not its package cache: Yarn runs the release and plugins there.
            rel.starts_with(".git")
                || matches!(name, ".git" | ".hg" | ".srt-gen" | ".yarn")
                || !skip.iter().any(|s| s == name)
        })
        .build()
}

/// A folder below `.git/modules` (or a submodule git dir's own `modules`) that git takes
/// as a git dir: it holds `HEAD` and `refs`.
fn is_submodule_git_dir(path: &Path, rel: &Path, git_dirs: &HashSet<PathBuf>) -> bool {
    let within = innermost(rel.parent().unwrap_or(Path::new("")), git_dirs)
        .map_or(Path::new(".git"), PathBuf::as_path);
    let Ok(below) = rel.strip_prefix(within) else {
        return false;
    };
    below.starts_with("modules")
        && below.components().count() >= 2
        && path.join("HEAD").is_file()
        && path.join("refs").is_dir()
}

/// The innermost submodule git dir holding `rel` (or `rel` itself).
fn innermost<'a>(rel: &Path, git_dirs: &'a HashSet<PathBuf>) -> Option<&'a PathBuf> {
    if git_dirs.is_empty() || !rel.starts_with(".git/modules") {
        return None;
    }
    rel.ancestors().find_map(|a| git_dirs.get(a))
}

/// `1000000` as `1,000,000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The review as stderr lines, each path shown escaped.
pub fn render(review: &Review, verb: &str) -> String {
    render_up_to(review, verb, WALK_LIMIT)
}

fn render_up_to(review: &Review, verb: &str, limit: usize) -> String {
    let findings = &review.findings;
    let mut s = String::new();
    if !findings.is_empty() {
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
    }
    if review.truncated {
        s.push_str(&format!(
            "srt-gen {verb}: review: stopped after {} entries; the rest of the project was not looked at, and may hold more such changes\n",
            grouped(limit)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog's folders, as a run skips them.
    fn skip() -> Vec<String> {
        crate::catalog::Catalog::builtin_ref()
            .skip_dirs()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// The start of a run in `root`; change times have the kernel clock's tick as
    /// granularity, hence the pauses.
    fn begin(d: &Path, root: &Path) -> Start {
        std::thread::sleep(std::time::Duration::from_millis(30));
        let s = Start::now(&d.join("state"), root).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        s
    }

    fn paths(r: &Review) -> Vec<&str> {
        r.findings.iter().map(|x| x.path.as_str()).collect()
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn yarns_release_is_looked_at_and_its_package_cache_is_not() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        write(&root, "package.json", "{}");
        let start = begin(d.path(), &root);
        write(&root, ".yarn/releases/yarn-4.5.0.cjs", "x");
        write(&root, ".yarn/cache/pkg.zip", "x");
        write(&root, ".yarn/cache/.vscode/tasks.json", "{}");
        let r = review(&root, &start, &[".yarn".to_string()], &[]);
        let paths: Vec<&str> = r.findings.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(paths, ["./.yarn/releases/yarn-4.5.0.cjs"]);
    }

    #[test]
    fn the_walk_finds_what_changed_after_the_mark_and_nothing_before() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        std::fs::create_dir_all(root.join(".git/objects/aa")).unwrap();
        std::fs::create_dir_all(root.join(".vscode")).unwrap();
        write(&root, ".git/HEAD", "ref: refs/heads/main\n");
        write(&root, ".git/config", "[core]\n");
        write(&root, "justfile", "a:\n");
        let start = begin(d.path(), &root);
        write(&root, ".git/commondir", "evil\n");
        write(&root, ".vscode/tasks.json", "{}");
        write(&root, ".git/objects/aa/bb", "x");
        // Missed before: alternates (the walk skipped all of objects/), and a submodule
        // git dir named like a dependency folder.
        write(&root, ".git/objects/info/alternates", "/x\n");
        write(&root, ".git/modules/node_modules/y/commondir", "../z\n");
        write(&root, "node_modules/.vscode/tasks.json", "{}");
        write(&root, "src.rs", "");
        let placeholder = root.join(".mcp.json");
        std::fs::write(&placeholder, "{}").unwrap();
        let r = review(&root, &start, &["node_modules".to_string()], &[placeholder]);
        // The folders `.git/modules/node_modules` and `.../y` changed too, but a folder is
        // named only when nothing in it is: `y/commondir` says what runs.
        assert_eq!(
            paths(&r),
            [
                "./.git/commondir",
                "./.git/modules/node_modules/y/commondir",
                "./.git/objects/info/alternates",
                "./.vscode/tasks.json"
            ]
        );
        assert!(r.findings.iter().all(|x| x.new), "{r:?}");
        assert!(!r.truncated);
        let text = render(&r, "run");
        assert!(text.contains("4 paths"), "{text}");
        assert!(!text.contains("stopped"), "{text}");
    }

    /// Gap: a folder prepared in a dependency folder (never walked) and moved into place
    /// kept its files' change times; only the folder's own changed, and folders are not
    /// named. A single file moved in is named by its own change time (rename sets it).
    #[test]
    fn what_a_folder_moved_in_holds_is_named() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        write(&root, "node_modules/p/.vscode/tasks.json", "{}");
        write(&root, "node_modules/p/claude/commands/x.md", "x");
        write(&root, "node_modules/q/.envrc", "x");
        write(&root, "node_modules/q/.vscode/launch.json", "{}");
        write(&root, "node_modules/q/src/a.js", "");
        write(&root, "node_modules/justfile", "a:\n");
        write(&root, "pkg/index.js", "");
        write(&root, "pkg/.envrc", "x");
        write(&root, "docs/.vscode/settings.json", "{}");
        let start = begin(d.path(), &root);
        let mv = |a: &str, b: &str| std::fs::rename(root.join(a), root.join(b)).unwrap();
        mv("node_modules/p/.vscode", ".vscode");
        mv("node_modules/q", "web");
        mv("node_modules/justfile", "justfile");
        // Into a folder that was there: the moved folder and the one it came into change.
        mv("node_modules/p/claude", "pkg/.claude");
        // A folder whose files changed, where nothing moved: only what changed is named.
        write(&root, "docs/.vscode/tasks.json", "{}");
        let r = review(&root, &start, &skip(), &[]);
        assert_eq!(
            paths(&r),
            [
                "./.vscode/tasks.json",
                "./docs/.vscode/tasks.json",
                "./justfile",
                "./pkg/.claude/commands/x.md",
                "./web/.envrc",
                "./web/.vscode/launch.json"
            ]
        );
        let why = |p: &str| &r.findings.iter().find(|f| f.path == p).unwrap().why;
        assert!(
            why("./web/.envrc").contains("`./web` was moved or made here"),
            "{r:?}"
        );
        assert!(
            why("./pkg/.claude/commands/x.md").contains("`./pkg/.claude` changed during the run"),
            "{r:?}"
        );
        assert!(!why("./justfile").contains("change time is older"), "{r:?}");
        // The root's `.git` replaced whole is a folder moved in too.
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        write(&root, ".git/HEAD", "ref: refs/heads/main\n");
        write(&root, ".git/config", "");
        write(&root, "node_modules/g/HEAD", "ref: refs/heads/main\n");
        write(&root, "node_modules/g/config", "[core]\n\tfsmonitor = x\n");
        write(&root, "node_modules/g/hooks/pre-commit.sample", "");
        let start = begin(d.path(), &root);
        std::fs::rename(root.join(".git"), root.join("node_modules/old")).unwrap();
        std::fs::rename(root.join("node_modules/g"), root.join(".git")).unwrap();
        let r = review(&root, &start, &skip(), &[]);
        assert_eq!(paths(&r), ["./.git/config"]);
    }

    /// Gap: `.hg` was skipped like a dependency folder, and nothing of it was named.
    #[test]
    fn mercurial_config_and_new_repositories_are_named_and_its_store_is_not() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        write(&root, ".hg/hgrc", "");
        write(&root, ".hg/store/data/a.i", "");
        let start = begin(d.path(), &root);
        write(&root, ".hg/hgrc", "[hooks]\npre-status = x\n");
        write(&root, ".hg/dirstate", "x");
        write(&root, ".hg/wcache/checkisexec", "x");
        write(&root, ".hg/store/data/a.i", "x");
        write(&root, ".hg/store/00changelog.i", "x");
        write(&root, "sub/.hg/cache/branch2", "x");
        write(&root, "lib/.hg/hgrc", "[hooks]\n");
        let r = review(&root, &start, &skip(), &[]);
        assert_eq!(paths(&r), ["./.hg/hgrc", "./lib/.hg/hgrc", "./sub/.hg"]);
    }

    /// Gap: every file below `.git/modules/<name>/` was named, routine ones included.
    #[test]
    fn a_submodule_git_dir_is_judged_as_the_root_s_is() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        write(&root, ".git/HEAD", "ref: refs/heads/main\n");
        // A name with a slash, and one submodule inside another.
        for sub in [".git/modules/libs/foo", ".git/modules/libs/foo/modules/bar"] {
            write(&root, &format!("{sub}/HEAD"), "ref: refs/heads/main\n");
            write(&root, &format!("{sub}/config"), "");
            std::fs::create_dir_all(root.join(sub).join("refs/heads")).unwrap();
            std::fs::create_dir_all(root.join(sub).join("hooks")).unwrap();
        }
        let start = begin(d.path(), &root);
        for sub in [".git/modules/libs/foo", ".git/modules/libs/foo/modules/bar"] {
            for f in [
                "refs/heads/main",
                "refs/remotes/origin/HEAD",
                "logs/HEAD",
                "logs/refs/heads/main",
                "index",
                "HEAD",
                "FETCH_HEAD",
                "ORIG_HEAD",
                "packed-refs",
                "objects/ab/cdef",
                "hooks/pre-commit.sample",
            ] {
                write(&root, &format!("{sub}/{f}"), "x");
            }
        }
        write(&root, ".git/modules/libs/foo/config", "[core]\n");
        write(&root, ".git/modules/libs/foo/hooks/post-checkout", "x");
        write(&root, ".git/modules/libs/foo/modules/bar/info/exclude", "x");
        write(&root, ".git/modules/libs/foo/modules/bar/commondir", "x");
        write(
            &root,
            ".git/modules/libs/foo/modules/bar/config.worktree",
            "x",
        );
        // A new submodule git dir: its config, made by the clone, says it.
        write(&root, ".git/modules/new/HEAD", "ref: refs/heads/main\n");
        std::fs::create_dir_all(root.join(".git/modules/new/refs")).unwrap();
        write(&root, ".git/modules/new/config", "");
        // Not a git dir (no HEAD): everything in it is named.
        write(&root, ".git/modules/odd/refs/x", "x");
        let r = review(&root, &start, &skip(), &[]);
        assert_eq!(
            paths(&r),
            [
                "./.git/modules/libs/foo/config",
                "./.git/modules/libs/foo/hooks/post-checkout",
                "./.git/modules/libs/foo/modules/bar/commondir",
                "./.git/modules/libs/foo/modules/bar/config.worktree",
                "./.git/modules/libs/foo/modules/bar/info/exclude",
                "./.git/modules/new/config",
                "./.git/modules/odd/refs/x",
            ]
        );
        assert!(
            r.findings[0].why.contains("a submodule's git config"),
            "{r:?}"
        );
    }

    /// Gap: `.srt-gen` was skipped (the catalog lists it for detection), so the case for a
    /// project fragment never ran. `srt-gen init` applies what is there.
    #[test]
    fn a_project_fragment_is_named_and_the_temp_folder_is_not_walked() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        std::fs::create_dir_all(root.join(".srt-gen/fragments")).unwrap();
        std::fs::create_dir_all(root.join(".srt-gen/tmp")).unwrap();
        let start = begin(d.path(), &root);
        write(&root, ".srt-gen/fragments/x.toml", "x");
        write(&root, ".srt-gen/tmp/.vscode/tasks.json", "{}");
        let r = review(&root, &start, &skip(), &[]);
        assert_eq!(paths(&r), ["./.srt-gen/fragments/x.toml"]);
    }

    /// Gap: the walk stopped at its limit without a word.
    #[test]
    fn a_walk_cut_short_says_so() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        for i in 0..5 {
            write(&root, &format!("f{i}"), "");
        }
        let start = begin(d.path(), &root);
        write(&root, ".envrc", "x");
        let whole = review_up_to(&root, &start, &skip(), &[], 100);
        assert!(!whole.truncated);
        assert_eq!(paths(&whole), ["./.envrc"]);
        // The root, `.envrc` and five files: seven entries.
        assert!(!review_up_to(&root, &start, &skip(), &[], 7).truncated);
        let cut = review_up_to(&root, &start, &skip(), &[], 3);
        assert!(cut.truncated);
        let text = render_up_to(&cut, "run", 3);
        assert!(
            text.contains("srt-gen run: review: stopped after 3 entries; the rest of the project was not looked at"),
            "{text}"
        );
        assert!(render(&cut, "run").contains("after 1,000,000 entries"));
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }
}
