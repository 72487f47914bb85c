//! `srt-gen run` and `srt-gen doctor` without the real sandbox: a stand-in `srt` records
//! how it was started and runs what follows `--`, and PATH holds only what each test
//! puts there. The real sandbox is exercised by tests/e2e.rs.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{interrupt, processes_with, Sandbox};

/// Records its working directory, arguments, CLAUDE_CODE_TMPDIR and the policy it was given
/// on descriptor 3, then does what srt does with a command: runs what follows `--`, as its
/// child (srt-gen starts srt as pid 1 of a PID namespace of its own, and a pid 1 ignores
/// the signals it has no handler for, as a plain `exec` would make the command).
const FAKE_SRT: &str = r#"#!/bin/sh
cat /dev/fd/3 > "$HOME/srt-policy" 2>/dev/null
printf '%s\n' "$PWD" > "$HOME/srt-cwd"
printf '%s\n' "$CLAUDE_CODE_TMPDIR" > "$HOME/srt-tmpdir"
for a in "$@"; do printf '%s\n' "$a"; done > "$HOME/srt-args"
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
"$@"
"#;

/// What srt itself does with a settings file it refuses.
const FAILING_SRT: &str = "#!/bin/sh\necho 'Error: settings are not valid' >&2\nexit 1\n";

fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A project with a settings file that names folders under the home and a file, a
/// `.git` folder, and a bin folder with a stand-in srt and stand-ins for the tools.
fn project(srt: &str, tools: &[&str]) -> (Sandbox, PathBuf) {
    let s = Sandbox::new();
    // Hand-written, with the floor (srt-gen's base credential denies) that every policy
    // `run` takes must keep.
    let deny_read = serde_json::to_string(&s.floor_deny_read()).unwrap();
    s.write(
        ".srt.json",
        &r#"{
  "network": { "allowedDomains": ["index.crates.io"], "deniedDomains": [] },
  "filesystem": {
    "denyRead": DENY_READ,
    "allowWrite": [".", "./.srt-gen/tmp", "~/.cargo/registry", "~/.tool-state.json", "/nonexistent-srt-gen-test/cache"],
    "denyWrite": ["./.srt.json", "./justfile", "./.srt-gen/fragments", "./.claude/settings.json", "./.claude/settings.local.json", "./.srt-gen/learn"]
  }
}
"#
        .replace("DENY_READ", &deny_read),
    );
    s.write("justfile", "build:\n    cargo build\n");
    std::fs::create_dir_all(s.project.join(".git")).unwrap();
    std::fs::create_dir_all(s.project.join("src/deep")).unwrap();
    let bin = s.home().join("bin");
    write_exe(&bin.join("srt"), srt);
    for t in tools {
        write_exe(&bin.join(t), "#!/bin/sh\nexit 0\n");
    }
    (s, bin)
}

const TOOLS: [&str; 4] = ["bwrap", "socat", "rg", "which"];

/// One check of `doctor --json`'s output, by name.
fn doctor_check(v: &serde_json::Value, name: &str) -> serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {v}"))
        .clone()
}

/// srt-gen with PATH = the test's bin folder and the folders that hold `sh` and `sleep`.
fn cmd(s: &Sandbox, bin: &Path) -> Command {
    let mut c = s.cmd();
    c.env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    c
}

