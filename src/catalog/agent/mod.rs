//! The coding agents (`presets/agents/*.toml`, `kind = "agent"`): what each one is as data
//! (its program, its autonomous and interactive command lines, where it keeps its state, the
//! variables that hold its key, where its API is), and the command lines the recipes and
//! `srt-gen run` start, with exactly the MCP servers of the project's active presets.
//!
//! Where the API is comes from the agent's own configuration, read at `init` and at every
//! launch ([`endpoint`]).

pub mod endpoint;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Catalog, Fragment, Kind};
use crate::error::Error;

/// The agent a project gets unless `init --agent NAME` chose another.
pub const DEFAULT_AGENT: &str = "claude";

/// The `[agent]` table of an agent fragment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AgentSpec {
    /// The program, looked up on PATH (inside the sandbox, as outside).
    pub program: String,
    /// How a user installs it: `doctor`'s fix when it is missing.
    pub install: String,
    /// Arguments of the autonomous, non-persisting run (`ai-auto`, `srt-gen run -p`):
    /// `{prompt}` is the prompt, `{mcp}` the MCP arguments ([`McpStyle`]).
    pub autonomous: Vec<String>,
    /// Arguments of the interactive session (the `ai` recipe), before the user's own.
    #[serde(default)]
    pub interactive: Vec<String>,
    /// How the MCP servers of the project's presets reach the agent.
    #[serde(default)]
    pub mcp: McpStyle,
    /// The folders the agent keeps its state in, each named by a variable the agent honours.
    #[serde(rename = "home")]
    pub homes: Vec<Home>,
    /// More of the user's own agent state, outside the homes (`~/.claude.json`): never
    /// readable or writable inside.
    #[serde(default)]
    pub user_files: Vec<String>,
    /// Keys of a user JSON file copied into the private home before each launch.
    #[serde(default)]
    pub seed_json: Vec<SeedJson>,
    /// Variables that hold the agent's API key or token: masked, never passed in.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Variables set for the agent inside the sandbox.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Where the API is, first match wins; the last entry is the default.
    #[serde(default, rename = "endpoint")]
    pub endpoints: Vec<EndpointSpec>,
    /// A subscription login kept in a file (no key in the environment).
    #[serde(default)]
    pub login: Option<Login>,
    pub source: String,
}

/// One folder of the agent's state: the user's own, and the variable that points the
/// agent at the sandbox's private one instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Home {
    /// The variable (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `XDG_DATA_HOME`).
    pub var: String,
    /// The user's own folder, as a path template (`${CLAUDE_CONFIG_DIR:-~/.claude}`).
    pub user: String,
    /// Where the agent's files are below the variable's folder (`.gemini` for
    /// `GEMINI_CLI_HOME`, `opencode` for `XDG_DATA_HOME`); empty: the folder itself.
    #[serde(default)]
    pub inner: String,
    /// Names under the user's folder copied into the private one before each launch, so
    /// that the agent behaves as the user configured it.
    #[serde(default)]
    pub seed: Vec<String>,
    /// Names under the user's folder that hold credentials: never copied.
    #[serde(default)]
    pub credentials: Vec<String>,
    /// Seeded text files in which the user's folder, as a path (`~/.claude/hooks/x.sh`), is
    /// rewritten as `$VAR/...`: the user's folder is unreadable inside, the private copy is not.
    #[serde(default)]
    pub rewrite: Vec<String>,
    pub source: String,
}

/// Keys of a user JSON file that the private home gets a copy of.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SeedJson {
    /// The user's file, as a path template.
    pub from: String,
    /// The private copy, relative to the first home's agent folder.
    pub to: String,
    /// Dotted key paths; a `{project}` segment is the project root's absolute path.
    pub keys: Vec<String>,
    pub source: String,
}

/// A subscription login: a credentials file the agent reads, masked so that only
/// sentinels are readable inside and srt's proxy puts the real tokens on requests to the
/// API and refresh hosts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Login {
    /// The file's name in the first home's user folder.
    pub file: String,
    /// The variable that points the agent at the folder holding the file (srt-gen's own
    /// copy, read-only inside).
    pub store_var: String,
    /// srt's `extract` regex: its group 1 is each token to mask.
    pub extract: String,
    /// Hosts a login needs besides the API (the token refresh).
    pub hosts: Vec<String>,
    pub source: String,
}

