//! Placeholders over absent write-protected paths, made and removed by srt-gen instead of
//! srt, so that sandboxes running side by side cannot undo each other's protection.
//!
//! srt protects a denyWrite path that does not exist yet (`~/.claude/settings.json`,
//! `~/.claude/agents`, a project's `.bashrc` or `.mcp.json`) by having bubblewrap create an
//! empty mount point there, and deletes that mount point when its own command ends
//! (`cleanupBwrapMountPoints` in srt's `linux-sandbox-utils.js`). That bookkeeping is per
//! srt process. Two sandboxes sharing a home folder (a batch run over many repositories, two
//! agents in one checkout) break each other: the second finds the first one's mount point,
//! binds it as an existing path, and when the first ends and deletes it, the second's bind
//! is detached. Its command can then create the protected path (hooks in
//! `~/.claude/settings.json` run outside any sandbox), or, with other timing, the second
//! cannot start at all (bwrap: "Can't find source path").
//!
//! So `run` and `learn` make those mount points themselves before srt starts: srt finds the
//! paths present, binds them read-only, and never deletes them. Every srt-gen run holds a
//! shared lock on a record of what srt-gen made while its sandbox lives; whichever run ends
//! while no other holds it removes what the record lists and is still empty (an empty file
//! or folder, as srt's own cleanup decides), so nothing is left behind. A policy that lets
//! the sandbox write the record gets none of this (the sandbox could list the user's own
//! empty files for removal), and srt keeps making its own placeholders.
//!
//! A placeholder never takes a form that breaks the user's own tools meanwhile (issue 18.7):
//! a folder where a folder belongs (`.vscode`, `.idea`, `.claude/commands`,
//! `.srt-gen/fragments`, `.git/hooks`), `{"mcpServers":{}}` for `.mcp.json` and `{}` for
//! any other JSON file (srt binds a present path read-only and never removes it), an
//! empty file elsewhere. One left behind by a killed run is removed by the next run that
//! finds no other run alive, at its start ([`clean_leftovers`]).

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use std::time::{Duration, Instant};

use crate::catalog::List;
use crate::env::{resolve_symlinks, Env};
use crate::policy::settings::Settings;

/// Files srt write-protects in its working directory (srt `sandbox-utils.js`,
/// `DANGEROUS_FILES`).
pub const PROTECTED_FILES: [&str; 9] = [
    ".gitconfig",
    ".gitmodules",
    ".bashrc",
    ".bash_profile",
    ".zshrc",
    ".zprofile",
    ".profile",
    ".ripgreprc",
    ".mcp.json",
];

/// Folders srt write-protects in its working directory (`getDangerousDirectories`).
pub const PROTECTED_DIRS: [&str; 4] = [".vscode", ".idea", ".claude/commands", ".claude/agents"];

/// How long a run waits for another run's cleanup before it starts without its own
/// placeholders (srt then makes them, as it would alone).
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The placeholders a run needs: where, and the record shared by every run of this user.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The paths srt protects with a placeholder when they are absent, present or not
    /// (for git's exclude block, which must also cover another run's placeholders).
    pub protected: Vec<PathBuf>,
    /// Those of them absent now: what this run makes, parents before children.
    pub paths: Vec<PathBuf>,
    /// The lock and record file.
    pub record: PathBuf,
    /// The policy lets the sandbox write the record: it could then list any empty file of
    /// the user's for removal, so no record is kept and srt makes its own placeholders.
    pub record_writable: bool,
}

/// The record: `$XDG_CACHE_HOME/srt-gen/placeholders`, else `~/.cache/srt-gen/placeholders`.
pub fn record_file(env: &Env) -> PathBuf {
    env.folder("XDG_CACHE_HOME", ".cache")
        .join("srt-gen")
        .join("placeholders")
}

