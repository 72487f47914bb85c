//! Hosts that the project or the user configured: private registries (.npmrc,
//! .yarnrc.yml, pip.conf and PIP_* variables, uv/Poetry/PDM/Pipfile indexes,
//! .cargo/config.toml, GOPROXY/GOPRIVATE) and git dependencies (Cargo.lock and
//! Cargo.toml, package.json, requirements files, go.mod under `direct`). Files inside the
//! repository were chosen by whoever wrote it, so they are kept apart from the user's own.
//!
//! Hosts come only from values: every reader parses its format (TOML, JSON, INI, the
//! requirements-file grammar) or strips its comments first, so a URL in a comment or in
//! documentation never becomes an allowed host. A setting changes only the hosts of the
//! tools that read it (`Found::tools`): `UV_INDEX_URL` is uv's, never pip's.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::detect::markers::Origin;
use crate::detect::Detection;
use crate::env::Env;
use crate::files::{read_bounded, Bounded};

mod cargo;
mod go;
mod lockfiles;
mod npm;
mod python;

/// The most of one configuration file that is read.
const MAX_CONFIG: u64 = 4 * 1024 * 1024;

/// One file (or variable) that names hosts.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// The record key: `file:web/.npmrc`, `file:~/.config/pip/pip.conf`, `env:PIP_INDEX_URL`.
    pub key: String,
    /// The file as the user knows it (`web/.npmrc`, `~/.npmrc`, `$GOPROXY`).
    pub origin: String,
    /// Inside the repository: chosen by whoever wrote it.
    pub in_project: bool,
    pub hosts: BTreeSet<String>,
    /// Public hosts this configuration takes the place of (left out of the policy).
    pub replaces: BTreeSet<String>,
    /// The fragments (tools) whose public hosts `replaces` takes out: the ones that read
    /// this configuration.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub tools: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct Sources {
    pub found: Vec<Found>,
    pub warnings: Vec<String>,
}

impl Sources {
    pub(super) fn add(&mut self, origin: &str, in_project: bool, host: String) {
        self.entry(origin, in_project).hosts.insert(host);
    }

    /// `public` hosts leave the fragments of `tools`, which read this configuration.
    pub(super) fn replace(
        &mut self,
        origin: &str,
        in_project: bool,
        public: &[&str],
        tools: &[&str],
    ) {
        let e = self.entry(origin, in_project);
        e.replaces.extend(public.iter().map(|s| s.to_string()));
        e.tools.extend(tools.iter().map(|s| s.to_string()));
    }

    pub(super) fn entry(&mut self, origin: &str, in_project: bool) -> &mut Found {
        let key = source_key(origin);
        if let Some(i) = self.found.iter().position(|f| f.key == key) {
            return &mut self.found[i];
        }
        self.found.push(Found {
            key,
            origin: origin.to_string(),
            in_project,
            hosts: BTreeSet::new(),
            replaces: BTreeSet::new(),
            tools: BTreeSet::new(),
        });
        self.found.last_mut().expect("just pushed")
    }

    /// The warning for a URL that is fetched over SSH, which srt's proxy does not carry.
    pub(super) fn ssh_warning(&mut self, origin: &str, url: &str, https: &str) {
        self.warnings.push(format!(
            "{origin}: `{url}` is fetched over SSH, which srt's proxy does not carry; spell it `{https}`"
        ));
    }

    /// Adds the host of `url` (warning on SSH URLs, which srt's proxy does not carry).
    pub(super) fn url(&mut self, origin: &str, in_project: bool, url: &str) {
        if let Some(https) = ssh_to_https(url) {
            self.ssh_warning(origin, url, &https);
            if let Some(h) = host_of(&https) {
                self.add(origin, in_project, h);
            }
            return;
        }
        match host_of(url) {
            Some(h) => self.add(origin, in_project, h),
            None => self
                .warnings
                .push(format!("{origin}: cannot read a host name in `{url}`")),
        }
    }
}

/// A configuration file's text, when it is a regular file of a sane size (never through
/// a link, never a FIFO); `None` otherwise.
pub(super) fn read_config(path: &Path) -> Option<String> {
    match read_bounded(path, MAX_CONFIG).ok()? {
        Bounded::Bytes(b) => String::from_utf8(b).ok(),
        _ => None,
    }
}

/// The record key of a source: `env:NAME` for a variable, `file:PATH` for a file.
fn source_key(origin: &str) -> String {
    match origin.strip_prefix('$') {
        Some(var) => format!("env:{var}"),
        None => format!("file:{origin}"),
    }
}

