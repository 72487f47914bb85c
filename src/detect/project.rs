//! Where a project is, and where its srt-gen files (`.srt.json`, the justfile) are: one
//! policy per project. [`Project::find_root`] is the one rule every command
//! uses to go from the folder it was started in to the policy it acts on:
//!
//! - The walk goes up from the start folder to a bound: the repository's top (the nearest
//!   folder holding `.git`, a folder or a file); outside a repository, the folder below the
//!   home folder (never the home itself or above it) or below a shared, world-writable
//!   folder such as `/tmp` (never `/`).
//! - The project's root is the folder of the OUTERMOST `.srt.json` within that bound.
//! - A folder below the root has a policy of its own only when the root's record declares
//!   it a subproject (`srt-gen init --subproject`) and the root's policy write-protects its
//!   `.srt.json`; declarations nest.
//! - Every other `.srt.json` (and every justfile) between the start folder and the chosen
//!   folder is never used: a sandboxed run can write there. The caller says so.

use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::env::Env;
use crate::error::Error;

pub const SETTINGS_FILE: &str = ".srt.json";
pub const JUSTFILE_NAMES: [&str; 3] = ["justfile", "Justfile", ".justfile"];
/// The key of srt-gen's record in `.srt.json` and, inside it, the declared subprojects
/// (kept in step with `policy::settings::Record` by a test there).
pub const RECORD_KEY: &str = "srtGen";
pub const SUBPROJECTS_KEY: &str = "subprojects";
/// The most of a policy file `find_root` reads to learn its subprojects.
const MAX_POLICY: u64 = crate::files::MAX_OWN_FILE;

/// Where a project's files are.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub settings: PathBuf,
    pub justfile: PathBuf,
}

/// Why [`Project::find_root`] chose its folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Chosen {
    /// The outermost `.srt.json` within the bound.
    OutermostPolicy,
    /// A subproject that the policy at `root` declares.
    Subproject { root: PathBuf },
    /// No policy yet; the repository's top (what `init` proposes).
    RepositoryTop,
    /// No policy and no repository: the start folder itself.
    StartFolder,
}

/// How far up the walk went, and why it stopped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Bound {
    /// The folder holding `.git`.
    Repository,
    /// The folder below the home folder.
    Home,
    /// The folder below `/` or below a shared world-writable folder (`/tmp`).
    Shared,
}

/// A file below the chosen folder that srt-gen does not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ignored {
    pub path: PathBuf,
    pub reason: String,
}

/// What [`Project::find_root`] found.
#[derive(Debug, Clone)]
pub struct Found {
    /// The project the command acts on (a subproject's, or the root's).
    pub project: Project,
    /// Whether `project.settings` exists.
    pub has_policy: bool,
    pub chosen: Chosen,
    /// The canonical start folder.
    pub start: PathBuf,
    /// The highest folder the walk looked at, and why it stopped.
    pub top: PathBuf,
    pub bound: Bound,
    /// Policies and justfiles on the way up that are not used, each with its reason.
    pub ignored: Vec<Ignored>,
}

impl Found {
    /// One line per ignored file, for the commands' notes.
    pub fn notes(&self) -> Vec<String> {
        self.ignored
            .iter()
            .map(|i| format!("{} is not used: {}", i.path.display(), i.reason))
            .collect()
    }

    /// Whether the command was started below the folder it acts on.
    pub fn started_below(&self) -> bool {
        self.start != self.project.root
    }
}

impl Project {
    pub fn at(root: &Path) -> Result<Project, Error> {
        let root = resolve_dir(root)?;
        let justfile_name = JUSTFILE_NAMES
            .iter()
            .find(|n| root.join(n).symlink_metadata().is_ok())
            .copied()
            .unwrap_or("justfile");
        Ok(Project {
            settings: root.join(SETTINGS_FILE),
            justfile: root.join(justfile_name),
            root,
        })
    }

