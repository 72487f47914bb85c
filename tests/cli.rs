//! The command-line conventions (issue 17): hints for the usual mistakes, long forms and
//! `-C` checked, one error style and the README's exit codes, `-q`/`-v`, colour,
//! completions and the man page, `--dry-run`'s diff, what summaries say.

mod common;

use std::process::Command;

use common::{show, Sandbox};

fn stderr(s: &Sandbox, out: &std::process::Output) -> String {
    s.clean(&out.stderr)
}

#[test]
fn a_command_without_dashes_gets_the_line_to_write() {
    let s = Sandbox::fixture("rust-workspace");
    let out = s.run(&["run", "cargo", "fetch", "--locked"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&s, &out);
    assert!(
        err.starts_with("error: unexpected argument 'cargo' found"),
        "{err}"
    );
    assert!(
        err.contains("tip: to run a command in the sandbox, put `--` before it: `srt-gen run -- cargo fetch --locked`"),
        "{err}"
    );
    // srt-gen's own flags stay before `--`.
    let out = s.run(&["learn", "--apply", "npm", "install"]);
    assert!(
        stderr(&s, &out).contains("`srt-gen learn --apply -- npm install`"),
        "{}",
        show(&out)
    );
    // Without `run` at all.
    let out = s.run(&["cargo", "fetch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&s, &out)
            .contains("tip: to run a command in the sandbox: `srt-gen run -- cargo fetch`"),
        "{}",
        show(&out)
    );
    // The flag that changed its name says so.
    let out = s.run(&["run", "--force", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&s, &out).contains("`--allow-errors`"),
        "{}",
        show(&out)
    );
}

#[test]
fn dash_c_has_a_long_form_and_must_be_a_folder() {
    let s = Sandbox::fixture("npm-app");
    let out = s.run(&["-C", "nope", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&s, &out);
    assert!(
        err.contains("error: -C nope: [PROJECT]/nope does not exist"),
        "{err}"
    );
    assert!(err.contains("tip: "), "{err}");
    assert!(out.stdout.is_empty());
    s.write("file.txt", "x");
    let out = s.run(&["--directory", "file.txt", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&s, &out).contains("is not a folder"));
    std::fs::create_dir(s.project.join("sub")).unwrap();
    let out = s.run(&["list", "--directory", "sub"]);
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn exit_codes_follow_the_readme() {
    let s = Sandbox::new();
    s.write("file.txt", "x");
    for (args, code) in [
        (&["init", "nope"][..], 2),
        (&["init", "file.txt"], 2),
        (&["add"], 2),
        (&["add", "not-a-fragment"], 2),
        (&["explain", "rust"], 0),
        (&["explain"], 2),
        (&["check", "nope.json"], 2),
        (&["--version"], 0),
        (&["man", "nope"], 2),
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", show(&out));
        if code == 2 {
            let err = stderr(&s, &out);
            assert!(err.starts_with("error: "), "{args:?}: {err}");
            assert!(
                err.contains("\n  tip: "),
                "{args:?}: every usage error says the fix: {err}"
            );
        }
    }
    // clap's own: the same `error:` and exit 2, with the values to choose from.
    let out = s.run(&["--color", "sometimes", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&s, &out);
    assert!(err.starts_with("error: invalid value 'sometimes'"), "{err}");
    assert!(
        err.contains("[possible values: auto, always, never]"),
        "{err}"
    );
}

#[test]
fn check_of_a_folder_writes_nothing_and_says_so() {
    let s = Sandbox::new();
    let out = s.run(&["check", "/etc"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&s, &out);
    assert!(
        err.contains("/etc is a folder, not a settings file"),
        "{err}"
    );
    assert!(!err.contains("write"), "check writes nothing: {err}");
}

#[test]
fn quiet_and_verbose() {
    let s = Sandbox::fixture("rust-workspace");
    let out = s.run(&["init", "-q"]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", show(&out));
    assert!(out.stdout.is_empty());
    // Errors still show.
    let out = s.run(&["--quiet", "add", "nope-not-a-fragment"]);
    assert!(stderr(&s, &out).starts_with("error: "));
    let out = s.run(&["add", "-v", "context7"]);
    let err = stderr(&s, &out);
    assert!(err.contains("paths writable, added:"), "{err}");
    // -v lists the protections a normal run only counts.
    let t = Sandbox::fixture("npm-app");
    let normal = stderr(&t, &t.run(&["init", "--dry-run"]));
    let verbose = stderr(&t, &t.run(&["init", "--dry-run", "--verbose"]));
    assert!(
        normal.contains("paths protected, added: ") && normal.contains(" unreadable, "),
        "{normal}"
    );
    assert!(
        verbose.contains("paths unreadable, added:\n    base"),
        "{verbose}"
    );
    assert!(verbose.contains("~/.ssh"), "{verbose}");
    let out = s.run(&["-q", "-v", "list"]);
    assert_eq!(out.status.code(), Some(2), "-q and -v conflict");
}

#[test]
fn colour_follows_color_and_no_color() {
    let s = Sandbox::new();
    let esc = |out: &std::process::Output| out.stderr.contains(&0x1b);
    let run = |args: &[&str], vars: &[(&str, &str)]| {
        let mut c = s.cmd();
        c.args(args);
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let bad = ["add", "nope-not-a-fragment"];
    assert!(!esc(&run(&bad, &[])), "no terminal: no colour");
    let mut always = vec!["--color", "always"];
    always.extend(bad);
    let out = run(&always, &[]);
    assert!(esc(&out), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\u{1b}[1m\u{1b}[31merror:"));
    assert!(
        esc(&run(&always, &[("NO_COLOR", "1")])),
        "--color always wins"
    );
    assert!(esc(&run(&bad, &[("CLICOLOR_FORCE", "1")])));
    assert!(!esc(&run(
        &bad,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    let mut never = vec!["--color=never"];
    never.extend(bad);
    assert!(!esc(&run(&never, &[("CLICOLOR_FORCE", "1")])));
    // clap's own errors follow --color too.
    assert!(esc(&run(&["--color", "always", "--no-such-flag"], &[])));
    assert!(!esc(&run(
        &["--color", "never", "--no-such-flag"],
        &[("CLICOLOR_FORCE", "1")]
    )));
}

#[test]
fn completions_and_the_man_page() {
    let s = Sandbox::new();
    for (shell, needle) in [
        ("bash", "_srt__gen()"),
        ("zsh", "#compdef srt-gen"),
        ("fish", "complete -c srt-gen"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "srt-gen"),
    ] {
        let out = s.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", show(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(needle), "{shell}: {text}");
        assert!(
            text.contains("directory") && text.contains("claude-settings"),
            "{shell}"
        );
    }
    let out = s.run(&["completions", "bash"]);
    let check = Command::new("bash")
        .args(["-n", "-c", &String::from_utf8(out.stdout).unwrap()])
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", show(&check));

    let out = s.run(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH srt-gen 1"), "{page}");
    assert!(page.contains("\\-\\-directory"));
    assert!(
        page.contains("claude\\-settings"),
        "the page lists the commands"
    );
    let out = s.run(&["man", "run"]);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH srt-gen-run 1"), "{page}");
    assert!(page.contains("allow\\-errors"), "{page}");
}

#[test]
fn help_has_a_long_form_for_every_short_flag() {
    let s = Sandbox::new();
    let mut cmds = vec![vec![]];
    for c in [
        "init",
        "check",
        "add",
        "remove",
        "list",
        "explain",
        "run",
        "doctor",
        "learn",
        "ci",
        "claude-settings",
        "completions",
        "man",
    ] {
        cmds.push(vec![c]);
    }
    cmds.push(vec!["ci", "github"]);
    for c in cmds {
        let mut args = c.clone();
        args.push("--help");
        let out = s.run(&args);
        assert!(out.status.success(), "{c:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        for line in help.lines() {
            let t = line.trim_start();
            // `-x, --long` or `-x` alone.
            let b = t.as_bytes();
            if b.len() > 2 && b[0] == b'-' && b[1].is_ascii_alphabetic() {
                assert!(
                    t[2..].starts_with(", --"),
                    "{c:?}: a short flag without a long form: {line}"
                );
            }
        }
    }
}

#[test]
fn dry_run_shows_the_change_and_full_the_files() {
    let s = Sandbox::fixture("rust-workspace");
    assert!(s.run(&["init"]).status.success());
    let before = s.read(".srt.json");
    let out = s.run(&["add", "--dry-run", "context7"]);
    assert!(out.status.success(), "{}", show(&out));
    let diff = s.clean(&out.stdout);
    assert!(
        diff.starts_with("--- [PROJECT]/.srt.json\n+++ [PROJECT]/.srt.json\n@@ "),
        "{diff}"
    );
    assert!(diff.contains("\n+      \"context7.com\",\n"), "{diff}");
    assert!(
        diff.lines().count() < before.lines().count(),
        "a diff, not the whole file: {diff}"
    );
    assert_eq!(s.read(".srt.json"), before, "nothing written");
    let out = s.run(&["add", "--dry-run", "--full", "context7"]);
    let full = s.clean(&out.stdout);
    assert!(
        full.starts_with("==> [PROJECT]/.srt.json <==\n{\n"),
        "{full}"
    );
    let out = s.run(&["add", "--full", "context7"]);
    assert_eq!(out.status.code(), Some(2), "--full needs --dry-run");
    // A change that changes nothing has no diff.
    let out = s.run(&["init", "--dry-run"]);
    assert!(out.stdout.is_empty(), "{}", show(&out));
}

#[test]
fn summaries_list_what_was_added_by_origin_and_the_next_command() {
    let s = Sandbox::fixture("justfile-with-ai");
    let out = s.run(&["init"]);
    assert!(out.status.success(), "{}", show(&out));
    let err = stderr(&s, &out);
    assert!(err.contains("hosts allowed, added:\n    claude"), "{err}");
    assert!(err.contains("next: `srt-gen run -- COMMAND`"), "{err}");
    // The user's own `ai` recipe stays theirs: only `ai-auto` is named.
    assert!(err.contains("(recipe `ai-auto`)"), "{err}");
    assert!(!err.contains("`ai`,"), "{err}");
}

#[test]
fn add_on_a_hand_written_policy_brings_the_base() {
    let s = Sandbox::new();
    s.write(
        ".srt.json",
        r#"{"network": {"allowedDomains": ["example.com"], "deniedDomains": []},
            "filesystem": {"denyRead": [], "allowWrite": ["."], "denyWrite": []}}"#,
    );
    let out = s.run(&["add", "context7"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stderr(&s, &out).contains("added base as well"),
        "{}",
        show(&out)
    );
    let v: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(v["srtGen"]["fragments"]["base"]["why"], "base");
    let deny: Vec<&str> = v["filesystem"]["denyRead"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x.as_str())
        .collect();
    assert!(deny.contains(&"~/.ssh"), "{deny:?}");
    assert!(v["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .contains(&"example.com".into()));
}

#[test]
fn explain_shows_what_a_fragment_would_allow() {
    let s = Sandbox::new();
    let out = s.run(&["explain", "rust"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("rust: "), "{text}");
    assert!(
        text.contains("`srt-gen add rust` adds what follows"),
        "{text}"
    );
    assert!(
        text.contains("hosts it allows (linux):\n    index.crates.io"),
        "{text}"
    );
    assert!(text.contains("~/.cargo/registry"), "{text}");
}

#[test]
fn run_dry_run_needs_no_srt() {
    let s = Sandbox::fixture("npm-app");
    assert!(s.run(&["init"]).status.success());
    let empty = s.home().join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = s
        .cmd()
        .env("PATH", &empty)
        .args(["run", "--dry-run", "--", "npm", "install"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let text = s.clean(&out.stdout);
    assert!(
        text.contains("\nsrt         not found: srt (Anthropic's Sandbox Runtime) was not found"),
        "{text}"
    );
    assert!(
        text.contains("npm install -g @anthropic-ai/sandbox-runtime@0.0.83"),
        "{text}"
    );
    assert!(text.contains("\ncommand     cd [PROJECT] && "), "{text}");
    assert!(text.contains(" -- npm install"), "{text}");
    // A real run still needs it.
    let out = s
        .cmd()
        .env("PATH", &empty)
        .args(["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", show(&out));
}

#[test]
fn check_gives_line_and_column() {
    let s = Sandbox::new();
    s.write(
        "p.json",
        "{\n  \"network\": {\"allowedDomains\": [], \"deniedDomains\": []},\n  \"filesystem\": {\"denyRead\": [], \"allowWrite\": [\"~\"], \"denyWrite\": []}\n}\n",
    );
    let out = s.run(&["check", "p.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("p.json:3:49: error: filesystem.allowWrite[0]: "),
        "{text}"
    );
}

#[test]
fn positions_are_one_based() {
    let s = Sandbox::fixture("npm-app");
    // serde_json reports an error at the end of a line as column 0.
    s.write(".srt.json", "{\n");
    let out = s.run(&["init"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&s, &out);
    assert!(err.contains("[PROJECT]/.srt.json:2:1: "), "{err}");
}