/// How the MCP servers of the project's presets reach the agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum McpStyle {
    /// None are given.
    #[default]
    None,
    /// Claude Code: `--strict-mcp-config --mcp-config '{"mcpServers":{...}}'`.
    Claude,
    /// Codex CLI: `-c 'mcp_servers.NAME={command = "...", args = [...]}'` per server.
    Codex,
    /// OpenCode: `OPENCODE_CONFIG_CONTENT='{"mcp":{NAME:{"type":"local","command":[...]}}}'`.
    Opencode,
    /// Gemini CLI: `mcpServers` in the private home's `settings.json`.
    Gemini,
}

/// One way the agent finds its API (see [`endpoint::resolve`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EndpointSpec {
    /// What the summary calls it (`Anthropic API`, `Bedrock`).
    pub name: String,
    /// Applies when this variable is set to a true value (`1`, `true`); none: always.
    #[serde(default)]
    pub when: Option<String>,
    /// Variables holding a base URL that replaces `hosts`, first set wins.
    #[serde(default)]
    pub url: Vec<String>,
    /// Settings in the agent's own configuration files that hold a base URL.
    #[serde(default)]
    pub config: Vec<ConfigUrl>,
    /// The API hosts without a base URL; `{region}` is the region.
    pub hosts: Vec<String>,
    /// Variables naming the region, first set wins.
    #[serde(default)]
    pub region: Vec<String>,
    #[serde(default)]
    pub region_default: Option<String>,
    /// The hosts for the region `global`, which has no regional host name.
    #[serde(default)]
    pub global_hosts: Vec<String>,
    /// More variables masked for this endpoint (cloud credentials).
    #[serde(default)]
    pub keys: Vec<String>,
    pub source: String,
}

/// A base URL in an agent's configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigUrl {
    /// The file, as a path template.
    pub file: String,
    pub format: ConfigFormat,
    /// Dotted key path; a `{key}` segment is replaced by the string at top-level `key`,
    /// a `*` segment matches every key.
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigFormat {
    Toml,
    Json,
}

