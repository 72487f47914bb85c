//! `srt-gen run`: find srt, preflight the machine and the project, build srt's command
//! line, run it with signals forwarded, and pass the command's exit status on.
//!
//! What srt alone gets wrong, and what this module does about it (SRT-NOTES.md):
//! - absent write paths are skipped: the folders the policy names are created first;
//! - TMPDIR points at `/tmp/claude`: `CLAUDE_CODE_TMPDIR` points it at `.srt-gen/tmp`;
//! - relative paths and protected files are anchored at srt's working directory: srt is
//!   always started in the project root, and a small `sh` wrapper inside the sandbox
//!   moves to the folder the user started from;
//! - srt's flag parser takes the command's flags: srt always gets `--` before the command;
//! - srt exits 0 when interrupted and leaves the sandbox behind on SIGHUP: srt-gen
//!   forwards SIGINT, SIGTERM and SIGHUP itself, reaps what is left, and exits 128+N.
//! - srt deletes the placeholders it mounts over absent protected paths when its command
//!   ends, lifting them in any other sandbox of the same user: srt-gen makes and removes
//!   them itself (`placeholders`).

// Signal handlers, prctl(PR_SET_CHILD_SUBREAPER), kill and waitpid are libc calls that
// std does not wrap; every unsafe block below is one such call with plain-data arguments.
#![allow(unsafe_code)]

use std::fmt::Write as _;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::catalog::{Catalog, List};
use crate::detect::project::{Project, SETTINGS_FILE};
use crate::env::Env;
use crate::error::Error;
use crate::output::justfile::shell_quote;
use crate::policy::settings::Settings;

/// The per-project temp folder, relative to the project root.
pub const TMP_DIR: &str = ".srt-gen/tmp";
/// The variable that names srt's executable.
pub const SRT_ENV: &str = "SRT_GEN_SRT";
/// How a user installs the srt version srt-gen is built against.
pub const INSTALL_SRT: &str = "npm install -g @anthropic-ai/sandbox-runtime@0.0.83";
/// srt's variable for the sandbox's TMPDIR (srt `sandbox-utils.js`).
pub const TMPDIR_VAR: &str = "CLAUDE_CODE_TMPDIR";

/// What srt needs on Linux besides Node (srt README, "Linux"), with the Debian package
/// that has each. `which` is how srt finds the others (`utils/which.js`).
pub const LINUX_TOOLS: [(&str, &str); 4] = [
    ("bwrap", "bubblewrap"),
    ("socat", "socat"),
    ("rg", "ripgrep"),
    ("which", "debianutils"),
];

const EXCLUDE_BEGIN: &str =
    "# >>> srt-gen run >>> placeholders srt mounts over absent protected names while it runs";
const EXCLUDE_END: &str = "# <<< srt-gen run <<<";

/// Runs inside the sandbox: records that the command started (so that srt's own failure
/// can be told from the command's), moves to the user's folder, and becomes the command.
/// `$1` is the marker file (empty: none), `$2` the folder, the rest the command.
const WRAPPER: &str =
    r#"[ -z "$1" ] || true 2>/dev/null >"$1"; cd "$2" || exit 125; shift 2; exec "$@""#;

/// Seconds a signalled command gets to exit before what is left of it is killed.
const GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub debug: bool,
    /// Run even when `srt-gen check` finds errors in the policy.
    pub force: bool,
    pub dry_run: bool,
    pub prompt: Option<String>,
    pub srt: Option<PathBuf>,
    pub command: Vec<String>,
}

/// Everything `run` (and `learn`) decide before anything is started.
pub struct Prepared {
    pub project: Project,
    pub settings: Settings,
    pub srt: SrtPath,
    pub missing: Vec<Missing>,
    pub pre: Preflight,
    pub launch: Launch,
}

