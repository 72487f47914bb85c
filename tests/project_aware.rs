//! Project-aware detection (issue 5): package-manager variants, registries and git hosts
//! that the project or the user configured, and the trust line between them.

mod common;

use std::collections::BTreeSet;

use common::Sandbox;
use serde_json::Value;

fn init(s: &Sandbox, args: &[&str]) -> (Value, String) {
    let mut full = vec!["init", "--no-justfile"];
    full.extend_from_slice(args);
    let out = s.run(&full);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    if let Some(srt) = common::srt("project_aware") {
        s.assert_srt_accepts(&srt);
    }
    (v, s.clean(&out.stderr))
}

fn fragments(v: &Value) -> BTreeSet<String> {
    common::fragment_names(v).into_iter().collect()
}

fn list(v: &Value, section: &str, key: &str) -> Vec<String> {
    v[section][key]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str().map(String::from))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn pnpm_workspace_gets_pnpm_not_npm() {
    let s = Sandbox::fixture("pnpm-workspace");
    let (v, summary) = init(&s, &[]);
    assert_eq!(
        fragments(&v),
        set(&["base", "claude", "dotenv", "pnpm"]),
        "{summary}"
    );
    let w = list(&v, "filesystem", "allowWrite");
    assert!(w.contains(&"~/.local/share/pnpm/store".into()), "{w:?}");
    assert!(!w.contains(&"~/.npm".into()), "npm's cache is not pnpm's");
    assert!(
        !w.iter().any(|p| p == "~/.local/share/pnpm"),
        "PNPM_HOME holds bins on PATH"
    );
    snap!("pnpm_workspace_summary", summary);
}

#[test]
fn yarn_classic_and_berry_are_told_apart() {
    let (v, _) = init(&Sandbox::fixture("yarn-classic"), &[]);
    assert_eq!(fragments(&v), set(&["base", "claude", "dotenv", "yarn"]));
    assert!(list(&v, "filesystem", "allowWrite").contains(&"~/.cache/yarn".into()));

    let s = Sandbox::fixture("yarn-berry");
    let (v, summary) = init(&s, &[]);
    assert_eq!(
        fragments(&v),
        set(&["base", "claude", "dotenv", "file:.yarnrc.yml", "yarn-berry"]),
        "{summary}"
    );
    let hosts = list(&v, "network", "allowedDomains");
    assert!(hosts.contains(&"npm.acme.example".into()), "{hosts:?}");
    assert!(
        hosts.contains(&"registry.yarnpkg.com".into()),
        "a scoped registry replaces nothing"
    );
    assert!(list(&v, "filesystem", "allowWrite").contains(&"~/.yarn/berry".into()));
}

#[test]
fn uv_project_gets_uvs_cache_not_pips() {
    let (v, _) = init(&Sandbox::fixture("uv-project"), &[]);
    assert_eq!(fragments(&v), set(&["base", "claude", "dotenv", "uv"]));
    let w = list(&v, "filesystem", "allowWrite");
    assert!(w.contains(&"~/.cache/uv".into()));
    assert!(!w.contains(&"~/.cache/pip".into()));
    assert_eq!(
        list(&v, "network", "allowedDomains"),
        ["api.anthropic.com", "files.pythonhosted.org", "pypi.org"]
    );
}

#[test]
fn poetry_with_a_primary_private_source_leaves_pypi_out() {
    let s = Sandbox::fixture("poetry-private");
    let (v, summary) = init(&s, &[]);
    let hosts = list(&v, "network", "allowedDomains");
    assert!(hosts.contains(&"pypi.corp.example".into()));
    // Poetry's own hosts lose PyPI; pip (python, detected from the same pyproject.toml)
    // does not read Poetry's sources, so it keeps its index.
    let poetry = &v["srtGen"]["fragments"]["poetry"]["entries"]["network.allowedDomains"];
    assert!(!poetry.to_string().contains("pypi.org"), "{poetry}");
    assert!(hosts.contains(&"pypi.org".into()), "{hosts:?}");
    assert!(
        summary.contains(
            "from pyproject.toml: pypi.corp.example (a file in the repository chose these)"
        ),
        "{summary}"
    );
    assert!(
        summary.contains(
            "left out files.pythonhosted.org, pypi.org for poetry: pyproject.toml replaces them"
        ),
        "{summary}"
    );
}

