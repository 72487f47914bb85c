//! Reading a marker file: TOML and JSON manifests must parse (a file that does not is
//! "broken", with its line and column); other files are read as text only when a content
//! rule needs it, and never past a cap.

use std::path::Path;

use crate::error::strip_position;
use crate::files::Bounded;

/// Manifests larger than this are counted by name but not parsed.
const MAX_PARSE_BYTES: u64 = 16 * 1024 * 1024;
/// How much of a file read as text only (a lockfile) is looked at.
const HEAD_BYTES: u64 = 256 * 1024;

pub(super) enum Check {
    Broken {
        line: usize,
        column: usize,
        message: String,
    },
    Skipped(String),
}

/// What a marker file holds, as far as the content rules need it.
#[derive(Default)]
pub(super) struct Parsed {
    json: Option<serde_json::Value>,
    toml: Option<toml::Table>,
    pub(super) text: Option<String>,
}

impl Parsed {
    /// `Some(Some(string))` for a string value, `Some(None)` for any other present value.
    pub(super) fn lookup(&self, dotted: &str) -> Option<Option<String>> {
        if let Some(json) = &self.json {
            let mut v = json;
            for part in dotted.split('.') {
                v = v.get(part)?;
            }
            return Some(v.as_str().map(str::to_string));
        }
        let table = self.toml.as_ref()?;
        let mut parts = dotted.split('.');
        let mut v = table.get(parts.next()?)?;
        for part in parts {
            v = v.get(part)?;
        }
        Some(v.as_str().map(str::to_string))
    }
}

/// Reads a marker: TOML and JSON must parse; other files are read as text only when a
/// content rule needs it (the first 256 KiB: lockfile headers are at the top).
pub(super) fn read_marker(path: &Path, rel: &str, needs_text: bool) -> Result<Parsed, Check> {
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => "toml",
        Some("json") => "json",
        _ => "",
    };
    // A lockfile is machine-written; a broken one is the tool's business, not a reason to stop.
    let lockfile = rel.ends_with("-lock.json") || rel.ends_with(".lock.json");
    if (kind.is_empty() || lockfile) && !needs_text {
        return Ok(Parsed::default());
    }
    let cant = |e: std::io::Error| Check::Broken {
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    };
    // Text-only reads take the head of the file (lockfile headers are at the top).
    let max = if kind.is_empty() || lockfile {
        HEAD_BYTES
    } else {
        MAX_PARSE_BYTES
    };
    let bytes = match crate::files::read_bounded(path, max).map_err(cant)? {
        Bounded::Bytes(b) => b,
        Bounded::TooLarge(_) if max == HEAD_BYTES => head(path).map_err(cant)?,
        Bounded::TooLarge(n) => {
            return Err(Check::Skipped(format!(
                "{} MiB, too large to check; counted by its name only",
                n / (1024 * 1024)
            )))
        }
        // Swapped for a link or a FIFO since the walk saw a regular file: not read.
        Bounded::NotRegular(what) => return Err(Check::Skipped(format!("{what}; not read"))),
        Bounded::Absent => return Err(Check::Skipped("gone before it was read".into())),
    };
    if kind.is_empty() || lockfile {
        return Ok(Parsed {
            text: Some(String::from_utf8_lossy(&bytes).into_owned()),
            ..Parsed::default()
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| Check::Broken {
        line: 0,
        column: 0,
        message: crate::error::not_utf8(&e),
    })?;
    // npm's JSON reader strips a byte-order mark (json-parse-even-better-errors); so does
    // detection, or a package.json saved by an editor would count as broken.
    if kind == "json" && text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    let mut parsed = Parsed::default();
    match parse_text(kind, &text).map_err(|(line, column, message)| Check::Broken {
        line,
        column,
        message,
    })? {
        Manifest::Toml(table) => parsed.toml = Some(table),
        Manifest::Json(value) => parsed.json = Some(value),
    }
    if needs_text {
        parsed.text = Some(text);
    }
    Ok(parsed)
}

/// The first [`HEAD_BYTES`] of a regular file that is larger, opened as
/// [`crate::files::read_bounded`] opens files (no link followed, no blocking open).
fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut buf = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A parsed manifest.
pub enum Manifest {
    Toml(toml::Table),
    Json(serde_json::Value),
}

/// Parses a manifest's text as `kind` (`"toml"`, or JSON for anything else); the error is
/// `(line, column, message)`.
fn parse_text(kind: &str, text: &str) -> Result<Manifest, (usize, usize, String)> {
    if kind == "toml" {
        toml::from_str::<toml::Table>(text)
            .map(Manifest::Toml)
            .map_err(|e| {
                let (line, column) = e
                    .span()
                    .map_or((0, 0), |s| crate::error::line_col(text, s.start));
                (
                    line,
                    column,
                    format!("invalid TOML: {}", e.message().trim()),
                )
            })
    } else {
        serde_json::from_str::<serde_json::Value>(text)
            .map(Manifest::Json)
            .map_err(|e| {
                (
                    e.line(),
                    crate::error::json_column(&e),
                    format!("invalid JSON: {}", strip_position(&e.to_string())),
                )
            })
    }
}

/// Whether a manifest's text parses, as detection checks it. Public for the fuzz targets.
pub fn check_text(kind: &str, text: &str) -> Result<(), (usize, usize, String)> {
    parse_text(kind, text).map(|_| ())
}
