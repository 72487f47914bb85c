//! srt-gen: least-privilege settings for Anthropic's Sandbox Runtime, from what a project
//! uses. Data flows one way: detect → catalog → policy → output → launch.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod detect;
pub mod doctor;
pub mod env;
pub mod error;
pub mod files;
pub mod hosts;
pub mod init;
pub mod learn;
pub mod output;
pub mod policy;
pub mod presets;
pub mod sandbox;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::error::Error;

/// Parses the arguments, runs the command, and turns the outcome into an exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("srt-gen: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<u8, Error> {
    let env = Env::from_process().ok_or_else(|| {
        Error::Environment(
            "HOME is not set; srt-gen needs it to spell paths as srt reads them".into(),
        )
    })?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the current folder", e))?;
    let base = match &cli.dir {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    match cli.command {
        Command::Init(args) => cmd_init(&base, &env, args),
        Command::Check(args) => cmd_check(&base, &env, args),
        Command::Add(args) => cmd_change(&base, &env, args, true),
        Command::Remove(args) => cmd_change(&base, &env, args, false),
        Command::List(cli::ListArgs { json }) => {
            let project = detect::project::Project::find(&base);
            let rows = presets::list(&base, project.as_ref(), &env)?;
            if json {
                print_json(&rows);
            } else {
                print!("{}", presets::render_list(&rows, project.is_some()));
            }
            Ok(0)
        }
        Command::Explain(cli::ExplainArgs { entry, json }) => {
            // Read once: the policy explained is the one the Claude Code note compares with.
            let (project, catalog, settings) = presets::load(&base, &env)?;
            let all = entry.is_none();
            match entry {
                None => {
                    let rows = presets::explain_all(&catalog, &settings, &env);
                    if json {
                        print_json(&presets::explain_json(&rows));
                    } else {
                        print!("{}", presets::render_explain_all(&rows));
                    }
                }
                Some(q) => {
                    let v = presets::explain_one(&project, &catalog, &settings, &q, &env)?;
                    if json {
                        print_json(&v);
                    } else {
                        print!("{}", presets::render_verdict(&v));
                        let entries: Vec<(&str, &str)> = v
                            .because
                            .iter()
                            .map(|b| (b.list.as_str(), b.entry.as_str()))
                            .collect();
                        if let Some(note) =
                            output::claude_settings::explain_note(&project, &settings, &entries)
                        {
                            print!("{note}");
                        }
                    }
                }
            }
            if all && !json {
                if let Some(note) = output::claude_settings::explain_note(&project, &settings, &[])
                {
                    print!("{note}");
                }
            }
            Ok(0)
        }
        Command::Ci(cli::CiArgs { provider }) => cmd_ci(&base, provider),
        Command::ClaudeSettings(cli::ClaudeSettingsArgs { dry_run }) => {
            let project =
                detect::project::Project::find(&base).ok_or_else(|| presets::no_settings(&base))?;
            let settings = policy::settings::Settings::read(&project.settings)?
                .ok_or_else(|| presets::no_settings(&base))?;
            let o = output::claude_settings::write(&project, &settings, dry_run)?;
            if dry_run {
                print!("{}", o.contents);
            }
            eprint!("{}", output::claude_settings::render_outcome(&o));
            Ok(0)
        }
        Command::Run(args) => cmd_run(&base, &env, args),
        Command::Doctor(args) => cmd_doctor(&base, &env, args),
        Command::Learn(args) => cmd_learn(&base, &env, args),
    }
}

fn cmd_ci(base: &Path, provider: cli::CiProvider) -> Result<u8, Error> {
    let cli::CiProvider::Github(cli::CiGithubArgs {
        prompt,
        pull_request,
        install,
        output,
        force,
        dry_run,
    }) = provider;
    let o = output::ci::write_github(
        base,
        &output::ci::GithubOptions {
            prompt,
            pull_request,
            install,
            output,
            force,
            dry_run,
        },
    )?;
    if dry_run {
        print!("{}", o.contents);
    }
    eprint!("{}", output::ci::render_outcome(&o));
    Ok(0)
}

fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("json"));
}

/// `--dry-run`: the bytes each file would get, on stdout.
fn print_contents(contents: &[(PathBuf, Vec<u8>)]) {
    for (file, bytes) in contents {
        println!("==> {} <==", file.display());
        print!("{}", String::from_utf8_lossy(bytes));
    }
}

fn cmd_change(base: &Path, env: &Env, args: cli::ChangeArgs, add: bool) -> Result<u8, Error> {
    let cli::ChangeArgs {
        names,
        dry_run,
        json,
    } = args;
    let change = if add {
        presets::add(base, &names, env, dry_run)?
    } else {
        presets::remove(base, &names, env, dry_run)?
    };
    if dry_run && !json {
        print_contents(&change.written.contents);
    }
    if json {
        print_json(&change);
    } else {
        eprint!(
            "{}",
            presets::render_change(&change, if add { "add" } else { "remove" })
        );
    }
    Ok(0)
}