#[test]
fn cargo_git_dependency_registry_and_toolchain() {
    let s = Sandbox::fixture("cargo-git-toolchain");
    let (v, summary) = init(&s, &[]);
    assert_eq!(
        fragments(&v),
        set(&[
            "base",
            "claude",
            "dotenv",
            "file:.cargo/config.toml",
            "file:Cargo.lock",
            "file:Cargo.toml",
            "rust",
            "rustup"
        ]),
        "{summary}"
    );
    let hosts = list(&v, "network", "allowedDomains");
    for h in ["github.com", "crates.acme.example", "index.crates.io"] {
        assert!(hosts.contains(&h.to_string()), "{h} in {hosts:?}");
    }
    // The pinned toolchain is installed outside before a run: the sandbox gets neither
    // rustup's dist server nor a write grant on the toolchains (issue 14).
    assert!(!hosts.contains(&"static.rust-lang.org".into()), "{hosts:?}");
    let w = list(&v, "filesystem", "allowWrite");
    assert!(!w.iter().any(|p| p.contains(".rustup")), "{w:?}");
    assert!(!w.contains(&"~/.cargo".into()));
    snap!("cargo_git_toolchain_summary", summary);

    let out = s.run(&["explain", "github.com"]);
    let text = s.clean(&out.stdout);
    assert!(
        text.contains("Cargo.lock (in the repository, chosen by its authors)"),
        "{text}"
    );
}

#[test]
fn npm_scoped_registry_git_specs_and_ssh_warning() {
    let s = Sandbox::fixture("npm-scoped-registry");
    let (v, summary) = init(&s, &[]);
    let hosts = list(&v, "network", "allowedDomains");
    for h in [
        "npm.acme.example",
        "registry.npmjs.org",
        "github.com",
        "codeload.github.com",
        "git.acme.example",
    ] {
        assert!(hosts.contains(&h.to_string()), "{h} in {hosts:?}");
    }
    assert!(
        summary.contains("`git+ssh://git@git.acme.example/tools/private-tool.git` is fetched over SSH, which srt's proxy does not carry; spell it `git+https://git.acme.example/tools/private-tool.git`"),
        "{summary}"
    );
    assert!(
        !summary.contains("_authToken"),
        "a token line is not a registry: {summary}"
    );
    snap!("npm_scoped_registry_summary", summary);
}

#[test]
fn a_replacing_registry_leaves_the_public_one_out() {
    let (v, _) = init(&Sandbox::fixture("npm-replaced-registry"), &[]);
    let hosts = list(&v, "network", "allowedDomains");
    assert_eq!(hosts, ["api.anthropic.com", "npm.corp.example"]);
    let (v, _) = init(&Sandbox::fixture("pip-index"), &[]);
    let hosts = list(&v, "network", "allowedDomains");
    assert_eq!(
        hosts,
        ["api.anthropic.com", "git.corp.example", "pypi.corp.example"]
    );
}

#[test]
fn no_project_hosts_is_remembered_until_taken_back() {
    let s = Sandbox::fixture("npm-scoped-registry");
    let (v, summary) = init(&s, &["--no-project-hosts"]);
    let hosts = list(&v, "network", "allowedDomains");
    assert_eq!(hosts, ["api.anthropic.com", "registry.npmjs.org"]);
    assert!(
        summary.contains("not taken (--no-project-hosts): npm.acme.example from .npmrc"),
        "{summary}"
    );
    let (v, _) = init(&s, &[]);
    assert_eq!(
        list(&v, "network", "allowedDomains"),
        ["api.anthropic.com", "registry.npmjs.org"]
    );
    assert_eq!(v["srtGen"]["noProjectHosts"], true);
    let (v, _) = init(&s, &["--project-hosts"]);
    assert!(list(&v, "network", "allowedDomains").contains(&"npm.acme.example".into()));
    assert!(v["srtGen"].get("noProjectHosts").is_none());
}

