//! What a run prepares before srt starts, computed without touching anything: the write
//! paths srt would skip because they are absent (created where that is safe), the
//! per-project temp folder, git's exclude block and the placeholders.

use std::path::{Component, Path, PathBuf};

use crate::catalog::List;
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::policy::settings::Settings;

use super::git_exclude::{plan_exclude, ExcludeUpdate};

/// The per-project temp folder, relative to the project root.
pub const TMP_DIR: &str = ".srt-gen/tmp";
/// What a write path needs before srt starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WritePath {
    Present(PathBuf),
    /// Absent, and srt-gen creates it.
    Create(PathBuf),
    /// Absent, and srt-gen leaves it: srt will skip it.
    Skip {
        path: PathBuf,
        why: String,
        /// Nothing is wrong (an absent file entry, another platform's path): not worth a
        /// note on every run.
        expected: bool,
    },
}

/// Decides what to do about one `allowWrite` entry.
///
/// The rule for entries that may name files: an entry that exists is left as it is; an
/// absent entry whose last name has an extension once a leading dot is dropped
/// (`~/.claude.json`, `config.toml`; not `~/.npm`, `~/.cache/pip`) names a file, and is
/// not created (a folder in its place would break the tool that writes the file).
/// Folders are created only under the home folder, the project or the temp area, and
/// only when the nearest existing folder above them is there too (a symlink on the way
/// could lead elsewhere); everything else is left to the user, and reported.
pub fn classify_write(entry: &str, root: &Path, env: &Env) -> WritePath {
    let path = env.absolute(entry, root);
    if std::fs::symlink_metadata(&path).is_ok() {
        return WritePath::Present(path);
    }
    let skip = |why: &str| WritePath::Skip {
        path: path.clone(),
        why: why.to_string(),
        expected: false,
    };
    let expected = |why: &str| WritePath::Skip {
        path: path.clone(),
        why: why.to_string(),
        expected: true,
    };
    if entry.contains(['*', '?', '[']) {
        return skip("a glob, which srt ignores in allowWrite on Linux");
    }
    if path
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
    {
        return skip(
            "absent, and spelled with `.` or `..`; srt-gen creates only plainly spelled folders",
        );
    }
    if env.os == crate::env::Os::Linux && path.starts_with(env.home.join("Library")) {
        return expected(
            "a macOS path (the policy covers both platforms); nothing to prepare on Linux",
        );
    }
    if names_a_file(&path) {
        return expected("absent, and it names a file (its name has an extension), so srt-gen does not create it; srt skips it until it exists");
    }
    let areas = creatable_areas(root, env);
    let inside = |p: &Path| areas.iter().any(|a| p.starts_with(a));
    let existing = path.ancestors().find(|a| a.exists());
    let existing_ok = existing
        .and_then(|e| e.canonicalize().ok())
        .is_some_and(|e| inside(&e));
    if inside(&path) && existing_ok {
        WritePath::Create(path)
    } else {
        skip("absent, and outside the home folder, the project and the temp area, where srt-gen creates nothing; srt skips it: create it yourself or remove the entry")
    }
}

pub(crate) fn names_a_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .is_some_and(|n| {
            let n = n.strip_prefix('.').unwrap_or(&n);
            n.contains('.')
        })
}

/// The home folder, the project and the temp area, each as given and resolved.
fn creatable_areas(root: &Path, env: &Env) -> Vec<PathBuf> {
    let mut areas = vec![env.home.clone(), root.to_path_buf(), PathBuf::from("/tmp")];
    if let Some(t) = env.var("TMPDIR").filter(|t| Path::new(t).is_absolute()) {
        areas.push(PathBuf::from(t));
    }
    let resolved: Vec<PathBuf> = areas.iter().filter_map(|a| a.canonicalize().ok()).collect();
    areas.extend(resolved);
    // `/` as home would make everything creatable.
    areas.retain(|a| a.parent().is_some());
    areas
}

/// Whether the policy lets the sandbox write its temp folder, `./.srt-gen/tmp`.
pub fn tmp_writable(root: &Path, settings: &Settings, env: &Env) -> bool {
    let tmp = root.join(TMP_DIR);
    settings
        .strings(List::AllowWrite)
        .iter()
        .any(|e| tmp.starts_with(env.absolute(e, root)))
}

/// What `run` does before srt starts, computed without touching anything.
#[derive(Debug, Clone)]
pub struct Preflight {
    /// Folders to create, in order.
    pub create: Vec<PathBuf>,
    /// allowWrite entries left absent, with why.
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    /// The per-project temp folder (`CLAUDE_CODE_TMPDIR`).
    pub tmp: PathBuf,
    /// Whether the sandbox may write the temp folder (then the start marker goes there).
    pub tmp_writable: bool,
    pub exclude: Option<ExcludeUpdate>,
    /// Absent protected paths srt-gen makes placeholders for while the sandbox runs.
    pub placeholders: super::placeholders::Plan,
}