/// Finds the project, srt and the tools, plans the preflight and builds srt's command
/// line. Creates nothing.
pub fn prepare(cwd: &Path, env: &Env, opts: &RunOptions) -> Result<Prepared, Error> {
    if opts.prompt.is_some() && !opts.command.is_empty() {
        return Err(Error::Usage(
            "-p is the agent's prompt; with a command after `--`, pass the prompt as one of its arguments".into(),
        ));
    }
    let project = Project::find(cwd).ok_or_else(|| {
        Error::Usage(format!(
            "no {SETTINGS_FILE} in {} or any folder above it; run `srt-gen init` in the project first",
            cwd.display()
        ))
    })?;
    let workdir = cwd
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot resolve {}", cwd.display()), e))?;
    let settings = crate::policy::load::load_policy(&project, env, opts.force)?;
    let srt = find_srt(opts.srt.as_deref(), env, cwd, Some(&project.root))?;
    let missing = missing_tools(&srt.path, env);
    if !missing.is_empty() && !opts.dry_run {
        return Err(Error::Environment(missing_message(&missing)));
    }
    let pre = preflight(&project, &settings, env)?;
    let command = if opts.command.is_empty() {
        let catalog = Catalog::load(&project.root, env)?;
        crate::catalog::agent::autonomous_argv(
            &crate::catalog::agent::mcp_config(settings.fragment_names(), &catalog),
            opts.prompt.as_deref(),
        )
    } else {
        opts.command.clone()
    };
    let launch = Launch::new(&project, &srt.path, &pre, &workdir, opts.debug, command);
    Ok(Prepared {
        project,
        settings,
        srt,
        missing,
        pre,
        launch,
    })
}

/// `srt-gen run`.
pub fn run(cwd: &Path, env: &Env, opts: &RunOptions) -> Result<u8, Error> {
    let Prepared {
        project,
        srt,
        missing,
        pre,
        launch,
        ..
    } = prepare(cwd, env, opts)?;

    if opts.dry_run {
        print!(
            "{}",
            dry_run_text(&project, &srt, &missing, &pre, &launch, env)
        );
        return Ok(0);
    }
    for line in pre.apply()? {
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

// ---------------------------------------------------------------------------------------
// Finding srt and the tools it needs

/// Where srt was found, and how.
#[derive(Debug, Clone)]
pub struct SrtPath {
    pub path: PathBuf,
    pub how: &'static str,
}

/// `--srt PATH`, then `$SRT_GEN_SRT`, then PATH, then the project's `node_modules/.bin`.
pub fn find_srt(
    explicit: Option<&Path>,
    env: &Env,
    cwd: &Path,
    project_root: Option<&Path>,
) -> Result<SrtPath, Error> {
    let given = explicit
        .map(|p| (p.to_path_buf(), "--srt"))
        .or_else(|| env.var(SRT_ENV).map(|v| (PathBuf::from(v), SRT_ENV)));
    if let Some((p, how)) = given {
        let resolved = if p.components().count() == 1 && !p.is_absolute() {
            which(&p.to_string_lossy(), env)
        } else {
            Some(cwd.join(&p)).filter(|p| is_executable(p))
        };
        return resolved.map(|path| SrtPath { path, how }).ok_or_else(|| {
            Error::Environment(format!(
                "{how} names {}, which is not an executable file; point it at srt's `bin/srt` \
                 (install srt with `{INSTALL_SRT}`)",
                p.display()
            ))
        });
    }
    if let Some(path) = which("srt", env) {
        return Ok(SrtPath { path, how: "PATH" });
    }
    if let Some(root) = project_root {
        let p = root.join("node_modules/.bin/srt");
        if is_executable(&p) {
            return Ok(SrtPath {
                path: p,
                how: "node_modules/.bin",
            });
        }
    }
    Err(Error::Environment(format!(
        "srt (Anthropic's Sandbox Runtime) was not found on PATH or in the project's \
         node_modules/.bin; install it with `{INSTALL_SRT}`, or name it with --srt PATH or {SRT_ENV}"
    )))
}

/// The first executable `name` on `$PATH`.
pub fn which(name: &str, env: &Env) -> Option<PathBuf> {
    let path = env.var("PATH")?;
    std::env::split_paths(path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// True when srt's executable is a Node script (its `#!` line names node).
pub fn needs_node(srt: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 128];
    let n = std::fs::File::open(srt)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"#!")
        && head
            .split(|&b| b == b'\n')
            .next()
            .is_some_and(|l| String::from_utf8_lossy(l).contains("node"))
}

/// A tool srt needs that is not on PATH, and the package that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub tool: &'static str,
    pub package: &'static str,
}

/// What srt needs on this platform and PATH lacks: Node (when srt is a Node script) and,
/// on Linux, bwrap, socat, rg and which.
pub fn missing_tools(srt: &Path, env: &Env) -> Vec<Missing> {
    let mut out = Vec::new();
    if needs_node(srt) && which("node", env).is_none() {
        out.push(Missing {
            tool: "node",
            package: "nodejs",
        });
    }
    if env.os == crate::env::Os::Linux {
        for (tool, package) in LINUX_TOOLS {
            if which(tool, env).is_none() {
                out.push(Missing { tool, package });
            }
        }
    }
    out
}

pub fn missing_message(missing: &[Missing]) -> String {
    let named: Vec<String> = missing
        .iter()
        .map(|m| {
            if m.tool == "node" {
                "node (Node.js 20 or later, from nodejs.org or your package manager)".to_string()
            } else {
                format!("{} (package {})", m.tool, m.package)
            }
        })
        .collect();
    let mut s = format!(
        "this machine lacks what srt needs to run: {}",
        named.join(", ")
    );
    let pkgs: Vec<&str> = missing
        .iter()
        .filter(|m| m.tool != "node")
        .map(|m| m.package)
        .collect();
    if !pkgs.is_empty() {
        let _ = write!(
            s,
            "; install with `sudo apt-get install -y {}` (Debian, Ubuntu; most distributions use the same package names)",
            pkgs.join(" ")
        );
    }
    s
}

// ---------------------------------------------------------------------------------------
// Preflight

/// What a write path needs before srt starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WritePath {
    Present(PathBuf),
    /// Absent, and srt-gen creates it.
    Create(PathBuf),
    /// Absent, and srt-gen leaves it: srt will skip it.
    Skip {
        path: PathBuf,
        why: String,
        /// Nothing is wrong (an absent file entry, another platform's path): not worth a
        /// note on every run.
        expected: bool,
    },
}

