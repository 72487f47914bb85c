//! `add`, `remove`, `list` and `explain`: fragments by name on an existing policy, and
//! where each entry of the policy comes from (read from the record, never recomputed).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::catalog::{Catalog, Fragment, Kind, List};
use crate::detect::project::{self, Project};
use crate::env::{normalize, Env, Os};
use crate::error::Error;
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::policy::plan::{self, PlanOptions};
use crate::policy::settings::{entry_text, Settings, Why};

/// What `add` or `remove` did.
#[derive(Debug, Serialize)]
pub struct Change {
    pub project: String,
    pub dry_run: bool,
    /// Fragments that became active (add) or inactive (remove).
    pub changed: Vec<String>,
    /// Names that needed nothing (already active / not active), with why.
    pub unchanged: Vec<String>,
    /// Warnings the catalog attaches to fragments that widen the sandbox a lot.
    pub cautions: Vec<String>,
    /// `init` ran first because the project had no `.srt.json`.
    pub initialised: bool,
    #[serde(flatten)]
    pub written: Written,
}

fn unknown(catalog: &Catalog, names: &[String]) -> Option<Error> {
    let missing: Vec<String> = names
        .iter()
        .filter(|n| catalog.get(n).is_none())
        .map(|n| {
            let near = catalog.closest(n);
            if near.is_empty() {
                format!("`{n}` is not in the catalog (`srt-gen list` shows every name)")
            } else {
                format!(
                    "`{n}` is not in the catalog; did you mean {}?",
                    quote_list(&near)
                )
            }
        })
        .collect();
    (!missing.is_empty()).then(|| Error::Usage(missing.join("\n")))
}

