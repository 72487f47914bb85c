//! Output, the fourth stage: the files srt-gen writes from a policy. `.srt.json` and the
//! justfile's recipes are rewritten one way (here): compose, render the recipes, check every
//! target, then write; `init`, `add` and `remove` all end here. Claude Code's settings and the
//! CI workflow have their own modules; every write goes through [`crate::files`].

pub mod ci;
pub mod claude_settings;
pub mod justfile;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::{Catalog, List};
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::policy::settings::Settings;

/// How to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub justfile: JustfileMode,
}

/// Whether the recipes block is written into the justfile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JustfileMode {
    /// `init`, and `add` when it ran `init` first.
    Always,
    /// Only where srt-gen wrote a block before (`add`, `remove`): a user who chose
    /// `--no-justfile` or deleted the block does not get it back.
    IfBlockPresent,
    #[default]
    Never,
}

/// What a write changed, per list.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ListChange {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

/// The outcome for one file.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FileOutcome {
    Created,
    Updated,
    Unchanged,
}

impl FileOutcome {
    /// What writing `new` does to a file that holds `old` (`None`: there is no file).
    pub fn of(old: Option<&[u8]>, new: &[u8]) -> FileOutcome {
        match old {
            None => FileOutcome::Created,
            Some(old) if old == new => FileOutcome::Unchanged,
            Some(_) => FileOutcome::Updated,
        }
    }

    /// The word reports use; with `dry_run` nothing was written, so it says what would be.
    pub fn describe(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (FileOutcome::Created, false) => "created",
            (FileOutcome::Created, true) => "would be created",
            (FileOutcome::Updated, false) => "updated",
            (FileOutcome::Updated, true) => "would be updated",
            (FileOutcome::Unchanged, _) => "unchanged",
        }
    }
}

/// One file a write touched (with --dry-run: would touch), before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContents {
    pub path: PathBuf,
    /// `None`: the file did not exist.
    pub old: Option<Vec<u8>>,
    pub new: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub settings: FileOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justfile: Option<FileOutcome>,
    /// The recipes srt-gen's block in the justfile holds (a recipe of the user's with the
    /// same name is left alone and not listed); empty when no justfile is written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipes: Vec<String>,
    pub changes: BTreeMap<String, ListChange>,
    /// The files as they were and as they are (with --dry-run: would be), for `--dry-run`.
    #[serde(skip)]
    pub contents: Vec<FileContents>,
    pub warnings: Vec<String>,
}

/// Writes the settings and the recipes block. Every target is checked before either is
/// written, so a refusal leaves both files as they were. `init`, `add` and `remove` all
/// come through here, so the gate on what srt-gen generated runs once per write.
pub fn write(
    project: &Project,
    old: Option<&Settings>,
    new: &Settings,
    catalog: &Catalog,
    env: &Env,
    opts: WriteOptions,
) -> Result<Written, Error> {
    // Never write a config with an error in what srt-gen generated (see `gate_generated`);
    // first, so that it decides even a dry run.
    let ctx = crate::policy::lint::LintContext::for_project(env, project);
    let gate_warnings = crate::policy::lint::gate_generated(new, &ctx)?;
    crate::files::check_writable(&project.settings)?;
    let settings_bytes = new.to_bytes();
    let mut warnings = Vec::new();
    let mut recipes = Vec::new();

    let justfile = if let Some(existing) = read_justfile(project, opts.justfile)? {
        let existing = existing
            .map(|b| {
                String::from_utf8(b).map_err(|_| {
                    Error::Usage(format!(
                        "{} is not UTF-8 text; srt-gen leaves it alone",
                        project.justfile.display()
                    ))
                })
            })
            .transpose()?;
        let user = existing
            .as_deref()
            .map(crate::output::justfile::user_recipes)
            .unwrap_or_default();
        let skipped: Vec<&str> = crate::output::justfile::RECIPES
            .into_iter()
            .filter(|r| user.iter().any(|u| u == r))
            .collect();
        for s in &skipped {
            warnings.push(format!(
                "{} already has a recipe `{s}`; srt-gen did not add its own",
                project.justfile_name()
            ));
        }
        let agent = crate::catalog::agent::chosen(catalog, new.agent_name())?;
        let cmds = crate::catalog::agent::commands(agent, new.fragment_names(), catalog, None);
        // Every recipe starts the agent: with `--no-agent` (remembered) the block has none.
        let no_agent = new.record.as_ref().is_some_and(|r| r.no_agent);
        let block = crate::output::justfile::justfile_block(
            &crate::output::justfile::AgentCommands {
                name: &cmds.name,
                interactive: cmds.interactive.clone(),
                autonomous: cmds.prompt_last.then(|| cmds.autonomous.clone()),
            },
            &skipped,
            no_agent,
        )?;
        let text = crate::output::justfile::splice(existing.as_deref(), &block)
            .map_err(|why| Error::Usage(format!("{}: {why}", project.justfile.display())))?;
        recipes = crate::output::justfile::RECIPES
            .into_iter()
            .filter(|r| !skipped.contains(r))
            .map(str::to_string)
            .collect();
        Some((existing, text.into_bytes()))
    } else {
        None
    };
    warnings.extend(gate_warnings);

    let old_bytes = crate::files::read_regular(&project.settings)?;
    let mut contents = vec![FileContents {
        path: project.settings.clone(),
        old: old_bytes.clone(),
        new: settings_bytes.clone(),
    }];
    if let Some((existing, bytes)) = &justfile {
        contents.push(FileContents {
            path: project.justfile.clone(),
            old: existing.as_ref().map(|t| t.as_bytes().to_vec()),
            new: bytes.clone(),
        });
    }

    let settings_outcome = FileOutcome::of(old_bytes.as_deref(), &settings_bytes);
    // The justfile was read above; its outcome follows from that text.
    let justfile_outcome = justfile
        .as_ref()
        .map(|(existing, bytes)| FileOutcome::of(existing.as_deref().map(str::as_bytes), bytes));

    if !opts.dry_run {
        if let Some(dir) = project.settings.parent() {
            ensure_tmp_ignored(dir)?;
        }
        crate::files::write_atomic(&project.settings, &settings_bytes)?;
        // An unchanged justfile needs no write: `write_atomic` would read it again only to
        // find that out.
        if let (Some((_, bytes)), Some(FileOutcome::Created | FileOutcome::Updated)) =
            (&justfile, justfile_outcome)
        {
            crate::files::write_atomic(&project.justfile, bytes)?;
        }
    }

    Ok(Written {
        settings: settings_outcome,
        justfile: justfile_outcome,
        recipes,
        changes: changes(old, new),
        contents,
        warnings,
    })
}

