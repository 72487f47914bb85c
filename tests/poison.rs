//! Caches are code (issue 14): with the user's cargo registry writable inside, a sandboxed
//! process edited an extracted crate's build.rs, and the user's own `cargo build` of another
//! project ran it outside the sandbox. Through `srt-gen run` the sandbox has a CARGO_HOME of
//! its own: the user's extracted sources cannot be changed, the user's ~/.cargo is
//! byte-identical afterwards, and the host build runs nothing the sandbox wrote.
//!
//! This test fails on the old policy (registry/ and git/ of the user's CARGO_HOME writable,
//! no redirect): there the edit succeeds and the marker appears. Steps as tried inside srt 0.0.83.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{show, Sandbox};

fn cargo_dir() -> PathBuf {
    let out = Command::new("rustup").args(["which", "cargo"]).output();
    match out {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
            .parent()
            .unwrap()
            .to_path_buf(),
        _ => common::which("cargo")
            .expect("cargo on PATH")
            .parent()
            .unwrap()
            .to_path_buf(),
    }
}

const MANIFEST: &str = "[package]\nname = \"NAME\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nanyhow = \"=1.0.86\"\n";

fn project(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), MANIFEST.replace("NAME", name)).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() -> anyhow::Result<()> { Ok(()) }\n",
    )
    .unwrap();
    dir
}

/// The user's own cargo, outside any sandbox, with the test's home.
fn host_cargo(s: &Sandbox, dir: &Path, args: &[&str]) -> std::process::Output {
    let path = format!(
        "{}:{}",
        cargo_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", path)
        .env("CARGO_HOME", s.home().join(".cargo"))
        .envs(
            ["SSL_CERT_FILE", "CARGO_HTTP_CAINFO"]
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (*k, v))),
        )
        .output()
        .unwrap()
}

#[test]
fn a_build_script_edited_inside_never_runs_in_the_users_builds() {
    let Some(srt) = common::srt("a_build_script_edited_inside_never_runs_in_the_users_builds")
    else {
        return;
    };
    let s = Sandbox::new();
    let agent = s.project.clone();
    std::fs::remove_dir_all(&agent).unwrap();
    let root = agent.parent().unwrap().to_path_buf();
    let agent = project(&root, "agent");
    let victim = project(&root, "victim");
    // The user's own cargo fetches (and extracts) the crate into the user's registry.
    for dir in [&agent, &victim] {
        let out = host_cargo(&s, dir, &["fetch"]);
        assert!(out.status.success(), "{}", show(&out));
    }
    let out = host_cargo(&s, &victim, &["build", "--offline"]);
    assert!(out.status.success(), "{}", show(&out));
    let user_cargo = s.home().join(".cargo");
    let before = common::fingerprint(&user_cargo, &[]);

    let mut init = s.cmd();
    init.current_dir(&agent)
        .env("SRT_GEN_SRT", &srt)
        .env("CARGO_HOME", &user_cargo)
        .args(["init", "--no-justfile", "--no-agent"]);
    let out = init.output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    // Plain srt users keep the user's registry writable, as before.
    let file = std::fs::read_to_string(agent.join(".srt.json")).unwrap();
    assert!(file.contains("\"~/.cargo/registry\""), "{file}");

    // Inside: fetch into the sandbox's own home, then try the attack on every extracted
    // anyhow build.rs the sandbox can see: the user's and its own.
    let payload = r#"
set -u
cargo fetch || exit 9
for f in "$HOME"/.cargo/registry/src/*/anyhow-1.0.86/build.rs "$CARGO_HOME"/registry/src/*/anyhow-1.0.86/build.rs; do
  [ -e "$f" ] || continue
  if sed -i 's|^fn main() {|fn main() { let _ = std::fs::write(std::path::Path::new(\&std::env::var("HOME").unwrap()).join("POISONED-BY-SANDBOX"), "x");|' "$f" 2>/dev/null; then
    echo "edited $f"
  else
    echo "refused $f"
  fi
done
"#;
    let path = format!(
        "{}:{}",
        cargo_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = s
        .cmd()
        .current_dir(&agent)
        .env("SRT_GEN_SRT", &srt)
        .env("CARGO_HOME", &user_cargo)
        .env("PATH", &path)
        .envs(
            ["SSL_CERT_FILE", "CARGO_HTTP_CAINFO"]
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (*k, v))),
        )
        .args(["run", "--", "sh", "-c", payload])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    let user_src = user_cargo.display().to_string();
    assert!(
        said.lines()
            .any(|l| l.starts_with("refused") && l.contains(&user_src)),
        "the user's extracted build.rs was not refused: {}",
        show(&out)
    );
    assert!(
        !said
            .lines()
            .any(|l| l.starts_with("edited") && l.contains(&format!("{user_src}/"))),
        "the user's extracted build.rs was edited from inside: {}",
        show(&out)
    );
    // The sandbox's own copy is its own to break.
    assert!(said.contains(".cache/srt-gen/sandbox/rust/home"), "{said}");

    let after = common::fingerprint(&user_cargo, &[]);
    assert_eq!(
        before,
        after,
        "the user's ~/.cargo changed: {}",
        common::fingerprint_diff(&before, &after)
    );
    // The user's next build of another project runs only what the user fetched.
    let _ = std::fs::remove_dir_all(victim.join("target"));
    let out = host_cargo(&s, &victim, &["build", "--offline"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        !s.home().join("POISONED-BY-SANDBOX").exists(),
        "the host build ran a build.rs edited inside the sandbox"
    );
}
