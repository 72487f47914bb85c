//! The package-manager matrix (issue 14.5): for every ecosystem whose tool installs on the
//! CI machine, the real tool inside `srt-gen run` with the real srt, cold and warm, in a
//! home that holds a `~/.npmrc` and a `~/.yarnrc.yml` with fake tokens and harmless
//! settings, and caches of the user's own; afterwards the user's home is byte-identical.
//! The rows and their proof levels are in `tests/matrix/rows.rs`; the README's matrix is
//! built from them and a test fails when the two disagree.
//!
//! The rows run in a bounded pool inside one test (`SRT_GEN_MATRIX_JOBS`, default 4: they
//! wait on the network and on each other's processes more than on the 2 CPUs), and
//! `SRT_GEN_MATRIX_ROWS=npm,cargo` runs only those. A tool that is missing fails the row
//! under `SRT_GEN_E2E=require` (`.ci/run` installs them all), and is skipped loudly
//! otherwise.

mod common;

#[path = "matrix/rows.rs"]
mod rows;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rows::{Bin, Proof, Row, ROWS};

/// The user's own configuration in every row's home: a fake token next to settings that
/// must still apply inside.
const NPMRC: &str = "nodedir=/usr\nupdate-notifier=false\nfund=false\n@corp:registry=https://npm.corp.example/\n//npm.corp.example/:_authToken=npm_FAKE_MATRIX_TOKEN\n";
const YARNRC_YML: &str = "enableTelemetry: false\nnpmScopes:\n  corp:\n    npmRegistryServer: \"https://npm.corp.example\"\n    npmAuthToken: \"berry_FAKE_MATRIX_TOKEN\"\n";

/// Refused writes every tool makes and tolerates (strace inside).
const WRITES_OK: &[&str] = &[
    // pip and others run `rustc --version`, and rustup's proxy tries to create ~/.rustup.
    "/.rustup",
    // virtualenv probes its old app-data folders, then uses its own.
    "/virtualenv",
];

