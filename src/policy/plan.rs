//! The plan: detect the project's ecosystems and the hosts its configuration names, pick
//! the active fragments (base, the agent, detected, added before), resolve each into its
//! record, and compose the new settings. Writes nothing; `init` writes what this plans,
//! and `add` builds on it when a project has no `.srt.json` yet.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Catalog, Fragment, Kind, List};
use crate::detect::project::Project;
use crate::detect::sources::Found;
use crate::detect::Detection;
use crate::env::{Env, Os};
use crate::error::{Error, FileProblem};
use crate::policy::settings::{FragmentRecord, Settings, Why};

/// What to detect and compose.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Count manifests that do not parse by name instead of failing.
    pub allow_broken: bool,
    /// `None`: as the existing record says, else this machine's platform.
    pub platforms: Option<Vec<Os>>,
    /// The agent's own hosts and state paths, and the recipes that start it:
    /// `Some(false)` leaves them out (remembered), `Some(true)` takes them again, `None`
    /// as the last run chose (with the agent, at first).
    pub agent: Option<bool>,
    /// `init --agent NAME`: the agent the recipes and `run` start (remembered); `None`:
    /// as the record says, else the default.
    pub agent_name: Option<String>,
    /// `Some(false)`: leave out hosts named by files in the repository (remembered);
    /// `Some(true)`: take them again; `None`: as the last run chose.
    pub project_hosts: Option<bool>,
    /// A folder below the project (relative, `/`-separated) that gets a policy of its own
    /// (`init --subproject` there): recorded, and its srt-gen files write-protected.
    pub declare_subproject: Option<String>,
    /// `--shared-caches`: fragments whose caches `run` leaves shared with the user's tools.
    pub shared_caches: Vec<String>,
    /// `--own-caches`: fragments that get the sandbox's own caches again.
    pub own_caches: Vec<String>,
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
    pub sources: Vec<Found>,
    pub left_out: Vec<Found>,
    /// Detected fragments the user removed (`srt-gen remove`), with the files that show
    /// them: reported, never applied, until `srt-gen add` brings them back.
    pub removed: BTreeMap<String, Vec<String>>,
    /// The agent and where its API is, when the agent is part of the policy.
    pub agent: Option<AgentChoice>,
}

/// The agent a policy is for, and its API as this machine's configuration chooses it.
#[derive(Debug, Clone)]
pub struct AgentChoice {
    pub name: String,
    pub endpoint: crate::catalog::agent::endpoint::Endpoint,
    /// A subscription login (no key in the environment): its refresh host is allowed too.
    pub login: bool,
}

/// Detects and composes, writing nothing. `add` builds on this when no `.srt.json` exists,
/// with the catalog it already loaded to check the names it was given.
pub fn plan(
    project: Project,
    catalog: Catalog,
    env: &Env,
    opts: &PlanOptions,
) -> Result<Planned, Error> {
    let existing = Settings::read(&project.settings)?;
    let old = existing
        .as_ref()
        .and_then(|s| s.record.clone())
        .unwrap_or_default();
    let no_agent = opts.agent.map_or(old.no_agent, |a| !a);
    let mut subprojects = old.subprojects.clone();
    subprojects.extend(opts.declare_subproject.clone());
    let markers = catalog.markers();
    let detection = crate::detect::detect(&project.root, &markers);
    if !detection.broken.is_empty() && !opts.allow_broken {
        return Err(Error::Broken(
            detection.broken.iter().map(FileProblem::from).collect(),
        ));
    }
    let platforms = platforms(opts.platforms.as_deref(), existing.as_ref(), env);
    let picked = Picked {
        subprojects: &subprojects,
    };
    // The agent is checked first: a name that does not exist, or an endpoint variable srt
    // cannot use, stops before anything is walked or written.
    let agent_name = opts.agent_name.clone().or_else(|| {
        existing
            .as_ref()
            .and_then(|s| s.agent_name().map(str::to_string))
    });
    let agent = crate::catalog::agent::chosen(&catalog, agent_name.as_deref())?;
    let agent_name = agent_name.map(|_| agent.name.clone());
    let (mut fragments, excluded, dropped, mut warnings) = active_fragments(
        &catalog,
        &project,
        existing.as_ref(),
        &detection,
        env,
        &picked,
        &platforms,
    )?;
    let removed: BTreeMap<String, Vec<String>> = detection
        .found
        .iter()
        .filter(|(n, _)| excluded.contains(*n))
        .map(|(n, f)| (n.clone(), f.clone()))
        .collect();
    if !no_agent && !excluded.contains(&agent.name) {
        // The agent is base-like: applied unless the user removed it. Only the chosen one:
        // another agent's record (from an earlier `--agent`) goes.
        fragments.insert(
            agent.name.clone(),
            fragment_record(agent, Why::Base, Vec::new(), env, &platforms),
        );
    }
    let no_project_hosts = match opts.project_hosts {
        Some(take) => !take,
        None => existing
            .as_ref()
            .and_then(|s| s.record.as_ref())
            .is_some_and(|r| r.no_project_hosts),
    };
    let scanned = crate::detect::sources::scan(&project.root, &detection, env, &markers.origins);
    warnings.extend(scanned.warnings);
    let (sources, left_out): (Vec<_>, Vec<_>) = scanned
        .found
        .into_iter()
        .filter(|f| !excluded.contains(&f.key))
        .partition(|f| !(f.in_project && no_project_hosts));
    apply_sources(&mut fragments, &sources);
    let choice = fragments
        .get_mut(&agent.name)
        .map(|rec| agent_entries(agent, rec, env))
        .transpose()?;
    let mut new = crate::policy::compose::compose(existing.as_ref(), fragments, excluded);
    if let Some(r) = new.record.as_mut() {
        r.no_project_hosts = no_project_hosts;
        r.platforms = platforms;
        r.no_agent = no_agent;
        r.subprojects = subprojects;
        r.agent = agent_name.filter(|n| n != crate::catalog::agent::DEFAULT_AGENT);
        shared_caches(r, &catalog, opts)?;
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
        removed,
        agent: choice,
    })
}

