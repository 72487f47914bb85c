//! `srt-gen init`: detect the project's ecosystems, merge their fragments with what the
//! settings file already holds, write `.srt.json` and the recipes, and say what was done.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::summary;
use crate::catalog::Catalog;
use crate::detect::project::{Project, SETTINGS_FILE};
use crate::env::Env;
use crate::error::Error;
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::policy::plan::{plan, PlanOptions, Planned};
use crate::policy::settings::Why;
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
    /// What was added and removed, grouped by origin, for the human summary.
    #[serde(skip)]
    pub groups: Vec<summary::Grouped>,
}

pub fn init(root: &Path, env: &Env, opts: &InitOptions) -> Result<InitSummary, Error> {
    if !root.is_dir() {
        let what = if root.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(Error::Usage(crate::error::with_tip(
            format!("{} {what}", root.display()),
            "name the project's folder (`srt-gen init` alone takes the current one)",
        )));
    }
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
    } = plan(project, catalog, env, &opts.plan)?;
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
    let groups = summary::group_changes(existing.as_ref(), &new, &written.changes);
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
        groups,
    })
}

/// The human summary, for stderr.
pub fn render_summary(s: &InitSummary, settings_name: &str, justfile_name: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}\n",
        paint(HEADING, format!("srt-gen init: {}", s.project))
    ));
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
    out.push_str(&summary::render_groups(&s.groups));
    out.push_str(&summary::render_totals(&s.counts));
    let describe = |o: FileOutcome| o.describe(s.dry_run);
    out.push_str(&format!(
        "  {settings_name}: {}\n",
        describe(s.written.settings)
    ));
    if let (Some(o), Some(name)) = (s.written.justfile, justfile_name) {
        let recipes: Vec<String> = s.written.recipes.iter().map(|r| format!("`{r}`")).collect();
        let what = match recipes.len() {
            0 => " (no recipe of srt-gen's: yours have those names)".to_string(),
            1 => format!(" (recipe {})", recipes[0]),
            _ => format!(" (recipes {})", ui::and_list(&recipes)),
        };
        out.push_str(&format!("  {name}: {}{what}\n", describe(o)));
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

/// The files that showed an ecosystem: the first few, or with `-v` all of them.
fn shorten(files: &[String]) -> String {
    const MAX: usize = 4;
    if files.len() <= MAX || ui::verbosity() >= ui::Verbosity::Verbose {
        files.join(", ")
    } else {
        format!(
            "{}, and {} more",
            files[..MAX].join(", "),
            files.len() - MAX
        )
    }
}
