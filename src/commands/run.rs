//! `srt-gen run`: prepare the sandbox, apply the preflight, start the command inside srt,
//! and pass its exit status on.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::env::Env;
use crate::error::Error;
use crate::output::justfile::shell_quote;
use crate::sandbox::launch::Outcome;
use crate::sandbox::plan::{Inside, RunPolicy};
use crate::sandbox::{plan_run, prepare, review, Prepared, RunOptions};
use crate::ui;

/// `run` as the command line gave it.
#[derive(Debug, Clone, Default)]
pub struct RunCommand {
    /// Print the outcome, with the end-of-run review (or, with `--dry-run`, the plan), as
    /// JSON; the command's stdout then goes to stderr.
    pub json: bool,
    /// Exit 1 when the end-of-run review names a change (a command that exited 0 only).
    pub strict: bool,
    pub run: RunOptions,
}

/// `srt-gen run`.
pub fn run(cwd: &Path, env: &Env, cmd: &RunCommand) -> Result<u8, Error> {
    let RunCommand {
        json,
        strict,
        run: opts,
    } = cmd;
    if opts.print_policy {
        let planned = plan_run(cwd, env, opts)?;
        std::io::stdout()
            .write_all(&planned.policy.to_bytes())
            .map_err(|e| Error::io("cannot write to stdout", e))?;
        return Ok(0);
    }
    let mut prepared = prepare(cwd, env, opts)?;
    for note in &prepared.notes {
        ui::status(&format!("srt-gen run: note: {note}\n"));
    }
    let mut report = RunReport::new(&prepared, env, opts.dry_run);
    if opts.dry_run {
        if *json {
            ui::json::print("run", &report);
        } else {
            ui::out(&dry_run_text(&report, env));
        }
        return Ok(0);
    }
    for line in crate::sandbox::toolchains::apply(&prepared.toolchains, opts.toolchains, "run") {
        ui::status(&format!("srt-gen run: toolchain: {line}\n"));
    }
    crate::sandbox::plan::apply(&prepared.policy)?;
    for line in prepared.pre.apply()? {
        ui::status(&format!("srt-gen run: {line}\n"));
    }
    for line in prepared.policy.describe() {
        ui::status(&format!("srt-gen run: {line}\n"));
    }
    // Expected skips (an absent file such as ~/.claude.json, another platform's paths)
    // are listed by --dry-run, --debug and -v, not on every run; real problems always are.
    let show_skipped = opts.debug || ui::verbosity() >= ui::Verbosity::Verbose;
    let skipped = prepared.pre.skipped.iter().filter(|_| show_skipped);
    for note in skipped.chain(&prepared.pre.warnings) {
        ui::status(&format!("srt-gen run: note: {note}\n"));
    }
    prepared.launch.stdout_to_stderr = *json;
    let start = review::Start::now(
        &crate::sandbox::state::StateDirs::for_env(env).runs,
        &prepared.project.root,
    )
    .map_err(|e| Error::io("cannot stamp the start of the run", e))?;
    let code = match prepared.launch.spawn()? {
        Outcome::Exited(code) => {
            if let Some(hint) = failure_hint(code, opts) {
                ui::status(&hint);
            }
            report.exit = Some(code);
            code
        }
        Outcome::Signalled(sig) => {
            report.signal = Some(sig);
            let code = 128u8.saturating_add(sig as u8);
            report.exit = Some(code);
            code
        }
        Outcome::SrtFailed(code) => {
            return Err(Error::Environment(crate::error::with_tip(
                format!(
                    "srt did not start the command (srt exited {code}; its own message is above)"
                ),
                format!(
                    "`srt-gen doctor` checks this machine and {}",
                    prepared.project.settings.display()
                ),
            )))
        }
    };
    // What the command changed that runs code outside the sandbox later (issue 18.6).
    let review = review_run(&prepared, &start);
    ui::always(&review::render(&review, "run"));
    report.review_truncated = review.truncated;
    // A review cut short cannot say that nothing of the kind changed.
    let strict_why = if !review.findings.is_empty() {
        Some("for the review's findings")
    } else if review.truncated {
        Some("as the review did not look at everything")
    } else {
        None
    };
    report.review = Some(review.findings);
    if *json {
        ui::json::print("run", &report);
    }
    if let Some(why) = strict_why.filter(|_| *strict && code == 0) {
        ui::always(&format!("srt-gen run: --strict: exit 1 {why}\n"));
        return Ok(1);
    }
    Ok(code)
}

