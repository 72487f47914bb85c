//! Python: indexes in requirements files, `pyproject.toml` (uv, Poetry, PDM), `uv.toml`,
//! the Pipfile, and pip's and uv's user configuration and variables.

use crate::env::Env;

use super::{host_of, Sources};

/// The public hosts a private index stands in for.
const PYPI_PUBLIC: &[&str] = &["pypi.org", "files.pythonhosted.org"];

pub(super) fn requirements(s: &mut Sources, origin: &str, text: &str) {
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

pub(super) fn pyproject(s: &mut Sources, origin: &str, text: &str) {
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
pub(super) fn uv_indexes(s: &mut Sources, origin: &str, in_project: bool, t: &toml::Table) {
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

pub(super) fn pipfile(s: &mut Sources, origin: &str, text: &str) {
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
pub(super) fn pip_user_config(s: &mut Sources, env: &Env) {
    let mut files: Vec<std::path::PathBuf> =
        vec!["/etc/pip.conf".into(), "/etc/xdg/pip/pip.conf".into()];
    files.push(env.home.join(".pip/pip.conf"));
    files.push(env.config_dir().join("pip/pip.conf"));
    files.push(env.home.join("Library/Application Support/pip/pip.conf"));
    if let Some(f) = env.var("PIP_CONFIG_FILE") {
        files.push(f.into());
    }
    for f in files {
        let Some(text) = crate::files::config_text(&f) else {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
