//! `srt-gen init`: detect the project's ecosystems, merge their fragments with what the
//! settings file already holds, write `.srt.json` and the recipes, and say what was done.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::summary;
use crate::catalog::{Catalog, List};
use crate::detect::project::{Chosen, Project, SETTINGS_FILE};
use crate::env::Env;
use crate::error::Error;
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::policy::plan::{plan, PlanOptions, Planned};
use crate::policy::settings::{Settings, Why};
use crate::ui;
use crate::ui::style::{paint, HEADING};

#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Project folders, relative to where srt-gen started (none: that folder).
    pub paths: Vec<PathBuf>,
    pub json: bool,
    pub dry_run: bool,
    /// With `dry_run`: the whole files instead of their diff.
    pub full: bool,
    pub justfile: bool,
    /// `--subproject`: this folder gets a policy of its own, recorded (and write-protected)
    /// by the enclosing project's policy.
    pub subproject: bool,
    /// What to detect and compose.
    pub plan: PlanOptions,
}

/// `srt-gen init`: each project folder on its own; with more than one, a failure is
/// reported, the others go on, and the exit code is 1 if any failed. `--json` gives one document whose `projects` has an
/// entry per folder, failures included, however many folders there are.
pub fn execute(base: &Path, env: &Env, opts: &InitOptions) -> Result<u8, Error> {
    let json = opts.json;
    let paths: Vec<PathBuf> = if opts.paths.is_empty() {
        vec![base.to_path_buf()]
    } else {
        opts.paths.iter().map(|p| base.join(p)).collect()
    };
    let many = paths.len() > 1;
    let mut failed = 0usize;
    let mut last_code = 0u8;
    let mut entries = Vec::new();
    for (path, given) in paths
        .iter()
        .zip(opts.paths.iter().map(Some).chain(std::iter::repeat(None)))
    {
        let shown = given.map_or_else(|| path.display().to_string(), |g| g.display().to_string());
        match init(path, env, opts) {
            Ok(summary) => {
                if opts.dry_run && !json {
                    ui::out(&summary::render_files(&summary.written.contents, opts.full));
                }
                if json {
                    entries.push(ProjectEntry::Done {
                        path: shown,
                        summary: Box::new(summary),
                    });
                } else {
                    let jf = opts.justfile.then_some(summary.justfile_name.as_str());
                    ui::status(&render_summary(&summary, SETTINGS_FILE, jf));
                }
            }
            Err(e) if many || json => {
                let prefix = if many {
                    format!("{shown}: ")
                } else {
                    String::new()
                };
                ui::always(&ui::error_text(&e, &prefix));
                failed += 1;
                last_code = e.exit_code();
                entries.push(ProjectEntry::Failed {
                    path: shown,
                    error: (&e).into(),
                });
            }
            Err(e) => return Err(e),
        }
    }
    if json {
        ui::json::print("init", &InitReport { projects: entries });
        if !many && failed == 1 {
            // One folder, and it failed: the message goes to stderr as any error's does.
            return Ok(last_code);
        }
    }
    if failed > 0 {
        ui::always(&format!(
            "{} {failed} of {} projects failed\n",
            ui::style::error_label(),
            paths.len()
        ));
        // Several folders: 1, "a command failed" (each failure said its own kind above).
        return Ok(if many { 1 } else { last_code.max(1) });
    }
    Ok(0)
}

/// The agent of a policy, for the summary.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSummary {
    pub name: String,
    /// `Anthropic API`, `Bedrock`, ...
    pub api: String,
    pub hosts: Vec<String>,
    /// The variables (or configuration settings) that chose the hosts; empty: the default.
    pub chosen_by: Vec<String>,
    /// A subscription login is used (no key in the environment).
    pub login: bool,
}

/// `init --json`: one entry per project folder, in the order given.
#[derive(Debug, Serialize)]
pub struct InitReport {
    pub projects: Vec<ProjectEntry>,
}

/// A project `init` configured, or one it could not.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProjectEntry {
    Done {
        /// The folder as it was given (the current folder's path when none was).
        path: String,
        #[serde(flatten)]
        summary: Box<InitSummary>,
    },
    Failed {
        /// The folder as it was given.
        path: String,
        error: crate::ui::json::ErrorInfo,
    },
}

