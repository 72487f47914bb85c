//! `srt-gen claude-settings`: the `sandbox` block of `.claude/settings.json`, checked
//! against SchemaStore's published schema (tests/data), with the same hosts and
//! equivalent paths as `.srt.json`, merged into an existing file without losing a key.

mod common;

use std::collections::BTreeSet;

use common::Sandbox;
use serde_json::Value;
use srt_gen::output::claude_settings::srt_path;

const FILE: &str = ".claude/settings.json";

/// SchemaStore's schema for Claude Code's settings (tests/data), checked on the `sandbox`
/// block by the JSON Schema keywords that block's schema uses. A keyword outside that set
/// fails the test, so an updated schema cannot be checked by half without anyone noticing.
/// (This replaced the `jsonschema` crate: 83 crates in the test build for one block.)
const SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "additionalProperties",
    "items",
    "required",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    // Annotations: they constrain nothing.
    "description",
    "default",
    "examples",
    "title",
];

fn sandbox_schema() -> Value {
    let text = include_str!("data/claude-code-settings.schema.json");
    let schema: Value = serde_json::from_str(text).unwrap();
    schema["properties"]["sandbox"].clone()
}

/// The errors of `v` against `schema`, each with where (`sandbox.network.allowedDomains[2]`).
fn schema_errors(schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Value::Object(s) = schema else {
        return errors.push(format!("{at}: the schema is not an object: {schema}"));
    };
    for k in s.keys() {
        assert!(
            SCHEMA_KEYWORDS.contains(&k.as_str()),
            "{at}: the schema uses `{k}`, which this check does not implement; add it to SCHEMA_KEYWORDS with its rule"
        );
    }
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            "null" => v.is_null(),
            other => panic!("{at}: unknown type {other}"),
        };
        if !ok {
            return errors.push(format!("{at}: {v} is not of type {t}"));
        }
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
        if !allowed.contains(v) {
            errors.push(format!("{at}: {v} is not one of {allowed:?}"));
        }
    }
    if let Some(n) = v.as_f64() {
        if s.get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| n < m)
        {
            errors.push(format!("{at}: {n} is below the minimum"));
        }
        if s.get("maximum")
            .and_then(Value::as_f64)
            .is_some_and(|m| n > m)
        {
            errors.push(format!("{at}: {n} is above the maximum"));
        }
    }
    if let (Some(text), Some(min)) = (v.as_str(), s.get("minLength").and_then(Value::as_u64)) {
        if (text.chars().count() as u64) < min {
            errors.push(format!("{at}: {text:?} is shorter than {min}"));
        }
    }
    if let (Some(items), Some(schema)) = (v.as_array(), s.get("items")) {
        for (i, item) in items.iter().enumerate() {
            schema_errors(schema, item, &format!("{at}[{i}]"), errors);
        }
    }
    if let Some(obj) = v.as_object() {
        for key in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(key.as_str().unwrap()) {
                errors.push(format!("{at}: {key} is required"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, item) in obj {
            let at = format!("{at}.{k}");
            match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
                (Some(schema), _) => schema_errors(schema, item, &at, errors),
                (None, Some(Value::Bool(false))) => {
                    errors.push(format!("{at}: not a key the schema allows"))
                }
                (None, Some(extra @ Value::Object(_))) => schema_errors(extra, item, &at, errors),
                (None, _) => {}
            }
        }
    }
}

fn assert_schema_accepts(v: &Value) {
    let mut errors = Vec::new();
    schema_errors(&sandbox_schema(), &v["sandbox"], "sandbox", &mut errors);
    assert!(errors.is_empty(), "schema errors: {errors:#?}\nin {v:#}");
}

/// The focused check is a real one: each kind of mistake is caught.
#[test]
fn the_schema_check_refuses_what_the_schema_refuses() {
    let schema = sandbox_schema();
    for (bad, why) in [
        (serde_json::json!({"enabled": "yes"}), "not of type boolean"),
        (
            serde_json::json!({"enabled": true, "network": {"allowedHosts": []}}),
            "sandbox.network.allowedHosts: not a key the schema allows",
        ),
        (
            serde_json::json!({"enabeld": true}),
            "not a key the schema allows",
        ),
        (
            serde_json::json!({"network": {"allowedDomains": ["ok.example", ""]}}),
            "shorter than 1",
        ),
        (
            serde_json::json!({"network": {"httpProxyPort": 70000}}),
            "above the maximum",
        ),
        (
            serde_json::json!({"credentials": {"envVars": [{"name": "X"}]}}),
            "\"mode\" is required",
        ),
        (
            serde_json::json!({"credentials": {"envVars": [{"name": "X", "mode": "allow"}]}}),
            "is not one of",
        ),
    ] {
        let mut errors = Vec::new();
        schema_errors(&schema, &bad, "sandbox", &mut errors);
        assert!(errors.iter().any(|e| e.contains(why)), "{bad}: {errors:?}");
    }
    let mut errors = Vec::new();
    let good = serde_json::json!({"enabled": true, "network": {"allowedDomains": ["a.example"]}});
    schema_errors(&schema, &good, "sandbox", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
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
    let out = s.run(&["claude-settings", "--dry-run", "--full"]);
    assert!(out.status.success());
    assert!(!s.project.join(FILE).exists());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_schema_accepts(&printed);
    assert!(s.clean(&out.stderr).contains("would be created"));
    // Without --full, the change as a diff from nothing.
    let out = s.run(&["claude-settings", "--dry-run"]);
    let diff = s.clean(&out.stdout);
    assert!(
        diff.starts_with("--- /dev/null\n+++ [PROJECT]/.claude/settings.json\n@@ -0,0 +1,"),
        "{diff}"
    );
    assert!(!s.project.join(FILE).exists());
}

#[test]
fn errors_name_the_file() {
    let s = Sandbox::new();
    let out = s.run(&["claude-settings"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(s
        .clean(&out.stderr)
        .contains("tip: run `srt-gen init` in the project first"));

    assert!(s.run(&["init"]).status.success());
    s.write(FILE, "{\n  \"model\": \"x\",\n}\n");
    let out = s.run(&["claude-settings"]);
    assert_eq!(out.status.code(), Some(3));
    let err = s.clean(&out.stderr);
    assert!(
        err.starts_with("error: [PROJECT]/.claude/settings.json:3:1: "),
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
