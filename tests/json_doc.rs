//! docs/json.md is the contract for `--json`: every command's real output is checked
//! against its tables. Each output may hold only documented members, of the documented
//! type; a member marked `always` is there whenever its parent is; and each documented
//! member shows up in at least one of the runs below (so the document cannot keep a member
//! srt-gen no longer prints). The runs that need the real srt (`learn`, and `run` past
//! `--dry-run`) fail under `SRT_GEN_E2E=require` without it, and are skipped loudly
//! otherwise.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{show, Sandbox};
use serde_json::Value;

/// One row of a table in docs/json.md.
#[derive(Debug, Clone)]
struct Row {
    path: String,
    types: Vec<String>,
    always: bool,
    /// Marked `untested: ...`: no run here prints it yet (what other parts of srt-gen
    /// will fill in); a run that does print it fails the test until the mark goes.
    untested: bool,
}

/// The tables of docs/json.md: section (`Every document`, `init`, ...) → rows.
fn doc_tables(text: &str) -> BTreeMap<String, Vec<Row>> {
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
            continue;
        }
        if !line.starts_with("| `") {
            continue;
        }
        // Cells are split on `|` that is not escaped as `\|`.
        let cells: Vec<String> = line
            .replace("\\|", "\u{0}")
            .split('|')
            .map(|c| c.replace('\u{0}', "|").trim().to_string())
            .collect();
        let path = cells[1].trim_matches('`').to_string();
        let types = cells[2].split('|').map(str::to_string).collect();
        out.entry(section.clone()).or_default().push(Row {
            path,
            types,
            always: cells[3] == "always",
            untested: cells[3].starts_with("untested:"),
        });
    }
    out
}

