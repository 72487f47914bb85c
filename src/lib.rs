//! srt-gen: least-privilege settings for Anthropic's Sandbox Runtime, from what a project
//! uses. Data flows one way, one folder per stage, and a lower stage never names a higher
//! one: [`detect`] → [`catalog`] → [`policy`] → [`output`] → [`sandbox`], with the
//! [`commands`] on top. [`error`], [`env`], [`files`], [`hosts`] and [`shown`] serve every stage;
//! [`cli`] is the only module that sees clap.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod detect;
pub mod env;
pub mod error;
pub mod files;
pub mod hosts;
pub mod output;
pub mod policy;
pub mod sandbox;
pub mod shown;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
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
            eprintln!("srt-gen: error: {}", files::shown_text(&e.to_string()));
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
    let command = cli.command.into_options()?;
    commands::execute(command, &base, &env)
}