fn clean(s: &Sandbox, out: &[u8]) -> String {
    // The agent's state folder is named after a hash of the (temporary) project path.
    let text = s.clean(out);
    let mut text = text;
    while let Some(i) = text.find("/projects/project-") {
        let at = i + "/projects/project-".len();
        let hex = text[at..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        if hex == 0 {
            break;
        }
        text = format!("{}[STATE]{}", &text[..i], &text[at + hex..]);
    }
    // The start marker is named after srt-gen's process id.
    let re_start = text.find(".srt-gen-run-");
    match re_start {
        None => text,
        Some(i) => {
            let digits = text[i + 13..]
                .chars()
                .take_while(char::is_ascii_digit)
                .count();
            format!("{}[PID]{}", &text[..i + 13], &text[i + 13 + digits..])
        }
    }
}

#[test]
fn dry_run_shows_the_preflight_and_the_agents_command_line_and_does_nothing() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    let out = cmd(&s, &bin)
        .args(["run", "--dry-run", "-p", "Build and test the project"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", s.clean(&out.stderr));
    snap!("run_dry_run_agent", clean(&s, &out.stdout));
    assert!(
        !s.home().join(".cargo").exists(),
        "dry run created a folder"
    );
    assert!(
        !s.project.join(".srt-gen").exists(),
        "dry run created the temp folder"
    );
    assert!(!s.project.join(".git/info/exclude").exists());
    assert!(!s.home().join("srt-args").exists(), "dry run started srt");
}

#[test]
fn run_starts_srt_in_the_root_and_the_command_in_the_users_folder() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    let odd = [
        "it's",
        "two words",
        "$HOME",
        "",
        "-d",
        "--version",
        "a\nb",
        "*",
    ];
    let out = cmd(&s, &bin)
        .current_dir(s.project.join("src/deep"))
        .args([
            "run",
            "--",
            "sh",
            "-c",
            r#"pwd > "$HOME/cmd-pwd"; for a in "$@"; do printf '<%s>' "$a"; done; exit 7"#,
            "sh",
        ])
        .args(odd)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", s.clean(&out.stderr));
    let root = s.project.canonicalize().unwrap();
    assert_eq!(
        std::fs::read_to_string(s.home().join("srt-cwd"))
            .unwrap()
            .trim(),
        root.display().to_string()
    );
    assert_eq!(
        std::fs::read_to_string(s.home().join("cmd-pwd"))
            .unwrap()
            .trim(),
        root.join("src/deep").display().to_string()
    );
    // Every argument arrives as it was given.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "<it's><two words><$HOME><><-d><--version><a\nb><*>"
    );
    // srt gets the run policy on a pipe, and `--` before the command.
    let args = std::fs::read_to_string(s.home().join("srt-args")).unwrap();
    let first: Vec<&str> = args.lines().take(3).collect();
    assert_eq!(first, vec!["--settings", "/dev/fd/3", "--"]);
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.home().join("srt-policy")).unwrap())
            .unwrap();
    let file: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    // As the file has it, plus the git step's protection of `.git/config.worktree`
    // (issue 18.6; the file's floor is complete).
    let mut want = file["filesystem"].clone();
    want["denyWrite"]
        .as_array_mut()
        .unwrap()
        .push("./.git/config.worktree".into());
    assert_eq!(policy["filesystem"], want);
    assert_eq!(policy["network"], file["network"]);
    // The per-project temp folder exists and is the sandbox's.
    let tmp = root.join(".srt-gen/tmp");
    assert!(tmp.is_dir());
    assert_eq!(
        std::fs::read_to_string(s.home().join("srt-tmpdir"))
            .unwrap()
            .trim(),
        tmp.display().to_string()
    );
    // Folders under the home are created; a file and a path elsewhere are not.
    assert!(s.home().join(".cargo/registry").is_dir());
    assert!(!s.home().join(".tool-state.json").exists());
    assert!(!Path::new("/nonexistent-srt-gen-test").exists());
    let err = s.clean(&out.stderr);
    assert!(err.contains("created [HOME]/.cargo/registry"), "{err}");
    assert!(
        err.contains("`/nonexistent-srt-gen-test/cache` is absent, and outside"),
        "{err}"
    );
    // The placeholders srt mounts are excluded from git, the real files are not.
    let exclude = s.read(".git/info/exclude");
    assert!(
        exclude.contains("\n/.bashrc\n") && exclude.contains("\n/.vscode\n"),
        "{exclude}"
    );
    assert!(exclude.contains("\n/.claude/commands\n"), "{exclude}");
    assert!(
        !exclude.contains("/justfile") && !exclude.contains("/.srt.json"),
        "{exclude}"
    );
    // A second run leaves the file as it is.
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(s.read(".git/info/exclude"), exclude);
}

#[test]
fn exclude_keeps_the_users_lines_and_follows_a_subproject() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    // The project is a folder inside a larger repository.
    let repo = s.project.parent().unwrap().to_path_buf();
    std::fs::rename(s.project.join(".git"), repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    std::fs::write(repo.join(".git/info/exclude"), "*.log\n").unwrap();
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", s.clean(&out.stderr));
    let exclude = std::fs::read_to_string(repo.join(".git/info/exclude")).unwrap();
    assert!(exclude.starts_with("*.log\n# >>> srt-gen run"), "{exclude}");
    assert!(exclude.contains("\n/project/.bashrc\n"), "{exclude}");
    std::fs::remove_dir_all(repo.join(".git")).unwrap();
}

#[test]
fn srts_own_failure_gets_srt_gens_message() {
    let (s, bin) = project(FAILING_SRT, &TOOLS);
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = s.clean(&out.stderr);
    assert!(err.contains("Error: settings are not valid"), "{err}");
    assert!(
        err.contains("error: srt did not start the command (srt exited 1"),
        "{err}"
    );
    assert!(err.contains("srt-gen doctor"), "{err}");
}