/// The paths srt would make a mount point for, with srt started in `root`: srt's own
/// protected names there and the policy's denyWrite entries, each inside a write root
/// (elsewhere it is read-only anyway, and srt makes nothing), spelled as srt resolves them.
pub fn plan(root: &Path, settings: &Settings, env: &Env) -> Plan {
    let mut wanted: Vec<PathBuf> = PROTECTED_FILES
        .iter()
        .chain(PROTECTED_DIRS.iter())
        .map(|n| root.join(n))
        .collect();
    if root.join(".git").is_dir() {
        wanted.push(root.join(".git/hooks"));
        let git_config_allowed = settings
            .filesystem
            .other
            .get("allowGitConfig")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if !git_config_allowed {
            wanted.push(root.join(".git/config"));
        }
    }
    let plain = |e: &&str| !e.contains(['*', '?', '[']);
    wanted.extend(
        settings
            .strings(List::DenyWrite)
            .into_iter()
            .filter(plain)
            .map(|e| env.absolute(e, root)),
    );
    // Where srt mounts them: it resolves symlinks in both lists.
    let roots: Vec<PathBuf> = settings
        .strings(List::AllowWrite)
        .into_iter()
        .filter(plain)
        .map(|e| resolve_symlinks(&env.absolute(e, root)))
        .collect();
    let mut protected: Vec<PathBuf> = wanted
        .iter()
        .map(|p| resolve_symlinks(p))
        .filter(|p| {
            p.is_absolute()
                && !p.to_string_lossy().contains('\n')
                && roots.iter().any(|r| p.starts_with(r) && p != r)
        })
        .collect();
    protected.sort();
    protected.dedup();
    let paths = protected
        .iter()
        .filter(|p| std::fs::symlink_metadata(p).is_err())
        .cloned()
        .collect();
    let record = record_file(env);
    let record_writable = {
        let real = resolve_symlinks(&record);
        roots.iter().any(|r| real.starts_with(r))
    };
    Plan {
        protected,
        paths,
        record,
        record_writable,
    }
}

/// The placeholders a run made, and its shared lock on the record while its sandbox lives.
#[derive(Debug, Default)]
pub struct Held {
    record: Option<Flock<File>>,
    /// What this run made, parents before children.
    pub made: Vec<PathBuf>,
    /// Why some placeholder could not be made (srt then makes its own).
    pub warnings: Vec<String>,
}

/// Takes the shared lock and makes each planned path that is still absent: an empty folder
/// where another planned path lies beneath it, an empty file otherwise (srt's own choice).
/// Never fails the run: what cannot be made is left to srt, and said.
pub fn hold(plan: &Plan) -> Held {
    let mut held = Held::default();
    if plan.paths.is_empty() {
        return held;
    }
    if plan.record_writable {
        held.warnings.push(format!(
            "the policy lets the sandbox write {}, so srt-gen keeps no placeholders of its own; \
             srt makes and removes its own, which another sandbox running at the same time can undo",
            plan.record.display()
        ));
        return held;
    }
    let mut record = match open_locked(&plan.record, FlockArg::LockSharedNonblock) {
        Ok(f) => f,
        Err(why) => {
            held.warnings.push(format!(
                "no placeholders of srt-gen's own this run ({why}); srt makes and removes its own, \
                 which another sandbox running at the same time can undo"
            ));
            return held;
        }
    };
    // Every protected path absent now (not only those absent when the run was planned: a
    // killed run's leftovers may have been cleaned since).
    let absent: Vec<&PathBuf> = plan
        .protected
        .iter()
        .chain(&plan.paths)
        .filter(|p| std::fs::symlink_metadata(p).is_err())
        .collect();
    let mut absent = absent;
    absent.sort();
    absent.dedup();
    for path in absent.iter().copied() {
        let folder = is_folder(path) || absent.iter().any(|o| *o != path && o.starts_with(path));
        match make(path, folder) {
            Ok(made) => {
                for p in made {
                    // One write per line, appended: runs that share the lock add lines at once.
                    let line = format!("{}\n", p.display());
                    if let Err(e) = record.write_all(line.as_bytes()) {
                        held.warnings.push(format!(
                            "cannot record the placeholder {} in {}: {e}",
                            p.display(),
                            plan.record.display()
                        ));
                    }
                    held.made.push(p);
                }
            }
            Err(why) => held
                .warnings
                .push(format!("no placeholder at {}: {why}", path.display())),
        }
    }
    held.record = Some(record);
    held
}

