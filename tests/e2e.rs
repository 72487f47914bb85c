//! End to end: the real srt 0.0.83, real bubblewrap, real package managers and their real
//! registries. For a Rust, an npm and a pip project: `srt-gen init`, then through
//! `srt-gen run`, the package manager downloads a dependency into the sandbox's own cache
//! folder (issue 14: caches are code, so the user's own caches stay byte-identical), and
//! everything outside the policy is refused.
//!
//! `SRT_GEN_E2E=require` (CI) makes a machine without srt or bubblewrap a failure; unset,
//! these tests say loudly that they were skipped and why; `SRT_GEN_E2E=skip` skips them.
//! srt is `$SRT_GEN_SRT`, else where `.ci/run` installs it, else `srt` on PATH.

mod common;

use common::show;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{interrupt, processes_with, wait_for, Sandbox};

/// What the end-to-end tests need from the machine, found once per test.
struct Machine {
    srt: PathBuf,
    path: String,
}

use common::loud;

fn machine(test: &str) -> Option<Machine> {
    let mode = std::env::var("SRT_GEN_E2E").unwrap_or_default();
    if mode == "skip" {
        loud(&format!(
            "SKIPPED end-to-end test `{test}`: SRT_GEN_E2E=skip"
        ));
        return None;
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let on_path = |name: &str| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    };
    let srt = common::srt_path();
    let mut missing: Vec<&str> = Vec::new();
    if srt.is_none() {
        missing.push("srt");
    }
    for tool in ["bwrap", "socat", "rg", "node", "curl", "git"] {
        if on_path(tool).is_none() {
            missing.push(tool);
        }
    }
    if !missing.is_empty() {
        let why = format!("this machine lacks {}", missing.join(", "));
        common::skip_or_fail(test, &why, &common::srt_install_lines());
        return None;
    }
    Some(Machine {
        srt: srt.unwrap(),
        path,
    })
}

