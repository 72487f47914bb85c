//! `srt-gen ci github`: a GitHub Actions workflow that installs srt and its Linux
//! dependencies on a stock Ubuntu runner and runs the agent inside the sandbox. Rendered
//! from `templates/github-workflow.yml.j2` with the `<@ @>` delimiters of
//! [`super::template`], so GitHub's own `${{ }}` expressions pass through untouched.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::output::FileOutcome;

/// The srt version the generated files install.
pub const SRT_VERSION: &str = "0.0.83";

/// The Node.js major version the workflow sets up: srt 0.0.83 and Claude Code both
/// declare `node >= 22` in their package's `engines`.
pub const NODE_VERSION: &str = "22";

/// Where the workflow goes, relative to the project folder.
pub const DEFAULT_OUTPUT: &str = ".github/workflows/srt-gen-agent.yml";

/// The srt-gen that writes the workflow, and so the version it installs: the runner gets
/// the same srt-gen that wrote the policy format and the workflow it runs.
pub const SRT_GEN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The repository whose GitHub releases (made by its `.github/workflows/release.yml`)
/// the workflow downloads srt-gen from, unless `--install` says otherwise. Both are
/// variables at the top of the workflow, for a fork's releases or another version.
pub const RELEASES_REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// What the agent is asked when neither `--prompt` nor the run's input gives a prompt.
pub const DEFAULT_PROMPT: &str =
    "Review this repository's code and report the most important problems you find. Change no files.";

const WORKFLOW: &str = include_str!("../../templates/github-workflow.yml.j2");

#[derive(Debug, Clone)]
pub struct GithubOptions {
    /// The default prompt (the manual run's input default, and the pull request prompt).
    pub prompt: Option<String>,
    /// Also run on pull requests from branches of the same repository.
    pub pull_request: bool,
    /// The shell command that installs srt-gen on the runner.
    pub install: Option<String>,
    /// The workflow file, relative to the project folder unless absolute.
    pub output: Option<PathBuf>,
    pub force: bool,
    pub dry_run: bool,
}

/// What `ci github` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiOutcome {
    pub file: PathBuf,
    pub outcome: FileOutcome,
    pub dry_run: bool,
    /// With `--dry-run`: the file exists with other content, so writing it needs `--force`.
    pub needs_force: bool,
    #[serde(skip)]
    pub contents: String,
    /// The file as it was (`None`: there was none), for `--dry-run`'s diff.
    #[serde(skip)]
    pub previous: Option<String>,
}

#[derive(Serialize)]
struct Context<'a> {
    prompt: String,
    /// A command of the user's (`--install`); none: the release download.
    install: Option<&'a str>,
    pull_request: bool,
    srt_version: &'a str,
    node_version: &'a str,
    /// YAML (JSON) strings, for the env block.
    srt_gen_version: String,
    releases: String,
    /// The version as text, for comments.
    srt_gen_version_plain: &'a str,
}

/// Renders the workflow. The prompt becomes a YAML double-quoted scalar (a JSON string
/// is one), so quotes, `#`, `:` and newlines in it cannot change the file's structure.
/// `install`: the user's command that installs srt-gen; `None`, this version's release.
pub fn github_workflow(
    prompt: Option<&str>,
    install: Option<&str>,
    pull_request: bool,
) -> Result<String, Error> {
    let prompt = prompt.unwrap_or(DEFAULT_PROMPT);
    if prompt.trim().is_empty() {
        return Err(Error::Usage(
            "--prompt is empty; give the agent something to do".into(),
        ));
    }
    if prompt.contains("${{") {
        return Err(Error::Usage(
            "the prompt contains `${{`, which GitHub Actions would evaluate as an expression; \
             write it without that sequence"
                .into(),
        ));
    }
    let install = install.map(str::trim);
    if install.is_some_and(|i| i.is_empty() || i.contains(['\n', '\r'])) {
        return Err(Error::Usage(crate::error::with_tip(
            "--install must be one non-empty shell command line",
            "for example --install 'cargo install --locked --git URL --tag vVERSION srt-gen'",
        )));
    }
    if install.is_some_and(|i| i.contains("${{")) {
        return Err(Error::Usage(
            "--install contains `${{`, which GitHub Actions would evaluate as an expression".into(),
        ));
    }
    let ctx = Context {
        prompt: serde_json::to_string(prompt).expect("a string serializes"),
        install,
        pull_request,
        srt_version: SRT_VERSION,
        node_version: NODE_VERSION,
        srt_gen_version: serde_json::to_string(SRT_GEN_VERSION).expect("a string serializes"),
        releases: serde_json::to_string(RELEASES_REPOSITORY).expect("a string serializes"),
        srt_gen_version_plain: SRT_GEN_VERSION,
    };
    super::template::environment()
        .render_str(WORKFLOW, ctx)
        .map_err(|e| Error::Usage(format!("internal: workflow template: {e}")))
}