#[test]
fn a_command_exiting_1_is_not_taken_for_srt_failing() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    let out = cmd(&s, &bin)
        .args(["run", "--", "sh", "-c", "exit 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !s.clean(&out.stderr).contains("error"),
        "{}",
        s.clean(&out.stderr)
    );
}

#[test]
fn missing_srt_says_how_to_install_it() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    std::fs::remove_file(bin.join("srt")).unwrap();
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    snap!("run_srt_missing", s.clean(&out.stderr));
    // The project's own node_modules/.bin is never looked in (issue 18: a sandboxed run can
    // write it, and srt runs on the host), nor is a PATH folder inside the project, and
    // naming a copy there is refused.
    let planted = format!("#!/bin/sh\ntouch \"$HOME/planted-ran\"\n{FAKE_SRT}");
    write_exe(&s.project.join("node_modules/.bin/srt"), &planted);
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", s.clean(&out.stderr));
    let out = cmd(&s, &bin)
        .env(
            "PATH",
            format!(
                "{}:{}:/usr/bin:/bin",
                s.project.join("node_modules/.bin").display(),
                bin.display()
            ),
        )
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", s.clean(&out.stderr));
    assert!(
        s.clean(&out.stderr)
            .contains("which a sandboxed run can write"),
        "{}",
        s.clean(&out.stderr)
    );
    let out = cmd(&s, &bin)
        .env("SRT_GEN_SRT", s.project.join("node_modules/.bin/srt"))
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", s.clean(&out.stderr));
    assert!(
        !s.home().join("planted-ran").exists(),
        "the planted srt ran"
    );
    // SRT_GEN_SRT names one that does not exist: an error, not a fallback.
    let out = cmd(&s, &bin)
        .env("SRT_GEN_SRT", "/nonexistent/srt")
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(s
        .clean(&out.stderr)
        .contains("SRT_GEN_SRT names /nonexistent/srt"));
}

#[test]
fn missing_tools_are_named_with_their_packages() {
    let (s, bin) = project(FAKE_SRT, &["which", "socat"]);
    // PATH without /usr/bin, where this machine's real bwrap and rg may be.
    let out = s
        .cmd()
        .env("PATH", bin.display().to_string())
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    snap!("run_tools_missing", s.clean(&out.stderr));
}

#[test]
fn usage_errors() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    let out = cmd(&s, &bin)
        .args(["run", "-p", "x", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_file(s.project.join(".srt.json")).unwrap();
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = s.clean(&out.stderr);
    assert!(
        err.contains(
            "error: no .srt.json in [PROJECT] or any folder above it in this project\n\n  tip: run `srt-gen init`"
        ),
        "{err}"
    );
}

#[test]
fn a_bad_config_is_refused_before_srt_starts() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    s.write(
        ".srt.json",
        "{\n  \"network\": {\"allowedDomains\": [\"https://x.com/\"], \"deniedDomains\": []},\n  \"filesystem\": {\"denyRead\": [], \"allowWrite\": [], \"denyWrite\": []}\n}\n",
    );
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!s.home().join("srt-args").exists());
    snap!("run_bad_config", s.clean(&out.stderr));
    s.write(
        ".srt.json",
        "{\"network\": {\"allowedDomains\": [], \"deniedDomains\": []}}\n",
    );
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(s
        .clean(&out.stderr)
        .contains("filesystem.denyRead is missing"));
}