/// The host of a URL or URL-like spec (`sparse+https://h/x`, `git+https://u@h:1/x`).
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if hostport.starts_with('[') {
        return None;
    } else {
        hostport.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    crate::hosts::validate(&host).ok().map(|_| host)
}

/// `git+ssh://git@h/o/r.git` or `git@h:o/r.git` → the HTTPS spelling; `None` if not SSH.
pub fn ssh_to_https(url: &str) -> Option<String> {
    if let Some(rest) = url.strip_prefix("git+ssh://") {
        return Some(format!("git+https://{}", without_user(rest)));
    }
    if let Some(rest) = url.strip_prefix("ssh://") {
        return Some(format!("https://{}", without_user(rest)));
    }
    // scp-like `user@host:path`: no scheme, a user without `/` or `:`.
    if url.contains("://") {
        return None;
    }
    let (user, rest) = url.split_once('@')?;
    if user.contains(['/', ':']) {
        return None;
    }
    let (host, path) = rest.split_once(':')?;
    Some(format!("https://{host}/{path}"))
}

fn without_user(rest: &str) -> &str {
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(i) => &rest[i + 1..],
        None => rest,
    }
}

/// The tools that read npm's configuration (`.npmrc`, `npm_config_*`): npm, pnpm, Yarn
/// classic and Bun (docs.npmjs.com/cli/configuring-npm/npmrc; pnpm.io/npmrc;
/// classic.yarnpkg.com/en/docs/yarnrc; bun.sh/docs/install/npmrc).
const NPMRC_TOOLS: &[&str] = &["node", "pnpm", "yarn", "bun"];
/// The tools that run pip and so read pip.conf and `PIP_*` (pip.pypa.io/en/stable/topics/configuration).
pub(super) const PIP_TOOLS: &[&str] = &["python", "pre-commit"];
/// The tools that read uv's settings (`UV_*`, uv.toml, `[tool.uv]`).
pub(super) const UV_TOOLS: &[&str] = &["uv"];

