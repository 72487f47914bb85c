//! `srt-gen init`: detect the project's ecosystems, merge their fragments with what the
//! settings file already holds, write `.srt.json` and the recipes, and say what was done.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::catalog::{Catalog, Fragment, Kind, List};
use crate::detect::project::Project;
use crate::detect::Detection;
use crate::env::{Env, Os};
use crate::error::{Error, FileProblem};
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::srt_config::{FragmentRecord, Settings, Why};

#[derive(Debug, Clone)]
pub struct InitOptions {
    pub dry_run: bool,
    pub allow_broken: bool,
    /// `None`: as the existing record says, else this machine's platform.
    pub platforms: Option<Vec<Os>>,
    pub justfile: bool,
    pub agent: bool,
    /// `Some(false)`: leave out hosts named by files in the repository (remembered);
    /// `Some(true)`: take them again; `None`: as the last run chose.
    pub project_hosts: Option<bool>,
}

/// What `init` did for one project; printed as text on stderr or as JSON on stdout.
#[derive(Debug, Serialize)]
pub struct InitSummary {
    pub project: String,
    pub dry_run: bool,
    /// Detected ecosystems and the files that showed each.
    pub detected: BTreeMap<String, Vec<String>>,
    /// Every active fragment and why.
    pub fragments: BTreeMap<String, Why>,
    /// Fragments a previous run had detected that the project no longer shows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    pub counts: BTreeMap<String, usize>,
    #[serde(flatten)]
    pub written: Written,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broken: Vec<crate::detect::Broken>,
    /// Registries and git hosts named by project files or the user's configuration.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<crate::detect::sources::Found>,
    /// Sources left out (`--no-project-hosts`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<crate::detect::sources::Found>,
    /// The catalog's cautions for active fragments that widen the sandbox a lot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<String>,
    /// The recipes file's name as the project spells it (`justfile`, `Justfile`, ...),
    /// for the human summary.
    #[serde(skip)]
    pub justfile_name: String,
}

/// The composed policy of an `init`, before anything is written.
pub struct Planned {
    pub project: Project,
    pub catalog: Catalog,
    pub existing: Option<Settings>,
    pub new: Settings,
    pub detection: Detection,
    pub dropped: Vec<String>,
    pub warnings: Vec<String>,
    pub sources: Vec<crate::detect::sources::Found>,
    pub left_out: Vec<crate::detect::sources::Found>,
}

/// Detects and composes, writing nothing. `add` builds on this when no `.srt.json` exists,
/// with the catalog it already loaded to check the names it was given.
pub fn plan(
    project: Project,
    catalog: Catalog,
    env: &Env,
    opts: &InitOptions,
) -> Result<Planned, Error> {
    let existing = Settings::read(&project.settings)?;
    let detection = crate::detect::detect(&project.root, &catalog.markers());
    if !detection.broken.is_empty() && !opts.allow_broken {
        return Err(Error::Broken(
            detection.broken.iter().map(FileProblem::from).collect(),
        ));
    }
    let platforms = platforms(opts.platforms.as_deref(), existing.as_ref(), env);
    let (mut fragments, excluded, dropped, mut warnings) = active_fragments(
        &catalog,
        &project,
        existing.as_ref(),
        &detection,
        env,
        opts,
        &platforms,
    )?;
    let no_project_hosts = match opts.project_hosts {
        Some(take) => !take,
        None => existing
            .as_ref()
            .and_then(|s| s.record.as_ref())
            .is_some_and(|r| r.no_project_hosts),
    };
    let scanned = crate::detect::sources::scan(&project.root, &detection, env);
    warnings.extend(scanned.warnings);
    let (sources, left_out): (Vec<_>, Vec<_>) = scanned
        .found
        .into_iter()
        .filter(|f| !excluded.contains(&f.key))
        .partition(|f| !(f.in_project && no_project_hosts));
    apply_sources(&mut fragments, &sources);
    let mut new = crate::policy::compose(existing.as_ref(), fragments, excluded);
    if let Some(r) = new.record.as_mut() {
        r.no_project_hosts = no_project_hosts;
        r.platforms = platforms;
    }
    // The gate on what srt-gen generated runs in `output::write`, once per write.
    warnings.extend(detection.warnings.iter().cloned());
    for b in &detection.broken {
        warnings.push(format!("counted by name only, it does not parse: {b}"));
    }
    Ok(Planned {
        project,
        catalog,
        existing,
        new,
        detection,
        dropped,
        warnings,
        sources,
        left_out,
    })
}

/// The platforms fragments are resolved for: as chosen (`--platform`), else as the
/// record says, else this machine's.
pub fn platforms(chosen: Option<&[Os]>, existing: Option<&Settings>, env: &Env) -> Vec<Os> {
    chosen
        .or_else(|| {
            existing
                .and_then(|s| s.record.as_ref())
                .map(|r| r.platforms.as_slice())
        })
        .filter(|p| !p.is_empty())
        .map_or_else(|| vec![env.os], <[Os]>::to_vec)
}

