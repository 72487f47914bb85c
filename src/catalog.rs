//! The catalog: ecosystem and preset fragments, embedded from `ecosystems/` and `presets/`
//! at build time, plus the user's own fragment files, each parsed into one typed shape.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::env::{Env, Os};
use crate::error::Error;

/// Every built-in catalog file, as `(relative path, text)`; the list is written by build.rs.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));

/// What a fragment is, for grouping in `list` and for deciding how it is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Always applied: the project, its temp directory, credentials denied.
    Base,
    /// The coding agent the recipes and `run` start.
    Agent,
    /// A programming language's package manager.
    Language,
    /// A tool that is not a language (containers, infrastructure, browsers, ...).
    Tool,
    /// An MCP server the agent may be given.
    Mcp,
    /// Anything else a user adds by name.
    Preset,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Base => "base",
            Kind::Agent => "agent",
            Kind::Language => "language",
            Kind::Tool => "tool",
            Kind::Mcp => "mcp",
            Kind::Preset => "preset",
        }
    }
}

/// One catalog file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Fragment {
    pub name: String,
    pub kind: Kind,
    pub description: String,
    /// Other names `add` and `remove` accept for this fragment.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Shown by `list`, `explain` and `add` when the fragment widens the sandbox a lot.
    #[serde(default)]
    pub warning: Option<String>,
    #[serde(default)]
    pub detect: Detect,
    #[serde(default)]
    pub hosts: Vec<HostEntry>,
    #[serde(default)]
    pub write: Vec<PathEntry>,
    #[serde(default)]
    pub deny_write: Vec<PathEntry>,
    #[serde(default)]
    pub deny_read: Vec<PathEntry>,
    /// Fragments this one stands in for in its folder and below (pnpm for node: a pnpm
    /// project's package.json does not call for npm's cache).
    #[serde(default)]
    pub replaces: Vec<String>,
    /// The MCP server definition handed to the agent when this fragment is active.
    #[serde(default)]
    pub mcp: Option<toml::Table>,
    /// Where this fragment came from: `ecosystems/rust.toml`, or a user file's path.
    #[serde(skip)]
    pub origin: String,
}

/// How a fragment is recognised in a project.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Detect {
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

/// A network host the fragment needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HostEntry {
    pub host: String,
    /// Restrict to one platform (rare: hosts are usually the same everywhere).
    #[serde(default)]
    pub os: Option<Os>,
    pub source: String,
}

/// A path, spelled per platform as a template: `${VAR:-default}`, `~`, nested defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PathEntry {
    /// The spelling on every platform, unless `linux` / `macos` say otherwise.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub linux: Option<String>,
    #[serde(default)]
    pub macos: Option<String>,
    pub source: String,
}

impl PathEntry {
    /// The template for one platform, if the entry applies there.
    pub fn template(&self, os: Os) -> Option<&str> {
        let specific = match os {
            Os::Linux => self.linux.as_deref(),
            Os::Macos => self.macos.as_deref(),
        };
        specific.or(self.path.as_deref())
    }
}

/// Which list of the srt settings file an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum List {
    AllowedDomains,
    DeniedDomains,
    DenyRead,
    AllowWrite,
    DenyWrite,
}

impl List {
    pub const ALL: [List; 5] = [
        List::AllowedDomains,
        List::DeniedDomains,
        List::DenyRead,
        List::AllowWrite,
        List::DenyWrite,
    ];

    /// The key path in the settings file, as srt's own errors spell it.
    pub fn key(self) -> &'static str {
        match self {
            List::AllowedDomains => "network.allowedDomains",
            List::DeniedDomains => "network.deniedDomains",
            List::DenyRead => "filesystem.denyRead",
            List::AllowWrite => "filesystem.allowWrite",
            List::DenyWrite => "filesystem.denyWrite",
        }
    }

    pub fn from_key(key: &str) -> Option<List> {
        List::ALL.into_iter().find(|l| l.key() == key)
    }

    pub fn is_network(self) -> bool {
        matches!(self, List::AllowedDomains | List::DeniedDomains)
    }
}

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One resolved entry of a fragment, with the source that justifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub list: List,
    pub value: String,
    pub source: String,
}

impl Fragment {
    /// The entries this fragment gives on the given platforms, templates expanded.
    pub fn resolve(&self, env: &Env, platforms: &[Os]) -> Vec<Resolved> {
        let mut out = Vec::new();
        for h in &self.hosts {
            if h.os.is_none_or(|os| platforms.contains(&os)) {
                out.push(Resolved {
                    list: List::AllowedDomains,
                    value: h.host.to_ascii_lowercase(),
                    source: h.source.clone(),
                });
            }
        }
        for (list, entries) in [
            (List::AllowWrite, &self.write),
            (List::DenyWrite, &self.deny_write),
            (List::DenyRead, &self.deny_read),
        ] {
            for e in entries {
                for &os in platforms {
                    let Some(t) = e.template(os) else { continue };
                    if let Some(value) = env.expand_path(t, os) {
                        let r = Resolved {
                            list,
                            value,
                            source: e.source.clone(),
                        };
                        if !out.contains(&r) {
                            out.push(r);
                        }
                    }
                }
            }
        }
        out
    }

    /// The MCP server definition as JSON, for the agent's `--mcp-config`.
    pub fn mcp_json(&self) -> Option<serde_json::Value> {
        let table = self.mcp.as_ref()?;
        serde_json::to_value(table).ok()
    }

    pub fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// All fragments known to this run: built-ins first, then the user's.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub fragments: Vec<Fragment>,
}

