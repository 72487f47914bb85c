//! `srt-gen check` from the command line, and the same rules inside `init`.

mod common;

use common::Sandbox;

/// The issue's "tried as a new user would" file: a misspelt key, a glob in allowWrite,
/// `~` as a write root and a host with a space; and, since issue 18, none of srt-gen's base
/// credential denies (the floor: one finding for all of them) and `.claude/settings.json`
/// left writable in the project. Each problem must give exactly one finding.
const HAND_WRITTEN: &str = r#"{
  "network": {
    "allowedDomains": ["index.crates.io", "static.crates.io", "exa mple.com"],
    "deniedDomains": []
  },
  "filesystem": {
    "denyRead": [],
    "allowWrite": [".", "./build/*.o", "~"],
    "denyWrite": ["./.srt.json", "./justfile", "./.srt-gen/fragments"]
  },
  "mandatoryDenySearchDept": 5
}
"#;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exited")
}

#[test]
fn hand_written_config_gets_one_finding_per_problem() {
    let s = Sandbox::new();
    s.write(".srt.json", HAND_WRITTEN);
    let out = s.run(&["check"]);
    assert_eq!(code(&out), 1, "errors exit 1");
    let stdout = s.clean(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        7,
        "six findings and a count:\n{stdout}"
    );
    snap!("hand_written_human", stdout);

    let out = s.run(&["check", "--json"]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "network.allowedDomains[2]",
            "filesystem.denyRead",
            "filesystem.allowWrite[1]",
            "filesystem.allowWrite[2]",
            "filesystem.allowWrite[0]",
            "mandatoryDenySearchDept",
        ]
    );
    snap!("hand_written_json", s.clean(&out.stdout));
    assert_eq!(s.read(".srt.json"), HAND_WRITTEN, "check never writes");
}

#[test]
fn warnings_alone_exit_zero_and_a_generated_config_is_clean() {
    let s = Sandbox::new();
    s.write("Cargo.toml", "[package]\nname = \"x\"\n");
    assert_eq!(code(&s.run(&["init"])), 0);
    let out = s.run(&["check"]);
    assert_eq!(code(&out), 0, "{}", s.clean(&out.stdout));
    assert_eq!(s.clean(&out.stdout), ".srt.json: no problems found\n");

    let mut v: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    v["network"]["allowedDomains"]
        .as_array_mut()
        .unwrap()
        .push("raw.githubusercontent.com".into());
    // Outside the project: inside, `.` would make it writable, itself an error.
    let other = s.home().join("other.json");
    std::fs::write(&other, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let out = s.run(&["check", other.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "a warning alone exits 0");
    snap!("risky_host_warning", s.clean(&out.stdout));
}

#[test]
fn unparseable_and_missing_files() {
    let s = Sandbox::new();
    s.write(".srt.json", "{\n  \"network\": {},\n}\n");
    let out = s.run(&["check"]);
    assert_eq!(code(&out), 3);
    let err = s.clean(&out.stderr);
    assert!(
        err.contains("[PROJECT]/.srt.json:3:1: not valid JSON"),
        "{err}"
    );

    let out = s.run(&["check", "nope.json"]);
    assert_eq!(code(&out), 2);
    assert!(s.clean(&out.stderr).contains("nope.json does not exist"));
}

#[test]
fn init_refuses_to_write_a_generated_escape() {
    let s = Sandbox::new();
    s.write("Cargo.toml", "[package]\nname = \"x\"\n");
    // A build directory moved to the home directory would make all of it writable.
    let out = s
        .cmd()
        .env("CARGO_TARGET_DIR", s.home())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let err = s.clean(&out.stderr);
    assert!(
        err.contains("will not write a config") && err.contains("`~` holds the home directory"),
        "{err}"
    );
    assert!(!s.project.join(".srt.json").exists());
    assert!(!s.project.join("justfile").exists());
}

#[test]
fn init_reports_but_keeps_errors_in_the_users_own_entries() {
    let s = Sandbox::new();
    s.write("Cargo.toml", "[package]\nname = \"x\"\n");
    s.write(
        ".srt.json",
        r#"{"network":{"allowedDomains":["exa mple.com"],"deniedDomains":[]},
            "filesystem":{"denyRead":[],"allowWrite":["~/.bashrc"],"denyWrite":[]}}"#,
    );
    let out = s.run(&["init"]);
    assert_eq!(code(&out), 0, "{}", s.clean(&out.stderr));
    let err = s.clean(&out.stderr);
    assert!(
        err.contains("warning: 2 problems in entries you wrote; `srt-gen check` lists them"),
        "{err}"
    );
    let written = s.read(".srt.json");
    assert!(written.contains("exa mple.com") && written.contains("~/.bashrc"));
    let out = s.run(&["check"]);
    assert_eq!(code(&out), 1);
    assert_eq!(s.clean(&out.stdout).lines().count(), 3);
}