/// Each source becomes a record of its own (so `explain` names its file and `remove`
/// takes it out), and the public hosts a private registry stands in for leave the
/// detected fragments.
fn apply_sources(
    fragments: &mut BTreeMap<String, FragmentRecord>,
    sources: &[crate::detect::sources::Found],
) {
    let key = crate::catalog::List::AllowedDomains.key();
    for src in sources {
        for rec in fragments.values_mut().filter(|r| r.why == Why::Detected) {
            if let Some(hosts) = rec.entries.get_mut(key) {
                hosts.retain(|h| !src.replaces.contains(h));
            }
        }
    }
    for src in sources.iter().filter(|s| !s.hosts.is_empty()) {
        let mut entries = BTreeMap::new();
        entries.insert(key.to_string(), src.hosts.clone());
        let why = if src.in_project {
            Why::Project
        } else {
            Why::Config
        };
        fragments.insert(
            src.key.clone(),
            FragmentRecord {
                why,
                files: vec![src.origin.clone()],
                entries,
            },
        );
    }
}

pub fn init(root: &Path, env: &Env, opts: &InitOptions) -> Result<InitSummary, Error> {
    let project = Project::at(root)?;
    let catalog = Catalog::load(&project.root, env)?;
    let Planned {
        project,
        catalog,
        existing,
        new,
        detection,
        dropped,
        warnings,
        sources,
        left_out,
    } = plan(project, catalog, env, opts)?;
    let mut written = output::write(
        &project,
        existing.as_ref(),
        &new,
        &catalog,
        env,
        WriteOptions {
            dry_run: opts.dry_run,
            justfile: if opts.justfile {
                JustfileMode::Always
            } else {
                JustfileMode::Never
            },
        },
    )?;
    written.warnings.extend(warnings);
    let record = new.record.clone().unwrap_or_default();
    let cautions = record
        .fragments
        .keys()
        .filter_map(|n| {
            catalog
                .get(n)
                .and_then(|f| f.warning.as_ref().map(|w| format!("{n}: {w}")))
        })
        .collect();
    Ok(InitSummary {
        project: project.root.display().to_string(),
        dry_run: opts.dry_run,
        detected: record
            .fragments
            .iter()
            .filter(|(_, f)| f.why == Why::Detected)
            .map(|(n, f)| (n.clone(), f.files.clone()))
            .collect(),
        fragments: record
            .fragments
            .iter()
            .map(|(n, f)| (n.clone(), f.why))
            .collect(),
        dropped,
        counts: output::counts(&new),
        written,
        broken: detection.broken,
        sources,
        left_out,
        cautions,
        justfile_name: project.justfile_name(),
    })
}

type Active = (
    BTreeMap<String, FragmentRecord>,
    BTreeSet<String>,
    Vec<String>,
    Vec<String>,
);

/// Base (and the agent), every detected fragment the user has not removed, and every
/// fragment the user added before.
fn active_fragments(
    catalog: &Catalog,
    project: &Project,
    existing: Option<&Settings>,
    detection: &Detection,
    env: &Env,
    opts: &InitOptions,
    platforms: &[Os],
) -> Result<Active, Error> {
    let old = existing.and_then(|s| s.record.clone()).unwrap_or_default();
    let mut warnings = Vec::new();
    let mut out = BTreeMap::new();
    out.insert(
        "base".to_string(),
        base_record(catalog, project, env, platforms)?,
    );
    if opts.agent {
        // The agent is base-like: applied unless the user removed it.
        let agent = catalog.fragments.iter().find(|f| f.kind == Kind::Agent);
        if let Some(agent) = agent.filter(|a| !old.excluded.contains(&a.name)) {
            out.insert(
                agent.name.clone(),
                fragment_record(agent, Why::Base, Vec::new(), env, platforms),
            );
        }
    }
    let mut found: BTreeMap<String, Vec<String>> = detection.found.clone();
    for b in &detection.broken {
        for f in &b.fragments {
            found.entry(f.clone()).or_default().push(b.file.clone());
        }
    }
    for (name, files) in found {
        if old.excluded.contains(&name) {
            continue;
        }
        if let Some(frag) = catalog.get(&name) {
            out.insert(
                name.clone(),
                fragment_record(frag, Why::Detected, files, env, platforms),
            );
        }
    }
    let mut dropped = Vec::new();
    for (name, rec) in &old.fragments {
        match rec.why {
            Why::Added if !out.contains_key(name) => match catalog.get(name) {
                Some(frag) => {
                    out.insert(
                        name.clone(),
                        fragment_record(frag, Why::Added, Vec::new(), env, platforms),
                    );
                }
                None => {
                    warnings.push(format!(
                        "fragment `{name}` is no longer in the catalog; its entries are kept as recorded (`srt-gen remove {name}` takes them out)"
                    ));
                    out.insert(name.clone(), rec.clone());
                }
            },
            Why::Detected if !out.contains_key(name) => dropped.push(name.clone()),
            _ => {}
        }
    }
    Ok((out, old.excluded, dropped, warnings))
}

