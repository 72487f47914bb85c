//! Command-line types (clap derive) and their conversion into the commands' options
//! ([`Command::into_options`]). Nothing past this module sees clap.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::commands::{
    self, change, check, ci, claude_settings, doctor, explain, init, learn, list, run,
};
use crate::env::Os;
use crate::error::Error;
use crate::output::ci::GithubOptions;
use crate::policy::plan::PlanOptions;
use crate::sandbox::RunOptions;
use crate::ui;

#[derive(Debug, Parser)]
#[command(
    name = "srt-gen",
    version,
    about = "Least-privilege settings for Anthropic's Sandbox Runtime (srt), from what your project uses",
    long_about = None,
    after_help = "Start with `srt-gen init` in a project, then `srt-gen run -- <command>` (or `just ai-auto \"...\"`)."
)]
pub struct Cli {
    /// Run as if started in DIR (like git -C); DIR must be a folder.
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub dir: Option<PathBuf>,
    /// Say nothing on stderr but errors (what a command prints on stdout stays).
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,
    /// Say more: what a normal run leaves out (the protections a change added, skipped paths).
    #[arg(short, long, global = true, action = ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,
    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", help_heading = GLOBAL)]
    pub color: Option<ColorArg>,
    #[command(subcommand)]
    pub command: Command,
}

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// `--color` (its values carry no doc comments: those would turn every command's help
/// into the long layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for ui::ColorChoice {
    fn from(c: ColorArg) -> ui::ColorChoice {
        match c {
            ColorArg::Auto => ui::ColorChoice::Auto,
            ColorArg::Always => ui::ColorChoice::Always,
            ColorArg::Never => ui::ColorChoice::Never,
        }
    }
}

