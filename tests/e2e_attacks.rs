//! Issue 18, every attack tried again as an attacker would: a fresh home, the policy `init`
//! generates, and the real srt. Each test failed on the code before the fix (the commit
//! that added it says how that was checked: the same test against main's binary).
//!
//! `SRT_GEN_E2E=require` makes a missing srt or bubblewrap a failure (tests/common).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{processes_with, show, wait_for, Sandbox};

/// srt-gen in the project with the machine's PATH and `SRT_GEN_SRT`.
fn cmd(s: &Sandbox, srt: &Path) -> Command {
    let mut c = s.cmd();
    c.env("SRT_GEN_SRT", srt);
    c
}

fn init(s: &Sandbox, srt: &Path) {
    let out = cmd(s, srt).arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn settings(s: &Sandbox) -> serde_json::Value {
    serde_json::from_str(&s.read(".srt.json")).unwrap()
}

fn write_settings(s: &Sandbox, v: &serde_json::Value) {
    s.write(".srt.json", &serde_json::to_string_pretty(v).unwrap());
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", show(&out));
}

/// This machine's PATH without any folder that holds an `srt`.
fn path_without_srt() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.join("srt").exists())
        .collect();
    std::env::join_paths(kept)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// 18.1: with srt not on PATH, `run` took the project's `node_modules/.bin/srt`, which the
/// sandbox can write: a planted script ran on the host.
#[test]
fn a_planted_srt_in_the_project_never_runs() {
    let Some(srt) = common::srt("a_planted_srt_in_the_project_never_runs") else {
        return;
    };
    let s = Sandbox::new();
    init(&s, &srt);
    let marker = s.home().join("PLANTED-RAN");
    write_exe(
        &s.project.join("node_modules/.bin/srt"),
        &format!(
            "#!/bin/sh\ntouch '{}'\nexec '{}' \"$@\"\n",
            marker.display(),
            srt.display()
        ),
    );
    // No srt on PATH and none named: only the planted one exists.
    let path = path_without_srt();
    let out = s
        .cmd()
        .env("PATH", &path)
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", show(&out));
    assert!(!marker.exists(), "the planted srt ran on the host");
    // Named outright, or on PATH from inside the project: refused all the same.
    let out = s
        .cmd()
        .env("PATH", &path)
        .env("SRT_GEN_SRT", s.project.join("node_modules/.bin/srt"))
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", show(&out));
    assert!(
        stderr(&out).contains("which a sandboxed run can write"),
        "{}",
        show(&out)
    );
    assert!(!marker.exists(), "the planted srt ran on the host");
}

/// 18.1: a `.srt.json` whose `ripgrep.command` points into the project made srt run that
/// program on the host at launch, and `check` said "no problems found".
#[test]
fn a_policy_that_names_a_program_in_the_project_is_refused_even_forced() {
    let Some(srt) =
        common::srt("a_policy_that_names_a_program_in_the_project_is_refused_even_forced")
    else {
        return;
    };
    let s = Sandbox::new();
    init(&s, &srt);
    let marker = s.home().join("EVIL-RG-RAN");
    write_exe(
        &s.project.join("evil-rg"),
        &format!("#!/bin/sh\ntouch '{}'\nexec rg \"$@\"\n", marker.display()),
    );
    let mut v = settings(&s);
    v["ripgrep"] = serde_json::json!({"command": "./evil-rg"});
    write_settings(&s, &v);
    let out = cmd(&s, &srt).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("ripgrep.command"), "{}", show(&out));
    for force in [false, true] {
        let mut c = cmd(&s, &srt);
        c.arg("run");
        if force {
            c.arg("--allow-errors");
        }
        let out = c.args(["--", "true"]).output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{}", show(&out));
        assert!(stderr(&out).contains("--force or not"), "{}", show(&out));
        assert!(
            !marker.exists(),
            "srt ran the project's program on the host"
        );
    }
}

