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
    /// The user's own configuration files the tool reads, and how `run` carries them into
    /// the sandbox without their secrets (issue 14).
    #[serde(default)]
    pub config: Vec<ConfigEntry>,
    /// Variables the wrapper sets inside the sandbox, after srt has set its own (issue 14).
    #[serde(default)]
    pub inside: Vec<InsideEntry>,
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
    /// Why the ecosystem needs a host that serves anyone's content (an object store, a
    /// release-asset host): the host is one `check` labels as risky
    /// (`src/policy/lint/risky_hosts.toml`), and `init` repeats this reason.
    #[serde(default)]
    pub risk: Option<String>,
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
    /// `[[write]]` only (issue 14): `srt-gen run` gives the sandbox its own folder
    /// `<cache root>/<fragment>/<own>` instead of this path (`<other fragment>/<name>` names
    /// a folder another fragment shares, such as npm's cache for the MCP presets), and
    /// sets `var` to it. `.srt.json` keeps this path, for plain srt users.
    #[serde(default)]
    pub own: Option<String>,
    /// The tool's own variable that moves this cache (with `own`).
    #[serde(default)]
    pub var: Option<String>,
    /// Other spellings of `var` the tool also reads: set to the same folder.
    #[serde(default)]
    pub vars: Vec<String>,
    /// What `var` is set to, when it is more than the folder: `{}` stands for the folder,
    /// `${NAME}` for this machine's variables (`${MAVEN_OPTS:+${MAVEN_OPTS} }-Dmaven.repo.local={}`).
    #[serde(default)]
    pub value: Option<String>,
    /// With `own`: only `srt-gen run` uses this folder; `.srt.json` leaves the tool's
    /// default path out (it holds code plain srt must not make writable, such as uv's
    /// tools or virtualenv's seed wheels, and the tool copes without it).
    #[serde(default)]
    pub run_only: bool,
    pub source: String,
}

/// How a user's configuration file is read by its tool, for `run` to carry the settings in
/// and keep the secrets out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigEntry {
    /// Where the user's file is, spelled as a path template.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub linux: Option<String>,
    #[serde(default)]
    pub macos: Option<String>,
    /// The tool's variable that names its configuration file: `run` writes a copy without
    /// the secrets and points the variable at it.
    #[serde(default)]
    pub var: Option<String>,
    #[serde(default)]
    pub vars: Vec<String>,
    /// The variable names the folder that holds the file (POETRY_CONFIG_DIR), not the file.
    #[serde(default)]
    pub var_folder: bool,
    /// The tool needs the file to exist (Hatch creates it otherwise, and fails): an empty
    /// copy when the user has none.
    #[serde(default)]
    pub required: bool,
    /// Instead of a variable: the copy goes into this `own` folder of the fragment (the
    /// tool reads it from its home, which `run` moved there), under the file's own name.
    #[serde(default)]
    pub into: Option<String>,
    /// The tool also reads this relative path in every folder above the one it runs in
    /// (cargo: `.cargo/config.toml`). When the user's file is one of those, the tool reads
    /// the original whatever `var` or `into` say: no copy, and its secrets are masked.
    #[serde(default)]
    pub walk: Option<String>,
    /// How to read the file: for a copy (`var` or `into`), and for a file only masked, to
    /// check that the mask leaves none of `secrets` in view.
    #[serde(default)]
    pub format: Option<ConfigFormat>,
    /// Keys whose values are secrets (`*` matches any text, case is ignored): the copy
    /// leaves them out.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Keys the copy leaves out because they would take the tool around srt's proxy
    /// (a proxy of the user's own) or otherwise break it inside.
    #[serde(default)]
    pub drop: Vec<String>,
    /// For a tool that reads the file at its own path: srt's `credentials.files` extract
    /// pattern (JavaScript syntax, flags `gd`; group 1 is the secret). On Linux, srt shows
    /// the file with every match replaced by a stand-in; elsewhere the file stays unreadable.
    #[serde(default)]
    pub mask: Option<String>,
    pub source: String,
}

