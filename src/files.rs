//! Safe reads and writes of the files srt-gen owns: only regular files, never through a
//! symlink, written to a temp file in the same directory and renamed into place. (How a
//! name from a file is shown to a person lives in [`crate::shown`], re-exported here.)

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::Error;

/// The most srt-gen reads of any one file it owns (a policy, a justfile, a fragment):
/// far above any real one, and a bound on what a hostile repository can make it hold.
pub const MAX_OWN_FILE: u64 = 64 * 1024 * 1024;

/// What [`read_bounded`] found at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bounded {
    /// Nothing there.
    Absent,
    /// Something that is not a regular file: a symlink (never followed), a folder, a FIFO,
    /// a socket or a device. The text says which, for messages.
    NotRegular(&'static str),
    /// A regular file larger than the bound; its size.
    TooLarge(u64),
    /// The whole file.
    Bytes(Vec<u8>),
}

/// Reads a file only when it is a regular file of at most `max` bytes: the last component
/// is never followed through a symlink (`O_NOFOLLOW`), a FIFO or device is never opened for
/// a blocking read (`O_NONBLOCK`, and the type is checked again on the open descriptor),
/// and no more than `max` bytes are ever read, whatever the file grows to meanwhile. Every
/// reader of a file a repository or a sandbox could have made comes through here.
pub fn read_bounded(path: &Path, max: u64) -> io::Result<Bounded> {
    match open_no_follow(path)? {
        Ok(file) => read_open(file, max),
        Err(instead) => Ok(instead),
    }
}

/// [`read_bounded`], but a larger file gives its first `max` bytes instead of
/// [`Bounded::TooLarge`] (lockfile headers, which sit at the top).
pub fn read_head(path: &Path, max: u64) -> io::Result<Bounded> {
    let file = match open_no_follow(path)? {
        Ok(file) => file,
        Err(instead) => return Ok(instead),
    };
    let meta = file.metadata()?;
    if let Some(what) = not_regular(&meta) {
        return Ok(Bounded::NotRegular(what));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max).read_to_end(&mut bytes)?;
    Ok(Bounded::Bytes(bytes))
}

/// Opens a regular file without following a final symlink and without blocking on a
/// FIFO: `Ok(Ok(file))`, or `Ok(Err(what it is instead))`.
fn open_no_follow(path: &Path) -> io::Result<Result<fs::File, Bounded>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Err(Bounded::Absent)),
        Err(e) => return Err(e),
    };
    if let Some(what) = not_regular(&meta) {
        return Ok(Err(Bounded::NotRegular(what)));
    }
    match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => Ok(Ok(f)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Err(Bounded::Absent)),
        // Swapped for a symlink between the two looks.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            Ok(Err(Bounded::NotRegular("a symbolic link")))
        }
        Err(e) => Err(e),
    }
}

fn not_regular(meta: &fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() {
        None
    } else if ft.is_symlink() {
        Some("a symbolic link")
    } else if ft.is_dir() {
        Some("a directory")
    } else {
        Some("not a regular file (a FIFO, socket or device)")
    }
}

/// [`read_bounded`] for a file of the user's own configuration (`~/.npmrc`, pip.conf, the
/// user's fragment folder): a symlink there is the user's (dotfile managers link them), so
/// it is followed, but what it leads to must still be a regular file of at most `max`
/// bytes, opened without blocking. A repository's files never come through here.
pub fn read_bounded_following(path: &Path, max: u64) -> io::Result<Bounded> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Bounded::Absent),
        Err(e) => return Err(e),
    };
    if let Some(what) = not_regular(&meta) {
        return Ok(Bounded::NotRegular(what));
    }
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Bounded::Absent),
        Err(e) => return Err(e),
    };
    read_open(file, max)
}

fn read_open(file: fs::File, max: u64) -> io::Result<Bounded> {
    let meta = file.metadata()?;
    if let Some(what) = not_regular(&meta) {
        return Ok(Bounded::NotRegular(what));
    }
    if meta.len() > max {
        return Ok(Bounded::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok(Bounded::TooLarge(bytes.len() as u64));
    }
    Ok(Bounded::Bytes(bytes))
}

/// The most srt-gen reads of a configuration file or manifest it only looks into (an
/// `.npmrc`, a requirements file, a git config): far above any real one.
pub const MAX_CONFIG_FILE: u64 = 4 * 1024 * 1024;

/// The text of a repository's file (or one a sandbox could have made), when it is a regular
/// file (not a link) of at most [`MAX_CONFIG_FILE`] bytes and UTF-8; `None` otherwise. For
/// readers that skip what they cannot use.
pub fn project_text(path: &Path) -> Option<String> {
    match read_bounded(path, MAX_CONFIG_FILE) {
        Ok(Bounded::Bytes(b)) => String::from_utf8(b).ok(),
        _ => None,
    }
}

/// [`project_text`] for a file of the user's own configuration (links followed, see
/// [`read_bounded_following`]).
pub fn config_text(path: &Path) -> Option<String> {
    match read_bounded_following(path, MAX_CONFIG_FILE) {
        Ok(Bounded::Bytes(b)) => String::from_utf8(b).ok(),
        _ => None,
    }
}

pub use crate::shown::{shown, shown_path, shown_text};

/// Reads a file that must be a regular file if it exists. `None` when absent.
pub fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let cannot = |e| Error::io(format!("cannot read {}", path.display()), e);
    match read_bounded(path, MAX_OWN_FILE).map_err(cannot)? {
        Bounded::Absent => Ok(None),
        Bounded::Bytes(b) => Ok(Some(b)),
        Bounded::TooLarge(n) => Err(Error::Refused(format!(
            "{} is {} MiB, larger than any file srt-gen writes; srt-gen leaves it alone",
            path.display(),
            n / (1024 * 1024)
        ))),
        Bounded::NotRegular(_) => {
            // Say what it is, with the fix.
            let meta = fs::symlink_metadata(path).map_err(cannot)?;
            refuse_unless_regular(path, &meta, false)?;
            Err(Error::Refused(format!(
                "{} changed while srt-gen read it",
                path.display()
            )))
        }
    }
}

