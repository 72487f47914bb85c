//! Choosing the agent and following its configuration, without the sandbox (issue 13):
//! `init --agent NAME` (remembered), endpoint variables srt cannot use, the recipes' MCP
//! servers, `list`, `add` and `doctor`. The agent inside the real sandbox is
//! tests/agent_e2e.rs.

mod common;

use common::{show, Sandbox};

fn settings(s: &Sandbox) -> serde_json::Value {
    serde_json::from_str(&s.read(".srt.json")).unwrap()
}

#[test]
fn init_agent_is_remembered_and_replaces_the_previous_one() {
    let s = Sandbox::new();
    let out = s.run(&["init", "--agent", "codex"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v = settings(&s);
    assert_eq!(v["srtGen"]["agent"], "codex");
    assert!(common::fragment_names(&v).contains(&"codex".to_string()));
    assert!(!common::fragment_names(&v).contains(&"claude".to_string()));
    assert!(v["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .contains(&"api.openai.com".into()));
    assert!(s.read("justfile").contains("srt-gen run -- codex exec"));
    // A later init without --agent keeps it.
    let out = s.run(&["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(settings(&s)["srtGen"]["agent"], "codex");
    // Back to the default: the record holds no name, and claude's entries come back.
    let out = s.run(&["init", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v = settings(&s);
    assert!(v["srtGen"].get("agent").is_none(), "{v}");
    assert!(common::fragment_names(&v).contains(&"claude".to_string()));
    assert!(!v["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .contains(&"api.openai.com".into()));
    let just = s.read("justfile");
    assert!(
        just.contains("srt-gen run -- claude --dangerously-skip-permissions"),
        "{just}"
    );
}

#[test]
fn bad_agent_input_names_the_culprit_and_writes_nothing() {
    let s = Sandbox::new();
    let out = s.run(&["init", "--agent", "codx"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`codx`") && err.contains("codex"), "{err}");
    assert!(!s.project.join(".srt.json").exists());
    for (var, value, says) in [
        (
            "ANTHROPIC_BASE_URL",
            "gateway.example.com:4000",
            "not a URL",
        ),
        (
            "ANTHROPIC_BASE_URL",
            "https://exa_mple.com",
            "srt would refuse",
        ),
        (
            "ANTHROPIC_BASE_URL",
            "ftp://gw.example.com",
            "not http or https",
        ),
    ] {
        let out = s.cmd().env(var, value).arg("init").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{value}: {}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(var) && err.contains(says), "{value}: {err}");
        assert!(!s.project.join(".srt.json").exists(), "{value}");
        assert!(!s.project.join("justfile").exists(), "{value}");
    }
    let out = s
        .cmd()
        .env("CLAUDE_CODE_USE_BEDROCK", "1")
        .env("AWS_REGION", "eu west 3")
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AWS_REGION"));
    assert!(!s.project.join(".srt.json").exists());
}

#[test]
fn the_endpoint_is_chosen_by_the_environment_and_said_so() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .env("ANTHROPIC_BASE_URL", "http://localhost:4000")
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("agent claude: Anthropic API at localhost:4000 (chosen by the environment: ANTHROPIC_BASE_URL)"),
        "{err}"
    );
    let hosts = settings(&s)["network"]["allowedDomains"].clone();
    assert!(
        hosts.as_array().unwrap().contains(&"localhost:4000".into()),
        "{hosts}"
    );
    assert!(
        !hosts
            .as_array()
            .unwrap()
            .contains(&"api.anthropic.com".into()),
        "{hosts}"
    );
    let out = s
        .cmd()
        .env("CLAUDE_CODE_USE_BEDROCK", "1")
        .env("AWS_REGION", "eu-west-3")
        .args(["init", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["projects"][0].clone();
    assert_eq!(v["agent"]["api"], "Bedrock", "{v}");
    assert_eq!(
        v["agent"]["chosenBy"],
        serde_json::json!(["CLAUDE_CODE_USE_BEDROCK", "AWS_REGION"])
    );
    assert!(settings(&s)["network"]["allowedDomains"]
        .as_array()
        .unwrap()
        .contains(&"bedrock-runtime.eu-west-3.amazonaws.com".into()));
}

#[test]
fn both_recipes_get_the_same_mcp_servers() {
    let s = Sandbox::new();
    assert_eq!(s.run(&["init"]).status.code(), Some(0));
    let out = s.run(&["add", "context7"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let just = s.read("justfile");
    let mcp = r#"--mcp-config '{"mcpServers":{"context7":{"args":["-y","@upstash/context7-mcp"],"command":"npx"}}}'"#;
    let lines: Vec<&str> = just
        .lines()
        .filter(|l| l.starts_with("    srt-gen run"))
        .collect();
    assert_eq!(lines.len(), 2, "{just}");
    for l in lines {
        assert!(l.contains("--strict-mcp-config") && l.contains(mcp), "{l}");
    }
}

#[test]
fn an_agent_is_chosen_not_added_and_list_shows_the_agents() {
    let s = Sandbox::new();
    assert_eq!(s.run(&["init"]).status.code(), Some(0));
    let before = s.read(".srt.json");
    let out = s.run(&["add", "codex"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("srt-gen init --agent codex"));
    assert_eq!(s.read(".srt.json"), before);
    let out = s.run(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let agents = text.split("agents (4)").nth(1).expect("an agents group");
    for a in ["claude", "codex", "gemini", "opencode"] {
        assert!(agents.contains(a), "{text}");
    }
    assert!(text.contains("[active: this project's agent]"), "{text}");
}

#[test]
fn doctor_names_a_missing_agent_with_its_install_command_and_just() {
    let s = Sandbox::new();
    assert_eq!(s.run(&["init", "--agent", "gemini"]).status.code(), Some(0));
    let out = s
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("GEMINI_API_KEY", "g")
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = |name: &str| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {v}"))
            .clone()
    };
    let agent = check("agent");
    if common::which("gemini").is_none() {
        assert_eq!(agent["status"], "warn", "{agent}");
        assert!(agent["fix"]
            .as_str()
            .unwrap()
            .contains("npm install -g @google/gemini-cli"));
    }
    let key = check("agent-key");
    assert!(
        key["detail"]
            .as_str()
            .unwrap()
            .contains("GEMINI_API_KEY masked"),
        "{key}"
    );
    if !std::path::Path::new("/usr/bin/just").exists()
        && !std::path::Path::new("/bin/just").exists()
    {
        let just = check("just");
        assert_eq!(just["status"], "fail", "{just}");
        assert!(just["fix"].as_str().unwrap().contains("cargo install just"));
    }
}
