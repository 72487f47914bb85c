//! Run policy step: issue 18 (a floor no file can lower): the base fragment's credential
//! denies and srt-gen's self-protections, as this machine spells them, put back whatever
//! the file's record or a hand edit says. `run` already refuses a file without them
//! (unless forced, `policy::lint::floor`); with `--force`, or where this machine keeps a
//! store elsewhere (`GNUPGHOME`, `CARGO_HOME`), the run still gets every one.

use crate::catalog::List;
use crate::error::Error;

use super::{Context, RunPolicy};

pub(super) fn apply(cx: &Context<'_>, p: &mut RunPolicy) -> Result<(), Error> {
    let subprojects = cx
        .committed
        .record
        .as_ref()
        .map(|r| r.subprojects.clone())
        .unwrap_or_default();
    let base = crate::policy::plan::base_record(
        cx.catalog,
        cx.project,
        &subprojects,
        cx.env,
        &[cx.env.os],
    )?;
    let mut put_back = Vec::new();
    for list in [List::DenyRead, List::DenyWrite] {
        let Some(entries) = base.entries.get(list.key()) else {
            continue;
        };
        for e in entries {
            if !p.settings.strings(list).contains(&e.as_str()) {
                p.add(list, e);
                put_back.push(e.clone());
            }
        }
    }
    if !put_back.is_empty() {
        let shown: Vec<&str> = put_back.iter().take(8).map(String::as_str).collect();
        let more = put_back.len() - shown.len();
        p.note(
            "floor",
            format!(
                "{} base protection{} that {} lacks {} this run: {}{}",
                put_back.len(),
                if put_back.len() == 1 { "" } else { "s" },
                cx.project.settings.display(),
                if put_back.len() == 1 {
                    "holds for"
                } else {
                    "hold for"
                },
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                }
            ),
        );
    }
    Ok(())
}
