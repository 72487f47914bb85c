//! The library's errors. Each names the file (and line where there is one) and says
//! what to do next; `main` turns the kind into an exit code.

use std::fmt;
use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that could not be parsed: manifest, settings file, catalog fragment.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// A catalog or user fragment that parsed but is not valid.
    #[error("{file}: {message}")]
    Catalog { file: String, message: String },

    /// The user asked for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),

    /// A file srt-gen refuses to write (symlink, directory, FIFO, ...).
    #[error("{0}")]
    Refused(String),

    /// Project files that failed to parse during detection.
    #[error("{}", broken_message(.0))]
    Broken(Vec<FileProblem>),

    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },

    /// srt or the machine is not ready (srt missing, bwrap missing, ...).
    #[error("{0}")]
    Environment(String),

    /// A check (lint or doctor) found errors; the findings were already printed.
    #[error("{0}")]
    Findings(String),
}

/// A file that does not parse, and where: the stage that read it builds this at its edge
/// (detection's `Broken` converts into it), so the error type names no stage's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    /// 1-based; 0 when the problem has no position (unreadable, not UTF-8).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

fn broken_message(b: &[FileProblem]) -> String {
    let mut s =
        String::from("these project files do not parse, so their ecosystems cannot be read:");
    for x in b {
        s.push_str(&format!("\n  {x}"));
    }
    s.push_str(TIP);
    s.push_str(
        "fix them, add them to .gitignore if they are not part of the project, \
         or pass --allow-broken to count them by name only",
    );
    s
}

/// What separates an error's message from its fix: [`with_tip`] writes it, `main` prints
/// the fix as clap prints its tips (`  tip: ...`), and `--json` carries it as `tip`.
pub const TIP: &str = "\ntip: ";

/// A message with the fix for it, in the one error style srt-gen (and clap) print:
/// `error: WHAT`, then `  tip: FIX`.
pub fn with_tip(what: impl fmt::Display, fix: impl fmt::Display) -> String {
    format!("{what}{TIP}{fix}")
}

impl Error {
    /// The message without its fix, and the fix ([`with_tip`]), if it has one.
    pub fn parts(&self) -> (String, Option<String>) {
        let text = self.to_string();
        match text.split_once(TIP) {
            Some((what, tip)) => (what.to_string(), Some(tip.replace(TIP, "\n"))),
            None => (text, None),
        }
    }

    /// The kind's name, as `--json` reports it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::Parse { .. } => "parse",
            Error::Catalog { .. } => "catalog",
            Error::Usage(_) => "usage",
            Error::Refused(_) => "refused",
            Error::Broken(_) => "broken",
            Error::Io { .. } => "io",
            Error::Environment(_) => "environment",
            Error::Findings(_) => "findings",
        }
    }

    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Exit codes: 2 usage, 3 bad input files, 4 refused write, 5 machine not ready, 1 findings/other.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Parse { .. } | Error::Catalog { .. } | Error::Broken(_) => 3,
            Error::Refused(_) => 4,
            Error::Environment(_) => 5,
            Error::Io { .. } | Error::Findings(_) => 1,
        }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// serde_json's column, 1-based: it says 0 for an error right after a newline (at the end
/// of the text), which reads as `2:0`; that is the line's first column.
pub fn json_column(e: &serde_json::Error) -> usize {
    e.column().max(1)
}

/// The message for bytes that are not UTF-8, with where the first bad byte is.
pub fn not_utf8(e: &std::string::FromUtf8Error) -> String {
    format!(
        "not UTF-8 text (invalid byte at offset {})",
        e.utf8_error().valid_up_to()
    )
}

/// serde_json appends " at line L column C"; the position is printed separately.
pub fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
