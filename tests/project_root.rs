//! One policy per project (issues 15.4 and 18.2): every command started below a
//! project's root acts on the root's policy (the outermost `.srt.json` within the
//! repository), a planted policy below it is never used, `init --subproject` gives a
//! folder a policy of its own that the root records and write-protects; and init's other
//! promises of issue 15 (removed ecosystems, --no-agent, fixture manifests, lockfile SSH
//! URLs, one tool's setting).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{show, Sandbox};
use serde_json::Value;

/// A complete srt policy with no credential protection at all, as a sandboxed process
/// could write it into a subfolder: it protects itself, so `check` finds no error in it and
/// the code before issue 15 ran with it (checked by hand: `run -- cat ~/.ssh/id_ed25519`
/// from src/ printed the key).
const PLANTED: &str = r#"{
  "network": { "allowedDomains": [], "deniedDomains": [] },
  "filesystem": {
    "denyRead": [],
    "allowWrite": ["."],
    "denyWrite": ["./.srt.json", "./justfile", "./.srt-gen/fragments"]
  }
}
"#;

fn git_init(dir: &Path) {
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn run_in(s: &Sandbox, dir: &str, args: &[&str]) -> Output {
    s.cmd()
        .current_dir(s.project.join(dir))
        .args(args)
        .output()
        .unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn strings(v: &Value, section: &str, key: &str) -> Vec<String> {
    v[section][key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A repository with a Rust project at its top and an npm package in `web/`.
fn repo() -> Sandbox {
    let s = Sandbox::new();
    git_init(&s.project);
    s.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    s.write("src/main.rs", "fn main() {}\n");
    s.write(
        "web/package.json",
        "{\"name\": \"web\", \"version\": \"1.0.0\"}\n",
    );
    s
}

#[test]
fn init_in_a_subfolder_without_a_policy_takes_the_repositorys_top_and_says_so() {
    let s = repo();
    let out = run_in(&s, "web", &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(s.project.join(".srt.json").is_file());
    assert!(!s.project.join("web/.srt.json").exists());
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("[PROJECT]/web is inside the repository [PROJECT], which has no policy yet: initialised its top"),
        "{stderr}"
    );
    let v = json(&s.read(".srt.json"));
    let names = common::fragment_names(&v);
    assert!(names.contains(&"rust".to_string()) && names.contains(&"node".to_string()));
}

#[test]
fn init_below_the_root_updates_the_roots_policy() {
    let s = repo();
    let out = s.run(&["init", "--no-justfile"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let before = s.read(".srt.json");
    s.write("web/.npmrc", "registry=https://npm.corp.example/\n");
    let out = run_in(&s, "web/", &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!s.project.join("web/.srt.json").exists());
    let after = s.read(".srt.json");
    assert_ne!(before, after);
    assert!(after.contains("npm.corp.example"), "{after}");
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("started in [PROJECT]/web, inside the project at [PROJECT]: its policy is the one updated"),
        "{stderr}"
    );
}

#[test]
fn a_policy_below_the_root_is_never_used_and_every_command_says_so() {
    let s = repo();
    assert!(s.run(&["init"]).status.success());
    s.write("src/.srt.json", PLANTED);
    s.write("src/justfile", "ai-auto:\n    echo planted\n");
    // explain, list, check, add and doctor act on the root's policy and name the planted files.
    for args in [
        &["explain"][..],
        &["list"],
        &["check"],
        &["doctor", "--json"],
    ] {
        let out = run_in(&s, "src", args);
        let text = format!("{}{}", s.clean(&out.stdout), s.clean(&out.stderr));
        assert!(
            text.contains("[PROJECT]/src/.srt.json is not used: it is below the project's root [PROJECT] and not a declared subproject"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("[PROJECT]/src/justfile is not used"),
            "{args:?}: {text}"
        );
    }
    let out = run_in(&s, "src", &["check"]);
    assert!(
        s.clean(&out.stdout).contains(".srt.json"),
        "check lints the root's policy: {}",
        show(&out)
    );
    // The planted policy is left as it was: srt-gen neither uses nor rewrites it.
    assert_eq!(s.read("src/.srt.json"), PLANTED);
}

/// The attack of issue 18: a sandboxed run writes `src/.srt.json` without credential
/// protection; the next `srt-gen run` started in `src/` took it (the nearest policy) and read
/// the SSH key. Through the real srt: the planted policy does let srt read the key, and
/// `srt-gen run` from `src/` still cannot.
#[test]
fn a_planted_policy_below_the_root_does_not_open_the_ssh_key() {
    let Some(srt) = common::srt("a_planted_policy_below_the_root_does_not_open_the_ssh_key") else {
        return;
    };
    let s = Sandbox::new();
    git_init(&s.project);
    std::fs::create_dir_all(s.project.join("src")).unwrap();
    let key = s.home().join(".ssh/id_ed25519");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let cmd = |dir: &str| {
        let mut c = s.cmd();
        c.current_dir(s.project.join(dir)).env("SRT_GEN_SRT", &srt);
        c
    };
    let out = cmd("").args(["init", "--no-justfile"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    s.write("src/.srt.json", PLANTED);

    // What the planted policy would have done: srt with it reads the key.
    let direct = Command::new(&srt)
        .args(["--settings", ".srt.json", "--", "cat"])
        .arg(&key)
        .current_dir(s.project.join("src"))
        .env("HOME", s.home())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&direct.stdout).contains("PRIVATE KEY"),
        "the planted policy should let srt read the key: {}",
        show(&direct)
    );

    // The sandbox does start from src/ (so the refusal below is the policy's doing) ...
    let out = cmd("src").args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // ... and the key stays unreadable, with the planted file named.
    let out = cmd("src")
        .args(["run", "--", "cat"])
        .arg(&key)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("PRIVATE"),
        "{}",
        show(&out)
    );
    assert!(
        s.clean(&out.stderr)
            .contains("srt-gen run: note: [PROJECT]/src/.srt.json is not used"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_declared_subproject_has_its_own_policy_which_the_root_protects() {
    let s = repo();
    assert!(s.run(&["init"]).status.success());
    let out = run_in(&s, "web", &["init", "--subproject"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stderr = s.clean(&out.stderr);
    assert!(
        stderr.contains("a subproject of [PROJECT]: that policy records `web`"),
        "{stderr}"
    );
    assert!(stderr.contains("(records subproject `web`)"), "{stderr}");
    let root = json(&s.read(".srt.json"));
    assert_eq!(root["srtGen"]["subprojects"], serde_json::json!(["web"]));
    let deny = strings(&root, "filesystem", "denyWrite");
    for p in [
        "./web/.srt.json",
        "./web/justfile",
        "./web/.srt-gen/fragments",
    ] {
        assert!(deny.contains(&p.to_string()), "{p}: {deny:?}");
    }
    let web = json(&s.read("web/.srt.json"));
    assert_eq!(
        common::fragment_names(&web),
        ["base", "claude", "dotenv", "node"]
    );
    // Commands started inside it act on its policy; from elsewhere, on the root's.
    let out = run_in(&s, "web", &["doctor", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let project = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "project")
        .unwrap()
        .clone();
    assert!(
        s.clean(project["detail"].as_str().unwrap().as_bytes())
            .starts_with("[PROJECT]/web (a subproject declared by [PROJECT]/.srt.json)"),
        "{project}"
    );
    // Running init there again keeps it a subproject and the root's record unchanged.
    let root_before = s.read(".srt.json");
    let out = run_in(&s, "web", &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(s.read(".srt.json"), root_before);
    // The root itself cannot be its own subproject.
    let out = s.run(&["init", "--subproject"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

#[test]
fn a_removed_ecosystem_is_reported_as_removed() {
    let s = repo();
    assert!(s.run(&["init", "--no-justfile"]).status.success());
    assert!(s.run(&["remove", "rust", "node"]).status.success());
    let out = s.run(&["init", "--no-justfile"]);
    let stderr = s.clean(&out.stderr);
    assert!(!stderr.contains("no ecosystem detected"), "{stderr}");
    assert!(
        stderr
            .contains("  rust: detected (Cargo.toml), removed; `srt-gen add rust` brings it back"),
        "{stderr}"
    );
    let out = s.run(&["init", "--json"]);
    let v: Value = serde_json::from_slice::<Value>(&out.stdout).unwrap()["projects"][0].clone();
    assert_eq!(v["removed"]["rust"], serde_json::json!(["Cargo.toml"]));
    assert!(v["detected"].get("rust").is_none());
}

#[test]
fn no_agent_is_remembered_and_leaves_the_recipes_out_until_agent() {
    let s = repo();
    assert!(s.run(&["init"]).status.success());
    assert!(s.read("justfile").contains("ai-auto PROMPT:"));
    let out = s.run(&["init", "--no-agent"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let no_agent = |s: &Sandbox| {
        let v = json(&s.read(".srt.json"));
        assert_eq!(v["srtGen"]["noAgent"], true);
        assert!(!common::fragment_names(&v).contains(&"claude".to_string()));
        let jf = s.read("justfile");
        assert!(
            !jf.contains("ai-auto PROMPT:") && !jf.contains("ai *ARGS:"),
            "{jf}"
        );
        assert!(
            jf.contains("`srt-gen init --agent NAME` brings them back"),
            "{jf}"
        );
    };
    no_agent(&s);
    // Remembered by a plain init and by add/remove.
    assert!(s.run(&["init"]).status.success());
    no_agent(&s);
    assert!(s.run(&["add", "github"]).status.success());
    no_agent(&s);
    let out = s.run(&["init", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v = json(&s.read(".srt.json"));
    assert!(v["srtGen"].get("noAgent").is_none());
    assert!(common::fragment_names(&v).contains(&"claude".to_string()));
    assert!(s.read("justfile").contains("ai-auto PROMPT:"));
    // A project that never had recipes gets no justfile from --no-agent.
    let t = repo();
    assert!(t.run(&["init", "--no-agent"]).status.success());
    assert!(!t.project.join("justfile").exists());
}

#[test]
fn a_fixture_manifest_that_does_not_parse_is_not_an_error() {
    let s = repo();
    s.write("tests/fixtures/broken/package.json", "{ \"name\": ");
    s.write("web/__fixtures__/bad/Cargo.toml", "[package\n");
    let out = s.run(&["init", "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v: Value = serde_json::from_slice::<Value>(&out.stdout).unwrap()["projects"][0].clone();
    assert_eq!(
        v["fixtures"],
        serde_json::json!(["tests/fixtures", "web/__fixtures__"])
    );
    // The project's own broken manifest still stops init, with file and line.
    s.write("web/package.json", "{ \"name\": ");
    let out = s.run(&["init", "--dry-run"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(
        s.clean(&out.stderr).contains("web/package.json:1:"),
        "{}",
        show(&out)
    );
}

#[test]
fn an_ssh_url_in_a_lockfile_gets_the_warning() {
    let s = Sandbox::new();
    s.write(
        "package.json",
        "{\"name\": \"a\", \"version\": \"1.0.0\"}\n",
    );
    s.write(
        "package-lock.json",
        r#"{"lockfileVersion": 3, "packages": {"node_modules/x": {"resolved": "git+ssh://git@github.com/o/x.git#0123"}}}"#,
    );
    let out = s.run(&["init", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        s.clean(&out.stderr).contains(
            "package-lock.json: `git+ssh://git@github.com/o/x.git` is fetched over SSH, which srt's proxy does not carry; spell it `git+https://github.com/o/x.git`"
        ),
        "{}",
        show(&out)
    );
}

#[test]
fn uvs_index_setting_leaves_a_pip_projects_hosts_alone() {
    let s = Sandbox::fixture("python-requirements");
    let out = s
        .cmd()
        .args(["init", "--dry-run", "--json"])
        .env("UV_INDEX_URL", "https://uv.corp.example/simple")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("uv.corp.example"), "{text}");
    let v: Value = serde_json::from_slice::<Value>(&out.stdout).unwrap()["projects"][0].clone();
    let added = v["changes"]["network.allowedDomains"]["added"].to_string();
    assert!(added.contains("pypi.org"), "{added}");
}

/// On a terminal, `init` in a subfolder of a repository without a policy asks: the top
/// (the default), this folder, or stop. Run through `script`, which gives it a terminal.
#[test]
fn on_a_terminal_init_asks_which_root() {
    if common::which("script").is_none() {
        eprintln!(
            "SKIPPED on_a_terminal_init_asks_which_root: `script` (util-linux) is not on PATH"
        );
        return;
    }
    let bin = env!("CARGO_BIN_EXE_srt-gen");
    for (answer, top, here) in [("h", false, true), ("", true, false), ("q", false, false)] {
        let s = repo();
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{bin} init --no-justfile"), "/dev/null"])
            .current_dir(s.project.join("web"))
            .env_clear()
            .env("HOME", s.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{answer}").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Choice [t/h/q]"), "{answer:?}: {text}");
        assert_eq!(
            s.project.join(".srt.json").exists(),
            top,
            "{answer:?}: {text}"
        );
        assert_eq!(
            s.project.join("web/.srt.json").exists(),
            here,
            "{answer:?}: {text}"
        );
    }
}