impl Machine {
    /// srt-gen in the project with the machine's PATH (after `first`) and `vars`.
    fn cmd(&self, s: &Sandbox, first: &[PathBuf], vars: &[(&str, String)]) -> Command {
        let mut c = s.cmd();
        let mut path: Vec<PathBuf> = first.to_vec();
        path.extend(std::env::split_paths(&self.path));
        c.env("PATH", std::env::join_paths(path).unwrap())
            .env("SRT_GEN_SRT", &self.srt);
        for (k, v) in vars {
            c.env(k, v);
        }
        c
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The refusals every project's sandbox must make, and the exit codes and signals
/// `run` must pass on. `other_registry` belongs to an ecosystem the project does not use.
fn refusals(
    m: &Machine,
    s: &Sandbox,
    first: &[PathBuf],
    vars: &[(&str, String)],
    other_registry: &str,
    sleep: &str,
) {
    let run = |args: &[&str]| {
        m.cmd(s, first, vars)
            .arg("run")
            .arg("--")
            .args(args)
            .output()
            .unwrap()
    };
    // A host outside the allowlist, and another ecosystem's registry: srt's proxy says 403.
    for url in ["https://example.com/", other_registry] {
        let out = run(&[
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_connect}",
            url,
        ]);
        assert_ne!(out.status.code(), Some(0), "{url}: {}", show(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "403",
            "{url}: {}",
            show(&out)
        );
    }
    // Writes outside the allowed paths fail and leave nothing behind.
    let outside_home = s.home().join("outside.txt");
    let beside = s.project.parent().unwrap().join("beside.txt");
    for target in [&outside_home, &beside] {
        let out = run(&[
            "sh",
            "-c",
            r#"echo leaked > "$1""#,
            "sh",
            &target.display().to_string(),
        ]);
        assert_ne!(out.status.code(), Some(0), "{}", show(&out));
        assert!(!target.exists(), "{} was written", target.display());
    }
    // A key under ~/.ssh cannot be read.
    let out = run(&[
        "cat",
        &s.home().join(".ssh/id_ed25519").display().to_string(),
    ]);
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("PRIVATE"),
        "{}",
        show(&out)
    );
    // The policy cannot be rewritten from inside.
    let before = s.read(".srt.json");
    let out = run(&["sh", "-c", r#"echo '{}' > .srt.json"#]);
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(s.read(".srt.json"), before);
    // Exit codes pass through.
    let out = run(&["sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{}", show(&out));
    // SIGINT: 130, and nothing sandboxed is left running.
    let started = s.project.join("started");
    let mut c = m.cmd(s, first, vars);
    c.args([
        "run",
        "--",
        "sh",
        "-c",
        &format!("touch started; sleep {sleep}; touch after"),
    ]);
    assert_eq!(interrupt(c, &started, 2), Some(130));
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        processes_with(&format!("sleep {sleep}")),
        Vec::<String>::new()
    );
    assert!(!s.project.join("after").exists());
}

/// A fresh project of `fixture`, with a secret under ~/.ssh.
fn project(fixture: &str) -> Sandbox {
    let s = Sandbox::fixture(fixture);
    let ssh = s.home().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(
        ssh.join("id_ed25519"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    s
}

fn init(m: &Machine, s: &Sandbox, first: &[PathBuf], vars: &[(&str, String)]) {
    let out = m.cmd(s, first, vars).arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

/// srt alone, as a user would start it: in the project, with the same environment.
fn srt_alone(
    m: &Machine,
    s: &Sandbox,
    first: &[PathBuf],
    vars: &[(&str, String)],
    cmd: &[&str],
) -> Output {
    let mut path: Vec<PathBuf> = first.to_vec();
    path.extend(std::env::split_paths(&m.path));
    Command::new(&m.srt)
        .args(["--settings", ".srt.json", "--"])
        .args(cmd)
        .current_dir(&s.project)
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", std::env::join_paths(path).unwrap())
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

/// The folder of the real cargo and rustc: rustup's proxies need `~/.rustup`, which the
/// temp HOME does not have.
fn rust_toolchain() -> PathBuf {
    let out = Command::new("rustup").args(["which", "cargo"]).output();
    let cargo = match out {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => {
            let o = Command::new("sh")
                .args(["-c", "command -v cargo"])
                .output()
                .unwrap();
            PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
        }
    };
    cargo.parent().expect("cargo's folder").to_path_buf()
}

#[test]
fn rust_project_fetches_its_crate_and_nothing_else() {
    let Some(m) = machine("rust_project_fetches_its_crate_and_nothing_else") else {
        return;
    };
    let first = vec![rust_toolchain()];
    let s = project("e2e-rust");
    let cargo_home = s.home().join("cargo-home");
    let vars = [("CARGO_HOME", cargo_home.display().to_string())];
    init(&m, &s, &first, &vars);
    assert!(s.read(".srt.json").contains("\"~/cargo-home/registry\""));
    assert!(!cargo_home.exists());

    // srt alone cannot: the registry folder does not exist, so srt skips it.
    let out = srt_alone(&m, &s, &first, &vars, &["cargo", "fetch"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "srt alone fetched: {}",
        show(&out)
    );

    std::fs::create_dir_all(cargo_home.join("registry")).unwrap();
    let before = common::fingerprint(s.home(), common::SRT_GEN_OWN);
    let out = m
        .cmd(&s, &first, &vars)
        .args(["run", "--", "cargo", "fetch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // The crate went to the sandbox's own CARGO_HOME; the user's is byte-identical.
    let after = common::fingerprint(s.home(), common::SRT_GEN_OWN);
    assert_eq!(
        before,
        after,
        "{}",
        common::fingerprint_diff(&before, &after)
    );
    let own = s.home().join(".cache/srt-gen/sandbox/rust/home");
    assert!(own.join(".package-cache").exists(), "cargo took its lock");
    let crates = files_under(&own.join("registry/cache"));
    assert!(
        crates.iter().any(|p| p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("itoa-")),
        "{crates:?}"
    );

    // From a subfolder: the command runs there, and the whole project's protections hold.
    assert!(Command::new("git")
        .args(["init", "-q"])
        .current_dir(&s.project)
        .status()
        .unwrap()
        .success());
    let out = m
        .cmd(&s, &first, &vars)
        .current_dir(s.project.join("src"))
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "pwd; touch ../.git/hooks/pre-commit; echo hooks=$?; git add -A && echo added",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let root = s.project.canonicalize().unwrap();
    assert!(
        stdout.starts_with(&format!("{}/src\n", root.display())),
        "{}",
        show(&out)
    );
    assert!(stdout.contains("hooks=1"), "{}", show(&out));
    assert!(!s.project.join(".git/hooks/pre-commit").exists());
    assert!(
        stdout.contains("added"),
        "git add failed inside the sandbox: {}",
        show(&out)
    );

    refusals(&m, &s, &first, &vars, "https://registry.npmjs.org/", "3141");
}

#[test]
fn npm_project_installs_its_package_and_nothing_else() {
    let Some(m) = machine("npm_project_installs_its_package_and_nothing_else") else {
        return;
    };
    let s = project("e2e-npm");
    let cache = s.home().join("npm-cache");
    let vars = [("npm_config_cache", cache.display().to_string())];
    init(&m, &s, &[], &vars);
    assert!(!cache.exists());
    assert!(
        s.read(".srt.json").contains("\"~/npm-cache\""),
        "plain srt keeps the user's cache"
    );

    let install = ["npm", "install", "--no-audit", "--no-fund"];
    let out = srt_alone(&m, &s, &[], &vars, &install);
    assert_ne!(
        out.status.code(),
        Some(0),
        "srt alone installed: {}",
        show(&out)
    );

    // A user cache that exists, with srt's own `_logs` convenience folder (srt makes it
    // writable by itself when it exists).
    std::fs::create_dir_all(cache.join("_logs")).unwrap();
    let before = common::fingerprint(s.home(), common::SRT_GEN_OWN);
    let out = m
        .cmd(&s, &[], &vars)
        .args(["run", "--"])
        .args(install)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(s
        .project
        .join("node_modules/is-number/package.json")
        .is_file());
    let own = s.home().join(".cache/srt-gen/sandbox/node/npm");
    assert!(
        !files_under(&own.join("_cacache")).is_empty(),
        "the sandbox's npm cache is empty"
    );
    let after = common::fingerprint(s.home(), common::SRT_GEN_OWN);
    assert_eq!(
        before,
        after,
        "{}",
        common::fingerprint_diff(&before, &after)
    );
    let out = m
        .cmd(&s, &[], &vars)
        .args(["run", "--", "sh", "-c"])
        .arg(r#"echo x > "$1/_logs/planted""#)
        .arg("sh")
        .arg(&cache)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!cache.join("_logs/planted").exists());

    // What a run hands srt is a policy srt itself accepts, without srt-gen's record.
    let out = m
        .cmd(&s, &[], &vars)
        .args(["run", "--print-policy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(policy.get("srtGen").is_none(), "{policy}");
    let file = s.home().join("run-policy.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let ok = Command::new(&m.srt)
        .args(["--settings", &file.display().to_string(), "--", "true"])
        .current_dir(&s.project)
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", &m.path)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", show(&ok));

    refusals(&m, &s, &[], &vars, "https://pypi.org/simple/", "3142");
}

#[test]
fn pip_project_builds_its_package_and_nothing_else() {
    let Some(m) = machine("pip_project_builds_its_package_and_nothing_else") else {
        return;
    };
    // The interpreter itself: a version manager's shims need the real HOME.
    let o = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3");
    let python = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let s = project("e2e-pip");
    let cache = s.home().join("pip-cache");
    let vars = [
        ("PIP_CACHE_DIR", cache.display().to_string()),
        ("PIP_DISABLE_PIP_VERSION_CHECK", "1".to_string()),
    ];
    init(&m, &s, &[], &vars);
    assert!(!cache.exists());

    // From source (`--no-binary six`): pip fetches the sdist and setuptools from the
    // index, builds a wheel and keeps it in its cache. srt alone skips the absent cache
    // folder, so nothing is cached. `--use-pep517`: a pip before 23.1 (Debian 12's) would
    // otherwise run six's `setup.py install`, which builds no wheel.
    let pip = |dir: &'static str| {
        vec![
            python.clone(),
            "-m".into(),
            "pip".into(),
            "install".into(),
            "--no-deps".into(),
            "--no-binary".into(),
            "six".into(),
            "--use-pep517".into(),
            "--target".into(),
            dir.into(),
            "-r".into(),
            "requirements.txt".into(),
        ]
    };
    let alone = pip("alone");
    let alone: Vec<&str> = alone.iter().map(String::as_str).collect();
    let out = srt_alone(&m, &s, &[], &vars, &alone);
    assert!(
        files_under(&cache).is_empty(),
        "srt alone wrote pip's cache: {}",
        show(&out)
    );

    let before = common::fingerprint(s.home(), common::SRT_GEN_OWN);
    let out = m
        .cmd(&s, &[], &vars)
        .args(["run", "--"])
        .args(pip("lib"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(s.project.join("lib/six.py").is_file(), "{}", show(&out));
    let after = common::fingerprint(s.home(), common::SRT_GEN_OWN);
    assert_eq!(
        before,
        after,
        "{}",
        common::fingerprint_diff(&before, &after)
    );
    let cached = files_under(&s.home().join(".cache/srt-gen/sandbox/python/pip/wheels"));
    assert!(
        cached.iter().any(|p| p
            .to_string_lossy()
            .ends_with("six-1.16.0-py2.py3-none-any.whl")),
        "pip's wheel cache: {cached:?}\n{}",
        show(&out)
    );

    refusals(
        &m,
        &s,
        &[],
        &vars,
        "https://index.crates.io/config.json",
        "3143",
    );
}

/// Two sandboxes of one user at once (a batch run over two repositories): the first one
/// ends while the second is still running, and the second must still be unable to create
/// the agent's absent protected files under the shared home (srt alone deletes its
/// placeholders when it ends, which detaches the other sandbox's read-only binds).
/// Afterwards no placeholder is left in the home or in either project.
#[test]
fn parallel_runs_keep_each_others_protection() {
    let Some(m) = machine("parallel_runs_keep_each_others_protection") else {
        return;
    };
    let s = Sandbox::new();
    let a = s.project.clone();
    let b = a.parent().unwrap().join("second");
    std::fs::create_dir_all(&b).unwrap();
    for dir in [&a, &b] {
        let out = m
            .cmd(&s, &[], &[])
            .current_dir(dir)
            .arg("init")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    }
    let claude = s.home().join(".claude");
    let wait_then = |name: &str, then: &str| {
        format!("touch started; while [ ! -e {name} ]; do sleep 0.05; done; {then}")
    };
    let mut first = m
        .cmd(&s, &[], &[])
        .current_dir(&a)
        .args(["run", "--", "sh", "-c", &wait_then("go", "true")])
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&a.join("started"));
    let attack = r#"mkdir -p ~/.claude/agents; echo evil > ~/.claude/agents/evil.md; echo '{"hooks":{}}' > ~/.claude/settings.json; echo x > .mcp.json; exit 0"#;
    let second = m
        .cmd(&s, &[], &[])
        .current_dir(&b)
        .args(["run", "--", "sh", "-c", &wait_then("go", attack)])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&b.join("started"));
    // The first sandbox ends while the second is running...
    std::fs::write(a.join("go"), "").unwrap();
    assert_eq!(first.wait().unwrap().code(), Some(0));
    // ...and only then does the second try to write the protected paths.
    std::fs::write(b.join("go"), "").unwrap();
    let out = second.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for refused in ["agents", "settings.json", ".mcp.json"] {
        assert!(
            err.lines()
                .any(|l| l.contains(refused) && !l.starts_with("srt-gen")),
            "no refusal for {refused}: {}",
            show(&out)
        );
    }
    assert!(!claude.join("agents/evil.md").exists());
    assert!(!claude.join("settings.json").exists());
    // Nothing of the placeholders is left behind. (Since issue 13 nothing under ~/.claude is
    // writable at all, so no placeholder is made there: the folder may not exist.)
    let left: Vec<_> = std::fs::read_dir(&claude)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, Vec::<std::ffi::OsString>::new());
    for dir in [&a, &b] {
        for name in [".mcp.json", ".bashrc", ".claude", ".vscode"] {
            assert!(
                !dir.join(name).exists(),
                "{} left",
                dir.join(name).display()
            );
        }
    }
}
