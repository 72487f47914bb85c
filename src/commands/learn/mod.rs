//! `srt-gen learn`: run a command under the project's policy, see what the sandbox refused,
//! and name the narrowest fix for each refusal, or why there is none.
//!
//! Its parts, one job each: [`evidence`] (what was refused and how srt-gen knows: traced
//! from outside the sandbox, srt's own log, or the command's messages), [`messages`] (the
//! command's output read for refusals: the fallback without strace), [`view`] (what the
//! policy that ran allows), [`mapping`] (refusal → proposal), [`apply`] (only when asked,
//! gate first) and [`last`] (the last report, for `--apply --last`).

mod apply;
pub mod evidence;
mod last;
pub mod mapping;
pub mod messages;
pub mod view;

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::policy::settings::Settings;
use crate::sandbox::launch::Outcome;
use crate::sandbox::trace::{self, Tracer};
use crate::sandbox::RunOptions;
use crate::ui;

pub use evidence::{Evidence, Inputs, Kind, Seen};
pub use mapping::{MapContext, Proposal};
use view::PolicyView;

/// The project fragment `learn --apply` writes entries that no catalog fragment has into.
pub const LEARNED: &str = "learned";

#[derive(Debug, Clone, Default)]
pub struct LearnOptions {
    pub apply: bool,
    pub yes: bool,
    pub allow_risky: bool,
    pub json: bool,
    /// Take the last report instead of running the command again.
    pub last: bool,
    /// Read only the command's messages (a guess), even where strace works.
    pub no_trace: bool,
    pub run: RunOptions,
}

/// How the report knows what was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// strace, outside the sandbox, saw every refused call, and srt's log lines are known
    /// to be srt's.
    Traced,
    /// Only the command's output (and lines on srt's stderr that look like srt's log): a
    /// guess, since the command could have printed any of it.
    Guess,
}

/// One refusal and its proposal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[serde(flatten)]
    pub seen: Seen,
    /// The path (`~/...`, `./...`) or host, as the report shows it.
    pub value: String,
    pub proposal: Proposal,
    /// What `srt-gen check` says about the entries the proposal would add.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The command that ran, as a shell would take it (`the agent` for the agent); the
    /// envelope's `command` is `learn`.
    #[serde(rename = "commandLine")]
    pub command: String,
    /// The command's exit status (or 128+N for a signal).
    pub exit: u8,
    pub mode: Mode,
    pub findings: Vec<Item>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<String>,
    /// The report is the last one kept (`--last`): the command was not run again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_last: bool,
}

/// `srt-gen learn`: the report on stderr, or as JSON on stdout. Exits with the command's
/// own status.
pub fn execute(base: &Path, env: &Env, opts: &LearnOptions) -> Result<u8, Error> {
    let (code, report) = if opts.last {
        learn_last(base, env, opts)?
    } else {
        learn(base, env, opts)?
    };
    if opts.json {
        ui::json::print("learn", &report);
    } else {
        ui::status(&render(&report, opts.apply));
    }
    Ok(code)
}