/// What `init` did for one project; printed as text on stderr or as JSON on stdout.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitSummary {
    pub project: String,
    pub dry_run: bool,
    /// Why this folder (when init was started below it, or declared a subproject), and
    /// every policy or justfile on the way up that is not used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Detected ecosystems and the files that showed each.
    pub detected: BTreeMap<String, Vec<String>>,
    /// Detected ecosystems the user removed (`srt-gen remove`): not applied.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub removed: BTreeMap<String, Vec<String>>,
    /// Fragments whose files were seen but that detection only suggests.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub suggested: BTreeMap<String, Suggested>,
    /// Test-fixture and sample folders left out of detection.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixtures: Vec<String>,
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
    /// Allowed hosts that serve anyone's content, with what brought each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risky_hosts: Vec<RiskyHost>,
    /// The catalog's cautions for active fragments that widen the sandbox a lot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<String>,
    /// `--subproject`: the enclosing project's policy, which records this folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentUpdate>,
    /// The agent the recipes and `run` start, and where its API is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentSummary>,
    /// The recipes file's name as the project spells it (`justfile`, `Justfile`, ...),
    /// for the human summary.
    #[serde(skip)]
    pub justfile_name: String,
    /// `--no-agent` is in force: no agent, no recipes.
    #[serde(skip)]
    pub no_agent: bool,
    /// What was added and removed, grouped by origin, for the human summary.
    #[serde(skip)]
    pub groups: Vec<summary::Grouped>,
}

/// A fragment detection only suggests, with the files that showed it and why.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggested {
    pub files: Vec<String>,
    pub why: String,
}

/// An allowed host that serves anyone's content (`policy/lint/risky_hosts.toml`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskyHost {
    pub host: String,
    pub what: String,
    /// The fragments (or "your entry") that allow it.
    pub from: Vec<String>,
    /// Why the ecosystem that brings it needs it (the catalog entry's `risk`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// What `--subproject` changed in the enclosing project's policy.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentUpdate {
    pub project: String,
    pub subproject: String,
    pub settings: FileOutcome,
    pub changes: BTreeMap<String, output::ListChange>,
}

/// Where `init` started in `start` writes, and the enclosing project to record it in when
/// it is a subproject.
struct Target {
    project: Project,
    parent: Option<(Project, String)>,
    notes: Vec<String>,
}

/// The project's root (the outermost policy), a declared subproject, or, with
/// no policy yet, the repository's top (asked on a terminal, said otherwise).
fn choose(start: &Path, env: &Env, opts: &InitOptions) -> Result<Target, Error> {
    let found = Project::find_root(start, env)?;
    let here = &found.start;
    let mut notes = found.notes();
    if opts.subproject {
        let parent = if !found.has_policy {
            notes.push(format!(
                "no policy above {} in this project: its own is the project's root",
                here.display()
            ));
            None
        } else if found.project.root == *here {
            match &found.chosen {
                Chosen::Subproject { root } => Some(Project::at(root)?),
                _ => {
                    return Err(Error::Usage(format!(
                        "{} is the project's root (its {SETTINGS_FILE} is the outermost policy); \
                         --subproject is for a folder below it",
                        here.display()
                    )))
                }
            }
        } else {
            Some(found.project.clone())
        };
        let parent = match parent {
            Some(p) => {
                let rel = crate::detect::walk::relative(&p.root, here);
                if crate::detect::project::subproject_path(&rel).is_none() {
                    return Err(Error::Usage(format!(
                        "{} cannot be recorded as a subproject of {}",
                        here.display(),
                        p.root.display()
                    )));
                }
                let own = here.join(SETTINGS_FILE);
                notes.retain(|n| !n.starts_with(&format!("{} ", own.display())));
                notes.push(format!(
                    "a subproject of {}: that policy records `{rel}` and write-protects its srt-gen files",
                    p.root.display()
                ));
                Some((p, rel))
            }
            None => None,
        };
        return Ok(Target {
            project: Project::at(here)?,
            parent,
            notes,
        });
    }
    if found.has_policy {
        if found.started_below() {
            notes.push(format!(
                "started in {}, inside the project at {}: its policy is the one updated \
                 (`srt-gen init --subproject` in {} gives that folder a policy of its own)",
                here.display(),
                found.project.root.display(),
                here.display()
            ));
        }
        return Ok(Target {
            project: found.project,
            parent: None,
            notes,
        });
    }
    if found.chosen == Chosen::RepositoryTop && found.started_below() {
        let top = found.project.root.clone();
        if !opts.json && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            let project = match ask_root(here, &top)? {
                true => found.project,
                false => Project::at(here)?,
            };
            return Ok(Target {
                project,
                parent: None,
                notes,
            });
        }
        notes.push(format!(
            "{} is inside the repository {}, which has no policy yet: initialised its top, \
             one policy for the project (`srt-gen init --subproject` in {} gives that folder \
             a policy of its own instead)",
            here.display(),
            top.display(),
            here.display()
        ));
    }
    Ok(Target {
        project: found.project,
        parent: None,
        notes,
    })
}

