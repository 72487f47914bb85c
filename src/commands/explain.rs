//! `srt-gen explain`: where each entry of the policy comes from (read from the record, never
//! recomputed), or the verdict on one host or path with the entries that decide it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{load, print_json};
use crate::catalog::{Catalog, Fragment, Kind, List};
use crate::detect::project::Project;
use crate::env::{normalize, Env, Os};
use crate::error::Error;
use crate::output::claude_settings;
use crate::policy::settings::{entry_text, Settings, Why};

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
    // Read once: the policy explained is the one the Claude Code note compares with.
    let (project, catalog, settings) = load(base, env, "explain")?;
    let all = entry.is_none();
    match entry {
        None => {
            let rows = explain_all(&catalog, &settings, env);
            if json {
                print_json(&explain_json(&rows));
            } else {
                print!("{}", render_explain_all(&rows));
            }
        }
        Some(q) => {
            let v = explain_one(&project, &catalog, &settings, q, env)?;
            if json {
                print_json(&v);
            } else {
                print!("{}", render_verdict(&v));
                let entries: Vec<(&str, &str)> = v
                    .because
                    .iter()
                    .map(|b| (b.list.as_str(), b.entry.as_str()))
                    .collect();
                if let Some(note) = claude_settings::explain_note(&project, &settings, &entries) {
                    print!("{note}");
                }
            }
        }
    }
    if all && !json {
        if let Some(note) = claude_settings::explain_note(&project, &settings, &[]) {
            print!("{note}");
        }
    }
    Ok(0)
}

/// Where one entry comes from.
#[derive(Debug, Serialize)]
pub struct Explained {
    pub list: String,
    pub entry: String,
    /// The fragments that give it, with the project files that showed each detected one.
    pub fragments: Vec<FragmentOrigin>,
    /// Written by the user (alone or as well as a fragment).
    pub yours: bool,
}

#[derive(Debug, Serialize)]
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

/// `file:.npmrc` → `.npmrc`, `env:GOPROXY` → `$GOPROXY`.
fn display_source(key: &str) -> String {
    match key.split_once(':') {
        Some(("file", f)) => f.to_string(),
        Some(("env", v)) => format!("${v}"),
        _ => key.to_string(),
    }
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
    crate::hosts::validate(host)
        .map_err(|why| Error::Usage(format!("`{host}` is not a host name: {why}")))?;
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

/// `explain`'s JSON for every entry, grouped by list.
pub fn explain_json(rows: &[Explained]) -> BTreeMap<&str, Vec<&Explained>> {
    let mut m: BTreeMap<&str, Vec<&Explained>> = BTreeMap::new();
    for r in rows {
        m.entry(r.list.as_str()).or_default().push(r);
    }
    m
}
