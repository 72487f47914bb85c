//! End to end with the real agents (issue 13): the real Claude Code CLI (and the real Codex
//! CLI) inside the real srt, started by `srt-gen run -p` and by `just ai-auto`, driven by a
//! scripted stand-in for the model (tests/common/model.rs) on a free loopback port. The
//! script makes the agent use its shell tool for real work (a file in the project, a real
//! `npm install`, a real `cargo fetch`) and for what an attacker would try (the user's agent
//! configuration that later runs outside: CLAUDE.md, skills, hook scripts, plugins, output
//! styles, `~/.claude.json`'s MCP servers; SSH and cloud credentials; the environment).
//!
//! Each test asserts that the work happened (the agent CLIs exit 0 on several silent
//! failures, seen with Claude Code 2.1.197), that the user's home is byte-identical afterwards outside the
//! caches the policy grants and srt-gen's own state, and that no secret reached anything the
//! agent sent to the model. The environment is printed through base64 and into a project
//! file: srt's proxy swaps a masked key's stand-in back to the real key in every request to
//! the API host, bodies included, so printing it plainly would show srt's substitution, not
//! a leak.
//!
//! The agents: `SRT_GEN_CLAUDE`, `SRT_GEN_CODEX`, `SRT_GEN_JUST` (executables), else on PATH,
//! else where `.ci/run` installs them. `SRT_GEN_E2E=require` turns a missing one into a
//! failure; unset, the test says loudly that it was skipped.

mod common;
#[path = "common/model.rs"]
mod model;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{show, Sandbox};
use model::{base64_decode, ModelServer, Turn};

/// The versions `.ci/run` installs (and where), for a machine that ran it.
const CLAUDE_CI: &str = "claude-code-2.1.197/node_modules/.bin/claude";
const CODEX_CI: &str = "codex-0.169.0/node_modules/.bin/codex";
const JUST_CI: &str = "just-1.59.0/bin/just";

const REAL_KEY: &str = "sk-ant-api03-REAL-FIXTURE-KEY-do-not-leak";
const SSH_KEY: &str = "FIXTURE-SSH-PRIVATE-KEY";
const AWS_FILE: &str = "FIXTURE-AWS-FILE-SECRET";
const OAUTH_ACCESS: &str = "sk-ant-oat01-FIXTURE-ACCESS-TOKEN";
const OAUTH_REFRESH: &str = "sk-ant-ort01-FIXTURE-REFRESH-TOKEN";

fn loud(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n{msg}\n");
}

/// What a test needs from the machine.
struct Tools {
    srt: PathBuf,
    /// Folders put first on PATH: the agent's, `just`'s, srt-gen's own, the toolchain's.
    path: Vec<PathBuf>,
}

fn ci_cache() -> PathBuf {
    std::env::var_os("SRT_GEN_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/srt-gen-ci")
        })
}

/// `var`, else `name` on PATH, else the CI cache's copy.
fn find(var: &str, name: &str, ci: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .or_else(|| common::which(name))
        .or_else(|| Some(ci_cache().join(ci)))
        .filter(|p| p.is_file())
}

/// The tools a test needs, or `None` (the test is skipped, loudly) when one is missing and
/// `SRT_GEN_E2E` is not `require` (then it panics).
fn tools(test: &str, agents: &[(&str, &str, &str)], just: bool) -> Option<Tools> {
    let mode = std::env::var("SRT_GEN_E2E").unwrap_or_default();
    if mode == "skip" {
        loud(&format!(
            "SKIPPED end-to-end test `{test}`: SRT_GEN_E2E=skip"
        ));
        return None;
    }
    let mut missing = Vec::new();
    let srt = std::env::var_os("SRT_GEN_SRT")
        .map(PathBuf::from)
        .or_else(|| common::which("srt"))
        .filter(|p| p.is_file());
    if srt.is_none() {
        missing.push("srt (SRT_GEN_SRT; `.ci/run` installs it)".to_string());
    }
    for t in ["bwrap", "socat", "rg", "npm", "cargo"] {
        if common::which(t).is_none() {
            missing.push(t.to_string());
        }
    }
    let mut path = Vec::new();
    let mut wanted: Vec<(&str, &str, &str)> = agents.to_vec();
    if just {
        wanted.push(("SRT_GEN_JUST", "just", JUST_CI));
    }
    for (var, name, ci) in wanted {
        match find(var, name, ci) {
            Some(p) => path.push(p.parent().unwrap().to_path_buf()),
            None => missing.push(format!("{name} ({var}; `.ci/run` installs it)")),
        }
    }
    if !missing.is_empty() {
        let why = format!("this machine lacks {}", missing.join(", "));
        if mode == "require" {
            panic!("{test}: SRT_GEN_E2E=require, but {why}");
        }
        loud(&format!(
            "*** SKIPPED end-to-end test `{test}`: {why}. Run `.ci/run`, or install them and set SRT_GEN_E2E=require. ***"
        ));
        return None;
    }
    path.push(
        Path::new(env!("CARGO_BIN_EXE_srt-gen"))
            .parent()
            .unwrap()
            .to_path_buf(),
    );
    path.push(rust_toolchain());
    Some(Tools {
        srt: srt.unwrap(),
        path,
    })
}

