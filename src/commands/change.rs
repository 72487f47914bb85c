//! `srt-gen add` and `srt-gen remove`: fragments by name on an existing policy (or on the
//! one `init` plans, when the project has none yet), written the one way `init` writes.

use std::path::Path;

use serde::Serialize;

use super::{load, open, summary, why_text};
use crate::catalog::{Catalog, Kind};
use crate::env::Env;
use crate::error::Error;
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::policy::plan::{self, PlanOptions};
use crate::policy::settings::Why;
use crate::ui;
use crate::ui::style::{paint, HEADING};

/// `add` / `remove` as the command line gave them.
#[derive(Debug, Clone)]
pub struct ChangeOptions {
    /// Fragment names, as `srt-gen list` shows them.
    pub names: Vec<String>,
    pub dry_run: bool,
    /// With `dry_run`: the whole files instead of their diff.
    pub full: bool,
    pub json: bool,
    /// `add --shared-caches`: `run` leaves these fragments' caches shared with the user's tools.
    pub shared_caches: bool,
}

/// `srt-gen add` (`adding`) and `srt-gen remove`.
pub fn execute(base: &Path, env: &Env, opts: &ChangeOptions, adding: bool) -> Result<u8, Error> {
    let ChangeOptions {
        names,
        dry_run,
        full,
        json,
        shared_caches,
    } = opts;
    let (dry_run, json) = (*dry_run, *json);
    let (change, verb) = if adding {
        (
            add_core(base, names, env, dry_run, &[], None, *shared_caches)?,
            "add",
        )
    } else {
        (remove(base, names, env, dry_run)?, "remove")
    };
    if dry_run && !json {
        ui::out(&summary::render_files(&change.written.contents, *full));
    }
    if json {
        ui::json::print(verb, &change);
    } else {
        ui::status(&render_change(&change, verb));
    }
    Ok(0)
}

/// What `add` or `remove` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
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
    /// Fragments `add` brought as well: the base, for a policy written by hand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    #[serde(flatten)]
    pub written: Written,
    /// What was added and removed, grouped by origin, for the human report.
    #[serde(skip)]
    pub groups: Vec<summary::Grouped>,
}

fn unknown(catalog: &Catalog, names: &[String]) -> Option<Error> {
    let missing: Vec<String> = names
        .iter()
        .filter(|n| catalog.get(n).is_none())
        .map(|n| {
            let near = catalog.closest(n);
            if near.is_empty() {
                format!("`{n}` is not in the catalog")
            } else {
                format!(
                    "`{n}` is not in the catalog; did you mean {}?",
                    quote_list(&near)
                )
            }
        })
        .collect();
    (!missing.is_empty()).then(|| {
        Error::Usage(crate::error::with_tip(
            missing.join("\n"),
            "`srt-gen list` shows every name, `srt-gen explain NAME` what one allows",
        ))
    })
}

/// An agent is chosen, not added: one policy is for one agent.
fn agents_refused(catalog: &Catalog, names: &[String]) -> Option<Error> {
    let agent = names
        .iter()
        .filter_map(|n| catalog.get(n))
        .find(|f| f.kind == Kind::Agent)?;
    Some(Error::Usage(format!(
        "`{}` is an agent, not a fragment to add: choose it with `srt-gen init --agent {}` (the recipes and `srt-gen run` then start it)",
        agent.name, agent.name
    )))
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
    add_with(start, names, env, dry_run, refresh, None)
}

/// [`add_refreshing`] with the catalog given (`learn` checks a `learned` fragment it has not
/// written yet: the gate runs before anything is on disk).
pub fn add_with(
    start: &Path,
    names: &[String],
    env: &Env,
    dry_run: bool,
    refresh: &[&str],
    given: Option<Catalog>,
) -> Result<Change, Error> {
    add_core(start, names, env, dry_run, refresh, given, false)
}