fn loud(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

struct Machine {
    srt: PathBuf,
    ci: PathBuf,
    /// The machine's Python, for the Python rows (a version manager's shims need the real home).
    python_dir: PathBuf,
    cargo_dir: Option<PathBuf>,
    /// The machine's trust settings, as its package managers are set up here.
    trust: Vec<(String, String)>,
    require: bool,
}

fn machine() -> Option<Machine> {
    let srt = common::srt("matrix")?;
    let ci = std::env::var_os("SRT_GEN_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/srt-gen-ci"));
    let py = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let python_dir = py
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("/usr/bin"));
    let cargo_dir = Command::new("rustup")
        .args(["which", "cargo"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let trust = [
        "NODE_EXTRA_CA_CERTS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "PIP_CERT",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "CARGO_HTTP_CAINFO",
        "GIT_SSL_CAINFO",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
    .collect();
    Some(Machine {
        srt,
        ci,
        python_dir,
        cargo_dir,
        trust,
        require: std::env::var("SRT_GEN_E2E").is_ok_and(|v| v == "require"),
    })
}

/// One row's home, project and environment.
struct Case<'m> {
    m: &'m Machine,
    row: &'static Row,
    home: PathBuf,
    project: PathBuf,
    path: String,
    _dir: tempfile::TempDir,
}

/// A command's output, waited for at most `limit`.
fn output_within(mut c: Command, limit: Duration) -> Result<Output, String> {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let out = std::thread::scope(|s| {
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let o = s.spawn(move || {
            let mut b = Vec::new();
            if let Some(mut r) = stdout {
                let _ = std::io::Read::read_to_end(&mut r, &mut b);
            }
            b
        });
        let e = s.spawn(move || {
            let mut b = Vec::new();
            if let Some(mut r) = stderr {
                let _ = std::io::Read::read_to_end(&mut r, &mut b);
            }
            b
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break Ok(st),
                Ok(None) if start.elapsed() > limit => {
                    let _ = Command::new("kill")
                        .args(["-TERM", &child.id().to_string()])
                        .status();
                    std::thread::sleep(Duration::from_secs(5));
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!("still running after {}s: killed", limit.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => break Err(e.to_string()),
            }
        };
        (status, o.join().unwrap(), e.join().unwrap())
    });
    let (status, stdout, stderr) = out;
    Ok(Output {
        status: status?,
        stdout,
        stderr,
    })
}

impl<'m> Case<'m> {
    fn new(m: &'m Machine, row: &'static Row) -> Result<Case<'m>, String> {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().canonicalize().unwrap().join("home");
        let project = home.join("src").join(row.name);
        std::fs::create_dir_all(&project).unwrap();
        let bin: Option<PathBuf> = match row.bin {
            Bin::Machine => None,
            Bin::Ci(rel) => Some(m.ci.join(rel)),
            Bin::Cargo => Some(
                m.cargo_dir
                    .clone()
                    .ok_or("cargo: rustup has no toolchain")?,
            ),
            Bin::Rustup => {
                let which = common::which("rustup").ok_or("rustup is not on PATH")?;
                Some(which.parent().unwrap().to_path_buf())
            }
        };
        if let Some(b) = &bin {
            if !b.is_dir() {
                return Err(format!(
                    "{} is not installed ({} is missing; `bash .ci/run` installs it)",
                    row.tool,
                    b.display()
                ));
            }
        }
        let mut path: Vec<String> = bin.iter().map(|b| b.display().to_string()).collect();
        path.push(m.python_dir.display().to_string());
        path.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(String::from));
        Ok(Case {
            m,
            row,
            home,
            project,
            path: path.join(":"),
            _dir: dir,
        })
    }

    fn fill(&self, s: &str) -> String {
        s.replace("{home}", &self.home.display().to_string())
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(&self.project)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", &self.path)
            .env("SRT_GEN_CI_DIR", &self.m.ci)
            .env("SRT_GEN_SRT", &self.m.srt)
            .env("LANG", "C.UTF-8");
        for (k, v) in &self.m.trust {
            c.env(k, v);
        }
        for (k, v) in self.row.env {
            c.env(k, self.fill(v));
        }
        c
    }

    fn srt_gen(&self, args: &[&str]) -> Result<Output, String> {
        let mut c = self.command(env!("CARGO_BIN_EXE_srt-gen"));
        c.args(args);
        output_within(c, Duration::from_secs(900))
    }

    fn setup(&self) -> Result<(), String> {
        std::fs::write(self.home.join(".npmrc"), NPMRC).unwrap();
        std::fs::write(self.home.join(".yarnrc.yml"), YARNRC_YML).unwrap();
        for (rel, text) in self.row.files {
            let p = self.project.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, self.fill(text)).unwrap();
        }
        // The version the README names (outside, with this home).
        // In the home, not the project: a pin file there must not act before srt-gen does
        // (rustup's `--version` installs the toolchain a rust-toolchain.toml names).
        let mut c = self.command("sh");
        c.current_dir(&self.home)
            .env("RUSTUP_AUTO_INSTALL", "0")
            .args(["-c", &format!("{} 2>&1", self.row.version)]);
        let out = output_within(c, Duration::from_secs(120))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !text.contains(self.row.expect_version) {
            return Err(format!(
                "`{}` does not say {} (the README's version): {}",
                self.row.version,
                self.row.expect_version,
                text.trim()
            ));
        }
        let out = self.srt_gen(&["init", "--no-justfile", "--no-agent"])?;
        if !out.status.success() {
            return Err(format!("init failed: {}", common::show(&out)));
        }
        let settings: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.project.join(".srt.json")).unwrap())
                .unwrap();
        let names = common::fragment_names(&settings);
        if !names.iter().any(|n| n == self.row.fragment) {
            return Err(format!(
                "init did not find `{}`: {names:?}",
                self.row.fragment
            ));
        }
        // The user's own caches exist, with something in them: a write inside would show.
        let writes: Vec<String> = settings["filesystem"]["allowWrite"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        let mut seeds: Vec<PathBuf> = vec![self.home.join(".npm/_logs")];
        for w in writes.iter().filter_map(|w| w.strip_prefix("~/")) {
            let name = Path::new(w)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            if name.trim_start_matches('.').contains('.') {
                continue;
            }
            seeds.push(self.home.join(w));
        }
        for s in seeds {
            std::fs::create_dir_all(&s).unwrap();
            std::fs::write(s.join("USER-SEED"), "the user's own\n").unwrap();
        }
        Ok(())
    }

    fn skip(&self) -> Vec<&'static str> {
        let mut s: Vec<&str> = vec!["src"];
        s.extend(common::SRT_GEN_OWN);
        s.extend(self.row.skip_fp);
        s
    }

    /// One run inside: its output, srt's decisions, and the refused writes.
    fn run(&self, phase: &str, script: &str) -> Result<Run, String> {
        let tmp = self.project.join(".srt-gen/tmp");
        let trace = tmp.join(format!("strace-{phase}.txt"));
        let traced = self.row.proof != Proof::Install;
        let mut args: Vec<String> = ["run", "--debug", "--"].map(String::from).to_vec();
        if traced {
            args.extend(
                [
                    "strace",
                    "-f",
                    "-qq",
                    "-Z",
                    "-o",
                    &trace.display().to_string(),
                    "-e",
                    "trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,link,linkat,symlink,symlinkat,rmdir,truncate,chmod,fchmodat",
                ]
                .map(String::from),
            );
        }
        args.extend(["sh", "-c", script].map(String::from));
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = Instant::now();
        let out = self.srt_gen(&a)?;
        let secs = started.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let refused = if traced {
            refused_writes(&std::fs::read_to_string(&trace).unwrap_or_default())
        } else {
            Vec::new()
        };
        Ok(Run {
            code: out.status.code(),
            decisions: decisions(&stderr),
            text: format!("{stdout}\n{stderr}"),
            refused,
            secs,
        })
    }

    fn check(&self, phase: &str, r: &Run) -> Result<(), String> {
        let row = self.row;
        let tail = || {
            let lines: Vec<&str> = r
                .text
                .lines()
                .filter(|l| !l.contains("[SandboxDebug]"))
                .collect();
            lines[lines.len().saturating_sub(60)..].join("\n")
        };
        let denied: Vec<&String> = r
            .decisions
            .denied
            .iter()
            .filter(|h| !row.denied_ok.contains(&h.as_str()))
            .collect();
        if !denied.is_empty() {
            return Err(format!("{phase}: srt denied {denied:?}\n{}", tail()));
        }
        let bad: Vec<&String> = r
            .refused
            .iter()
            .filter(|l| {
                !WRITES_OK
                    .iter()
                    .chain(row.writes_ok)
                    .any(|ok| l.contains(ok))
                    && !jvm_perf_data(l)
            })
            .collect();
        if !bad.is_empty() {
            return Err(format!("{phase}: refused writes {bad:#?}\n{}", tail()));
        }
        match row.proof {
            Proof::Install => {
                if r.code != Some(0) {
                    return Err(format!("{phase}: exit {:?}\n{}", r.code, tail()));
                }
            }
            Proof::Network => {
                for h in row.hosts {
                    if !r.decisions.allowed.contains(*h) {
                        return Err(format!(
                            "{phase}: {h} was never tried (allowed: {:?})\n{}",
                            r.decisions.allowed,
                            tail()
                        ));
                    }
                }
                if r.decisions.upstream_failed == 0 {
                    return Err(format!(
                        "{phase}: no connection failed upstream: the row no longer reaches the network\n{}",
                        tail()
                    ));
                }
            }
            Proof::Limit => {
                if !r.text.contains(row.limit) {
                    return Err(format!(
                        "{phase}: the known limit (`{}`) did not show: it may be gone; update the row and the README\n{}",
                        row.limit,
                        tail()
                    ));
                }
            }
        }
        Ok(())
    }

    fn prove(&self) -> Result<String, String> {
        self.setup()?;
        let before = common::fingerprint(&self.home, &self.skip());
        let cold = self.run("cold", self.row.cold)?;
        self.check("cold", &cold)?;
        if !cold.text.contains(self.row.said) {
            return Err(format!("cold: srt-gen did not say `{}`", self.row.said));
        }
        if self.row.proof == Proof::Install {
            for p in self.row.made {
                if !self.project.join(p).exists() {
                    return Err(format!("cold: {p} was not made"));
                }
            }
        }
        for own in self.row.own {
            let d = self.home.join(".cache/srt-gen/sandbox").join(own);
            let filled = std::fs::read_dir(&d).is_ok_and(|mut r| r.next().is_some());
            if !filled {
                return Err(format!("cold: the sandbox's own {own} is empty"));
            }
        }
        let warm = self.run("warm", self.row.warm)?;
        self.check("warm", &warm)?;
        let after = common::fingerprint(&self.home, &self.skip());
        if before != after {
            return Err(format!(
                "the user's home changed:\n{}",
                common::fingerprint_diff(&before, &after)
            ));
        }
        Ok(format!(
            "cold {:.0}s, warm {:.0}s, hosts allowed {:?}",
            cold.secs, warm.secs, cold.decisions.allowed
        ))
    }
}