impl Held {
    /// Ends this run's hold. When no other run holds the record, removes every recorded
    /// placeholder that is still an empty file or folder, deepest first, and empties the
    /// record; a run still going keeps them, and removes them when it ends. Returns what
    /// was removed.
    pub fn release(self) -> Vec<PathBuf> {
        let Some(mut record) = self.record else {
            return Vec::new();
        };
        // Converting a shared lock drops it first: another run may take it in between,
        // and then this one simply fails to get it and leaves the cleanup to that run.
        if record.relock(FlockArg::LockExclusiveNonblock).is_err() {
            return Vec::new();
        }
        remove_recorded(&mut record)
    }
}

/// Removes every recorded placeholder that still looks as srt-gen made it, deepest first,
/// and empties the record. The caller holds the record's exclusive lock.
fn remove_recorded(record: &mut File) -> Vec<PathBuf> {
    let mut text = String::new();
    if record.rewind().is_err() || record.read_to_string(&mut text).is_err() {
        return Vec::new();
    }
    let mut listed: Vec<PathBuf> = text
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .collect();
    listed.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    listed.dedup();
    let mut removed = Vec::new();
    for p in listed {
        if remove_if_empty(&p) {
            removed.push(p);
        }
    }
    let _ = record.set_len(0);
    removed
}

/// At the start of a run: when no other run of this user is alive (the record's lock is
/// free), the placeholders a killed run left are removed, so that none of them (an empty
/// `.mcp.json` from an older srt-gen, a file where a folder belongs) stands in the user's
/// way. Returns what was removed. A policy that lets the sandbox write the record is not
/// trusted with this (see the module doc).
pub fn clean_leftovers(plan: &Plan) -> Vec<PathBuf> {
    if plan.record_writable || std::fs::symlink_metadata(&plan.record).is_err() {
        return Vec::new();
    }
    let Ok(mut record) = open_locked(&plan.record, FlockArg::LockExclusiveNonblock) else {
        return Vec::new();
    };
    remove_recorded(&mut record)
}

/// Names that are folders wherever they are protected (srt's own list and srt-gen's).
const FOLDER_NAMES: [&str; 8] = [
    ".vscode",
    ".idea",
    "commands",
    "agents",
    "hooks",
    "fragments",
    "skills",
    "modules",
];

fn is_folder(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FOLDER_NAMES.contains(&n))
}

/// What a file placeholder holds: valid JSON where the name says JSON (Claude Code reads
/// `.mcp.json`, `settings.json`; an empty file there is an error to it), nothing elsewhere.
pub fn placeholder_content(p: &Path) -> &'static [u8] {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == ".mcp.json" {
        b"{\"mcpServers\":{}}\n"
    } else if name.ends_with(".json") {
        b"{}\n"
    } else {
        b""
    }
}

/// Opens (creating) the record and takes `op` (a non-blocking lock) on it, retrying for
/// [`LOCK_WAIT`] when it is a shared lock.
fn open_locked(path: &Path, op: FlockArg) -> Result<Flock<File>, String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let start = Instant::now();
    let mut file = file;
    loop {
        match Flock::lock(file, op) {
            Ok(locked) => return Ok(locked),
            Err((f, nix::errno::Errno::EWOULDBLOCK))
                if op == FlockArg::LockSharedNonblock && start.elapsed() < LOCK_WAIT =>
            {
                file = f;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err((_, e)) => return Err(format!("cannot lock {}: {e}", path.display())),
        }
    }
}

