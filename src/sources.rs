//! Hosts that the project or the user configured: private registries (.npmrc,
//! .yarnrc.yml, pip.conf and PIP_* variables, uv/Poetry/PDM/Pipfile indexes,
//! .cargo/config.toml, GOPROXY/GOPRIVATE) and git dependencies (Cargo.lock and
//! Cargo.toml, package.json, requirements files). Files inside the repository were
//! chosen by whoever wrote it, so they are kept apart from the user's own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::detect::Detection;
use crate::env::Env;

/// The public registry hosts a private registry can stand in for.
const NPM_PUBLIC: &[&str] = &["registry.npmjs.org"];
const YARN_PUBLIC: &[&str] = &["registry.yarnpkg.com"];
const PYPI_PUBLIC: &[&str] = &["pypi.org", "files.pythonhosted.org"];
const CRATES_PUBLIC: &[&str] = &["index.crates.io", "static.crates.io"];

/// One file (or variable) that names hosts.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
}

#[derive(Debug, Default)]
pub struct Sources {
    pub found: Vec<Found>,
    pub warnings: Vec<String>,
}

impl Sources {
    fn add(&mut self, origin: &str, in_project: bool, host: String) {
        self.entry(origin, in_project).hosts.insert(host);
    }

    fn replace(&mut self, origin: &str, in_project: bool, public: &[&str]) {
        let e = self.entry(origin, in_project);
        e.replaces.extend(public.iter().map(|s| s.to_string()));
    }