/// Decides what to do about one `allowWrite` entry.
///
/// The rule for entries that may name files: an entry that exists is left as it is; an
/// absent entry whose last name has an extension once a leading dot is dropped
/// (`~/.claude.json`, `config.toml`; not `~/.npm`, `~/.cache/pip`) names a file, and is
/// not created (a folder in its place would break the tool that writes the file).
/// Folders are created only under the home folder, the project or the temp area, and
/// only when the nearest existing folder above them is there too (a symlink on the way
/// could lead elsewhere); everything else is left to the user, and reported.
pub fn classify_write(entry: &str, root: &Path, env: &Env) -> WritePath {
    let path = env.absolute(entry, root);
    if std::fs::symlink_metadata(&path).is_ok() {
        return WritePath::Present(path);
    }
    let skip = |why: &str| WritePath::Skip {
        path: path.clone(),
        why: why.to_string(),
        expected: false,
    };
    let expected = |why: &str| WritePath::Skip {
        path: path.clone(),
        why: why.to_string(),
        expected: true,
    };
    if entry.contains(['*', '?', '[']) {
        return skip("a glob, which srt ignores in allowWrite on Linux");
    }
    if path
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
    {
        return skip(
            "absent, and spelled with `.` or `..`; srt-gen creates only plainly spelled folders",
        );
    }
    if env.os == crate::env::Os::Linux && path.starts_with(env.home.join("Library")) {
        return expected(
            "a macOS path (the policy covers both platforms); nothing to prepare on Linux",
        );
    }
    if names_a_file(&path) {
        return expected("absent, and it names a file (its name has an extension), so srt-gen does not create it; srt skips it until it exists");
    }
    let areas = creatable_areas(root, env);
    let inside = |p: &Path| areas.iter().any(|a| p.starts_with(a));
    let existing = path.ancestors().find(|a| a.exists());
    let existing_ok = existing
        .and_then(|e| e.canonicalize().ok())
        .is_some_and(|e| inside(&e));
    if inside(&path) && existing_ok {
        WritePath::Create(path)
    } else {
        skip("absent, and outside the home folder, the project and the temp area, where srt-gen creates nothing; srt skips it: create it yourself or remove the entry")
    }
}

pub(crate) fn names_a_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .is_some_and(|n| {
            let n = n.strip_prefix('.').unwrap_or(&n);
            n.contains('.')
        })
}

