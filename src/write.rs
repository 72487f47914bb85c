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
/// it. The old file's permissions are kept. Returns false when the content was unchanged
/// (nothing is written then).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    let old = read_regular(path)?;
    if old.as_deref() == Some(bytes) {
        return Ok(false);
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
    Ok(true)
}
