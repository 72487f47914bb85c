//! `srt-gen claude-settings`: the project's `.srt.json` policy written as the `sandbox` block
//! of Claude Code's `.claude/settings.json`.

use std::path::Path;

use super::no_settings;
use crate::env::Env;
use crate::error::Error;
use crate::output::claude_settings::{write, Outcome, BLOCK_KEY};
use crate::policy::settings::Settings;

#[derive(Debug, Clone)]
pub struct ClaudeSettingsOptions {
    pub dry_run: bool,
}

/// `srt-gen claude-settings`: the `.srt.json` is searched upwards from `base`, as `add`
/// does, and `.claude/settings.json` is written beside it.
pub fn execute(base: &Path, env: &Env, opts: &ClaudeSettingsOptions) -> Result<u8, Error> {
    let ClaudeSettingsOptions { dry_run } = *opts;
    let project = super::locate_policy(base, env, "claude-settings")?;
    let settings = Settings::read(&project.settings)?.ok_or_else(|| no_settings(base))?;
    let o = write(&project, &settings, dry_run)?;
    if dry_run {
        print!("{}", o.contents);
    }
    eprint!("{}", render_outcome(&o));
    Ok(0)
}

pub fn render_outcome(o: &Outcome) -> String {
    let what = o.outcome.describe(o.dry_run);
    let mut out = format!(
        "srt-gen claude-settings: {}: {what} (`{BLOCK_KEY}` block, enabled)\n",
        o.file.display()
    );
    for w in &o.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    out
}
