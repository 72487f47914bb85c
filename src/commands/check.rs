//! `srt-gen check`: lint a settings file (the project's `.srt.json` unless one is named) and
//! print the findings; exit 1 on errors, 0 on warnings alone.

use std::path::{Path, PathBuf};

use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::policy::lint;
use crate::ui;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The settings file, relative to where srt-gen started; none: the project's.
    pub file: Option<PathBuf>,
    pub json: bool,
}

/// `check --json`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// The file as it was named (relative to where srt-gen started).
    pub file: String,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<lint::Finding>,
}

/// `srt-gen check`.
pub fn execute(base: &Path, env: &Env, opts: &CheckOptions) -> Result<u8, Error> {
    let CheckOptions { file, json } = opts;
    let project = match &file {
        None => {
            let found = super::locate(base, env, "check")?;
            if found.has_policy {
                found.project
            } else {
                Project::at(base)?
            }
        }
        Some(_) => Project::at(base)?,
    };
    let path = file
        .as_ref()
        .map_or_else(|| project.settings.clone(), |f| base.join(f));
    // A folder named on the command line is a usage error; a `.srt.json` that is a folder
    // is refused when it is read, as every command refuses it.
    if file.is_some() && path.is_dir() {
        return Err(Error::Usage(crate::error::with_tip(
            format!("{} is a folder, not a settings file", path.display()),
            "name the file (`srt-gen check path/to/.srt.json`), or run `srt-gen check` in the project",
        )));
    }
    let mut ctx = lint::LintContext::for_project(env, &project);
    ctx.protected.push(path.clone());
    let findings = lint::check_file(&path, &ctx)?;
    let shown = file_label(base, &path);
    if *json {
        let (errors, warnings) = lint::counts(&findings);
        ui::json::print(
            "check",
            &CheckReport {
                file: shown,
                errors,
                warnings,
                findings,
            },
        );
        return Ok(u8::from(errors > 0));
    } else {
        ui::out(&lint::render_human(&shown, &findings));
    }
    Ok(u8::from(lint::counts(&findings).0 > 0))
}

/// A path as the user typed it relative to where they are, for messages.
fn file_label(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}
