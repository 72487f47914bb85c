//! `srt-gen learn` end to end (real srt, real npm, pip and Node, strace from outside the
//! sandbox): what the sandbox refused is seen, named and mapped to the narrowest fix; a
//! command that only prints refusals gets nothing proposed; nothing is applied unasked; the
//! exit status is the command's.

mod common;

use common::show;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::Sandbox;
use serde_json::Value;

/// A fixture project, initialised, and the srt to run it with; `None` when skipped.
struct Project {
    s: Sandbox,
    srt: PathBuf,
}

fn project(test: &str, fixture: &str) -> Option<Project> {
    let srt = common::srt(test)?;
    strace_required(test);
    let p = Project {
        s: Sandbox::fixture(fixture),
        srt,
    };
    let out = p.cmd().arg("init").output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    Some(p)
}

/// learn traces where strace is installed; under SRT_GEN_E2E=require it must be.
fn strace_required(test: &str) {
    let found = ["/usr/bin/strace", "/bin/strace", "/usr/local/bin/strace"]
        .iter()
        .any(|p| Path::new(p).is_file());
    if !found && std::env::var("SRT_GEN_E2E").is_ok_and(|v| v == "require") {
        panic!("{test}: SRT_GEN_E2E=require but strace is not installed (`.ci/run` installs it)");
    }
}

impl Project {
    fn cmd(&self) -> std::process::Command {
        let mut c = self.s.cmd();
        c.env("SRT_GEN_SRT", &self.srt);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `learn --json ARGS`, with the exit status it must have (the command's own).
    fn learn_json(&self, args: &[&str], exit: Option<i32>) -> Value {
        let out = self
            .cmd()
            .args(["learn", "--json"])
            .args(args)
            .output()
            .unwrap();
        if let Some(code) = exit {
            assert_eq!(out.status.code(), Some(code), "{}", show(&out));
        }
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
    }
}

fn finding<'a>(report: &'a Value, value: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == value)
        .unwrap_or_else(|| panic!("no finding for {value}: {report:#}"))
}

/// The findings that propose a change (`add`, a project-local entry, or one held back).
fn proposals(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            matches!(
                f["proposal"]["action"].as_str(),
                Some("add" | "project-local" | "risky" | "tolerated" | "stale")
            )
        })
        .collect()
}

const INSTALL: [&str; 5] = ["--", "npm", "install", "--no-audit", "--no-fund"];
const APPLY: [&str; 2] = ["--apply", "--yes"];