/// Reads every source of hosts for a project whose detection is given.
/// `origins`: where Go modules under a path prefix come from (the catalog's
/// `[[detect.origins]]`, `Markers::origins`).
pub fn scan(root: &Path, detection: &Detection, env: &Env, origins: &[&Origin]) -> Sources {
    let mut s = Sources::default();
    // A tool's configuration counts only where the project uses the tool: a Rust project
    // gets no hosts from the user's pip.conf or ~/.npmrc.
    let uses = |names: &[&str]| names.iter().any(|n| detection.found.contains_key(*n));
    // The folders of an ecosystem's detected files, and the project root (a monorepo's
    // configuration sits there), when the ecosystem is used at all.
    let dirs = |names: &[&str]| -> BTreeSet<String> {
        let mut d: BTreeSet<String> = BTreeSet::new();
        if uses(names) {
            d.insert(String::new());
        }
        for n in names {
            for f in detection.found.get(*n).into_iter().flatten() {
                d.insert(
                    f.rsplit_once('/')
                        .map_or(String::new(), |(d, _)| d.to_string()),
                );
            }
        }
        d
    };
    let read = |rel: &str| read_config(&root.join(rel));
    let join = |dir: &str, name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };

    // npm, pnpm, Yarn classic and Bun read .npmrc; Yarn Berry reads .yarnrc.yml.
    const NODE: [&str; 5] = ["node", "pnpm", "yarn", "yarn-berry", "bun"];
    for dir in dirs(&NODE) {
        let rel = join(&dir, ".npmrc");
        if let Some(text) = read(&rel) {
            npm::npmrc(&mut s, &rel, true, &text, NPMRC_TOOLS);
        }
        let rel = join(&dir, ".yarnrc.yml");
        if let Some(text) = read(&rel) {
            npm::yarnrc(&mut s, &rel, &text);
        }
        let rel = join(&dir, "package.json");
        if let Some(text) = read(&rel) {
            npm::package_json_git(&mut s, &rel, &text);
        }
    }
    if uses(NPMRC_TOOLS) {
        if let Some(v) = env.var("npm_config_registry") {
            s.url("$npm_config_registry", false, v);
            s.replace("$npm_config_registry", false, npm::NPM_PUBLIC, NPMRC_TOOLS);
        }
        if let Some(text) = read_config(&env.home.join(".npmrc")) {
            npm::npmrc(&mut s, "~/.npmrc", false, &text, NPMRC_TOOLS);
        }
    }

    const PYTHON: [&str; 7] = [
        "python",
        "uv",
        "poetry",
        "pdm",
        "pipenv",
        "hatch",
        "pre-commit",
    ];
    for dir in dirs(&PYTHON) {
        for name in list_files(&root.join(&dir)) {
            if crate::detect::markers::glob_match("requirements*.txt", &name)
                || crate::detect::markers::glob_match("requirements*.in", &name)
            {
                let rel = join(&dir, &name);
                if let Some(text) = read(&rel) {
                    python::requirements(&mut s, &rel, &text);
                }
            }
        }
        let rel = join(&dir, "pyproject.toml");
        if let Some(text) = read(&rel) {
            python::pyproject(&mut s, &rel, &text);
        }
        let rel = join(&dir, "uv.toml");
        if let Some(text) = read(&rel) {
            if let Ok(t) = toml::from_str::<toml::Table>(&text) {
                python::uv_indexes(&mut s, &rel, true, &t);
            }
        }
        let rel = join(&dir, "Pipfile");
        if let Some(text) = read(&rel) {
            python::pipfile(&mut s, &rel, &text);
        }
    }
    // pip's configuration only where a tool runs pip, uv's only where uv runs.
    if uses(&["python", "pre-commit", "pipenv", "hatch"]) {
        python::pip_user_config(&mut s, env);
    }
    if uses(UV_TOOLS) {
        python::uv_env(&mut s, env);
    }

    for dir in dirs(&["rust"]) {
        let rel = join(&dir, ".cargo/config.toml");
        if let Some(text) = read(&rel) {
            cargo::cargo_config(&mut s, &rel, true, &text);
        }
        let rel = join(&dir, "Cargo.lock");
        if let Some(text) = read(&rel) {
            cargo::cargo_lock(&mut s, &rel, &text);
        }
    }
    for rel in detection
        .found
        .get("rust")
        .into_iter()
        .flatten()
        .filter(|f| f.ends_with("Cargo.toml"))
    {
        if let Some(text) = read(rel) {
            cargo::cargo_toml_git(&mut s, rel, &text);
        }
    }
    let cargo_home = env
        .var("CARGO_HOME")
        .map_or(env.home.join(".cargo"), std::path::PathBuf::from);
    if detection.found.contains_key("rust") {
        if let Some(text) = read_config(&cargo_home.join("config.toml")) {
            let origin = env.tilde(&cargo_home.join("config.toml"));
            cargo::cargo_config(&mut s, &origin, false, &text);
        }
    }

    if detection.found.contains_key("go") {
        let mods: Vec<(String, String)> = dirs(&["go"])
            .iter()
            .filter_map(|d| {
                let rel = join(d, "go.mod");
                read(&rel).map(|t| (rel, t))
            })
            .collect();
        go::go_env(&mut s, env, &mods, origins);
    }

    // SSH URLs in any lockfile of a detected ecosystem's folders: srt's proxy carries
    // HTTP(S) only, so the fetch fails inside the sandbox.
    let all: Vec<&str> = detection.found.keys().map(String::as_str).collect();
    for dir in dirs(&all) {
        for name in list_files(&root.join(&dir)) {
            if lockfiles::is_lockfile(&name) {
                let rel = join(&dir, &name);
                if let Some(text) = read(&rel) {
                    lockfiles::ssh_urls(&mut s, &rel, &name, &text);
                }
            }
        }
    }

    s.found
        .retain(|f| !f.hosts.is_empty() || !f.replaces.is_empty());
    s.found.sort_by(|a, b| a.key.cmp(&b.key));
    s.warnings.sort();
    s.warnings.dedup();
    s
}

fn list_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of("https://npm.corp.example/").as_deref(),
            Some("npm.corp.example")
        );
        assert_eq!(
            host_of("sparse+https://crates.corp.example/index/").as_deref(),
            Some("crates.corp.example")
        );
        assert_eq!(
            host_of("git+https://user@git.corp.example:8443/a/b.git").as_deref(),
            Some("git.corp.example")
        );
        assert_eq!(host_of("not a url"), None);
    }

    #[test]
    fn ssh_urls_get_their_https_spelling() {
        assert_eq!(
            ssh_to_https("git+ssh://git@github.com/o/r.git").as_deref(),
            Some("git+https://github.com/o/r.git")
        );
        assert_eq!(
            ssh_to_https("git@gitlab.com:o/r.git").as_deref(),
            Some("https://gitlab.com/o/r.git")
        );
        assert_eq!(
            ssh_to_https("ssh://git@host.example/o/r").as_deref(),
            Some("https://host.example/o/r")
        );
        assert_eq!(ssh_to_https("https://github.com/o/r"), None);
    }
}