/// The home folder, the project and the temp area, each as given and resolved.
fn creatable_areas(root: &Path, env: &Env) -> Vec<PathBuf> {
    let mut areas = vec![env.home.clone(), root.to_path_buf(), PathBuf::from("/tmp")];
    if let Some(t) = env.var("TMPDIR").filter(|t| Path::new(t).is_absolute()) {
        areas.push(PathBuf::from(t));
    }
    let resolved: Vec<PathBuf> = areas.iter().filter_map(|a| a.canonicalize().ok()).collect();
    areas.extend(resolved);
    // `/` as home would make everything creatable.
    areas.retain(|a| a.parent().is_some());
    areas
}

/// Whether the policy lets the sandbox write its temp folder, `./.srt-gen/tmp`.
pub fn tmp_writable(root: &Path, settings: &Settings, env: &Env) -> bool {
    let tmp = root.join(TMP_DIR);
    settings
        .strings(List::AllowWrite)
        .iter()
        .any(|e| tmp.starts_with(env.absolute(e, root)))
}

/// What `run` does before srt starts, computed without touching anything.
#[derive(Debug, Clone)]
pub struct Preflight {
    /// Folders to create, in order.
    pub create: Vec<PathBuf>,
    /// allowWrite entries left absent, with why.
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    /// The per-project temp folder (`CLAUDE_CODE_TMPDIR`).
    pub tmp: PathBuf,
    /// Whether the sandbox may write the temp folder (then the start marker goes there).
    pub tmp_writable: bool,
    pub exclude: Option<ExcludeUpdate>,
    /// Absent protected paths srt-gen makes placeholders for while the sandbox runs.
    pub placeholders: crate::placeholders::Plan,
}

/// A rewrite of git's `info/exclude` with the placeholder names.
#[derive(Debug, Clone)]
pub struct ExcludeUpdate {
    pub file: PathBuf,
    pub text: String,
    pub patterns: Vec<String>,
}

pub fn preflight(project: &Project, settings: &Settings, env: &Env) -> Result<Preflight, Error> {
    let root = &project.root;
    let mut create = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let allow: Vec<&str> = settings.strings(List::AllowWrite);
    for entry in &allow {
        match classify_write(entry, root, env) {
            WritePath::Present(_) => {}
            WritePath::Create(p) if !create.contains(&p) => create.push(p),
            WritePath::Create(_) => {}
            WritePath::Skip {
                why,
                expected: true,
                ..
            } => skipped.push(format!("allowWrite `{entry}` is {why}")),
            WritePath::Skip { why, .. } => warnings.push(format!("allowWrite `{entry}` is {why}")),
        }
    }
    let tmp = root.join(TMP_DIR);
    if !tmp.exists() && !create.contains(&tmp) {
        create.push(tmp.clone());
    }
    let tmp_writable = tmp_writable(root, settings, env);
    if !tmp_writable {
        warnings.push(format!(
            "the policy does not let the sandbox write ./{TMP_DIR}, the sandbox's TMPDIR; \
             add \"./{TMP_DIR}\" to filesystem.allowWrite in {}",
            project.settings.display()
        ));
    }
    let placeholders = crate::placeholders::plan(root, settings, env);
    Ok(Preflight {
        create,
        skipped,
        warnings,
        tmp,
        tmp_writable,
        exclude: plan_exclude(root, &placeholders.protected)?,
        placeholders,
    })
}

impl Preflight {
    /// Creates the folders and writes the exclude file. Returns what was done, for the user.
    pub fn apply(&self) -> Result<Vec<String>, Error> {
        let mut done = Vec::new();
        for d in &self.create {
            std::fs::create_dir_all(d)
                .map_err(|e| Error::io(format!("cannot create {}", d.display()), e))?;
            done.push(format!("created {}", d.display()));
        }
        if let Some(x) = &self.exclude {
            if let Some(dir) = x.file.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            }
            crate::files::write_atomic(&x.file, x.text.as_bytes())?;
        }
        Ok(done)
    }
}

