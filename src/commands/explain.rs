//! `srt-gen explain`: where each entry of the policy comes from (read from the record, never
//! recomputed), or the verdict on one host or path with the entries that decide it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::list::{fragment_entries, EntryView};
use super::summary::display_source;
use super::{no_settings, why_text};
use crate::catalog::{Catalog, Fragment, Kind, List};
use crate::detect::project::Project;
use crate::env::{normalize, Env, Os};
use crate::error::Error;
use crate::output::claude_settings;
use crate::policy::settings::{entry_text, Settings, Why};
use crate::ui;
use crate::ui::style::{paint, DIM, HEADING};

#[derive(Debug, Clone)]
pub struct ExplainOptions {
    /// A host or a path; without it, every entry.
    pub entry: Option<String>,
    pub json: bool,
}

/// `srt-gen explain`.
pub fn execute(base: &Path, env: &Env, opts: &ExplainOptions) -> Result<u8, Error> {
    let ExplainOptions { entry, json } = opts;
    let json = *json;
    // A fragment's name needs no project: what it would allow is the catalog's to say.
    let found = Project::find_root(base, env)?;
    let project = found.has_policy.then(|| found.project.clone());
    let root = project.as_ref().map_or(base, |p| p.root.as_path());
    let catalog = Catalog::load(root, env)?;
    if let Some(frag) = entry
        .as_deref()
        .filter(|q| !looks_like_path(q))
        .and_then(|q| catalog.get(q))
    {
        let settings = match &project {
            Some(p) => Settings::read(&p.settings)?,
            None => None,
        };
        let view = fragment_view(frag, settings.as_ref(), env);
        if json {
            ui::json::print("explain", &ExplainReport::fragment(project.as_ref(), view));
        } else {
            ui::out(&render_fragment(&view));
        }
        return Ok(0);
    }
    // Read once: the policy explained is the one the Claude Code note compares with.
    for note in found.notes() {
        eprintln!("srt-gen explain: note: {note}");
    }
    let project = project.ok_or_else(|| no_settings(base))?;
    let settings = Settings::read(&project.settings)?.ok_or_else(|| no_settings(base))?;
    match entry {
        None => {
            let rows = explain_all(&catalog, &settings, env);
            if json {
                ui::json::print("explain", &ExplainReport::all(&project, rows));
            } else {
                let mut text = render_explain_all(&rows);
                if let Some(note) = claude_settings::explain_note(&project, &settings, &[]) {
                    text.push_str(&note);
                }
                ui::out(&text);
            }
        }
        Some(q) => {
            let v = explain_one(&project, &catalog, &settings, q, env)?;
            if json {
                ui::json::print("explain", &ExplainReport::verdict(&project, v));
            } else {
                let mut text = render_verdict(&v);
                let entries: Vec<(&str, &str)> = v
                    .because
                    .iter()
                    .map(|b| (b.list.as_str(), b.entry.as_str()))
                    .collect();
                if let Some(note) = claude_settings::explain_note(&project, &settings, &entries) {
                    text.push_str(&note);
                }
                ui::out(&text);
            }
        }
    }
    Ok(0)
}

/// `explain --json`: one shape, whatever was asked. Without an entry, `entries` (every
/// entry of the policy); for a host or path, `verdict`; for a fragment's name, `fragment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainReport {
    /// The project's root, when there is one.
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<Explained>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fragment: Option<FragmentView>,
}

impl ExplainReport {
    fn all(project: &Project, rows: Vec<Explained>) -> ExplainReport {
        ExplainReport {
            project: Some(project.root.display().to_string()),
            entries: Some(rows),
            verdict: None,
            fragment: None,
        }
    }

    fn verdict(project: &Project, v: Verdict) -> ExplainReport {
        ExplainReport {
            project: Some(project.root.display().to_string()),
            entries: None,
            verdict: Some(v),
            fragment: None,
        }
    }

    fn fragment(project: Option<&Project>, f: FragmentView) -> ExplainReport {
        ExplainReport {
            project: project.map(|p| p.root.display().to_string()),
            entries: None,
            verdict: None,
            fragment: Some(f),
        }
    }
}