/// Makes `path` and any absent folders above it, from its nearest existing ancestor.
/// Returns what it made, parents first. Makes nothing where a file or a symlink lies on
/// the way (srt decides those itself), or where the path is already there.
fn make(path: &Path, folder: bool) -> Result<Vec<PathBuf>, String> {
    let mut absent = Vec::new();
    let mut at = path;
    let existing = loop {
        match std::fs::symlink_metadata(at) {
            Ok(m) => break (at, m),
            Err(_) => {
                absent.push(at.to_path_buf());
                at = at
                    .parent()
                    .ok_or_else(|| "no folder above it exists".to_string())?;
            }
        }
    };
    if absent.is_empty() {
        return Ok(Vec::new());
    }
    let (above, meta) = existing;
    if meta.file_type().is_symlink() {
        return Err(format!("{} is a symlink", above.display()));
    }
    if !meta.is_dir() {
        return Err(format!("{} is not a folder", above.display()));
    }
    match above.canonicalize() {
        Ok(real) if real == above => {}
        _ => return Err(format!("{} is reached through a symlink", above.display())),
    }
    absent.reverse();
    let mut made = Vec::new();
    let last = absent.len() - 1;
    for (i, p) in absent.iter().enumerate() {
        let result = if i < last || folder {
            std::fs::create_dir(p)
        } else {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .and_then(|mut f| f.write_all(placeholder_content(p)))
        };
        match result {
            Ok(()) => made.push(p.clone()),
            // Another run made it a moment ago: its record has it.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                // What was made so far stays recorded and is removed at the end.
                if made.is_empty() {
                    return Err(format!("cannot create {}: {e}", p.display()));
                }
                break;
            }
        }
    }
    Ok(made)
}

/// Whether `p` looks like a placeholder: an empty regular file or an empty folder (not a
/// symlink), srt's own cleanup's test, or a file holding exactly what srt-gen writes into
/// one ([`placeholder_content`]).
pub fn is_placeholder(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| {
        let content = placeholder_content(p);
        (m.is_file()
            && (m.len() == 0
                || (m.len() == content.len() as u64
                    && crate::files::read_bounded(p, content.len() as u64)
                        .is_ok_and(|b| b == crate::files::Bounded::Bytes(content.to_vec())))))
            || (m.is_dir() && std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none()))
    })
}