/// The git repository holding `root`: its top folder and its `info/exclude` file.
fn git_exclude_file(root: &Path) -> Option<(PathBuf, PathBuf)> {
    for dir in root.ancestors() {
        let dotgit = dir.join(".git");
        let Ok(meta) = std::fs::metadata(&dotgit) else {
            continue;
        };
        let gitdir = if meta.is_dir() {
            dotgit
        } else {
            // A worktree or submodule: `gitdir: <path>`, and a `commondir` for worktrees.
            let text = std::fs::read_to_string(&dotgit).ok()?;
            let gd = dir.join(text.trim().strip_prefix("gitdir:")?.trim());
            match std::fs::read_to_string(gd.join("commondir")) {
                Ok(c) => gd.join(c.trim()),
                Err(_) => gd,
            }
        };
        return Some((dir.to_path_buf(), gitdir.join("info").join("exclude")));
    }
    None
}

/// The project's placeholder names (the paths srt protects with a placeholder when absent,
/// from [`crate::placeholders::plan`], outside `.git`) that are absent now, as anchored
/// `info/exclude` patterns, in a block srt-gen rewrites each run. A name already listed
/// stays while it is a placeholder: another run's may be standing there right now. (The
/// sandbox's temp folder is kept out of git by `.srt-gen/.gitignore`, which `init` writes.)
fn plan_exclude(root: &Path, protected: &[PathBuf]) -> Result<Option<ExcludeUpdate>, Error> {
    let Some((top, file)) = git_exclude_file(root) else {
        return Ok(None);
    };
    let prefix = root
        .strip_prefix(&top)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = if prefix.is_empty() {
        "/".to_string()
    } else {
        format!("/{}/", escape_pattern(&prefix))
    };
    let old = match crate::files::read_regular(&file) {
        Ok(b) => b
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
        Err(_) => return Ok(None),
    };
    let (outside, listed) = split_block(&old);
    let real_root = crate::env::resolve_symlinks(root);
    let mut patterns: Vec<String> = protected
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&real_root).ok()?;
            if rel.as_os_str().is_empty() || rel.starts_with(".git") {
                return None;
            }
            let pattern = format!("{prefix}{}", escape_pattern(&rel.to_string_lossy()));
            let keep = std::fs::symlink_metadata(p).is_err()
                || (listed.contains(&pattern) && crate::placeholders::is_placeholder(p));
            keep.then_some(pattern)
        })
        .collect();
    patterns.sort();
    patterns.dedup();
    let mut text = outside;
    if !patterns.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(EXCLUDE_BEGIN);
        text.push('\n');
        for p in &patterns {
            text.push_str(p);
            text.push('\n');
        }
        text.push_str(EXCLUDE_END);
        text.push('\n');
    }
    if text == old {
        return Ok(None);
    }
    Ok(Some(ExcludeUpdate {
        file,
        text,
        patterns,
    }))
}

/// The exclude file without srt-gen's block, and the patterns the block held.
fn split_block(text: &str) -> (String, Vec<String>) {
    let mut outside = String::new();
    let mut listed = Vec::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == EXCLUDE_BEGIN {
            inside = true;
        } else if inside && bare == EXCLUDE_END {
            inside = false;
        } else if inside {
            listed.push(bare.to_string());
        } else {
            outside.push_str(line);
        }
    }
    (outside, listed)
}

/// Escapes gitignore's special characters so that a name matches only itself.
fn escape_pattern(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | '\\') || (i == 0 && matches!(c, '!' | '#')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// The command line

/// srt's command line, working directory and environment.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Always the project root: srt anchors relative paths and protected names here.
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    /// Written by the wrapper inside the sandbox once the command is about to start.
    pub marker: Option<PathBuf>,
    /// `srt-gen learn`: read srt's stderr, keep its debug lines, pass the rest on.
    pub observe: bool,
    /// `srt-gen learn --json`: the command's stdout goes to stderr, leaving stdout for JSON.
    pub stdout_to_stderr: bool,
    /// `--debug`: also say which placeholders were made.
    pub debug: bool,
    /// Made before srt starts and removed after (see [`crate::placeholders`]).
    pub placeholders: crate::placeholders::Plan,
}

/// What `srt-gen learn` reads off srt's stderr while the command runs.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// srt's `[SandboxDebug]` lines (the command never sees them).
    pub debug: Vec<String>,
    /// The command's own stderr lines that name a refused write.
    pub refused_writes: Vec<String>,
}