/// The formats the copier understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigFormat {
    /// `key=value` lines, `;`/`#` comments, `//host/:key` scoped keys (npm, pnpm, Bun).
    Npmrc,
    /// INI: `[section]`, `key = value` or `key: value`, indented continuation lines (pip).
    Ini,
    /// TOML (cargo, Poetry, PDM, Hatch, uv).
    Toml,
    /// Flat `KEY: value` YAML lines (Bundler's config).
    Yaml,
    /// JSON (Composer).
    Json,
    /// Java properties: `key=value`, `key: value` or `key value` lines, `\` continuations
    /// (Gradle).
    Properties,
    /// XML (Maven's settings): only masked, never copied. `secrets` name elements
    /// (`password`) and `<property>` names (`Private-Token`).
    Xml,
}

/// One assignment the wrapper makes inside the sandbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InsideEntry {
    pub var: String,
    /// A literal, `${NAME}` alone (a copy of srt's variable NAME, known only inside:
    /// srt's proxy address carries a per-run token), or text with `${TMPDIR}` (the
    /// sandbox's temp folder, known before launch).
    pub value: String,
    pub source: String,
}

impl ConfigEntry {
    pub fn template(&self, os: Os) -> Option<&str> {
        let specific = match os {
            Os::Linux => self.linux.as_deref(),
            Os::Macos => self.macos.as_deref(),
        };
        specific.or(self.path.as_deref())
    }
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
            for e in entries.iter().filter(|e| !e.run_only) {
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
    for (i, e) in frag.write.iter().enumerate() {
        check_own(&frag, e, i).map_err(&bad)?;
    }
    for e in frag.deny_write.iter().chain(&frag.deny_read) {
        if e.own.is_some()
            || e.var.is_some()
            || !e.vars.is_empty()
            || e.value.is_some()
            || e.run_only
        {
            return Err(bad(format!(
                "a deny entry ({}) cannot take `own`, `var`, `vars`, `value` or `run-only`: they are for [[write]]",
                e.source
            )));
        }
    }
    for c in &frag.config {
        check_config(&frag, c).map_err(&bad)?;
    }
    for i in &frag.inside {
        check_var_name(&i.var).map_err(|w| bad(format!("[[inside]] {w}")))?;
        check_inside_value(&i.value).map_err(|w| bad(format!("[[inside]] {}: {w}", i.var)))?;
    }
    for h in &frag.hosts {
        if h.risk.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(bad(format!("host `{}`: an empty `risk`", h.host)));
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

/// A variable name srt-gen can set and the wrapper can take.
pub fn check_var_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not a variable name"))
    }
}

/// `name` or `fragment/name`, each lowercase letters, digits and `-`.
fn check_own_name(own: &str) -> Result<(), String> {
    let parts: Vec<&str> = own.split('/').collect();
    let ok = parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "own `{own}` must be a name or fragment/name (lowercase letters, digits, `-`)"
        ))
    }
}

fn check_own(frag: &Fragment, e: &PathEntry, _i: usize) -> Result<(), String> {
    match (&e.own, &e.var) {
        (None, None) => {
            if !e.vars.is_empty() || e.value.is_some() || e.run_only {
                return Err(format!(
                    "a write entry ({}) has `vars`, `value` or `run-only` without `own` and `var`",
                    e.source
                ));
            }
            Ok(())
        }
        (Some(own), Some(var)) => {
            check_own_name(own)?;
            for v in std::iter::once(var).chain(&e.vars) {
                check_var_name(v)?;
            }
            if let Some(value) = &e.value {
                if !value.contains("{}") {
                    return Err(format!(
                        "value `{value}` of {var} must hold `{{}}`, the folder"
                    ));
                }
                crate::env::check_inner(value).map_err(|w| format!("value `{value}`: {w}"))?;
            }
            let _ = frag;
            Ok(())
        }
        _ => Err(format!(
            "a write entry ({}) needs both `own` and `var`, or neither",
            e.source
        )),
    }
}