/// The justfile's bytes when the recipes block is to be written (inner `None`: no
/// justfile yet), read once; `None` when it is not to be written.
fn read_justfile(project: &Project, mode: JustfileMode) -> Result<Option<Option<Vec<u8>>>, Error> {
    match mode {
        JustfileMode::Never => Ok(None),
        JustfileMode::Always => crate::files::read_regular(&project.justfile).map(Some),
        // Only deciding here: a justfile srt-gen may not write (a link, a folder) is left
        // alone, as a missing one is, instead of failing the change. The block is found by
        // `justfile::splice`'s rule, so a marker quoted in a recipe does not count.
        JustfileMode::IfBlockPresent => Ok(crate::files::read_regular(&project.justfile)
            .ok()
            .flatten()
            .filter(|b| crate::output::justfile::has_block(&String::from_utf8_lossy(b)))
            .map(Some)),
    }
}

/// `.srt-gen/.gitignore` keeps the per-project temp folder out of git.
fn ensure_tmp_ignored(root: &Path) -> Result<(), Error> {
    let dir = root.join(".srt-gen");
    let ignore = dir.join(".gitignore");
    if ignore.symlink_metadata().is_ok() {
        return Ok(());
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    crate::files::write_atomic(
        &ignore,
        b"# srt-gen: the sandbox's per-project temp folder\n/tmp/\n",
    )?;
    Ok(())
}

fn changes(old: Option<&Settings>, new: &Settings) -> BTreeMap<String, ListChange> {
    let mut out = BTreeMap::new();
    for list in List::ALL {
        let before: BTreeSet<&str> = old
            .map(|o| o.strings(list).into_iter().collect())
            .unwrap_or_default();
        let after: BTreeSet<&str> = new.strings(list).into_iter().collect();
        let change = ListChange {
            added: after.difference(&before).map(|s| s.to_string()).collect(),
            removed: before.difference(&after).map(|s| s.to_string()).collect(),
        };
        if change != ListChange::default() {
            out.insert(list.key().to_string(), change);
        }
    }
    out
}

/// Counts of entries per list, for summaries.
pub fn counts(s: &Settings) -> BTreeMap<String, usize> {
    List::ALL
        .into_iter()
        .map(|l| (l.key().to_string(), s.list(l).len()))
        .collect()
}

/// The `+`/`-` lines of a change, for summaries.
pub fn render_changes(changes: &BTreeMap<String, ListChange>) -> String {
    let mut out = String::new();
    for (list, ch) in changes {
        for (sign, items) in [("+", &ch.added), ("-", &ch.removed)] {
            out.push_str(&change_lines(sign, list, items));
        }
    }
    out
}

/// One line per changed entry; long path lists are cut (hosts are always listed in full,
/// since they are what a reviewer checks first).
fn change_lines(sign: &str, list: &str, items: &[String]) -> String {
    const MAX_PATHS: usize = 5;
    let cut = if list.starts_with("network.") || items.len() <= MAX_PATHS + 1 {
        items.len()
    } else {
        MAX_PATHS
    };
    let mut out = String::new();
    for item in &items[..cut] {
        out.push_str(&format!("    {sign} {list} {item}\n"));
    }
    if cut < items.len() {
        out.push_str(&format!(
            "    {sign} {list}: {} more (`srt-gen explain` lists every entry)\n",
            items.len() - cut
        ));
    }
    out
}
