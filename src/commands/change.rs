//! `srt-gen add` and `srt-gen remove`: fragments by name on an existing policy (or on the
//! one `init` plans, when the project has none yet), written the one way `init` writes.

use std::path::Path;

use serde::Serialize;

use super::{load, open, print_contents, print_json, why_text};
use crate::catalog::{Catalog, Kind};
use crate::env::Env;
use crate::error::Error;
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::policy::plan::{self, PlanOptions};
use crate::policy::settings::Why;

/// `add` / `remove` as the command line gave them.
#[derive(Debug, Clone)]
pub struct ChangeOptions {
    /// Fragment names, as `srt-gen list` shows them.
    pub names: Vec<String>,
    pub dry_run: bool,
    pub json: bool,
    /// `add --shared-caches`: `run` leaves these fragments' caches shared with the user's tools.
    pub shared_caches: bool,
}

/// `srt-gen add` (`adding`) and `srt-gen remove`.
pub fn execute(base: &Path, env: &Env, opts: &ChangeOptions, adding: bool) -> Result<u8, Error> {
    let ChangeOptions {
        names,
        dry_run,
        json,
        shared_caches,
    } = opts;
    let (dry_run, json) = (*dry_run, *json);
    let (change, verb) = if adding {
        (
            add_with(base, names, env, dry_run, &[], *shared_caches)?,
            "add",
        )
    } else {
        (remove(base, names, env, dry_run)?, "remove")
    };
    if dry_run && !json {
        print_contents(&change.written.contents);
    }
    if json {
        print_json(&change);
    } else {
        eprint!("{}", render_change(&change, verb));
    }
    Ok(0)
}

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
    add_with(start, names, env, dry_run, refresh, false)
}

/// [`add_refreshing`], and with `shared`, the named fragments' caches stay shared with the
/// user's own tools in `run` (recorded in `srtGen.sharedCaches`).
pub fn add_with(
    start: &Path,
    names: &[String],
    env: &Env,
    dry_run: bool,
    refresh: &[&str],
    shared: bool,
) -> Result<Change, Error> {
    // `base` is what the change builds on: the project's `.srt.json`, or, when it has none,
    // the policy `init` plans (then nothing is on disk to compare against).
    let found = super::locate(start, env, "add")?;
    let (project, catalog, base, initialised, mut warnings) = match found.has_policy {
        true => {
            let (project, catalog, old) = open(found.project, start, env)?;
            if let Some(e) = unknown(&catalog, names) {
                return Err(e);
            }
            (project, catalog, old, false, Vec::new())
        }
        false => {
            let started_below = found.started_below();
            let project = found.project;
            let catalog = Catalog::load(&project.root, env)?;
            // Check the names before detecting, so a typo costs no walk.
            if let Some(e) = unknown(&catalog, names) {
                return Err(e);
            }
            let opts = PlanOptions::default();
            let planned = plan::plan(project, catalog, env, &opts)?;
            let mut warnings = planned.warnings;
            if started_below {
                warnings.push(format!(
                    "the project had no policy yet: it was written at {}, the repository's top",
                    planned.project.root.display()
                ));
            }
            (
                planned.project,
                planned.catalog,
                planned.new,
                true,
                warnings,
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
        for h in &frag.hosts {
            if let Some(why) = &h.risk {
                cautions.push(format!(
                    "{}: {} serves anyone's content; it is here because {why}",
                    frag.name, h.host
                ));
            }
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
    let mut new = crate::policy::compose::compose(Some(&base), fragments, excluded);
    if shared {
        if let Some(r) = new.record.as_mut() {
            for name in names {
                let frag = catalog.get(name).expect("checked above");
                if r.shared_caches.insert(frag.name.clone()) {
                    cautions.push(format!(
                        "{}: `srt-gen run` uses its caches where your own tools keep them; code written there inside the sandbox runs outside it later",
                        frag.name
                    ));
                }
            }
        }
    }
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
    let (project, catalog, old) = load(start, env, "remove")?;
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
