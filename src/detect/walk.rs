//! The project walk: parallel (the `ignore` crate's `WalkParallel`, the walker ripgrep
//! uses), gitignore-aware, and safe on a hostile tree. The crate's own ignore-file reading
//! is switched off: every `.gitignore` (and `.git/info/exclude`) is read here through
//! [`crate::files::read_bounded`], so a FIFO cannot hang the walk and a link to
//! `/dev/zero` cannot exhaust memory; the crate's matcher (`ignore::gitignore`) applies
//! the rules. Folders the catalog names (dependency and build folders, test fixtures) are
//! never entered, and links are never followed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, Match, WalkState};

use crate::files::{read_bounded, Bounded};

/// The most of one ignore file that is read: far above any real one.
pub const MAX_IGNORE_FILE: u64 = 1024 * 1024;

/// Folders the walk does not enter.
#[derive(Debug, Clone, Default)]
pub struct Skip {
    /// By name, anywhere (`node_modules`, `.git`).
    pub names: Vec<String>,
    /// Test fixtures and sample data, by name (`__fixtures__`) or by a path ending
    /// (`tests/data`): recorded when skipped, for the summary.
    pub fixtures: Vec<String>,
}

/// What the walk saw besides the files it handed over.
#[derive(Debug, Default)]
pub struct Walked {
    /// Unreadable folders, ignore files that were not read; relative paths.
    pub warnings: Vec<String>,
    /// Fixture folders left out, relative, sorted.
    pub fixtures: Vec<String>,
}

type Matchers = RwLock<HashMap<PathBuf, Arc<Gitignore>>>;

/// Walks `root` in parallel and calls `on_file(path, name)` for every regular file that
/// no ignore rule and no skip rule leaves out. `on_file` runs on the walker's threads.
pub fn walk(root: &Path, skip: &Skip, on_file: &(dyn Fn(&Path, &str) + Sync)) -> Walked {
    let matchers: Arc<Matchers> = Arc::new(RwLock::new(HashMap::new()));
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let fixtures = Arc::new(Mutex::new(Vec::new()));
    let names: Arc<Vec<String>> = Arc::new(skip.names.clone());
    let fixture_rules: Arc<Vec<String>> = Arc::new(skip.fixtures.clone());
    let root_buf = root.to_path_buf();

    load_ignore(root, root, true, &matchers, &warnings);
    let filter = {
        let matchers = Arc::clone(&matchers);
        let fixtures = Arc::clone(&fixtures);
        let root = root_buf.clone();
        move |e: &DirEntry| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && e.depth() > 0 {
                let Some(name) = e.file_name().to_str() else {
                    return !ignored(&matchers, &root, e.path(), true);
                };
                if names.iter().any(|n| n == name) {
                    return false;
                }
                if let Some(rel) = fixture(&fixture_rules, &root, e.path(), name) {
                    if !ignored(&matchers, &root, e.path(), true) {
                        fixtures.lock().expect("not poisoned").push(rel);
                    }
                    return false;
                }
            }
            !ignored(&matchers, &root, e.path(), is_dir)
        }
    };
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .threads(threads())
        .filter_entry(filter)
        .build_parallel();
    walker.run(|| {
        let matchers = Arc::clone(&matchers);
        let warnings = Arc::clone(&warnings);
        let root = root_buf.clone();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    push(&warnings, walk_error(&root, &err));
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_dir() {
                // Before this folder's entries are filtered (the walker reads a folder,
                // visits it, then filters its entries), so its rules apply to them.
                if entry.depth() > 0 {
                    load_ignore(&root, entry.path(), false, &matchers, &warnings);
                }
            } else if ft.is_file() {
                if let Some(name) = entry.file_name().to_str() {
                    on_file(entry.path(), name);
                }
            }
            WalkState::Continue
        })
    });
    let mut warnings = take(&warnings);
    warnings.sort();
    let mut fixtures = take(&fixtures);
    fixtures.sort();
    Walked { warnings, fixtures }
}

fn take(v: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *v.lock().expect("not poisoned"))
}

fn push(v: &Mutex<Vec<String>>, s: String) {
    v.lock().expect("not poisoned").push(s);
}

/// Two threads on two cores (ripgrep's default is the number of cores, up to 12).
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 12)
}

/// Whether a folder is a fixture folder, and its relative path if so.
fn fixture(rules: &[String], root: &Path, path: &Path, name: &str) -> Option<String> {
    let rel = relative(root, path);
    rules
        .iter()
        .any(|r| super::markers::dir_rule_matches(r, &rel, name))
        .then_some(rel)
}