/// Writes the workflow under `root`. An existing file with other content is left alone
/// unless `force` is set: that is a refused write (exit code 4).
pub fn write_github(root: &Path, opts: &GithubOptions) -> Result<CiOutcome, Error> {
    let GithubOptions {
        prompt,
        pull_request,
        install,
        output,
        force,
        dry_run,
    } = opts;
    let contents = github_workflow(prompt.as_deref(), install.as_deref(), *pull_request)?;
    let file = root.join(output.as_deref().unwrap_or(Path::new(DEFAULT_OUTPUT)));
    let old = crate::files::read_regular(&file)?;
    let outcome = FileOutcome::of(old.as_deref(), contents.as_bytes());
    let needs_force = outcome == FileOutcome::Updated && !force;
    if needs_force && !dry_run {
        return Err(Error::Refused(crate::error::with_tip(
            format!(
                "{} already exists and differs from what srt-gen would write",
                file.display()
            ),
            "pass --force to replace it, --output to write another file, or --dry-run to see the difference",
        )));
    }
    if !dry_run && outcome != FileOutcome::Unchanged {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        crate::files::write_atomic(&file, contents.as_bytes())?;
    }
    Ok(CiOutcome {
        file,
        outcome,
        dry_run: *dry_run,
        needs_force,
        contents,
        previous: old.map(|b| String::from_utf8_lossy(&b).into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_cannot_break_the_yaml_or_the_script() {
        let p = "fix it: \"now\" # and\nthen 'this' $(rm -rf /) `x`";
        let out = github_workflow(Some(p), None, false).unwrap();
        let quoted = serde_json::to_string(p).unwrap();
        assert!(out.contains(&format!("default: {quoted}\n")), "{out}");
        assert!(out.contains(&format!("SRT_GEN_DEFAULT_PROMPT: {quoted}\n")));
        // The prompt appears nowhere else, least of all in a `run:` script.
        assert_eq!(out.matches("rm -rf").count(), 2);
        assert!(out.contains("srt-gen run -p \"${PROMPT:-$SRT_GEN_DEFAULT_PROMPT}\""));
    }

    #[test]
    fn refuses_expressions_and_bad_install_lines() {
        assert!(github_workflow(Some("say ${{ secrets.X }}"), None, false).is_err());
        assert!(github_workflow(Some("  "), None, false).is_err());
        assert!(github_workflow(None, Some("a\nb"), false).is_err());
        assert!(github_workflow(None, Some(" "), false).is_err());
        assert!(github_workflow(None, Some("echo ${{ secrets.X }}"), false).is_err());
    }

    #[test]
    fn pull_request_trigger_is_optional() {
        let without = github_workflow(None, None, false).unwrap();
        let with = github_workflow(None, None, true).unwrap();
        assert!(!without.contains("pull_request"));
        assert!(with.contains("\n  pull_request:\n"));
        assert!(with.contains("head.repo.full_name == github.repository"));
        assert!(!with.contains("pull_request_target"));
    }
}
