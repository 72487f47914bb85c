//! The agent's command lines: the autonomous, stateless invocation the recipes and
//! `srt-gen run` use, with exactly the MCP servers of the project's active presets.

use serde_json::{Map, Value};

use super::Catalog;

/// The agent program.
pub const AGENT: &str = "claude";

/// `{"mcpServers":{...}}` with one server per active fragment (by name, as the policy's
/// record lists them) that defines one.
pub fn mcp_config<'a>(active: impl IntoIterator<Item = &'a str>, catalog: &Catalog) -> Value {
    let mut servers = Map::new();
    for name in active {
        if let Some(def) = catalog.get(name).and_then(|f| f.mcp_json()) {
            servers.insert(name.to_string(), def);
        }
    }
    let mut top = Map::new();
    top.insert("mcpServers".into(), Value::Object(servers));
    Value::Object(top)
}

/// `claude --dangerously-skip-permissions --no-session-persistence --strict-mcp-config
/// --mcp-config JSON [-p PROMPT]`: no permission prompts (the sandbox is the boundary), no
/// session written, and no MCP servers but the ones given.
pub fn autonomous_argv(mcp: &Value, prompt: Option<&str>) -> Vec<String> {
    let mut argv: Vec<String> = [
        AGENT,
        "--dangerously-skip-permissions",
        "--no-session-persistence",
        "--strict-mcp-config",
        "--mcp-config",
    ]
    .map(String::from)
    .to_vec();
    argv.push(serde_json::to_string(mcp).expect("json"));
    if let Some(p) = prompt {
        argv.push("-p".into());
        argv.push(p.to_string());
    }
    argv
}
