//! `srt-gen claude-settings`: the project's `.srt.json` policy written as the `sandbox` block
//! of Claude Code's `.claude/settings.json`.

use std::path::Path;

use super::no_settings;
use crate::env::Env;
use crate::error::Error;
use crate::output::claude_settings::{write, Outcome, BLOCK_KEY};
use crate::output::FileOutcome;
use crate::policy::settings::Settings;
use crate::ui;

#[derive(Debug, Clone)]
pub struct ClaudeSettingsOptions {
    pub dry_run: bool,
    /// With `dry_run`: the whole file instead of its diff.
    pub full: bool,
    pub json: bool,
}

/// `srt-gen claude-settings`: the `.srt.json` is searched upwards from `base`, as `add`
/// does, and `.claude/settings.json` is written beside it.
pub fn execute(base: &Path, env: &Env, opts: &ClaudeSettingsOptions) -> Result<u8, Error> {
    let ClaudeSettingsOptions {
        dry_run,
        full,
        json,
    } = *opts;
    let project = super::locate_policy(base, env, "claude-settings")?;
    let settings = Settings::read(&project.settings)?.ok_or_else(|| no_settings(base))?;
    let o = write(&project, &settings, dry_run)?;
    if json {
        ui::json::print("claude-settings", &o);
        return Ok(0);
    }
    if dry_run {
        if full {
            ui::out(&o.contents);
        } else {
            let name = o.file.display().to_string();
            ui::out(&ui::diff::unified(
                &name,
                o.previous.as_deref(),
                &o.contents,
            ));
        }
    }
    ui::status(&render_outcome(&o));
    Ok(0)
}

pub fn render_outcome(o: &Outcome) -> String {
    let what = o.outcome.describe(o.dry_run);
    let mut out = format!(
        "srt-gen claude-settings: {}: {what} (`{BLOCK_KEY}` block, enabled)\n",
        o.file.display()
    );
    for w in &o.warnings {
        out.push_str(&format!("  {} {w}\n", ui::style::warning_label()));
    }
    if !o.dry_run && o.outcome != FileOutcome::Unchanged {
        out.push_str(&super::summary::next(
            "commit .claude/settings.json; Claude Code's own sandbox uses it from its next start",
        ));
    }
    out
}
