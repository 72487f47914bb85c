//! Finding srt (`--srt`, `$SRT_GEN_SRT`, PATH; never the project) and the tools it needs on
//! this platform, with the package that has each; the clean PATH and environment srt gets
//! (issue 18.1: nothing srt runs on the host may come from where the sandbox writes).

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::env::{resolve_symlinks, Env};
use crate::error::Error;

/// The variable that names srt's executable.
pub const SRT_ENV: &str = "SRT_GEN_SRT";
/// How a user installs the srt version srt-gen is built against.
pub const INSTALL_SRT: &str = "npm install -g @anthropic-ai/sandbox-runtime@0.0.83";
/// What srt needs on Linux besides Node (srt README, "Linux"), with the Debian package
/// that has each. `which` is how srt finds the others (`utils/which.js`).
pub const LINUX_TOOLS: [(&str, &str); 4] = [
    ("bwrap", "bubblewrap"),
    ("socat", "socat"),
    ("rg", "ripgrep"),
    ("which", "debianutils"),
];

/// Where srt was found, and how.
#[derive(Debug, Clone)]
pub struct SrtPath {
    pub path: PathBuf,
    pub how: &'static str,
}

/// `--srt PATH`, then `$SRT_GEN_SRT`, then PATH. Never the project's `node_modules/.bin`
/// (issue 18: a sandboxed run can write it, and srt runs on the host): call with the
/// environment [`clean_env`] made, and check the result with [`trusted`].
pub fn find_srt(explicit: Option<&Path>, env: &Env, cwd: &Path) -> Result<SrtPath, Error> {
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
            Error::Environment(crate::error::with_tip(
                format!(
                    "{how} names {}, which is not an executable file",
                    crate::shown::shown_path(&p)
                ),
                format!("point it at srt's `bin/srt` (install srt with `{INSTALL_SRT}`)"),
            ))
        });
    }
    if let Some(path) = which("srt", env) {
        return Ok(SrtPath { path, how: "PATH" });
    }
    Err(Error::Environment(crate::error::with_tip(
        "srt (Anthropic's Sandbox Runtime) was not found on PATH (srt-gen never takes it from \
         the project, where a sandboxed run could have written it)",
        format!("install it with `{INSTALL_SRT}`, or name it with --srt PATH or {SRT_ENV}"),
    )))
}

/// Every write root of `settings` that is a path (not a glob), absolute, links not resolved.
pub fn write_roots(
    settings: &crate::policy::settings::Settings,
    env: &Env,
    project_root: &Path,
) -> Vec<PathBuf> {
    settings
        .strings(crate::catalog::List::AllowWrite)
        .into_iter()
        .filter(|e| !e.contains(['*', '?', '[']))
        .map(|e| env.absolute(e, project_root))
        .collect()
}

/// Places a program srt-gen runs on the host must not come from: the project and every
/// write root of the run policy (resolved, links followed).
#[derive(Debug, Clone, Default)]
pub struct Untrusted {
    pub places: Vec<PathBuf>,
}

impl Untrusted {
    pub fn new(project_root: &Path, write_roots: &[PathBuf]) -> Untrusted {
        let mut places = vec![resolve_symlinks(project_root)];
        places.extend(write_roots.iter().map(|r| resolve_symlinks(r)));
        places.retain(|p| p.parent().is_some());
        places.sort();
        places.dedup();
        Untrusted { places }
    }

    /// The project and every write root of `settings` ([`write_roots`]).
    pub fn of_policy(
        settings: &crate::policy::settings::Settings,
        env: &Env,
        project_root: &Path,
    ) -> Untrusted {
        Untrusted::new(project_root, &write_roots(settings, env, project_root))
    }

    /// The place `p` lies in, if any (links on the way resolved).
    pub fn holding(&self, p: &Path) -> Option<&Path> {
        let real = p.canonicalize().unwrap_or_else(|_| resolve_symlinks(p));
        self.places
            .iter()
            .find(|d| real.starts_with(d) || p.starts_with(d))
            .map(PathBuf::as_path)
    }
}

/// Refuses a program srt-gen would run on the host (srt, node) that lies in the project
/// or a write root, wherever it was named.
pub fn trusted(what: &str, path: &Path, how: &str, untrusted: &Untrusted) -> Result<(), Error> {
    match untrusted.holding(path) {
        None => Ok(()),
        Some(place) => Err(Error::Environment(crate::error::with_tip(
            format!(
                "{what} ({}, from {how}) lies in {}, which a sandboxed run can write: srt-gen does \
                 not run it on the host",
                crate::shown::shown_path(path),
                crate::shown::shown_path(place)
            ),
            format!("install it outside the project (`{INSTALL_SRT}`) and name that one"),
        ))),
    }
}

/// The PATH srt gets: this environment's PATH without any folder that is relative, absent,
/// or inside the project or a write root (srt finds node, bwrap, socat, rg, which and bash
/// there, and runs them on the host).
pub fn clean_path(env: &Env, untrusted: &Untrusted) -> String {
    let mut kept: Vec<String> = Vec::new();
    for dir in std::env::split_paths(env.var("PATH").unwrap_or("")) {
        if !dir.is_absolute() || !dir.is_dir() || untrusted.holding(&dir).is_some() {
            continue;
        }
        let d = dir.display().to_string();
        if !kept.contains(&d) {
            kept.push(d);
        }
    }
    kept.join(":")
}

/// The variables srt takes as its upstream proxy (`parent-proxy.js`).
pub const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// srt's own environment, apart from the run policy's: what to set, what to take out, and
/// what to say. `PATH` is the clean one (the command inside gets the user's own back: see
/// `launch`); the proxy variables are taken out unless the user chose a parent proxy.
pub struct SrtEnv {
    pub path: String,
    pub remove: Vec<String>,
    pub notes: Vec<String>,
}

pub fn srt_env(env: &Env, untrusted: &Untrusted, parent_proxy: bool) -> SrtEnv {
    let path = clean_path(env, untrusted);
    let mut notes = Vec::new();
    // Said only when a folder was left out for lying where the sandbox writes (absent and
    // relative folders go silently).
    if clean_path(env, &Untrusted::default()) != path {
        notes.push(
            "srt runs with a PATH without the project's and the write roots' folders (it runs \
             what it finds there on the host); the command inside gets your PATH back"
                .to_string(),
        );
    }
    let mut remove = Vec::new();
    if !parent_proxy {
        let present: Vec<&str> = PROXY_VARS
            .into_iter()
            .filter(|v| env.vars.contains_key(*v))
            .collect();
        if !present.is_empty() {
            notes.push(format!(
                "{} left out of srt's environment: srt would send everything the sandbox \
                 reaches through that proxy (`--parent-proxy` keeps it)",
                present.join(", ")
            ));
        }
        remove.extend(present.into_iter().map(str::to_string));
    }
    SrtEnv {
        path,
        remove,
        notes,
    }
}

/// `env` with PATH replaced (for looking srt and its tools up on the clean PATH).
pub fn with_path(env: &Env, path: &str) -> Env {
    let mut e = env.clone();
    e.vars.insert("PATH".into(), path.to_string());
    e
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