    /// The one rule from a start folder to the project (see the module's documentation).
    /// Errors only when the start folder cannot be resolved, or when a policy on the way
    /// cannot be read to learn its subprojects (it is not valid JSON, not a regular file).
    pub fn find_root(start: &Path, env: &Env) -> Result<Found, Error> {
        let start = resolve_dir(start)?;
        let home = env.home.canonicalize().unwrap_or_else(|_| env.home.clone());
        let (candidates, bound) = candidates(&start, &home);
        let top = candidates.last().cloned().unwrap_or_else(|| start.clone());
        let Some(root) = candidates
            .iter()
            .rev()
            .find(|d| d.join(SETTINGS_FILE).symlink_metadata().is_ok())
            .cloned()
        else {
            let (dir, chosen) = if bound == Bound::Repository {
                (top.clone(), Chosen::RepositoryTop)
            } else {
                (start.clone(), Chosen::StartFolder)
            };
            return Ok(Found {
                project: Project::at(&dir)?,
                has_policy: false,
                chosen,
                start,
                top,
                bound,
                ignored: Vec::new(),
            });
        };

        let mut ignored = Vec::new();
        // Follow the declarations from the root down towards the start folder.
        let mut chain = vec![root.clone()];
        loop {
            let current = chain.last().expect("never empty").clone();
            if current == start {
                break;
            }
            let declared = declared_subprojects(&current.join(SETTINGS_FILE))?;
            let next = declared
                .iter()
                .filter(|d| start.starts_with(current.join(&d.rel)))
                .max_by_key(|d| d.rel.components().count());
            let Some(sub) = next else { break };
            let dir = current.join(&sub.rel);
            let policy = dir.join(SETTINGS_FILE);
            let is_file = policy
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_file());
            if !is_file {
                ignored.push(Ignored {
                    path: policy,
                    reason: format!(
                        "{} declares this folder a subproject, but it has no policy of its own \
                         (a regular file); {} applies here",
                        current.join(SETTINGS_FILE).display(),
                        current.join(SETTINGS_FILE).display()
                    ),
                });
                break;
            }
            if !sub.protected {
                ignored.push(Ignored {
                    path: policy,
                    reason: format!(
                        "{} declares this folder a subproject but does not write-protect its \
                         policy, so a sandboxed run could have written it; `srt-gen init \
                         --subproject` in {} protects it again",
                        current.join(SETTINGS_FILE).display(),
                        dir.display()
                    ),
                });
                break;
            }
            chain.push(dir);
        }
        let chosen_dir = chain.last().expect("never empty").clone();
        let chosen = if chain.len() > 1 {
            Chosen::Subproject {
                root: chain[chain.len() - 2].clone(),
            }
        } else {
            Chosen::OutermostPolicy
        };
        for d in candidates.iter().filter(|d| d.starts_with(&root)) {
            let policy = d.join(SETTINGS_FILE);
            if !chain.contains(d)
                && policy.symlink_metadata().is_ok()
                && !ignored.iter().any(|i| i.path == policy)
            {
                ignored.push(Ignored {
                    path: policy,
                    reason: format!(
                        "it is below the project's root {} and not a declared subproject; a \
                         sandboxed run can write there, so srt-gen never takes it as a policy \
                         (`srt-gen init --subproject` in {} gives that folder a policy of its own)",
                        root.display(),
                        d.display()
                    ),
                });
            }
        }
        for d in candidates
            .iter()
            .filter(|d| d.starts_with(&chosen_dir) && **d != chosen_dir)
        {
            for name in JUSTFILE_NAMES {
                let jf = d.join(name);
                if jf.symlink_metadata().is_ok() {
                    ignored.push(Ignored {
                        path: jf,
                        reason: format!(
                            "it is below the project's root {}: a sandboxed run can write there, \
                             and `just` started in {} runs its recipes instead of the project's; \
                             srt-gen's recipes are in the root's justfile",
                            chosen_dir.display(),
                            d.display()
                        ),
                    });
                }
            }
        }
        ignored.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Found {
            project: Project::at(&chosen_dir)?,
            has_policy: true,
            chosen,
            start,
            top,
            bound,
            ignored,
        })
    }

    pub fn justfile_name(&self) -> String {
        self.justfile
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

fn resolve_dir(dir: &Path) -> Result<PathBuf, Error> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| Error::io(format!("cannot open project folder {}", dir.display()), e))?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!("{} is not a folder", dir.display())));
    }
    dir.canonicalize()
        .map_err(|e| Error::io(format!("cannot resolve {}", dir.display()), e))
}