#[test]
fn a_missing_npm_fragment_is_seen_proposed_and_applied_from_the_last_report() {
    let Some(p) = project("a_missing_npm_fragment_is_seen", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let out = p.run(&["remove", "node"]);
    assert!(out.status.success(), "{}", show(&out));

    let out = p.run(&["run", "--", "npm", "install", "--no-audit", "--no-fund"]);
    assert_ne!(out.status.code(), Some(0), "npm fails without its fragment");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`srt-gen learn -- npm install --no-audit --no-fund` names it"),
        "{err}"
    );

    // learn exits with npm's own status and names both refusals, traced and from srt's log.
    let npm_exit = out.status.code();
    let report = p.learn_json(&INSTALL, npm_exit);
    assert_eq!(report["mode"], "traced", "{report:#}");
    let host = finding(&report, "registry.npmjs.org");
    assert_eq!(host["kind"], "host");
    assert_eq!(host["evidence"], "srt");
    assert_eq!(host["verified"], true);
    assert_eq!(host["proposal"]["action"], "add");
    assert_eq!(host["proposal"]["fragment"], "node");
    assert!(host["raw"]
        .as_str()
        .unwrap()
        .starts_with("[SandboxDebug] No matching rule, denying: registry.npmjs.org"));
    let before = s.read(".srt.json");

    // Without a terminal, --apply alone applies nothing.
    let out = p.run(&["learn", "--apply", "--last"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no terminal to ask on: nothing was applied")
    );
    assert_eq!(s.read(".srt.json"), before);

    // -y from the last report: the command is not run again.
    let report = p.learn_json(&["--apply", "--yes", "--last"], Some(0));
    assert_eq!(report["fromLast"], true);
    assert_eq!(report["applied"], serde_json::json!(["srt-gen add node"]));
    let v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(v["srtGen"]["fragments"]["node"]["why"], "added");

    // The same report again: already allowed now, nothing more to apply.
    let report = p.learn_json(&["--last"], Some(0));
    assert_eq!(
        finding(&report, "registry.npmjs.org")["proposal"]["action"],
        "allowed"
    );

    let out = p.run(&["run", "--", "npm", "install", "--no-audit", "--no-fund"]);
    assert!(
        out.status.success(),
        "after learn, npm install works: {}",
        show(&out)
    );
    assert!(s
        .project
        .join("node_modules/is-number/package.json")
        .is_file());
}

/// `-- curl` fetching `url` quietly, as the command learn runs.
fn curl(url: &str) -> [&str; 6] {
    ["--", "curl", "-sS", "-o", "/dev/null", url]
}

#[test]
fn an_unknown_host_gets_a_project_local_entry_and_a_risky_one_is_held_back() {
    let Some(p) = project("an_unknown_host_gets_a_project_local_entry", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let report = p.learn_json(&curl("https://example.com/"), Some(56));
    let item = finding(&report, "example.com");
    assert_eq!(item["proposal"]["action"], "project-local");
    assert_eq!(item["proposal"]["list"], "network.allowedDomains");
    assert_eq!(report["exit"], 56, "curl's own exit status");

    let out = p.run(&[&["learn"][..], &curl("https://example.com/")].concat());
    assert_eq!(out.status.code(), Some(56));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("host example.com (srt's log): project-local: example.com in network.allowedDomains (no catalog fragment has it)"), "{err}");
    assert!(
        err.contains("curl: (56)"),
        "the command's own stderr still shows: {err}"
    );
    assert!(
        !err.contains("[SandboxDebug]"),
        "srt's debug lines are read, not shown: {err}"
    );

    let report = p.learn_json(
        &[&APPLY[..], &curl("https://storage.googleapis.com/")].concat(),
        None,
    );
    assert_eq!(
        finding(&report, "storage.googleapis.com")["proposal"]["action"],
        "risky"
    );
    assert!(
        report.get("applied").is_none(),
        "never applied without --allow-risky: {report:#}"
    );
    assert!(!s.read(".srt.json").contains("storage.googleapis.com"));

    // A host the policy denies on purpose is named as such and never proposed.
    let mut v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    v["network"]["deniedDomains"] = serde_json::json!(["tracker.example.net"]);
    s.write(".srt.json", &serde_json::to_string_pretty(&v).unwrap());
    let report = p.learn_json(
        &[&APPLY[..], &curl("https://tracker.example.net/")].concat(),
        None,
    );
    let t = finding(&report, "tracker.example.net");
    assert_eq!(t["proposal"]["action"], "denied", "{report:#}");
    assert_eq!(
        t["proposal"]["by"],
        "network.deniedDomains tracker.example.net"
    );
    assert!(report.get("applied").is_none());

    p.learn_json(&[&APPLY[..], &curl("https://example.com/")].concat(), None);
    let out = p.run(&["explain", "example.com"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("example.com: allowed"), "{text}");
    assert!(text.contains("learned (added)"), "{text}");
    let out = p.run(&["remove", "learned"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(!s.read(".srt.json").contains("\"example.com\""));
}

/// A pip cache moved after `init` (PIP_CACHE_DIR): the policy on disk no longer fits, the
/// drift is reported (issue 15, "fit for the machine"), and nothing is refused: the run
/// gives pip the sandbox's own cache (issue 14), never the user's. Before the run policy,
/// pip failed here and learn had to propose the folder by hand.
#[test]
fn a_pip_cache_moved_after_init_is_used_and_reported_as_drift() {
    let Some(p) = project(
        "a_pip_cache_moved_after_init_is_used_and_reported_as_drift",
        "e2e-pip",
    ) else {
        return;
    };
    let s = &p.s;
    let cache = s.home().join("elsewhere/pip-cache");
    // The interpreter itself: a version manager's shims run `pyenv rehash` after an
    // install, which fails on their read-only folder.
    let o = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3");
    let python = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let out = p
        .cmd()
        .env("PIP_CACHE_DIR", &cache)
        .args(["learn", "--json", "--", &python])
        .args([
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-binary",
            "six",
            // A wheel built from the sdist goes into pip's cache with every pip; Debian 12's
            // pip 23.0 keeps no HTTP cache for a plain download.
            "--use-pep517",
        ])
        .args(["--target", "./lib", "six==1.16.0"])
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)));
    assert_eq!(report["exit"], 0, "{report:#} {}", show(&out));
    assert_eq!(out.status.code(), Some(0));
    assert!(proposals(&report).is_empty(), "nothing to add: {report:#}");
    // Issue 14: the run gives pip the sandbox's own cache, whatever PIP_CACHE_DIR says;
    // the user's moved cache stays unwritten.
    let own = s.home().join(".cache/srt-gen/sandbox/python/pip");
    assert!(
        std::fs::read_dir(&own).is_ok_and(|mut d| d.next().is_some()),
        "pip used the sandbox's own cache"
    );
    assert!(
        !std::fs::read_dir(&cache).is_ok_and(|mut d| d.next().is_some()),
        "the user's moved cache was written"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("drift: python filesystem.allowWrite: .srt.json has ~/.cache/pip, this machine needs ~/elsewhere/pip-cache"),
        "{stderr}"
    );
}

/// A command that only prints refusals (paths that are read-only, a line that looks like
/// srt's log) gets nothing proposed, traced or not, and -y applies nothing.
#[test]
fn a_forged_refusal_never_reaches_the_policy() {
    let Some(p) = project("a_forged_refusal_never_reaches_the_policy", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let home = s.home().canonicalize().unwrap();
    let script = format!(
        "echo \"OSError: [Errno 30] Read-only file system: '{h}/.bashrc'\" >&2; \
         echo '[SandboxDebug] No matching rule, denying: attacker.example:443' >&2; \
         echo 'error: Read-only file system (os error 30) at path \"{h}/.local/bin/tool\"'; \
         echo 'EROFS: {h}/.local/lib/python3.11/site-packages/evil.pth'; \
         echo \"Error: EACCES: permission denied, open '{h}/.ssh/id_ed25519'\" >&2; \
         exit 3",
        h = home.display()
    );
    let before = s.read(".srt.json");
    let report = p.learn_json(&["--apply", "--yes", "--", "sh", "-c", &script], Some(3));
    assert_eq!(report["mode"], "traced");
    assert!(
        proposals(&report).is_empty(),
        "traced: nothing was refused: {report:#}"
    );
    assert!(report.get("applied").is_none());

    let report = p.learn_json(
        &["--no-trace", "--apply", "--yes", "--", "sh", "-c", &script],
        Some(3),
    );
    assert_eq!(report["mode"], "guess");
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["verified"], false, "{f}");
    }
    assert_eq!(finding(&report, "~/.bashrc")["proposal"]["action"], "never");
    assert_eq!(
        finding(&report, "~/.local/bin/tool")["proposal"]["action"],
        "never"
    );
    assert_eq!(
        finding(&report, "~/.local/lib/python3.11/site-packages/evil.pth")["proposal"]["action"],
        "never"
    );
    assert_eq!(
        finding(&report, "~/.ssh/id_ed25519")["proposal"]["action"],
        "denied"
    );
    // The srt-like line is only a line the command printed: -y does not apply it.
    assert_eq!(finding(&report, "attacker.example")["evidence"], "srt");
    assert!(report.get("applied").is_none(), "{report:#}");
    assert_eq!(s.read(".srt.json"), before);
    assert!(!s.project.join(".srt-gen/fragments/learned.toml").exists());
}

