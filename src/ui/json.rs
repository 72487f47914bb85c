//! `--json`: one JSON document on stdout per run, success or failure, in one envelope:
//! `{"version": 1, "command": "init", ...}`, the command's own members beside the two
//! (camelCase, as in `.srt.json`). docs/json.md describes each command's members, and
//! tests/json_doc.rs checks every command's real output against it.
//!
//! A failed command prints `{"version", "command", "error": {...}}` ([`ErrorInfo`]) on
//! stdout as well as its message on stderr, so that a program always gets a document.

use serde::Serialize;

use crate::error::Error;

/// The shape's version: raised when a member is renamed or removed or changes meaning
/// (a new member does not raise it).
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Envelope<'a, T: ?Sized> {
    version: u32,
    command: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// The document for `command` (`init`, `claude-settings`, ...): the envelope with
/// `body`'s members (a struct or a map) beside `version` and `command`.
pub fn document<T: Serialize + ?Sized>(command: &str, body: &T) -> String {
    let env = Envelope {
        version: VERSION,
        command,
        body,
    };
    serde_json::to_string_pretty(&env).expect("srt-gen's JSON output serializes")
}

/// Prints [`document`] on stdout (a closed pipe is not an error: the reader has gone).
pub fn print<T: Serialize + ?Sized>(command: &str, body: &T) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", document(command, body));
    let _ = out.flush();
}

/// An error, as `--json` reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// `usage`, `parse`, `catalog`, `refused`, `broken`, `io`, `environment`, `findings`.
    pub kind: &'static str,
    /// What went wrong (without the fix).
    pub message: String,
    /// The fix, when srt-gen knows one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// The exit code srt-gen ends with (README, "Exit codes").
    pub exit_code: u8,
    /// The file that does not parse, with the 1-based line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> ErrorInfo {
        let (message, tip) = e.parts();
        let (file, line, column) = match e {
            Error::Parse {
                file, line, column, ..
            } => (
                Some(file.clone()),
                (*line > 0).then_some(*line),
                (*column > 0).then_some(*column),
            ),
            Error::Catalog { file, .. } => (Some(file.clone()), None, None),
            _ => (None, None, None),
        };
        ErrorInfo {
            kind: e.kind_name(),
            message,
            tip,
            exit_code: e.exit_code(),
            file,
            line,
            column,
        }
    }
}

#[derive(Serialize)]
struct Failed<'a> {
    error: &'a ErrorInfo,
}

/// Prints the failure document for `command` on stdout.
pub fn print_error(command: &str, e: &Error) {
    print(command, &Failed { error: &e.into() });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_leads_with_version_and_command() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            dry_run: bool,
        }
        let doc = document("init", &Body { dry_run: true });
        assert_eq!(
            doc,
            "{\n  \"version\": 1,\n  \"command\": \"init\",\n  \"dryRun\": true\n}"
        );
    }

    #[test]
    fn an_error_carries_its_kind_fix_code_and_position() {
        let e = Error::Usage(crate::error::with_tip(
            "no .srt.json here",
            "run `srt-gen init`",
        ));
        let info = ErrorInfo::from(&e);
        assert_eq!(info.kind, "usage");
        assert_eq!(info.message, "no .srt.json here");
        assert_eq!(info.tip.as_deref(), Some("run `srt-gen init`"));
        assert_eq!(info.exit_code, 2);
        let e = Error::Parse {
            file: "a.json".into(),
            line: 2,
            column: 5,
            message: "bad".into(),
        };
        let v: serde_json::Value = serde_json::from_str(&document(
            "check",
            &Failed {
                error: &(&e).into(),
            },
        ))
        .unwrap();
        assert_eq!(v["error"]["line"], 2);
        assert_eq!(v["error"]["column"], 5);
        assert_eq!(v["error"]["exitCode"], 3);
        assert_eq!(v["error"]["message"], "a.json:2:5: bad");
    }
}