/// The folders from `start` up to the bound, lowest first, and the kind of bound.
fn candidates(start: &Path, home: &Path) -> (Vec<PathBuf>, Bound) {
    let stop = |d: &Path| {
        if d == home {
            Some(Bound::Home)
        } else if d.parent().is_none() || is_shared(d) {
            Some(Bound::Shared)
        } else {
            None
        }
    };
    let mut out = Vec::new();
    for d in start.ancestors() {
        // The start folder always counts (`init` in a folder of its own); above it, the
        // walk never reaches the home folder, `/` or a shared sticky folder.
        let bound = stop(d);
        if let (Some(b), false) = (bound, d == start) {
            return (out, b);
        }
        out.push(d.to_path_buf());
        if d.join(".git").symlink_metadata().is_ok() {
            return (out, Bound::Repository);
        }
        if let Some(b) = bound {
            return (out, b);
        }
    }
    (out, Bound::Shared)
}

/// A folder anyone may create files in (`/tmp`, `/var/tmp`): world-writable.
fn is_shared(d: &Path) -> bool {
    std::fs::symlink_metadata(d).is_ok_and(|m| m.permissions().mode() & 0o002 != 0)
}

/// One declared subproject of a policy.
struct Declared {
    rel: PathBuf,
    /// The declaring policy write-protects the subproject's `.srt.json`.
    protected: bool,
}

/// The subprojects a policy's record declares, with whether its `filesystem.denyWrite`
/// protects each one's `.srt.json`. Read here, from the raw JSON, because detection comes
/// before the policy stage; `policy::settings::Record::subprojects` writes the same key.
fn declared_subprojects(policy: &Path) -> Result<Vec<Declared>, Error> {
    let bytes = match crate::files::read_bounded(policy, MAX_POLICY)
        .map_err(|e| Error::io(format!("cannot read {}", policy.display()), e))?
    {
        crate::files::Bounded::Bytes(b) => b,
        // Not a regular file, absent, too large: the command that reads it says so.
        _ => return Ok(Vec::new()),
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return Err(Error::Parse {
                file: policy.display().to_string(),
                line: e.line(),
                column: e.column(),
                message: format!(
                    "not valid JSON, so srt-gen cannot tell which subprojects it declares: {}",
                    crate::error::strip_position(&e.to_string())
                ),
            })
        }
    };
    let deny_write: Vec<&str> = value
        .get("filesystem")
        .and_then(|f| f.get("denyWrite"))
        .and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let subs = value
        .get(RECORD_KEY)
        .and_then(|r| r.get(SUBPROJECTS_KEY))
        .and_then(|s| s.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>())
        .unwrap_or_default();
    Ok(subs
        .into_iter()
        .filter_map(|s| {
            let rel = subproject_path(s)?;
            let protected = deny_write
                .iter()
                .any(|d| *d == format!("./{s}/{SETTINGS_FILE}") || *d == format!("./{s}"));
            Some(Declared { rel, protected })
        })
        .collect())
}

