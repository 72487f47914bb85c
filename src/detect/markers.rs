//! Markers: how a catalog fragment is recognised in a project. File names (exact or with
//! `*`), and content rules that read a key of a manifest or text in a lockfile.

use serde::Deserialize;

use super::manifest::Parsed;

/// How a fragment is recognised in a project (a catalog fragment's `[detect]` table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rules {
    /// Exact file names (`Cargo.toml`).
    #[serde(default)]
    pub files: Vec<String>,
    /// File-name patterns with `*` (`requirements*.txt`, `*.csproj`).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Directory names the walk never enters, because this tool fills them
    /// (`node_modules`, `target`): manifests inside are dependencies, not the project.
    #[serde(default)]
    pub skip_dirs: Vec<String>,
    /// Where the marker list comes from.
    #[serde(default)]
    pub source: Option<String>,
    /// Markers inside files: a key of a JSON/TOML manifest, or text in a lockfile.
    #[serde(default)]
    pub content: Vec<ContentRule>,
    /// Detection only suggests this fragment, for this reason: the summary names the
    /// files that showed it and says `srt-gen add <name>`; it is never applied by itself
    /// (a Dockerfile does not mean the sandbox can build images).
    #[serde(default)]
    pub suggest: Option<String>,
    /// Folders whose manifests are test fixtures, sample projects or test data, never the
    /// project's own (base.toml): a name (`__fixtures__`) or a path ending (`tests/data`).
    /// The walk does not enter them.
    #[serde(default)]
    pub fixture_dirs: Vec<FixtureDir>,
    /// Folders whose manifests may be real but are not the project's main tree (tests,
    /// examples, benchmarks; base.toml): a fragment seen only there is suggested, never
    /// applied. Names as in `fixture_dirs`, with `*` allowed.
    #[serde(default)]
    pub side_dirs: Vec<FixtureDir>,
    /// Files that show the fragment but do not stand in for what it `replaces`: a tool's
    /// configuration file can sit above folders that use another tool (a root `.yarnrc`
    /// over an npm package with its own package-lock.json).
    #[serde(default)]
    pub config_only: Vec<String>,
    /// Go: where modules under a path prefix come from when the go command fetches them
    /// directly (`GOPROXY=direct`, GOPRIVATE), for paths whose first element is not the
    /// host that serves the repository.
    #[serde(default)]
    pub origins: Vec<Origin>,
}

/// A folder name (fixture or side tree), with the evidence for treating it so.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixtureDir {
    pub name: String,
    pub source: String,
}

/// Module paths starting with `prefix` are fetched from `hosts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Origin {
    pub prefix: String,
    pub hosts: Vec<String>,
    pub source: String,
}

/// A marker inside a file, e.g. `packageManager` starting with `pnpm@` in package.json.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContentRule {
    /// The file name the rule reads (exact).
    pub file: String,
    /// A dotted key (`tool.poetry`, `packageManager`) that must exist.
    #[serde(default)]
    pub key: Option<String>,
    /// With `key`: its string value must start with this.
    #[serde(default)]
    pub prefix: Option<String>,
    /// With `key` and `prefix`: ... and must not start with this.
    #[serde(default)]
    pub unless_prefix: Option<String>,
    /// The file's text must contain this.
    #[serde(default)]
    pub contains: Option<String>,
    /// The file's text must not contain this.
    #[serde(default)]
    pub lacks: Option<String>,
    pub source: String,
}

impl ContentRule {
    /// Whether a marker file, as read, satisfies this rule.
    pub(super) fn matches(&self, parsed: &Parsed) -> bool {
        if let Some(key) = &self.key {
            let value = parsed.lookup(key);
            return match (&value, &self.prefix) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(v), Some(prefix)) => v.as_deref().is_some_and(|s| {
                    s.starts_with(prefix.as_str())
                        && !self
                            .unless_prefix
                            .as_ref()
                            .is_some_and(|u| s.starts_with(u.as_str()))
                }),
            };
        }
        let Some(text) = &parsed.text else {
            return false;
        };
        match (&self.contains, &self.lacks) {
            (Some(c), _) => text.contains(c.as_str()),
            (_, Some(l)) => !text.contains(l.as_str()),
            _ => false,
        }
    }
}

/// Whether a folder at `rel` (root-relative, `/`-separated) named `name` matches a folder
/// rule: a name (with `*`), or a path ending (`tests/data`); case-insensitive.
pub fn dir_rule_matches(rule: &str, rel: &str, name: &str) -> bool {
    let rule = rule.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    match rule.rsplit_once('/') {
        None => glob_match(&rule, &name),
        Some((_, last)) => {
            let rel = rel.to_ascii_lowercase();
            last == name && (rel == rule || rel.ends_with(&format!("/{rule}")))
        }
    }
}

/// `*` matches any run of characters; everything else is literal.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    Glob::new(pattern).matches(name)
}

/// A file-name pattern split once at its `*`s, for a walk that tries every pattern on
/// every file name.
#[derive(Debug, Clone)]
pub struct Glob<'a> {
    parts: Vec<&'a str>,
}

impl<'a> Glob<'a> {
    pub fn new(pattern: &'a str) -> Glob<'a> {
        Glob {
            parts: pattern.split('*').collect(),
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        let parts = &self.parts;
        if parts.len() == 1 {
            return parts[0] == name;
        }
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        if name.len() < first.len() + last.len()
            || !name.ends_with(last)
            || !name.starts_with(first)
        {
            return false;
        }
        let mut rest = &name[first.len()..name.len() - last.len()];
        for mid in &parts[1..parts.len() - 1] {
            match rest.find(mid) {
                Some(i) => rest = &rest[i + mid.len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("requirements*.txt", "requirements.txt"));
        assert!(glob_match("requirements*.txt", "requirements-dev.txt"));
        assert!(!glob_match("requirements*.txt", "requirements.in"));
        assert!(glob_match("*.csproj", "App.csproj"));
        assert!(!glob_match("*.csproj", "csproj"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
    }

    #[test]
    fn folder_rules() {
        use super::dir_rule_matches as m;
        assert!(m("fixtures", "a/Fixtures", "Fixtures"));
        assert!(m("tests/data", "tests/data", "data"));
        assert!(m("tests/data", "x/tests/data", "data"));
        assert!(!m("tests/data", "x/data", "data"));
        assert!(!m("tests/data", "x/mytests/data", "data"));
        assert!(m("*-examples", "libs/cli/js-examples", "js-examples"));
        assert!(!m("*-examples", "examples", "examples"));
    }
}