    fn entry(&mut self, origin: &str, in_project: bool) -> &mut Found {
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
        });
        self.found.last_mut().expect("just pushed")
    }

    /// Adds the host of `url` (warning on SSH URLs, which srt's proxy does not carry).
    fn url(&mut self, origin: &str, in_project: bool, url: &str) {
        if let Some(https) = ssh_to_https(url) {
            self.warnings.push(format!(
                "{origin}: `{url}` is fetched over SSH, which srt's proxy does not carry; spell it `{https}`"
            ));
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

/// Reads every source of hosts for a project whose detection is given.
pub fn scan(root: &Path, detection: &Detection, env: &Env) -> Sources {
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
    let read = |rel: &str| -> Option<String> {
        let p = root.join(rel);
        let meta = std::fs::symlink_metadata(&p).ok()?;
        (meta.is_file() && meta.len() < 4 * 1024 * 1024)
            .then(|| std::fs::read_to_string(&p).ok())
            .flatten()
    };
    let join = |dir: &str, name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };

    // npm and pnpm read .npmrc; Yarn Berry reads .yarnrc.yml.
    const NODE: [&str; 4] = ["node", "pnpm", "yarn", "yarn-berry"];
    for dir in dirs(&NODE) {
        let rel = join(&dir, ".npmrc");
        if let Some(text) = read(&rel) {
            npmrc(&mut s, &rel, true, &text);
        }
        let rel = join(&dir, ".yarnrc.yml");
        if let Some(text) = read(&rel) {
            yarnrc(&mut s, &rel, &text);
        }
        let rel = join(&dir, "package.json");
        if let Some(text) = read(&rel) {
            package_json_git(&mut s, &rel, &text);
        }
    }
    if uses(&NODE) {
        if let Some(v) = env.var("npm_config_registry") {
            s.url("$npm_config_registry", false, v);
            s.replace("$npm_config_registry", false, NPM_PUBLIC);
        }
        if let Ok(text) = std::fs::read_to_string(env.home.join(".npmrc")) {
            npmrc(&mut s, "~/.npmrc", false, &text);
        }
    }

    const PYTHON: [&str; 6] = ["python", "uv", "poetry", "pdm", "pipenv", "hatch"];
    for dir in dirs(&PYTHON) {
        for name in list_files(&root.join(&dir)) {
            if crate::detect::glob_match("requirements*.txt", &name)
                || crate::detect::glob_match("requirements*.in", &name)
            {
                let rel = join(&dir, &name);
                if let Some(text) = read(&rel) {
                    requirements(&mut s, &rel, &text);
                }
            }
        }
        let rel = join(&dir, "pyproject.toml");
        if let Some(text) = read(&rel) {
            pyproject(&mut s, &rel, &text);
        }
        let rel = join(&dir, "uv.toml");
        if let Some(text) = read(&rel) {
            if let Ok(t) = toml::from_str::<toml::Table>(&text) {
                uv_indexes(&mut s, &rel, true, &t);
            }
        }
        let rel = join(&dir, "Pipfile");
        if let Some(text) = read(&rel) {
            pipfile(&mut s, &rel, &text);
        }
    }
    if uses(&PYTHON) {
        pip_user_config(&mut s, env);
    }

    for dir in dirs(&["rust"]) {
        let rel = join(&dir, ".cargo/config.toml");
        if let Some(text) = read(&rel) {
            cargo_config(&mut s, &rel, true, &text);
        }
        let rel = join(&dir, "Cargo.lock");
        if let Some(text) = read(&rel) {
            cargo_lock(&mut s, &rel, &text);
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
            cargo_toml_git(&mut s, rel, &text);
        }
    }
    let cargo_home = env
        .var("CARGO_HOME")
        .map_or(env.home.join(".cargo"), std::path::PathBuf::from);
    if detection.found.contains_key("rust") {
        if let Ok(text) = std::fs::read_to_string(cargo_home.join("config.toml")) {
            let origin = env.tilde(&cargo_home.join("config.toml"));
            cargo_config(&mut s, &origin, false, &text);
        }
    }

    if detection.found.contains_key("go") {
        go_env(&mut s, env);
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

/// `registry=URL` and `@scope:registry=URL`.
fn npmrc(s: &mut Sources, origin: &str, in_project: bool, text: &str) {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim().trim_matches('"'));
        let is_registry = k == "registry" || (k.starts_with('@') && k.ends_with(":registry"));
        if is_registry && v.contains("${") {
            s.warnings.push(format!(
                "{origin}: `{k}` uses an environment variable; srt-gen cannot tell its host"
            ));
            continue;
        }
        if k == "registry" {
            s.url(origin, in_project, v);
            if in_project {
                s.replace(origin, in_project, NPM_PUBLIC);
            } else {
                // The sandbox cannot read ~/.npmrc (it holds tokens), so npm inside does
                // not see its registry: keep the public hosts, and say how to carry it in.
                s.warnings.push(format!(
                    "{origin} names a registry, but the sandbox cannot read {origin} (it holds tokens): \
                     put `registry=` in the project's .npmrc or set npm_config_registry"
                ));
            }
        } else if k.starts_with('@') && k.ends_with(":registry") {
            s.url(origin, in_project, v);
        }
    }
}

/// `npmRegistryServer:` at the top level (replaces the default) or under `npmScopes`.
fn yarnrc(s: &mut Sources, origin: &str, text: &str) {
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if let Some(v) = t.strip_prefix("npmRegistryServer:") {
            let v = v.trim().trim_matches(['"', '\'']);
            s.url(origin, true, v);
            if indent == 0 {
                s.replace(origin, true, YARN_PUBLIC);
            }
        }
    }
}

/// Git and URL specs in dependency tables: `github:o/r`, `o/r`, `git+https://...`.
fn package_json_git(s: &mut Sources, origin: &str, text: &str) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    for table in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        let Some(deps) = v.get(table).and_then(|d| d.as_object()) else {
            continue;
        };
        for spec in deps.values().filter_map(|d| d.as_str()) {
            let hosted = [
                ("github:", "github.com"),
                ("gitlab:", "gitlab.com"),
                ("bitbucket:", "bitbucket.org"),
            ];
            if let Some((_, host)) = hosted.iter().find(|(p, _)| spec.starts_with(p)) {
                s.add(origin, true, host.to_string());
                if *host == "github.com" {
                    // npm fetches GitHub specs as tarballs from codeload (npm-package-arg, hosted-git-info).
                    s.add(origin, true, "codeload.github.com".into());
                }
            } else if is_github_shorthand(spec) {
                s.add(origin, true, "github.com".into());
                s.add(origin, true, "codeload.github.com".into());
            } else if spec.starts_with("git")
                || spec.starts_with("http://")
                || spec.starts_with("https://")
            {
                s.url(origin, true, spec);
            }
        }
    }
}