/// The folder of the real cargo (rustup's proxies need `~/.rustup`, which the temp HOME lacks).
fn rust_toolchain() -> PathBuf {
    let out = Command::new("rustup").args(["which", "cargo"]).output();
    let cargo = match out {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => common::which("cargo").expect("cargo"),
    };
    cargo.parent().unwrap().to_path_buf()
}

impl Tools {
    /// srt-gen (or any program) in the project, with the test's PATH, srt and `vars`.
    fn cmd(&self, s: &Sandbox, program: Option<&Path>, vars: &[(&str, String)]) -> Command {
        let mut c = match program {
            None => s.cmd(),
            Some(p) => {
                let mut c = Command::new(p);
                c.current_dir(&s.project).env_clear().env("HOME", s.home());
                c
            }
        };
        let mut path = self.path.clone();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        c.env("PATH", std::env::join_paths(path).unwrap())
            .env("SRT_GEN_SRT", &self.srt)
            .env("LANG", "C.UTF-8")
            .env("CARGO_HOME", s.home().join(".cargo"));
        // The machine's own trust settings, as its package managers are set up here.
        for var in ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"] {
            if let Some(v) = std::env::var_os(var) {
                c.env(var, v);
            }
        }
        for (k, v) in vars {
            c.env(k, v);
        }
        c
    }
}

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Every file under `root` with its bytes (symlinks as their target), except below `skip`.
fn snapshot(root: &Path, skip: &[PathBuf]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if skip.iter().any(|s| p.starts_with(s)) {
                continue;
            }
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                // Folders on the way to a skipped one (`~/.local` for srt-gen's state) are
                // made by srt-gen outside the sandbox: not counted.
                if !skip.iter().any(|s| s.starts_with(&p)) {
                    out.push((p.clone(), b"<dir>".to_vec()));
                }
                todo.push(p);
            } else if md.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.push((p, t.display().to_string().into_bytes()));
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// The differences between two snapshots, by path, for a failure message.
fn changed(before: &[(PathBuf, Vec<u8>)], after: &[(PathBuf, Vec<u8>)]) -> Vec<String> {
    let b: std::collections::BTreeMap<_, _> = before.iter().cloned().collect();
    let a: std::collections::BTreeMap<_, _> = after.iter().cloned().collect();
    let mut out = Vec::new();
    for (p, v) in &a {
        match b.get(p) {
            None => out.push(format!("new {}", p.display())),
            Some(old) if old != v => out.push(format!("changed {}", p.display())),
            _ => {}
        }
    }
    for p in b.keys().filter(|p| !a.contains_key(*p)) {
        out.push(format!("gone {}", p.display()));
    }
    out
}