pub fn preflight(project: &Project, settings: &Settings, env: &Env) -> Result<Preflight, Error> {
    let root = &project.root;
    let mut create = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let allow: Vec<&str> = settings.strings(List::AllowWrite);
    for entry in &allow {
        match classify_write(entry, root, env) {
            WritePath::Present(_) => {}
            WritePath::Create(p) if !create.contains(&p) => create.push(p),
            WritePath::Create(_) => {}
            WritePath::Skip {
                why,
                expected: true,
                ..
            } => skipped.push(format!("allowWrite `{entry}` is {why}")),
            WritePath::Skip { why, .. } => warnings.push(format!("allowWrite `{entry}` is {why}")),
        }
    }
    let tmp = root.join(TMP_DIR);
    if !tmp.exists() && !create.contains(&tmp) {
        create.push(tmp.clone());
    }
    let tmp_writable = tmp_writable(root, settings, env);
    if !tmp_writable {
        warnings.push(format!(
            "the policy does not let the sandbox write ./{TMP_DIR}, the sandbox's TMPDIR; \
             add \"./{TMP_DIR}\" to filesystem.allowWrite in {}",
            project.settings.display()
        ));
    }
    let placeholders = super::placeholders::plan(root, settings, env);
    Ok(Preflight {
        create,
        skipped,
        warnings,
        tmp,
        tmp_writable,
        exclude: plan_exclude(root, &placeholders.protected)?,
        placeholders,
    })
}

impl Preflight {
    /// Creates the folders and writes the exclude file. Returns what was done, for the user.
    pub fn apply(&self) -> Result<Vec<String>, Error> {
        let mut done = Vec::new();
        for d in &self.create {
            std::fs::create_dir_all(d)
                .map_err(|e| Error::io(format!("cannot create {}", d.display()), e))?;
            done.push(format!("created {}", d.display()));
        }
        if let Some(x) = &self.exclude {
            if let Some(dir) = x.file.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            }
            crate::files::write_atomic(&x.file, x.text.as_bytes())?;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &Path) -> Env {
        Env {
            vars: Default::default(),
            home: home.to_path_buf(),
            os: crate::env::Os::Linux,
        }
    }

    #[test]
    fn write_paths_are_created_only_in_the_allowed_areas() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().canonicalize().unwrap();
        let root = home.join("proj");
        std::fs::create_dir_all(&root).unwrap();
        let e = env(&home);
        assert_eq!(
            classify_write("~/.cargo/registry", &root, &e),
            WritePath::Create(home.join(".cargo/registry"))
        );
        assert_eq!(
            classify_write("./.srt-gen/tmp", &root, &e),
            WritePath::Create(root.join(".srt-gen/tmp"))
        );
        assert_eq!(
            classify_write(".", &root, &e),
            WritePath::Present(root.clone())
        );
        assert!(matches!(
            classify_write("~/.claude.json", &root, &e),
            WritePath::Skip { .. }
        ));
        assert!(matches!(
            classify_write("/nonexistent-srt-gen-test/x", &root, &e),
            WritePath::Skip { .. }
        ));
        assert!(matches!(
            classify_write("~/../escape", &root, &e),
            WritePath::Skip { .. }
        ));
        assert!(matches!(
            classify_write("~/cache/**", &root, &e),
            WritePath::Skip { .. }
        ));
        // A file that exists is present whatever its name.
        std::fs::write(home.join(".claude.json"), "{}").unwrap();
        assert!(matches!(
            classify_write("~/.claude.json", &root, &e),
            WritePath::Present(_)
        ));
    }

    #[test]
    fn a_symlink_out_of_the_home_is_not_followed_to_create() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().canonicalize().unwrap();
        let outside = tempfile::tempdir_in("/var/tmp").unwrap();
        std::os::unix::fs::symlink(outside.path(), home.join("link")).unwrap();
        let root = home.join("proj");
        std::fs::create_dir_all(&root).unwrap();
        assert!(matches!(
            classify_write("~/link/cache", &root, &env(&home)),
            WritePath::Skip { .. }
        ));
    }

    #[test]
    fn file_names_are_told_from_folder_names() {
        for f in ["/h/.claude.json", "/h/config.toml", "/h/.x.y"] {
            assert!(names_a_file(Path::new(f)), "{f}");
        }
        for d in ["/h/.npm", "/h/.cache/pip", "/h/registry", "/h/go-build"] {
            assert!(!names_a_file(Path::new(d)), "{d}");
        }
    }
}
