//! One catalog fragment, typed: what it is, how it is detected, and the hosts and paths it
//! gives (each with its `source`), resolved per platform.

use std::fmt;

use serde::Deserialize;

use crate::detect::markers::Rules;
use crate::env::{Env, Os};
use crate::error::Error;

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
    /// Applied to every project unless the user removed it (`srt-gen remove NAME`), as the
    /// agent is: a protection on by default that a user may lift.
    #[serde(default)]
    pub default: bool,
    /// Shown by `list`, `explain` and `add` when the fragment widens the sandbox a lot.
    #[serde(default)]
    pub warning: Option<String>,
    #[serde(default)]
    pub detect: Rules,
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
    /// For `kind = "agent"`: what the agent is (see [`crate::catalog::agent::AgentSpec`]).
    #[serde(default)]
    pub agent: Option<crate::catalog::agent::AgentSpec>,
    /// Where this fragment came from: `ecosystems/rust.toml`, or a user file's path.
    #[serde(skip)]
    pub origin: String,
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
    match (&frag.agent, frag.kind) {
        (Some(spec), Kind::Agent) => spec.check().map_err(|why| bad(format!("[agent]: {why}")))?,
        (None, Kind::Agent) => {
            return Err(bad(
                "a fragment of kind \"agent\" needs an `[agent]` table".into()
            ))
        }
        (Some(_), _) => {
            return Err(bad(
                "only a fragment of kind \"agent\" may have an `[agent]` table".into(),
            ))
        }
        (None, _) => {}
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
