//! Python: indexes in requirements files, `pyproject.toml` (uv, Poetry, PDM), `uv.toml`,
//! the Pipfile, and pip's and uv's user configuration and variables.

use crate::env::Env;

use super::{host_of, Sources, PIP_TOOLS, UV_TOOLS};

/// The public hosts a private index stands in for.
const PYPI_PUBLIC: &[&str] = &["pypi.org", "files.pythonhosted.org"];

/// pip's requirements-file grammar (pip.pypa.io/en/stable/reference/requirements-file-format):
/// a `\` at the end of a line joins the next one; `#` at the start of a line or after
/// whitespace starts a comment; options, then requirements (a URL after `name @`, or a
/// bare URL, is a value).
pub(super) fn requirements(s: &mut Sources, origin: &str, text: &str) {
    for line in logical_lines(text) {
        let line = strip_comment(&line);
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
                    s.replace(origin, true, PYPI_PUBLIC, PIP_TOOLS);
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
                    let w = w.trim_start_matches('=');
                    if w.starts_with("git+")
                        || w.starts_with("https://")
                        || w.starts_with("http://")
                    {
                        let url = w.split(['#', ';']).next().unwrap_or(w);
                        s.url(origin, true, url);
                    }
                }
            }
        }
    }
}

/// Lines with `\`-continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(head) => {
                cur.push_str(head);
                cur.push(' ');
            }
            None => {
                cur.push_str(line);
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// pip's `COMMENT_RE`: `(^|\s+)#.*$`.
fn strip_comment(line: &str) -> &str {
    let end = line
        .char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
        .map_or(line.len(), |(i, _)| i);
    &line[..end]
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
            s.replace(origin, true, PYPI_PUBLIC, &["poetry"]);
        }
    }
    // Poetry's git dependencies: `x = { git = "..." }` in [tool.poetry.dependencies],
    // [tool.poetry.dev-dependencies] and [tool.poetry.group.<name>.dependencies]
    // (python-poetry.org/docs/dependency-specification/#git-dependencies).
    if let Some(poetry) = tool.and_then(|t| t.get("poetry")) {
        let mut tables: Vec<&toml::Value> = Vec::new();
        tables.extend(poetry.get("dependencies"));
        tables.extend(poetry.get("dev-dependencies"));
        for g in poetry
            .get("group")
            .and_then(|g| g.as_table())
            .into_iter()
            .flat_map(|t| t.values())
        {
            tables.extend(g.get("dependencies"));
        }
        for dep in tables
            .into_iter()
            .filter_map(|t| t.as_table())
            .flat_map(|t| t.values())
        {
            // A dependency may be one table or an array of them (per-platform variants).
            let specs: Vec<&toml::Value> = match dep {
                toml::Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for spec in specs {
                if let Some(url) = spec.get("git").and_then(|g| g.as_str()) {
                    s.url(origin, true, url);
                }
            }
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
                    s.replace(origin, true, PYPI_PUBLIC, &["pdm"]);
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
                s.replace(origin, in_project, PYPI_PUBLIC, UV_TOOLS);
            }
        }
    }
    if let Some(url) = t.get("index-url").and_then(|u| u.as_str()) {
        s.url(origin, in_project, url);
        s.replace(origin, in_project, PYPI_PUBLIC, UV_TOOLS);
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
        s.replace(origin, true, PYPI_PUBLIC, &["pipenv"]);
    }
}

