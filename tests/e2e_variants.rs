//! End to end for package-manager variants (issue 5): a pnpm project and a uv project get
//! their tool's fragment instead of npm's or pip's, and the real pnpm (installed from the
//! npm registry) and the real uv (installed from PyPI) install a real dependency inside
//! the sandbox into the sandbox's own store and cache (issue 14); the user's own folders
//! stay as they were.

mod common;

use common::show;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Sandbox;

/// Installs a tool outside the sandbox with the machine's own client, into `dir`.
fn install(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "installing with {program}: {}",
        show(&out)
    );
}

fn run_in(s: &Sandbox, srt: &Path, bin: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = s.cmd();
    c.env("PATH", path).env("SRT_GEN_SRT", srt);
    // The machine's own trust settings, as its package managers are set up here.
    for var in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    c.args(args).output().unwrap()
}

fn fragments(s: &Sandbox) -> Vec<String> {
    common::fragment_names(&serde_json::from_str(&s.read(".srt.json")).unwrap())
}

#[test]
fn pnpm_installs_into_its_store_not_npms_cache() {
    let Some(srt) = common::srt("pnpm_installs_into_its_store_not_npms_cache") else {
        return;
    };
    let tools = tempfile::tempdir().unwrap();
    install(
        tools.path(),
        "npm",
        &[
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "pnpm@9",
            "--prefix",
        ],
    );
    let bin: PathBuf = tools.path().join("node_modules/.bin");

    let s = Sandbox::new();
    s.write(
        "package.json",
        "{\n  \"name\": \"pn\",\n  \"private\": true,\n  \"packageManager\": \"pnpm@9.15.0\",\n  \"dependencies\": { \"is-number\": \"7.0.0\" }\n}\n",
    );
    let out = run_in(&s, &srt, &bin, &[], &["init", "--no-justfile"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(fragments(&s), ["base", "claude", "dotenv", "pnpm"]);
    let store = s.home().join(".local/share/pnpm/store");
    assert!(!store.exists());

    let out = run_in(
        &s,
        &srt,
        &bin,
        &[("COREPACK_ENABLE_STRICT", "0")],
        &["run", "--", "pnpm", "install"],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(s
        .project
        .join("node_modules/is-number/package.json")
        .exists());
    assert!(
        s.home().join(".cache/srt-gen/sandbox/pnpm/store").is_dir(),
        "pnpm wrote the sandbox's store"
    );
    assert!(!store.exists(), "the user's store stays unwritten");
    assert!(
        !s.home().join(".npm/_cacache").exists(),
        "npm's cache is not pnpm's and stays unwritten"
    );
}

#[test]
fn uv_syncs_into_its_cache_not_pips() {
    let Some(srt) = common::srt("uv_syncs_into_its_cache_not_pips") else {
        return;
    };
    let tools = tempfile::tempdir().unwrap();
    install(
        tools.path(),
        "python3",
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "uv",
            "--target",
        ],
    );
    let bin = tools.path().join("bin");

    let s = Sandbox::new();
    s.write(
        "pyproject.toml",
        "[project]\nname = \"uvdemo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"six==1.16.0\"]\n\n[tool.uv]\npackage = false\n",
    );
    let out = run_in(&s, &srt, &bin, &[], &["init", "--no-justfile"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(fragments(&s), ["base", "claude", "dotenv", "uv"]);
    let cache = s.home().join(".cache/uv");
    assert!(!cache.exists());

    let vars = [("UV_PYTHON_DOWNLOADS", "never"), ("UV_LINK_MODE", "copy")];
    let out = run_in(&s, &srt, &bin, &vars, &["run", "--", "uv", "sync"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("six==1.16.0"),
        "{}",
        show(&out)
    );
    assert!(
        s.home()
            .join(".cache/srt-gen/sandbox/uv/cache/CACHEDIR.TAG")
            .exists(),
        "uv wrote the sandbox's cache"
    );
    assert!(!cache.exists(), "the user's uv cache stays unwritten");
    assert!(
        !s.home().join(".cache/pip").exists(),
        "pip's cache is not uv's"
    );
}