fn cmd_run(base: &Path, env: &Env, args: cli::RunArgs) -> Result<u8, Error> {
    let cli::RunArgs {
        debug,
        force,
        dry_run,
        launch:
            cli::LaunchArgs {
                prompt,
                srt,
                command,
            },
    } = args;
    let command = utf8_args(command)?;
    commands::run::run(
        base,
        env,
        &sandbox::RunOptions {
            debug,
            force,
            dry_run,
            prompt,
            srt,
            command,
        },
    )
}

/// The command's arguments as UTF-8: srt, a Node program, cannot pass other bytes on exactly.
fn utf8_args(command: Vec<std::ffi::OsString>) -> Result<Vec<String>, Error> {
    command
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                Error::Usage(format!(
                    "argument {} of the command ({}) is not UTF-8; srt (a Node program) cannot pass it on exactly",
                    i + 1,
                    a.to_string_lossy()
                ))
            })
        })
        .collect()
}

fn cmd_learn(base: &Path, env: &Env, args: cli::LearnArgs) -> Result<u8, Error> {
    let cli::LearnArgs {
        apply,
        yes,
        allow_risky,
        json,
        launch:
            cli::LaunchArgs {
                prompt,
                srt,
                command,
            },
    } = args;
    let command = utf8_args(command)?;
    let opts = learn::LearnOptions {
        apply,
        yes,
        allow_risky,
        json,
        run: sandbox::RunOptions {
            debug: true,
            force: false,
            dry_run: false,
            prompt,
            srt,
            command,
        },
    };
    let (code, report) = learn::learn(base, env, &opts)?;
    if json {
        print_json(&report);
    } else {
        eprint!("{}", learn::render(&report, apply));
    }
    Ok(code)
}

fn cmd_doctor(base: &Path, env: &Env, args: cli::DoctorArgs) -> Result<u8, Error> {
    let cli::DoctorArgs { json, srt } = args;
    doctor::doctor(base, env, &doctor::DoctorOptions { json, srt })
}

fn cmd_init(base: &Path, env: &Env, args: cli::InitArgs) -> Result<u8, Error> {
    let cli::InitArgs {
        paths,
        dry_run,
        json,
        allow_broken,
        platform,
        no_justfile,
        no_agent,
        no_project_hosts,
        project_hosts,
    } = args;
    let opts = init::InitOptions {
        dry_run,
        justfile: !no_justfile,
        plan: policy::plan::PlanOptions {
            allow_broken,
            platforms: platform.map(cli::PlatformArg::platforms),
            agent: !no_agent,
            project_hosts: if no_project_hosts {
                Some(false)
            } else if project_hosts {
                Some(true)
            } else {
                None
            },
        },
    };
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![base.to_path_buf()]
    } else {
        paths.iter().map(|p| base.join(p)).collect()
    };
    let many = paths.len() > 1;
    let mut failed = 0usize;
    let mut last_code = 0u8;
    let mut json_out = Vec::new();
    for path in &paths {
        match init::init(path, env, &opts) {
            Ok(summary) => {
                if dry_run && !json {
                    print_contents(&summary.written.contents);
                }
                if json {
                    json_out.push(serde_json::to_value(&summary).expect("summary serializes"));
                } else {
                    let jf = opts.justfile.then_some(summary.justfile_name.as_str());
                    eprint!(
                        "{}",
                        init::render_summary(&summary, detect::project::SETTINGS_FILE, jf)
                    );
                }
            }
            Err(e) if many => {
                eprintln!("srt-gen init: {}: error: {e}", path.display());
                failed += 1;
                last_code = e.exit_code();
            }
            Err(e) => return Err(e),
        }
    }
    if json {
        let v = if many {
            serde_json::Value::Array(json_out)
        } else {
            json_out.pop().unwrap_or_default()
        };
        print_json(&v);
    }
    if failed > 0 {
        eprintln!("srt-gen init: {failed} of {} projects failed", paths.len());
        return Ok(last_code.max(1));
    }
    Ok(0)
}

fn cmd_check(base: &Path, env: &Env, args: cli::CheckArgs) -> Result<u8, Error> {
    let cli::CheckArgs { file, json } = args;
    let project = match &file {
        None => detect::project::Project::find(base)
            .map_or_else(|| detect::project::Project::at(base), Ok)?,
        Some(_) => detect::project::Project::at(base)?,
    };
    let path = file.map_or_else(|| project.settings.clone(), |f| base.join(f));
    let mut ctx = policy::lint::LintContext::for_project(env, &project);
    ctx.protected.push(path.clone());
    let findings = policy::lint::check_file(&path, &ctx)?;
    let shown = file_label(base, &path);
    if json {
        print_json(&policy::lint::render_json(&shown, &findings));
    } else {
        print!("{}", policy::lint::render_human(&shown, &findings));
    }
    Ok(u8::from(policy::lint::counts(&findings).0 > 0))
}

/// A path as the user typed it relative to where they are, for messages.
fn file_label(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}
