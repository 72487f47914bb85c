//! The last report, kept so that `learn --apply --last` applies it without running the
//! command again: `.srt-gen/learn/last.json` in the project (the base fragment
//! write-protects the folder, so the sandbox cannot write it), with the command it came
//! from and what was seen (never the proposals: they are made again, against the policy
//! and catalog of the moment, before anything is applied).
//!
//! A repository can ship a `.srt-gen/learn/last.json` of its own. So each report carries
//! a random id that srt-gen also keeps outside the project, in
//! `${XDG_CACHE_HOME:-~/.cache}/srt-gen/learn/`; a report whose id is not the one srt-gen
//! wrote for this project is refused.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::evidence::Seen;
use super::Mode;
use crate::env::Env;
use crate::error::Error;

/// The project's folder for learn's record, relative to its root.
pub const DIR: &str = ".srt-gen/learn";
const FILE: &str = "last.json";
const VERSION: u32 = 1;
/// A last report larger than this is refused.
const MAX_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Saved {
    pub version: u32,
    pub id: String,
    /// The command, argument by argument (empty: the agent).
    pub command: Vec<String>,
    pub command_text: String,
    pub exit: u8,
    pub mode: Mode,
    pub seen: Vec<Seen>,
}

pub fn path(root: &Path) -> PathBuf {
    root.join(DIR).join(FILE)
}

/// Where srt-gen keeps the id of a project's last report, outside the project.
fn id_file(root: &Path, env: &Env) -> PathBuf {
    let cache = env.folder("XDG_CACHE_HOME", ".cache");
    // FNV-1a of the root's path: a stable file name per project.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in root.as_os_str().as_encoded_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    cache
        .join("srt-gen")
        .join("learn")
        .join(format!("{name}-{h:016x}"))
}

fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("cannot read /dev/urandom", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Keeps the report (and its id, outside the project).
pub fn save(root: &Path, env: &Env, mut saved: Saved) -> Result<(), Error> {
    saved.version = VERSION;
    saved.id = random_id()?;
    let dir = root.join(DIR);
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::Usage(format!(
            "{} is not a folder (while another sandboxed run is active it holds a placeholder); the report was not kept",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let idf = id_file(root, env);
    if let Some(parent) = idf.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    crate::files::write_atomic(
        &idf,
        format!("{}\n{}\n", saved.id, root.display()).as_bytes(),
    )?;
    let mut bytes = serde_json::to_vec_pretty(&saved).expect("report serializes");
    bytes.push(b'\n');
    crate::files::write_atomic(&path(root), &bytes)
}

/// The last report, if it is one srt-gen wrote for this project.
pub fn load(root: &Path, env: &Env) -> Result<Saved, Error> {
    let file = path(root);
    let text = read(&file)?.ok_or_else(|| {
        Error::Usage(format!(
            "no last report in {}; run `srt-gen learn -- <command>` first",
            file.display()
        ))
    })?;
    let saved: Saved = serde_json::from_str(&text).map_err(|e| Error::Parse {
        file: file.display().to_string(),
        line: e.line(),
        column: e.column(),
        message: format!("not a report srt-gen learn wrote: {e}"),
    })?;
    if saved.version != VERSION {
        return Err(Error::Usage(format!(
            "{} is a report of another srt-gen version; run `srt-gen learn -- <command>` again",
            file.display()
        )));
    }
    let idf = id_file(root, env);
    let known = read(&idf)?
        .and_then(|t| t.lines().next().map(str::to_string))
        .unwrap_or_default();
    if known.is_empty() || known != saved.id {
        return Err(Error::Usage(format!(
            "{} was not written by `srt-gen learn` on this machine for this project (a repository can ship such a file); nothing was applied: run `srt-gen learn -- <command>` again",
            file.display()
        )));
    }
    Ok(saved)
}

fn read(path: &Path) -> Result<Option<String>, Error> {
    use crate::files::Bounded;
    match crate::files::read_bounded(path, MAX_BYTES)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
    {
        Bounded::Absent => Ok(None),
        Bounded::Bytes(b) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| Error::Usage(format!("{} is not UTF-8", path.display()))),
        Bounded::TooLarge(_) => Err(Error::Usage(format!(
            "{} is larger than {MAX_BYTES} bytes; srt-gen does not read it",
            path.display()
        ))),
        Bounded::NotRegular(what) => Err(Error::Usage(format!(
            "{} is {what}; srt-gen reads only a regular file there",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_taken_back_only_with_the_id_kept_outside() {
        let home = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let env = Env {
            vars: Default::default(),
            home: home.path().to_path_buf(),
            os: crate::env::Os::Linux,
        };
        let saved = Saved {
            version: 0,
            id: String::new(),
            command: vec!["npm".into(), "install".into()],
            command_text: "npm install".into(),
            exit: 1,
            mode: Mode::Traced,
            seen: Vec::new(),
        };
        save(root.path(), &env, saved).unwrap();
        let back = load(root.path(), &env).unwrap();
        assert_eq!(back.command_text, "npm install");
        assert_eq!(back.id.len(), 32);
        // A report the repository brought (same shape, another id) is refused.
        let text = std::fs::read_to_string(path(root.path())).unwrap();
        let forged = text.replace(&back.id, &"0".repeat(32));
        std::fs::write(path(root.path()), forged).unwrap();
        let err = load(root.path(), &env).unwrap_err().to_string();
        assert!(err.contains("was not written by `srt-gen learn`"), "{err}");
        // So is one for a project srt-gen never kept an id for.
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join(DIR)).unwrap();
        std::fs::write(path(other.path()), text).unwrap();
        assert!(load(other.path(), &env).is_err());
    }
}