/// The end-of-run review: every path below the root changed since `start` that runs code
/// or is obeyed outside the sandbox later, srt-gen's own placeholders left out.
fn review_run(prepared: &Prepared, start: &review::Start) -> review::Review {
    let placeholders: Vec<std::path::PathBuf> = prepared
        .pre
        .placeholders
        .protected
        .iter()
        .filter(|p| crate::sandbox::placeholders::is_placeholder(p))
        .cloned()
        .collect();
    let skip: Vec<String> = crate::catalog::Catalog::builtin_ref()
        .skip_dirs()
        .into_iter()
        .map(str::to_string)
        .collect();
    review::review(&prepared.project.root, start, &skip, &placeholders)
}

/// The line after a command that failed: `learn` can name what the sandbox refused.
/// Not for "command not found" (127), "cannot execute" (126) or a signal (128+N):
/// the sandbox refuses none of those.
fn failure_hint(code: u8, opts: &RunOptions) -> Option<String> {
    let command = if opts.command.is_empty() {
        match &opts.prompt {
            Some(p) => format!("-p {}", shell_quote(p)),
            None => String::new(),
        }
    } else {
        let words: Vec<String> = opts.command.iter().map(|a| shell_quote(a)).collect();
        format!("-- {}", words.join(" "))
    };
    let learn = format!("srt-gen learn {command}");
    match code {
        0 => None,
        127 => Some(format!(
            "srt-gen run: the command was not found inside the sandbox (exit 127): {} is not on PATH there\n",
            opts.command.first().map_or("the agent", String::as_str)
        )),
        126 | 128.. => None,
        _ => Some(format!(
            "srt-gen run: the command exited {code}; if the sandbox refused a host or a write, \
             `{}` names it\n",
            learn.trim_end()
        )),
    }
}

/// `run --json`: the plan, and how the run ended (`exit` and `signal` are absent with
/// `--dry-run`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub project: String,
    pub settings: String,
    pub dry_run: bool,
    pub srt: SrtView,
    /// What srt needs that this machine lacks (a real run stops on it; a dry run lists it).
    pub missing_tools: Vec<MissingTool>,
    /// Folders the preflight creates.
    pub create: Vec<String>,
    /// Write paths left as they are, with why.
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    /// Patterns srt-gen keeps in `.git/info/exclude` (empty: its block goes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<ExcludeView>,
    /// Absent protected paths srt-gen covers with placeholders while the sandbox runs.
    pub placeholders: Vec<String>,
    /// What srt gets instead of `.srt.json` as it is, and the environment of this run.
    pub policy: RunPolicy,
    /// Files written before srt starts (sanitized copies, seeded agent settings).
    pub write: Vec<String>,
    /// Toolchains the project pins that are installed before srt starts, outside.
    pub toolchains: Vec<ToolchainView>,
    /// Pins left alone, with why (a value that fails its check, no installer).
    pub toolchain_notes: Vec<String>,
    /// srt's command line, as a shell would take it.
    pub command_line: String,
    /// The command's exit status (128+N for signal N).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<u8>,
    /// The signal that ended the run, when srt-gen was interrupted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// The end-of-run review: what the command changed that runs code, or is obeyed,
    /// outside the sandbox later (absent with `--dry-run`; empty when nothing was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<review::Finding>>,
    /// The review stopped at its limit: the rest of the project was not looked at.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub review_truncated: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SrtView {
    /// srt's executable; absent when it was not found (a dry run goes on without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// How it was found: `--srt`, `SRT_GEN_SRT`, `PATH`, `node_modules/.bin`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<&'static str>,
    /// Why it was not found, with how to install it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ui::json::ErrorInfo>,
}