/// The human summary, for stderr.
pub fn render_summary(s: &InitSummary, settings_name: &str, justfile_name: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!("srt-gen init: {}\n", s.project));
    if s.detected.is_empty() {
        out.push_str("  no ecosystem detected (only the base policy applies)\n");
    }
    let width = s.detected.keys().map(String::len).max().unwrap_or(0);
    for (name, files) in &s.detected {
        out.push_str(&format!("  found {name:<width$}  {}\n", shorten(files)));
    }
    for src in &s.sources {
        let hosts: Vec<&str> = src.hosts.iter().map(String::as_str).collect();
        let whose = if src.in_project {
            " (a file in the repository chose these)"
        } else {
            ""
        };
        if !hosts.is_empty() {
            out.push_str(&format!(
                "  from {}: {}{whose}\n",
                src.origin,
                hosts.join(", ")
            ));
        }
        if !src.replaces.is_empty() {
            let r: Vec<&str> = src.replaces.iter().map(String::as_str).collect();
            out.push_str(&format!(
                "  left out {}: {} replaces them\n",
                r.join(", "),
                src.origin
            ));
        }
    }
    for src in &s.left_out {
        let hosts: Vec<&str> = src.hosts.iter().map(String::as_str).collect();
        out.push_str(&format!(
            "  not taken (--no-project-hosts): {} from {}\n",
            hosts.join(", "),
            src.origin
        ));
    }
    let always: Vec<&str> = s
        .fragments
        .iter()
        .filter(|(_, w)| matches!(w, Why::Base | Why::Added))
        .map(|(n, _)| n.as_str())
        .collect();
    out.push_str(&format!("  also  {}\n", always.join(", ")));
    for d in &s.dropped {
        out.push_str(&format!("  dropped {d} (no longer detected)\n"));
    }
    let c = |k: &str| s.counts.get(k).copied().unwrap_or(0);
    out.push_str(&format!(
        "  policy: {} hosts allowed, {} paths writable, {} unreadable, {} write-protected\n",
        c("network.allowedDomains"),
        c("filesystem.allowWrite"),
        c("filesystem.denyRead"),
        c("filesystem.denyWrite"),
    ));
    let describe = |o: FileOutcome| o.describe(s.dry_run);
    out.push_str(&format!(
        "  {settings_name}: {}\n",
        describe(s.written.settings)
    ));
    if s.written.settings == FileOutcome::Updated {
        out.push_str(&output::render_changes(&s.written.changes));
    }
    if let (Some(o), Some(name)) = (s.written.justfile, justfile_name) {
        out.push_str(&format!(
            "  {name}: {} (recipes `ai`, `ai-auto`)\n",
            describe(o)
        ));
    }
    for c in &s.cautions {
        out.push_str(&format!("  caution: {c}\n"));
    }
    for w in &s.written.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    out
}

fn shorten(files: &[String]) -> String {
    const MAX: usize = 4;
    if files.len() <= MAX {
        files.join(", ")
    } else {
        format!(
            "{}, and {} more",
            files[..MAX].join(", "),
            files.len() - MAX
        )
    }
}

/// Resolves a fragment into the record kept in the settings file.
pub fn fragment_record(
    frag: &Fragment,
    why: Why,
    files: Vec<String>,
    env: &Env,
    platforms: &[Os],
) -> FragmentRecord {
    let mut entries: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in frag.resolve(env, platforms) {
        entries
            .entry(r.list.key().to_string())
            .or_default()
            .insert(r.value);
    }
    FragmentRecord {
        why,
        files,
        entries,
    }
}

/// The base fragment, plus write protection for the recipes file this project uses.
pub fn base_record(
    catalog: &Catalog,
    project: &Project,
    env: &Env,
    platforms: &[Os],
) -> Result<FragmentRecord, Error> {
    let base = catalog
        .fragments
        .iter()
        .find(|f| f.kind == Kind::Base)
        .ok_or_else(|| Error::Usage("internal: the catalog has no base fragment".into()))?;
    let mut rec = fragment_record(base, Why::Base, Vec::new(), env, platforms);
    rec.entries
        .entry(List::DenyWrite.key().to_string())
        .or_default()
        .insert(format!("./{}", project.justfile_name()));
    Ok(rec)
}