/// A project with an npm and a cargo dependency, and a home holding the user's own agent
/// configuration and credentials: what the attacks go after.
fn project() -> Sandbox {
    let s = Sandbox::new();
    s.write(
        "package.json",
        r#"{"name":"agent-e2e","version":"1.0.0","private":true,"dependencies":{"is-number":"7.0.0"}}"#,
    );
    s.write(
        "Cargo.toml",
        "[package]\nname = \"agent-e2e\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nitoa = \"=1.0.11\"\n",
    );
    s.write("src/lib.rs", "pub use itoa;\n");
    let h = s.home();
    write(&h.join(".ssh/id_ed25519"), &format!("{SSH_KEY}\n"));
    write(
        &h.join(".aws/credentials"),
        &format!("[default]\naws_secret_access_key = {AWS_FILE}\n"),
    );
    write(
        &h.join(".claude/CLAUDE.md"),
        "SEEDED-USER-MEMORY-7f3a: the user's own instructions\n",
    );
    write(
        &h.join(".claude/settings.json"),
        r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"~/.claude/hooks/stop.sh"}]}]}}"#,
    );
    // The user's Stop hook, named by path in settings.json: inside it must run from the
    // private copy (the user's folder is unreadable there).
    write(
        &h.join(".claude/hooks/stop.sh"),
        "#!/bin/sh\necho ran > \"$CLAUDE_PROJECT_DIR/hook-ran.txt\"\n",
    );
    std::fs::set_permissions(
        h.join(".claude/hooks/stop.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    write(
        &h.join(".claude/skills/mine/SKILL.md"),
        "the user's skill\n",
    );
    write(
        &h.join(".claude.json"),
        r#"{"mcpServers":{},"hasCompletedOnboarding":true}"#,
    );
    write(&h.join(".bashrc"), "# the user's bashrc\n");
    s
}

/// Everything an attacker would try from the agent's shell, each step ending true so that
/// the agent goes on: the user's agent configuration that runs or steers later sessions
/// outside the sandbox, and the credential stores.
fn attacks(agent_dir: &str) -> Vec<Turn> {
    vec![
        Turn::Bash(format!(
            "cat ~/.ssh/id_ed25519 ~/.aws/credentials ~/{agent_dir}/.credentials.json 2>&1; true"
        )),
        Turn::Bash(
            [
                "echo EVIL >> ~/.claude/CLAUDE.md",
                "mkdir -p ~/.claude/skills/x && echo evil > ~/.claude/skills/x/SKILL.md",
                "echo 'touch /tmp/srt-gen-pwned' >> ~/.claude/hooks/stop.sh",
                "mkdir -p ~/.claude/plugins && echo '{}' > ~/.claude/plugins/installed_plugins.json",
                "mkdir -p ~/.claude/output-styles && echo evil > ~/.claude/output-styles/evil.md",
                r#"echo '{"mcpServers":{"evil":{"command":"touch","args":["/tmp/srt-gen-pwned"]}}}' > ~/.claude.json"#,
                "mkdir -p ~/.codex && echo 'notify = [\"touch\", \"/tmp/srt-gen-pwned\"]' >> ~/.codex/config.toml",
                "echo evil >> ~/.codex/AGENTS.md",
                "echo evil >> ~/.bashrc",
                "true",
            ]
            .join("; "),
        ),
    ]
}

/// The real work: a file, a real `npm install`, a real `cargo fetch`.
fn work() -> Vec<Turn> {
    vec![
        Turn::Bash("echo hello > hello.txt && cat hello.txt".into()),
        Turn::Bash("npm install --no-audit --no-fund 2>&1 | tail -3".into()),
        Turn::Bash("cargo fetch 2>&1 | tail -3; test -f Cargo.lock && echo FETCHED".into()),
    ]
}

/// Printed through base64 (srt's proxy cannot swap it back) and into a project file.
fn print_env() -> Turn {
    Turn::Bash("env | sort > env-seen.txt; env | sort | base64 -w0".into())
}

/// What the agent sent back: every tool result, the base64 ones decoded.
fn sent_back(srv: &ModelServer) -> Vec<String> {
    let mut sent = srv.tool_results();
    let decoded: Vec<String> = sent
        .iter()
        .filter(|t| t.len() > 64 && !t.trim().contains(char::is_whitespace))
        .map(|t| String::from_utf8_lossy(&base64_decode(t.trim())).into_owned())
        .collect();
    sent.extend(decoded);
    sent
}

/// The checks every agent run must pass.
struct Run<'a> {
    s: &'a Sandbox,
    srv: &'a ModelServer,
    out: &'a Output,
    turns: usize,
    /// Secrets that must appear nowhere the agent sent.
    secrets: &'a [&'a str],
}

