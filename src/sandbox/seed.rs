//! Writing into folders a sandbox can write (the agent's private home), before a run:
//! copies of the user's own agent settings, merged JSON state, a masked login's copy.
//!
//! A sandboxed process may have left anything there: a symlink in place of `settings.json`
//! that points at `~/.bashrc`, a folder link in place of `skills/`. So nothing here ever
//! goes through a path: every step is relative to a folder descriptor opened with
//! `O_NOFOLLOW`, whatever stands where a seed goes is removed first (a link is removed, not
//! followed), and files are created with `O_EXCL` and renamed into place. A folder swapped
//! while this runs changes nothing: the descriptors still name the folders created here.
//!
//! The sources are the user's own files, never writable from inside: they are read through
//! the user's symlinks (dotfile managers), as regular files, bounded.

use std::io::Write as _;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::error::Error;

/// The most bytes one seeded file may have, and all of one seed together.
const MAX_FILE: u64 = 16 * 1024 * 1024;
const MAX_TOTAL: u64 = 256 * 1024 * 1024;
/// Folder depth a seeded tree may have (the user's symlinks could make a loop).
const MAX_DEPTH: usize = 24;

/// One write of a run, into `root` (a folder srt-gen made; the path up to it is srt-gen's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// The user's file or folder `from`, copied to `root/rel`, replacing what is there;
    /// when `from` is absent, what is there is removed (the user deleted it).
    Copy {
        from: PathBuf,
        root: PathBuf,
        rel: String,
    },
    /// `bytes` written to `root/rel` with permissions `mode`.
    Bytes {
        root: PathBuf,
        rel: String,
        bytes: Vec<u8>,
        mode: u32,
    },
}

impl Seed {
    /// Where it goes, for `--dry-run`.
    pub fn target(&self) -> PathBuf {
        match self {
            Seed::Copy { root, rel, .. } | Seed::Bytes { root, rel, .. } => root.join(rel),
        }
    }
}

/// Applies every seed, in order.
pub fn apply(seeds: &[Seed]) -> Result<(), Error> {
    for s in seeds {
        apply_one(s).map_err(|e| {
            Error::io(
                format!("cannot write {}", s.target().display()),
                std::io::Error::from(e),
            )
        })?;
    }
    Ok(())
}

fn apply_one(seed: &Seed) -> Result<(), Errno> {
    let (root, rel) = match seed {
        Seed::Copy { root, rel, .. } | Seed::Bytes { root, rel, .. } => (root, rel),
    };
    std::fs::create_dir_all(root).map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?;
    let root_fd = rustix::fs::open(root, dir_flags(), Mode::empty())?;
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let Some((name, dirs)) = parts.split_last() else {
        return Err(Errno::INVAL);
    };
    if parts.iter().any(|p| *p == "." || *p == "..") {
        return Err(Errno::INVAL);
    }
    let mut dir = root_fd;
    for d in dirs {
        dir = open_or_make_dir(&dir, d)?;
    }
    match seed {
        Seed::Bytes { bytes, mode, .. } => write_file(&dir, name, bytes, *mode),
        Seed::Copy { from, .. } => {
            let mut budget = MAX_TOTAL;
            match std::fs::metadata(from) {
                Err(_) => remove_tree(&dir, name),
                Ok(m) if m.is_dir() => {
                    remove_tree(&dir, name)?;
                    copy_dir(from, &dir, name, 0, &mut budget)
                }
                Ok(m) if m.is_file() => copy_file(from, &dir, name, m.len(), &mut budget),
                // A FIFO, socket or device of the user's: nothing to copy.
                Ok(_) => remove_tree(&dir, name),
            }
        }
    }
}

fn dir_flags() -> OFlags {
    OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC
}

/// The folder `name` in `dir`, made if absent; anything else there (a file, a link) is
/// removed first.
fn open_or_make_dir(dir: &OwnedFd, name: &str) -> Result<OwnedFd, Errno> {
    match rustix::fs::openat(dir, name, dir_flags(), Mode::empty()) {
        Ok(fd) => return Ok(fd),
        Err(Errno::NOENT) => {}
        Err(Errno::LOOP | Errno::NOTDIR) => remove_tree(dir, name)?,
        Err(e) => return Err(e),
    }
    match rustix::fs::mkdirat(dir, name, Mode::from_raw_mode(0o700)) {
        Ok(()) | Err(Errno::EXIST) => {}
        Err(e) => return Err(e),
    }
    rustix::fs::openat(dir, name, dir_flags(), Mode::empty())
}