/// One toolchain install: what, and the commands, as a shell would take them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolchainView {
    pub what: String,
    pub command: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingTool {
    pub tool: &'static str,
    pub package: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExcludeView {
    pub file: String,
    pub patterns: Vec<String>,
}

impl RunReport {
    fn new(p: &Prepared, env: &Env, dry_run: bool) -> RunReport {
        let srt = match &p.srt_missing {
            None => SrtView {
                path: Some(p.srt.path.display().to_string()),
                from: Some(p.srt.how),
                error: None,
            },
            Some(e) => SrtView {
                path: None,
                from: None,
                error: Some(e.into()),
            },
        };
        RunReport {
            project: p.project.root.display().to_string(),
            settings: p.project.settings.display().to_string(),
            dry_run,
            srt,
            missing_tools: p
                .missing
                .iter()
                .map(|m| MissingTool {
                    tool: m.tool,
                    package: m.package,
                })
                .collect(),
            create: p.pre.create.iter().map(|d| env.tilde(d)).collect(),
            skipped: p.pre.skipped.clone(),
            warnings: p.pre.warnings.clone(),
            exclude: p.pre.exclude.as_ref().map(|x| ExcludeView {
                file: x.file.display().to_string(),
                patterns: x.patterns.clone(),
            }),
            placeholders: p
                .pre
                .placeholders
                .paths
                .iter()
                .map(|d| env.tilde(d))
                .collect(),
            policy: p.policy.clone(),
            write: p.policy.files.iter().map(|f| env.tilde(&f.path)).collect(),
            toolchains: p
                .toolchains
                .installs
                .iter()
                .map(|i| ToolchainView {
                    what: i.what.clone(),
                    command: i.shell(),
                })
                .collect(),
            toolchain_notes: p.toolchains.notes.clone(),
            command_line: p.launch.shell_line(),
            exit: None,
            signal: None,
            review: None,
            review_truncated: false,
        }
    }
}

fn dry_run_text(r: &RunReport, env: &Env) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# srt-gen run --dry-run: nothing was created or run");
    let _ = writeln!(s, "project     {}", r.project);
    let _ = writeln!(s, "settings    {} (valid)", r.settings);
    match (&r.srt.path, &r.srt.error) {
        (Some(path), _) => {
            let _ = writeln!(s, "srt         {path} (from {})", r.srt.from.unwrap_or(""));
        }
        (None, Some(e)) => {
            let _ = writeln!(s, "srt         not found: {}", e.message);
            if let Some(tip) = &e.tip {
                let _ = writeln!(s, "            {tip}");
            }
        }
        (None, None) => {}
    }
    if !r.missing_tools.is_empty() {
        let missing: Vec<crate::sandbox::srt::Missing> = r
            .missing_tools
            .iter()
            .map(|m| crate::sandbox::srt::Missing {
                tool: m.tool,
                package: m.package,
            })
            .collect();
        let _ = writeln!(
            s,
            "missing     {}",
            crate::sandbox::srt::missing_message(&missing)
        );
    }
    for d in &r.create {
        let _ = writeln!(s, "create      {d}");
    }
    for n in &r.skipped {
        let _ = writeln!(s, "skip        {n}");
    }
    for w in &r.warnings {
        let _ = writeln!(s, "warning     {w}");
    }
    if let Some(x) = &r.exclude {
        let _ = writeln!(
            s,
            "exclude     {}: {}",
            x.file,
            if x.patterns.is_empty() {
                "remove srt-gen's block".to_string()
            } else {
                x.patterns.join(" ")
            }
        );
    }
    if !r.placeholders.is_empty() {
        let _ = writeln!(s, "placeholder {}", r.placeholders.join(" "));
    }
    for d in r
        .policy
        .create
        .iter()
        .filter(|d| !r.create.contains(&env.tilde(d)))
    {
        let _ = writeln!(s, "create      {}", env.tilde(d));
    }
    for f in &r.write {
        let _ = writeln!(s, "write       {f}");
    }
    for line in r.policy.describe() {
        let _ = writeln!(s, "policy      {line}");
    }
    for k in &r.policy.env_remove {
        let _ = writeln!(s, "withhold    {k}");
    }
    for i in &r.policy.inside {
        let text = match i {
            Inside::Set { var, value } => format!("{var}={value}"),
            Inside::Copy { var, from } => format!("{var}=${from}"),
            Inside::Unset { var } => format!("unset {var}"),
            Inside::DropItem { var, item } => format!("{var} without {item}"),
        };
        let _ = writeln!(s, "inside      {text}");
    }
    for n in &r.toolchain_notes {
        let _ = writeln!(s, "toolchain   {n}");
    }
    for t in &r.toolchains {
        let _ = writeln!(s, "toolchain   {}: {}", t.what, t.command);
    }
    let _ = writeln!(s, "command     {}", r.command_line);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(command: &[&str]) -> RunOptions {
        RunOptions {
            command: command.iter().map(|s| s.to_string()).collect(),
            ..RunOptions::default()
        }
    }

    #[test]
    fn the_hint_names_the_command_and_skips_what_no_sandbox_causes() {
        let o = opts(&["npm", "install", "left pad"]);
        let hint = failure_hint(1, &o).unwrap();
        assert!(
            hint.contains("`srt-gen learn -- npm install 'left pad'` names it"),
            "{hint}"
        );
        assert!(failure_hint(0, &o).is_none());
        assert!(failure_hint(126, &o).is_none());
        assert!(failure_hint(130, &o).is_none());
        assert!(failure_hint(127, &o)
            .unwrap()
            .contains("npm is not on PATH"));
        let agent = RunOptions {
            prompt: Some("fix it".into()),
            ..RunOptions::default()
        };
        assert!(failure_hint(2, &agent)
            .unwrap()
            .contains("`srt-gen learn -p 'fix it'`"));
        assert!(failure_hint(2, &RunOptions::default())
            .unwrap()
            .contains("`srt-gen learn` names it"));
    }
}