/// What one fragment would allow (on the project's platforms, else this machine's).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FragmentView {
    pub name: String,
    pub kind: &'static str,
    pub description: String,
    /// `ecosystems/rust.toml`, `presets/github.toml`, or a user file's path.
    pub origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Why it is active in the project here; absent when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<Why>,
    /// The platforms the entries are for.
    pub platforms: Vec<&'static str>,
    /// List key (`network.allowedDomains`) → the entries, each with the catalog's source.
    pub entries: BTreeMap<String, Vec<EntryView>>,
    /// The name of the MCP server the agent gets, for an MCP fragment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp: Option<String>,
}

fn fragment_view(frag: &Fragment, settings: Option<&Settings>, env: &Env) -> FragmentView {
    let platforms = crate::policy::plan::platforms(None, settings, env);
    FragmentView {
        name: frag.name.clone(),
        kind: frag.kind.label(),
        description: frag.description.clone(),
        origin: frag.origin.clone(),
        warning: frag.warning.clone(),
        active: settings
            .and_then(|s| s.record.as_ref())
            .and_then(|r| r.fragments.get(&frag.name))
            .map(|r| r.why),
        platforms: platforms.iter().map(|o| o.name()).collect(),
        entries: fragment_entries(frag, env, &platforms),
        mcp: frag.mcp.as_ref().map(|_| frag.name.clone()),
    }
}

/// How a list is named when a fragment's entries are shown.
fn list_title(key: &str) -> &str {
    match key {
        "network.allowedDomains" => "hosts it allows",
        "network.deniedDomains" => "hosts it denies",
        "filesystem.allowWrite" => "paths it makes writable",
        "filesystem.denyRead" => "paths it makes unreadable",
        "filesystem.denyWrite" => "paths it write-protects",
        other => other,
    }
}

pub fn render_fragment(v: &FragmentView) -> String {
    let mut out = format!(
        "{}: {} ({}, {})\n",
        paint(HEADING, &v.name),
        v.description,
        v.kind,
        v.origin
    );
    match v.active {
        Some(why) => out.push_str(&format!("  active in this project ({})\n", why_text(why))),
        None if v.kind == "base" => out.push_str("  always applied\n"),
        None => out.push_str(&format!(
            "  not active here; `srt-gen add {}` adds what follows\n",
            v.name
        )),
    }
    if let Some(w) = &v.warning {
        out.push_str(&format!("  ! {w}\n"));
    }
    if v.entries.is_empty() {
        out.push_str("  it adds no entry to the policy\n");
    }
    for list in List::ALL {
        let Some(entries) = v.entries.get(list.key()) else {
            continue;
        };
        out.push_str(&format!(
            "  {} ({}):\n",
            list_title(list.key()),
            v.platforms.join(", ")
        ));
        let width = entries
            .iter()
            .map(|e| e.value.len())
            .max()
            .unwrap_or(0)
            .min(40);
        for e in entries {
            out.push_str(&format!(
                "    {:<width$}  {}\n",
                e.value,
                paint(DIM, &e.source)
            ));
        }
    }
    if let Some(m) = &v.mcp {
        out.push_str(&format!(
            "  the agent gets the MCP server `{m}` (in `ai-auto` and `srt-gen run`)\n"
        ));
    }
    out
}