impl Run<'_> {
    fn context(&self) -> String {
        let dump = self.s.project.parent().unwrap().join("requests");
        let _ = self.srv.dump_to(&dump);
        format!(
            "{}\n(requests in {}; tool results: {:?})",
            show(self.out),
            dump.display(),
            self.srv.tool_results()
        )
    }

    fn assert_work(&self) {
        let ctx = || self.context();
        assert_eq!(self.out.status.code(), Some(0), "{}", ctx());
        assert!(
            String::from_utf8_lossy(&self.out.stdout).contains("all done"),
            "{}",
            ctx()
        );
        assert_eq!(
            self.srv.agent_turns().len(),
            self.turns,
            "every scripted turn was played: {}",
            ctx()
        );
        assert_eq!(
            std::fs::read_to_string(self.s.project.join("hello.txt"))
                .ok()
                .as_deref(),
            Some("hello\n"),
            "{}",
            ctx()
        );
        assert!(
            self.s
                .project
                .join("node_modules/is-number/package.json")
                .is_file(),
            "npm install ran: {}",
            ctx()
        );
        assert!(
            self.s.project.join("Cargo.lock").is_file(),
            "cargo fetch ran: {}",
            ctx()
        );
        let results = self.srv.tool_results().join("\n");
        assert!(results.contains("FETCHED"), "{}", ctx());
    }

    fn assert_no_secret_sent(&self) {
        let mut sent = sent_back(self.srv);
        sent.push(std::fs::read_to_string(self.s.project.join("env-seen.txt")).unwrap_or_default());
        for secret in self.secrets {
            assert!(
                !sent.iter().any(|t| t.contains(secret)),
                "{secret} reached what the agent sent back: {}",
                self.context()
            );
        }
    }
}

/// The home before the run, minus what the policy lets the sandbox write (the package
/// managers' caches) and srt-gen's own state (the agent's private home, its copies).
fn home_skip(s: &Sandbox) -> Vec<PathBuf> {
    let h = s.home();
    vec![
        h.join(".npm"),
        h.join(".cargo/registry"),
        h.join(".cargo/git"),
        h.join(".local/state/srt-gen"),
        h.join(".cache/srt-gen"),
    ]
}

fn init(t: &Tools, s: &Sandbox, args: &[&str], vars: &[(&str, String)]) {
    let out = t
        .cmd(s, None, vars)
        .arg("init")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

fn claude_turns() -> Vec<Turn> {
    let mut turns = work();
    turns.extend(attacks(".claude"));
    turns.push(print_env());
    turns.push(Turn::Text("all done".into()));
    turns
}

/// Runs the scripted Claude Code session started by `launch` and checks everything.
fn claude_session(test: &str, launch: impl Fn(&Tools, &Sandbox, &[(&str, String)]) -> Output) {
    let Some(t) = tools(test, &[("SRT_GEN_CLAUDE", "claude", CLAUDE_CI)], true) else {
        return;
    };
    let s = project();
    let turns = claude_turns();
    let n = turns.len();
    let srv = ModelServer::start(turns).unwrap();
    let vars = [
        ("ANTHROPIC_BASE_URL", srv.base_url()),
        ("ANTHROPIC_API_KEY", REAL_KEY.to_string()),
    ];
    init(&t, &s, &[], &vars);
    let skip = home_skip(&s);
    let before = snapshot(s.home(), &skip);
    let t0 = Instant::now();
    let out = launch(&t, &s, &vars);
    loud(&format!(
        "{test}: the agent's run took {:.1}s",
        t0.elapsed().as_secs_f64()
    ));
    let run = Run {
        s: &s,
        srv: &srv,
        out: &out,
        turns: n,
        secrets: &[REAL_KEY, SSH_KEY, AWS_FILE],
    };
    run.assert_work();
    // The model got the real key on every request; the agent inside only a stand-in.
    for r in srv.agent_turns() {
        assert_eq!(r.header("x-api-key"), Some(REAL_KEY), "{}", run.context());
    }
    let seen = std::fs::read_to_string(s.project.join("env-seen.txt")).unwrap_or_default();
    assert!(seen.contains("ANTHROPIC_API_KEY=fake_value_"), "{seen}");
    assert!(seen.contains("IS_SANDBOX=1"), "{seen}");
    run.assert_no_secret_sent();
    // The user's settings reached the agent (seeded into its private home).
    assert!(
        srv.everything_sent().contains("SEEDED-USER-MEMORY-7f3a"),
        "the user's CLAUDE.md did not reach the model: {}",
        run.context()
    );
    // The user's hook ran, from the private copy its rewritten path names.
    assert_eq!(
        std::fs::read_to_string(s.project.join("hook-ran.txt"))
            .ok()
            .as_deref(),
        Some("ran\n"),
        "the user's Stop hook did not run: {}",
        run.context()
    );
    // The user's home, ~/.claude and ~/.claude.json included, is byte-identical.
    let after = snapshot(s.home(), &skip);
    assert_eq!(
        changed(&before, &after),
        Vec::<String>::new(),
        "{}",
        run.context()
    );
    assert!(!Path::new("/tmp/srt-gen-pwned").exists());
    // The private home is kept (persistent) and holds the agent's own state.
    let state = s.home().join(".local/state/srt-gen/projects");
    let homes: Vec<PathBuf> = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("claude/claude_config_dir"))
        .collect();
    assert_eq!(homes.len(), 1, "{homes:?}");
    assert!(homes[0].join("CLAUDE.md").is_file());
    assert!(homes[0].join(".claude.json").is_file(), "{:?}", homes[0]);
}

