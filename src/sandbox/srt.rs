//! Finding srt (`--srt`, `$SRT_GEN_SRT`, PATH, the project's `node_modules/.bin`) and the
//! tools it needs on this platform, with the package that has each.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::env::Env;
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
    Err(Error::Environment(crate::error::with_tip(
        "srt (Anthropic's Sandbox Runtime) was not found on PATH or in the project's node_modules/.bin",
        format!("install it with `{INSTALL_SRT}`, or name it with --srt PATH or {SRT_ENV}"),
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
