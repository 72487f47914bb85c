//! `srt-gen init` on fixture projects: what it detects, what it writes, what it keeps,
//! what it refuses. Every generated file is snapshotted; srt's own acceptance of these
//! files is checked in tests/srt_accepts.rs.

mod common;

use std::collections::BTreeSet;

use common::Sandbox;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn fragments(settings: &Value) -> BTreeSet<String> {
    common::fragment_names(settings).into_iter().collect()
}

fn strings(settings: &Value, section: &str, key: &str) -> Vec<String> {
    settings[section][key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Runs init, asserts success, and checks that a second run changes no byte.
fn init_twice(s: &Sandbox, args: &[&str]) -> (String, String) {
    let mut full = vec!["init"];
    full.extend_from_slice(args);
    let first = s.run(&full);
    assert!(
        first.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let settings = s.read(".srt.json");
    let justfile = std::fs::read_to_string(s.project.join("justfile")).unwrap_or_default();
    let second = s.run(&full);
    assert!(second.status.success());
    assert_eq!(
        s.read(".srt.json"),
        settings,
        "second init changed .srt.json"
    );
    assert_eq!(
        std::fs::read_to_string(s.project.join("justfile")).unwrap_or_default(),
        justfile
    );
    let stderr = s.clean(&second.stderr);
    assert!(stderr.contains(".srt.json: unchanged"), "{stderr}");
    if let Some(srt) = common::srt("init_twice") {
        s.assert_srt_accepts(&srt);
    }
    (s.clean(&first.stderr), settings)
}

#[test]
fn rust_workspace() {
    let s = Sandbox::fixture("rust-workspace");
    let (summary, settings) = init_twice(&s, &[]);
    let v = json(&settings);
    assert_eq!(fragments(&v), set(&["base", "claude", "dotenv", "rust"]));
    assert_eq!(
        v["srtGen"]["fragments"]["rust"]["files"],
        serde_json::json!([
            "Cargo.lock",
            "Cargo.toml",
            "crates/cli/Cargo.toml",
            "crates/core/Cargo.toml"
        ])
    );
    let writable = strings(&v, "filesystem", "allowWrite");
    assert!(writable.contains(&"~/.cargo/registry".to_string()));
    assert!(
        !writable.iter().any(|w| w == "~/.cargo" || w == "~"),
        "{writable:?}"
    );
    snap!("rust_workspace_settings", settings);
    snap!("rust_workspace_summary", summary);
    snap!("rust_workspace_justfile", s.read("justfile"));
}

#[test]
fn npm_app_ignores_node_modules() {
    let s = Sandbox::fixture("npm-app");
    let (summary, settings) = init_twice(&s, &[]);
    let v = json(&settings);
    assert_eq!(
        fragments(&v),
        set(&["base", "claude", "dotenv", "node"]),
        "node-gyp's pyproject is a decoy"
    );
    snap!("npm_app_settings", settings);
    snap!("npm_app_summary", summary);
}

#[test]
fn python_projects_of_every_shape() {
    for (fixture, files, extra) in [
        (
            "python-requirements",
            vec!["requirements-dev.txt", "requirements.txt"],
            None,
        ),
        ("python-setuptools", vec!["setup.cfg", "setup.py"], None),
        ("python-pipenv", vec!["Pipfile"], Some("pipenv")),
    ] {
        let s = Sandbox::fixture(fixture);
        let (_, settings) = init_twice(&s, &[]);
        let v = json(&settings);
        let mut want = set(&["base", "claude", "dotenv", "python"]);
        want.extend(extra.map(str::to_string));
        assert_eq!(fragments(&v), want, "{fixture}");
        assert_eq!(
            v["srtGen"]["fragments"]["python"]["files"],
            serde_json::json!(files),
            "{fixture}"
        );
        assert_eq!(
            strings(&v, "network", "allowedDomains"),
            vec!["api.anthropic.com", "files.pythonhosted.org", "pypi.org"]
        );
        assert!(strings(&v, "filesystem", "allowWrite").contains(&"~/.cache/pip".to_string()));
    }
}

#[test]
fn go_module_ignores_vendor() {
    let s = Sandbox::fixture("go-module");
    let (_, settings) = init_twice(&s, &[]);
    let v = json(&settings);
    assert_eq!(fragments(&v), set(&["base", "claude", "dotenv", "go"]));
    let writable = strings(&v, "filesystem", "allowWrite");
    for w in ["~/go/pkg/mod", "~/go/pkg/sumdb", "~/.cache/go-build"] {
        assert!(writable.contains(&w.to_string()), "{w} in {writable:?}");
    }
    assert!(
        !writable.contains(&"~/go".to_string()),
        "GOPATH/bin is on PATH"
    );
    snap!("go_module_settings", settings);
}

#[test]
fn monorepo_gets_the_union_and_no_decoys() {
    let s = Sandbox::fixture("monorepo");
    let (summary, settings) = init_twice(&s, &[]);
    let v = json(&settings);
    assert_eq!(
        fragments(&v),
        set(&["base", "claude", "dotenv", "go", "node", "python"]),
        "{summary}"
    );
    assert_eq!(
        v["srtGen"]["fragments"]["go"]["files"],
        serde_json::json!(["services/api/go.mod"])
    );
    assert!(
        !settings.contains("crates.io"),
        "rust decoys leaked: {settings}"
    );
    snap!("monorepo_summary", summary);
}

#[test]
fn broken_manifests_stop_init_naming_file_and_line() {
    let s = Sandbox::fixture("broken-manifests");
    let out = s.run(&["init"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("core/Cargo.toml:3:14: invalid TOML"),
        "{stderr}"
    );
    assert!(
        stderr.contains("web/package.json:5:3: invalid JSON"),
        "{stderr}"
    );
    assert!(
        !s.project.join(".srt.json").exists(),
        "nothing may be written"
    );
    assert!(!s.project.join("justfile").exists());
    assert!(!s.project.join(".srt-gen").exists());
    snap!("broken_manifests_error", stderr);

    let out = s.run(&["init", "--allow-broken"]);
    assert!(out.status.success());
    let v = json(&s.read(".srt.json"));
    assert_eq!(
        fragments(&v),
        set(&["base", "claude", "dotenv", "node", "python", "rust"])
    );
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("warning: counted by name only, it does not parse: core/Cargo.toml:3:14"),
        "{stderr}"
    );
}

#[test]
fn a_users_edits_are_kept_and_survive_reruns() {
    let s = Sandbox::fixture("user-edited");
    let before = json(&s.read(".srt.json"));
    let (summary, settings) = init_twice(&s, &[]);
    let v = json(&settings);
    for (section, key) in [
        ("network", "allowedDomains"),
        ("network", "deniedDomains"),
        ("filesystem", "denyRead"),
        ("filesystem", "allowWrite"),
        ("filesystem", "denyWrite"),
    ] {
        let now = strings(&v, section, key);
        for entry in strings(&before, section, key) {
            assert!(now.contains(&entry), "{section}.{key} lost {entry}");
        }
    }
    assert_eq!(v["network"]["allowLocalBinding"], Value::Bool(true));
    assert_eq!(v["enableWeakerNestedSandbox"], Value::Bool(false));
    // The user also wrote a host the rust fragment gives: it is theirs as well.
    assert_eq!(
        v["srtGen"]["yours"]["network.allowedDomains"],
        serde_json::json!(["static.crates.io"])
    );
    snap!("user_edited_settings", settings);
    snap!("user_edited_summary", summary);
}

#[test]
fn an_entry_the_user_deletes_stays_deleted() {
    let s = Sandbox::fixture("npm-app");
    assert!(s.run(&["init"]).status.success());
    let mut v = json(&s.read(".srt.json"));
    let list = v["filesystem"]["allowWrite"].as_array_mut().unwrap();
    let before = list.len();
    list.retain(|e| e != "~/.npm");
    assert_eq!(list.len(), before - 1);
    s.write(".srt.json", &serde_json::to_string_pretty(&v).unwrap());
    assert!(s.run(&["init"]).status.success());
    let v = json(&s.read(".srt.json"));
    assert!(!strings(&v, "filesystem", "allowWrite").contains(&"~/.npm".to_string()));
    assert_eq!(
        v["srtGen"]["removed"]["filesystem.allowWrite"],
        serde_json::json!(["~/.npm"])
    );
}

#[test]
fn an_existing_justfile_keeps_its_recipes() {
    let s = Sandbox::fixture("existing-justfile");
    let original = s.read("justfile");
    init_twice(&s, &[]);
    let text = s.read("justfile");
    assert!(
        text.starts_with(&original),
        "the user's part must stay byte for byte"
    );
    assert_eq!(text.matches("# >>> srt-gen >>>").count(), 1);
    snap!("existing_justfile", text);

    // The user edits outside the block; a rerun keeps the edit and rewrites only the block.
    let edited = format!("{text}\nlint:\n    npx eslint .\n");
    s.write("justfile", &edited);
    assert!(s.run(&["init"]).status.success());
    assert_eq!(s.read("justfile"), edited);
}

#[test]
fn a_users_own_ai_recipe_is_not_clobbered() {
    let s = Sandbox::fixture("justfile-with-ai");
    let out = s.run(&["init"]);
    assert!(out.status.success());
    let text = s.read("justfile");
    assert_eq!(
        text.matches("\nai ").count() + text.matches("\nai:").count(),
        1,
        "{text}"
    );
    assert!(text.contains("ai-auto PROMPT:"));
    assert!(s.clean(&out.stderr).contains("already has a recipe `ai`"));
}

#[test]
fn dry_run_writes_nothing_and_prints_the_files() {
    let s = Sandbox::fixture("rust-workspace");
    let out = s.run(&["init", "--dry-run"]);
    assert!(out.status.success());
    // A diff of each file against nothing.
    let stdout = s.clean(&out.stdout);
    assert!(
        stdout.starts_with("--- /dev/null\n+++ [PROJECT]/.srt.json\n@@ -0,0 +1,"),
        "{stdout}"
    );
    assert!(stdout.contains("\n+      \"index.crates.io\",\n"));
    assert!(stdout.contains("--- /dev/null\n+++ [PROJECT]/justfile\n"));
    assert!(s.clean(&out.stderr).contains(".srt.json: would be created"));
    assert!(!s.project.join(".srt.json").exists());
    assert!(!s.project.join("justfile").exists());
    assert!(!s.project.join(".srt-gen").exists());
}

#[test]
fn json_summary() {
    let s = Sandbox::fixture("monorepo");
    let out = s.run(&["init", "--json"]);
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["command"], "init");
    let v = &doc["projects"][0];
    assert_eq!(v["settings"], "created");
    assert_eq!(v["justfile"], "created");
    assert_eq!(
        v["detected"]["node"],
        serde_json::json!(["web/package.json"])
    );
    assert_eq!(v["fragments"]["base"], "base");
    // go's proxy redirects module zips to storage.googleapis.com (issue 14).
    assert_eq!(v["counts"]["network.allowedDomains"], 7);
    assert!(
        out.stderr.is_empty(),
        "--json keeps stderr quiet on success"
    );
}

#[test]
fn dash_c_and_several_projects() {
    let s = Sandbox::new();
    for (dir, fixture) in [
        ("a", "rust-workspace"),
        ("b", "npm-app"),
        ("c", "go-module"),
    ] {
        common::copy_fixture(&common::fixture_dir(fixture), &s.project.join(dir));
    }
    let out = s.run(&["init", "a", "b", "c"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (dir, eco) in [("a", "rust"), ("b", "node"), ("c", "go")] {
        let v = json(&s.read(&format!("{dir}/.srt.json")));
        assert_eq!(fragments(&v), set(&["base", "claude", "dotenv", eco]));
    }
    std::fs::create_dir(s.project.join("d")).unwrap();
    std::fs::write(s.project.join("d/package.json"), "{").unwrap();
    let out = s.run(&["init", "a", "d", "missing"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = s.clean(&out.stderr);
    assert!(stderr.contains("error: d: "), "{stderr}");
    assert!(stderr.contains("2 of 3 projects failed"), "{stderr}");
    // However many fail (the count once wrapped at 256, into exit 0).
    let missing: Vec<String> = (0..256).map(|i| format!("missing{i}")).collect();
    let out = s.cmd().arg("init").args(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(s.clean(&out.stderr).contains("256 of 256 projects failed"));

    let out = s
        .cmd()
        .args(["-C", "b", "init", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["projects"][0]["settings"], "unchanged");

    // The same shape for several, failures included as entries.
    let out = s.run(&["init", "--json", "a", "d", "missing"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = v["projects"].as_array().unwrap();
    assert_eq!(p.len(), 3);
    assert_eq!(p[0]["path"], "a");
    assert_eq!(p[0]["settings"], "unchanged");
    assert_eq!(p[1]["path"], "d");
    assert_eq!(p[1]["error"]["kind"], "broken");
    assert_eq!(p[1]["error"]["exitCode"], 3);
    assert_eq!(p[2]["error"]["kind"], "usage");
    assert_eq!(p[2]["error"]["exitCode"], 2);
}

#[test]
fn override_variables_move_the_cache_paths() {
    let s = Sandbox::fixture("monorepo");
    let out = s
        .cmd()
        .args(["init", "--json"])
        .env("npm_config_cache", "/opt/npm-cache")
        .env("XDG_CACHE_HOME", "/srv/xdg")
        .env("GOPATH", s.home().join("gopath"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = json(&s.read(".srt.json"));
    let writable = strings(&v, "filesystem", "allowWrite");
    for w in [
        "/opt/npm-cache",
        "/srv/xdg/pip",
        "/srv/xdg/go-build",
        "~/gopath/pkg/mod",
    ] {
        assert!(writable.contains(&w.to_string()), "{w} not in {writable:?}");
    }
    assert!(!writable.contains(&"~/.npm".to_string()));
}

#[test]
fn both_platforms_on_request() {
    let s = Sandbox::fixture("python-requirements");
    assert!(s.run(&["init", "--platform", "all"]).status.success());
    let v = json(&s.read(".srt.json"));
    let writable = strings(&v, "filesystem", "allowWrite");
    assert!(writable.contains(&"~/.cache/pip".to_string()));
    assert!(writable.contains(&"~/Library/Caches/pip".to_string()));
}

#[test]
fn a_malformed_settings_file_is_left_alone() {
    let s = Sandbox::fixture("npm-app");
    let bad = "{\n  \"network\": {\n    \"allowedDomains\": [\"a.example.com\",]\n  }\n}\n";
    s.write(".srt.json", bad);
    let out = s.run(&["init"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("[PROJECT]/.srt.json:3:40: not valid JSON"),
        "{stderr}"
    );
    assert_eq!(s.read(".srt.json"), bad);
    assert!(!s.project.join("justfile").exists());
}

#[cfg(unix)]
#[test]
fn a_settings_symlink_is_refused() {
    let s = Sandbox::fixture("npm-app");
    let target = s.home().join("elsewhere.json");
    std::fs::write(&target, "{}").unwrap();
    std::os::unix::fs::symlink(&target, s.project.join(".srt.json")).unwrap();
    let out = s.run(&["init"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(s
        .clean(&out.stderr)
        .contains(".srt.json is a symbolic link"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
    assert!(
        !s.project.join("justfile").exists(),
        "no file of the run may be written"
    );
}

#[test]
fn help_is_stable() {
    let s = Sandbox::new();
    let out = s.run(&["init", "--help"]);
    assert!(out.status.success());
    snap!("init_help", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_platform_choice_is_remembered() {
    let s = Sandbox::fixture("python-requirements");
    assert!(s.run(&["init", "--platform", "all"]).status.success());
    assert!(s.run(&["init"]).status.success());
    assert!(s.run(&["add", "playwright"]).status.success());
    let v = json(&s.read(".srt.json"));
    assert_eq!(
        v["srtGen"]["platforms"],
        serde_json::json!(["linux", "macos"])
    );
    let writable = strings(&v, "filesystem", "allowWrite");
    for w in [
        "~/Library/Caches/pip",
        "~/.cache/pip",
        "~/Library/Caches/ms-playwright",
        "~/.cache/ms-playwright",
    ] {
        assert!(writable.contains(&w.to_string()), "{w} in {writable:?}");
    }
}
