//! The README's first command does what it says: it copies the example project shipped in
//! the repository out of the checkout and initialises it there, on its own.

use std::path::Path;
use std::process::Command;

mod common;

#[test]
fn the_readmes_first_command_initialises_the_shipped_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first_block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    let lines: Vec<&str> = first_block.lines().collect();
    assert_eq!(lines.len(), 2, "two commands: {first_block}");
    assert!(
        lines[0].starts_with(
            r#"d=$(mktemp -d) && cp -r examples/polyglot "$d" && cargo run --locked -q -- init "$d/polyglot""#
        ),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("bash .ci/run "), "{}", lines[1]);

    // The same, with the built binary (cargo run builds this one).
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("polyglot");
    // The example holds no file named `gitignore`, which this helper renames.
    common::copy_fixture(&root.join("examples/polyglot"), &project);
    let home = t.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_srt-gen"))
        .arg("init")
        .arg(&project)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for found in [
        "found go    api/go.mod",
        "found pnpm  web/package.json",
        "found rust  engine/Cargo.toml",
        "found uv    ml/pyproject.toml",
    ] {
        assert!(err.contains(found), "{found} missing: {err}");
    }
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join(".srt.json")).unwrap()).unwrap();
    let hosts = policy["network"]["allowedDomains"].as_array().unwrap();
    for h in ["index.crates.io", "pypi.org", "proxy.golang.org"] {
        assert!(hosts.iter().any(|x| x == h), "{h} not allowed: {hosts:?}");
    }
    assert!(project.join("justfile").is_file());
    // Nothing was written into the checkout.
    assert!(!root.join("examples/polyglot/.srt.json").exists());
}
