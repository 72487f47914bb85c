//! Command-line types (clap derive) and their conversion into the commands' options
//! ([`Command::into_options`]). Nothing past this module sees clap.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{
    self, change, check, ci, claude_settings, doctor, explain, init, learn, list,
};
use crate::env::Os;
use crate::error::Error;
use crate::output::ci::GithubOptions;
use crate::policy::plan::PlanOptions;
use crate::sandbox::RunOptions;

#[derive(Debug, Parser)]
#[command(
    name = "srt-gen",
    version,
    about = "Least-privilege settings for Anthropic's Sandbox Runtime (srt), from what your project uses",
    long_about = None,
    after_help = "Start with `srt-gen init` in a project, then `srt-gen run -- <command>` (or `just ai-auto \"...\"`)."
)]
pub struct Cli {
    /// Run as if started in DIR (like git -C).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect the project's ecosystems and write .srt.json and the justfile recipes.
    Init(InitArgs),
    /// Lint a settings file: what srt ignores, rejects, or cannot enforce, and what lets
    /// the sandbox out. Exit 1 on errors, 0 on warnings alone.
    Check(CheckArgs),
    /// Add catalog fragments (MCP servers, presets, ecosystems) to the project's policy.
    Add(AddArgs),
    /// Take fragments out of the project's policy again (your own entries stay).
    Remove(ChangeArgs),
    /// Show every ecosystem and preset in the catalog, and which are active here.
    List(ListArgs),
    /// Say where each entry of .srt.json comes from, or why one host or path is allowed.
    Explain(ExplainArgs),
    /// Run a command (default: the agent, autonomous) inside srt with this project's policy.
    Run(RunArgs),
    /// Check that this machine and the project's policy are ready for `srt-gen run`.
    Doctor(DoctorArgs),
    /// Run a command under the policy and name what the sandbox refused, with the fragment
    /// (or project-local entry) that would allow it.
    Learn(LearnArgs),
    /// Write a CI workflow that runs the agent inside the sandbox.
    Ci(CiArgs),
    /// Write .srt.json's policy as the `sandbox` block of .claude/settings.json (Claude Code's own sandbox).
    ClaudeSettings(ClaudeSettingsArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Let `srt-gen run` use these fragments' caches where your own tools keep them, shared
    /// with them, instead of giving the sandbox its own (code the sandbox writes there then
    /// runs outside it later; `check` warns). Remembered.
    #[arg(long)]
    pub shared_caches: bool,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Fragment names, as `srt-gen list` shows them.
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Show the change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the catalog as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A host (`registry.example.com`) or a path (`~/.cache/pip`, `./src`); without it,
    /// every entry of .srt.json.
    #[arg(value_name = "ENTRY")]
    pub entry: Option<String>,
    /// Print as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// This machine's platform.
    Current,
    Linux,
    Macos,
    /// Linux and macOS paths together, for a config committed for a mixed team.
    All,
}

impl PlatformArg {
    pub fn platforms(self) -> Vec<Os> {
        match self {
            PlatformArg::Current => vec![Os::current().unwrap_or(Os::Linux)],
            PlatformArg::Linux => vec![Os::Linux],
            PlatformArg::Macos => vec![Os::Macos],
            PlatformArg::All => vec![Os::Linux, Os::Macos],
        }
    }
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Project folders (default: the current folder). Each is initialised on its own.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print the files that would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Count manifests that do not parse by their name instead of stopping.
    #[arg(long)]
    pub allow_broken: bool,
    /// Whose cache paths to write [default: as the existing .srt.json says, else current].
    #[arg(long, value_enum)]
    pub platform: Option<PlatformArg>,
    /// Do not write justfile recipes.
    #[arg(long)]
    pub no_justfile: bool,
    /// Leave the agent out: its hosts, its state paths and the recipes that start it.
    /// Remembered until --agent.
    #[arg(long, conflicts_with = "agent")]
    pub no_agent: bool,
    /// Take the agent and its recipes again after --no-agent.
    #[arg(long)]
    pub agent: bool,
    /// Give this folder a policy of its own inside a larger project: the enclosing
    /// project's policy records it and write-protects its srt-gen files.
    #[arg(long)]
    pub subproject: bool,
    /// Leave out hosts that files inside the repository name (.npmrc registries, git
    /// dependencies, ...): whoever wrote the repository chose them. Remembered.
    #[arg(long, conflicts_with = "project_hosts")]
    pub no_project_hosts: bool,
    /// Take hosts named by files inside the repository again after --no-project-hosts.
    #[arg(long)]
    pub project_hosts: bool,
    /// Let `srt-gen run` use these ecosystems' caches where your own tools keep them,
    /// shared with them, instead of giving the sandbox its own (code the sandbox writes
    /// there then runs outside it later; `check` warns). Remembered.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub shared_caches: Vec<String>,
    /// Give these ecosystems the sandbox's own caches again after --shared-caches.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub own_caches: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run srt with its debug log (every sandbox decision, on stderr).
    #[arg(long)]
    pub debug: bool,
    /// Print the preflight actions and the exact command line; run and create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run even when `srt-gen check` finds errors in the policy.
    #[arg(long)]
    pub force: bool,
    /// Print the policy srt would get for this run (strict JSON, for `srt --settings`) and
    /// run nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub print_policy: bool,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// The srt executable (default: $SRT_GEN_SRT, then PATH, then node_modules/.bin).
    #[arg(long, value_name = "PATH")]
    pub srt: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CiArgs {
    #[command(subcommand)]
    pub provider: CiProvider,
}

#[derive(Debug, Subcommand)]
pub enum CiProvider {
    /// GitHub Actions: a workflow that installs srt on a stock Ubuntu runner and runs
    /// `srt-gen run -p PROMPT` with the key from the ANTHROPIC_API_KEY secret.
    Github(CiGithubArgs),
}

#[derive(Debug, Args)]
pub struct CiGithubArgs {
    /// The agent's default prompt (a manual run can give another).
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,
    /// Also run on pull requests (those from forks are skipped: they get no secrets).
    #[arg(long)]
    pub pull_request: bool,
    /// The command that installs srt-gen on the runner [default: cargo install --locked srt-gen].
    #[arg(long, value_name = "COMMAND")]
    pub install: Option<String>,
    /// The workflow file [default: .github/workflows/srt-gen-agent.yml].
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing workflow file (without it, srt-gen refuses, exit code 4).
    #[arg(long)]
    pub force: bool,
    /// Print the workflow, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ClaudeSettingsArgs {
    /// Print the file that would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The settings file (default: the project's .srt.json). Relative paths in it are read
    /// against the current folder, where `srt-gen run` starts srt.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the findings as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LearnArgs {
    /// Apply the proposals (on a terminal, asking about each one).
    #[arg(long)]
    pub apply: bool,
    /// With --apply: apply every proposal without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// With --apply: also apply hosts known to carry data out (object stores, CDNs).
    #[arg(long)]
    pub allow_risky: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

/// What to start inside the sandbox, for `run` and `learn`.
#[derive(Debug, Args)]
pub struct LaunchArgs {
    /// The agent's prompt, for the autonomous agent (when no command is given).
    #[arg(short = 'p', long = "prompt", value_name = "PROMPT")]
    pub prompt: Option<String>,
    /// The srt executable (default: $SRT_GEN_SRT, then PATH, then node_modules/.bin).
    #[arg(long, value_name = "PATH")]
    pub srt: Option<PathBuf>,
    /// Do not install the toolchains the project pins (rust-toolchain.toml, package.json's
    /// packageManager, .python-version for uv) before the sandbox starts; on a terminal,
    /// srt-gen asks first.
    #[arg(long)]
    pub no_install_toolchains: bool,
    /// The command and its arguments (default: the agent, autonomous and stateless).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

impl Command {
    /// The command's clap-free options. Every argument struct is destructured whole, so a
    /// new flag cannot be dropped here unnoticed. Fails only on a command to run whose
    /// arguments are not UTF-8.
    pub fn into_options(self) -> Result<commands::Command, Error> {
        Ok(match self {
            Command::Init(args) => commands::Command::Init(args.into()),
            Command::Check(CheckArgs { file, json }) => {
                commands::Command::Check(check::CheckOptions { file, json })
            }
            Command::Add(args) => commands::Command::Add(args.into()),
            Command::Remove(args) => commands::Command::Remove(args.into()),
            Command::List(ListArgs { json }) => commands::Command::List(list::ListOptions { json }),
            Command::Explain(ExplainArgs { entry, json }) => {
                commands::Command::Explain(explain::ExplainOptions { entry, json })
            }
            Command::Run(RunArgs {
                debug,
                force,
                dry_run,
                print_policy,
                launch,
            }) => commands::Command::Run(RunOptions {
                print_policy,
                ..launch.into_options(debug, force, dry_run)?
            }),
            Command::Doctor(DoctorArgs { json, srt }) => {
                commands::Command::Doctor(doctor::DoctorOptions { json, srt })
            }
            Command::Learn(LearnArgs {
                apply,
                yes,
                allow_risky,
                json,
                launch,
            }) => commands::Command::Learn(learn::LearnOptions {
                apply,
                yes,
                allow_risky,
                json,
                run: launch.into_options(true, false, false)?,
            }),
            Command::Ci(CiArgs { provider }) => commands::Command::Ci(provider.into()),
            Command::ClaudeSettings(ClaudeSettingsArgs { dry_run }) => {
                commands::Command::ClaudeSettings(claude_settings::ClaudeSettingsOptions {
                    dry_run,
                })
            }
        })
    }
}

impl From<InitArgs> for init::InitOptions {
    fn from(args: InitArgs) -> init::InitOptions {
        let InitArgs {
            paths,
            dry_run,
            json,
            allow_broken,
            platform,
            no_justfile,
            no_agent,
            agent,
            subproject,
            no_project_hosts,
            project_hosts,
            shared_caches,
            own_caches,
        } = args;
        init::InitOptions {
            paths,
            json,
            dry_run,
            justfile: !no_justfile,
            subproject,
            plan: PlanOptions {
                allow_broken,
                platforms: platform.map(PlatformArg::platforms),
                agent: if no_agent {
                    Some(false)
                } else if agent {
                    Some(true)
                } else {
                    None
                },
                declare_subproject: None,
                project_hosts: if no_project_hosts {
                    Some(false)
                } else if project_hosts {
                    Some(true)
                } else {
                    None
                },
                shared_caches,
                own_caches,
            },
        }
    }
}

impl From<ChangeArgs> for change::ChangeOptions {
    fn from(args: ChangeArgs) -> change::ChangeOptions {
        let ChangeArgs {
            names,
            dry_run,
            json,
        } = args;
        change::ChangeOptions {
            names,
            dry_run,
            json,
            shared_caches: false,
        }
    }
}

impl From<AddArgs> for change::ChangeOptions {
    fn from(args: AddArgs) -> change::ChangeOptions {
        let AddArgs {
            change,
            shared_caches,
        } = args;
        change::ChangeOptions {
            shared_caches,
            ..change.into()
        }
    }
}

impl From<CiProvider> for ci::CiOptions {
    fn from(provider: CiProvider) -> ci::CiOptions {
        let CiProvider::Github(CiGithubArgs {
            prompt,
            pull_request,
            install,
            output,
            force,
            dry_run,
        }) = provider;
        ci::CiOptions::Github(GithubOptions {
            prompt,
            pull_request,
            install,
            output,
            force,
            dry_run,
        })
    }
}

impl LaunchArgs {
    fn into_options(self, debug: bool, force: bool, dry_run: bool) -> Result<RunOptions, Error> {
        let LaunchArgs {
            prompt,
            srt,
            no_install_toolchains,
            command,
        } = self;
        Ok(RunOptions {
            debug,
            force,
            dry_run,
            print_policy: false,
            prompt,
            srt,
            toolchains: if no_install_toolchains {
                crate::sandbox::toolchains::Mode::Never
            } else {
                crate::sandbox::toolchains::Mode::Ask
            },
            command: utf8_args(command)?,
        })
    }
}

/// The command's arguments as UTF-8: srt, a Node program, cannot pass other bytes on exactly.
fn utf8_args(command: Vec<OsString>) -> Result<Vec<String>, Error> {
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
