//! Toolchains the project pins, installed before the sandbox starts (issue 14.2): by the
//! tool's own installer, outside, in the user's own toolchain folders, which stay read-only
//! inside (a sandbox that can write toolchains writes programs the user runs later).
//!
//! - `rust-toolchain(.toml)`: `rustup toolchain install <channel> [--profile P] [-c ..]
//!   [-t ..] --no-self-update` (rustup cannot install inside srt anyway: it renames from
//!   `tmp/` into `toolchains/`, separate mounts);
//! - `packageManager` in package.json: `corepack install`, and for pnpm 11 and later
//!   `corepack pnpm --version` too (pnpm's first run downloads its native binary with a
//!   client that ignores the proxy), with the sandbox's pnpm folders so that the user's
//!   stay untouched;
//! - `.python-version` with uv: `uv python install <version>` when `uv python find` finds
//!   none (managed Pythons come from hosts the sandbox does not allow).
//!
//! Go needs no step: a `toolchain` line makes go download that toolchain as a module into
//! its module cache, which inside `srt-gen run` is the sandbox's own, through the proxy it
//! already allows; it is run only inside.
//!
//! These files are in the project, which a sandboxed run can write: every value is checked
//! against a strict pattern (no URL, no path, no option) and passed as an argument of its
//! own, the installer never reads the project file itself (it runs in the home folder, or in
//! a private folder holding only the checked value), and the command is shown before it runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::detect::project::Project;
use crate::env::Env;
use crate::files::Bounded;

/// Whether to install what the project pins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Ask on a terminal; install without one (CI), saying so.
    #[default]
    Ask,
    /// `--no-install-toolchains`.
    Never,
}

/// One install, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// What is installed and which file asked for it, for people.
    pub what: String,
    /// The commands, in order, each program + arguments.
    pub steps: Vec<Vec<String>>,
    pub cwd: PathBuf,
    /// Extra variables for the installer (the user's own environment is kept).
    pub env: Vec<(String, String)>,
    /// A `package.json` the installer reads in `cwd` (corepack), written just before.
    pub manifest: Option<String>,
}

/// What the project pins and what to do about it.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub installs: Vec<Install>,
    /// Pins left alone, with why (a value that fails its pattern, no installer, ...).
    pub notes: Vec<String>,
}

const MAX_FILE: u64 = 64 * 1024;

/// Plans the installs for a run started in `workdir` with these active fragments. Reads
/// the pin files (bounded, never through a link) and asks the installers what is there;
/// installs nothing.
pub fn plan(
    project: &Project,
    workdir: &Path,
    fragments: &[&str],
    env: &Env,
    runs_dir: &Path,
    sandbox_env: &[(String, String)],
) -> Plan {
    let mut out = Plan::default();
    let has = |n: &str| fragments.contains(&n);
    if has("rustup") || has("rust") {
        rust(project, workdir, env, &mut out);
    }
    if ["node", "pnpm", "yarn", "yarn-berry"]
        .iter()
        .any(|n| has(n))
    {
        corepack(project, workdir, env, runs_dir, sandbox_env, &mut out);
    }
    if has("uv") {
        uv(project, workdir, env, &mut out);
    }
    out
}

/// The folders from `workdir` up to the project root, nearest first.
/// The pnpm variables a corepack install outside takes from the run: the sandbox's own
/// folders only. Any other `PNPM_CONFIG_*` (a fragment's `var`, `GLOBAL_PNPMFILE`) could
/// make pnpm load code from where the sandbox writes.
const PNPM_FOLDERS: &[&str] = &[
    "PNPM_CONFIG_STORE_DIR",
    "PNPM_CONFIG_CACHE_DIR",
    "PNPM_CONFIG_STATE_DIR",
];

fn upward<'a>(project: &'a Project, workdir: &'a Path) -> impl Iterator<Item = &'a Path> {
    let root = project.root.as_path();
    let start = if workdir.starts_with(root) {
        workdir
    } else {
        root
    };
    start.ancestors().take_while(move |a| a.starts_with(root))
}

fn read(path: &Path) -> Option<Result<String, String>> {
    match crate::files::read_bounded(path, MAX_FILE) {
        Ok(Bounded::Absent) => None,
        Ok(Bounded::Bytes(b)) => Some(String::from_utf8(b).map_err(|_| "is not UTF-8".into())),
        Ok(Bounded::NotRegular(what)) => Some(Err(format!("is {what}"))),
        Ok(Bounded::TooLarge(n)) => Some(Err(format!("is {n} bytes"))),
        Err(e) => Some(Err(format!("cannot be read ({e})"))),
    }
}

