//! Safe reads and writes of the files srt-gen owns: only regular files, never through a
//! symlink, written to a temp file in the same directory and renamed into place.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::Error;

/// Reads a file that must be a regular file if it exists. `None` when absent.
pub fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot inspect {}", path.display()), e)),
    };
    refuse_unless_regular(path, &meta)?;
    fs::read(path)
        .map(Some)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
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

fn refuse_unless_regular(path: &Path, meta: &fs::Metadata) -> Result<(), Error> {
    let ft = meta.file_type();
    let what = if ft.is_symlink() {
        "a symbolic link; srt-gen does not write through links (a link could point it at any file): \
         replace it with a regular file"
    } else if ft.is_dir() {
        "a directory; move it away so srt-gen can write a file there"
    } else if !ft.is_file() {
        "not a regular file (a FIFO, socket or device); remove it so srt-gen can write a file there"
    } else {
        return Ok(());
    };
    Err(Error::Refused(format!("{} is {what}", path.display())))
}

/// Checks that `path` can be replaced: absent, or a regular file. Call for every file of
/// a run before writing any, so that a refusal leaves nothing half-done.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) => refuse_unless_regular(path, &meta),
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