#[test]
fn a_project_source_can_be_removed_by_name() {
    let s = Sandbox::fixture("npm-scoped-registry");
    init(&s, &[]);
    let out = s.run(&["remove", "file:package.json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (v, _) = init(&s, &[]);
    let hosts = list(&v, "network", "allowedDomains");
    assert!(!hosts.contains(&"github.com".into()), "{hosts:?}");
    assert!(
        hosts.contains(&"npm.acme.example".into()),
        ".npmrc is another source"
    );
}

#[test]
fn user_configuration_counts_as_the_users() {
    let s = Sandbox::fixture("go-module");
    let out = s
        .cmd()
        .args(["init", "--no-justfile"])
        .env("GOPROXY", "https://goproxy.corp.example,direct")
        .env("GOPRIVATE", "git.corp.example/*,*.internal.example")
        .env("GOSUMDB", "off")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(
        list(&v, "network", "allowedDomains"),
        [
            "*.internal.example",
            "api.anthropic.com",
            "git.corp.example",
            "github.com",
            "goproxy.corp.example",
            // The go fragment's own: proxy.golang.org's redirect target. A private
            // GOPROXY does not need it, but `replaces` would take it from every detected
            // fragment (Puppeteer needs it too), so it stays.
            "storage.googleapis.com"
        ]
    );
    assert_eq!(v["srtGen"]["fragments"]["env:GOPROXY"]["why"], "config");
    // `direct` ends GOPROXY: what the corporate proxy lacks comes from go.mod's origins.
    assert_eq!(v["srtGen"]["fragments"]["file:go.mod"]["why"], "project");

    let s = Sandbox::fixture("python-requirements");
    std::fs::create_dir_all(s.home().join(".config/pip")).unwrap();
    std::fs::write(
        s.home().join(".config/pip/pip.conf"),
        "[global]\nindex-url = https://mirror.corp.example/simple\n",
    )
    .unwrap();
    let (v, summary) = init(&s, &[]);
    assert_eq!(
        list(&v, "network", "allowedDomains"),
        ["api.anthropic.com", "mirror.corp.example"]
    );
    assert!(
        summary.contains("from ~/.config/pip/pip.conf: mirror.corp.example\n"),
        "{summary}"
    );
}

/// The user's configuration of a tool counts only for projects that use the tool; and a
/// registry in ~/.npmrc, which the sandbox cannot read, keeps the public hosts.
#[test]
fn user_configuration_of_an_unused_tool_adds_nothing() {
    let user_config = |s: &Sandbox, vars: &[(&str, &str)]| {
        std::fs::write(
            s.home().join(".npmrc"),
            "registry=https://npm.corp.example/\n",
        )
        .unwrap();
        std::fs::create_dir_all(s.home().join(".config/pip")).unwrap();
        std::fs::write(
            s.home().join(".config/pip/pip.conf"),
            "[global]\nindex-url = https://mirror.corp.example/simple\n",
        )
        .unwrap();
        let out = s
            .cmd()
            .args(["init", "--no-justfile"])
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::show(&out));
        let v: Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
        (
            list(&v, "network", "allowedDomains"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let vars = [
        ("npm_config_registry", "https://npm2.corp.example/"),
        ("PIP_INDEX_URL", "https://pypi.corp.example/simple"),
    ];
    let (hosts, err) = user_config(&Sandbox::fixture("go-module"), &vars);
    assert!(
        hosts.iter().all(|h| !h.contains("corp.example")),
        "{hosts:?}"
    );
    assert!(!err.contains("~/.npmrc"), "{err}");

    // npm's environment variable reaches npm inside the sandbox and replaces the public
    // registry; pip's settings do not count for an npm project.
    let (hosts, _) = user_config(&Sandbox::fixture("npm-app"), &vars);
    assert_eq!(
        hosts,
        ["api.anthropic.com", "npm.corp.example", "npm2.corp.example"]
    );

    // ~/.npmrc alone: its registry is added, the public one stays, and the user is told.
    let (hosts, err) = user_config(&Sandbox::fixture("npm-app"), &[]);
    assert_eq!(
        hosts,
        [
            "api.anthropic.com",
            "npm.corp.example",
            "registry.npmjs.org"
        ]
    );
    assert!(
        err.contains(
            "~/.npmrc names a registry, but the sandbox cannot read ~/.npmrc (it holds tokens)"
        ),
        "{err}"
    );
}