#[derive(Debug, Default)]
struct Decisions {
    allowed: BTreeSet<String>,
    denied: BTreeSet<String>,
    upstream_failed: usize,
}

struct Run {
    code: Option<i32>,
    decisions: Decisions,
    text: String,
    refused: Vec<String>,
    secs: f64,
}

/// srt's debug lines: `Allowed by config rule: H:P`, `No matching rule,
/// denying: H:P`, `Denied by config rule: H:P`, and the upstream failures behind an
/// allowed host.
fn decisions(stderr: &str) -> Decisions {
    let mut d = Decisions::default();
    let host = |rest: &str| {
        let hp = rest.split_whitespace().next().unwrap_or("");
        hp.rsplit_once(':').map_or(hp, |(h, _)| h).to_string()
    };
    for l in stderr.lines().filter(|l| l.contains("[SandboxDebug]")) {
        if let Some((_, rest)) = l.split_once("Allowed by config rule: ") {
            d.allowed.insert(host(rest));
        } else if let Some((_, rest)) = l.split_once("No matching rule, denying: ") {
            d.denied.insert(host(rest));
        } else if let Some((_, rest)) = l.split_once("Denied by config rule: ") {
            d.denied.insert(host(rest));
        }
        if l.contains("CONNECT tunnel failed")
            || l.contains("Proxy request failed")
            || (l.contains("[tls-terminate] upstream") && l.contains("failed"))
        {
            d.upstream_failed += 1;
        }
    }
    d
}