impl Launch {
    pub fn new(
        project: &Project,
        srt: &Path,
        pre: &Preflight,
        workdir: &Path,
        debug: bool,
        command: Vec<String>,
    ) -> Launch {
        let marker = pre.tmp_writable.then(|| {
            pre.tmp
                .join(format!(".srt-gen-run-{}.started", std::process::id()))
        });
        let mut args = vec![
            "--settings".to_string(),
            project.settings.display().to_string(),
        ];
        if debug {
            args.push("--debug".into());
        }
        args.extend(["--", "sh", "-c", WRAPPER, "srt-gen-run"].map(String::from));
        args.push(
            marker
                .as_ref()
                .map(|m| m.display().to_string())
                .unwrap_or_default(),
        );
        args.push(workdir.display().to_string());
        args.extend(command);
        Launch {
            program: srt.to_path_buf(),
            args,
            cwd: project.root.clone(),
            env: vec![(TMPDIR_VAR.to_string(), pre.tmp.display().to_string())],
            marker,
            observe: false,
            stdout_to_stderr: false,
            debug,
            placeholders: pre.placeholders.clone(),
        }
    }

    /// The command line as a shell would take it: `cd ROOT && VAR=... srt ...`.
    pub fn shell_line(&self) -> String {
        let mut words = vec![
            "cd".to_string(),
            shell_quote(&self.cwd.display().to_string()),
            "&&".to_string(),
        ];
        for (k, v) in &self.env {
            words.push(format!("{k}={}", shell_quote(v)));
        }
        words.push(shell_quote(&self.program.display().to_string()));
        words.extend(self.args.iter().map(|a| shell_quote(a)));
        words.join(" ")
    }

    /// What `hold` could not do, always; what it made, with `run --debug`.
    fn report_placeholders(&self, held: &crate::placeholders::Held) {
        let verb = if self.observe { "learn" } else { "run" };
        for w in &held.warnings {
            eprintln!("srt-gen {verb}: note: {w}");
        }
        if self.debug && !self.observe && !held.made.is_empty() {
            let made: Vec<String> = held.made.iter().map(|p| p.display().to_string()).collect();
            eprintln!(
                "srt-gen run: placeholders over absent protected paths, removed after the last run ends: {}",
                made.join(" ")
            );
        }
    }

    /// Starts srt and waits for it, forwarding SIGINT, SIGTERM and SIGHUP.
    pub fn spawn(&self) -> Result<Outcome, Error> {
        self.spawn_observed().map(|(o, _)| o)
    }

    /// As [`Launch::spawn`], and with `observe` set, what srt's stderr showed.
    pub fn spawn_observed(&self) -> Result<(Outcome, Observed), Error> {
        if let Some(m) = &self.marker {
            let _ = std::fs::remove_file(m);
        }
        let held = crate::placeholders::hold(&self.placeholders);
        self.report_placeholders(&held);
        let supervised = supervise(self);
        held.release();
        let (out, observed) = match supervised {
            Ok((o, obs)) => (Ok(o), obs),
            Err(e) => (Err(e), Observed::default()),
        };
        if let Some(m) = &self.marker {
            let started = m.exists();
            let _ = std::fs::remove_file(m);
            if let Ok(Outcome::Exited(code)) = out {
                if code != 0 && !started {
                    return Ok((Outcome::SrtFailed(code), observed));
                }
            }
        }
        out.map(|o| (o, observed))
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command's own exit status (128+N when it was killed by signal N).
    Exited(u8),
    /// srt-gen received signal N and ended the sandbox.
    Signalled(i32),
    /// srt failed before the command started.
    SrtFailed(u8),
}

fn dry_run_text(
    project: &Project,
    srt: &SrtPath,
    missing: &[Missing],
    pre: &Preflight,
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
    let _ = writeln!(s, "command     {}", launch.shell_line());
    s
}

// ---------------------------------------------------------------------------------------
// Running srt: signals, reaping, exit status

static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    PENDING.store(sig, Ordering::SeqCst);
}