/// On a terminal: the repository's top (`true`) or this folder (`false`)?
fn ask_root(here: &Path, top: &Path) -> Result<bool, Error> {
    eprint!(
        "srt-gen init: {} is inside the repository {}, which has no srt-gen policy yet.\n  \
         [t] initialise {} (one policy for the whole project; the default)\n  \
         [h] give {} a policy of its own\n  [q] stop\nChoice [t/h/q]: ",
        here.display(),
        top.display(),
        top.display(),
        here.display()
    );
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("cannot read the answer", e))?;
    match line.trim().to_ascii_lowercase().as_str() {
        "" | "t" | "top" => Ok(true),
        "h" | "here" => Ok(false),
        _ => Err(Error::Usage("stopped; nothing was written".into())),
    }
}

pub fn init(start: &Path, env: &Env, opts: &InitOptions) -> Result<InitSummary, Error> {
    if !start.is_dir() {
        let what = if start.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(Error::Usage(crate::error::with_tip(
            format!("{} {what}", start.display()),
            "name the project's folder (`srt-gen init` alone takes the current one)",
        )));
    }
    let Target {
        project,
        parent,
        notes,
    } = choose(start, env, opts)?;
    let catalog = Catalog::load(&project.root, env)?;
    let planned = plan(project, catalog, env, &opts.plan)?;
    // Plan the enclosing project too before anything is written: a failure there (a broken
    // manifest) leaves both as they were.
    let parent = match parent {
        Some((p, rel)) => {
            let catalog = Catalog::load(&p.root, env)?;
            let popts = PlanOptions {
                allow_broken: opts.plan.allow_broken,
                declare_subproject: Some(rel.clone()),
                ..PlanOptions::default()
            };
            Some((plan(p, catalog, env, &popts)?, rel))
        }
        None => None,
    };
    let mut summary = finish(planned, env, opts, notes)?;
    if let Some((p, rel)) = parent {
        let mode = if opts.justfile {
            JustfileMode::IfBlockPresent
        } else {
            JustfileMode::Never
        };
        let written = output::write(
            &p.project,
            p.existing.as_ref(),
            &p.new,
            &p.catalog,
            env,
            WriteOptions {
                dry_run: opts.dry_run,
                justfile: mode,
            },
        )?;
        summary.written.contents.extend(written.contents);
        summary.parent = Some(ParentUpdate {
            project: p.project.root.display().to_string(),
            subproject: rel,
            settings: written.settings,
            changes: written.changes,
        });
    }
    Ok(summary)
}

/// Writes what was planned for one project and says what was done.
fn finish(
    planned: Planned,
    env: &Env,
    opts: &InitOptions,
    notes: Vec<String>,
) -> Result<InitSummary, Error> {
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
        removed,
        agent,
    } = planned;
    let record = new.record.clone().unwrap_or_default();
    // Every recipe starts the agent: with --no-agent there are none, and a block written
    // before is emptied (`output::write` reads the record).
    let justfile = match (opts.justfile, record.no_agent) {
        (false, _) => JustfileMode::Never,
        (true, true) => JustfileMode::IfBlockPresent,
        (true, false) => JustfileMode::Always,
    };
    let mut written = output::write(
        &project,
        existing.as_ref(),
        &new,
        &catalog,
        env,
        WriteOptions {
            dry_run: opts.dry_run,
            justfile,
        },
    )?;
    written.warnings.extend(warnings);
    let risky_hosts = risky_hosts(&new, &catalog);
    // The linter's warning for each of these says the same at length: the summary's
    // `open host` line stands for it (`srt-gen check` keeps the long form).
    written.warnings.retain(|w| {
        !(w.starts_with("network.allowedDomains[")
            && risky_hosts
                .iter()
                .any(|r| w.contains(&format!("`{}` reaches", r.host))))
    });
    let cautions = record
        .fragments
        .keys()
        .filter_map(|n| {
            catalog
                .get(n)
                .and_then(|f| f.warning.as_ref().map(|w| format!("{n}: {w}")))
        })
        .collect();
    let mut suggested: BTreeMap<String, Suggested> = detection
        .suggested
        .iter()
        .filter(|(n, _)| !record.fragments.contains_key(*n))
        .filter_map(|(n, files)| {
            let why = catalog.get(n)?.detect.suggest.clone()?;
            Some((
                n.clone(),
                Suggested {
                    files: files.clone(),
                    why,
                },
            ))
        })
        .collect();
    for (n, files) in &detection.side_only {
        if record.fragments.contains_key(n) || removed.contains_key(n) {
            continue;
        }
        suggested.entry(n.clone()).or_insert_with(|| Suggested {
            files: files.clone(),
            why: "seen only in test, example or benchmark folders, which are not the project's own build".into(),
        });
    }
    let groups = summary::group_changes(existing.as_ref(), &new, &written.changes);
    Ok(InitSummary {
        project: project.root.display().to_string(),
        dry_run: opts.dry_run,
        notes,
        detected: record
            .fragments
            .iter()
            .filter(|(_, f)| f.why == Why::Detected)
            .map(|(n, f)| (n.clone(), f.files.clone()))
            .collect(),
        removed,
        suggested,
        fixtures: detection.fixtures,
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
        risky_hosts,
        cautions,
        parent: None,
        agent: agent.map(|a| AgentSummary {
            name: a.name,
            api: a.endpoint.name.clone(),
            hosts: a.endpoint.hosts.clone(),
            chosen_by: a.endpoint.chosen_by.clone(),
            login: a.login,
        }),
        justfile_name: project.justfile_name(),
        no_agent: record.no_agent,
        groups,
    })
}