/// Removes a placeholder (an empty folder only when it is still empty). Its folder must
/// still be the one it was made in: placeholders are made only where no link lies on the
/// way (`make`), so a link there now is the sandbox's, and what it leads to is not ours.
fn remove_if_empty(p: &Path) -> bool {
    let same_folder = p
        .parent()
        .is_some_and(|d| d.canonicalize().is_ok_and(|real| real == d));
    same_folder
        && is_placeholder(p)
        && if p.is_dir() {
            std::fs::remove_dir(p).is_ok()
        } else {
            std::fs::remove_file(p).is_ok()
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Os;
    use std::collections::BTreeMap;

    fn env(home: &Path) -> Env {
        Env {
            vars: BTreeMap::new(),
            home: home.to_path_buf(),
            os: Os::Linux,
        }
    }

    fn settings(allow: &[&str], deny: &[&str]) -> Settings {
        let mut s = Settings::default();
        s.filesystem.allow_write = allow.iter().map(|a| (*a).into()).collect();
        s.filesystem.deny_write = deny.iter().map(|a| (*a).into()).collect();
        s
    }

    /// A home and a project, both real folders (no symlinked temp dir on the way).
    fn dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let base = t.path().canonicalize().unwrap();
        let home = base.join("home");
        let root = base.join("project");
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        (t, home, root)
    }

    #[test]
    fn plans_only_absent_paths_inside_write_roots() {
        let (_t, home, root) = dirs();
        std::fs::write(root.join(".bashrc"), "x").unwrap();
        std::fs::create_dir_all(root.join(".git/hooks")).unwrap();
        let s = settings(
            &[".", "~/.claude"],
            &[
                "~/.claude/settings.json",
                "~/.claude/agents",
                "~/.ssh/config",
                "./.claude/settings.json",
                "~/.claude/*.json",
            ],
        );
        let plan = plan(&root, &s, &env(&home));
        let rel: Vec<String> = plan
            .paths
            .iter()
            .map(|p| {
                p.strip_prefix(root.parent().unwrap())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            rel,
            [
                "home/.claude/agents",
                "home/.claude/settings.json",
                "project/.bash_profile",
                "project/.claude/agents",
                "project/.claude/commands",
                "project/.claude/settings.json",
                "project/.git/config",
                "project/.gitconfig",
                "project/.gitmodules",
                "project/.idea",
                "project/.mcp.json",
                "project/.profile",
                "project/.ripgreprc",
                "project/.vscode",
                "project/.zprofile",
                "project/.zshrc",
            ]
        );
        assert_eq!(plan.record, home.join(".cache/srt-gen/placeholders"));
        // Present ones are still protected (for git's exclude block), just not made.
        assert!(plan.protected.contains(&root.join(".bashrc")));
        assert!(plan.protected.contains(&root.join(".git/hooks")));
        assert!(!plan.protected.contains(&home.join(".ssh/config")));
    }

    #[test]
    fn a_policy_that_lets_the_sandbox_write_the_record_gets_no_placeholders() {
        let (_t, home, root) = dirs();
        let s = settings(&[".", "~/.cache"], &[]);
        let plan = plan(&root, &s, &env(&home));
        assert!(plan.record_writable);
        let held = hold(&plan);
        assert_eq!(held.made, Vec::<PathBuf>::new());
        assert!(
            held.warnings[0].contains("keeps no placeholders"),
            "{:?}",
            held.warnings
        );
        assert!(!root.join(".bashrc").exists());
        assert!(!plan.record.exists());
    }

    #[test]
    fn allow_git_config_leaves_git_config_to_the_command() {
        let (_t, home, root) = dirs();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let mut s = settings(&["."], &[]);
        s.filesystem
            .other
            .insert("allowGitConfig".into(), serde_json::Value::Bool(true));
        let plan = plan(&root, &s, &env(&home));
        assert!(plan.paths.contains(&root.join(".git/hooks")));
        assert!(!plan.paths.contains(&root.join(".git/config")));
    }

    #[test]
    fn a_project_that_is_not_writable_gets_no_placeholders() {
        let (_t, home, root) = dirs();
        let plan = plan(&root, &settings(&["~/.claude"], &[]), &env(&home));
        assert_eq!(plan.paths, Vec::<PathBuf>::new());
    }

    #[test]
    fn hold_makes_files_and_parent_folders_and_the_last_release_removes_them() {
        let (_t, home, root) = dirs();
        let s = settings(&[".", "~/.claude"], &["~/.claude/settings.json"]);
        let plan = plan(&root, &s, &env(&home));
        let held = hold(&plan);
        assert_eq!(held.warnings, Vec::<String>::new());
        // Never a form that breaks the user's tools meanwhile: folders where folders
        // belong, valid JSON for JSON files, empty files elsewhere.
        for p in [
            ".claude",
            ".claude/agents",
            ".claude/commands",
            ".vscode",
            ".idea",
        ] {
            assert!(root.join(p).is_dir(), "{p}");
        }
        assert_eq!(
            std::fs::read_to_string(root.join(".mcp.json")).unwrap(),
            "{\"mcpServers\":{}}\n"
        );
        let rc = std::fs::symlink_metadata(root.join(".bashrc")).unwrap();
        assert!(rc.is_file() && rc.len() == 0);
        assert_eq!(
            std::fs::read_to_string(home.join(".claude/settings.json")).unwrap(),
            "{}\n"
        );
        let removed = held.release();
        assert!(removed.contains(&root.join(".claude")), "{removed:?}");
        let left: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(!home.join(".claude/settings.json").exists());
        assert!(home.join(".claude").is_dir(), "a write root is not ours");
        assert_eq!(std::fs::read_to_string(&plan.record).unwrap(), "");
    }

    #[test]
    fn a_run_still_going_keeps_the_placeholders_until_it_ends() {
        let (_t, home, root) = dirs();
        let s = settings(&["~/.claude"], &["~/.claude/agents"]);
        let e = env(&home);
        let agents = home.join(".claude/agents");
        let first = hold(&plan(&root, &s, &e));
        assert_eq!(first.made, vec![agents.clone()]);
        // The second run finds it present and makes nothing, as srt then binds it.
        let second_plan = plan(&root, &s, &e);
        assert_eq!(second_plan.paths, Vec::<PathBuf>::new());
        // A third run's plan that still names it (made between its plan and its hold).
        let third = hold(&Plan {
            protected: vec![agents.clone()],
            paths: vec![agents.clone()],
            record: record_file(&e),
            record_writable: false,
        });
        assert_eq!(third.made, Vec::<PathBuf>::new());
        assert_eq!(first.release(), Vec::<PathBuf>::new());
        assert!(agents.is_dir(), "removed while another run holds it");
        assert_eq!(third.release(), vec![agents.clone()]);
        assert!(!agents.exists());
    }

    #[test]
    fn a_killed_runs_leftovers_are_cleaned_at_the_next_start_when_no_run_is_alive() {
        let (_t, home, root) = dirs();
        let s = settings(&["."], &["./.srt-gen/fragments"]);
        let e = env(&home);
        let p = plan(&root, &s, &e);
        let held = hold(&p);
        assert!(
            root.join(".srt-gen/fragments").is_dir(),
            "a folder, not a file"
        );
        // While a run holds the record, the next start removes nothing.
        assert_eq!(clean_leftovers(&p), Vec::<PathBuf>::new());
        assert!(root.join(".mcp.json").exists());
        // The run is killed: its lock goes with it, its placeholders stay.
        drop(held);
        let p2 = plan(&root, &s, &e);
        let removed = clean_leftovers(&p2);
        assert!(removed.contains(&root.join(".mcp.json")), "{removed:?}");
        assert!(!root.join(".mcp.json").exists());
        assert!(!root.join(".srt-gen").exists());
    }

    #[test]
    fn what_someone_wrote_into_a_placeholder_is_kept() {
        let (_t, home, root) = dirs();
        let s = settings(&["~/.claude"], &["~/.claude/settings.json"]);
        let held = hold(&plan(&root, &s, &env(&home)));
        let f = home.join(".claude/settings.json");
        std::fs::write(&f, "{\"hooks\":{}}").unwrap();
        assert_eq!(held.release(), Vec::<PathBuf>::new());
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "{\"hooks\":{}}");
    }

    #[test]
    fn nothing_is_made_through_a_symlink_or_under_a_file() {
        let (t, home, _root) = dirs();
        let elsewhere = t.path().canonicalize().unwrap().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, home.join("link")).unwrap();
        std::fs::write(home.join("file"), "").unwrap();
        let held = hold(&Plan {
            protected: Vec::new(),
            paths: vec![home.join("link/x"), home.join("file/x")],
            record: record_file(&env(&home)),
            record_writable: false,
        });
        assert_eq!(held.made, Vec::<PathBuf>::new());
        assert_eq!(held.warnings.len(), 2, "{:?}", held.warnings);
        assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
    }

    /// The sandbox replaced a placeholder's folder with a link to a folder of the user's that
    /// holds an empty file of the same name: the cleanup removes nothing through the link
    /// (before, the user's empty file went).
    #[test]
    fn the_cleanup_removes_nothing_through_a_link() {
        let (t, home, root) = dirs();
        let s = settings(&["."], &["./.claude/commands"]);
        let held = hold(&plan(&root, &s, &env(&home)));
        assert!(root.join(".claude/commands").is_dir());
        let users = t.path().canonicalize().unwrap().join("users");
        std::fs::create_dir_all(users.join("commands")).unwrap();
        std::fs::remove_dir_all(root.join(".claude")).unwrap();
        std::os::unix::fs::symlink(&users, root.join(".claude")).unwrap();
        let removed = held.release();
        assert!(
            users.join("commands").is_dir(),
            "removed through the link: {removed:?}"
        );
        assert!(
            !removed.contains(&root.join(".claude/commands")),
            "{removed:?}"
        );
    }

    #[test]
    fn a_record_entry_that_is_not_empty_or_not_absolute_is_left_alone() {
        let (_t, home, _root) = dirs();
        let e = env(&home);
        let record = record_file(&e);
        let keep = home.join("keep");
        std::fs::write(&keep, "data").unwrap();
        let full = home.join("full");
        std::fs::create_dir_all(full.join("x")).unwrap();
        std::fs::create_dir_all(record.parent().unwrap()).unwrap();
        std::fs::write(
            &record,
            format!("{}\n{}\nrelative\n", keep.display(), full.display()),
        )
        .unwrap();
        let gone = home.join(".claude/agents");
        let held = hold(&Plan {
            protected: Vec::new(),
            paths: vec![gone.clone()],
            record: record.clone(),
            record_writable: false,
        });
        assert_eq!(held.release(), [gone]);
        assert_eq!(std::fs::read_to_string(&keep).unwrap(), "data");
        assert!(full.join("x").is_dir());
    }
}