impl AgentSpec {
    /// Checks what serde cannot: placeholders, variable names, path templates, hosts.
    pub fn check(&self) -> Result<(), String> {
        let var_ok = |v: &str| {
            !v.is_empty()
                && !v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if self.program.is_empty() || self.program.contains(['/', ' ']) {
            return Err(format!("program `{}` must be a bare name", self.program));
        }
        if !self.autonomous.iter().any(|a| a == "{prompt}") {
            return Err("`autonomous` needs a `{prompt}` argument".into());
        }
        if self.homes.is_empty() {
            return Err("an agent needs at least one `[[agent.home]]`".into());
        }
        let mut vars: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        vars.extend(self.env.keys().map(String::as_str));
        for h in &self.homes {
            vars.push(&h.var);
            crate::env::check_template(&h.user).map_err(|e| format!("home `{}`: {e}", h.user))?;
            for n in h.seed.iter().chain(&h.credentials).chain([&h.inner]) {
                if n.starts_with('/') || n.split('/').any(|c| c == ".." || c == ".") {
                    return Err(format!("`{n}` must be a plain relative name"));
                }
            }
        }
        for f in self
            .user_files
            .iter()
            .chain(self.seed_json.iter().map(|s| &s.from))
        {
            crate::env::check_template(f).map_err(|e| format!("`{f}`: {e}"))?;
        }
        for e in &self.endpoints {
            vars.extend(e.when.as_deref());
            vars.extend(e.url.iter().map(String::as_str));
            vars.extend(e.region.iter().map(String::as_str));
            vars.extend(e.keys.iter().map(String::as_str));
            for h in e.hosts.iter().chain(&e.global_hosts) {
                let sample = h.replace("{region}", "us-east-1");
                crate::hosts::validate(&sample).map_err(|why| format!("host `{h}`: {why}"))?;
            }
            for c in &e.config {
                crate::env::check_template(&c.file).map_err(|x| format!("`{}`: {x}", c.file))?;
            }
        }
        if let Some(l) = &self.login {
            vars.push(&l.store_var);
            for h in &l.hosts {
                crate::hosts::validate(h).map_err(|why| format!("login host `{h}`: {why}"))?;
            }
        }
        if let Some(bad) = vars.iter().find(|v| !var_ok(v)) {
            return Err(format!("`{bad}` is not a variable name"));
        }
        Ok(())
    }

    /// Every variable that holds one of this agent's secrets (its own keys and those of
    /// every endpoint), for the secrets catalog: withheld from the other agents.
    pub fn secret_vars(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        out.extend(
            self.endpoints
                .iter()
                .flat_map(|e| e.keys.iter().map(String::as_str)),
        );
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// How the agent authenticates on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// These variables hold its key or token (masked inside).
    Keys(Vec<String>),
    /// No key in the environment, and a subscription login in this file (masked inside).
    Login(std::path::PathBuf),
    /// Neither: the agent will ask for a login, or fail.
    None,
}

/// The agent's key variables that are set here (its own and the endpoint's), else its
/// login file when there is one.
pub fn auth(spec: &AgentSpec, endpoint: &endpoint::Endpoint, env: &crate::env::Env) -> Auth {
    let keys: Vec<String> = spec
        .keys
        .iter()
        .chain(&endpoint.keys)
        .filter(|k| env.var(k).is_some())
        .cloned()
        .collect();
    if !keys.is_empty() {
        return Auth::Keys(keys);
    }
    match (&spec.login, user_home(spec, env)) {
        (Some(l), Some(home)) => {
            let file = home.join(&l.file);
            if std::fs::metadata(&file).is_ok_and(|m| m.is_file()) {
                Auth::Login(file)
            } else {
                Auth::None
            }
        }
        _ => Auth::None,
    }
}

/// The user's own folder of the agent's first home, absolute.
pub fn user_home(spec: &AgentSpec, env: &crate::env::Env) -> Option<std::path::PathBuf> {
    let h = spec.homes.first()?;
    let spelled = env.expand_path(&h.user, env.os)?;
    Some(env.absolute(&spelled, std::path::Path::new("/")))
}

/// The agent fragment a project uses: the one its record names, else the default.
pub fn chosen<'a>(catalog: &'a Catalog, name: Option<&str>) -> Result<&'a Fragment, Error> {
    let name = name.unwrap_or(DEFAULT_AGENT);
    let found = catalog
        .fragments
        .iter()
        .find(|f| f.kind == Kind::Agent && f.answers_to(name));
    found.ok_or_else(|| {
        let mut names: Vec<&str> = agents(catalog).map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        let close = closest_agents(catalog, name);
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!("did you mean {}? ", close.join(", "))
        };
        Error::Usage(format!(
            "no agent `{name}` in the catalog; {hint}the agents are: {}",
            names.join(", ")
        ))
    })
}

/// Every agent of the catalog.
pub fn agents(catalog: &Catalog) -> impl Iterator<Item = &Fragment> {
    catalog
        .fragments
        .iter()
        .filter(|f| f.kind == Kind::Agent && f.agent.is_some())
}

fn closest_agents(catalog: &Catalog, name: &str) -> Vec<String> {
    let name = name.to_ascii_lowercase();
    let mut scored: Vec<(f64, String)> = agents(catalog)
        .flat_map(|f| {
            std::iter::once(&f.name)
                .chain(&f.aliases)
                .map(move |n| (n, f))
        })
        .map(|(n, f)| {
            let s = strsim::jaro_winkler(&name, n);
            let s = if n.contains(&name) || name.contains(n.as_str()) {
                s.max(0.85)
            } else {
                s
            };
            (s, f.name.clone())
        })
        .filter(|(s, _)| *s >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, n) in scored {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out.truncate(3);
    out
}

/// The MCP servers of the active fragments (by name, as the policy's record lists them),
/// each as its fragment defines it (`command`, `args`, `env`).
pub fn mcp_servers<'a>(
    active: impl IntoIterator<Item = &'a str>,
    catalog: &Catalog,
) -> Map<String, Value> {
    let mut servers = Map::new();
    for name in active {
        if let Some(def) = catalog.get(name).and_then(|f| f.mcp_json()) {
            servers.insert(name.to_string(), def);
        }
    }
    servers
}

/// `{"mcpServers":{...}}`: Claude Code's `--mcp-config` and Gemini CLI's settings key.
pub fn mcp_config(servers: &Map<String, Value>) -> Value {
    let mut top = Map::new();
    top.insert("mcpServers".into(), Value::Object(servers.clone()));
    Value::Object(top)
}