/// Reads `dir/.gitignore` and `dir/.ignore` (and, at the root of a repository,
/// `.git/info/exclude`) through the bounded reader and keeps their rules for the folder's
/// entries. Later files win, as in ripgrep: `.ignore` over `.gitignore` over the exclude
/// file.
fn load_ignore(
    root: &Path,
    dir: &Path,
    is_root: bool,
    matchers: &Matchers,
    warnings: &Mutex<Vec<String>>,
) {
    let mut files = Vec::new();
    if is_root {
        files.push(dir.join(".git/info/exclude"));
    }
    files.push(dir.join(".gitignore"));
    files.push(dir.join(".ignore"));
    let mut builder: Option<GitignoreBuilder> = None;
    for file in files {
        let bytes = match read_bounded(&file, MAX_IGNORE_FILE) {
            Ok(Bounded::Bytes(b)) => b,
            Ok(Bounded::Absent) => continue,
            Ok(Bounded::NotRegular(what)) => {
                push(
                    warnings,
                    format!(
                        "{}: {what}, not read as ignore rules",
                        relative(root, &file)
                    ),
                );
                continue;
            }
            Ok(Bounded::TooLarge(n)) => {
                push(
                    warnings,
                    format!(
                        "{}: {} KiB, larger than any real ignore file; not read",
                        relative(root, &file),
                        n / 1024
                    ),
                );
                continue;
            }
            Err(e) => {
                push(
                    warnings,
                    format!("{}: not read: {e}", relative(root, &file)),
                );
                continue;
            }
        };
        let b = builder.get_or_insert_with(|| GitignoreBuilder::new(dir));
        for line in String::from_utf8_lossy(&bytes).lines() {
            // A bad glob is git's business too: it skips the line, and so does this.
            let _ = b.add_line(Some(file.clone()), line);
        }
    }
    if let Some(gi) = builder.and_then(|b| b.build().ok()) {
        if !gi.is_empty() {
            matchers
                .write()
                .expect("not poisoned")
                .insert(dir.to_path_buf(), Arc::new(gi));
        }
    }
}

thread_local! {
    /// The rules that apply in the folder whose entries this thread filtered last: the
    /// walker filters a folder's entries one after another, so the chain of ignore files
    /// is looked up once per folder, not once per file.
    static CHAIN: std::cell::RefCell<(PathBuf, Vec<Arc<Gitignore>>)> =
        std::cell::RefCell::new((PathBuf::new(), Vec::new()));
}

/// Whether the rules of `path`'s folders (the nearest first, as git applies them) leave
/// it out.
fn ignored(matchers: &Matchers, root: &Path, path: &Path, is_dir: bool) -> bool {
    let Some(parent) = path.parent() else {
        return false;
    };
    CHAIN.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != parent {
            let map = matchers.read().expect("not poisoned");
            let mut chain = Vec::new();
            let mut dir = Some(parent);
            while let Some(d) = dir {
                if let Some(gi) = map.get(d) {
                    chain.push(Arc::clone(gi));
                }
                if d == root {
                    break;
                }
                dir = d.parent();
            }
            *c = (parent.to_path_buf(), chain);
        }
        for gi in &c.1 {
            match gi.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    })
}

/// `root`-relative, `/`-separated.
pub fn relative(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn walk_error(root: &Path, err: &ignore::Error) -> String {
    let text = err.to_string();
    let root_s = root.display().to_string();
    let text = text.replace(&format!("{root_s}/"), "");
    format!("not read: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(root: &Path, skip: &Skip) -> (Vec<String>, Walked) {
        let seen = Mutex::new(Vec::new());
        let w = walk(root, skip, &|p, _| {
            seen.lock().unwrap().push(relative(root, p));
        });
        let mut v = seen.into_inner().unwrap();
        v.sort();
        (v, w)
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn nested_ignore_rules_and_negations_apply_as_git_does() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, ".gitignore", "/build-out/\n*.log\n");
        write(r, ".ignore", "!again.log\n");
        write(r, "again.log", "");
        write(r, "a/.gitignore", "!keep.log\nlocal/\n");
        write(r, "a/keep.log", "");
        write(r, "a/drop.log", "");
        write(r, "a/local/x", "");
        write(r, "build-out/x", "");
        write(r, "a/b/build-out/y", "");
        write(r, "node_modules/z", "");
        write(r, "tests/fixtures/p/package.json", "{}");
        write(r, "x/__Fixtures__/package.json", "{}");
        let skip = Skip {
            names: vec!["node_modules".into()],
            fixtures: vec!["tests/fixtures".into(), "__FIXTURES__".into()],
        };
        let (seen, w) = files(r, &skip);
        assert_eq!(
            seen,
            [
                ".gitignore",
                ".ignore",
                "a/.gitignore",
                "a/b/build-out/y",
                "a/keep.log",
                "again.log"
            ]
        );
        assert_eq!(w.fixtures, ["tests/fixtures", "x/__Fixtures__"]);
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    }

    #[test]
    fn a_fifo_gitignore_neither_hangs_nor_counts() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        let status = std::process::Command::new("mkfifo")
            .arg(r.join(".gitignore"))
            .status()
            .unwrap();
        assert!(status.success());
        write(r, "Cargo.toml", "");
        let (seen, w) = files(r, &Skip::default());
        assert_eq!(seen, ["Cargo.toml"]);
        assert!(w.warnings[0].contains(".gitignore"), "{:?}", w.warnings);
    }

    #[test]
    fn a_gitignore_linked_to_dev_zero_is_not_read() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::os::unix::fs::symlink("/dev/zero", r.join(".gitignore")).unwrap();
        write(r, "sub/Cargo.toml", "");
        std::os::unix::fs::symlink("/dev/zero", r.join("sub/.gitignore")).unwrap();
        let (seen, w) = files(r, &Skip::default());
        assert_eq!(seen, ["sub/Cargo.toml"]);
        assert_eq!(w.warnings.len(), 2, "{:?}", w.warnings);
        assert!(w.warnings.iter().all(|x| x.contains("symbolic link")));
    }
}
