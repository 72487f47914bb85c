//! `srt-gen ci`: write a CI workflow that runs the agent inside the sandbox, and say what
//! was written and what to do next.

use std::path::Path;

use crate::error::Error;
use crate::output::ci::{write_github, CiOutcome, GithubOptions};
use crate::output::FileOutcome;

/// The CI system, with its options.
#[derive(Debug, Clone)]
pub enum CiOptions {
    Github(GithubOptions),
}

/// `srt-gen ci github`.
pub fn execute(base: &Path, opts: &CiOptions) -> Result<u8, Error> {
    let CiOptions::Github(github) = opts;
    let o = write_github(base, github)?;
    if github.dry_run {
        print!("{}", crate::files::shown_text(&o.contents));
    }
    eprint!("{}", crate::files::shown_text(&render_outcome(&o)));
    Ok(0)
}

/// The one-line report for stderr.
pub fn render_outcome(o: &CiOutcome) -> String {
    // The workflow is written whole, never merged, so an update is worded as a replacement.
    let what = match (o.outcome, o.dry_run) {
        (FileOutcome::Updated, false) => "replaced",
        (FileOutcome::Updated, true) if o.needs_force => {
            "exists with other content; writing it needs --force"
        }
        (FileOutcome::Updated, true) => "would be replaced",
        (outcome, dry_run) => outcome.describe(dry_run),
    };
    let mut out = format!("srt-gen ci github: {}: {what}\n", o.file.display());
    if !o.dry_run && o.outcome != FileOutcome::Unchanged {
        out.push_str(
            "  next: add the secret ANTHROPIC_API_KEY to the repository, commit the file, \
             and start it from the Actions tab (workflow \"srt-gen agent\")\n",
        );
    }
    out
}