/// The arguments `{mcp}` stands for.
pub fn mcp_args(style: McpStyle, servers: &Map<String, Value>) -> Vec<String> {
    match style {
        McpStyle::Claude => vec![
            "--strict-mcp-config".into(),
            "--mcp-config".into(),
            serde_json::to_string(&mcp_config(servers)).expect("json"),
        ],
        McpStyle::Codex => servers
            .iter()
            .flat_map(|(name, def)| {
                [
                    "-c".to_string(),
                    format!("mcp_servers.{}={}", toml_key(name), toml_inline(def)),
                ]
            })
            .collect(),
        McpStyle::None | McpStyle::Opencode | McpStyle::Gemini => Vec::new(),
    }
}

/// Variables that carry the MCP servers (OpenCode reads extra configuration as JSON from
/// `OPENCODE_CONFIG_CONTENT`).
pub fn mcp_env(style: McpStyle, servers: &Map<String, Value>) -> Vec<(String, String)> {
    if style != McpStyle::Opencode {
        return Vec::new();
    }
    let mut mcp = Map::new();
    for (name, def) in servers {
        let mut command = vec![def["command"].clone()];
        command.extend(def["args"].as_array().cloned().unwrap_or_default());
        let mut server = serde_json::json!({"type": "local", "command": command, "enabled": true});
        if let Some(env) = def.get("env") {
            server["environment"] = env.clone();
        }
        mcp.insert(name.clone(), server);
    }
    let v = serde_json::json!({ "mcp": mcp });
    vec![(
        "OPENCODE_CONFIG_CONTENT".into(),
        serde_json::to_string(&v).expect("json"),
    )]
}

/// The autonomous command line: the program, then `autonomous` with `{prompt}` (dropped
/// with no prompt: a recipe appends its own) and `{mcp}` filled in.
pub fn autonomous_argv(spec: &AgentSpec, mcp: &[String], prompt: Option<&str>) -> Vec<String> {
    fill(spec, &spec.autonomous, mcp, prompt)
}

/// The interactive command line, before the user's own arguments.
pub fn interactive_argv(spec: &AgentSpec, mcp: &[String]) -> Vec<String> {
    fill(spec, &spec.interactive, mcp, None)
}

fn fill(spec: &AgentSpec, args: &[String], mcp: &[String], prompt: Option<&str>) -> Vec<String> {
    let mut argv = vec![spec.program.clone()];
    for a in args {
        match a.as_str() {
            "{mcp}" => argv.extend(mcp.iter().cloned()),
            "{prompt}" => argv.extend(prompt.map(str::to_string)),
            other => argv.push(other.to_string()),
        }
    }
    argv
}

/// The agent's command lines for a policy, with the MCP servers of its active fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commands {
    pub name: String,
    pub interactive: Vec<String>,
    /// The autonomous run with `{prompt}` filled in (or dropped, with no prompt).
    pub autonomous: Vec<String>,
    /// Whether the prompt is the autonomous run's last argument.
    pub prompt_last: bool,
    /// Variables that carry the MCP servers (OpenCode).
    pub env: Vec<(String, String)>,
    /// The servers, for agents that read them from a settings file (Gemini CLI).
    pub servers: Map<String, Value>,
}

/// The command lines of `agent` (an agent fragment) for a policy whose active fragments
/// are `active`.
pub fn commands<'a>(
    agent: &Fragment,
    active: impl IntoIterator<Item = &'a str>,
    catalog: &Catalog,
    prompt: Option<&str>,
) -> Commands {
    let spec = agent
        .agent
        .as_ref()
        .expect("an agent fragment has its table");
    let servers = mcp_servers(active, catalog);
    let mcp = mcp_args(spec.mcp, &servers);
    Commands {
        name: agent.name.clone(),
        interactive: interactive_argv(spec, &mcp),
        autonomous: autonomous_argv(spec, &mcp, prompt),
        prompt_last: prompt_is_last(spec),
        env: mcp_env(spec.mcp, &servers),
        servers: if spec.mcp == McpStyle::Gemini {
            servers
        } else {
            Map::new()
        },
    }
}

/// Whether `{prompt}` is the last argument, so that a recipe can append it.
pub fn prompt_is_last(spec: &AgentSpec) -> bool {
    spec.autonomous.last().is_some_and(|a| a == "{prompt}")
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        toml_string(k)
    }
}

/// A TOML basic string: JSON's escapes are TOML's (serde_json never writes `\/`).
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("json string")
}