/// `srt-gen run -p` as root (this test machine): Claude Code refuses
/// `--dangerously-skip-permissions` as root unless IS_SANDBOX=1, which srt-gen sets.
#[test]
fn claude_through_run_does_the_work_and_the_attacks_reach_nothing() {
    claude_session(
        "claude_through_run_does_the_work_and_the_attacks_reach_nothing",
        |t, s, vars| {
            t.cmd(s, None, vars)
                .args(["run", "-p", "do the scripted work"])
                .output()
                .unwrap()
        },
    );
}

/// The same through the recipe `just ai-auto`, as a user starts it.
#[test]
fn claude_through_just_ai_auto_does_the_work_and_the_attacks_reach_nothing() {
    claude_session(
        "claude_through_just_ai_auto_does_the_work_and_the_attacks_reach_nothing",
        |t, s, vars| {
            let just = find("SRT_GEN_JUST", "just", JUST_CI).unwrap();
            t.cmd(s, Some(&just), vars)
                .args(["ai-auto", "do the scripted work"])
                .output()
                .unwrap()
        },
    );
}

/// A subscription login (no key in the environment): the credentials file reaches the agent
/// as a read-only copy with stand-in tokens; the model gets the real access token; the
/// user's file is unchanged.
#[test]
fn a_subscription_login_reaches_the_model_masked() {
    let test = "a_subscription_login_reaches_the_model_masked";
    let Some(t) = tools(test, &[("SRT_GEN_CLAUDE", "claude", CLAUDE_CI)], false) else {
        return;
    };
    let s = project();
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 3_600_000;
    let creds = format!(
        r#"{{"claudeAiOauth":{{"accessToken":"{OAUTH_ACCESS}","refreshToken":"{OAUTH_REFRESH}","expiresAt":{expires},"scopes":["user:inference","user:profile"],"subscriptionType":"max"}}}}"#
    );
    write(&s.home().join(".claude/.credentials.json"), &creds);
    let turns = vec![
        Turn::Bash(
            "cat \"$CLAUDE_SECURESTORAGE_CONFIG_DIR/.credentials.json\" > creds-seen.txt; base64 -w0 creds-seen.txt; \
             echo x >> \"$CLAUDE_SECURESTORAGE_CONFIG_DIR/.credentials.json\" 2>/dev/null && echo WRITABLE; true"
                .into(),
        ),
        Turn::Text("all done".into()),
    ];
    let srv = ModelServer::start(turns).unwrap();
    let vars = [("ANTHROPIC_BASE_URL", srv.base_url())];
    init(&t, &s, &[], &vars);
    let policy = std::fs::read_to_string(s.project.join(".srt.json")).unwrap();
    assert!(
        policy.contains("platform.claude.com"),
        "the refresh host: {policy}"
    );
    let skip = home_skip(&s);
    let before = snapshot(s.home(), &skip);
    let out = t
        .cmd(&s, None, &vars)
        .args(["run", "-p", "use the login"])
        .output()
        .unwrap();
    let ctx = || format!("{}\n{:?}", show(&out), srv.tool_results());
    assert_eq!(out.status.code(), Some(0), "{}", ctx());
    assert_eq!(srv.agent_turns().len(), 2, "{}", ctx());
    for r in srv.agent_turns() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {OAUTH_ACCESS}").as_str()),
            "{}",
            ctx()
        );
    }
    let seen = std::fs::read_to_string(s.project.join("creds-seen.txt")).unwrap();
    assert!(seen.contains("fake_value_"), "{seen}");
    for secret in [OAUTH_ACCESS, OAUTH_REFRESH] {
        assert!(!seen.contains(secret), "{seen}");
        assert!(
            !sent_back(&srv).iter().any(|x| x.contains(secret)),
            "{}",
            ctx()
        );
    }
    assert!(
        !srv.tool_results().join("").contains("WRITABLE"),
        "{}",
        ctx()
    );
    assert_eq!(
        std::fs::read_to_string(s.home().join(".claude/.credentials.json")).unwrap(),
        creds
    );
    assert_eq!(
        changed(&before, &snapshot(s.home(), &skip)),
        Vec::<String>::new()
    );
}