impl Cli {
    pub fn verbosity(&self) -> ui::Verbosity {
        if self.quiet {
            ui::Verbosity::Quiet
        } else if self.verbose > 0 {
            ui::Verbosity::Verbose
        } else {
            ui::Verbosity::Normal
        }
    }
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
    /// Say where each entry of .srt.json comes from, why one host or path is allowed, or
    /// what a fragment would allow.
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
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(
        after_help = "Install it where your shell reads completions, for example:\n  \
        srt-gen completions bash > ~/.local/share/bash-completion/completions/srt-gen\n  \
        srt-gen completions zsh > ~/.zfunc/_srt-gen   # with fpath+=~/.zfunc before compinit\n  \
        srt-gen completions fish > ~/.config/fish/completions/srt-gen.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout: `srt-gen man | man -l -`.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command's own page (`srt-gen man run`); without it, srt-gen's page.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
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
    /// Show what would change (a diff), write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print the whole files instead of the diff.
    #[arg(long, requires = "dry_run")]
    pub full: bool,
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
    /// A host (`registry.example.com`), a path (`~/.cache/pip`, `./src`) or a fragment's
    /// name (`rust`: what it would allow); without it, every entry of .srt.json.
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
    /// Show what would change (a diff of each file), write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print the whole files instead of the diff.
    #[arg(long, requires = "dry_run")]
    pub full: bool,
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
    /// The coding agent the recipes and `srt-gen run` start: claude (the default), codex,
    /// gemini or opencode (`srt-gen list` shows them). Remembered; after --no-agent it
    /// takes the agent and its recipes again.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
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
    /// Print the preflight actions and the exact command line; run and create nothing
    /// (srt need not be installed).
    #[arg(long)]
    pub dry_run: bool,
    /// Run even when `srt-gen check` finds errors in the policy (what srt itself refuses,
    /// such as a malformed host, still stops the run).
    #[arg(long)]
    pub allow_errors: bool,
    /// Print how the run ended, with the end-of-run review (or, with --dry-run, the plan),
    /// as JSON on stdout; the command's own stdout then goes to stderr.
    #[arg(long, conflicts_with = "print_policy")]
    pub json: bool,
    /// Print the policy srt would get for this run (strict JSON, for `srt --settings`) and
    /// run nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub print_policy: bool,
    /// Exit 1 when the review at the end finds a change that runs code outside the
    /// sandbox later, or stops before it looked at everything (a successful command's exit
    /// status is otherwise kept).
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// The srt executable (default: $SRT_GEN_SRT, then PATH; never from inside the project).
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
    /// The command that installs srt-gen on the runner [default: download this version's
    /// release binary from the repository, checked against its checksum].
    #[arg(long, value_name = "COMMAND")]
    pub install: Option<String>,
    /// The workflow file [default: .github/workflows/srt-gen-agent.yml].
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing workflow file (without it, srt-gen refuses, exit code 4).
    #[arg(long)]
    pub force: bool,
    /// Show what would change (a diff), write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print the whole workflow instead of the diff.
    #[arg(long, requires = "dry_run")]
    pub full: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClaudeSettingsArgs {
    /// Show what would change (a diff), write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: print the whole file instead of the diff.
    #[arg(long, requires = "dry_run")]
    pub full: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
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
    /// Take the last report (kept in .srt-gen/learn) instead of running the command again.
    #[arg(long)]
    pub last: bool,
    /// Do not trace with strace: read only the command's own messages (a guess).
    #[arg(long)]
    pub no_trace: bool,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

/// What to start inside the sandbox, for `run` and `learn`.
#[derive(Debug, Args)]
pub struct LaunchArgs {
    /// The agent's prompt, for the autonomous agent (when no command is given).
    #[arg(short = 'p', long = "prompt", value_name = "PROMPT")]
    pub prompt: Option<String>,
    /// The srt executable (default: $SRT_GEN_SRT, then PATH; never from inside the project).
    #[arg(long, value_name = "PATH")]
    pub srt: Option<PathBuf>,
    /// Let this secret variable into the sandbox for this run (repeatable). By default
    /// every variable the secret catalog names or matches is withheld.
    #[arg(long = "pass-env", value_name = "NAME")]
    pub pass_env: Vec<String>,
    /// Keep HTTP_PROXY/HTTPS_PROXY/NO_PROXY in srt's own environment, where srt takes them
    /// as the upstream proxy for everything the sandbox reaches (otherwise they are taken
    /// out of srt's environment; the sandbox always gets srt's own proxy).
    #[arg(long)]
    pub parent_proxy: bool,
    /// Do not install the toolchains the project pins (rust-toolchain.toml, package.json's
    /// packageManager, .python-version for uv) before the sandbox starts; on a terminal,
    /// srt-gen asks first.
    #[arg(long)]
    pub no_install_toolchains: bool,
    /// The command and its arguments (default: the agent, autonomous and stateless).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// What the command line asks for: a command of the library, or text that only clap can
/// make (completions, the manual page), ready to print.
#[derive(Debug)]
pub enum Action {
    Run(commands::Command),
    Print(Vec<u8>),
}

impl Command {
    /// The command's clap-free options. Every argument struct is destructured whole, so a
    /// new flag cannot be dropped here unnoticed. Fails only on a command to run whose
    /// arguments are not UTF-8, and on `man` with an unknown command.
    pub fn into_action(self) -> Result<Action, Error> {
        Ok(Action::Run(match self {
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
                allow_errors,
                dry_run,
                json,
                print_policy,
                strict,
                launch,
            }) => commands::Command::Run(run::RunCommand {
                json,
                strict,
                run: RunOptions {
                    print_policy,
                    ..launch.into_options(debug, allow_errors, dry_run)?
                },
            }),
            Command::Doctor(DoctorArgs { json, srt }) => {
                commands::Command::Doctor(doctor::DoctorOptions { json, srt })
            }
            Command::Learn(LearnArgs {
                apply,
                yes,
                allow_risky,
                json,
                last,
                no_trace,
                launch,
            }) => commands::Command::Learn(learn::LearnOptions {
                apply,
                yes,
                allow_risky,
                json,
                last,
                no_trace,
                run: launch.into_options(true, false, false)?,
            }),
            Command::Ci(CiArgs { provider }) => commands::Command::Ci(provider.into()),
            Command::ClaudeSettings(ClaudeSettingsArgs {
                dry_run,
                full,
                json,
            }) => commands::Command::ClaudeSettings(claude_settings::ClaudeSettingsOptions {
                dry_run,
                full,
                json,
            }),
            Command::Completions(CompletionsArgs { shell }) => {
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "srt-gen", &mut out);
                return Ok(Action::Print(out));
            }
            Command::Man(ManArgs { command }) => {
                return man_page(command.as_deref()).map(Action::Print)
            }
        }))
    }
}

/// srt-gen's manual page, or one command's (`srt-gen-init(1)`).
fn man_page(command: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut top = Cli::command();
    top.build();
    let page = match command {
        None => top,
        Some(name) => {
            let found = top
                .get_subcommands()
                .find(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
                .cloned();
            let names: Vec<&str> = top
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|n| *n != "help")
                .collect();
            let Some(sub) = found else {
                return Err(Error::Usage(crate::error::with_tip(
                    format!("`{name}` is not a command of srt-gen"),
                    format!("one of: {}", names.join(", ")),
                )));
            };
            // `build` named it `srt-gen-NAME`, the page's title; the footer names the version.
            sub.version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Error::io("cannot render the manual page", e))?;
    Ok(out)
}

impl From<InitArgs> for init::InitOptions {
    fn from(args: InitArgs) -> init::InitOptions {
        let InitArgs {
            paths,
            dry_run,
            full,
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
            full,
            justfile: !no_justfile,
            subproject,
            plan: PlanOptions {
                allow_broken,
                platforms: platform.map(PlatformArg::platforms),
                agent: if no_agent {
                    Some(false)
                } else if agent.is_some() {
                    Some(true)
                } else {
                    None
                },
                agent_name: agent,
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
            full,
            json,
        } = args;
        change::ChangeOptions {
            names,
            dry_run,
            full,
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
            full,
            json,
        }) = provider;
        ci::CiOptions {
            full,
            json,
            github: GithubOptions {
                prompt,
                pull_request,
                install,
                output,
                force,
                dry_run,
            },
        }
    }
}

impl LaunchArgs {
    fn into_options(self, debug: bool, force: bool, dry_run: bool) -> Result<RunOptions, Error> {
        let LaunchArgs {
            prompt,
            srt,
            pass_env,
            parent_proxy,
            no_install_toolchains,
            command,
        } = self;
        for name in &pass_env {
            if !crate::catalog::secrets::srt_can_name(name) {
                return Err(Error::Usage(format!(
                    "--pass-env `{}` is not a variable name (letters, digits and `_`)",
                    crate::shown::shown(name)
                )));
            }
        }
        Ok(RunOptions {
            debug,
            force,
            dry_run,
            print_policy: false,
            pass_env,
            parent_proxy,
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

impl Command {
    /// The command's name in `--json` documents, when `--json` was given.
    pub fn json_name(&self) -> Option<&'static str> {
        let (name, json) = match self {
            Command::Init(a) => ("init", a.json),
            Command::Check(a) => ("check", a.json),
            Command::Add(a) => ("add", a.change.json),
            Command::Remove(a) => ("remove", a.json),
            Command::List(a) => ("list", a.json),
            Command::Explain(a) => ("explain", a.json),
            Command::Run(a) => ("run", a.json),
            Command::Doctor(a) => ("doctor", a.json),
            Command::Learn(a) => ("learn", a.json),
            Command::Ci(CiArgs {
                provider: CiProvider::Github(a),
            }) => ("ci", a.json),
            Command::ClaudeSettings(a) => ("claude-settings", a.json),
            Command::Completions(_) | Command::Man(_) => ("", false),
        };
        json.then_some(name)
    }
}

/// `--color WHEN` as the arguments give it, read before clap parses them, so that clap's
/// own help and errors follow it too. The last one before `--` wins; an unknown WHEN is
/// left for clap to report.
pub fn color_in(args: &[OsString]) -> Option<ui::ColorChoice> {
    let mut choice = None;
    let mut it = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--color") {
            Some("") => it.next().unwrap_or(""),
            Some(v) => match v.strip_prefix('=') {
                Some(v) => v,
                None => continue,
            },
            None => continue,
        };
        if let Ok(c) = ColorArg::from_str(value, false) {
            choice = Some(c.into());
        }
    }
    choice
}

/// The subcommand the arguments name, and where: the first word that is not a global
/// option (or a global option's value).
fn subcommand_in(args: &[OsString]) -> Option<(usize, &str)> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_str()?;
        match a {
            "-C" | "--directory" | "--color" => i += 2,
            "--" => return None,
            _ if a.starts_with('-') => i += 1,
            _ => return Some((i, a)),
        }
    }
    None
}

/// clap's error, with srt-gen's tip for the mistakes people make most: a command to run
/// without `--` before it, `srt-gen cargo fetch` without `run`, `add` without a name.
pub fn with_hints(mut e: clap::Error, args: &[OsString]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let tip = |text: String| ContextValue::StyledStrs(vec![text.into()]);
    let quoted = |words: &[OsString]| -> String {
        words
            .iter()
            .map(|w| crate::output::justfile::shell_quote(&w.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let sub = subcommand_in(args);
    let invalid = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    match (e.kind(), sub, invalid) {
        (ErrorKind::UnknownArgument, Some((at, "run" | "learn")), Some(arg))
            if !arg.starts_with('-') =>
        {
            // Everything from the first word clap did not take is the command.
            let first = args[at + 1..]
                .iter()
                .position(|a| a.to_str() == Some(arg.as_str()))
                .map_or(args.len(), |p| at + 1 + p);
            let fixed = format!("{} -- {}", quoted(&args[1..first]), quoted(&args[first..]));
            e.insert(
                ContextKind::Suggested,
                tip(format!(
                    "to run a command in the sandbox, put `--` before it: `srt-gen {fixed}`"
                )),
            );
        }
        (ErrorKind::UnknownArgument, Some((_, "run" | "learn")), Some(arg)) if arg == "--force" => {
            e.insert(
                ContextKind::Suggested,
                tip(
                    "`--allow-errors` runs despite errors in the policy (`--force` is for files)"
                        .into(),
                ),
            );
        }
        (ErrorKind::InvalidSubcommand, Some((at, word)), _)
            if e.get(ContextKind::SuggestedSubcommand).is_none() =>
        {
            let _ = word;
            e.insert(
                ContextKind::Suggested,
                tip(format!(
                    "to run a command in the sandbox: `srt-gen run -- {}`; `srt-gen --help` lists srt-gen's commands",
                    quoted(&args[at..])
                )),
            );
        }
        (ErrorKind::MissingRequiredArgument, Some((_, "add" | "remove")), _) => {
            e.insert(
                ContextKind::Suggested,
                tip("`srt-gen list` shows every name".into()),
            );
        }
        _ => {}
    }
    e
}