/// A declared subproject's relative path: plain folder names only (no `..`, no root).
pub fn subproject_path(s: &str) -> Option<PathBuf> {
    let p = Path::new(s);
    let ok = !s.is_empty()
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && !s.contains('\\');
    ok.then(|| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(home: &Path) -> Env {
        Env {
            vars: BTreeMap::new(),
            home: home.to_path_buf(),
            os: crate::env::Os::Linux,
        }
    }

    struct Tree {
        _dir: tempfile::TempDir,
        home: PathBuf,
        repo: PathBuf,
    }

    /// `<tmp>/home/work/repo` with a `.git` folder.
    fn tree() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().canonicalize().unwrap().join("home");
        let repo = home.join("work/repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        Tree {
            _dir: dir,
            home,
            repo,
        }
    }

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn no_policy_in_a_repository_proposes_its_top() {
        let t = tree();
        let f = Project::find_root(&t.repo.join("src/deep"), &env(&t.home)).unwrap();
        assert!(!f.has_policy);
        assert_eq!(f.chosen, Chosen::RepositoryTop);
        assert_eq!(f.project.root, t.repo);
        assert_eq!(f.bound, Bound::Repository);
        assert!(f.started_below());
    }

    #[test]
    fn the_outermost_policy_wins_and_the_others_are_named() {
        let t = tree();
        write(&t.repo.join(".srt.json"), "{}");
        write(&t.repo.join("src/.srt.json"), "{}");
        write(&t.repo.join("src/justfile"), "x:\n");
        let f = Project::find_root(&t.repo.join("src/deep"), &env(&t.home)).unwrap();
        assert!(f.has_policy);
        assert_eq!(f.chosen, Chosen::OutermostPolicy);
        assert_eq!(f.project.root, t.repo);
        let paths: Vec<&Path> = f.ignored.iter().map(|i| i.path.as_path()).collect();
        assert_eq!(
            paths,
            [t.repo.join("src/.srt.json"), t.repo.join("src/justfile")]
        );
        assert!(f.ignored[0].reason.contains("not a declared subproject"));
        assert!(f.ignored[1].reason.contains("`just` started in"));
    }

    #[test]
    fn a_policy_above_the_repository_top_is_never_reached() {
        let t = tree();
        write(&t.home.join("work/.srt.json"), "{}");
        let f = Project::find_root(&t.repo, &env(&t.home)).unwrap();
        assert!(!f.has_policy);
        assert_eq!(f.project.root, t.repo);
    }

    #[test]
    fn outside_a_repository_the_walk_stops_below_home() {
        let t = tree();
        std::fs::remove_dir(t.repo.join(".git")).unwrap();
        write(&t.home.join(".srt.json"), "{}");
        let f = Project::find_root(&t.repo.join("src"), &env(&t.home)).unwrap();
        assert!(!f.has_policy, "the home folder's policy is never taken");
        assert_eq!(f.chosen, Chosen::StartFolder);
        assert_eq!(f.bound, Bound::Home);
        assert_eq!(f.top, t.home.join("work"));
        write(&t.home.join("work/.srt.json"), "{}");
        let f = Project::find_root(&t.repo.join("src"), &env(&t.home)).unwrap();
        assert_eq!(f.project.root, t.home.join("work"));
    }

    #[test]
    fn a_declared_and_protected_subproject_has_its_own_policy() {
        let t = tree();
        let root =
            r#"{"filesystem":{"denyWrite":["./src/.srt.json"]},"srtGen":{"subprojects":["src"]}}"#;
        write(&t.repo.join(".srt.json"), root);
        write(&t.repo.join("src/.srt.json"), "{}");
        let f = Project::find_root(&t.repo.join("src/deep"), &env(&t.home)).unwrap();
        assert_eq!(f.project.root, t.repo.join("src"));
        assert_eq!(
            f.chosen,
            Chosen::Subproject {
                root: t.repo.clone()
            }
        );
        assert!(f.ignored.is_empty(), "{:?}", f.ignored);
        // From the root itself, the root's policy.
        let f = Project::find_root(&t.repo, &env(&t.home)).unwrap();
        assert_eq!(f.project.root, t.repo);
    }

    #[test]
    fn a_declaration_without_protection_is_not_followed() {
        let t = tree();
        write(
            &t.repo.join(".srt.json"),
            r#"{"srtGen":{"subprojects":["src"]}}"#,
        );
        write(&t.repo.join("src/.srt.json"), "{}");
        let f = Project::find_root(&t.repo.join("src"), &env(&t.home)).unwrap();
        assert_eq!(f.project.root, t.repo);
        assert!(
            f.ignored[0].reason.contains("does not write-protect"),
            "{:?}",
            f.ignored
        );
    }

    #[test]
    fn declared_paths_must_stay_inside() {
        assert!(subproject_path("a/b").is_some());
        for bad in ["", "../x", "/etc", "a/../b", "./a"] {
            assert!(subproject_path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_root_policy_that_is_not_json_is_an_error_naming_it() {
        let t = tree();
        write(&t.repo.join(".srt.json"), "{");
        let e = Project::find_root(&t.repo.join("src"), &env(&t.home)).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains(".srt.json"), "{e}");
    }
}