/// The agent's hosts, from where its API is on this machine (a base URL variable, a cloud
/// mode, its own configuration file, or the catalog's default), and its login's refresh
/// host when a subscription login is used. `init` writes them; every run resolves them
/// again (`sandbox::plan::machine`).
pub fn agent_entries(
    agent: &Fragment,
    rec: &mut FragmentRecord,
    env: &Env,
) -> Result<AgentChoice, Error> {
    let spec = agent
        .agent
        .as_ref()
        .expect("an agent fragment has its table");
    let endpoint = crate::catalog::agent::endpoint::resolve(spec, env)?;
    let login = matches!(
        crate::catalog::agent::auth(spec, &endpoint, env),
        crate::catalog::agent::Auth::Login(_)
    );
    let hosts = rec
        .entries
        .entry(List::AllowedDomains.key().to_string())
        .or_default();
    hosts.extend(endpoint.hosts.iter().cloned());
    if login {
        hosts.extend(spec.login.iter().flat_map(|l| l.hosts.iter().cloned()));
    }
    Ok(AgentChoice {
        name: agent.name.clone(),
        endpoint,
        login,
    })
}

/// `--shared-caches` and `--own-caches`: names of active fragments (as `list` shows them).
fn shared_caches(
    record: &mut crate::policy::settings::Record,
    catalog: &Catalog,
    opts: &PlanOptions,
) -> Result<(), Error> {
    for (names, share) in [(&opts.shared_caches, true), (&opts.own_caches, false)] {
        for n in names {
            let name = catalog
                .get(n)
                .map(|f| f.name.clone())
                .filter(|name| record.fragments.contains_key(name))
                .ok_or_else(|| {
                    let active: Vec<&str> = record.fragments.keys().map(String::as_str).collect();
                    Error::Usage(format!(
                        "`{n}` is not an active fragment of this project (active: {})",
                        active.join(", ")
                    ))
                })?;
            if share {
                record.shared_caches.insert(name);
            } else {
                record.shared_caches.remove(&name);
            }
        }
    }
    Ok(())
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
/// detected fragments of the tools that read that configuration, and only theirs
/// (`UV_INDEX_URL` takes PyPI out of uv's fragment, never pip's).
fn apply_sources(fragments: &mut BTreeMap<String, FragmentRecord>, sources: &[Found]) {
    let key = List::AllowedDomains.key();
    for src in sources {
        for (name, rec) in fragments.iter_mut() {
            if rec.why != Why::Detected || !src.tools.contains(name) {
                continue;
            }
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

/// What the record (and this run's flags) decide about the fragments.
struct Picked<'a> {
    subprojects: &'a BTreeSet<String>,
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
    picked: &Picked<'_>,
    platforms: &[Os],
) -> Result<Active, Error> {
    let old = existing.and_then(|s| s.record.clone()).unwrap_or_default();
    let mut warnings = Vec::new();
    let mut out = BTreeMap::new();
    out.insert(
        "base".to_string(),
        base_record(catalog, project, picked.subprojects, env, platforms)?,
    );
    // Protections on by default (`default = true`), unless the user removed them.
    for frag in catalog
        .fragments
        .iter()
        .filter(|f| f.default && f.kind != Kind::Base && !old.excluded.contains(&f.name))
    {
        out.insert(
            frag.name.clone(),
            fragment_record(frag, Why::Base, Vec::new(), env, platforms),
        );
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

/// The base fragment, plus write protection for the recipes file this project uses and,
/// for each declared subproject, the same protections of its own files (its policy, its
/// recipes, its fragments: a run of this project can write the subproject's folder).
pub fn base_record(
    catalog: &Catalog,
    project: &Project,
    subprojects: &BTreeSet<String>,
    env: &Env,
    platforms: &[Os],
) -> Result<FragmentRecord, Error> {
    let base = catalog
        .fragments
        .iter()
        .find(|f| f.kind == Kind::Base)
        .ok_or_else(|| Error::Usage("internal: the catalog has no base fragment".into()))?;
    let mut rec = fragment_record(base, Why::Base, Vec::new(), env, platforms);
    let deny = rec
        .entries
        .entry(List::DenyWrite.key().to_string())
        .or_default();
    deny.insert(format!("./{}", project.justfile_name()));
    let own: Vec<String> = deny
        .iter()
        .filter_map(|e| e.strip_prefix("./"))
        .filter(|e| !e.is_empty() && *e != ".")
        .map(str::to_string)
        .collect();
    for sub in subprojects {
        for e in &own {
            deny.insert(format!("./{sub}/{e}"));
        }
        // The subproject's recipes file, as that folder spells it (and the usual name,
        // so that one created later is covered too).
        if let Ok(p) = Project::at(&project.root.join(sub)) {
            deny.insert(format!("./{sub}/{}", p.justfile_name()));
        }
        deny.insert(format!("./{sub}/justfile"));
    }
    Ok(rec)
}
