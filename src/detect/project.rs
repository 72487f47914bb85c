//! Where a project is, and where its srt-gen files (`.srt.json`, the justfile) are.

use std::path::{Path, PathBuf};

use crate::error::Error;

pub const SETTINGS_FILE: &str = ".srt.json";
const JUSTFILE_NAMES: [&str; 3] = ["justfile", "Justfile", ".justfile"];

/// Where a project's files are.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub settings: PathBuf,
    pub justfile: PathBuf,
}

impl Project {
    pub fn at(root: &Path) -> Result<Project, Error> {
        let meta = std::fs::metadata(root)
            .map_err(|e| Error::io(format!("cannot open project folder {}", root.display()), e))?;
        if !meta.is_dir() {
            return Err(Error::Usage(format!("{} is not a folder", root.display())));
        }
        let root = root
            .canonicalize()
            .map_err(|e| Error::io(format!("cannot resolve {}", root.display()), e))?;
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

    /// The nearest folder at or above `start` that holds a `.srt.json`.
    pub fn find(start: &Path) -> Option<Project> {
        let start = start.canonicalize().ok()?;
        start
            .ancestors()
            .find(|d| d.join(SETTINGS_FILE).exists())
            .and_then(|d| Project::at(d).ok())
    }

    pub fn justfile_name(&self) -> String {
        self.justfile
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}