/// A JSON value as a TOML inline value (`{command = "npx", args = ["-y", "x"]}`).
fn toml_inline(v: &Value) -> String {
    match v {
        Value::Null => "\"\"".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => toml_string(s),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "context7".into(),
            serde_json::json!({"command": "npx", "args": ["-y", "@upstash/context7-mcp"]}),
        );
        m.insert(
            "odd name".into(),
            serde_json::json!({"command": "x", "args": [], "env": {"K": "v\"q"}}),
        );
        m
    }

    #[test]
    fn every_builtin_agent_has_a_valid_table() {
        let catalog = Catalog::builtin().unwrap();
        let names: Vec<&str> = agents(&catalog).map(|f| f.name.as_str()).collect();
        for n in ["claude", "codex", "gemini", "opencode"] {
            assert!(names.contains(&n), "{names:?}");
        }
        for f in agents(&catalog) {
            f.agent.as_ref().unwrap().check().unwrap();
        }
    }

    #[test]
    fn an_unknown_agent_names_the_closest() {
        let catalog = Catalog::builtin().unwrap();
        let e = chosen(&catalog, Some("codx")).unwrap_err().to_string();
        assert!(
            e.contains("`codx`") && e.contains("did you mean codex"),
            "{e}"
        );
        assert_eq!(chosen(&catalog, None).unwrap().name, "claude");
        assert_eq!(
            chosen(&catalog, Some("claude-code")).unwrap().name,
            "claude"
        );
        // A fragment that is not an agent is not an agent.
        assert!(chosen(&catalog, Some("rust")).is_err());
    }

    #[test]
    fn mcp_reaches_each_agent_its_own_way() {
        let s = servers();
        let claude = mcp_args(McpStyle::Claude, &s);
        assert_eq!(claude[..2], ["--strict-mcp-config", "--mcp-config"]);
        let v: Value = serde_json::from_str(&claude[2]).unwrap();
        assert_eq!(v["mcpServers"]["context7"]["command"], "npx");
        let codex = mcp_args(McpStyle::Codex, &s);
        assert_eq!(
            codex[1],
            r#"mcp_servers.context7={args = ["-y", "@upstash/context7-mcp"], command = "npx"}"#
        );
        // Each value parses back as TOML, quoted key and escapes included.
        for pair in codex.chunks(2) {
            let (k, v) = pair[1].split_once('=').unwrap();
            let doc = format!("{k} = {v}");
            let parsed: toml::Table = toml::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert!(parsed.contains_key("mcp_servers"), "{doc}");
        }
        assert!(
            codex[3].starts_with(r#"mcp_servers."odd name"={"#),
            "{codex:?}"
        );
        let env = mcp_env(McpStyle::Opencode, &s);
        let v: Value = serde_json::from_str(&env[0].1).unwrap();
        assert_eq!(
            v["mcp"]["context7"]["command"],
            serde_json::json!(["npx", "-y", "@upstash/context7-mcp"])
        );
        assert_eq!(v["mcp"]["odd name"]["environment"]["K"], "v\"q");
        assert!(mcp_args(McpStyle::Gemini, &s).is_empty());
    }

    #[test]
    fn command_lines_fill_prompt_and_mcp() {
        let catalog = Catalog::builtin().unwrap();
        let spec = chosen(&catalog, Some("claude"))
            .unwrap()
            .agent
            .clone()
            .unwrap();
        let mcp = mcp_args(spec.mcp, &Map::new());
        let argv = autonomous_argv(&spec, &mcp, Some("do it"));
        assert_eq!(argv[0], "claude");
        assert!(argv.contains(&"--dangerously-skip-permissions".to_string()));
        assert!(argv.contains(&"--no-session-persistence".to_string()));
        assert_eq!(argv[argv.len() - 2..], ["-p", "do it"]);
        let argv = autonomous_argv(&spec, &mcp, None);
        assert_eq!(argv.last().unwrap(), "-p");
        assert!(prompt_is_last(&spec));
        let inter = interactive_argv(&spec, &mcp);
        assert!(inter.contains(&"--mcp-config".to_string()), "{inter:?}");
        let codex = chosen(&catalog, Some("codex"))
            .unwrap()
            .agent
            .clone()
            .unwrap();
        let argv = autonomous_argv(&codex, &[], Some("p"));
        assert_eq!(argv[..2], ["codex", "exec"]);
        assert!(argv.contains(&"--ephemeral".to_string()));
        assert_eq!(argv.last().unwrap(), "p");
    }
}