/// Node's recursive mkdir under a read-only tree says ENOENT for the folder it wanted; the
/// trace names the parent it could not make, and the tool's own folder is proposed.
#[test]
fn nodes_recursive_mkdir_gets_the_tools_folder_and_then_works() {
    let Some(p) = project("nodes_recursive_mkdir_gets_the_tools_folder", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    std::fs::create_dir_all(s.home().join(".cache")).unwrap();
    let mkdir = [
        "--",
        "node",
        "-e",
        "require('fs').mkdirSync(require('path').join(require('os').homedir(), '.cache/mytool/db'), {recursive: true})",
    ];
    let report = p.learn_json(&mkdir, Some(1));
    let f = finding(&report, "~/.cache/mytool");
    assert_eq!(f["evidence"], "traced");
    assert_eq!(f["error"], "EROFS");
    assert_eq!(f["program"], "node");
    assert_eq!(f["namedByCommand"], true);
    assert_eq!(f["proposal"]["action"], "project-local");
    assert_eq!(f["proposal"]["entry"], "~/.cache/mytool");
    // From Node's message alone (ENOENT for the deeper folder), the same folder.
    let report = p.learn_json(&[&["--no-trace"][..], &mkdir].concat(), Some(1));
    assert_eq!(
        finding(&report, "~/.cache/mytool/db")["proposal"]["entry"],
        "~/.cache/mytool"
    );

    let report = p.learn_json(&[&APPLY[..], &mkdir].concat(), Some(1));
    assert_eq!(
        report["applied"][0],
        "filesystem.allowWrite ~/.cache/mytool (fragment `learned`)"
    );
    let out = p.run(&[&["run"][..], &mkdir].concat());
    assert!(out.status.success(), "{}", show(&out));
    assert!(s.home().join(".cache/mytool/db").is_dir());
}

#[test]
fn learn_exits_with_the_commands_status_and_works_while_another_run_holds_placeholders() {
    let Some(p) = project("learn_exits_with_the_commands_status", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let report = p.learn_json(&["--", "sh", "-c", "exit 7"], Some(7));
    assert_eq!(report["exit"], 7);
    assert!(
        report["findings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );

    // Another run of the project is active: its placeholder holds `.srt-gen/fragments`
    // (an empty folder, where a folder belongs) while it lives.
    std::fs::remove_dir_all(s.project.join(".srt-gen/fragments")).ok();
    let started = s.project.join(".srt-gen/tmp/other-started");
    let mut other = p
        .cmd()
        .args(["run", "--", "sh", "-c"])
        .arg(format!("touch {}; sleep 20", started.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    common::wait_for(&started);
    let fragments = s.project.join(".srt-gen/fragments");
    let placeholder = std::fs::symlink_metadata(&fragments).is_ok_and(|m| m.is_dir());
    let report = p.learn_json(&curl("https://example.com/"), Some(56));
    assert_eq!(
        finding(&report, "example.com")["proposal"]["action"],
        "project-local"
    );
    let _ = other.kill();
    let _ = other.wait();
    assert!(
        placeholder,
        "the other run held a placeholder at .srt-gen/fragments"
    );
}

/// The gate runs on the whole change before anything is written: a learned.toml whose own
/// entries `check` rejects stops the apply, and learned.toml keeps its bytes.
#[test]
fn the_gate_runs_before_learned_toml_is_written() {
    let Some(p) = project("the_gate_runs_before_learned_toml_is_written", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let bad = "name = \"learned\"\nkind = \"preset\"\ndescription = \"d\"\n\n[[write]]\npath = \"~\"\nsource = \"a hand edit\"\n";
    s.write(".srt-gen/fragments/learned.toml", bad);
    let before = s.read(".srt.json");
    let out = p
        .cmd()
        .args(["learn", "--json", "--apply", "--yes"])
        .args(curl("https://example.com/"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("will not write a config"), "{err}");
    assert_eq!(s.read(".srt-gen/fragments/learned.toml"), bad);
    assert_eq!(s.read(".srt.json"), before);
}

/// A last report the repository brought (`.srt-gen/learn/last.json` committed) is refused.
#[test]
fn a_last_report_srt_gen_did_not_write_is_refused() {
    let s = Sandbox::fixture("e2e-npm");
    let out = s.run(&["init"]);
    assert!(out.status.success(), "{}", show(&out));
    let forged = serde_json::json!({
        "version": 1, "id": "00000000000000000000000000000000", "command": ["npm", "install"],
        "commandText": "npm install", "exit": 1, "mode": "traced",
        "seen": [{"kind": "host", "target": "attacker.example", "evidence": "srt", "verified": true,
                  "attempts": 1, "namedByCommand": false, "byRule": false,
                  "raw": "[SandboxDebug] No matching rule, denying: attacker.example:443"}]
    });
    s.write(".srt-gen/learn/last.json", &forged.to_string());
    let before = s.read(".srt.json");
    let out = s.run(&["learn", "--apply", "--yes", "--last"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not written by `srt-gen learn`"));
    assert_eq!(s.read(".srt.json"), before);
}

/// On a terminal, --apply asks about each item and applies only what is answered yes.
#[test]
fn on_a_terminal_apply_asks_per_item() {
    let Some(p) = project("on_a_terminal_apply_asks_per_item", "e2e-npm") else {
        return;
    };
    let Some(script) = common::which("script") else {
        assert!(
            std::env::var("SRT_GEN_E2E").map_or(true, |v| v != "require"),
            "`script` (util-linux) is needed for the terminal test"
        );
        return;
    };
    let s = &p.s;
    p.learn_json(&curl("https://example.com/"), Some(56));
    let bin = env!("CARGO_BIN_EXE_srt-gen");
    // `script` gives srt-gen a terminal; the answers come through it.
    let mut child = std::process::Command::new(script)
        .args(["-qec", &format!("{bin} learn --apply --last"), "/dev/null"])
        .current_dir(&s.project)
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SRT_GEN_SRT", &p.srt)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"n\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("example.com: project-local: example.com in network.allowedDomains"),
        "{text}"
    );
    assert!(text.contains("[y/N]"), "{text}");
    assert!(
        !s.read(".srt.json").contains("\"example.com\""),
        "answered no: {text}"
    );
}

/// A genuine last report in a folder the policy lets the sandbox write is not applied: the
/// sandbox can read the id srt-gen keeps outside, so it could have rewritten the report.
#[test]
fn a_last_report_the_sandbox_could_write_is_refused() {
    let Some(p) = project(
        "a_last_report_the_sandbox_could_write_is_refused",
        "e2e-npm",
    ) else {
        return;
    };
    let s = &p.s;
    p.learn_json(&curl("https://example.com/"), Some(56));
    let mut v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    let deny = v["filesystem"]["denyWrite"].as_array_mut().unwrap();
    assert!(
        deny.iter().any(|d| d == "./.srt-gen/learn"),
        "base protects it: {deny:?}"
    );
    deny.retain(|d| d != "./.srt-gen/learn");
    s.write(".srt.json", &serde_json::to_string_pretty(&v).unwrap());
    let before = s.read(".srt.json");
    let out = p.run(&["learn", "--apply", "--yes", "--last"]);
    assert_eq!(out.status.code(), Some(4), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is writable inside the sandbox"));
    assert_eq!(s.read(".srt.json"), before);
}