#[test]
fn a_policy_with_lint_errors_runs_only_with_allow_errors() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    let weak = s.read(".srt.json").replace(
        r#""~/.cargo/registry","#,
        r#""~/.cargo/registry", "~/.bashrc","#,
    );
    s.write(".srt.json", &weak);
    let out = cmd(&s, &bin).args(["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = s.clean(&out.stderr);
    assert!(
        err.contains("problem that make the sandbox weaker than it looks"),
        "{err}"
    );
    assert!(err.contains("filesystem.allowWrite[3]"), "{err}");
    assert!(err.contains("pass --allow-errors to run anyway"), "{err}");
    assert!(!s.home().join("srt-args").exists(), "srt must not start");
    let out = cmd(&s, &bin)
        .args(["run", "--allow-errors", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", s.clean(&out.stderr));
    // doctor judges the policy as run does: a failed check, with the finding.
    let out = cmd(&s, &bin).args(["doctor", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let config = doctor_check(&v, "config");
    assert_eq!(config["status"], "fail", "{config}");
    assert!(
        config["detail"]
            .as_str()
            .is_some_and(|d| d.contains("filesystem.allowWrite[3]")),
        "{config}"
    );
}

#[test]
fn signals_end_the_command_and_give_128_plus_n() {
    for (sig, code, secs) in [(2, 130, "3121"), (15, 143, "3122"), (1, 129, "3123")] {
        let (s, bin) = project(FAKE_SRT, &TOOLS);
        let started = s.project.join("started");
        let mut c = cmd(&s, &bin);
        c.args([
            "run",
            "--",
            "sh",
            "-c",
            &format!("touch started; sleep {secs}; echo survived > after"),
        ]);
        assert_eq!(interrupt(c, &started, sig), Some(code), "signal {sig}");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            processes_with(&format!("sleep {secs}")),
            Vec::<String>::new(),
            "signal {sig}"
        );
        assert!(!s.project.join("after").exists());
    }
}

#[test]
fn doctor_names_every_missing_piece_with_its_fix() {
    let s = Sandbox::new();
    let empty = s.home().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = s
        .cmd()
        .env("PATH", empty.display().to_string())
        // strace is looked for in the system folders, not on PATH: none here either.
        .env("SRT_GEN_STRACE", empty.join("strace").display().to_string())
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    snap!("doctor_bare_machine", s.clean(&out.stdout));
    let out = s
        .cmd()
        .env("PATH", empty.display().to_string())
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let srt = doctor_check(&v, "srt");
    assert_eq!(srt["status"], "fail");
    assert!(srt["fix"]
        .as_str()
        .unwrap()
        .contains("npm install -g @anthropic-ai/sandbox-runtime@0.0.83"));
}

#[test]
fn doctor_checks_the_projects_policy() {
    let (s, bin) = project(FAKE_SRT, &TOOLS);
    let out = cmd(&s, &bin).args(["doctor", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |n: &str| doctor_check(&v, n);
    assert_eq!(by_name("config")["status"], "ok");
    let w = by_name("write-paths");
    assert_eq!(w["status"], "fail", "{w}");
    assert!(
        w["fix"]
            .as_str()
            .unwrap()
            .contains("mkdir -p /nonexistent-srt-gen-test/cache"),
        "{w}"
    );
    assert_eq!(by_name("tmp")["status"], "warn");
    // The stand-in srt is a shell script: Node is not asked for.
    assert_eq!(by_name("node")["status"], "skip", "{}", by_name("node"));
    assert_eq!(out.status.code(), Some(1));
}

/// The agent's private home is the sandbox's to write: a link left in place of the folder
/// the agent keeps its files in (`.gemini` below GEMINI_CLI_HOME) is removed at the next
/// launch, not followed, and does not stop it. Before, the launch failed on it ("cannot
/// write"), every time.
#[test]
fn a_link_left_in_the_agents_private_home_is_replaced_not_followed() {
    let s = Sandbox::new();
    assert!(s.run(&["init", "--agent", "gemini"]).status.success());
    std::fs::create_dir_all(s.home().join(".gemini")).unwrap();
    std::fs::write(s.home().join(".gemini/settings.json"), "{\"ui\": {}}\n").unwrap();
    let bin = s.home().join("bin");
    write_exe(&bin.join("srt"), FAKE_SRT);
    for t in TOOLS.iter().chain(&["gemini"]) {
        write_exe(&bin.join(t), "#!/bin/sh\nexit 0\n");
    }
    let launch = || {
        cmd(&s, &bin)
            .env("GEMINI_API_KEY", "g")
            .args(["run", "-p", "x"])
            .output()
            .unwrap()
    };
    let out = launch();
    assert_eq!(out.status.code(), Some(0), "{}", s.clean(&out.stderr));
    fn find(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if e.file_name() == name {
                    out.push(p.clone());
                }
                find(&p, name, out);
            }
        }
    }
    let mut private = Vec::new();
    find(
        &s.home().join(".local/state/srt-gen"),
        ".gemini",
        &mut private,
    );
    assert_eq!(private.len(), 1, "{private:?}");
    let private = &private[0];
    assert!(private.join("settings.json").is_file());
    // What a sandboxed process could leave there.
    let elsewhere = s.home().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::remove_dir_all(private).unwrap();
    std::os::unix::fs::symlink(&elsewhere, private).unwrap();
    let out = launch();
    assert_eq!(out.status.code(), Some(0), "{}", s.clean(&out.stderr));
    let m = std::fs::symlink_metadata(private).unwrap();
    assert!(m.is_dir(), "the link is still there");
    assert!(private.join("settings.json").is_file());
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "written through the link"
    );
}