/// 18.3: a committed `.srt.json` whose record lists `~/.ssh` as removed kept it removed
/// through `init`; `check` was clean; the run read the key.
#[test]
fn no_record_or_hand_edit_lowers_the_floor() {
    let Some(srt) = common::srt("no_record_or_hand_edit_lowers_the_floor") else {
        return;
    };
    let s = Sandbox::new();
    let key = s.home().join(".ssh/id_ed25519");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, "FIXTURE-SSH-PRIVATE-KEY\n").unwrap();
    init(&s, &srt);
    let mut v = settings(&s);
    v["filesystem"]["denyRead"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e != "~/.ssh");
    v["srtGen"]["removed"] = serde_json::json!({"filesystem.denyRead": ["~/.ssh"]});
    write_settings(&s, &v);
    let out = cmd(&s, &srt).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("~/.ssh"), "{}", show(&out));
    let read = |force: bool| {
        let mut c = cmd(&s, &srt);
        c.arg("run");
        if force {
            c.arg("--allow-errors");
        }
        c.args(["--", "cat", &key.display().to_string()])
            .output()
            .unwrap()
    };
    let out = read(false);
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!stdout(&out).contains("FIXTURE-SSH"), "{}", show(&out));
    // Forced, the run policy still puts the floor back.
    let out = read(true);
    assert!(
        !stdout(&out).contains("FIXTURE-SSH"),
        "read the key: {}",
        show(&out)
    );
    // `init` puts it back, and says so.
    let out = cmd(&s, &srt).arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(stderr(&out).contains("put back `~/.ssh`"), "{}", show(&out));
    let v = settings(&s);
    assert!(v["filesystem"]["denyRead"]
        .as_array()
        .unwrap()
        .contains(&"~/.ssh".into()));
}