const FORWARDED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn install_handlers() {
    for sig in FORWARDED {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler
        // only stores to an atomic.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Makes srt-gen the reaper of every orphan below it (Linux), so that a sandboxed
/// process srt leaves behind is still srt-gen's to find and end.
#[cfg(target_os = "linux")]
fn become_subreaper() {
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn become_subreaper() {}

fn stdin_is_tty() -> bool {
    // SAFETY: isatty on a descriptor number.
    unsafe { libc::isatty(0) == 1 }
}

fn send(pid: i32, sig: libc::c_int) {
    // SAFETY: kill with plain integers; a stale pid gives ESRCH, which is ignored.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Reaps every child that has exited. Returns srt's wait status if srt was among them.
fn reap(srt: i32) -> Option<i32> {
    let mut srt_status = None;
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid pointer to a local.
        let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if r <= 0 {
            if r < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return srt_status;
        }
        if r == srt {
            srt_status = Some(status);
        }
    }
}

fn exit_code(status: i32) -> u8 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) as u8
    } else if libc::WIFSIGNALED(status) {
        128u8.saturating_add(libc::WTERMSIG(status) as u8)
    } else {
        1
    }
}

/// Reads srt's stderr: debug lines (and the JSON blocks srt prints after some of them)
/// are kept, everything else goes on to srt-gen's stderr, noting refused writes.
fn observe_stderr(pipe: std::process::ChildStderr) -> std::thread::JoinHandle<Observed> {
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let mut obs = Observed::default();
        let mut in_block = false;
        let mut recent: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        let mut reader = io::BufReader::new(pipe);
        let mut buf = Vec::new();
        let stderr = io::stderr();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            if in_block {
                in_block = line != "}" && line != "]";
                buf.clear();
                continue;
            }
            if let Some(rest) = line.strip_prefix("[SandboxDebug]") {
                in_block = rest.trim_end().ends_with('{') || rest.trim_end().ends_with('[');
                obs.debug.push(line);
            } else {
                // Cargo names the path a line or two before "Read-only file system".
                if crate::learn::names_refused_write(&line) {
                    let mut context: Vec<String> = recent.iter().cloned().collect();
                    context.push(line.clone());
                    obs.refused_writes.push(context.join("\n"));
                }
                recent.push_back(line.clone());
                if recent.len() > 2 {
                    recent.pop_front();
                }
                let _ = stderr.lock().write_all(&buf);
            }
            buf.clear();
        }
        obs
    })
}