/// `owner/repo` or `owner/repo#ref`: npm's GitHub shorthand.
fn is_github_shorthand(spec: &str) -> bool {
    let base = spec.split('#').next().unwrap_or("");
    let mut parts = base.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none() && !spec.starts_with('.')
}

fn requirements(s: &mut Sources, origin: &str, text: &str) {
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        let (flag, value) = match first.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (first, words.next().map(str::to_string)),
        };
        match flag {
            "-i" | "--index-url" => {
                if let Some(v) = value {
                    s.url(origin, true, &v);
                    s.replace(origin, true, PYPI_PUBLIC);
                }
            }
            "--extra-index-url" | "-f" | "--find-links" => {
                if let Some(v) = value.filter(|v| v.contains("://")) {
                    s.url(origin, true, &v);
                }
            }
            _ => {
                for word in line.split_whitespace() {
                    let w = word.strip_prefix("-e").unwrap_or(word);
                    if w.starts_with("git+")
                        || w.starts_with("https://")
                        || w.starts_with("http://")
                    {
                        let url = w.split('#').next().unwrap_or(w);
                        s.url(origin, true, url);
                    }
                }
            }
        }
    }
}

fn pyproject(s: &mut Sources, origin: &str, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let tool = t.get("tool").and_then(|v| v.as_table());
    if let Some(uv) = tool.and_then(|t| t.get("uv")).and_then(|v| v.as_table()) {
        uv_indexes(s, origin, true, uv);
    }
    if let Some(sources) = tool
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("source"))
        .and_then(|v| v.as_array())
    {
        let mut primary = false;
        for src in sources {
            if let Some(url) = src.get("url").and_then(|u| u.as_str()) {
                s.url(origin, true, url);
            }
            let prio = src
                .get("priority")
                .and_then(|p| p.as_str())
                .unwrap_or("primary");
            let default = src
                .get("default")
                .and_then(|d| d.as_bool())
                .unwrap_or(false);
            primary |= prio == "primary" || prio == "default" || default;
        }
        // Poetry: with a primary source, PyPI is used only if listed (python-poetry.org/docs/repositories).
        if primary {
            s.replace(origin, true, PYPI_PUBLIC);
        }
    }
    if let Some(sources) = tool
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("source"))
        .and_then(|v| v.as_array())
    {
        for src in sources {
            if let Some(url) = src.get("url").and_then(|u| u.as_str()) {
                s.url(origin, true, url);
                if src.get("name").and_then(|n| n.as_str()) == Some("pypi") {
                    s.replace(origin, true, PYPI_PUBLIC);
                }
            }
        }
    }
    for group in ["dependencies", "optional-dependencies"] {
        let deps = t.get("project").and_then(|p| p.get(group));
        let mut specs: Vec<&str> = Vec::new();
        match deps {
            Some(toml::Value::Array(a)) => specs.extend(a.iter().filter_map(|v| v.as_str())),
            Some(toml::Value::Table(tb)) => specs.extend(
                tb.values()
                    .filter_map(|v| v.as_array())
                    .flatten()
                    .filter_map(|v| v.as_str()),
            ),
            _ => {}
        }
        for spec in specs {
            if let Some((_, url)) = spec.split_once('@').filter(|(_, u)| u.contains("://")) {
                s.url(origin, true, url.trim().split('#').next().unwrap_or(""));
            }
        }
    }
}

/// uv's `[[index]]` (a `default = true` one replaces PyPI), `index-url`, `extra-index-url`.
fn uv_indexes(s: &mut Sources, origin: &str, in_project: bool, t: &toml::Table) {
    for idx in t
        .get("index")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(url) = idx.get("url").and_then(|u| u.as_str()) {
            s.url(origin, in_project, url);
            if idx.get("default").and_then(|d| d.as_bool()) == Some(true) {
                s.replace(origin, in_project, PYPI_PUBLIC);
            }
        }
    }
    if let Some(url) = t.get("index-url").and_then(|u| u.as_str()) {
        s.url(origin, in_project, url);
        s.replace(origin, in_project, PYPI_PUBLIC);
    }
    for url in t
        .get("extra-index-url")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str())
    {
        s.url(origin, in_project, url);
    }
}