/// Removes `name` from `dir`, whatever it is; a folder with everything in it, never
/// following a link.
pub(crate) fn remove_tree(dir: &impl AsFd, name: &str) -> Result<(), Errno> {
    let st = match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::NOENT) => return Ok(()),
        Err(e) => return Err(e),
    };
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
        return match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(e),
        };
    }
    let sub = rustix::fs::openat(dir, name, dir_flags(), Mode::empty())?;
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(&sub)? {
        let entry = entry?;
        let n = entry.file_name().to_string_lossy().into_owned();
        if n != "." && n != ".." {
            names.push(n);
        }
    }
    for n in names {
        remove_tree(&sub, &n)?;
    }
    match rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e),
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes `bytes` as `name` in `dir`: a new file (`O_EXCL`, never through a link), then
/// renamed over whatever was there (a link is replaced, not followed; a folder removed).
fn write_file(dir: &OwnedFd, name: &str, bytes: &[u8], mode: u32) -> Result<(), Errno> {
    let tmp = format!(
        ".srt-gen-seed-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let fd = rustix::fs::openat(
        dir,
        tmp.as_str(),
        OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode & 0o777),
    )?;
    let mut f = std::fs::File::from(fd);
    let written = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO));
    // The umask may have narrowed the mode; what the user's file had is what it gets.
    let written = written.and_then(|()| rustix::fs::fchmod(&f, Mode::from_raw_mode(mode & 0o777)));
    drop(f);
    let renamed = written.and_then(
        |()| match rustix::fs::renameat(dir, tmp.as_str(), dir, name) {
            Err(Errno::ISDIR | Errno::NOTEMPTY | Errno::EXIST) => {
                remove_tree(dir, name)?;
                rustix::fs::renameat(dir, tmp.as_str(), dir, name)
            }
            other => other,
        },
    );
    if renamed.is_err() {
        let _ = rustix::fs::unlinkat(dir, tmp.as_str(), AtFlags::empty());
    }
    renamed
}

fn copy_file(
    from: &Path,
    dir: &OwnedFd,
    name: &str,
    len: u64,
    budget: &mut u64,
) -> Result<(), Errno> {
    if len > MAX_FILE || len > *budget {
        return Err(Errno::FBIG);
    }
    let real = from
        .canonicalize()
        .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?;
    let bytes = match crate::files::read_bounded(&real, MAX_FILE)
        .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?
    {
        crate::files::Bounded::Bytes(b) => b,
        crate::files::Bounded::Absent => return remove_tree(dir, name),
        crate::files::Bounded::TooLarge(_) => return Err(Errno::FBIG),
        crate::files::Bounded::NotRegular(_) => return Ok(()),
    };
    *budget = budget.saturating_sub(bytes.len() as u64);
    let mode = std::fs::metadata(&real).map_or(0o600, |m| {
        std::os::unix::fs::PermissionsExt::mode(&m.permissions())
    });
    write_file(dir, name, &bytes, mode)
}

fn copy_dir(
    from: &Path,
    dir: &OwnedFd,
    name: &str,
    depth: usize,
    budget: &mut u64,
) -> Result<(), Errno> {
    if depth > MAX_DEPTH {
        return Err(Errno::LOOP);
    }
    let sub = open_or_make_dir(dir, name)?;
    let entries =
        std::fs::read_dir(from).map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?;
    let mut children: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    children.sort();
    for (n, path) in children {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => copy_dir(&path, &sub, &n, depth + 1, budget)?,
            Ok(m) if m.is_file() => copy_file(&path, &sub, &n, m.len(), budget)?,
            // Dangling links, FIFOs, sockets: skipped.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn seeds_replace_planted_links_and_never_write_through_them() {
        let d = tempfile::tempdir().unwrap();
        let user = d.path().join("user");
        let private = d.path().join("private");
        let victim = d.path().join("victim");
        std::fs::create_dir_all(user.join("skills/x")).unwrap();
        std::fs::create_dir_all(&private).unwrap();
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(user.join("settings.json"), "{\"a\":1}").unwrap();
        std::fs::write(user.join("skills/x/SKILL.md"), "skill").unwrap();
        std::fs::write(user.join("hook.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(user.join("hook.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::write(victim.join("bashrc"), "user's own").unwrap();
        // What a sandbox could have left in the private home.
        symlink(victim.join("bashrc"), private.join("settings.json")).unwrap();
        symlink(&victim, private.join("skills")).unwrap();
        std::fs::create_dir_all(private.join("stale")).unwrap();
        std::fs::write(private.join("stale/f"), "x").unwrap();
        let copy = |rel: &str| Seed::Copy {
            from: user.join(rel),
            root: private.clone(),
            rel: rel.into(),
        };
        apply(&[
            copy("settings.json"),
            copy("skills"),
            copy("hook.sh"),
            copy("stale"),
            Seed::Bytes {
                root: private.clone(),
                rel: "deep/new/state.json".into(),
                bytes: b"{}".to_vec(),
                mode: 0o600,
            },
        ])
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(victim.join("bashrc")).unwrap(),
            "user's own"
        );
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 1);
        let settings = private.join("settings.json");
        assert!(!settings
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&settings).unwrap(), "{\"a\":1}");
        assert!(!private
            .join("skills")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(private.join("skills/x/SKILL.md")).unwrap(),
            "skill"
        );
        let mode = std::fs::metadata(private.join("hook.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        // The user has no `stale`: the private copy goes too.
        assert!(!private.join("stale").exists());
        let mode = std::fs::metadata(private.join("deep/new/state.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_path_that_climbs_out_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let s = Seed::Bytes {
            root: d.path().join("p"),
            rel: "../escape".into(),
            bytes: vec![],
            mode: 0o600,
        };
        assert!(apply(&[s]).is_err());
        assert!(!d.path().join("escape").exists());
    }
}