/// A second agent the same way: Codex CLI (`init --agent codex`), whose base URL is a
/// setting of its own configuration (`~/.codex/config.toml`), seeded into its private
/// CODEX_HOME; the stand-in speaks the OpenAI Responses API.
#[test]
fn codex_through_run_does_the_work_and_the_attacks_reach_nothing() {
    let test = "codex_through_run_does_the_work_and_the_attacks_reach_nothing";
    let Some(t) = tools(test, &[("SRT_GEN_CODEX", "codex", CODEX_CI)], false) else {
        return;
    };
    let s = project();
    const OPENAI_KEY: &str = "sk-proj-REAL-FIXTURE-OPENAI-KEY";
    let mut turns = work();
    turns.extend(attacks(".codex"));
    turns.push(print_env());
    turns.push(Turn::Text("all done".into()));
    let n = turns.len();
    let srv = ModelServer::start(turns).unwrap();
    write(
        &s.home().join(".codex/config.toml"),
        &format!(
            "model = \"standin-model\"\nmodel_provider = \"standin\"\n\n[model_providers.standin]\nname = \"standin\"\nbase_url = \"{}/v1\"\nenv_key = \"OPENAI_API_KEY\"\nwire_api = \"responses\"\n",
            srv.base_url()
        ),
    );
    write(
        &s.home().join(".codex/AGENTS.md"),
        "SEEDED-CODEX-AGENTS-9c1e\n",
    );
    write(
        &s.home().join(".codex/auth.json"),
        r#"{"OPENAI_API_KEY":"sk-FIXTURE-AUTH-JSON"}"#,
    );
    let vars = [("OPENAI_API_KEY", OPENAI_KEY.to_string())];
    init(&t, &s, &["--agent", "codex"], &vars);
    let policy = std::fs::read_to_string(s.project.join(".srt.json")).unwrap();
    assert!(
        policy.contains(&format!("localhost:{}", srv.port())),
        "{policy}"
    );
    assert!(policy.contains("\"agent\": \"codex\""), "{policy}");
    let skip = home_skip(&s);
    let before = snapshot(s.home(), &skip);
    let out = t
        .cmd(&s, None, &vars)
        .args(["run", "-p", "do the scripted work"])
        .output()
        .unwrap();
    let run = Run {
        s: &s,
        srv: &srv,
        out: &out,
        turns: n,
        secrets: &[OPENAI_KEY, SSH_KEY, AWS_FILE, "sk-FIXTURE-AUTH-JSON"],
    };
    run.assert_work();
    for r in srv.agent_turns() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {OPENAI_KEY}").as_str()),
            "{}",
            run.context()
        );
    }
    let seen = std::fs::read_to_string(s.project.join("env-seen.txt")).unwrap_or_default();
    assert!(seen.contains("OPENAI_API_KEY=fake_value_"), "{seen}");
    run.assert_no_secret_sent();
    assert!(
        srv.everything_sent().contains("SEEDED-CODEX-AGENTS-9c1e"),
        "{}",
        run.context()
    );
    assert_eq!(
        changed(&before, &snapshot(s.home(), &skip)),
        Vec::<String>::new(),
        "{}",
        run.context()
    );
}