fn pipfile(s: &mut Sources, origin: &str, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let mut has_pypi = false;
    let mut any = false;
    for src in t
        .get("source")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(url) = src.get("url").and_then(|u| u.as_str()) {
            any = true;
            if host_of(url).as_deref() == Some("pypi.org") {
                has_pypi = true;
            } else {
                s.url(origin, true, url);
            }
        }
    }
    if any && !has_pypi {
        s.replace(origin, true, PYPI_PUBLIC);
    }
}

/// pip's user and site configuration files and its variables.
fn pip_user_config(s: &mut Sources, env: &Env) {
    let mut files: Vec<std::path::PathBuf> =
        vec!["/etc/pip.conf".into(), "/etc/xdg/pip/pip.conf".into()];
    files.push(env.home.join(".pip/pip.conf"));
    files.push(env.config_dir().join("pip/pip.conf"));
    files.push(env.home.join("Library/Application Support/pip/pip.conf"));
    if let Some(f) = env.var("PIP_CONFIG_FILE") {
        files.push(f.into());
    }
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let origin = env.tilde(&f);
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            match k.trim() {
                "index-url" => {
                    s.url(&origin, false, v.trim());
                    s.replace(&origin, false, PYPI_PUBLIC);
                }
                "extra-index-url" => {
                    for u in v.split_whitespace() {
                        s.url(&origin, false, u);
                    }
                }
                _ => {}
            }
        }
    }
    for (var, replaces) in [
        ("PIP_INDEX_URL", true),
        ("PIP_EXTRA_INDEX_URL", false),
        ("UV_DEFAULT_INDEX", true),
        ("UV_INDEX_URL", true),
        ("UV_INDEX", false),
        ("UV_EXTRA_INDEX_URL", false),
    ] {
        if let Some(v) = env.var(var) {
            let origin = format!("${var}");
            for u in v.split_whitespace() {
                // UV_INDEX takes `name=url` items.
                let u = u
                    .split_once('=')
                    .filter(|(n, _)| !n.contains("://"))
                    .map_or(u, |(_, url)| url);
                s.url(&origin, false, u);
            }
            if replaces {
                s.replace(&origin, false, PYPI_PUBLIC);
            }
        }
    }
}

/// `[source.crates-io] replace-with`, `[source.X] registry`, `[registries.X] index`.
fn cargo_config(s: &mut Sources, origin: &str, in_project: bool, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        s.warnings.push(format!(
            "{origin}: not valid TOML, its registries were not read"
        ));
        return;
    };
    let sources = t.get("source").and_then(|v| v.as_table());
    if let Some(name) = sources
        .and_then(|src| src.get("crates-io"))
        .and_then(|c| c.get("replace-with"))
        .and_then(|r| r.as_str())
    {
        let replacement = sources.and_then(|src| src.get(name));
        if let Some(url) = replacement
            .and_then(|r| r.get("registry"))
            .and_then(|u| u.as_str())
        {
            s.url(origin, in_project, url);
        }
        s.replace(origin, in_project, CRATES_PUBLIC);
    }
    for reg in t
        .get("registries")
        .and_then(|v| v.as_table())
        .into_iter()
        .flat_map(|r| r.values())
    {
        if let Some(url) = reg.get("index").and_then(|u| u.as_str()) {
            s.url(origin, in_project, url);
        }
    }
}

/// `source = "git+https://..."` and other registries in the lockfile.
fn cargo_lock(s: &mut Sources, origin: &str, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    for pkg in t
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let Some(src) = pkg.get("source").and_then(|v| v.as_str()) else {
            continue;
        };
        if src == "registry+https://github.com/rust-lang/crates.io-index"
            || src == "sparse+https://index.crates.io/"
        {
            continue;
        }
        let url = src
            .split_once('+')
            .map_or(src, |(_, u)| u)
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        s.url(origin, true, url);
    }
}