/// The allowed hosts that serve anyone's content, each with the fragments whose entries
/// allow it (or the user's own entry).
fn risky_hosts(s: &Settings, catalog: &Catalog) -> Vec<RiskyHost> {
    let record = s.record.clone().unwrap_or_default();
    let key = List::AllowedDomains.key();
    let mut out: Vec<RiskyHost> = Vec::new();
    for host in s.strings(List::AllowedDomains) {
        let Some(what) = crate::policy::lint::hosts::risky_what(host) else {
            continue;
        };
        let mut from: Vec<String> = record
            .fragments
            .iter()
            .filter(|(_, f)| f.entries.get(key).is_some_and(|e| e.contains(host)))
            .map(|(n, f)| match f.files.first() {
                Some(file) if matches!(f.why, Why::Project | Why::Config) => file.clone(),
                _ => n.clone(),
            })
            .collect();
        let why = from
            .iter()
            .filter_map(|n| catalog.get(n))
            .flat_map(|f| &f.hosts)
            .find(|h| h.host.eq_ignore_ascii_case(host))
            .and_then(|h| h.risk.clone());
        if from.is_empty() || record.yours.get(key).is_some_and(|y| y.contains(host)) {
            from.push("your entry".into());
        }
        out.push(RiskyHost {
            host: host.to_string(),
            what: what.to_string(),
            from,
            why,
        });
    }
    out
}