/// The ```json examples of each section.
fn doc_examples(text: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        }
        match (&mut block, line) {
            (None, "```json") => block = Some(String::new()),
            (Some(b), "```") => {
                let v = serde_json::from_str(b)
                    .unwrap_or_else(|e| panic!("docs/json.md, {section}: example: {e}\n{b}"));
                out.push((section.clone(), v));
                block = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// What one document breaks of the rows: undocumented members, wrong types, absent
/// `always` members. `seen` collects every documented path the document holds.
fn check_document(v: &Value, rows: &[Row], seen: &mut BTreeSet<String>) -> Vec<String> {
    let by_path: BTreeMap<&str, &Row> = rows.iter().map(|r| (r.path.as_str(), r)).collect();
    let failed = v.get("error").is_some();
    let mut problems = Vec::new();
    // The command's own members are absent from a failure document.
    let envelope = ["version", "command", "error"];
    walk(v, "", &by_path, failed, &envelope, seen, &mut problems);
    problems
}

fn walk(
    v: &Value,
    path: &str,
    rows: &BTreeMap<&str, &Row>,
    failed: bool,
    envelope: &[&str],
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    if !path.is_empty() {
        match rows.get(path) {
            None => problems.push(format!("`{path}` is not in docs/json.md")),
            // `any`: a document of its own (srt's settings), not checked member by member.
            Some(r) if r.types.iter().any(|t| t == "any") => {
                seen.insert(path.to_string());
                return;
            }
            Some(r) if !r.types.iter().any(|t| t == type_of(v)) => problems.push(format!(
                "`{path}` is {} but docs/json.md says {}",
                type_of(v),
                r.types.join("|")
            )),
            Some(_) => {
                seen.insert(path.to_string());
            }
        }
    }
    match v {
        Value::Object(m) => {
            let map = rows.contains_key(child(path, "*").as_str());
            for (k, x) in m {
                let p = child(path, if map { "*" } else { k });
                walk(x, &p, rows, failed, envelope, seen, problems);
            }
            if map {
                return;
            }
            // Every `always` member of this object.
            let prefix = if path.is_empty() {
                String::new()
            } else {
                format!("{path}.")
            };
            for (p, r) in rows {
                let Some(name) = p.strip_prefix(prefix.as_str()) else {
                    continue;
                };
                if name.contains(['.', '[']) || !r.always || m.contains_key(name) {
                    continue;
                }
                if path.is_empty() && failed && !envelope.contains(&name) {
                    continue;
                }
                problems.push(format!("`{p}` is marked always but is missing"));
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(
                    x,
                    &format!("{path}[]"),
                    rows,
                    failed,
                    envelope,
                    seen,
                    problems,
                );
            }
        }
        _ => {}
    }
}

/// Outputs of each command, checked against docs/json.md at the end.
#[derive(Default)]
struct Outputs {
    docs: BTreeMap<String, Vec<(String, Value)>>,
    /// Commands whose runs this machine could not make (no srt): not held to coverage.
    partial: BTreeSet<String>,
}

impl Outputs {
    /// Runs srt-gen, keeps its stdout's document, and checks the exit code.
    fn take(&mut self, what: &str, out: Output, code: i32) -> Value {
        assert_eq!(out.status.code(), Some(code), "{what}: {}", show(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{what}: stdout is not one JSON document ({e}): {}",
                show(&out)
            )
        });
        let command = v["command"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no command: {v}"));
        assert_eq!(v["version"], 1, "{what}");
        self.docs
            .entry(command.to_string())
            .or_default()
            .push((what.to_string(), v.clone()));
        v
    }
}

fn run(s: &Sandbox, args: &[&str]) -> Output {
    s.cmd().args(args).stdin(Stdio::null()).output().unwrap()
}

const MINIMAL: &str = r#"{
  "network": {"allowedDomains": ["example.com"], "deniedDomains": []},
  "filesystem": {"denyRead": [], "allowWrite": ["."], "denyWrite": []}
}
"#;

#[test]
fn every_commands_json_is_as_docs_json_says() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"))
        .unwrap();
    let tables = doc_tables(&text);
    let mut o = Outputs::default();

    // init: one project, several with failures, broken files, sources, left-out sources,
    // a caution, a dropped fragment.
    let s = Sandbox::fixture("rust-workspace");
    o.take("init", run(&s, &["init", "--json"]), 0);
    // Several folders that are projects of their own (not inside one with a policy).
    let m = Sandbox::new();
    common::copy_fixture(&common::fixture_dir("npm-app"), &m.project.join("a"));
    m.write("bad/.srt.json", "{\n  \"network\": {,\n}\n");
    o.take(
        "init a missing bad",
        run(&m, &["init", "--json", "a", "missing", "bad"]),
        1,
    );
    // A removed ecosystem, a suggestion, a fixture folder, an endpoint from the
    // environment, a subproject.
    let t = Sandbox::fixture("rust-workspace");
    assert!(run(&t, &["init"]).status.success());
    assert!(run(&t, &["remove", "rust"]).status.success());
    t.write("tests/sample/package.json", "{\"name\": \"sample\"}\n");
    t.write("fixtures/demo/Gemfile", "source 'https://rubygems.org'\n");
    let out = t
        .cmd()
        .env("ANTHROPIC_BASE_URL", "http://localhost:4000")
        .args(["init", "--json"])
        .output()
        .unwrap();
    o.take("init (removed, suggested, fixtures, endpoint)", out, 0);
    std::fs::create_dir_all(t.project.join("sub/part")).unwrap();
    o.take(
        "init --subproject",
        run(&t, &["-C", "sub/part", "init", "--json", "--subproject"]),
        0,
    );
    let broken = Sandbox::fixture("broken-manifests");
    o.take(
        "init --allow-broken",
        run(&broken, &["init", "--json", "--allow-broken"]),
        0,
    );
    let scoped = Sandbox::fixture("npm-replaced-registry");
    o.take("init (sources)", run(&scoped, &["init", "--json"]), 0);
    o.take(
        "init --no-project-hosts",
        run(&scoped, &["init", "--json", "--no-project-hosts"]),
        0,
    );
    let go = Sandbox::fixture("go-module");
    assert!(run(&go, &["init"]).status.success());
    assert!(run(&go, &["add", "github"]).status.success());
    std::fs::remove_file(go.project.join("go.mod")).unwrap();
    std::fs::remove_file(go.project.join("go.sum")).unwrap();
    o.take(
        "init (dropped, caution)",
        run(&go, &["init", "--json", "--dry-run"]),
        0,
    );

    // add and remove: a change, nothing to do, a caution, a hand-written policy, no policy.
    o.take("add context7", run(&s, &["add", "--json", "context7"]), 0);
    o.take(
        "add context7 again",
        run(&s, &["add", "--json", "context7"]),
        0,
    );
    o.take("add github", run(&s, &["add", "--json", "github"]), 0);
    let hand = Sandbox::new();
    hand.write(".srt.json", MINIMAL);
    o.take(
        "add (hand-written)",
        run(&hand, &["add", "--json", "context7"]),
        0,
    );
    let fresh = Sandbox::new();
    o.take(
        "add (no policy)",
        run(&fresh, &["add", "--json", "context7"]),
        0,
    );
    o.take(
        "add nope",
        run(&fresh, &["add", "--json", "nope-not-a-fragment"]),
        2,
    );
    o.take(
        "remove context7",
        run(&s, &["remove", "--json", "context7"]),
        0,
    );
    o.take(
        "remove context7 again",
        run(&s, &["remove", "--json", "context7"]),
        0,
    );
    // A justfile with a recipe of the user's named `ai`: each write warns that it stays.
    let j = Sandbox::fixture("justfile-with-ai");
    assert!(run(&j, &["init"]).status.success());
    o.take("add (warning)", run(&j, &["add", "--json", "context7"]), 0);
    o.take(
        "remove (warning)",
        run(&j, &["remove", "--json", "context7"]),
        0,
    );

    // list, in a project and outside one.
    o.take("list", run(&s, &["list", "--json"]), 0);
    o.take(
        "list (no project)",
        run(&Sandbox::new(), &["list", "--json"]),
        0,
    );

    // explain: every entry, a host, a path, fragments.
    o.take("explain", run(&s, &["explain", "--json"]), 0);
    o.take(
        "explain pypi.org",
        run(&s, &["explain", "--json", "pypi.org"]),
        0,
    );
    o.take(
        "explain index.crates.io",
        run(&s, &["explain", "--json", "index.crates.io"]),
        0,
    );
    o.take(
        "explain github.com",
        run(&s, &["explain", "--json", "github.com"]),
        0,
    );
    o.take(
        "explain ~/.ssh",
        run(&s, &["explain", "--json", "~/.ssh"]),
        0,
    );
    o.take(
        "explain github",
        run(&s, &["explain", "--json", "github"]),
        0,
    );
    o.take(
        "explain context7",
        run(&Sandbox::new(), &["explain", "--json", "context7"]),
        0,
    );
    o.take(
        "explain (no project)",
        run(&Sandbox::new(), &["explain", "--json"]),
        2,
    );

    // check: findings with positions, a file that does not parse.
    s.write("wide.json", &MINIMAL.replace("[\".\"]", "[\"~\"]"));
    o.take(
        "check wide.json",
        run(&s, &["check", "--json", "wide.json"]),
        1,
    );
    s.write(
        "broken.json",
        "{\n  \"network\": {\"allowedDomains\": [\"a\",]}\n}\n",
    );
    o.take(
        "check broken.json",
        run(&s, &["check", "--json", "broken.json"]),
        3,
    );

    // doctor on a machine with nothing on PATH.
    let empty = s.home().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = s
        .cmd()
        .env("PATH", &empty)
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    o.take("doctor (bare)", out, 1);

    // ci github: the release download, the user's command, an existing file.
    o.take("ci github", run(&s, &["ci", "github", "--json"]), 0);
    o.take(
        "ci github --install",
        run(
            &s,
            &[
                "ci",
                "github",
                "--json",
                "--install",
                "cargo install --locked srt-gen",
                "--output",
                "other.yml",
            ],
        ),
        0,
    );
    s.write(".github/workflows/srt-gen-agent.yml", "name: mine\n");
    o.take(
        "ci github --dry-run",
        run(&s, &["ci", "github", "--json", "--dry-run"]),
        0,
    );

    // claude-settings, with a key Claude Code has no counterpart for.
    let cs = Sandbox::new();
    cs.write(
        ".srt.json",
        &MINIMAL.replace("\n}\n", ",\n  \"mandatoryDenySearchDepth\": 3\n}\n"),
    );
    o.take(
        "claude-settings",
        run(&cs, &["claude-settings", "--json"]),
        0,
    );

    // run --dry-run without srt, in a git repository, with a write path srt-gen leaves
    // alone and nothing on PATH.
    let r = Sandbox::fixture("rust-workspace");
    assert!(run(&r, &["init"]).status.success());
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&r.project)
        .status();
    assert!(git.unwrap().success());
    let text = r.read(".srt.json").replace(
        "\"allowWrite\": [",
        "\"allowWrite\": [\n      \"/nonexistent-srt-gen-test/cache\",\n      \"~/.tool-state.json\",",
    );
    r.write(".srt.json", &text);
    let out = r
        .cmd()
        .env("PATH", &empty)
        .args(["run", "--json", "--dry-run", "--", "true"])
        .output()
        .unwrap();
    o.take("run --dry-run (no srt)", out, 0);

    match common::srt("every_commands_json_is_as_docs_json_says (learn, run)") {
        Some(srt) => with_srt(&mut o, &srt),
        None => {
            o.partial.insert("learn".into());
            o.partial.insert("run".into());
        }
    }

    // Every document, and every example, against the tables.
    let envelope = tables
        .get("Every document")
        .expect("docs/json.md: Every document");
    let mut problems = Vec::new();
    let mut envelope_seen = BTreeSet::new();
    for (command, docs) in &o.docs {
        let own = tables
            .get(command.as_str())
            .unwrap_or_else(|| panic!("docs/json.md has no section `## {command}`"));
        let rows: Vec<Row> = envelope.iter().chain(own).cloned().collect();
        let mut seen = BTreeSet::new();
        for (what, v) in docs {
            for p in check_document(v, &rows, &mut seen) {
                problems.push(format!("{what}: {p}"));
            }
        }
        for r in own {
            if r.untested && seen.contains(&r.path) {
                problems.push(format!(
                    "{command}: docs/json.md marks `{}` untested, but a run printed it: drop the mark",
                    r.path
                ));
            }
            if !seen.contains(&r.path) && !r.untested && !o.partial.contains(command) {
                problems.push(format!(
                    "{command}: docs/json.md lists `{}`, which no run printed",
                    r.path
                ));
            }
        }
        envelope_seen.extend(seen);
    }
    for r in envelope {
        if !envelope_seen.contains(&r.path) {
            problems.push(format!(
                "docs/json.md lists `{}` for every document, which no run printed",
                r.path
            ));
        }
    }
    for (section, v) in doc_examples(&text) {
        let command = v["command"].as_str().unwrap_or_default().to_string();
        let own = tables.get(command.as_str()).cloned().unwrap_or_default();
        let rows: Vec<Row> = envelope.iter().cloned().chain(own).collect();
        for p in check_document(&v, &rows, &mut BTreeSet::new()) {
            problems.push(format!("docs/json.md, example in `{section}`: {p}"));
        }
    }
    for command in tables.keys().filter(|k| *k != "Every document") {
        if !o.docs.contains_key(command) && !o.partial.contains(command) {
            problems.push(format!("no run of `{command}` was checked"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `learn` (every kind of proposal) and `run` (a run, and an interrupted one).
fn with_srt(o: &mut Outputs, srt: &Path) {
    let s = Sandbox::new();
    s.write(".srt.json", MINIMAL);
    assert!(s.cmd().args(["init"]).output().unwrap().status.success());
    let text = s.read(".srt.json").replace(
        "\"deniedDomains\": []",
        "\"deniedDomains\": [\"tracker.example.net\"]",
    );
    s.write(".srt.json", &text);
    let script = "for h in pypi.org example.org tracker.example.net storage.googleapis.com s3.amazonaws.com; do \
                  curl -s -o /dev/null --max-time 10 https://$h/; done; echo x > /srt-gen-test-file; false";
    let learn = |extra: &[&str]| {
        let mut c = s.cmd();
        c.env("SRT_GEN_SRT", srt)
            .args(["learn", "--json"])
            .args(extra);
        c.args(["--", "sh", "-c", script])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    o.take("learn", learn(&[]), 1);
    o.take(
        "learn --apply",
        learn(&["--apply", "--yes", "--allow-risky"]),
        1,
    );
    // A command that succeeded anyway: its refusals are only proposed on a terminal.
    let ok = s
        .cmd()
        .env("SRT_GEN_SRT", srt)
        .args(["learn", "--json", "--", "sh", "-c"])
        .arg("curl -s -o /dev/null --max-time 10 https://storage.googleapis.com/; true")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    o.take("learn (exit 0)", ok, 0);
    // A host of a fragment the project shows but the user removed: `add` brings it back.
    let py = Sandbox::new();
    py.write("requirements.txt", "six==1.16.0\n");
    assert!(py.cmd().args(["init"]).output().unwrap().status.success());
    assert!(py
        .cmd()
        .args(["remove", "python"])
        .output()
        .unwrap()
        .status
        .success());
    let out = py
        .cmd()
        .env("SRT_GEN_SRT", srt)
        .args(["learn", "--json", "--", "sh", "-c"])
        .arg("curl -s -o /dev/null --max-time 10 https://pypi.org/simple/; false")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    o.take("learn (add)", out, 1);

    // A PATH entry inside the project (which the sandbox can write) is left out of the
    // PATH srt-gen runs srt with, so the wrapper sets the original back inside: that
    // gives `policy.inside[].value` on every machine, whatever its own PATH holds.
    let path = format!(
        "{}:{}",
        s.project.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        let mut c = s.cmd();
        c.env("SRT_GEN_SRT", srt)
            .env("PATH", &path)
            .args(args)
            .stdin(Stdio::null());
        c
    };
    o.take(
        "run -- true",
        run(&["run", "--json", "--", "true"]).output().unwrap(),
        0,
    );
    let started = s.project.join("started");
    let child = run(&["run", "--json", "--", "sh", "-c", "touch started; sleep 30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    common::wait_for(&started);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(kill.unwrap().success());
    let out = child.wait_with_output().unwrap();
    o.take("run (interrupted)", out, 143);
}

/// The checker is a real one: an undocumented member, a wrong type and a missing
/// `always` member are each reported, and a map's keys are taken as data.
#[test]
fn the_checker_catches_what_the_document_does_not_say() {
    let rows = doc_tables(
        "## x\n| `a` | number | always | |\n| `m` | object | always | |\n| `m.*` | string\\|null | | |\n",
    )
    .remove("x")
    .unwrap();
    let check = |v: Value| check_document(&v, &rows, &mut BTreeSet::new());
    assert!(check(serde_json::json!({"a": 1, "m": {"k": "v", "j": null}})).is_empty());
    let p = check(serde_json::json!({"a": "1", "m": {}, "b": true}));
    assert!(p.iter().any(|p| p.contains("`a` is string")), "{p:?}");
    assert!(
        p.iter().any(|p| p.contains("`b` is not in docs/json.md")),
        "{p:?}"
    );
    let p = check(serde_json::json!({"m": {"k": 1}}));
    assert!(
        p.iter().any(|p| p.contains("`a` is marked always")),
        "{p:?}"
    );
    assert!(p.iter().any(|p| p.contains("`m.*` is number")), "{p:?}");
}