/// Where one entry comes from.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explained {
    pub list: String,
    pub entry: String,
    /// The fragments that give it, with the project files that showed each detected one.
    pub fragments: Vec<FragmentOrigin>,
    /// Written by the user (alone or as well as a fragment).
    pub yours: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FragmentOrigin {
    pub name: String,
    pub why: Why,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The catalog's source note for an entry of a fragment, on any platform.
fn source_of(frag: Option<&Fragment>, list: List, entry: &str, env: &Env) -> Option<String> {
    let frag = frag?;
    frag.resolve(env, &[Os::Linux, Os::Macos])
        .into_iter()
        .find(|r| r.list == list && r.value == entry)
        .map(|r| r.source)
}

fn explain_entry(
    settings: &Settings,
    catalog: &Catalog,
    env: &Env,
    list: List,
    entry: &str,
) -> Explained {
    let record = settings.record.as_ref();
    let origin = crate::policy::compose::origin(settings, list, entry);
    // `origin` names only fragments of the record, so none is dropped here.
    let fragments = origin
        .fragments
        .iter()
        .filter_map(|name| {
            let rec = record?.fragments.get(name)?;
            let frag = catalog.get(name);
            Some(FragmentOrigin {
                name: name.clone(),
                why: rec.why,
                files: rec.files.clone(),
                source: source_of(frag, list, entry, env),
                warning: frag.and_then(|f| f.warning.clone()),
            })
        })
        .collect();
    Explained {
        list: list.key().to_string(),
        entry: entry.to_string(),
        fragments,
        yours: origin.yours,
    }
}

/// Every entry of the policy (as `load` read it) with its origin.
pub fn explain_all(catalog: &Catalog, settings: &Settings, env: &Env) -> Vec<Explained> {
    let mut out = Vec::new();
    for list in List::ALL {
        for v in settings.list(list) {
            if let Some(text) = entry_text(v) {
                out.push(explain_entry(settings, catalog, env, list, text));
            }
        }
    }
    out
}

pub fn render_explain_all(rows: &[Explained]) -> String {
    let mut out = String::new();
    let width = rows
        .iter()
        .map(|r| r.entry.len())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut current = "";
    for r in rows {
        if r.list != current {
            out.push_str(&format!("{}\n", r.list));
            current = &r.list;
        }
        out.push_str(&format!("  {:<width$}  {}\n", r.entry, origin_text(r)));
        for f in r
            .fragments
            .iter()
            .filter_map(|f| f.warning.as_ref().map(|w| (f, w)))
        {
            out.push_str(&format!("  {:<width$}  ! {}: {}\n", "", f.0.name, f.1));
        }
    }
    out
}

fn origin_text(r: &Explained) -> String {
    let mut parts: Vec<String> = r
        .fragments
        .iter()
        .map(|f| match f.why {
            Why::Detected => format!("{} (detected: {})", f.name, short_files(&f.files)),
            Why::Added => format!("{} (added)", f.name),
            Why::Base => f.name.clone(),
            Why::Project => format!(
                "{} (in the repository, chosen by its authors)",
                display_source(&f.name)
            ),
            Why::Config => format!("{} (your configuration)", display_source(&f.name)),
        })
        .collect();
    if r.yours {
        parts.push("written by you".into());
    }
    parts.join("; ")
}

fn short_files(files: &[String]) -> String {
    if files.len() <= 2 {
        files.join(", ")
    } else {
        format!("{}, {} and {} more", files[0], files[1], files.len() - 2)
    }
}

/// The verdict on one host or path.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub query: String,
    /// `allowed`, `denied`, `not allowed`, `writable`, `write-protected`, `unreadable`, `read-only`.
    pub verdict: String,
    /// The entries that decide it, with their origins.
    pub because: Vec<Explained>,
    /// Catalog fragments that would allow it, when it is not allowed.
    pub would_add: Vec<Suggestion>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub name: String,
    pub description: String,
}

fn looks_like_path(q: &str) -> bool {
    q.starts_with('/') || q.starts_with('~') || q.starts_with('.') || q.contains('/')
}

/// The verdict on one host or path, under the policy `load` read.
pub fn explain_one(
    project: &Project,
    catalog: &Catalog,
    settings: &Settings,
    query: &str,
    env: &Env,
) -> Result<Verdict, Error> {
    if looks_like_path(query) {
        Ok(explain_path(project, catalog, settings, env, query))
    } else {
        explain_host(catalog, settings, env, query)
    }
}

