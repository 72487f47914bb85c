//! Command-line types (clap derive) and their conversion into the library's options.
//! Nothing past this module sees clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::env::Os;

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
    Add(ChangeArgs),
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
    /// Leave the agent's own hosts and state paths out.
    #[arg(long)]
    pub no_agent: bool,
    /// Leave out hosts that files inside the repository name (.npmrc registries, git
    /// dependencies, ...): whoever wrote the repository chose them. Remembered.
    #[arg(long, conflicts_with = "project_hosts")]
    pub no_project_hosts: bool,
    /// Take hosts named by files inside the repository again after --no-project-hosts.
    #[arg(long)]
    pub project_hosts: bool,
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
    /// The command and its arguments (default: the agent, autonomous and stateless).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}