/// `name` as `shown`: `rust-toolchain.toml` relative to the project.
fn shown(project: &Project, path: &Path) -> String {
    path.strip_prefix(&project.root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

fn on_path(name: &str, env: &Env) -> Option<PathBuf> {
    crate::sandbox::srt::which(name, env)
}

/// Runs a command of the user's own, quietly, for a yes/no or its output.
fn probe(program: &Path, args: &[&str], cwd: &Path) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---- Rust ----------------------------------------------------------------------------

/// A rust-toolchain(.toml) pin, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RustPin {
    pub channel: String,
    pub profile: Option<String>,
    pub components: Vec<String>,
    pub targets: Vec<String>,
}

/// `stable`, `beta`, `nightly` or `1.80` / `1.80.0`, optionally `-YYYY-MM-DD`, optionally a
/// target triple.
pub fn valid_channel(c: &str) -> bool {
    let re = regex::Regex::new(
        r"^(stable|beta|nightly|[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]{1,3})?(-beta(\.[0-9]{1,3})?)?)(-[0-9]{4}-[0-9]{2}-[0-9]{2})?(-[a-z0-9_]{1,32}(-[a-z0-9_]{1,32}){1,3})?$",
    )
    .expect("pattern compiles");
    c.len() <= 100 && re.is_match(c)
}

/// A component or target name: `rustfmt`, `rust-src`, `wasm32-unknown-unknown`.
pub fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    n.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

/// Parses and checks a toolchain file's text. The error says which value failed and why.
pub fn parse_rust_pin(text: &str, toml_file: bool) -> Result<RustPin, String> {
    let looks_toml = toml_file || text.trim_start().starts_with('[');
    if !looks_toml {
        let channel = text.lines().next().unwrap_or("").trim().to_string();
        if !valid_channel(&channel) {
            return Err(format!(
                "channel `{}` is not a toolchain name srt-gen passes to rustup",
                crate::sandbox::toolchains::printable(&channel)
            ));
        }
        return Ok(RustPin {
            channel,
            ..RustPin::default()
        });
    }
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let t = table
        .get("toolchain")
        .and_then(toml::Value::as_table)
        .ok_or("no [toolchain] table")?;
    if t.contains_key("path") {
        return Err(
            "it names a local toolchain `path`; srt-gen installs nothing from a path".into(),
        );
    }
    let channel = t
        .get("channel")
        .and_then(toml::Value::as_str)
        .ok_or("no `channel`")?
        .to_string();
    if !valid_channel(&channel) {
        return Err(format!(
            "channel `{}` is not a toolchain name srt-gen passes to rustup",
            printable(&channel)
        ));
    }
    let profile = match t.get("profile") {
        None => None,
        Some(v) => match v.as_str() {
            Some(p @ ("minimal" | "default" | "complete")) => Some(p.to_string()),
            _ => return Err("`profile` must be minimal, default or complete".into()),
        },
    };
    let list = |key: &str| -> Result<Vec<String>, String> {
        let Some(v) = t.get(key) else {
            return Ok(Vec::new());
        };
        let a = v
            .as_array()
            .ok_or_else(|| format!("`{key}` must be a list"))?;
        if a.len() > 32 {
            return Err(format!("`{key}` has more than 32 entries"));
        }
        a.iter()
            .map(|x| match x.as_str() {
                Some(s) if valid_name(s) => Ok(s.to_string()),
                _ => Err(format!(
                    "`{key}` holds `{}`, not a name srt-gen passes to rustup",
                    printable(&x.to_string())
                )),
            })
            .collect()
    };
    Ok(RustPin {
        channel,
        profile,
        components: list("components")?,
        targets: list("targets")?,
    })
}

/// Control characters shown as `\u{..}`, the rest as it is (for messages).
pub fn printable(s: &str) -> String {
    s.chars()
        .take(80)
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn rust(project: &Project, workdir: &Path, env: &Env, out: &mut Plan) {
    // rustup takes `rust-toolchain` over `rust-toolchain.toml` in one folder (rustup book,
    // 'Overrides'), the nearest folder first.
    let found = upward(project, workdir).find_map(|d| {
        ["rust-toolchain", "rust-toolchain.toml"]
            .iter()
            .map(|n| d.join(n))
            .find_map(|p| read(&p).map(|r| (p, r)))
    });
    let Some((file, text)) = found else {
        return;
    };
    let name = shown(project, &file);
    let pin = match text
        .and_then(|t| parse_rust_pin(&t, file.extension().is_some_and(|x| x == "toml")))
    {
        Ok(p) => p,
        Err(why) => {
            out.notes.push(format!(
                "{name}: {why}; no toolchain installed (rustup inside cannot install one either)"
            ));
            return;
        }
    };
    let Some(rustup) = on_path("rustup", env) else {
        out.notes.push(format!(
            "{name} pins Rust {}, and rustup is not on PATH; install the toolchain yourself",
            pin.channel
        ));
        return;
    };
    if rust_installed(&rustup, &pin, env) {
        return;
    }
    let mut step = vec![
        rustup.display().to_string(),
        "toolchain".into(),
        "install".into(),
        pin.channel.clone(),
    ];
    if let Some(p) = &pin.profile {
        step.extend(["--profile".into(), p.clone()]);
    }
    if !pin.components.is_empty() {
        step.extend(["--component".into(), pin.components.join(",")]);
    }
    if !pin.targets.is_empty() {
        step.extend(["--target".into(), pin.targets.join(",")]);
    }
    step.push("--no-self-update".into());
    let mut what = format!("Rust {}", pin.channel);
    if !pin.components.is_empty() {
        what.push_str(&format!(" with {}", pin.components.join(", ")));
    }
    out.installs.push(Install {
        what: format!("{what} ({name})"),
        steps: vec![step],
        cwd: env.home.clone(),
        env: Vec::new(),
        manifest: None,
    });
}

fn rust_installed(rustup: &Path, pin: &RustPin, env: &Env) -> bool {
    let rustup_home = env
        .var("RUSTUP_HOME")
        .map_or_else(|| env.home.join(".rustup"), PathBuf::from);
    // Asking rustup about a RUSTUP_HOME that does not exist creates one: look first.
    if !rustup_home.join("toolchains").is_dir() {
        return false;
    }
    let Some(list) = probe(rustup, &["toolchain", "list"], &env.home) else {
        return false;
    };
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let Some(name) = names.iter().find(|n| {
        **n == pin.channel
            || n.strip_prefix(pin.channel.as_str()).is_some_and(|rest| {
                rest.starts_with('-') && !rest[1..].starts_with(|c: char| c.is_ascii_digit())
            })
    }) else {
        return false;
    };
    let components = std::fs::read_to_string(
        rustup_home
            .join("toolchains")
            .join(name)
            .join("lib/rustlib/components"),
    )
    .unwrap_or_default();
    let have: Vec<&str> = components.lines().collect();
    pin.components.iter().all(|c| {
        have.iter().any(|h| {
            h == c
                || h.strip_prefix(c.as_str())
                    .is_some_and(|r| r.starts_with('-'))
        })
    }) && pin
        .targets
        .iter()
        .all(|t| have.contains(&format!("rust-std-{t}").as_str()))
}

// ---- corepack ------------------------------------------------------------------------

/// `pnpm@12.23.0`, `yarn@4.18.1+sha512.<hex>`, checked: the manager's name and version.
pub fn parse_package_manager(v: &str) -> Result<(String, String), String> {
    let re = regex::Regex::new(
        r"^(npm|pnpm|yarn)@([0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}(-[0-9A-Za-z.]{1,32})?)(\+sha(1|224|256|384|512)\.[0-9a-f]{40,128})?$",
    )
    .expect("pattern compiles");
    let c = re.captures(v).ok_or_else(|| {
        format!(
            "packageManager `{}` is not `npm|pnpm|yarn@X.Y.Z[+shaN.hex]`",
            printable(v)
        )
    })?;
    Ok((c[1].to_string(), c[2].to_string()))
}

fn corepack(
    project: &Project,
    workdir: &Path,
    env: &Env,
    runs_dir: &Path,
    sandbox_env: &[(String, String)],
    out: &mut Plan,
) {
    let found = upward(project, workdir).find_map(|d| {
        let p = d.join("package.json");
        let text = read(&p)?.ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let pm = v.get("packageManager")?.as_str()?.to_string();
        Some((p, pm))
    });
    let Some((file, pm)) = found else {
        return;
    };
    let name = shown(project, &file);
    if pm.starts_with("bun@") {
        return;
    }
    let (manager, version) = match parse_package_manager(&pm) {
        Ok(x) => x,
        Err(why) => {
            out.notes.push(format!("{name}: {why}; corepack not run"));
            return;
        }
    };
    let Some(corepack) = on_path("corepack", env) else {
        out.notes.push(format!(
            "{name} pins {manager} {version}, and corepack is not on PATH; install it yourself"
        ));
        return;
    };
    let home = env.var("COREPACK_HOME").map_or_else(
        || env.folder("XDG_CACHE_HOME", ".cache").join("node/corepack"),
        PathBuf::from,
    );
    let dir = home.join("v1").join(&manager).join(&version);
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let native = manager == "pnpm" && major >= 11;
    let installed = dir.is_dir() && (!native || dir.join("pnpm-native").exists());
    if installed {
        return;
    }
    let program = corepack.display().to_string();
    let mut steps = vec![vec![program.clone(), "install".into()]];
    if native {
        steps.push(vec![program, "pnpm".into(), "--version".into()]);
    }
    // pnpm's first run writes its cache and state: the sandbox's folders, not the user's.
    let mut extra: Vec<(String, String)> = sandbox_env
        .iter()
        .filter(|(k, _)| PNPM_FOLDERS.contains(&k.as_str()))
        .cloned()
        .collect();
    extra.push(("COREPACK_ENABLE_DOWNLOAD_PROMPT".into(), "0".into()));
    out.installs.push(Install {
        what: format!("{manager} {version} ({name}, packageManager)"),
        steps,
        cwd: runs_dir.join(format!("corepack-{}", std::process::id())),
        env: extra,
        manifest: Some(format!(
            "{{\"name\": \"srt-gen-toolchain\", \"private\": true, \"packageManager\": \"{pm}\"}}\n"
        )),
    });
}

// ---- uv ------------------------------------------------------------------------------

/// A `.python-version` request: `3.12`, `3.12.4`, `cpython-3.12`, `pypy3.10`, `3.13t`.
pub fn valid_python(v: &str) -> bool {
    let re = regex::Regex::new(
        r"^((cpython|pypy|graalpy)-?)?[0-9]{1,2}(\.[0-9]{1,3}){0,2}((a|b|rc)[0-9]{1,3})?t?$",
    )
    .expect("pattern compiles");
    re.is_match(v)
}

fn uv(project: &Project, workdir: &Path, env: &Env, out: &mut Plan) {
    let found = upward(project, workdir).find_map(|d| {
        let p = d.join(".python-version");
        read(&p).map(|r| (p, r))
    });
    let Some((file, text)) = found else {
        return;
    };
    let name = shown(project, &file);
    let text = match text {
        Ok(t) => t,
        Err(why) => {
            out.notes.push(format!("{name} {why}; no Python installed"));
            return;
        }
    };
    let Some(request) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
    else {
        return;
    };
    if !valid_python(&request) {
        out.notes.push(format!(
            "{name}: `{}` is not a Python version srt-gen passes to uv; no Python installed",
            printable(&request)
        ));
        return;
    }
    let Some(uv) = on_path("uv", env) else {
        return;
    };
    if probe(&uv, &["python", "find", &request], &env.home).is_some() {
        return;
    }
    out.installs.push(Install {
        what: format!("Python {request} ({name}, for uv)"),
        steps: vec![vec![
            uv.display().to_string(),
            "python".into(),
            "install".into(),
            request,
        ]],
        cwd: env.home.clone(),
        env: Vec::new(),
        manifest: None,
    });
}

// ---- running --------------------------------------------------------------------------

impl Install {
    /// The commands as a shell would take them, for people.
    pub fn shell(&self) -> String {
        self.steps
            .iter()
            .map(|s| {
                s.iter()
                    .map(|w| crate::output::justfile::shell_quote(w))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" && ")
    }

    /// Runs the steps, the installer's output on stderr. Returns why it failed.
    pub fn run(&self) -> Result<(), String> {
        std::fs::create_dir_all(&self.cwd)
            .map_err(|e| format!("cannot create {}: {e}", self.cwd.display()))?;
        if let Some(m) = &self.manifest {
            crate::files::write_atomic(&self.cwd.join("package.json"), m.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        let result = (|| {
            for step in &self.steps {
                let stderr = std::io::stderr();
                use std::os::fd::AsFd;
                let to_stderr = stderr
                    .as_fd()
                    .try_clone_to_owned()
                    .map_err(|e| e.to_string())?;
                let status = Command::new(&step[0])
                    .args(&step[1..])
                    .current_dir(&self.cwd)
                    .envs(self.env.iter().map(|(k, v)| (k, v)))
                    .stdout(std::process::Stdio::from(to_stderr))
                    .status()
                    .map_err(|e| format!("cannot start {}: {e}", step[0]))?;
                if !status.success() {
                    return Err(format!("`{}` failed ({status})", step.join(" ")));
                }
            }
            Ok(())
        })();
        if self.manifest.is_some() {
            let _ = std::fs::remove_dir_all(&self.cwd);
        }
        result
    }
}

/// Shows each install, asks on a terminal (unless `mode` says no), and runs it. Returns
/// what to tell the user.
pub fn apply(plan: &Plan, mode: Mode, verb: &str) -> Vec<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let mut said: Vec<String> = plan.notes.clone();
    for i in &plan.installs {
        if mode == Mode::Never {
            said.push(format!(
                "not installing {} (--no-install-toolchains): `{}`",
                i.what,
                i.shell()
            ));
            continue;
        }
        let tty = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        if tty {
            eprint!(
                "srt-gen {verb}: the project pins {}. Install it outside the sandbox with\n  {}\n? [Y/n] ",
                i.what,
                i.shell()
            );
            let _ = std::io::stderr().flush();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            if matches!(answer.trim().to_ascii_lowercase().as_str(), "n" | "no") {
                said.push(format!("not installing {}: you said no", i.what));
                continue;
            }
        } else {
            eprintln!(
                "srt-gen {verb}: installing {}, outside the sandbox: {}",
                i.what,
                i.shell()
            );
        }
        match i.run() {
            Ok(()) => said.push(format!("installed {}", i.what)),
            Err(why) => said.push(format!(
                "installing {} failed: {why}; the run goes on without it",
                i.what
            )),
        }
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_files_are_checked_value_by_value() {
        let pin = parse_rust_pin(
            "[toolchain]\nchannel = \"1.80.0\"\nprofile = \"minimal\"\ncomponents = [\"rustfmt\", \"rust-src\"]\ntargets = [\"wasm32-unknown-unknown\"]\n",
            true,
        )
        .unwrap();
        assert_eq!(pin.channel, "1.80.0");
        assert_eq!(pin.components, ["rustfmt", "rust-src"]);
        assert_eq!(
            parse_rust_pin("nightly-2024-05-01\n", false)
                .unwrap()
                .channel,
            "nightly-2024-05-01"
        );
        for ok in [
            "stable",
            "beta",
            "1.80",
            "1.80.0-x86_64-unknown-linux-gnu",
            "nightly-2024-05-01-aarch64-apple-darwin",
        ] {
            assert!(valid_channel(ok), "{ok}");
        }
        for bad in [
            "https://evil.example/toolchain",
            "../../bin",
            "--force",
            "1.80.0 --force",
            "stable\n--x",
            "/opt/rust",
            "",
        ] {
            assert!(!valid_channel(bad), "{bad}");
            assert!(parse_rust_pin(&format!("[toolchain]\nchannel = {bad:?}\n"), true).is_err());
        }
        assert!(parse_rust_pin("[toolchain]\npath = \"/opt/r\"\n", true)
            .unwrap_err()
            .contains("path"));
        assert!(parse_rust_pin(
            "[toolchain]\nchannel = \"stable\"\ncomponents = [\"--x\"]\n",
            true
        )
        .is_err());
        assert!(parse_rust_pin(
            "[toolchain]\nchannel = \"stable\"\nprofile = \"all\"\n",
            true
        )
        .is_err());
        assert!(parse_rust_pin("[toolchain\n", true).is_err());
    }

    #[test]
    fn package_manager_pins_are_checked() {
        assert_eq!(
            parse_package_manager("pnpm@12.23.0").unwrap(),
            ("pnpm".into(), "12.23.0".into())
        );
        let sha = format!("yarn@4.18.1+sha512.{}", "a".repeat(128));
        assert_eq!(parse_package_manager(&sha).unwrap().1, "4.18.1");
        for bad in [
            "pnpm@latest",
            "pnpm@https://evil.example/pnpm.tgz",
            "evil@1.0.0",
            "pnpm@1.0.0 --x",
            "yarn@4.18.1+sha512.zz",
        ] {
            assert!(parse_package_manager(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn python_requests_are_checked() {
        for ok in [
            "3.12",
            "3.12.4",
            "cpython-3.12",
            "pypy3.10",
            "3.13t",
            "3.14.0rc1",
        ] {
            assert!(valid_python(ok), "{ok}");
        }
        for bad in ["/usr/bin/python3", "3.12 --x", "https://x", "../3.12", ""] {
            assert!(!valid_python(bad), "{bad}");
        }
    }
}
