//! The gate on what srt-gen generated: the linter's rule for commands that write a config.

use super::{lint, LintContext, Severity};
use crate::catalog::List;
use crate::error::Error;
use crate::policy::settings::Settings;

/// The rule for commands that write a config (`init`, `add`): an error in an entry srt-gen
/// generates (a fragment gave it) blocks the write; an error in what the user wrote
/// (their own entries, unknown keys, other settings) does not block, since srt-gen did not
/// make it and refusing would leave the user unable to regenerate; it is returned as a
/// warning line naming `srt-gen check`. Warnings are returned as they are.
///
/// Returns the lines to show, or `Error::Findings` listing the blocking errors.
pub fn gate_generated(settings: &Settings, ctx: &LintContext<'_>) -> Result<Vec<String>, Error> {
    let value = serde_json::to_value(settings).expect("settings serialize");
    let findings = lint(&value, ctx);
    let mut blocking = Vec::new();
    let mut shown = Vec::new();
    let mut user_errors = 0;
    for f in findings {
        let generated = entry_of(settings, &f.key).is_some_and(|(list, entry)| {
            !crate::policy::compose::origin(settings, list, &entry).yours
        });
        match (f.severity, generated) {
            (Severity::Error, true) => blocking.push(f),
            (Severity::Error, false) => user_errors += 1,
            (Severity::Warning, _) => shown.push(format!("{}: {} ({})", f.key, f.message, f.fix)),
        }
    }
    if user_errors > 0 {
        shown.push(format!(
            "{user_errors} problem{} in entries you wrote; `srt-gen check` lists {}",
            if user_errors == 1 { "" } else { "s" },
            if user_errors == 1 { "it" } else { "them" }
        ));
    }
    if blocking.is_empty() {
        return Ok(shown);
    }
    let mut msg = String::from("srt-gen will not write a config with these problems:");
    for f in &blocking {
        msg.push_str(&format!("\n  {}: {} (fix: {})", f.key, f.message, f.fix));
    }
    msg.push_str("\nthese entries come from srt-gen's catalog, a fragment file or this machine's environment (CARGO_HOME, CARGO_TARGET_DIR, ...); fix the cause and run again");
    Err(Error::Findings(msg))
}

/// `filesystem.allowWrite[2]` → the list and the entry's text in `settings`.
fn entry_of(settings: &Settings, key: &str) -> Option<(List, String)> {
    let (list_key, rest) = key.split_once('[')?;
    let list = List::from_key(list_key)?;
    let idx: usize = rest.split(']').next()?.parse().ok()?;
    let v = settings.list(list).get(idx)?;
    crate::policy::settings::entry_text(v).map(|s| (list, s.to_string()))
}
