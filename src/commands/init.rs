//! `srt-gen init`: detect the project's ecosystems, merge their fragments with what the
//! settings file already holds, write `.srt.json` and the recipes, and say what was done.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{print_contents, print_json};
use crate::catalog::Catalog;
use crate::detect::project::{Project, SETTINGS_FILE};
use crate::env::Env;
use crate::error::Error;
use crate::output::{self, FileOutcome, JustfileMode, WriteOptions, Written};
use crate::policy::plan::{plan, PlanOptions, Planned};
use crate::policy::settings::Why;

#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Project folders, relative to where srt-gen started (none: that folder).
    pub paths: Vec<PathBuf>,
    pub json: bool,
    pub dry_run: bool,
    pub justfile: bool,
    /// What to detect and compose.
    pub plan: PlanOptions,
}

/// `srt-gen init`: each project folder on its own; with more than one, a failure is
/// reported and the others go on.
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
    let mut json_out = Vec::new();
    for path in &paths {
        match init(path, env, opts) {
            Ok(summary) => {
                if opts.dry_run && !json {
                    print_contents(&summary.written.contents);
                }
                if json {
                    json_out.push(serde_json::to_value(&summary).expect("summary serializes"));
                } else {
                    let jf = opts.justfile.then_some(summary.justfile_name.as_str());
                    eprint!("{}", render_summary(&summary, SETTINGS_FILE, jf));
                }
            }
            Err(e) if many => {
                eprintln!("srt-gen init: {}: error: {e}", path.display());
                failed += 1;
                last_code = e.exit_code();
            }
            Err(e) => return Err(e),
        }
    }
    if json {
        let v = if many {
            serde_json::Value::Array(json_out)
        } else {
            json_out.pop().unwrap_or_default()
        };
        print_json(&v);
    }
    if failed > 0 {
        eprintln!("srt-gen init: {failed} of {} projects failed", paths.len());
        return Ok(last_code.max(1));
    }
    Ok(0)
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
    let mut cautions: Vec<String> = record
        .fragments
        .keys()
        .filter_map(|n| {
            catalog
                .get(n)
                .and_then(|f| f.warning.as_ref().map(|w| format!("{n}: {w}")))
        })
        .collect();
    // Hosts that serve anyone's content, with why the ecosystem needs one.
    for n in record.fragments.keys() {
        for h in catalog.get(n).into_iter().flat_map(|f| &f.hosts) {
            if let Some(why) = &h.risk {
                cautions.push(format!(
                    "{n}: {} serves anyone's content; it is here because {why}",
                    h.host
                ));
            }
        }
    }
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