/// The human summary, for stderr.
pub fn render_summary(s: &InitSummary, settings_name: &str, justfile_name: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}\n",
        paint(HEADING, format!("srt-gen init: {}", s.project))
    ));
    for n in &s.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    if s.detected.is_empty() && s.removed.is_empty() && s.suggested.is_empty() {
        out.push_str("  no ecosystem detected (only the base policy applies)\n");
    }
    let width = s
        .detected
        .keys()
        .chain(s.suggested.keys())
        .map(String::len)
        .max()
        .unwrap_or(0);
    for (name, files) in &s.detected {
        out.push_str(&format!("  found {name:<width$}  {}\n", shorten(files)));
    }
    for (name, files) in &s.removed {
        out.push_str(&format!(
            "  {name}: detected ({}), removed; `srt-gen add {name}` brings it back\n",
            shorten(files)
        ));
    }
    for (name, sug) in &s.suggested {
        out.push_str(&format!(
            "  seen  {name:<width$}  {}: not applied, {}; `srt-gen add {name}` allows it\n",
            shorten(&sug.files),
            sug.why
        ));
    }
    if !s.fixtures.is_empty() {
        out.push_str(&format!(
            "  left out test fixtures and samples: {}\n",
            shorten(&s.fixtures)
        ));
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
                crate::files::shown(&src.origin),
                hosts.join(", ")
            ));
        }
        if !src.replaces.is_empty() {
            let r: Vec<&str> = src.replaces.iter().map(String::as_str).collect();
            let t: Vec<&str> = src.tools.iter().map(String::as_str).collect();
            out.push_str(&format!(
                "  left out {} for {}: {} replaces them\n",
                r.join(", "),
                t.join(", "),
                crate::files::shown(&src.origin)
            ));
        }
    }
    for src in &s.left_out {
        let hosts: Vec<&str> = src.hosts.iter().map(String::as_str).collect();
        out.push_str(&format!(
            "  not taken (--no-project-hosts): {} from {}\n",
            hosts.join(", "),
            crate::files::shown(&src.origin)
        ));
    }
    let always: Vec<&str> = s
        .fragments
        .iter()
        .filter(|(_, w)| matches!(w, Why::Base | Why::Added))
        .map(|(n, _)| n.as_str())
        .collect();
    out.push_str(&format!("  also  {}\n", always.join(", ")));
    if s.no_agent {
        out.push_str("  no agent (--no-agent, remembered): no agent hosts and no recipes; `srt-gen init --agent NAME` brings them back\n");
    }
    for d in &s.dropped {
        out.push_str(&format!("  dropped {d} (no longer detected)\n"));
    }
    if let Some(a) = &s.agent {
        let whence = if a.chosen_by.is_empty() {
            "the default".to_string()
        } else {
            format!("chosen by the environment: {}", a.chosen_by.join(", "))
        };
        out.push_str(&format!(
            "  agent {}: {} at {} ({whence}){}\n",
            a.name,
            a.api,
            a.hosts.join(", "),
            if a.login {
                "; a subscription login, its token host allowed too"
            } else {
                ""
            }
        ));
    }
    out.push_str(&summary::render_groups(&s.groups));
    out.push_str(&summary::render_totals(&s.counts));
    for r in &s.risky_hosts {
        out.push_str(&format!(
            "  open host: {} (allowed by {}): {}{}\n",
            r.host,
            r.from.join(", "),
            r.what,
            r.why
                .as_ref()
                .map(|w| format!("; it is here because {w}"))
                .unwrap_or_default()
        ));
    }
    let describe = |o: FileOutcome| o.describe(s.dry_run);
    out.push_str(&format!(
        "  {settings_name}: {}\n",
        describe(s.written.settings)
    ));
    if let (Some(o), Some(name)) = (s.written.justfile, justfile_name) {
        let recipes: Vec<String> = s.written.recipes.iter().map(|r| format!("`{r}`")).collect();
        let what = match recipes.len() {
            _ if s.no_agent => " (no recipes: --no-agent)".to_string(),
            0 => " (no recipe of srt-gen's: yours have those names)".to_string(),
            1 => format!(" (recipe {})", recipes[0]),
            _ => format!(" (recipes {})", ui::and_list(&recipes)),
        };
        out.push_str(&format!("  {name}: {}{what}\n", describe(o)));
    }
    if let Some(p) = &s.parent {
        out.push_str(&format!(
            "  {}/{settings_name}: {} (records subproject `{}`)\n",
            p.project,
            describe(p.settings),
            p.subproject
        ));
        if p.settings == FileOutcome::Updated {
            out.push_str(&output::render_changes(&p.changes));
        }
    }
    for c in &s.cautions {
        out.push_str(&format!("  caution: {c}\n"));
    }
    for w in &s.written.warnings {
        out.push_str(&format!("  {} {w}\n", ui::style::warning_label()));
    }
    out.push_str(&summary::next(&next_step(s, justfile_name.is_some())));
    out
}

/// The command to run after `init`.
fn next_step(s: &InitSummary, justfile: bool) -> String {
    let unchanged = s.written.settings == FileOutcome::Unchanged
        && s.written
            .justfile
            .is_none_or(|j| j == FileOutcome::Unchanged);
    if s.dry_run && !unchanged {
        return "run it again without --dry-run to write the files".into();
    }
    let agent = justfile && s.written.recipes.iter().any(|r| r == "ai-auto");
    if agent {
        "`srt-gen run -- COMMAND` runs a command in the sandbox; `just ai-auto \"PROMPT\"` the agent".into()
    } else {
        "`srt-gen run -- COMMAND` runs a command in the sandbox; `srt-gen run -p \"PROMPT\"` the agent".into()
    }
}

/// The files that showed an ecosystem: the first few, or with `-v` all of them. File
/// names came from the repository: each is shown escaped (a name can hold a newline or an
/// escape sequence that would forge or hide a line of this summary).
fn shorten(files: &[String]) -> String {
    const MAX: usize = 4;
    let all = ui::verbosity() >= ui::Verbosity::Verbose;
    let shown: Vec<String> = files
        .iter()
        .take(if all { usize::MAX } else { MAX })
        .map(|f| crate::files::shown(f).into_owned())
        .collect();
    if files.len() <= MAX || all {
        shown.join(", ")
    } else {
        format!("{}, and {} more", shown.join(", "), files.len() - MAX)
    }
}