/// 18.4: GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, NPM_TOKEN and CARGO_REGISTRY_TOKEN were all
/// visible to `srt-gen run -- env`.
#[test]
fn secret_variables_stay_outside() {
    let Some(srt) = common::srt("secret_variables_stay_outside") else {
        return;
    };
    let s = Sandbox::new();
    init(&s, &srt);
    let secrets = [
        ("GITHUB_TOKEN", "ghp_FIXTURE0001"),
        ("AWS_SECRET_ACCESS_KEY", "FIXTURE0002"),
        ("NPM_TOKEN", "npm_FIXTURE0003"),
        ("CARGO_REGISTRY_TOKEN", "cio_FIXTURE0004"),
        ("MY_SERVICE_API_KEY", "FIXTURE0005"),
        ("DATABASE_URL", "postgres://u:FIXTURE0006@db/x"),
        ("npm_config_//registry.npmjs.org/:_authToken", "FIXTURE0007"),
    ];
    let run = |extra: &[&str]| {
        let mut c = cmd(&s, &srt);
        for (k, v) in secrets {
            c.env(k, v);
        }
        c.env("HARMLESS_SETTING", "visible-value");
        c.arg("run")
            .args(extra)
            .args(["--", "env"])
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let inside = stdout(&out);
    for (k, v) in secrets {
        assert!(!inside.contains(v), "{k} reached the sandbox:\n{inside}");
    }
    assert!(
        inside.contains("HARMLESS_SETTING=visible-value"),
        "{inside}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("withheld from the sandbox") && err.contains("GITHUB_TOKEN"),
        "{err}"
    );
    for (_, v) in secrets {
        assert!(!err.contains(v), "a value in the summary: {err}");
    }
    // On purpose, one at a time.
    let out = run(&["--pass-env", "NPM_TOKEN"]);
    assert!(
        stdout(&out).contains("NPM_TOKEN=npm_FIXTURE0003"),
        "{}",
        show(&out)
    );
    assert!(!stdout(&out).contains("ghp_FIXTURE0001"), "{}", show(&out));
    // Plain srt with the file init wrote withholds the catalog's fixed names too.
    let out = Command::new(&srt)
        .args(["--settings", ".srt.json", "--", "env"])
        .current_dir(&s.project)
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_TOKEN", "ghp_FIXTURE0001")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!stdout(&out).contains("ghp_FIXTURE0001"), "{}", show(&out));
}

/// 18.5: credential files outside the old list were readable: shell histories, build tools'
/// and databases' credential files, other agents' tokens, keyrings, browser profiles,
/// password managers, the project's own `.env` files.
#[test]
fn credential_files_are_unreadable() {
    let Some(srt) = common::srt("credential_files_are_unreadable") else {
        return;
    };
    let s = Sandbox::new();
    let home_files = [
        ".bash_history",
        ".zsh_history",
        ".local/share/fish/fish_history",
        ".python_history",
        ".psql_history",
        ".m2/settings.xml",
        ".gradle/gradle.properties",
        ".vault-token",
        ".config/pypoetry/auth.toml",
        ".local/share/uv/credentials/credentials.toml",
        ".pgpass",
        ".my.cnf",
        ".config/rclone/rclone.conf",
        ".docker/contexts/meta/abc/meta.json",
        ".codex/auth.json",
        ".gemini/oauth_creds.json",
        ".config/anthropic/credentials/default.json",
        ".local/share/opencode/auth.json",
        ".local/share/keyrings/login.keyring",
        ".mozilla/firefox/x.default/logins.json",
        ".config/google-chrome/Default/Cookies",
        ".config/op/config",
        ".config/Bitwarden CLI/data.json",
        ".config/sops/age/keys.txt",
    ];
    for (i, f) in home_files.iter().enumerate() {
        let p = s.home().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, format!("export GITHUB_TOKEN=SECRET-MARKER-H{i}\n")).unwrap();
    }
    let project_files = [".env", ".env.local", "sub/.env", "sub/deep/.env.production"];
    for (i, f) in project_files.iter().enumerate() {
        s.write(f, &format!("TOKEN=SECRET-MARKER-P{i}\n"));
    }
    s.write(".env.example", "TOKEN=EXAMPLE-MARKER\n");
    init(&s, &srt);
    let mut script = String::new();
    for f in home_files {
        script.push_str(&format!("cat \"$HOME/{f}\" 2>/dev/null; "));
    }
    for f in project_files {
        script.push_str(&format!("cat '{f}' 2>/dev/null; "));
    }
    script.push_str("cat .env.example; true");
    let out = cmd(&s, &srt)
        .args(["run", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let inside = stdout(&out);
    assert!(!inside.contains("SECRET-MARKER"), "read inside:\n{inside}");
    assert!(
        inside.contains("EXAMPLE-MARKER"),
        "a template must stay readable: {}",
        show(&out)
    );
    // `srt-gen remove dotenv` is the documented way to let the sandbox read them.
    let out = cmd(&s, &srt).args(["remove", "dotenv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = cmd(&s, &srt)
        .args(["run", "--", "cat", ".env", "sub/.env"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("SECRET-MARKER-P0"), "{}", show(&out));
    assert!(stdout(&out).contains("SECRET-MARKER-P2"), "{}", show(&out));
}

fn git_project(srt: &Path) -> Sandbox {
    let s = Sandbox::new();
    git(&s.project, &["init", "-q", "."]);
    git(
        &s.project,
        &[
            "-c",
            "user.email=a@b",
            "-c",
            "user.name=a",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "init",
        ],
    );
    init(&s, srt);
    s
}

/// 18.6: writing `.git/commondir` to point at a folder with its own config
/// (`core.fsmonitor`) ran code at the user's next `git status`; so did a new nested
/// repository with `core.fsmonitor`. Neither can be prevented without breaking git: the
/// run names them at its end, `--json` lists them, `--strict` fails the run.
#[test]
fn git_changes_that_run_code_later_are_named_at_the_end() {
    let Some(srt) = common::srt("git_changes_that_run_code_later_are_named_at_the_end") else {
        return;
    };
    let s = git_project(&srt);
    let attack = r#"mkdir -p .git/evil && ln -s ../objects .git/evil/objects && ln -s ../refs .git/evil/refs && ln -s ../HEAD .git/evil/HEAD
printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch /nonexistent-fsmonitor-ran; false"\n' > .git/evil/config
echo evil > .git/commondir
git init -q nested && git -C nested config core.fsmonitor 'touch /nonexistent-nested-ran; false'
mkdir -p .vscode-like && echo '{}' > tools.code-workspace"#;
    let out = cmd(&s, &srt)
        .args(["run", "--", "sh", "-c", attack])
        .output()
        .unwrap();
    let err = stderr(&out);
    for path in [
        "./.git/commondir",
        "./.git/evil/config",
        "./nested/.git",
        "./tools.code-workspace",
    ] {
        assert!(err.contains(path), "{path} not named: {}", show(&out));
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "the exit status stays the command's: {}",
        show(&out)
    );
    // `--json` lists them (the command's own stdout goes to stderr).
    let out = cmd(&s, &srt)
        .args([
            "run",
            "--json",
            "--",
            "sh",
            "-c",
            "echo hi; echo y > .git/info/attributes",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = v["review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["./.git/info/attributes"], "{v}");
    assert_eq!(v["exit"], 0);
    assert!(stderr(&out).contains("hi"), "{}", show(&out));
    // Undo the attack outside, then one more change under --strict.
    std::fs::remove_file(s.project.join(".git/commondir")).unwrap();
    let out = cmd(&s, &srt)
        .args([
            "run",
            "--strict",
            "--",
            "sh",
            "-c",
            "echo x > .git/info/attributes",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("./.git/info/attributes"),
        "{}",
        show(&out)
    );
    // A run that changes nothing of the kind says nothing.
    let out = cmd(&s, &srt)
        .args(["run", "--strict", "--", "sh", "-c", "echo fine > notes.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!stderr(&out).contains("review"), "{}", show(&out));
}

/// 18.6: a folder prepared where the review does not look (`node_modules`, skipped as a
/// dependency folder) and moved into place during the run kept its files' old change
/// times: `pkg/.vscode/tasks.json` ran at the next open of `pkg`, and nothing was named.
/// (The root's `.vscode` is write-protected, a placeholder when absent: the move fails.)
#[test]
fn a_folder_moved_in_from_a_dependency_folder_is_named() {
    let Some(srt) = common::srt("a_folder_moved_in_from_a_dependency_folder_is_named") else {
        return;
    };
    let s = git_project(&srt);
    s.write(
        "node_modules/p/.vscode/tasks.json",
        r#"{"version":"2.0.0","tasks":[{"label":"x","type":"shell","command":"touch /nonexistent-task-ran","runOptions":{"runOn":"folderOpen"}}]}"#,
    );
    s.write("node_modules/q/.envrc", "touch /nonexistent-envrc-ran\n");
    s.write("pkg/index.js", "");
    // Change times have the kernel clock's tick as granularity.
    std::thread::sleep(Duration::from_millis(50));
    let out = cmd(&s, &srt)
        .args([
            "run",
            "--json",
            "--",
            "sh",
            "-c",
            "mv node_modules/p/.vscode pkg/.vscode && mv node_modules/q web",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        s.project.join("pkg/.vscode/tasks.json").is_file(),
        "the move did not happen: {}",
        show(&out)
    );
    let err = stderr(&out);
    for path in ["./pkg/.vscode/tasks.json", "./web/.envrc"] {
        assert!(err.contains(path), "{path} not named: {}", show(&out));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = v["review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["./pkg/.vscode/tasks.json", "./web/.envrc"], "{v}");
}

/// 18.6: an in-tree hooks folder (`core.hooksPath=.husky`) was writable: a hook written
/// there ran at the user's next commit.
#[test]
fn the_hooks_folder_core_hooks_path_names_is_write_protected() {
    let Some(srt) = common::srt("the_hooks_folder_core_hooks_path_names_is_write_protected") else {
        return;
    };
    let s = git_project(&srt);
    std::fs::create_dir_all(s.project.join(".husky")).unwrap();
    git(&s.project, &["config", "core.hooksPath", ".husky"]);
    let out = cmd(&s, &srt)
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "printf '#!/bin/sh\\ntouch /tmp/x\\n' > .husky/pre-commit; echo rc=$?",
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("rc=1") || stdout(&out).contains("rc=2"),
        "{}",
        show(&out)
    );
    assert!(
        !s.project.join(".husky/pre-commit").exists(),
        "the hook was written"
    );
    assert!(
        stderr(&out).contains(".husky"),
        "the run says so: {}",
        show(&out)
    );
}

/// Live processes that are exactly `needle` (`sleep 3041`: the test's own command).
fn alive(needle: &str) -> Vec<String> {
    processes_with(needle)
        .into_iter()
        .filter(|c| c.trim_end() == needle)
        .collect()
}

fn wait_gone(needle: &str, within: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < within {
        if alive(needle).is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    alive(needle).is_empty()
}

/// A child process killed, with its process group, when the test is done with it.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// 18.7: killing srt-gen (SIGKILL) left srt and the command running under PID 1, with the
/// placeholders in place, and those were 0-byte files that broke the user's tools
/// meanwhile. Now the sandboxed tree dies within a second, the placeholders never break a
/// tool, and the next run cleans what the killed one left.
#[test]
fn no_sandbox_outlives_srt_gen() {
    let Some(srt) = common::srt("no_sandbox_outlives_srt_gen") else {
        return;
    };
    for (round, group) in [(0, false), (1, true)] {
        let s = git_project(&srt);
        let needle = format!("sleep 3{round}41");
        let started = s.project.join("started");
        let mut c = cmd(&s, &srt);
        c.args(["run", "--", "sh", "-c", &format!("touch started; {needle}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so that the test can kill it and its group.
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        let child = c.spawn().unwrap();
        // Killed (with its group) whatever an assertion below does.
        let mut child = Killed(child);
        wait_for(&started);
        // `touch started` ran; `sleep` is a moment behind it.
        let t = Instant::now();
        while alive(&needle).is_empty() && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(alive(&needle).len(), 1, "{:?}", alive(&needle));
        let target = if group {
            format!("-{}", child.0.id())
        } else {
            child.0.id().to_string()
        };
        Command::new("kill")
            .args(["-9", "--", &target])
            .status()
            .unwrap();
        let _ = child.0.wait();
        assert!(
            wait_gone(&needle, Duration::from_secs(1)),
            "the sandbox outlived srt-gen ({}): {:?}",
            if group {
                "its process group killed"
            } else {
                "srt-gen killed"
            },
            alive(&needle)
        );
        // The killed run's placeholders are still there; the next run removes them.
        assert!(s.project.join(".mcp.json").exists());
        let out = cmd(&s, &srt).args(["run", "--", "true"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        for name in [
            ".mcp.json",
            ".vscode",
            ".idea",
            ".bashrc",
            ".claude",
            ".srt-gen/fragments",
        ] {
            assert!(!s.project.join(name).exists(), "{name} left behind");
        }
    }
}

/// 18.7: while any run was active, its placeholders were 0-byte files that broke the
/// user's own tools (`claude` in that project: "MCP config is not valid JSON: .mcp.json";
/// `learn` elsewhere: "cannot list .srt-gen/fragments: Not a directory").
#[test]
fn placeholders_never_break_the_users_tools_meanwhile() {
    let Some(srt) = common::srt("placeholders_never_break_the_users_tools_meanwhile") else {
        return;
    };
    let s = git_project(&srt);
    let started = s.project.join("started");
    let mut c = cmd(&s, &srt);
    c.args([
        "run",
        "--",
        "sh",
        "-c",
        "touch started; while [ ! -e go ]; do sleep 0.05; done",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut c, 0);
    let mut child = Killed(c.spawn().unwrap());
    wait_for(&started);
    let mcp = std::fs::read_to_string(s.project.join(".mcp.json")).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&mcp).is_ok_and(|v| v["mcpServers"].is_object()),
        ".mcp.json is not valid JSON: {mcp:?}"
    );
    for dir in [".vscode", ".idea", ".srt-gen/fragments", ".claude/commands"] {
        assert!(s.project.join(dir).is_dir(), "{dir} is not a folder");
    }
    // srt-gen itself works in the project meanwhile (it lists .srt-gen/fragments).
    let out = cmd(&s, &srt).args(["explain"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    std::fs::write(s.project.join("go"), "").unwrap();
    assert_eq!(child.0.wait().unwrap().code(), Some(0));
    for name in [".mcp.json", ".vscode", ".srt-gen/fragments", ".claude"] {
        assert!(!s.project.join(name).exists(), "{name} left behind");
    }
}

/// Seen with srt 0.0.83: srt passes a high descriptor it inherited into the sandbox, writable: a
/// file srt-gen's caller had open (fd 20 here) was written from inside.
#[test]
fn no_descriptor_of_srt_gens_caller_reaches_the_sandbox() {
    let Some(srt) = common::srt("no_descriptor_of_srt_gens_caller_reaches_the_sandbox") else {
        return;
    };
    let s = Sandbox::new();
    init(&s, &srt);
    let target = s.home().join("outside-target.txt");
    std::fs::write(&target, "").unwrap();
    let out = Command::new("bash")
        .args([
            "-c",
            r#"exec 20>>"$T"; exec "$SRT_GEN" run -- bash -c 'echo ATTACK-FROM-INSIDE >&20; echo rc=$?'"#,
        ])
        .current_dir(&s.project)
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SRT_GEN_SRT", &srt)
        .env("T", &target)
        .env("SRT_GEN", env!("CARGO_BIN_EXE_srt-gen"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "",
        "{}",
        show(&out)
    );
}

/// 18.8: a file name with escape codes was printed raw (`ESC[8m` hid the "a file in the
/// repository chose these" line of the summary).
#[test]
fn names_from_the_repository_are_printed_escaped() {
    let s = Sandbox::new();
    let dir = "web\u{1b}[8m";
    s.write(&format!("{dir}/package.json"), "{\"name\":\"w\"}\n");
    s.write(
        &format!("{dir}/.npmrc"),
        "registry=https://npm.example.com/\n",
    );
    let out = s.run(&["init", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let err = stderr(&out);
    assert!(
        !err.contains('\u{1b}'),
        "a raw escape in the summary: {err:?}"
    );
    assert!(err.contains("web\\x1b[8m"), "{err}");
    assert!(
        err.contains("a file in the repository chose these"),
        "{err}"
    );
}

/// 18.8: a user's integer too big for f64 in `.srt.json` was rewritten as
/// `1.2345678901234568e+29`.
#[test]
fn numbers_the_user_wrote_survive_a_rewrite() {
    let s = Sandbox::new();
    s.write(
        ".srt.json",
        r#"{"network": {"allowedDomains": [], "deniedDomains": []},
 "filesystem": {"denyRead": [], "allowWrite": ["."], "denyWrite": []},
 "teamBuildNumber": 123456789012345678901234567890}
"#,
    );
    let out = s.run(&["init", "--no-justfile"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = s.read(".srt.json");
    assert!(
        text.contains("\"teamBuildNumber\": 123456789012345678901234567890"),
        "{text}"
    );
}