fn explain_host(
    catalog: &Catalog,
    settings: &Settings,
    env: &Env,
    host: &str,
) -> Result<Verdict, Error> {
    crate::hosts::validate(host).map_err(|why| {
        Error::Usage(crate::error::with_tip(
            format!("`{host}` is not a host name, a path or a fragment's name: {why}"),
            "give a host (`pypi.org`), a path (`~/.cache/pip`, `./src`) or a name `srt-gen list` shows",
        ))
    })?;
    let matching = |list: List| -> Vec<Explained> {
        settings
            .strings(list)
            .into_iter()
            .filter(|p| crate::hosts::matches(p, host))
            .map(|p| explain_entry(settings, catalog, env, list, p))
            .collect()
    };
    let denied = matching(List::DeniedDomains);
    let allowed = matching(List::AllowedDomains);
    let (verdict, because) = if !denied.is_empty() {
        ("denied", denied)
    } else if !allowed.is_empty() {
        ("allowed", allowed)
    } else {
        ("not allowed", Vec::new())
    };
    let would_add = if verdict == "allowed" {
        Vec::new()
    } else {
        suggestions(catalog, env, |r| {
            r.list == List::AllowedDomains && crate::hosts::matches(&r.value, host)
        })
    };
    Ok(Verdict {
        query: host.to_string(),
        verdict: verdict.into(),
        because,
        would_add,
    })
}

fn explain_path(
    project: &Project,
    catalog: &Catalog,
    settings: &Settings,
    env: &Env,
    query: &str,
) -> Verdict {
    let target = normalize(&env.absolute(query, &project.root));
    let covering = |list: List| -> Vec<Explained> {
        let mut hits: Vec<(usize, Explained)> = settings
            .strings(list)
            .into_iter()
            .filter_map(|p| {
                let root = normalize(&env.absolute(p, &project.root));
                target.starts_with(&root).then(|| {
                    (
                        root.components().count(),
                        explain_entry(settings, catalog, env, list, p),
                    )
                })
            })
            .collect();
        hits.sort_by_key(|h| std::cmp::Reverse(h.0));
        hits.into_iter().map(|(_, e)| e).collect()
    };
    let deny_read = covering(List::DenyRead);
    let deny_write = covering(List::DenyWrite);
    let allow_write = covering(List::AllowWrite);
    let (verdict, because) = if !deny_read.is_empty() {
        ("unreadable", deny_read)
    } else if !deny_write.is_empty() {
        ("write-protected", deny_write)
    } else if !allow_write.is_empty() {
        ("writable", allow_write)
    } else {
        ("read-only", Vec::new())
    };
    let would_add = if verdict == "read-only" {
        suggestions(catalog, env, |r| {
            r.list == List::AllowWrite
                && target.starts_with(normalize(&env.absolute(&r.value, &project.root)))
        })
    } else {
        Vec::new()
    };
    Verdict {
        query: query.to_string(),
        verdict: verdict.into(),
        because,
        would_add,
    }
}

fn suggestions(
    catalog: &Catalog,
    env: &Env,
    pred: impl Fn(&crate::catalog::Resolved) -> bool,
) -> Vec<Suggestion> {
    catalog
        .fragments
        .iter()
        .filter(|f| f.kind != Kind::Base)
        .filter(|f| f.resolve(env, &[env.os]).iter().any(&pred))
        .map(|f| Suggestion {
            name: f.name.clone(),
            description: f.description.clone(),
        })
        .collect()
}

pub fn render_verdict(v: &Verdict) -> String {
    let mut out = format!("{}: {}\n", v.query, v.verdict);
    for b in &v.because {
        out.push_str(&format!(
            "  by {} {}: {}\n",
            b.list,
            b.entry,
            origin_text(b)
        ));
        for f in &b.fragments {
            if let Some(src) = &f.source {
                out.push_str(&format!("    source ({}): {src}\n", f.name));
            }
            if let Some(w) = &f.warning {
                out.push_str(&format!("    ! {w}\n"));
            }
        }
    }
    if let [one] = v.would_add.as_slice() {
        out.push_str(&format!(
            "  `srt-gen add {}` would allow it ({})\n",
            one.name, one.description
        ));
    } else if !v.would_add.is_empty() {
        let names: Vec<&str> = v.would_add.iter().map(|s| s.name.as_str()).collect();
        out.push_str(&format!(
            "  `srt-gen add NAME` would allow it, NAME one of: {} (`srt-gen list` describes each)\n",
            names.join(", ")
        ));
    } else if v.verdict == "not allowed" || v.verdict == "read-only" {
        let what = if v.verdict == "not allowed" {
            "network.allowedDomains"
        } else {
            "filesystem.allowWrite"
        };
        out.push_str(&format!(
            "  no catalog fragment allows it; add it to {what} in .srt.json by hand if the project needs it\n"
        ));
    }
    out
}
