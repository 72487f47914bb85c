//! `srt-gen list`: every fragment of the catalog, grouped by kind, and which are active in
//! the project here.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::why_text;
use crate::catalog::{Catalog, Fragment};
use crate::detect::project::Project;
use crate::env::{Env, Os};
use crate::error::Error;
use crate::policy::settings::{Settings, Why};
use crate::ui;

#[derive(Debug, Clone)]
pub struct ListOptions {
    pub json: bool,
}

/// `srt-gen list`.
pub fn execute(base: &Path, env: &Env, opts: &ListOptions) -> Result<u8, Error> {
    let ListOptions { json } = opts;
    let found = super::locate(base, env, "list")?;
    let project = found.has_policy.then_some(found.project);
    let rows = list(base, project.as_ref(), env)?;
    if *json {
        ui::json::print(
            "list",
            &ListReport {
                project: project.as_ref().map(|p| p.root.display().to_string()),
                fragments: rows,
            },
        );
    } else {
        ui::out(&render_list(&rows, project.is_some()));
    }
    Ok(0)
}

/// `list --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListReport {
    /// The project's root, when `list` ran in one.
    pub project: Option<String>,
    pub fragments: Vec<ListRow>,
}

/// One entry a fragment gives, with the catalog's note of where it comes from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    pub value: String,
    pub source: String,
}

/// A fragment's entries on `platforms`, by list key (`network.allowedDomains`), templates
/// expanded for this machine.
pub fn fragment_entries(
    frag: &Fragment,
    env: &Env,
    platforms: &[Os],
) -> BTreeMap<String, Vec<EntryView>> {
    let mut out: BTreeMap<String, Vec<EntryView>> = BTreeMap::new();
    for r in frag.resolve(env, platforms) {
        let list = out.entry(r.list.key().to_string()).or_default();
        if !list.iter().any(|e| e.value == r.value) {
            list.push(EntryView {
                value: r.value,
                source: r.source,
            });
        }
    }
    out
}

/// One row of `list`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRow {
    pub name: String,
    pub kind: &'static str,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<Why>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// `ecosystems/rust.toml`, `presets/github.toml`, or a user file's path.
    pub origin: String,
    /// What the fragment gives, by list key, on the project's platforms (else this
    /// machine's).
    pub entries: BTreeMap<String, Vec<EntryView>>,
}

/// Every fragment of the catalog; `project` is the one `start` is in, if any.
pub fn list(start: &Path, project: Option<&Project>, env: &Env) -> Result<Vec<ListRow>, Error> {
    let root = project.map_or(start, |p| p.root.as_path());
    let catalog = Catalog::load(root, env)?;
    let settings = match project {
        Some(p) => Settings::read(&p.settings)?,
        None => None,
    };
    let platforms = crate::policy::plan::platforms(None, settings.as_ref(), env);
    let record = settings.and_then(|s| s.record).unwrap_or_default();
    let mut rows: Vec<ListRow> = catalog
        .fragments
        .iter()
        .map(|f| ListRow {
            name: f.name.clone(),
            kind: f.kind.label(),
            description: f.description.clone(),
            aliases: f.aliases.clone(),
            active: record.fragments.get(&f.name).map(|r| r.why),
            warning: f.warning.clone(),
            origin: f.origin.clone(),
            entries: fragment_entries(f, env, &platforms),
        })
        .collect();
    rows.sort_by(|a, b| {
        group_rank(a.kind)
            .cmp(&group_rank(b.kind))
            .then(a.name.cmp(&b.name))
    });
    Ok(rows)
}

fn group_rank(kind: &str) -> (u8, &str) {
    let rank = ["language", "tool", "mcp", "preset", "agent", "base"]
        .iter()
        .position(|k| *k == kind);
    (rank.unwrap_or(9) as u8, kind)
}

fn group_title(kind: &str) -> &str {
    match kind {
        "language" => "languages",
        "tool" => "tools",
        "mcp" => "MCP servers",
        "preset" => "presets",
        "agent" => "agents",
        "base" => "always applied",
        other => other,
    }
}

pub fn render_list(rows: &[ListRow], in_project: bool) -> String {
    let mut out = String::new();
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
    kinds.dedup();
    for kind in kinds {
        let group: Vec<&ListRow> = rows.iter().filter(|r| r.kind == kind).collect();
        out.push_str(&format!("{} ({})\n", group_title(kind), group.len()));
        for r in group {
            let mark = if r.active.is_some() { "*" } else { " " };
            let state = match r.active {
                Some(_) if r.kind == "agent" => "  [active: this project's agent]".to_string(),
                Some(w) => format!("  [active: {}]", why_text(w)),
                None => String::new(),
            };
            out.push_str(&format!(
                "  {mark} {:<width$}  {}{state}\n",
                r.name, r.description
            ));
            if let Some(w) = &r.warning {
                out.push_str(&format!("    {:<width$}  ! {w}\n", ""));
            }
        }
    }
    if in_project {
        out.push_str(
            "\n* active in this project. `srt-gen explain NAME` shows what one allows; \
             `srt-gen add NAME` / `srt-gen remove NAME` change what is active;\n  \
             `srt-gen init --agent NAME` chooses the agent.\n",
        );
    } else {
        out.push_str(
            "\nNo .srt.json here: `srt-gen init` detects what the project needs; \
             `srt-gen explain NAME` shows what one allows.\n",
        );
    }
    out
}
