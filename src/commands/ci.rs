//! `srt-gen ci`: write a CI workflow that runs the agent inside the sandbox, and say what
//! was written and what to do next.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::output::ci::{write_github, CiOutcome, GithubOptions};
use crate::output::FileOutcome;
use crate::ui;

/// `ci` as the command line gave it (GitHub Actions is the one CI system so far).
#[derive(Debug, Clone)]
pub struct CiOptions {
    /// With `--dry-run`: the whole workflow instead of its diff.
    pub full: bool,
    pub json: bool,
    pub github: GithubOptions,
}

/// `ci --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiReport<'a> {
    /// `github`.
    pub provider: &'static str,
    #[serde(flatten)]
    pub outcome: &'a CiOutcome,
    /// How the workflow installs srt-gen.
    pub install: Install,
}

/// How the workflow installs srt-gen: a release's binary, or the user's command.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    /// The release version (absent with `--install`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    /// The repository whose GitHub releases have it (absent with `--install`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub releases: Option<&'static str>,
    /// The user's command (`--install`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// `srt-gen ci github`.
pub fn execute(base: &Path, opts: &CiOptions) -> Result<u8, Error> {
    let CiOptions { full, json, github } = opts;
    let o = write_github(base, github)?;
    if *json {
        let install = match &github.install {
            Some(cmd) => Install {
                version: None,
                releases: None,
                command: Some(cmd.clone()),
            },
            None => Install {
                version: Some(crate::output::ci::SRT_GEN_VERSION),
                releases: Some(crate::output::ci::RELEASES_REPOSITORY),
                command: None,
            },
        };
        ui::json::print(
            "ci",
            &CiReport {
                provider: "github",
                outcome: &o,
                install,
            },
        );
        return Ok(0);
    }
    if github.dry_run {
        if *full {
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

/// The report for stderr.
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
        out.push_str(&crate::commands::summary::next(
            "add the secret ANTHROPIC_API_KEY to the repository, commit the file, \
             and start it from the Actions tab (workflow \"srt-gen agent\")",
        ));
    }
    out
}
