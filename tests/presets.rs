//! `add`, `remove`, `list` and `explain`, as a new user would run them.

mod common;

use common::Sandbox;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn active(s: &Sandbox) -> Vec<String> {
    let out = s.run(&["list", "--json"]);
    ok(&out);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    rows["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("active").is_some())
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn add_twice_explain_remove_gives_back_the_init_bytes() {
    let s = Sandbox::fixture("npm-app");
    let srt = common::srt("add_twice_explain_remove_gives_back_the_init_bytes");
    let check = |s: &Sandbox| {
        if let Some(srt) = &srt {
            s.assert_srt_accepts(srt);
        }
    };
    ok(&s.run(&["init"]));
    check(&s);
    let after_init = (s.read(".srt.json"), s.read("justfile"));
    assert!(!active(&s).contains(&"context7".to_string()));

    let out = s.run(&["add", "context7"]);
    ok(&out);
    check(&s);
    let added = (s.read(".srt.json"), s.read("justfile"));
    let v = json(&added.0);
    assert!(v["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .contains(&"context7.com".into()));
    assert_eq!(v["srtGen"]["fragments"]["context7"]["why"], "added");
    assert!(added.1.contains(r#"--mcp-config '{"mcpServers":{"context7":{"args":["-y","@upstash/context7-mcp"],"command":"npx"}}}'"#), "{}", added.1);
    assert!(active(&s).contains(&"context7".to_string()));
    snap!("add_context7", s.clean(&out.stderr));

    let out = s.run(&["add", "context7"]);
    ok(&out);
    assert_eq!(
        (s.read(".srt.json"), s.read("justfile")),
        added,
        "adding twice changes nothing"
    );
    assert!(s
        .clean(&out.stderr)
        .contains("context7 is already active (added): nothing to do"));

    let out = s.run(&["explain"]);
    ok(&out);
    let text = s.clean(&out.stdout);
    assert!(text.contains("context7.com"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("registry.npmjs.org")
            && l.contains("context7 (added)")
            && l.contains("node (detected: package-lock.json, package.json)")),
        "{text}"
    );
    snap!("explain_after_add", text);

    ok(&s.run(&["remove", "context7"]));
    check(&s);
    assert_eq!(
        (s.read(".srt.json"), s.read("justfile")),
        after_init,
        "remove undoes add byte for byte"
    );
    assert!(!active(&s).contains(&"context7".to_string()));
}

#[test]
fn unknown_names_fail_with_suggestions_and_change_nothing() {
    let s = Sandbox::fixture("npm-app");
    ok(&s.run(&["init"]));
    let before = s.read(".srt.json");
    let out = s.run(&["add", "contex7", "githib"]);
    assert_eq!(out.status.code(), Some(2));
    let err = s.clean(&out.stderr);
    assert!(
        err.contains("`contex7` is not in the catalog; did you mean `context7`?"),
        "{err}"
    );
    assert!(
        err.contains("`githib` is not in the catalog; did you mean `github`?"),
        "{err}"
    );
    assert_eq!(s.read(".srt.json"), before);
    let out = s.run(&["remove", "zzzzzz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(s
        .clean(&out.stderr)
        .contains("`srt-gen list` shows every name"));
}

#[test]
fn user_entries_and_other_fragments_keep_shared_entries() {
    let s = Sandbox::fixture("user-edited");
    ok(&s.run(&["init"]));
    ok(&s.run(&["add", "github", "node"]));
    ok(&s.run(&["remove", "github", "node"]));
    let v = json(&s.read(".srt.json"));
    let hosts: Vec<&str> = v["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        hosts.contains(&"internal.example.com"),
        "the user's host stays"
    );
    assert!(
        hosts.contains(&"static.crates.io"),
        "written by the user and by rust"
    );
    assert!(!hosts.contains(&"github.com"));
    assert!(!hosts.contains(&"registry.npmjs.org"));
}

#[test]
fn removing_a_detected_ecosystem_sticks_until_added_back() {
    let s = Sandbox::fixture("monorepo");
    ok(&s.run(&["init"]));
    ok(&s.run(&["remove", "go"]));
    ok(&s.run(&["init"]));
    let v = json(&s.read(".srt.json"));
    assert!(
        v["srtGen"]["fragments"].get("go").is_none(),
        "init must not bring go back"
    );
    assert_eq!(v["srtGen"]["excluded"], serde_json::json!(["go"]));
    ok(&s.run(&["add", "go"]));
    let v = json(&s.read(".srt.json"));
    assert!(v["srtGen"]["fragments"].get("go").is_some());
    assert!(v["srtGen"].get("excluded").is_none());
    let out = s.run(&["remove", "base"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(s.clean(&out.stderr).contains("always applied"));
}

#[test]
fn add_without_a_config_runs_init_first() {
    let s = Sandbox::fixture("python-requirements");
    let out = s.run(&["add", "github"]);
    ok(&out);
    let err = s.clean(&out.stderr);
    assert!(
        err.contains("no .srt.json yet: ran `srt-gen init` first"),
        "{err}"
    );
    assert!(
        err.contains("caution: github: github.com accepts pushes"),
        "{err}"
    );
    let v = json(&s.read(".srt.json"));
    let frags: Vec<&String> = v["srtGen"]["fragments"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(frags, ["base", "claude", "github", "python"]);
    assert!(s.read("justfile").contains("ai-auto PROMPT:"));
}

#[test]
fn add_without_a_config_prints_each_warning_once() {
    // Terraform's providers come from GitHub release hosts the gate warns about; `add`
    // that runs `init` first once checked (and warned about) the policy twice.
    let s = Sandbox::fixture("eco-terraform");
    s.write("package.json", r#"{"name":"x","version":"1.0.0"}"#);
    let out = s.run(&["add", "github", "--dry-run"]);
    ok(&out);
    let err = s.clean(&out.stderr);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("  warning: "))
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`objects.githubusercontent.com` reaches")),
        "{err}"
    );
    for w in &warnings {
        // The entry's index is part of the line; the host is what must not repeat.
        let what = w.split_once("`").map_or(*w, |(_, rest)| rest);
        assert_eq!(
            warnings.iter().filter(|o| o.contains(what)).count(),
            1,
            "printed more than once: {w}\n{err}"
        );
    }
    assert!(
        !s.project.join(".srt.json").exists(),
        "--dry-run writes nothing"
    );
}

#[test]
fn a_quoted_marker_is_not_a_recipes_block() {
    let s = Sandbox::fixture("npm-app");
    ok(&s.run(&["init", "--no-justfile"]));
    // The marker inside a recipe is the user's text, not a block srt-gen wrote.
    let mine = "show:\n    echo '# >>> srt-gen >>>'\n";
    s.write("justfile", mine);
    let out = s.run(&["add", "context7"]);
    ok(&out);
    assert_eq!(s.read("justfile"), mine, "add leaves the justfile alone");
    assert!(!s.clean(&out.stderr).contains("justfile:"));
    ok(&s.run(&["remove", "context7"]));
    assert_eq!(s.read("justfile"), mine, "remove leaves the justfile alone");
}

#[test]
fn dry_run_writes_nothing() {
    let s = Sandbox::fixture("npm-app");
    ok(&s.run(&["init", "--no-justfile"]));
    let before = s.read(".srt.json");
    let out = s.run(&["add", "playwright", "--dry-run"]);
    ok(&out);
    assert!(s.clean(&out.stdout).contains("\"cdn.playwright.dev\""));
    assert!(s.clean(&out.stderr).contains(".srt.json: would be updated"));
    assert_eq!(s.read(".srt.json"), before);
    assert!(
        !s.project.join("justfile").exists(),
        "init --no-justfile: add makes none either"
    );
}

#[test]
fn project_fragments_work_by_name_and_cannot_shadow_builtins() {
    let s = Sandbox::fixture("npm-app");
    s.write(
        ".srt-gen/fragments/corp.toml",
        r#"name = "corp"
kind = "preset"
description = "Our artifact proxy"

[[hosts]]
host = "artifacts.corp.example"
source = "IT wiki: artifact proxy"
"#,
    );
    ok(&s.run(&["init"]));
    ok(&s.run(&["add", "corp"]));
    let out = s.run(&["explain", "artifacts.corp.example"]);
    ok(&out);
    let text = s.clean(&out.stdout);
    assert!(
        text.starts_with("artifacts.corp.example: allowed"),
        "{text}"
    );
    assert!(text.contains("corp (added)"));
    let out = s.run(&["list"]);
    assert!(s.clean(&out.stdout).contains("* corp"));

    s.write(
        ".srt-gen/fragments/evil.toml",
        "name = \"rust\"\nkind = \"preset\"\ndescription = \"x\"\n",
    );
    let out = s.run(&["list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(s
        .clean(&out.stderr)
        .contains("the name `rust` is already used by ecosystems/rust.toml"));
}

#[test]
fn explain_one_host_or_path() {
    let s = Sandbox::fixture("npm-app");
    ok(&s.run(&["init"]));
    let cases = [
        ("registry.npmjs.org", "registry.npmjs.org: allowed"),
        ("pypi.org", "pypi.org: not allowed"),
        ("~/.ssh/id_ed25519", "~/.ssh/id_ed25519: unreadable"),
        ("./.srt.json", "./.srt.json: write-protected"),
        ("./src/index.js", "./src/index.js: writable"),
        ("/etc/passwd", "/etc/passwd: read-only"),
    ];
    let mut all = String::new();
    for (q, first) in cases {
        let out = s.run(&["explain", q]);
        ok(&out);
        let text = s.clean(&out.stdout);
        assert!(text.starts_with(first), "{text}");
        all.push_str(&text);
    }
    assert!(
        all.contains("`srt-gen add NAME` would allow it, NAME one of: "),
        "{all}"
    );
    assert!(all.contains(" python, "), "{all}");
    snap!("explain_one", all);
}

#[test]
fn list_groups_by_kind_and_marks_active() {
    let s = Sandbox::fixture("go-module");
    ok(&s.run(&["init"]));
    let out = s.run(&["list"]);
    ok(&out);
    let text = s.clean(&out.stdout);
    let header = |t: &str| {
        text.lines()
            .position(|l| l.starts_with(t))
            .unwrap_or_else(|| panic!("{t} in {text}"))
    };
    assert!(header("languages (") < header("MCP servers ("));
    assert!(
        text.lines()
            .any(|l| l.starts_with("  * go ") && l.ends_with("[active: detected]")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("    rust ")), "{text}");
}

#[test]
fn run_gives_the_agent_exactly_the_active_mcp_servers() {
    let s = Sandbox::fixture("npm-app");
    ok(&s.run(&["init"]));
    let stand_in = s.home().join("srt");
    std::fs::write(&stand_in, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(
        &stand_in,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let dry = |s: &Sandbox| {
        let out = s.run(&[
            "run",
            "--dry-run",
            "--srt",
            stand_in.to_str().unwrap(),
            "-p",
            "hi",
        ]);
        ok(&out);
        s.clean(&out.stdout)
    };
    assert!(dry(&s).contains(r#"--mcp-config '{"mcpServers":{}}'"#));
    ok(&s.run(&["add", "context7", "playwright"]));
    let text = dry(&s);
    assert!(
        text.contains(r#"--mcp-config '{"mcpServers":{"context7":{"args":["-y","@upstash/context7-mcp"],"command":"npx"},"playwright":{"args":["-y","@playwright/mcp@latest"],"command":"npx"}}}'"#),
        "{text}"
    );
    ok(&s.run(&["remove", "playwright"]));
    assert!(!dry(&s).contains("playwright"));
}

#[test]
fn the_users_own_fragments_work_by_name() {
    let s = Sandbox::fixture("go-module");
    let dir = s.home().join(".config/srt-gen/fragments");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("corp-proxy.toml"),
        "name = \"corp-proxy\"\nkind = \"preset\"\ndescription = \"Our module proxy\"\n\n[[hosts]]\nhost = \"goproxy.corp.example\"\nsource = \"IT wiki\"\n",
    )
    .unwrap();
    ok(&s.run(&["init"]));
    let out = s.run(&["list"]);
    assert!(s.clean(&out.stdout).contains("corp-proxy"));
    ok(&s.run(&["add", "corp-proxy"]));
    let v = json(&s.read(".srt.json"));
    assert!(v["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .contains(&"goproxy.corp.example".into()));
    let out = s.run(&["list", "--json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = rows["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "corp-proxy")
        .unwrap();
    assert!(row["origin"]
        .as_str()
        .unwrap()
        .ends_with(".config/srt-gen/fragments/corp-proxy.toml"));
}
