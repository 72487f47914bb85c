//! `srt-gen run`: prepare the sandbox, apply the preflight, start the command inside srt,
//! and pass its exit status on.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::sandbox::launch::{Launch, Outcome};
use crate::sandbox::plan::{Inside, RunPolicy};
use crate::sandbox::preflight::Preflight;
use crate::sandbox::srt::{missing_message, Missing, SrtPath};
use crate::sandbox::{plan_run, prepare, Prepared, RunOptions};

/// `srt-gen run`.
pub fn run(cwd: &Path, env: &Env, opts: &RunOptions) -> Result<u8, Error> {
    if opts.print_policy {
        let planned = plan_run(cwd, env, opts.force, opts.command.is_empty())?;
        std::io::stdout()
            .write_all(&planned.policy.to_bytes())
            .map_err(|e| Error::io("cannot write to stdout", e))?;
        return Ok(0);
    }
    let Prepared {
        project,
        notes,
        policy,
        srt,
        missing,
        pre,
        launch,
        toolchains,
        ..
    } = prepare(cwd, env, opts)?;
    for note in &notes {
        eprintln!("srt-gen run: note: {note}");
    }

    if opts.dry_run {
        print!(
            "{}",
            dry_run_text(&project, &srt, &missing, &pre, &policy, &launch, env)
        );
        for n in &toolchains.notes {
            println!("toolchain   {n}");
        }
        for i in &toolchains.installs {
            println!("toolchain   {}: {}", i.what, i.shell());
        }
        return Ok(0);
    }
    for line in crate::sandbox::toolchains::apply(&toolchains, opts.toolchains) {
        eprintln!("srt-gen run: toolchain: {line}");
    }
    crate::sandbox::plan::apply(&policy)?;
    for line in pre.apply()? {
        eprintln!("srt-gen run: {line}");
    }
    for line in policy.describe() {
        eprintln!("srt-gen run: {line}");
    }
    // Expected skips (an absent file such as ~/.claude.json, another platform's paths)
    // are listed by --dry-run and --debug, not on every run; real problems always are.
    let skipped = pre.skipped.iter().filter(|_| opts.debug);
    for note in skipped.chain(&pre.warnings) {
        eprintln!("srt-gen run: note: {note}");
    }
    match launch.spawn()? {
        Outcome::Exited(code) => {
            if code != 0 {
                eprintln!(
                    "srt-gen run: the command exited {code}; if the sandbox refused a host or a write, \
                     `srt-gen learn -- <the same command>` names it"
                );
            }
            Ok(code)
        }
        Outcome::Signalled(sig) => Ok(128u8.saturating_add(sig as u8)),
        Outcome::SrtFailed(code) => Err(Error::Environment(format!(
            "srt did not start the command (srt exited {code}; its own message is above). \
             `srt-gen doctor` checks this machine and {}",
            project.settings.display()
        ))),
    }
}

fn dry_run_text(
    project: &Project,
    srt: &SrtPath,
    missing: &[Missing],
    pre: &Preflight,
    policy: &RunPolicy,
    launch: &Launch,
    env: &Env,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# srt-gen run --dry-run: nothing was created or run");
    let _ = writeln!(s, "project     {}", project.root.display());
    let _ = writeln!(s, "settings    {} (valid)", project.settings.display());
    let _ = writeln!(s, "srt         {} (from {})", srt.path.display(), srt.how);
    if !missing.is_empty() {
        let _ = writeln!(s, "missing     {}", missing_message(missing));
    }
    for d in &pre.create {
        let _ = writeln!(s, "create      {}", env.tilde(d));
    }
    for n in &pre.skipped {
        let _ = writeln!(s, "skip        {n}");
    }
    for w in &pre.warnings {
        let _ = writeln!(s, "warning     {w}");
    }
    if let Some(x) = &pre.exclude {
        let _ = writeln!(
            s,
            "exclude     {}: {}",
            x.file.display(),
            if x.patterns.is_empty() {
                "remove srt-gen's block".to_string()
            } else {
                x.patterns.join(" ")
            }
        );
    }
    if !pre.placeholders.paths.is_empty() {
        let paths: Vec<String> = pre
            .placeholders
            .paths
            .iter()
            .map(|p| env.tilde(p))
            .collect();
        let _ = writeln!(s, "placeholder {}", paths.join(" "));
    }
    for d in &policy.create {
        let _ = writeln!(s, "create      {}", env.tilde(d));
    }
    for f in &policy.files {
        let _ = writeln!(s, "write       {}", env.tilde(&f.path));
    }
    for line in policy.describe() {
        let _ = writeln!(s, "policy      {line}");
    }
    for k in &policy.env_remove {
        let _ = writeln!(s, "withhold    {k}");
    }
    for i in &policy.inside {
        let text = match i {
            Inside::Set { var, value } => format!("{var}={value}"),
            Inside::Copy { var, from } => format!("{var}=${from}"),
            Inside::Unset { var } => format!("unset {var}"),
            Inside::DropItem { var, item } => format!("{var} without {item}"),
        };
        let _ = writeln!(s, "inside      {text}");
    }
    let _ = writeln!(s, "command     {}", launch.shell_line());
    s
}