/// pip's user and site configuration files and its variables: pip's and the tools' that
/// run pip (`PIP_TOOLS`), never uv's.
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
        let Some(text) = super::read_config(&f) else {
            continue;
        };
        let origin = env.tilde(&f);
        for (section, key, value) in ini(&text) {
            // pip reads [global] and the section of the command (install, download, ...).
            if section == "freeze" || section == "list" {
                continue;
            }
            match key.as_str() {
                "index-url" | "index_url" | "i" => {
                    s.url(&origin, false, value.trim());
                    s.replace(&origin, false, PYPI_PUBLIC, PIP_TOOLS);
                }
                "extra-index-url" | "extra_index_url" | "find-links" | "find_links" => {
                    for u in value.split_whitespace().filter(|u| u.contains("://")) {
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
        ("PIP_FIND_LINKS", false),
    ] {
        env_urls(s, env, var, replaces, PIP_TOOLS);
    }
}

/// uv's variables (docs.astral.sh/uv/reference/environment): uv's own, never pip's.
pub(super) fn uv_env(s: &mut Sources, env: &Env) {
    for (var, replaces) in [
        ("UV_DEFAULT_INDEX", true),
        ("UV_INDEX_URL", true),
        ("UV_INDEX", false),
        ("UV_EXTRA_INDEX_URL", false),
        ("UV_FIND_LINKS", false),
    ] {
        env_urls(s, env, var, replaces, UV_TOOLS);
    }
}

fn env_urls(s: &mut Sources, env: &Env, var: &str, replaces: bool, tools: &[&str]) {
    let Some(v) = env.var(var) else { return };
    let origin = format!("${var}");
    // Find-links may be local folders; only URLs name hosts.
    let links = var.ends_with("FIND_LINKS");
    for u in v.split_whitespace().filter(|u| !links || u.contains("://")) {
        // UV_INDEX takes `name=url` items.
        let u = u
            .split_once('=')
            .filter(|(n, _)| !n.contains("://"))
            .map_or(u, |(_, url)| url);
        s.url(&origin, false, u);
    }
    if replaces {
        s.replace(&origin, false, PYPI_PUBLIC, tools);
    }
}

/// `(section, key, value)` of an INI file as Python's configparser reads pip.conf:
/// `#` and `;` comment lines, `key = value` or `key: value`, and indented continuation
/// lines that extend the previous value.
fn ini(text: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.2.push('\n');
                last.2.push_str(t);
            }
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        if let Some(i) = t.find(['=', ':']) {
            out.push((
                section.clone(),
                t[..i].trim().to_ascii_lowercase(),
                t[i + 1..].trim().to_string(),
            ));
        }
    }
    out
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

    #[test]
    fn requirements_comments_name_no_host() {
        let mut s = Sources::default();
        requirements(
            &mut s,
            "requirements.txt",
            "# Reference: https://github.com/foo/bar\nrequests==2.0  # see https://docs.example/x\n\t# https://indented.example\nfoo @ \\\n  https://files.example/foo.whl ; python_version >= '3.8'\n#-i https://commented.example/simple\n",
        );
        assert_eq!(s.found.len(), 1, "{:?}", s.found);
        assert_eq!(
            s.found[0].hosts.iter().collect::<Vec<_>>(),
            ["files.example"]
        );
        assert!(s.found[0].replaces.is_empty());
    }

    #[test]
    fn poetry_git_dependencies_are_values() {
        let mut s = Sources::default();
        pyproject(
            &mut s,
            "pyproject.toml",
            "[tool.poetry.dependencies]\npython = \"^3.11\"\n# old = { git = \"https://commented.example/x.git\" }\nlib = { git = \"https://git.corp.example/lib.git\", tag = \"v1\" }\n\n[tool.poetry.group.dev.dependencies]\ntool = [{ git = \"git@gitlab.com:o/tool.git\", markers = \"sys_platform == 'linux'\" }]\n",
        );
        assert_eq!(
            s.found[0].hosts.iter().collect::<Vec<_>>(),
            ["git.corp.example", "gitlab.com"]
        );
        assert!(s.warnings[0].contains("over SSH"), "{:?}", s.warnings);
    }

    #[test]
    fn pip_conf_sections_continuations_and_comments() {
        let v = ini("[global]\n# index-url = https://commented.example\nindex-url = https://pypi.corp.example/simple\nextra-index-url =\n    https://a.example/simple\n    https://b.example/simple\n; x = y\n");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].2, "https://pypi.corp.example/simple");
        assert_eq!(v[1].1, "extra-index-url");
        assert!(v[1].2.contains("https://a.example/simple"));
        assert!(v[1].2.contains("https://b.example/simple"));
    }

    #[test]
    fn uv_settings_are_uvs_and_pip_settings_pips() {
        let mut env = Env {
            vars: Default::default(),
            home: std::path::PathBuf::from("/nonexistent-home"),
            os: crate::env::Os::Linux,
        };
        env.vars.insert(
            "UV_INDEX_URL".into(),
            "https://uv.corp.example/simple".into(),
        );
        env.vars.insert(
            "PIP_INDEX_URL".into(),
            "https://pip.corp.example/simple".into(),
        );
        let mut s = Sources::default();
        uv_env(&mut s, &env);
        pip_user_config(&mut s, &env);
        let uv = s
            .found
            .iter()
            .find(|f| f.key == "env:UV_INDEX_URL")
            .unwrap();
        assert_eq!(uv.tools.iter().collect::<Vec<_>>(), ["uv"]);
        let pip = s
            .found
            .iter()
            .find(|f| f.key == "env:PIP_INDEX_URL")
            .unwrap();
        assert!(pip.tools.contains("python") && !pip.tools.contains("uv"));
    }
}