/// Reads a regular file's text, `None` when absent. Bytes that are not UTF-8 are a parse
/// error (exit code 3) naming the file and the offset of the first bad byte.
pub fn read_text(path: &Path) -> Result<Option<String>, Error> {
    read_utf8(path, |e| Error::Parse {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        message: crate::error::not_utf8(&e),
    })
}

/// [`read_text`] for a file the user owns and srt-gen only splices a block into (the
/// justfile, Claude Code's settings): bytes that are not UTF-8 are the user's business, so
/// srt-gen declines with a usage error (exit code 2) instead of calling the file broken.
pub fn read_user_text(path: &Path) -> Result<Option<String>, Error> {
    read_utf8(path, |_| {
        Error::Usage(format!(
            "{} is not UTF-8 text; srt-gen leaves it alone",
            path.display()
        ))
    })
}

fn read_utf8(
    path: &Path,
    not_utf8: impl FnOnce(std::string::FromUtf8Error) -> Error,
) -> Result<Option<String>, Error> {
    let Some(bytes) = read_regular(path)? else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(not_utf8)
}

/// A refusal for what is not a regular file, with the fix. `writing`: srt-gen was about
/// to write it (else it was reading it, and says nothing about writing).
fn refuse_unless_regular(path: &Path, meta: &fs::Metadata, writing: bool) -> Result<(), Error> {
    let ft = meta.file_type();
    let (what, fix) = if ft.is_symlink() {
        (
            "a symbolic link; srt-gen does not follow links here (a link could point it at any file)",
            "replace it with a regular file",
        )
    } else if ft.is_dir() {
        (
            "a directory, where srt-gen expects a file",
            if writing {
                "move it away so srt-gen can write a file there"
            } else {
                "name a file, or move the directory away"
            },
        )
    } else if !ft.is_file() {
        (
            "not a regular file (a FIFO, socket or device)",
            if writing {
                "remove it so srt-gen can write a file there"
            } else {
                "name a regular file"
            },
        )
    } else {
        return Ok(());
    };
    Err(Error::Refused(crate::error::with_tip(
        format!("{} is {what}", path.display()),
        fix,
    )))
}

/// Checks that `path` can be replaced: absent, or a regular file. Call for every file of
/// a run before writing any, so that a refusal leaves nothing half-done.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) => refuse_unless_regular(path, &meta, true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("cannot inspect {}", path.display()), e)),
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes `bytes` to `path` atomically: a temp file beside it, flushed, then renamed over
/// it. The old file's permissions are kept. A file that already holds `bytes` is left
/// untouched: `output::write` and `learn` call this for files that may be unchanged (and
/// report them as unchanged), so a rerun that changes nothing writes nothing, and still
/// succeeds where the project is read-only.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if read_regular(path)?.as_deref() == Some(bytes) {
        return Ok(());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.srt-gen-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let ctx = |what: &str, e: io::Error| Error::io(format!("cannot {what} {}", path.display()), e);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        if let Ok(meta) = fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(ctx("write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_fifo(p: &Path) {
        nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    }

    #[test]
    fn the_users_own_config_may_be_a_link_but_never_a_fifo_or_a_device() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        fs::write(&f, b"abc").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert_eq!(config_text(&link).as_deref(), Some("abc"));
        assert_eq!(project_text(&link), None);
        let zero = d.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(config_text(&zero), None);
        assert!(matches!(
            read_bounded_following(&zero, 9).unwrap(),
            Bounded::NotRegular(_)
        ));
        let fifo = d.path().join("fifo");
        make_fifo(&fifo);
        let to_fifo = d.path().join("to-fifo");
        std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
        assert_eq!(config_text(&to_fifo), None);
        let big = d.path().join("big");
        fs::write(&big, vec![b'x'; (MAX_CONFIG_FILE + 1) as usize]).unwrap();
        assert_eq!(config_text(&big), None);
        assert_eq!(project_text(&big), None);
    }

    #[test]
    fn bounded_reads_refuse_links_fifos_and_big_files_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        fs::write(&f, b"12345").unwrap();
        assert_eq!(
            read_bounded(&f, 5).unwrap(),
            Bounded::Bytes(b"12345".to_vec())
        );
        assert_eq!(read_bounded(&f, 4).unwrap(), Bounded::TooLarge(5));
        assert_eq!(
            read_bounded(&d.path().join("no"), 9).unwrap(),
            Bounded::Absent
        );
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(matches!(
            read_bounded(&link, 9).unwrap(),
            Bounded::NotRegular(_)
        ));
        let zero = d.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(matches!(
            read_bounded(&zero, 9).unwrap(),
            Bounded::NotRegular(_)
        ));
        let fifo = d.path().join("fifo");
        make_fifo(&fifo);
        // Would block forever if it were opened for a plain read.
        assert!(matches!(
            read_bounded(&fifo, 9).unwrap(),
            Bounded::NotRegular(_)
        ));
        assert!(matches!(
            read_bounded(d.path(), 9).unwrap(),
            Bounded::NotRegular(_)
        ));
    }
}
