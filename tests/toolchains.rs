//! Toolchains the project pins (issue 14.2), from the outside of a run: a hostile value in
//! a pin file reaches no installer, `--no-install-toolchains` says no, and `--dry-run`
//! shows the exact command. The installs themselves are proven by the matrix rows
//! `rust-toolchain` and `corepack-pnpm` (real rustup, real corepack).

mod common;

use common::{show, Sandbox};

fn rustup_dir() -> Option<std::path::PathBuf> {
    common::which("rustup").map(|p| p.parent().unwrap().to_path_buf())
}

fn project(toolchain: &str) -> Sandbox {
    project_with("rust-toolchain.toml", toolchain)
}

fn project_with(file: &str, toolchain: &str) -> Sandbox {
    let s = Sandbox::new();
    s.write(
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    s.write("src/lib.rs", "");
    s.write(file, toolchain);
    s
}

fn cmd(s: &Sandbox, srt: &std::path::Path, rustup: &std::path::Path) -> std::process::Command {
    let mut c = s.cmd();
    c.env(
        "PATH",
        format!("{}:/usr/local/bin:/usr/bin:/bin", rustup.display()),
    )
    .env("SRT_GEN_SRT", srt);
    c
}

#[test]
fn a_hostile_pin_reaches_no_installer() {
    let Some(srt) = common::srt("a_hostile_pin_reaches_no_installer") else {
        return;
    };
    let Some(rustup) = rustup_dir() else {
        panic!("rustup is not on PATH");
    };
    for (file, bad) in [
        (
            "rust-toolchain.toml",
            "[toolchain]\nchannel = \"https://evil.example/rust.tar.gz\"\n",
        ),
        (
            "rust-toolchain.toml",
            "[toolchain]\nchannel = \"stable\"\ncomponents = [\"--force\"]\n",
        ),
        ("rust-toolchain.toml", "[toolchain]\npath = \"/tmp/evil\"\n"),
        ("rust-toolchain", "stable --no-self-update=false\n"),
    ] {
        let s = project_with(file, bad);
        let out = cmd(&s, &srt, &rustup)
            .args(["init", "--no-justfile", "--no-agent"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
        let out = cmd(&s, &srt, &rustup)
            .args(["run", "--dry-run", "--", "true"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("toolchain   {file}:"))
                && text.contains("no toolchain installed"),
            "{bad}: {}",
            show(&out)
        );
        assert!(!text.contains("rustup toolchain install"), "{bad}: {text}");
        // Nothing was installed: the test's home has no RUSTUP_HOME at all.
        assert!(!s.home().join(".rustup").exists());
    }
}

#[test]
fn a_pin_is_shown_and_no_means_no() {
    let Some(srt) = common::srt("a_pin_is_shown_and_no_means_no") else {
        return;
    };
    let Some(rustup) = rustup_dir() else {
        panic!("rustup is not on PATH");
    };
    let s = project(
        "[toolchain]\nchannel = \"1.80.0\"\nprofile = \"minimal\"\ncomponents = [\"rustfmt\"]\n",
    );
    let out = cmd(&s, &srt, &rustup)
        .args(["init", "--no-justfile", "--no-agent"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let out = cmd(&s, &srt, &rustup)
        .args(["run", "--dry-run", "--", "true"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("toolchain   Rust 1.80.0 with rustfmt (rust-toolchain.toml): ")
            && text.contains(
                " toolchain install 1.80.0 --profile minimal --component rustfmt --no-self-update"
            ),
        "{}",
        show(&out)
    );
    let out = cmd(&s, &srt, &rustup)
        .args(["run", "--no-install-toolchains", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not installing Rust 1.80.0 with rustfmt (rust-toolchain.toml) (--no-install-toolchains)"),
        "{}",
        show(&out)
    );
    assert!(!s.home().join(".rustup").exists(), "rustup ran");
    // `learn` runs the command as `run` does: the pin is taken up there too (before, learn
    // planned it and went on without a word, so the command failed for want of it).
    let out = cmd(&s, &srt, &rustup)
        .args(["learn", "--no-install-toolchains", "--", "true"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("srt-gen learn: toolchain: not installing Rust 1.80.0 with rustfmt (rust-toolchain.toml) (--no-install-toolchains)"),
        "{}",
        show(&out)
    );
    assert!(!s.home().join(".rustup").exists(), "rustup ran");
}

/// A `rustup` the sandbox put in the project, on a PATH that names the project's folder,
/// never runs outside: the installers are found on the PATH srt gets (it ran at the plan,
/// `rustup toolchain list`, even with `--dry-run --no-install-toolchains`).
#[test]
fn an_installer_in_the_project_never_runs() {
    let Some(srt) = common::srt("an_installer_in_the_project_never_runs") else {
        return;
    };
    let s = project("[toolchain]\nchannel = \"1.80.0\"\n");
    let ran = s.project.join("planted-ran");
    // rustup is asked which toolchains it has only when its home exists.
    std::fs::create_dir_all(s.home().join(".rustup/toolchains")).unwrap();
    let bin = s.project.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("rustup");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$@\" >> {}\nexit 0\n", ran.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = cmd(&s, &srt, &bin)
        .args(["init", "--no-justfile", "--no-agent"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let out = cmd(&s, &srt, &bin)
        .args(["run", "--dry-run", "--no-install-toolchains", "--", "true"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        !ran.exists(),
        "the project's rustup ran outside: {}",
        std::fs::read_to_string(&ran).unwrap_or_default()
    );
}
