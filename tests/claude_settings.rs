//! `srt-gen claude-settings`: the `sandbox` block of `.claude/settings.json`, checked
//! against SchemaStore's published schema (tests/data), with the same hosts and
//! equivalent paths as `.srt.json`, merged into an existing file without losing a key.

mod common;

use std::collections::BTreeSet;

use common::Sandbox;
use serde_json::Value;
use srt_gen::output::claude_settings::srt_path;

const FILE: &str = ".claude/settings.json";

fn validator() -> jsonschema::Validator {
    let text = include_str!("data/claude-code-settings.schema.json");
    let schema: Value = serde_json::from_str(text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_schema_accepts(v: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}\nin {v:#}");
}

fn strings(v: &Value, path: &str) -> BTreeSet<String> {
    path.split('.')
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{path} is not an array in {v:#}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// The Claude Code block has the same hosts as `.srt.json` and, spelled back, the same paths.
fn assert_equivalent(s: &Sandbox) {
    let srt: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    let claude: Value = serde_json::from_str(&s.read(FILE)).unwrap();
    let sandbox = &claude["sandbox"];
    assert_eq!(sandbox["enabled"], Value::Bool(true));
    for list in ["network.allowedDomains", "network.deniedDomains"] {
        assert_eq!(strings(sandbox, list), strings(&srt, list), "{list}");
    }
    let settings_dir = s.project.join(".claude");
    for list in [
        "filesystem.allowWrite",
        "filesystem.denyWrite",
        "filesystem.denyRead",
    ] {
        let back: BTreeSet<String> = strings(sandbox, list)
            .iter()
            .map(|p| srt_path(p, &settings_dir))
            .collect();
        assert_eq!(back, strings(&srt, list), "{list}");
        // No entry may use the `/x` spelling, which Claude Code reads as relative to .claude/.
        for p in strings(sandbox, list) {
            assert!(
                !p.starts_with('/') || p.starts_with("//"),
                "{list}: {p} would be read relative to the settings file"
            );
        }
    }
}

#[test]
fn fixtures_give_schema_valid_equivalent_blocks() {
    for fixture in [
        "npm-app",
        "rust-workspace",
        "go-module",
        "python-requirements",
    ] {
        let s = Sandbox::fixture(fixture);
        let out = s.run(&["init"]);
        assert!(out.status.success(), "{fixture}: {}", s.clean(&out.stderr));
        let out = s.run(&["claude-settings"]);
        assert!(out.status.success(), "{fixture}: {}", s.clean(&out.stderr));
        let v: Value = serde_json::from_str(&s.read(FILE)).unwrap();
        assert_schema_accepts(&v);
        assert_equivalent(&s);
    }
}

#[test]
fn npm_app_block() {
    let s = Sandbox::fixture("npm-app");
    assert!(s.run(&["init"]).status.success());
    let out = s.run(&["claude-settings"]);
    snap!(
        "npm_app_run",
        format!("exit: {:?}\n{}", out.status.code(), s.clean(&out.stderr))
    );
    snap!("npm_app_settings", s.clean(s.read(FILE).as_bytes()));
    // A second run changes nothing.
    let out = s.run(&["claude-settings"]);
    assert!(s.clean(&out.stderr).contains(": unchanged"));
}

#[test]
fn absolute_paths_and_extra_keys_translate() {
    let s = Sandbox::new();
    s.write(
        ".srt.json",
        r#"{
  "network": {"allowedDomains": ["api.example.com", "*.example.org"], "deniedDomains": ["bad.example.org"], "allowLocalBinding": true},
  "filesystem": {"denyRead": ["~/.ssh"], "allowWrite": [".", "/opt/cache", "~/.cache/x"], "denyWrite": ["./.srt.json"]},
  "enableWeakerNestedSandbox": true,
  "mandatoryDenySearchDepth": 3
}
"#,
    );
    let out = s.run(&["claude-settings"]);
    assert!(out.status.success(), "{}", s.clean(&out.stderr));
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("warning: mandatoryDenySearchDepth of .srt.json has no counterpart"),
        "{stderr}"
    );
    let v: Value = serde_json::from_str(&s.read(FILE)).unwrap();
    assert_schema_accepts(&v);
    assert_equivalent(&s);
    assert_eq!(
        strings(&v["sandbox"], "filesystem.allowWrite"),
        BTreeSet::from([".".into(), "//opt/cache".into(), "~/.cache/x".into()])
    );
    assert_eq!(
        v["sandbox"]["network"]["allowLocalBinding"],
        Value::Bool(true)
    );
    assert_eq!(v["sandbox"]["enableWeakerNestedSandbox"], Value::Bool(true));
}

#[test]
fn merges_into_an_existing_file() {
    let s = Sandbox::fixture("npm-app");
    assert!(s.run(&["init"]).status.success());
    let mine = r#"{
  "permissions": {
    "deny": ["Read(./.env)"],
    "allow": ["Bash(npm run test:*)"]
  },
  "sandbox": {
    "enabled": false,
    "excludedCommands": ["docker"],
    "network": {"allowedDomains": ["stale.example.com"], "allowMachLookup": ["com.apple.coresimulator.*"]}
  },
  "model": "sonnet",
  "env": {"FOO": "1"}
}
"#;
    s.write(FILE, mine);
    let out = s.run(&["claude-settings"]);
    assert!(out.status.success(), "{}", s.clean(&out.stderr));
    let text = s.read(FILE);
    snap!("merged_settings", s.clean(text.as_bytes()));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_schema_accepts(&v);
    assert_equivalent(&s);
    assert_eq!(v["model"], "sonnet");
    assert_eq!(v["env"]["FOO"], "1");
    assert_eq!(v["permissions"]["allow"][0], "Bash(npm run test:*)");
    assert_eq!(v["sandbox"]["excludedCommands"][0], "docker");
    assert_eq!(
        v["sandbox"]["network"]["allowMachLookup"][0],
        "com.apple.coresimulator.*"
    );
    assert!(!text.contains("stale.example.com"));
    // Keys outside the block keep their order and their bytes.
    assert!(text.starts_with(
        "{\n  \"permissions\": {\n    \"deny\": [\"Read(./.env)\"],\n    \"allow\": [\"Bash(npm run test:*)\"]\n  },\n  \"sandbox\": {"
    ));
    assert!(text.ends_with("  \"model\": \"sonnet\",\n  \"env\": {\"FOO\": \"1\"}\n}\n"));
}

#[test]
fn dry_run_writes_nothing() {
    let s = Sandbox::fixture("npm-app");
    assert!(s.run(&["init"]).status.success());
    let out = s.run(&["claude-settings", "--dry-run"]);
    assert!(out.status.success());
    assert!(!s.project.join(FILE).exists());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_schema_accepts(&printed);
    assert!(s.clean(&out.stderr).contains("would be created"));
}

#[test]
fn errors_name_the_file() {
    let s = Sandbox::new();
    let out = s.run(&["claude-settings"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(s.clean(&out.stderr).contains("run `srt-gen init` first"));

    assert!(s.run(&["init"]).status.success());
    s.write(FILE, "{\n  \"model\": \"x\",\n}\n");
    let out = s.run(&["claude-settings"]);
    assert_eq!(out.status.code(), Some(3));
    let err = s.clean(&out.stderr);
    assert!(
        err.starts_with("srt-gen: error: [PROJECT]/.claude/settings.json:3:1: "),
        "{err}"
    );
    assert_eq!(s.read(FILE), "{\n  \"model\": \"x\",\n}\n");
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused() {
    let s = Sandbox::new();
    assert!(s.run(&["init"]).status.success());
    let target = s.home().join("elsewhere.json");
    std::fs::write(&target, "{}").unwrap();
    std::fs::create_dir_all(s.project.join(".claude")).unwrap();
    std::os::unix::fs::symlink(&target, s.project.join(FILE)).unwrap();
    let out = s.run(&["claude-settings"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");

    let s = Sandbox::new();
    assert!(s.run(&["init"]).status.success());
    std::fs::create_dir_all(s.home().join("dir")).unwrap();
    std::os::unix::fs::symlink(s.home().join("dir"), s.project.join(".claude")).unwrap();
    let out = s.run(&["claude-settings"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(!s.home().join("dir/settings.json").exists());
}

#[test]
fn the_schema_check_is_real() {
    // The validator rejects what Claude Code would: an unknown sandbox key, a wrong type.
    let bad: Value =
        serde_json::json!({"sandbox": {"enabled": true, "network": {"allowedHosts": []}}});
    assert!(!validator().is_valid(&bad));
    let bad: Value = serde_json::json!({"sandbox": {"enabled": "yes"}});
    assert!(!validator().is_valid(&bad));
}

#[test]
fn explain_knows_the_claude_block() {
    let s = Sandbox::fixture("npm-app");
    assert!(s.run(&["init"]).status.success());
    let before = s.run(&["explain", "~/.npm"]);
    assert!(!String::from_utf8_lossy(&before.stdout).contains(FILE));
    assert!(s.run(&["claude-settings"]).status.success());
    let out = s.run(&["explain", "~/.npm"]);
    snap!("explain_npm_cache", s.clean(&out.stdout));
    let out = s.run(&["explain"]);
    let text = s.clean(&out.stdout);
    assert!(text.contains(".claude/settings.json: its `sandbox` block mirrors this policy"));
    // After a policy change, explain says the block is behind.
    assert!(s.run(&["add", "github"]).status.success());
    let text = s.clean(&s.run(&["explain"]).stdout);
    assert!(
        text.contains("differs from this policy; `srt-gen claude-settings` brings it up to date"),
        "{text}"
    );
}