fn check_config(frag: &Fragment, c: &ConfigEntry) -> Result<(), String> {
    let what = format!("a [[config]] entry ({})", c.source);
    if c.path.is_none() && c.linux.is_none() && c.macos.is_none() {
        return Err(format!("{what} has neither `path` nor `linux`/`macos`"));
    }
    for t in [&c.path, &c.linux, &c.macos].into_iter().flatten() {
        crate::env::check_template(t).map_err(|why| format!("path `{t}`: {why}"))?;
    }
    if (c.var.is_some() || c.into.is_some()) && c.format.is_none() {
        return Err(format!(
            "{what} makes a copy (`var` or `into`) and needs `format`"
        ));
    }
    if (c.var.is_some() || c.into.is_some()) && c.format == Some(ConfigFormat::Xml) {
        return Err(format!(
            "{what}: srt-gen makes no copies of XML files; an XML file can only be masked (`mask`)"
        ));
    }
    if c.var.is_some() && c.into.is_some() {
        return Err(format!("{what} sets both `var` and `into`"));
    }
    if c.var.is_none() && (!c.vars.is_empty() || c.var_folder) {
        return Err(format!("{what} has `vars` or `var-folder` without `var`"));
    }
    if c.required && c.var.is_none() && c.into.is_none() {
        return Err(format!("{what}: `required` needs `var` or `into`"));
    }
    for v in c.var.iter().chain(&c.vars) {
        check_var_name(v)?;
    }
    if let Some(into) = &c.into {
        let known = frag.write.iter().any(|w| w.own.as_deref() == Some(into));
        if !known {
            return Err(format!(
                "{what}: `into = \"{into}\"` names no `own` folder of this fragment's [[write]] entries"
            ));
        }
    }
    if let Some(w) = &c.walk {
        if w.starts_with('/') || w.split('/').any(|p| p.is_empty() || p == "..") {
            return Err(format!("{what}: `walk` must be a plain relative path"));
        }
    }
    if c.var.is_none() && c.into.is_none() && c.mask.is_none() {
        return Err(format!(
            "{what} needs `var` or `into` (a copy) or `mask` (the tool reads the file at its own path)"
        ));
    }
    if let Some(m) = &c.mask {
        let re = regex::Regex::new(m).map_err(|e| format!("{what}: mask does not compile: {e}"))?;
        if re.captures_len() < 2 {
            return Err(format!("{what}: mask needs a capture group (the secret)"));
        }
        // srt runs the pattern as JavaScript with flags `gd`: no inline flags.
        if m.contains("(?") && m.replace("(?:", "").contains("(?") {
            return Err(format!(
                "{what}: mask may use `(?:` groups only (srt compiles it as JavaScript)"
            ));
        }
    }
    for k in c.secrets.iter().chain(&c.drop) {
        if k.is_empty() {
            return Err(format!("{what}: an empty key in `secrets` or `drop`"));
        }
    }
    Ok(())
}

/// A literal, `${NAME}` alone (a copy of srt's variable inside), or text in which
/// `${TMPDIR}` is the sandbox's temp folder and other `${...}` templates are this
/// machine's variables, expanded before launch.
fn check_inside_value(v: &str) -> Result<(), String> {
    if let Some(name) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !name.contains(['$', '{', '}', ':']) {
            return check_var_name(name);
        }
    }
    if v.contains("${HTTPS_PROXY") || v.contains("${HTTP_PROXY") {
        return Err(format!(
            "`{v}`: srt's proxy address is known only inside; copy it whole (`${{HTTPS_PROXY}}`)"
        ));
    }
    crate::env::check_inner(v).map_err(|w| format!("`{v}`: {w}"))
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