impl Catalog {
    /// The built-in catalog only.
    pub fn builtin() -> Result<Catalog, Error> {
        let mut fragments = Vec::with_capacity(BUILTIN.len());
        for (origin, text) in BUILTIN {
            fragments.push(parse_fragment(text, origin)?);
        }
        let catalog = Catalog { fragments };
        catalog.check_names()?;
        Ok(catalog)
    }

    /// Built-ins plus the fragment files of the user (`$XDG_CONFIG_HOME/srt-gen/fragments`)
    /// and of the project (`.srt-gen/fragments`). A user file may not take a built-in's name:
    /// a repository must not be able to redefine what `rust` means.
    pub fn load(project: &Path, env: &Env) -> Result<Catalog, Error> {
        let mut catalog = Catalog::builtin()?;
        let dirs = [
            env.config_dir().join("srt-gen").join("fragments"),
            project.join(".srt-gen").join("fragments"),
        ];
        for dir in dirs {
            for file in toml_files(&dir)? {
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    Error::io(format!("cannot read fragment {}", file.display()), e)
                })?;
                let frag = parse_fragment(&text, &file.display().to_string())?;
                if frag.kind == Kind::Base {
                    return Err(Error::Catalog {
                        file: file.display().to_string(),
                        message: "a user fragment cannot be of kind \"base\"".into(),
                    });
                }
                catalog.fragments.push(frag);
            }
        }
        catalog.check_names()?;
        Ok(catalog)
    }

    fn check_names(&self) -> Result<(), Error> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for f in &self.fragments {
            for n in std::iter::once(&f.name).chain(&f.aliases) {
                if let Some(prev) = seen.insert(n.to_ascii_lowercase(), &f.origin) {
                    return Err(Error::Catalog {
                        file: f.origin.clone(),
                        message: format!("the name `{n}` is already used by {prev}"),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Fragment> {
        self.fragments.iter().find(|f| f.answers_to(name))
    }

    /// Catalog names closest to a misspelt one, best first.
    pub fn closest(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        let mut scored: Vec<(f64, &str)> = self
            .fragments
            .iter()
            .filter(|f| f.kind != Kind::Base)
            .flat_map(|f| {
                std::iter::once(&f.name)
                    .chain(&f.aliases)
                    .map(move |n| (n, f))
            })
            .map(|(n, f)| {
                let s = strsim::jaro_winkler(&name, &n.to_ascii_lowercase());
                let s = if n.contains(&name) || name.contains(n.as_str()) {
                    s.max(0.85)
                } else {
                    s
                };
                (s, f.name.as_str())
            })
            .filter(|(s, _)| *s >= 0.8)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        // Only the names about as close as the closest one: a clear best match alone.
        let best = scored.first().map_or(0.0, |s| s.0);
        let mut out: Vec<String> = Vec::new();
        for (_, n) in scored.into_iter().filter(|(s, _)| *s >= best - 0.04) {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
        out.truncate(3);
        out
    }

    /// Directory names the project walk never enters (union over the catalog).
    pub fn skip_dirs(&self) -> Vec<&str> {
        let mut dirs: Vec<&str> = self
            .fragments
            .iter()
            .flat_map(|f| f.detect.skip_dirs.iter().map(String::as_str))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        dirs
    }
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("cannot list {}", dir.display()), e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Parses one fragment file and checks what serde cannot: names, hosts, path spellings.
pub fn parse_fragment(text: &str, origin: &str) -> Result<Fragment, Error> {
    let mut frag: Fragment = toml::from_str(text).map_err(|e| {
        let (line, col) = e
            .span()
            .map_or((0, 0), |s| crate::error::line_col(text, s.start));
        Error::Parse {
            file: origin.to_string(),
            line,
            column: col,
            message: e.message().to_string(),
        }
    })?;
    frag.origin = origin.to_string();
    let bad = |message: String| Error::Catalog {
        file: origin.to_string(),
        message,
    };
    // Aliases are names too: `add`, `remove` and the suggestions for a misspelt name
    // match them (an empty one would look close to every name).
    for (what, n) in
        std::iter::once(("name", &frag.name)).chain(frag.aliases.iter().map(|a| ("alias", a)))
    {
        if n.is_empty()
            || !n
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad(format!(
                "{what} `{n}` must be lowercase letters, digits and `-`"
            )));
        }
    }
    for h in &frag.hosts {
        if let Err(why) = crate::hosts::validate(&h.host) {
            return Err(bad(format!("host `{}`: {why}", h.host)));
        }
    }
    for e in frag
        .write
        .iter()
        .chain(&frag.deny_write)
        .chain(&frag.deny_read)
    {
        if e.path.is_none() && e.linux.is_none() && e.macos.is_none() {
            return Err(bad(format!(
                "a path entry ({}) has neither `path` nor `linux`/`macos`",
                e.source
            )));
        }
        if e.path.is_some() && e.linux.is_some() && e.macos.is_some() {
            return Err(bad(format!(
                "a path entry ({}) sets `path`, `linux` and `macos`",
                e.source
            )));
        }
        for t in [&e.path, &e.linux, &e.macos].into_iter().flatten() {
            crate::env::check_template(t).map_err(|why| bad(format!("path `{t}`: {why}")))?;
        }
    }
    Ok(frag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_the_rule_for_names() {
        let frag = |aliases: &str| {
            format!("name = \"tool\"\nkind = \"tool\"\ndescription = \"d\"\naliases = {aliases}\n")
        };
        assert!(parse_fragment(&frag(r#"["tool-x", "t2"]"#), "f.toml").is_ok());
        for bad in [r#"[""]"#, r#"["Tool"]"#, r#"["t x"]"#] {
            let err = parse_fragment(&frag(bad), "f.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains("alias `"), "{bad}: {err}");
            assert!(err.contains("f.toml"), "{bad}: {err}");
        }
    }
}
