//! `srt-gen learn` end to end (real srt, real npm and pip): what the sandbox refused is
//! named and mapped to the catalog fragment that explains it, or to a project-local entry.

mod common;

use common::show;

use std::process::Output;

use common::Sandbox;
use serde_json::Value;

/// A fixture project, initialised, and the srt to run it with; `None` when skipped.
struct Project {
    s: Sandbox,
    srt: std::path::PathBuf,
}

fn project(test: &str, fixture: &str) -> Option<Project> {
    let srt = common::srt(test)?;
    let p = Project {
        s: Sandbox::fixture(fixture),
        srt,
    };
    let out = p.cmd().arg("init").output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    Some(p)
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

    fn learn_json(&self, args: &[&str]) -> Value {
        let out = self
            .cmd()
            .args(["learn", "--json"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
    }
}

#[test]
fn a_missing_npm_fragment_is_proposed_and_applied() {
    let Some(p) = project("a_missing_npm_fragment_is_proposed_and_applied", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let out = p.run(&["remove", "node"]);
    assert!(out.status.success(), "{}", show(&out));
    let install = ["--", "npm", "install", "--no-audit", "--no-fund"];

    let out = p.run(&["run", "--", "npm", "install", "--no-audit", "--no-fund"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "npm must fail without its fragment: {}",
        show(&out)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`srt-gen learn -- <the same command>` names it"),
        "{err}"
    );
    assert!(
        !err.contains("[SandboxDebug]"),
        "no debug output in a plain run"
    );

    let report = p.learn_json(&install);
    let items = report["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{report:#}");
    assert_eq!(items[0]["kind"], "host");
    assert_eq!(items[0]["value"], "registry.npmjs.org");
    assert_eq!(items[0]["proposal"]["action"], "add");
    assert_eq!(items[0]["proposal"]["fragment"], "node");
    assert!(items[0]["attempts"].as_u64().unwrap() >= 1);
    let before = s.read(".srt.json");

    let mut apply = vec!["--apply", "--yes"];
    apply.extend_from_slice(&install);
    let report = p.learn_json(&apply);
    assert_eq!(report["applied"], serde_json::json!(["srt-gen add node"]));
    assert_ne!(s.read(".srt.json"), before);
    let v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(v["srtGen"]["fragments"]["node"]["why"], "added");

    let out = p.run(&["run", "--", "npm", "install", "--no-audit", "--no-fund"]);
    assert!(
        out.status.success(),
        "after learn --apply, npm install works: {}",
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

const APPLY: [&str; 2] = ["--apply", "--yes"];

#[test]
fn an_unknown_host_gets_a_project_local_entry_and_a_risky_one_is_held_back() {
    let Some(p) = project("an_unknown_host_gets_a_project_local_entry", "e2e-npm") else {
        return;
    };
    let s = &p.s;
    let report = p.learn_json(&curl("https://example.com/"));
    let item = &report["items"][0];
    assert_eq!(item["value"], "example.com");
    assert_eq!(item["proposal"]["action"], "project-local");
    assert_eq!(item["proposal"]["list"], "network.allowedDomains");
    assert_ne!(report["exit"], 0, "curl itself failed with the 403");

    let out = p.run(&[&["learn"][..], &curl("https://example.com/")].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("host example.com (refused 1×): project-local: example.com in network.allowedDomains (no catalog fragment has it)"), "{err}");
    assert!(
        err.contains("curl: (56)"),
        "the command's own stderr still shows: {err}"
    );
    assert!(
        !err.contains("[SandboxDebug]"),
        "srt's debug lines are read, not shown: {err}"
    );

    let report = p.learn_json(&[&APPLY[..], &curl("https://storage.googleapis.com/")].concat());
    assert_eq!(
        report["items"][0]["proposal"]["action"], "risky",
        "{report:#}"
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
    let report = p.learn_json(&[&APPLY[..], &curl("https://tracker.example.net/")].concat());
    assert_eq!(
        report["items"][0]["proposal"]["action"], "denied",
        "{report:#}"
    );
    assert_eq!(
        report["items"][0]["proposal"]["by"],
        "network.deniedDomains tracker.example.net"
    );
    assert!(report.get("applied").is_none());

    p.learn_json(&[&APPLY[..], &curl("https://example.com/")].concat());
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
    let out = p
        .cmd()
        .env("PIP_CACHE_DIR", &cache)
        .args([
            "learn",
            "--json",
            "--",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            "./dl",
            "six==1.16.0",
        ])
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)));
    assert_eq!(report["exit"], 0, "{report:#} {}", show(&out));
    let writes: Vec<&Value> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "write")
        .collect();
    assert!(writes.is_empty(), "nothing was refused: {report:#}");
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
