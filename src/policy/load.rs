//! The policy as `run` takes it (and `doctor` judges it): the project's settings file, read
//! once, checked as srt will check it (file and line for what srt would refuse), and
//! linted; an error from the linter stops the run unless it is forced.

use std::path::Path;

use serde_json::Value;

use crate::catalog::List;
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::policy::lint::{self, Severity};
use crate::policy::settings::{entry_text, key_position, Settings};

/// The project's policy as `run` takes it (and `doctor` judges it): valid for srt, and,
/// unless `force` (`run --allow-errors`), with no error from `srt-gen check`. The file is read once.
pub fn load_policy(project: &Project, env: &Env, force: bool) -> Result<Settings, Error> {
    let text = read_config(&project.settings)?;
    let settings = check_config(&text, &project.settings)?;
    let ctx = lint::LintContext::for_project(env, project);
    let findings = lint::check_text(&text, &project.settings, &ctx)?;
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() && !force {
        let mut msg = format!(
            "{} has {} problem{} that make the sandbox weaker than it looks:",
            project.settings.display(),
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        for f in &errors {
            msg.push_str(&format!("\n  {}: {} (fix: {})", f.key, f.message, f.fix));
        }
        return Err(Error::Findings(crate::error::with_tip(
            msg,
            "fix them (`srt-gen check` shows every finding), or pass --allow-errors to run anyway",
        )));
    }
    Ok(settings)
}

/// The settings file's text (read once per command, for [`check_config`] and the linter).
fn read_config(path: &Path) -> Result<String, Error> {
    crate::files::read_text(path)?.ok_or_else(|| {
        Error::Usage(format!(
            "{} is gone; run `srt-gen init` to write it again",
            path.display()
        ))
    })
}

/// Checks the settings file's text as srt will: parse, the five required lists, and
/// every host entry. srt would refuse a bad file too, but only after half a second and
/// with a message that does not say where; this says file and line.
fn check_config(text: &str, path: &Path) -> Result<Settings, Error> {
    let settings = Settings::parse(text, path)?;
    // Settings fills absent lists with []; srt requires them to be written out.
    let raw: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    for list in List::ALL {
        let (section, key) = list.key().split_once('.').unwrap_or(("", list.key()));
        if raw.get(section).and_then(|s| s.get(key)).is_none() {
            let (line, column) = key_position(text, section);
            return Err(Error::Parse {
                file: path.display().to_string(),
                line,
                column,
                message: crate::error::with_tip(
                    format!("{section}.{key} is missing, and srt requires it"),
                    format!("add \"{key}\": [] to {section} (an empty list will do)"),
                ),
            });
        }
    }
    for list in [List::AllowedDomains, List::DeniedDomains] {
        for v in settings.list(list) {
            let problem = match v.as_str() {
                Some(host) => crate::hosts::validate(host).err().map(|why| (host, why)),
                None => Some(("", "entries must be strings".to_string())),
            };
            if let Some((host, why)) = problem {
                let (line, column) = key_position(text, host);
                return Err(Error::Parse {
                    file: path.display().to_string(),
                    line,
                    column,
                    message: crate::error::with_tip(
                        format!("{}: `{host}`: {why}", list.key()),
                        "srt refuses the whole file for this entry, so no flag of srt-gen's can \
                         run it: correct the entry or delete it (`srt-gen check` lists every problem)",
                    ),
                });
            }
        }
    }
    for list in [List::DenyRead, List::AllowWrite, List::DenyWrite] {
        if let Some(bad) = settings.list(list).iter().find(|v| entry_text(v).is_none()) {
            let (line, column) = key_position(text, list.key().split_once('.').map_or("", |x| x.1));
            return Err(Error::Parse {
                file: path.display().to_string(),
                line,
                column,
                message: format!(
                    "{}: `{bad}` is neither a path nor a {{\"path\": ...}} object",
                    list.key()
                ),
            });
        }
    }
    Ok(settings)
}