/// Writes the kernel refused (EROFS, EACCES, EPERM), from `strace -Z` output: opens for
/// writing, and every call that makes, moves or removes a name. Reads and `access` probes
/// are not writes.
fn refused_writes(trace: &str) -> Vec<String> {
    let mut pending: std::collections::HashMap<String, String> = Default::default();
    let mut out = Vec::new();
    for line in trace.lines() {
        let pid = line.split_whitespace().next().unwrap_or("").to_string();
        let line = if let Some(head) = line.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_string());
            continue;
        } else if let Some((_, tail)) = line.split_once(" resumed>") {
            match pending.remove(&pid) {
                Some(head) => format!("{head}{tail}"),
                None => line.to_string(),
            }
        } else {
            line.to_string()
        };
        if !["EROFS", "EACCES", "EPERM"]
            .iter()
            .any(|e| line.contains(&format!("= -1 {e}")))
        {
            continue;
        }
        let call = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.split('(').next())
            .unwrap_or("");
        let is_open = matches!(call, "open" | "openat" | "creat");
        if is_open
            && call != "creat"
            && !["O_WRONLY", "O_RDWR", "O_CREAT"]
                .iter()
                .any(|f| line.contains(f))
        {
            continue;
        }
        out.push(line);
    }
    out
}

/// Every JVM creates /tmp/hsperfdata_<user>/<pid> (openat relative to that folder, the
/// name only a number) and carries on without it (seen inside srt 0.0.83).
fn jvm_perf_data(line: &str) -> bool {
    line.split_once("openat(")
        .and_then(|(_, rest)| rest.split('"').nth(1))
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()))
}

fn selected() -> Vec<&'static Row> {
    let only: Option<Vec<String>> = std::env::var("SRT_GEN_MATRIX_ROWS")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    ROWS.iter()
        .filter(|r| only.as_ref().is_none_or(|o| o.iter().any(|n| n == r.name)))
        .collect()
}