fn quote_list(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        _ => format!("{} or {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

pub fn add(start: &Path, names: &[String], env: &Env, dry_run: bool) -> Result<Change, Error> {
    add_refreshing(start, names, env, dry_run, &[])
}

/// `add`, and for the names in `refresh` that are already active as added, their entries
/// are read from the catalog again (`learn` grows the project's `learned` fragment).
pub fn add_refreshing(
    start: &Path,
    names: &[String],
    env: &Env,
    dry_run: bool,
    refresh: &[&str],
) -> Result<Change, Error> {
    // `base` is what the change builds on: the project's `.srt.json`, or, when it has none,
    // the policy `init` plans (then nothing is on disk to compare against).
    let (project, catalog, base, initialised, mut warnings) = match Project::find(start) {
        Some(found) => {
            let (project, catalog, old) = open(found, start, env)?;
            if let Some(e) = unknown(&catalog, names) {
                return Err(e);
            }
            (project, catalog, old, false, Vec::new())
        }
        None => {
            let project = Project::at(start)?;
            let catalog = Catalog::load(&project.root, env)?;
            // Check the names before detecting, so a typo costs no walk.
            if let Some(e) = unknown(&catalog, names) {
                return Err(e);
            }
            let opts = PlanOptions {
                allow_broken: false,
                platforms: None,
                agent: true,
                project_hosts: None,
            };
            let planned = plan::plan(project, catalog, env, &opts)?;
            (
                planned.project,
                planned.catalog,
                planned.new,
                true,
                planned.warnings,
            )
        }
    };
    let old = (!initialised).then_some(&base);
    let platforms = plan::platforms(None, Some(&base), env);
    let record = base.record.clone().unwrap_or_default();
    let mut fragments = record.fragments.clone();
    let mut excluded = record.excluded.clone();
    let mut changed = Vec::new();
    let mut unchanged = Vec::new();
    let mut cautions = Vec::new();
    for name in names {
        let frag = catalog.get(name).expect("checked above");
        if let Some(w) = &frag.warning {
            cautions.push(format!("{}: {w}", frag.name));
        }
        let refreshing = refresh.contains(&frag.name.as_str())
            && fragments
                .get(&frag.name)
                .is_some_and(|r| r.why == Why::Added);
        if let Some(rec) = fragments.get(&frag.name).filter(|_| !refreshing) {
            unchanged.push(format!(
                "{} is already active ({})",
                frag.name,
                why_text(rec.why)
            ));
            continue;
        }
        let rec = plan::fragment_record(frag, Why::Added, Vec::new(), env, &platforms);
        fragments.insert(frag.name.clone(), rec);
        excluded.remove(&frag.name);
        changed.push(frag.name.clone());
    }
    let new = crate::policy::compose::compose(Some(&base), fragments, excluded);
    // A change follows the recipes block only where srt-gen already wrote one.
    let justfile = if initialised {
        JustfileMode::Always
    } else {
        JustfileMode::IfBlockPresent
    };
    let mut written = output::write(
        &project,
        old,
        &new,
        &catalog,
        env,
        WriteOptions { dry_run, justfile },
    )?;
    written.warnings.append(&mut warnings);
    Ok(Change {
        project: project.root.display().to_string(),
        dry_run,
        changed,
        unchanged,
        cautions,
        initialised,
        written,
    })
}

pub fn remove(start: &Path, names: &[String], env: &Env, dry_run: bool) -> Result<Change, Error> {
    let (project, catalog, old) = load(start, env)?;
    let record = old.record.clone().unwrap_or_default();
    let mut fragments = record.fragments.clone();
    let mut excluded = record.excluded.clone();
    let mut changed = Vec::new();
    let mut unchanged = Vec::new();
    // A name may be a fragment that is still recorded but has left the catalog.
    let canonical = |n: &str| -> Option<String> {
        catalog
            .get(n)
            .map(|f| f.name.clone())
            .or_else(|| record.fragments.contains_key(n).then(|| n.to_string()))
    };
    let unknown_names: Vec<String> = names
        .iter()
        .filter(|n| canonical(n).is_none())
        .cloned()
        .collect();
    if let Some(e) = unknown(&catalog, &unknown_names) {
        return Err(e);
    }
    for name in names {
        let name = canonical(name).expect("checked above");
        match fragments.get(&name).map(|r| r.why) {
            None => unchanged.push(format!("{name} is not active")),
            Some(Why::Base) if catalog.get(&name).is_some_and(|f| f.kind == Kind::Base) => {
                return Err(Error::Usage(format!(
                    "`{name}` is always applied: it keeps the project writable and credentials unreadable"
                )))
            }
            Some(why) => {
                fragments.remove(&name);
                // A detected (or base-like) fragment would come back at the next init.
                if why != Why::Added {
                    excluded.insert(name.clone());
                }
                changed.push(name);
            }
        }
    }
    let new = crate::policy::compose::compose(Some(&old), fragments, excluded);
    let written = output::write(
        &project,
        Some(&old),
        &new,
        &catalog,
        env,
        WriteOptions {
            dry_run,
            justfile: JustfileMode::IfBlockPresent,
        },
    )?;
    Ok(Change {
        project: project.root.display().to_string(),
        dry_run,
        changed,
        unchanged,
        cautions: Vec::new(),
        initialised: false,
        written,
    })
}

pub(crate) fn no_settings(start: &Path) -> Error {
    Error::Usage(format!(
        "no {} in {} or above it: run `srt-gen init` first",
        project::SETTINGS_FILE,
        start.display()
    ))
}

fn why_text(why: Why) -> &'static str {
    match why {
        Why::Base => "always applied",
        Why::Detected => "detected",
        Why::Added => "added",
        Why::Project => "named by a file in the repository",
        Why::Config => "named by your configuration",
    }
}

/// The human report of `add` / `remove`.
pub fn render_change(c: &Change, verb: &str) -> String {
    let mut out = format!("srt-gen {verb}: {}\n", c.project);
    if c.initialised {
        out.push_str("  no .srt.json yet: ran `srt-gen init` first\n");
    }
    for n in &c.changed {
        let past = if verb == "add" { "added" } else { "removed" };
        out.push_str(&format!("  {past} {n}\n"));
    }
    for n in &c.unchanged {
        out.push_str(&format!("  {n}: nothing to do\n"));
    }
    let state = |o: FileOutcome| o.describe(c.dry_run);
    out.push_str(&format!("  .srt.json: {}\n", state(c.written.settings)));
    out.push_str(&output::render_changes(&c.written.changes));
    if let Some(j) = c.written.justfile {
        out.push_str(&format!("  justfile: {}\n", state(j)));
    }
    for w in &c.cautions {
        out.push_str(&format!("  caution: {w}\n"));
    }
    for w in &c.written.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    out
}

/// One row of `list`.
#[derive(Debug, Serialize)]
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
}

/// Every fragment of the catalog; `project` is the one `start` is in, if any.
pub fn list(start: &Path, project: Option<&Project>, env: &Env) -> Result<Vec<ListRow>, Error> {
    let root = project.map_or(start, |p| p.root.as_path());
    let catalog = Catalog::load(root, env)?;
    let record = match project {
        Some(p) => Settings::read(&p.settings)?
            .and_then(|s| s.record)
            .unwrap_or_default(),
        None => Default::default(),
    };
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
        "agent" => "agent",
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
            "\n* active in this project. `srt-gen add NAME` / `srt-gen remove NAME` change that.\n",
        );
    } else {
        out.push_str("\nNo .srt.json here: `srt-gen init` detects what the project needs.\n");
    }
    out
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

/// The project at or above `start`, its catalog and its `.srt.json`, which must exist.
pub fn load(start: &Path, env: &Env) -> Result<(Project, Catalog, Settings), Error> {
    let project = Project::find(start).ok_or_else(|| no_settings(start))?;
    open(project, start, env)
}

/// [`load`] for a project already found.
fn open(project: Project, start: &Path, env: &Env) -> Result<(Project, Catalog, Settings), Error> {
    let catalog = Catalog::load(&project.root, env)?;
    let settings = Settings::read(&project.settings)?.ok_or_else(|| no_settings(start))?;
    Ok((project, catalog, settings))
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