fn supervise(launch: &Launch) -> Result<(Outcome, Observed), Error> {
    install_handlers();
    become_subreaper();
    let mut cmd = std::process::Command::new(&launch.program);
    cmd.args(&launch.args).current_dir(&launch.cwd);
    for (k, v) in &launch.env {
        cmd.env(k, v);
    }
    // Without a terminal, srt gets its own process group, so that a signal for srt-gen
    // alone reaches all of srt. With one, srt stays in the terminal's foreground group
    // (a background group would be stopped when it touches the terminal), and Ctrl-C
    // reaches srt-gen and srt together.
    let own_group = !stdin_is_tty();
    if own_group {
        cmd.process_group(0);
    }
    if launch.observe {
        cmd.stderr(std::process::Stdio::piped());
    }
    if launch.stdout_to_stderr {
        use std::os::fd::AsFd;
        let fd = io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Error::io("cannot duplicate stderr", e))?;
        cmd.stdout(std::process::Stdio::from(fd));
    }
    let child = cmd.spawn().map_err(|e| {
        Error::Environment(format!(
            "cannot start srt ({}): {e}",
            launch.program.display()
        ))
    })?;
    let pid = child.id() as i32;
    let observer = if launch.observe {
        child.stderr.map(observe_stderr)
    } else {
        None
    };
    let finish = |o: Outcome| {
        let observed = observer
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        Ok((o, observed))
    };
    let target = if own_group { -pid } else { pid };
    let me = std::process::id() as i32;
    loop {
        if let Some(status) = reap(pid) {
            // The command is done; nothing it started may outlive the run.
            kill_all(me, libc::SIGKILL, Duration::from_secs(2));
            return finish(Outcome::Exited(exit_code(status)));
        }
        let sig = PENDING.swap(0, Ordering::SeqCst);
        if sig != 0 {
            send(target, sig);
            for p in descendants(me) {
                send(p, sig);
            }
            if !kill_all(me, 0, GRACE) {
                kill_all(me, libc::SIGKILL, Duration::from_secs(2));
            }
            reap(pid);
            return finish(Outcome::Signalled(sig));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits up to `wait` for every descendant to be gone, reaping them; with a signal,
/// sends it to each first. A second signal to srt-gen cuts the wait short. Returns true
/// when none is left.
fn kill_all(me: i32, sig: libc::c_int, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        reap(-2);
        let left = descendants(me);
        if left.is_empty() {
            return true;
        }
        if sig != 0 {
            for p in &left {
                send(*p, sig);
            }
        }
        if Instant::now() >= deadline || (sig == 0 && PENDING.load(Ordering::SeqCst) != 0) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Live processes below `pid`, from /proc (zombies are reaped, not counted).
#[cfg(target_os = "linux")]
fn descendants(pid: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for e in dir.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let state = f.next().unwrap_or("");
        let ppid = f.next().and_then(|s| s.parse::<i32>().ok()).unwrap_or(0);
        parent_of.push((p, ppid, state == "Z" || state == "X"));
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(q) = frontier.pop() {
        for &(p, ppid, dead) in &parent_of {
            if ppid == q && p != pid && !out.contains(&p) {
                frontier.push(p);
                if !dead {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[cfg(not(target_os = "linux"))]
fn descendants(_pid: i32) -> Vec<i32> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &Path) -> Env {
        Env {
            vars: Default::default(),
            home: home.to_path_buf(),
            os: crate::env::Os::Linux,
        }
    }

    #[test]
    fn write_paths_are_created_only_in_the_allowed_areas() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().canonicalize().unwrap();
        let root = home.join("proj");
        std::fs::create_dir_all(&root).unwrap();
        let e = env(&home);
        assert_eq!(
            classify_write("~/.cargo/registry", &root, &e),
            WritePath::Create(home.join(".cargo/registry"))
        );
        assert_eq!(
            classify_write("./.srt-gen/tmp", &root, &e),
            WritePath::Create(root.join(".srt-gen/tmp"))
        );
        assert_eq!(
            classify_write(".", &root, &e),
            WritePath::Present(root.clone())
        );
        assert!(matches!(
            classify_write("~/.claude.json", &root, &e),
            WritePath::Skip { .. }
        ));
        assert!(matches!(
            classify_write("/nonexistent-srt-gen-test/x", &root, &e),
            WritePath::Skip { .. }
        ));
        assert!(matches!(
            classify_write("~/../escape", &root, &e),
            WritePath::Skip { .. }
        ));
        assert!(matches!(
            classify_write("~/cache/**", &root, &e),
            WritePath::Skip { .. }
        ));
        // A file that exists is present whatever its name.
        std::fs::write(home.join(".claude.json"), "{}").unwrap();
        assert!(matches!(
            classify_write("~/.claude.json", &root, &e),
            WritePath::Present(_)
        ));
    }

    #[test]
    fn a_symlink_out_of_the_home_is_not_followed_to_create() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().canonicalize().unwrap();
        let outside = tempfile::tempdir_in("/var/tmp").unwrap();
        std::os::unix::fs::symlink(outside.path(), home.join("link")).unwrap();
        let root = home.join("proj");
        std::fs::create_dir_all(&root).unwrap();
        assert!(matches!(
            classify_write("~/link/cache", &root, &env(&home)),
            WritePath::Skip { .. }
        ));
    }

    #[test]
    fn file_names_are_told_from_folder_names() {
        for f in ["/h/.claude.json", "/h/config.toml", "/h/.x.y"] {
            assert!(names_a_file(Path::new(f)), "{f}");
        }
        for d in ["/h/.npm", "/h/.cache/pip", "/h/registry", "/h/go-build"] {
            assert!(!names_a_file(Path::new(d)), "{d}");
        }
    }

    #[test]
    fn exclude_block_is_rewritten_not_duplicated() {
        let (outside, listed) = split_block(&format!(
            "# git's own\n*.o\n{EXCLUDE_BEGIN}\n/.bashrc\n{EXCLUDE_END}\nafter\n"
        ));
        assert_eq!(outside, "# git's own\n*.o\nafter\n");
        assert_eq!(listed, vec!["/.bashrc"]);
        assert_eq!(escape_pattern("!a*b"), "\\!a\\*b");
    }
}