#[test]
fn every_row_of_the_matrix() {
    let Some(m) = machine() else {
        return;
    };
    let rows = selected();
    let jobs: usize = std::env::var("SRT_GEN_MATRIX_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(&str, Result<String, String>)>> = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs.min(rows.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(row) = rows.get(i) else {
                    break;
                };
                let t = Instant::now();
                let r = Case::new(&m, row).and_then(|c| c.prove());
                let line = match &r {
                    Ok(s) => format!(
                        "matrix: {:<15} ok   {:>4.0}s  {s}",
                        row.name,
                        t.elapsed().as_secs_f64()
                    ),
                    Err(e) => format!(
                        "matrix: {:<15} FAIL {:>4.0}s  {}",
                        row.name,
                        t.elapsed().as_secs_f64(),
                        e.lines().next().unwrap_or("")
                    ),
                };
                loud(&line);
                results.lock().unwrap().push((row.name, r));
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for (name, r) in &results {
        if let Err(e) = r {
            if e.contains("is not installed") && !m.require {
                skipped.push(format!("{name}: {e}"));
            } else {
                failed.push(format!("--- {name}\n{e}"));
            }
        }
    }
    for s in &skipped {
        loud(&format!(
            "SKIPPED matrix row {s} (set SRT_GEN_E2E=require to make this a failure)"
        ));
    }
    loud(&format!(
        "matrix: {} rows in {:.0}s with {jobs} at a time",
        results.len(),
        started.elapsed().as_secs_f64()
    ));
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

/// The README's matrix, as the rows say it.
fn readme_block() -> String {
    let mut out = String::from(
        "| ecosystem | tool and version | proof | what was run |\n|---|---|---|---|\n",
    );
    for r in ROWS {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.ecosystem,
            r.tool,
            r.proof.label(),
            r.run
        ));
    }
    out
}

#[test]
fn readme_matrix_matches_the_rows() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = "<!-- matrix:start (tests/matrix/rows.rs; `cargo test --test matrix readme` checks it) -->\n";
    let end = "<!-- matrix:end -->";
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!(
            "README.md has no matrix block; put this between the markers:\n{start}{}{end}",
            readme_block()
        );
    };
    let block = &readme[a + start.len()..b];
    assert_eq!(
        block,
        readme_block(),
        "README.md's matrix and tests/matrix/rows.rs disagree; the rows say:\n{}",
        readme_block()
    );
}

#[test]
fn every_row_names_a_fragment_of_the_catalog() {
    let catalog = srt_gen::catalog::Catalog::builtin().unwrap();
    let mut names = BTreeSet::new();
    for r in ROWS {
        assert!(
            catalog.get(r.fragment).is_some(),
            "{}: {}",
            r.name,
            r.fragment
        );
        assert!(names.insert(r.name), "two rows named {}", r.name);
        assert!(
            !r.cold.is_empty() && !r.warm.is_empty() && !r.run.is_empty(),
            "{}",
            r.name
        );
        match r.proof {
            Proof::Network => assert!(!r.hosts.is_empty(), "{}", r.name),
            Proof::Limit => assert!(!r.limit.is_empty(), "{}", r.name),
            Proof::Install => assert!(!r.made.is_empty() || !r.own.is_empty(), "{}", r.name),
        }
    }
    // The rows the issue names.
    for n in [
        "npm",
        "yarn1",
        "yarn-berry",
        "pnpm",
        "bun",
        "deno",
        "pip",
        "uv",
        "poetry",
        "pdm",
        "hatch",
        "pipenv",
        "cargo",
        "rust-toolchain",
        "go",
        "maven",
        "gradle",
        "bundler",
        "composer",
        "mix",
        "rebar3",
        "cabal",
        "stack",
        "luarocks",
        "cpanm",
    ] {
        assert!(names.contains(n), "no row {n}");
    }
}

#[test]
fn strace_and_debug_lines_are_read_as_srt_and_strace_write_them() {
    let trace = "12 openat(AT_FDCWD, \"/h/.cache/pip/x\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 EROFS (Read-only file system)\n\
12 openat(AT_FDCWD, \"/h/.netrc\", O_RDONLY) = -1 EACCES (Permission denied)\n\
13 mkdirat(AT_FDCWD, \"/h/.gradle/workers\", 0777 <unfinished ...>\n\
14 rename(\"/a\", \"/b\") = -1 EXDEV (Invalid cross-device link)\n\
13 <... mkdirat resumed>) = -1 EROFS (Read-only file system)\n";
    let r = refused_writes(trace);
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r[0].contains(".cache/pip/x"));
    assert!(r[1].contains(".gradle/workers"));
    let d = decisions(
        "[SandboxDebug] Allowed by config rule: proxy.golang.org:443\n\
[SandboxDebug] CONNECT tunnel failed: { code: 'ENOTFOUND' }\n\
[SandboxDebug] No matching rule, denying: example.com:443\nother\n",
    );
    assert!(d.allowed.contains("proxy.golang.org"));
    assert!(d.denied.contains("example.com"));
    assert_eq!(d.upstream_failed, 1);
}