/// `git = "..."` in dependency tables, for projects without a lockfile.
fn cargo_toml_git(s: &mut Sources, origin: &str, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(t.get(key).and_then(|v| v.as_table()));
        tables.extend(
            t.get("workspace")
                .and_then(|w| w.get(key))
                .and_then(|v| v.as_table()),
        );
    }
    for target in t
        .get("target")
        .and_then(|v| v.as_table())
        .into_iter()
        .flat_map(|t| t.values())
    {
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(target.get(key).and_then(|v| v.as_table()));
        }
    }
    for dep in tables.into_iter().flat_map(|t| t.values()) {
        if let Some(url) = dep.get("git").and_then(|g| g.as_str()) {
            s.url(origin, true, url);
        }
    }
}

/// GOPROXY, GOSUMDB, GOPRIVATE/GONOPROXY/GONOSUMDB from the environment or go's env file.
fn go_env(s: &mut Sources, env: &Env) {
    let mut vars: BTreeMap<&str, (String, String)> = BTreeMap::new();
    let go_env_file = env
        .var("GOENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env.config_dir().join("go/env"));
    if let Ok(text) = std::fs::read_to_string(&go_env_file) {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                for name in ["GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB"] {
                    if k.trim() == name {
                        vars.insert(name, (v.trim().to_string(), env.tilde(&go_env_file)));
                    }
                }
            }
        }
    }
    for name in ["GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB"] {
        if let Some(v) = env.var(name) {
            vars.insert(name, (v.to_string(), format!("${name}")));
        }
    }
    if let Some((v, origin)) = vars.get("GOPROXY") {
        let mut uses_public = false;
        for item in v.split([',', '|']).map(str::trim) {
            if item == "direct" || item == "off" || item.is_empty() {
                continue;
            }
            let url = if item.contains("://") {
                item.to_string()
            } else {
                format!("https://{item}")
            };
            if host_of(&url).as_deref() == Some("proxy.golang.org") {
                uses_public = true;
            } else {
                s.url(origin, false, &url);
            }
        }
        if !uses_public {
            s.replace(origin, false, &["proxy.golang.org"]);
        }
    }
    if let Some((v, origin)) = vars.get("GOSUMDB") {
        if v == "off" {
            s.replace(origin, false, &["sum.golang.org"]);
        }
    }
    // Private module paths are fetched directly from their hosts.
    for name in ["GOPRIVATE", "GONOPROXY"] {
        if let Some((v, origin)) = vars.get(name) {
            for pattern in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let host = pattern.split('/').next().unwrap_or("");
                if crate::hosts::validate(host).is_ok() {
                    s.add(origin, false, host.to_ascii_lowercase());
                } else {
                    s.warnings.push(format!(
                        "{origin}: `{pattern}` does not start with a host name"
                    ));
                }
            }
        }
    }
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

    #[test]
    fn npmrc_registry_replaces_and_scopes_add() {
        let mut s = Sources::default();
        npmrc(
            &mut s,
            ".npmrc",
            true,
            "registry=https://npm.corp.example/\n@acme:registry=https://acme.example/npm/\n; x=y\n",
        );
        let f = &s.found[0];
        assert_eq!(
            f.hosts.iter().collect::<Vec<_>>(),
            ["acme.example", "npm.corp.example"]
        );
        assert!(f.replaces.contains("registry.npmjs.org"));
    }

    #[test]
    fn requirements_flags_and_git_urls() {
        let mut s = Sources::default();
        requirements(
            &mut s,
            "requirements.txt",
            "--index-url https://pypi.corp.example/simple\n--extra-index-url=https://extra.example/simple\nfoo @ git+https://git.example/o/foo.git@v1\n-e git+ssh://git@github.com/o/bar.git#egg=bar\n",
        );
        let f = &s.found[0];
        assert_eq!(
            f.hosts.iter().collect::<Vec<_>>(),
            [
                "extra.example",
                "git.example",
                "github.com",
                "pypi.corp.example"
            ]
        );
        assert!(f.replaces.contains("pypi.org"));
        assert!(
            s.warnings[0].contains("spell it `git+https://github.com/o/bar.git`"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn github_shorthands() {
        assert!(is_github_shorthand("expressjs/express"));
        assert!(is_github_shorthand("o/r#v1"));
        assert!(!is_github_shorthand("^1.2.3"));
        assert!(!is_github_shorthand("file:../x"));
        assert!(!is_github_shorthand("./a/b"));
    }
}