pub fn learn(cwd: &Path, env: &Env, opts: &LearnOptions) -> Result<(u8, Report), Error> {
    let mut run = opts.run.clone();
    run.debug = true;
    run.dry_run = false;
    if let Ok(found) = Project::find_root(cwd, env) {
        if found.has_policy {
            make_own_folders(&found.project.root);
        }
    }
    let mut prepared = crate::sandbox::prepare(cwd, env, &run)?;
    let root = prepared.project.root.clone();
    // What srt gets is the run policy, not .srt.json as it is (sandbox::plan).
    let view = PolicyView::new(&prepared.policy.settings, env, &root);
    let mut notes = Vec::new();
    let tracer = if opts.no_trace {
        Err("--no-trace".to_string())
    } else {
        tracer(env, &view)
    };
    prepared.launch.observe = true;
    prepared.launch.stdout_to_stderr = opts.json;
    match &tracer {
        Ok(t) => prepared.launch.tracer = t.prefix(),
        Err(_) => prepared.launch.observe_stdout = true,
    }
    for note in &prepared.notes {
        ui::status(&format!("srt-gen learn: note: {note}\n"));
    }
    // The command runs as `run` would run it: with the toolchains the project pins.
    for line in crate::sandbox::toolchains::apply(&prepared.toolchains, run.toolchains, "learn") {
        ui::status(&format!("srt-gen learn: toolchain: {line}\n"));
    }
    crate::sandbox::plan::apply(&prepared.policy)?;
    for line in prepared.policy.describe() {
        ui::status(&format!("srt-gen learn: {line}\n"));
    }
    for line in prepared.pre.apply()? {
        ui::status(&format!("srt-gen learn: {line}\n"));
    }
    let command = if run.command.is_empty() {
        "the agent".to_string()
    } else {
        run.command
            .iter()
            .map(|a| crate::output::justfile::shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (outcome, observed) = prepared.launch.spawn_observed()?;
    let exit = match outcome {
        Outcome::Exited(c) => c,
        Outcome::Signalled(sig) => 128u8.saturating_add(sig as u8),
        Outcome::SrtFailed(code) => {
            return Err(Error::Environment(format!(
                "srt did not start the command (srt exited {code}); `srt-gen doctor` checks this machine"
            )))
        }
    };
    let mut inputs = Inputs {
        traced: None,
        direct: Vec::new(),
        srt: observed.debug,
        srt_verified: false,
        output: observed.output,
    };
    let mut mode = Mode::Guess;
    match &tracer {
        Ok(t) => match t.read(&prepared.launch.cwd) {
            Ok(trace) if trace.saw_sandbox => {
                if trace.incomplete {
                    notes.push("the trace was too large or cut short; some refusals may be missing".into());
                }
                mode = Mode::Traced;
                inputs = Inputs {
                    traced: Some(trace.refusals),
                    direct: trace.direct,
                    srt: trace.srt,
                    srt_verified: true,
                    output: trace.output,
                };
            }
            Ok(_) => notes.push(
                "the trace shows no process inside the sandbox, so it cannot say what was refused: this is a guess from the command's own messages".into(),
            ),
            Err(e) => notes.push(format!("the trace could not be read ({e}): this is a guess from the command's own messages")),
        },
        Err(why) => notes.push(format!(
            "not traced ({why}): this is a guess from the command's own messages, which it could have made up; nothing from them is applied without asking"
        )),
    }
    let items = items_for(
        &prepared.project,
        &prepared.settings,
        &prepared.policy.settings,
        env,
        evidence::gather(&inputs, &view, env),
        exit,
        false,
    )?;
    let saved = last::Saved {
        version: 0,
        id: String::new(),
        command: run.command.clone(),
        command_text: command.clone(),
        exit,
        mode,
        seen: items.iter().map(|i| i.seen.clone()).collect(),
    };
    if let Err(e) = last::save(&root, env, saved) {
        notes.push(format!("the report was not kept for `--last`: {e}"));
    }
    drop(tracer);
    let mut report = Report {
        command,
        exit,
        mode,
        findings: items,
        notes,
        applied: Vec::new(),
        from_last: false,
    };
    if opts.apply {
        let done = apply::apply(
            &prepared.project,
            env,
            &report.findings,
            opts,
            &report.command,
        )?;
        report.applied = done.applied;
        report.notes.extend(done.notes);
    }
    Ok((exit, report))
}

/// `--last`: the last report, its proposals made again against today's policy.
fn learn_last(cwd: &Path, env: &Env, opts: &LearnOptions) -> Result<(u8, Report), Error> {
    let project = super::locate_policy(cwd, env, "learn")?;
    let saved = last::load(&project.root, env)?;
    // The policy a run would get now: the findings are judged against it again.
    let rerun = crate::sandbox::RunOptions {
        command: saved.command.clone(),
        ..opts.run.clone()
    };
    let planned = crate::sandbox::plan_run(cwd, env, &rerun)?;
    let settings = planned.settings;
    let ran = planned.policy.settings;
    // A report the sandbox could have written is not applied, whatever its id says (the
    // sandbox can read the id kept outside). Both policies count: the run's (the floor puts
    // the protection back for `srt-gen run`), and the file as it is, which plain srt uses.
    let views = [&settings, &ran].map(|p| PolicyView::new(p, env, &project.root));
    let writable = views
        .iter()
        .find_map(|v| v.writable(&last::path(&project.root)));
    if let Some(e) = writable {
        return Err(Error::Refused(format!(
            "{} is writable inside the sandbox under this policy (`{}`), so a sandboxed command could have written it; add \"./{}\" to filesystem.denyWrite (srt-gen's base fragment does) and run `srt-gen learn -- <command>` again",
            last::path(&project.root).display(),
            e.spelled,
            last::DIR
        )));
    }
    let mut notes = Vec::new();
    let seen: Vec<Seen> = saved
        .seen
        .into_iter()
        .filter(|s| {
            let ok = valid(s);
            if !ok {
                notes.push(format!(
                    "left out a finding that is not a host or an absolute path: {}",
                    shown(&s.target)
                ));
            }
            ok
        })
        .collect();
    let items = items_for(&project, &settings, &ran, env, seen, saved.exit, true)?;
    let mut report = Report {
        command: saved.command_text,
        exit: saved.exit,
        mode: saved.mode,
        findings: items,
        notes,
        applied: Vec::new(),
        from_last: true,
    };
    if opts.apply {
        let done = apply::apply(&project, env, &report.findings, opts, &report.command)?;
        report.applied = done.applied;
        report.notes.extend(done.notes);
    }
    Ok((0, report))
}

/// A finding read back from a file is only what learn itself could have written.
fn valid(s: &Seen) -> bool {
    let clean = |t: &str| !t.chars().any(char::is_control);
    match s.kind {
        Kind::Host | Kind::Unreachable => crate::hosts::validate(&s.target).is_ok(),
        Kind::Direct => clean(&s.target) && !s.target.is_empty(),
        Kind::Write | Kind::Read | Kind::Move => {
            s.target.starts_with('/')
                && clean(&s.target)
                && s.to
                    .as_deref()
                    .is_none_or(|t| t.starts_with('/') && clean(t))
        }
    }
}

/// The proposals for what was seen, against the project's policy and catalog.
fn items_for(
    project: &Project,
    settings: &Settings,
    ran: &Settings,
    env: &Env,
    seen: Vec<Seen>,
    exit: u8,
    from_last: bool,
) -> Result<Vec<Item>, Error> {
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    let catalog = Catalog::load(&project.root, env)?;
    let detected: BTreeSet<String> = crate::detect::detect(&project.root, &catalog.markers())
        .found
        .into_keys()
        .collect();
    let mut ctx = MapContext::new(env, &project.root, settings, ran, &catalog, detected, exit);
    ctx.from_last = from_last;
    Ok(map_all(seen, &ctx))
}

/// What a run's inputs show, each with its proposal: learn's whole analysis, for a test.
pub fn analyze(inputs: &Inputs, ctx: &MapContext<'_>) -> Vec<Item> {
    map_all(evidence::gather(inputs, &ctx.view, ctx.env), ctx)
}

fn map_all(seen: Vec<Seen>, ctx: &MapContext<'_>) -> Vec<Item> {
    // When the command's output names some of the refused paths, those are why it failed;
    // a refused path it does not name is one it went on without (a probe, a fallback).
    let named = seen.iter().any(|s| {
        s.named_by_command
            && s.evidence == Evidence::Traced
            && matches!(s.kind, Kind::Write | Kind::Read)
    });
    let mut items: Vec<Item> = seen
        .into_iter()
        .map(|s| {
            let (mut proposal, flags) = mapping::propose(&s, ctx);
            let demote = named
                && !s.named_by_command
                && s.evidence == Evidence::Traced
                && matches!(proposal, Proposal::Add { .. } | Proposal::ProjectLocal { .. });
            if demote {
                proposal = Proposal::Tolerated {
                    why: "the command's output names other refusals, not this one: it went on without it".into(),
                    then: Box::new(proposal),
                };
            }
            let value = match s.kind {
                Kind::Write | Kind::Read | Kind::Move => {
                    let p = Path::new(&s.target);
                    match p.strip_prefix(&ctx.root) {
                        Ok(rest) if rest.as_os_str().is_empty() => ".".into(),
                        Ok(rest) => format!("./{}", rest.display()),
                        Err(_) => ctx.env.tilde(p),
                    }
                }
                _ => s.target.clone(),
            };
            Item {
                seen: s,
                value,
                proposal,
                flags,
            }
        })
        .collect();
    // Hosts first, then what the command's own output names (the likely cause), then the
    // rest, each in the order seen.
    items.sort_by_key(|i| {
        let host = matches!(i.seen.kind, Kind::Host | Kind::Unreachable | Kind::Direct);
        (!host, !i.seen.named_by_command)
    });
    items
}

/// strace, when it is installed, can trace here, and its trace can go where the sandbox
/// cannot write; otherwise why not.
fn tracer(env: &Env, view: &PolicyView) -> Result<Tracer, String> {
    let strace = trace::find(env).ok_or_else(|| {
        "strace is not installed (Debian and Ubuntu: `apt-get install strace`)".to_string()
    })?;
    if let Some(e) = view.writable(&strace) {
        return Err(format!(
            "{} is in `{}`, which the sandbox can write; srt-gen does not run it",
            strace.display(),
            e.spelled
        ));
    }
    // srt-gen's per-run folder (never reachable from inside), else a private temp folder;
    // either only where this policy leaves it read-only.
    for base in [
        crate::sandbox::state::StateDirs::for_env(env).runs,
        std::env::temp_dir().join("srt-gen-runs"),
    ] {
        if view.writable(&base.join("trace")).is_some() {
            continue;
        }
        if let Ok(dir) = trace::private_dir(&base) {
            if view.writable(&dir.join("trace")).is_some() {
                let _ = std::fs::remove_dir(&dir);
                continue;
            }
            let tracer = Tracer::new(strace, dir);
            trace::probe(&tracer).map_err(|e| format!("strace cannot trace here: {e}"))?;
            return Ok(tracer);
        }
    }
    Err("every folder srt-gen could keep the trace in is writable inside the sandbox under this policy".into())
}

/// `.srt-gen/fragments` and `.srt-gen/learn` as real folders before the sandbox starts:
/// both are write-protected, and an absent one would get a placeholder file while the
/// command runs (and while any other run of this project does).
fn make_own_folders(root: &Path) {
    let own = root.join(".srt-gen");
    match std::fs::symlink_metadata(&own) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return,
        Err(_) => {
            if std::fs::create_dir(&own).is_err() {
                return;
            }
        }
    }
    for sub in ["fragments", "learn"] {
        let p = own.join(sub);
        if std::fs::symlink_metadata(&p).is_err() {
            let _ = std::fs::create_dir(&p);
        }
    }
}

/// A value from a file, the environment or the command, with control characters escaped.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn describe(p: &Proposal) -> String {
    match p {
        Proposal::Add {
            fragment,
            description,
        } => format!("`srt-gen add {fragment}` ({description})"),
        Proposal::ProjectLocal { list, entry } => format!(
            "project-local: {} in {list} (no catalog fragment has it)",
            shown(entry)
        ),
        Proposal::Stale { fragment, entry } => format!(
            "the policy is stale: `{fragment}` gives {} under today's environment and the policy does not have it; run `srt-gen init`",
            shown(entry)
        ),
        Proposal::Removed { list, entry } => format!(
            "{} was taken out of {list} by hand; put it back (or `srt-gen remove` the fragment that gives it)",
            shown(entry)
        ),
        Proposal::Denied { by, why } => format!("denied by {}: {why}; not proposed", shown(by)),
        Proposal::Allowed { by } => format!("the policy allows it now ({})", shown(by)),
        Proposal::Network { why }
        | Proposal::Direct { why }
        | Proposal::Move { why }
        | Proposal::NotSandbox { why } => why.clone(),
        Proposal::Never { why } => format!("never proposed: {why}"),
        Proposal::Risky { why, then } => format!(
            "exfiltration risk ({why}); {} only with --allow-risky",
            describe(then)
        ),
        Proposal::Tolerated { why, then } => {
            format!("{why}; would be {}", describe(then))
        }
        Proposal::Nothing { why } => format!("nothing to add: {why}"),
    }
}