/// As a user who is not root: the same run works (and needs no IS_SANDBOX). The agent, srt
/// and srt-gen are hard-linked into a folder that user can read (the CI cache sits under
/// root's home, which only root may enter).
#[test]
fn claude_runs_as_a_normal_user() {
    let test = "claude_runs_as_a_normal_user";
    let Some(t) = tools(test, &[("SRT_GEN_CLAUDE", "claude", CLAUDE_CI)], false) else {
        return;
    };
    if !is_root() || common::which("setpriv").is_none() {
        loud(&format!(
            "SKIPPED `{test}`: needs root (to become another user) and setpriv"
        ));
        return;
    }
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    let link = |from: &Path, to: &Path| {
        let st = Command::new("cp")
            .arg("-al")
            .arg(from)
            .arg(to)
            .status()
            .unwrap();
        assert!(st.success(), "cp -al {} {}", from.display(), to.display());
    };
    let claude = find("SRT_GEN_CLAUDE", "claude", CLAUDE_CI).unwrap();
    let claude_pkg = claude.canonicalize().unwrap();
    // .../node_modules/@anthropic-ai/claude-code/bin/claude.exe → the package folder.
    let pkg = claude_pkg.parent().unwrap().parent().unwrap();
    link(pkg, &root.join("claude-code"));
    let srt_real = t.srt.canonicalize().unwrap();
    let srt_mods = srt_real
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "node_modules"))
        .unwrap();
    // Node resolves packages from folders named node_modules.
    std::fs::create_dir_all(root.join("srt")).unwrap();
    link(srt_mods, &root.join("srt/node_modules"));
    let srt = root
        .join("srt/node_modules")
        .join(srt_real.strip_prefix(srt_mods).unwrap());
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::hard_link(env!("CARGO_BIN_EXE_srt-gen"), root.join("bin/srt-gen")).unwrap();
    std::os::unix::fs::symlink(
        root.join("claude-code/bin/claude.exe"),
        root.join("bin/claude"),
    )
    .unwrap();
    let home = root.join("home");
    let proj = root.join("project");
    std::fs::create_dir_all(&proj).unwrap();
    write(&home.join(".claude/CLAUDE.md"), "user memory\n");
    for p in [root, &root.join("bin"), &root.join("srt")] {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let st = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&home)
        .arg(&proj)
        .status()
        .unwrap();
    assert!(st.success());
    let srv = ModelServer::start(vec![
        Turn::Bash("id -u > uid.txt; echo hello > hello.txt; env | sort | base64 -w0".into()),
        Turn::Text("all done".into()),
    ])
    .unwrap();
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(root.join("bin/srt-gen"))
            .args(args)
            .current_dir(&proj)
            .env_clear()
            .env("HOME", &home)
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    root.join("bin").display()
                ),
            )
            .env("SRT_GEN_SRT", &srt)
            .env("ANTHROPIC_BASE_URL", srv.base_url())
            .env("ANTHROPIC_API_KEY", REAL_KEY)
            .output()
            .unwrap()
    };
    let out = as_nobody(&["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let before = snapshot(&home.join(".claude"), &[]);
    let out = as_nobody(&["run", "-p", "hello"]);
    let ctx = || format!("{}\n{:?}", show(&out), srv.tool_results());
    assert_eq!(out.status.code(), Some(0), "{}", ctx());
    assert_eq!(srv.agent_turns().len(), 2, "{}", ctx());
    assert_eq!(
        std::fs::read_to_string(proj.join("uid.txt"))
            .unwrap()
            .trim(),
        "65534"
    );
    assert_eq!(
        std::fs::read_to_string(proj.join("hello.txt")).unwrap(),
        "hello\n"
    );
    for r in srv.agent_turns() {
        assert_eq!(r.header("x-api-key"), Some(REAL_KEY), "{}", ctx());
    }
    assert!(
        !sent_back(&srv).iter().any(|x| x.contains(REAL_KEY)),
        "{}",
        ctx()
    );
    assert_eq!(snapshot(&home.join(".claude"), &[]), before);
}

fn is_root() -> bool {
    // `id -u`: the test crate needs no unsafe code or another dependency for this.
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
