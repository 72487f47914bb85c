//! What `init`, `add` and `remove` say about a write, one way: the entries added and
//! removed, grouped by the fragment (or file, or you) they came from; the totals; what
//! each file became; and the next command. `--dry-run` shows each file's diff instead of
//! writing it, or, with `--full`, the whole file.

use std::collections::BTreeMap;

use crate::catalog::List;
use crate::output::{FileContents, ListChange};
use crate::policy::settings::Settings;
use crate::ui::style::{paint, DIM, HEADING};
use crate::ui::{self, Verbosity};

/// The entries a write added to or removed from one list, grouped by where each comes
/// from (read from the record: the policy it is in for added ones, the old one for
/// removed ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouped {
    pub list: List,
    pub added: Vec<(String, Vec<String>)>,
    pub removed: Vec<(String, Vec<String>)>,
}

/// Groups `changes` (as `output::write` reports them) by origin.
pub fn group_changes(
    old: Option<&Settings>,
    new: &Settings,
    changes: &BTreeMap<String, ListChange>,
) -> Vec<Grouped> {
    let mut out = Vec::new();
    for list in List::ALL {
        let Some(ch) = changes.get(list.key()) else {
            continue;
        };
        let group = |settings: Option<&Settings>, entries: &[String]| {
            let mut by: BTreeMap<(u8, String), Vec<String>> = BTreeMap::new();
            for e in entries {
                let label =
                    settings.map_or_else(|| (9, "yours".to_string()), |s| origin_label(s, list, e));
                by.entry(label).or_default().push(e.clone());
            }
            by.into_iter().map(|((_, l), e)| (l, e)).collect::<Vec<_>>()
        };
        out.push(Grouped {
            list,
            added: group(Some(new), &ch.added),
            removed: group(old, &ch.removed),
        });
    }
    out
}

/// `rust`, `base`, `.npmrc`, `$GOPROXY`, `rust, yours` or `yours`, with a rank that puts
/// the base first and what you wrote last.
fn origin_label(settings: &Settings, list: List, entry: &str) -> (u8, String) {
    let o = crate::policy::compose::origin(settings, list, entry);
    let mut names: Vec<String> = o.fragments.iter().map(|f| display_source(f)).collect();
    let rank = match names.first().map(String::as_str) {
        None => 9,
        Some("base") => 0,
        Some(_) => 1,
    };
    if o.yours {
        names.push("yours".into());
    }
    (rank, names.join(", "))
}

/// `file:.npmrc` → `.npmrc`, `env:GOPROXY` → `$GOPROXY`; a fragment name stays.
pub fn display_source(key: &str) -> String {
    match key.split_once(':') {
        Some(("file", f)) => f.to_string(),
        Some(("env", v)) => format!("${v}"),
        _ => key.to_string(),
    }
}

/// How a list is named in summaries.
fn title(list: List) -> &'static str {
    match list {
        List::AllowedDomains => "hosts allowed",
        List::DeniedDomains => "hosts denied",
        List::AllowWrite => "paths writable",
        List::DenyRead => "paths unreadable",
        List::DenyWrite => "paths write-protected",
    }
}

/// The grouped changes, two-space indented. Hosts and writable paths are listed; the
/// protections (which the base fragment gives by the dozen) are counted, and listed with
/// `-v`.
pub fn render_groups(groups: &[Grouped]) -> String {
    let verbose = ui::verbosity() >= Verbosity::Verbose;
    let mut out = String::new();
    let mut counted: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for g in groups {
        for (verb, items) in [("added", &g.added), ("removed", &g.removed)] {
            if items.is_empty() {
                continue;
            }
            let n: usize = items.iter().map(|(_, e)| e.len()).sum();
            let listed = verbose
                || matches!(
                    g.list,
                    List::AllowedDomains | List::DeniedDomains | List::AllowWrite
                );
            if !listed {
                let what = match g.list {
                    List::DenyRead => "unreadable",
                    _ => "write-protected",
                };
                counted.entry(verb).or_default().push(format!("{n} {what}"));
                continue;
            }
            out.push_str(&format!("  {}, {verb}:\n", title(g.list)));
            let width = items.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
            for (label, entries) in items {
                out.push_str(&format!(
                    "    {}  {}\n",
                    paint(DIM, format!("{label:<width$}")),
                    entries.join(", ")
                ));
            }
        }
    }
    for (verb, counts) in &counted {
        out.push_str(&format!(
            "  paths protected, {verb}: {} (`-v` lists them, `srt-gen explain PATH` says why)\n",
            counts.join(", ")
        ));
    }
    out
}

/// `policy: 4 hosts allowed, 1 path writable, ...`: the totals of a policy, from
/// `output::counts`.
pub fn render_totals(counts: &BTreeMap<String, usize>) -> String {
    let n = |l: List| counts.get(l.key()).copied().unwrap_or(0);
    let mut parts = vec![
        ui::count(n(List::AllowedDomains), "host allowed", "hosts allowed"),
        ui::count(n(List::AllowWrite), "path writable", "paths writable"),
        format!("{} unreadable", n(List::DenyRead)),
        format!("{} write-protected", n(List::DenyWrite)),
    ];
    if n(List::DeniedDomains) > 0 {
        parts.insert(
            1,
            ui::count(n(List::DeniedDomains), "host denied", "hosts denied"),
        );
    }
    format!("  policy: {}\n", parts.join(", "))
}

/// `--dry-run`'s stdout: each file's diff (nothing for an unchanged one), or with `full`
/// each file whole under a `==> FILE <==` line.
pub fn render_files(contents: &[FileContents], full: bool) -> String {
    let mut out = String::new();
    for f in contents {
        let name = f.path.display().to_string();
        let new = String::from_utf8_lossy(&f.new);
        if full {
            out.push_str(&paint(HEADING, format!("==> {name} <==")));
            out.push('\n');
            out.push_str(&new);
        } else {
            let old = f
                .old
                .as_ref()
                .map(|o| String::from_utf8_lossy(o).into_owned());
            out.push_str(&ui::diff::unified(&name, old.as_deref(), &new));
        }
    }
    out
}

/// `  next: TEXT`, in the colour of tips.
pub fn next(text: &str) -> String {
    format!("  {} {text}\n", ui::style::next_label())
}