fn evidence_text(s: &Seen) -> String {
    let mut parts = Vec::new();
    if let (Some(op), Some(err)) = (&s.op, &s.error) {
        parts.push(format!("{op} {err}"));
    } else if let Some(err) = &s.error {
        parts.push(shown(err));
    }
    parts.push(
        match (s.evidence, s.verified) {
            (Evidence::Traced, _) => "traced",
            (Evidence::Srt, true) => "srt's log",
            (Evidence::Srt, false) => "a line like srt's log",
            (Evidence::Message, _) => "the command's message",
        }
        .to_string(),
    );
    if let Some(p) = &s.program {
        parts.push(shown(p));
    }
    if s.attempts > 1 {
        parts.push(format!("{}×", s.attempts));
    }
    if s.named_by_command && s.evidence == Evidence::Traced {
        parts.push("named in its output".into());
    }
    parts.join(", ")
}

pub fn render(report: &Report, apply: bool) -> String {
    let how = match report.mode {
        Mode::Traced => "traced: strace saw what the sandbox refused, from outside it",
        Mode::Guess => "a guess from the command's own messages",
    };
    let mut out = format!(
        "srt-gen learn: `{}` exited {} ({how}){}\n",
        shown(&report.command),
        report.exit,
        if report.from_last {
            "; the last report, the command was not run again"
        } else {
            ""
        }
    );
    if report.findings.is_empty() {
        out.push_str("  the sandbox refused nothing that the trace, srt or the command showed\n");
    }
    for item in &report.findings {
        let kind = match item.seen.kind {
            Kind::Write => "write",
            Kind::Read => "read",
            Kind::Move => "rename",
            Kind::Host => "host",
            Kind::Unreachable => "host",
            Kind::Direct => "direct",
        };
        out.push_str(&format!(
            "  {kind} {} ({}): {}\n",
            shown(&item.value),
            evidence_text(&item.seen),
            describe(&item.proposal)
        ));
        for f in &item.flags {
            out.push_str(&format!("      check: {}\n", shown(f)));
        }
    }
    for n in &report.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    let proposals = report
        .findings
        .iter()
        .any(|i| i.proposal.change().is_some());
    if !apply && proposals {
        out.push_str("  nothing was changed; `srt-gen learn --apply --last` applies these proposals without running the command again\n");
    }
    for a in &report.applied {
        out.push_str(&format!("  applied: {a}\n"));
    }
    out
}