/// [`add_with`], and with `shared`, the named fragments' caches stay shared with the
/// user's own tools in `run` (`add NAME --shared-caches`, recorded in `srtGen.sharedCaches`).
fn add_core(
    start: &Path,
    names: &[String],
    env: &Env,
    dry_run: bool,
    refresh: &[&str],
    given: Option<Catalog>,
    shared: bool,
) -> Result<Change, Error> {
    // `base` is what the change builds on: the project's `.srt.json`, or, when it has none,
    // the policy `init` plans (then nothing is on disk to compare against).
    let found = super::locate(start, env, "add")?;
    let (project, catalog, base, initialised, mut warnings) = match found.has_policy {
        true => {
            let (project, loaded, old) = open(found.project, start, env)?;
            let catalog = given.unwrap_or(loaded);
            if let Some(e) = unknown(&catalog, names).or_else(|| agents_refused(&catalog, names)) {
                return Err(e);
            }
            (project, catalog, old, false, Vec::new())
        }
        false => {
            let started_below = found.started_below();
            let project = found.project;
            let catalog = match given {
                Some(c) => c,
                None => Catalog::load(&project.root, env)?,
            };
            // Check the names before detecting, so a typo costs no walk.
            if let Some(e) = unknown(&catalog, names).or_else(|| agents_refused(&catalog, names)) {
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
    // A policy without srt-gen's base (written by hand) gets it with the first fragment
    // added: the floor of every srt-gen policy (credential stores unreadable, the policy
    // and the recipes write-protected).
    let mut also = Vec::new();
    if !fragments.values().any(|f| f.why == Why::Base) {
        let rec = plan::base_record(&catalog, &project, &record.subprojects, env, &platforms)?;
        fragments.insert("base".to_string(), rec);
        also.push("base".to_string());
    }
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
    let groups = summary::group_changes(old, &new, &written.changes);
    Ok(Change {
        project: project.root.display().to_string(),
        dry_run,
        changed,
        unchanged,
        cautions,
        initialised,
        also,
        written,
        groups,
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
    let groups = summary::group_changes(Some(&old), &new, &written.changes);
    Ok(Change {
        project: project.root.display().to_string(),
        dry_run,
        changed,
        unchanged,
        cautions: Vec::new(),
        initialised: false,
        also: Vec::new(),
        written,
        groups,
    })
}

/// The human report of `add` / `remove`.
pub fn render_change(c: &Change, verb: &str) -> String {
    let mut out = format!(
        "{}\n",
        paint(HEADING, format!("srt-gen {verb}: {}", c.project))
    );
    if c.initialised {
        out.push_str("  no .srt.json yet: ran `srt-gen init` first\n");
    }
    let past = if verb == "add" { "added" } else { "removed" };
    for n in &c.changed {
        out.push_str(&format!("  {past} {n}\n"));
    }
    for n in &c.also {
        out.push_str(&format!(
            "  added {n} as well: the policy had no srt-gen record, and every srt-gen policy \
             keeps credentials unreadable and its own files write-protected\n"
        ));
    }
    for n in &c.unchanged {
        out.push_str(&format!("  {n}: nothing to do\n"));
    }
    out.push_str(&summary::render_groups(&c.groups));
    let state = |o: FileOutcome| o.describe(c.dry_run);
    out.push_str(&format!("  .srt.json: {}\n", state(c.written.settings)));
    if let Some(j) = c.written.justfile {
        out.push_str(&format!("  justfile: {}\n", state(j)));
    }
    for w in &c.cautions {
        out.push_str(&format!("  caution: {w}\n"));
    }
    for w in &c.written.warnings {
        out.push_str(&format!("  {} {w}\n", ui::style::warning_label()));
    }
    let unchanged = c.written.settings == FileOutcome::Unchanged
        && c.written
            .justfile
            .is_none_or(|j| j == FileOutcome::Unchanged);
    let next = if c.dry_run && !unchanged {
        "run it again without --dry-run to write the change".to_string()
    } else if c.written.settings == FileOutcome::Unchanged {
        "`srt-gen explain` shows every entry of the policy and why".to_string()
    } else {
        "`srt-gen explain` shows every entry and why; `srt-gen run -- COMMAND` runs under the new policy".to_string()
    };
    out.push_str(&summary::next(&next));
    out
}
