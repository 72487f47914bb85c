//! Run policy step: the agent (issue 13). Its state is the sandbox's own: a private home per
//! project (`${XDG_STATE_HOME:-~/.local/state}/srt-gen/projects/<project>/<agent>`), named by
//! the variables the agent honours (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`, ...), writable inside
//! and persistent, seeded before each launch from the user's own settings (never copied
//! back); the user's own folders are unreadable (the agent fragment's `denyRead`). Its API
//! hosts follow its configuration on this machine; a loopback endpoint is reached through
//! srt's proxy (`localhost` out of `NO_PROXY` inside). Its key is masked: the sandbox sees a
//! stand-in, srt's proxy puts the real value on requests to the API host only; a
//! subscription login is a read-only masked copy of the credentials file. A run that is not
//! the agent gets none of the agent's keys.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::catalog::agent::endpoint::{self, Endpoint};
use crate::catalog::agent::{self as catalog_agent, AgentSpec, Auth, McpStyle};
use crate::catalog::List;
use crate::error::Error;
use crate::sandbox::seed::Seed;

use super::{Context, Inside, RunPolicy};

/// The most srt-gen reads of a JSON state file it merges into (its own private copy, which
/// the sandbox can write) or of a login file.
const MAX_STATE: u64 = 16 * 1024 * 1024;

/// The system's CA bundle, handed to srt when it terminates TLS (srt checks the upstream
/// certificate with Node's own roots plus `NODE_EXTRA_CA_CERTS`; a machine's private roots
/// live in this bundle).
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

pub(super) fn apply(cx: &Context<'_>, p: &mut RunPolicy) -> Result<(), Error> {
    let frag = catalog_agent::chosen(cx.catalog, cx.committed.agent_name())?;
    let spec = frag
        .agent
        .as_ref()
        .expect("an agent fragment has its table");
    let endpoint = endpoint::resolve(spec, cx.env)?;
    if !cx.agent {
        let present: Vec<&str> = spec
            .secret_vars()
            .into_iter()
            .filter(|k| cx.env.var(k).is_some())
            .collect();
        for k in &present {
            set_env_entry(p, json!({"name": k, "mode": "deny"}));
        }
        if !present.is_empty() {
            p.note(
                "agent",
                format!(
                    "{} withheld: the command is not the agent ({})",
                    present.join(", "),
                    spec.program
                ),
            );
        }
        return Ok(());
    }
    for h in &endpoint.hosts {
        p.add(List::AllowedDomains, h);
    }
    p.note("agent", format!("{}: {}", frag.name, endpoint.label()));
    let root = cx.state.project(&cx.project.root).join(&frag.name);
    private_homes(cx, p, spec, &root)?;
    for (k, v) in &spec.env {
        p.env_set.insert(k.clone(), v.clone());
    }
    let cmds = catalog_agent::commands(frag, cx.committed.fragment_names(), cx.catalog, None);
    for (k, v) in cmds.env {
        p.env_set.insert(k, v);
    }
    if spec.mcp == McpStyle::Gemini {
        gemini_mcp(cx, p, spec, &root, &cmds.servers)?;
    }
    for host in &endpoint.loopback {
        for var in ["NO_PROXY", "no_proxy"] {
            p.inside.push(Inside::DropItem {
                var: var.into(),
                item: host.clone(),
            });
        }
        p.note(
            "agent",
            format!("`{host}` taken out of NO_PROXY inside, so that the agent reaches it through srt's proxy"),
        );
    }
    let inject = credentials(cx, p, spec, &frag.name, &endpoint)?;
    tls(cx, p, &endpoint, &inject);
    Ok(())
}

/// Each home: a folder of its own under the project's state, writable inside, the agent's
/// variable pointing at it, and the user's settings copied in.
fn private_homes(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    spec: &AgentSpec,
    root: &Path,
) -> Result<(), Error> {
    for (i, h) in spec.homes.iter().enumerate() {
        let dir = root.join(h.var.to_ascii_lowercase());
        let agent_dir = dir.join(&h.inner);
        // The folder below `dir` is the sandbox's to write (a link may stand there): seeds
        // go from `dir`, which is srt-gen's, and remove whatever stands in their way.
        let rel = |name: &str| inner_rel(h, name);
        if !p.create.contains(&dir) {
            p.create.push(dir.clone());
        }
        // srt skips a write path that is a symlink: spell where it leads.
        let real = crate::env::resolve_symlinks(&dir);
        p.add(List::AllowWrite, &cx.env.tilde(&real));
        p.env_set.insert(h.var.clone(), real.display().to_string());
        if let Some(user) = user_dir(cx, &h.user) {
            for name in &h.seed {
                let from = user.join(name);
                let text = if h.rewrite.contains(name) {
                    endpoint::read_user_file(&from, MAX_STATE)?
                } else {
                    None
                };
                p.seeds.push(match text {
                    Some(text) => Seed::Bytes {
                        root: dir.clone(),
                        rel: rel(name),
                        bytes: rewrite_home(&text, &user, &h.var, cx).into_bytes(),
                        mode: 0o600,
                    },
                    None => Seed::Copy {
                        from,
                        root: dir.clone(),
                        rel: rel(name),
                    },
                });
            }
        }
        if i == 0 {
            for sj in &spec.seed_json {
                let Some(from) = user_dir(cx, &sj.from) else {
                    continue;
                };
                let bytes = merged_json(&from, &agent_dir.join(&sj.to), &sj.keys, cx)?;
                p.seeds.push(Seed::Bytes {
                    root: dir.clone(),
                    rel: rel(&sj.to),
                    bytes,
                    mode: 0o600,
                });
            }
            p.note(
                "agent",
                format!(
                    "private state {} ({}), seeded from {}",
                    cx.env.tilde(&real),
                    h.var,
                    user_dir(cx, &h.user)
                        .map(|u| cx.env.tilde(&u))
                        .unwrap_or_else(|| h.user.clone())
                ),
            );
        }
    }
    Ok(())
}

/// `text` with the user's folder, spelled as a path (`~/.claude/`, `$HOME/.claude/`, its
/// absolute path), made `$VAR/`: a command that names a file there reaches the private copy.
fn rewrite_home(text: &str, user: &Path, var: &str, cx: &Context<'_>) -> String {
    let abs = user.display().to_string();
    let mut spellings = vec![format!("{abs}/")];
    if let Ok(rest) = user.strip_prefix(&cx.env.home) {
        let rest = rest.display();
        spellings.extend([
            format!("~/{rest}/"),
            format!("$HOME/{rest}/"),
            format!("${{HOME}}/{rest}/"),
        ]);
    }
    let mut out = text.to_string();
    for s in spellings {
        out = out.replace(&s, &format!("${var}/"));
    }
    out
}

/// `name` in the agent's folder below its home variable's folder, relative to that folder.
fn inner_rel(h: &catalog_agent::Home, name: &str) -> String {
    if h.inner.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", h.inner)
    }
}

/// A path template of the user's, absolute.
fn user_dir(cx: &Context<'_>, template: &str) -> Option<PathBuf> {
    let spelled = cx.env.expand_path(template, cx.env.os)?;
    Some(cx.env.absolute(&spelled, &cx.project.root))
}

/// The private JSON state file with `keys` taken from the user's file: the agent's own
/// keys in the private file stay, the seeded ones follow the user's (a key the user no
/// longer has goes). The private file is the sandbox's: read bounded, never through a
/// link, and only as data (a broken one is started afresh).
fn merged_json(
    user_file: &Path,
    private_file: &Path,
    keys: &[String],
    cx: &Context<'_>,
) -> Result<Vec<u8>, Error> {
    let user: Value = endpoint::read_user_file(user_file, MAX_STATE)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let mut private: Value = match crate::files::read_bounded(private_file, MAX_STATE) {
        Ok(crate::files::Bounded::Bytes(b)) => serde_json::from_slice(&b).unwrap_or(json!({})),
        _ => json!({}),
    };
    if !private.is_object() {
        private = json!({});
    }
    let project = cx.project.root.display().to_string();
    for key in keys {
        let path: Vec<String> = key
            .split('.')
            .map(|k| {
                if k == "{project}" {
                    project.clone()
                } else {
                    k.to_string()
                }
            })
            .collect();
        let from = path.iter().try_fold(&user, |v, k| v.get(k));
        set_path(&mut private, &path, from.cloned());
    }
    let mut bytes = serde_json::to_vec_pretty(&private).expect("json");
    bytes.push(b'\n');
    Ok(bytes)
}

/// Sets (or with `None`, removes) the value at `path`, making objects on the way.
fn set_path(doc: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, dirs)) = path.split_last() else {
        return;
    };
    let mut cur = doc;
    for k in dirs {
        if !cur.get(k).is_some_and(Value::is_object) {
            if value.is_none() {
                return;
            }
            cur[k.as_str()] = json!({});
        }
        cur = cur.get_mut(k).expect("just made");
    }
    let Some(obj) = cur.as_object_mut() else {
        return;
    };
    match value {
        Some(v) => {
            obj.insert(last.clone(), v);
        }
        None => {
            obj.remove(last);
        }
    }
}

/// Gemini CLI takes MCP servers from `settings.json` only: the private copy is the user's
/// with `mcpServers` replaced by the project's.
fn gemini_mcp(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    spec: &AgentSpec,
    root: &Path,
    servers: &Map<String, Value>,
) -> Result<(), Error> {
    let h = &spec.homes[0];
    let dir = root.join(h.var.to_ascii_lowercase());
    let agent_dir = dir.join(&h.inner);
    let user = user_dir(cx, &h.user).map(|u| u.join("settings.json"));
    let mut settings: Value = match user {
        Some(u) => endpoint::read_user_file(&u, MAX_STATE)?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(json!({})),
        None => json!({}),
    };
    if !settings.is_object() {
        settings = json!({});
    }
    settings["mcpServers"] = Value::Object(servers.clone());
    // Headless Gemini CLI stops with "Invalid auth method selected" unless the settings name
    // one (0.61.0, tried): with a key in the environment and none chosen, the key's.
    let chosen = settings
        .pointer("/security/auth/selectedType")
        .is_some_and(Value::is_string);
    if !chosen {
        let kind = if cx.env.var("GOOGLE_GENAI_USE_VERTEXAI").is_some() {
            Some("vertex-ai")
        } else if cx.env.var("GEMINI_API_KEY").is_some() {
            Some("gemini-api-key")
        } else {
            None
        };
        if let Some(kind) = kind {
            set_path(
                &mut settings,
                &["security".into(), "auth".into(), "selectedType".into()],
                Some(json!(kind)),
            );
        }
    }
    p.seeds
        .retain(|s| s.target() != agent_dir.join("settings.json"));
    let mut bytes = serde_json::to_vec_pretty(&settings).expect("json");
    bytes.push(b'\n');
    p.seeds.push(Seed::Bytes {
        root: dir,
        rel: inner_rel(h, "settings.json"),
        bytes,
        mode: 0o600,
    });
    Ok(())
}

/// The agent's key, masked; or its login, as a masked read-only copy. Returns the hosts
/// srt puts the real values on.
fn credentials(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    spec: &AgentSpec,
    name: &str,
    endpoint: &Endpoint,
) -> Result<Vec<String>, Error> {
    let mut inject = endpoint.inject_hosts();
    match catalog_agent::auth(spec, endpoint, cx.env) {
        Auth::Keys(keys) => {
            for k in &keys {
                set_env_entry(p, json!({"name": k, "mode": "mask", "injectHosts": inject}));
            }
            p.note(
                "agent",
                format!(
                    "{} masked: the sandbox sees a stand-in, srt's proxy puts the real value on requests to {} only",
                    keys.join(", "),
                    inject.join(", ")
                ),
            );
        }
        Auth::Login(file) => {
            let login = spec
                .login
                .as_ref()
                .expect("auth gives a login only with one");
            let text = endpoint::read_user_file(&file, MAX_STATE)?.unwrap_or_default();
            let dir = cx.state.config_copy(name, "login");
            p.seeds.push(Seed::Bytes {
                root: dir.clone(),
                rel: login.file.clone(),
                bytes: text.into_bytes(),
                mode: 0o600,
            });
            p.env_set
                .insert(login.store_var.clone(), dir.display().to_string());
            for h in &login.hosts {
                p.add(List::AllowedDomains, h);
                if !inject.contains(h) {
                    inject.push(h.clone());
                }
            }
            add_list_entry(
                p,
                "files",
                json!({"path": dir.join(&login.file).display().to_string(), "mode": "mask",
                    "extract": login.extract, "onExtractNoMatch": "deny", "injectHosts": inject}),
            );
            p.note(
                "agent",
                format!(
                    "subscription login {} masked: a read-only copy with stand-in tokens, the real ones put on requests to {} only; a token refresh inside is not saved",
                    cx.env.tilde(&file),
                    inject.join(", ")
                ),
            );
        }
        Auth::None => {
            p.note(
                "agent",
                format!(
                    "no key ({}) and no login found for the agent",
                    spec.keys.join(", ")
                ),
            );
            return Ok(Vec::new());
        }
    }
    Ok(inject)
}

/// What masking needs from srt's network: plain HTTP to a masked host needs
/// `allowPlaintextInject`; HTTPS needs TLS terminated, and only for the hosts srt puts a
/// value on (`excludeDomains` = every other allowed host, which then passes untouched, so
/// that tools pinning their own CA bundle keep working).
fn tls(cx: &Context<'_>, p: &mut RunPolicy, endpoint: &Endpoint, inject: &[String]) {
    if inject.is_empty() {
        return;
    }
    let plain: Vec<String> = if endpoint.plaintext {
        endpoint.inject_hosts()
    } else {
        Vec::new()
    };
    if !plain.is_empty() {
        let creds = section(p, "credentials");
        creds.insert("allowPlaintextInject".into(), Value::Bool(true));
        p.note(
            "agent",
            format!(
                "{} is plain HTTP: srt puts the real value on it without TLS (allowPlaintextInject)",
                plain.join(", ")
            ),
        );
    }
    if inject.iter().all(|h| plain.contains(h)) {
        return;
    }
    let mut exclude: Vec<String> = Vec::new();
    for entry in p.settings.strings(List::AllowedDomains) {
        let host = crate::hosts::split_port(entry).0;
        let host = if entry.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let covers_inject = inject
            .iter()
            .any(|i| i == &host || crate::hosts::matches(&host, i));
        if !covers_inject && !exclude.contains(&host) {
            exclude.push(host);
        }
    }
    exclude.sort();
    let net = &mut p.settings.network.other;
    let tls = net
        .entry("tlsTerminate".to_string())
        .or_insert_with(|| json!({}));
    if let Some(obj) = tls.as_object_mut() {
        let list = obj.entry("excludeDomains").or_insert_with(|| json!([]));
        if let Some(a) = list.as_array_mut() {
            for h in exclude {
                if !a.iter().any(|v| v.as_str() == Some(&h)) {
                    a.push(Value::String(h));
                }
            }
        }
    }
    if cx.env.var("NODE_EXTRA_CA_CERTS").is_none() && Path::new(SYSTEM_BUNDLE).is_file() {
        p.env_set
            .insert("NODE_EXTRA_CA_CERTS".into(), SYSTEM_BUNDLE.into());
    }
    p.note(
        "agent",
        format!(
            "TLS terminated by srt for {} only (every other host passes untouched)",
            inject
                .iter()
                .filter(|h| !plain.contains(h))
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
}

/// The top-level object `key` of the run policy (`credentials`), made if absent.
fn section<'a>(p: &'a mut RunPolicy, key: &str) -> &'a mut Map<String, Value> {
    let v = p
        .settings
        .other
        .entry(key.to_string())
        .or_insert_with(|| json!({}));
    if !v.is_object() {
        *v = json!({});
    }
    v.as_object_mut().expect("an object")
}

/// Puts an entry into `credentials.<list>`.
fn add_list_entry(p: &mut RunPolicy, list: &str, entry: Value) {
    let creds = section(p, "credentials");
    let l = creds.entry(list.to_string()).or_insert_with(|| json!([]));
    if !l.is_array() {
        *l = json!([]);
    }
    l.as_array_mut().expect("an array").push(entry);
}

/// Puts an entry into `credentials.envVars`, replacing any for the same name (the agent's
/// own key is masked, not denied).
fn set_env_entry(p: &mut RunPolicy, entry: Value) {
    let creds = section(p, "credentials");
    let l = creds.entry("envVars").or_insert_with(|| json!([]));
    if !l.is_array() {
        *l = json!([]);
    }
    let a = l.as_array_mut().expect("an array");
    a.retain(|e| e.get("name") != entry.get("name"));
    a.push(entry);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::detect::project::Project;
    use crate::env::{Env, Os};
    use crate::policy::settings::Settings;
    use crate::sandbox::state::StateDirs;

    struct Fixture {
        _dir: tempfile::TempDir,
        home: PathBuf,
        project: Project,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let root = dir.path().join("proj");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        Fixture {
            project: Project::at(&root).unwrap(),
            home,
            _dir: dir,
        }
    }

    fn policy(f: &Fixture, vars: &[(&str, &str)], agent: bool, record: &str) -> RunPolicy {
        let env = Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: f.home.clone(),
            os: Os::Linux,
        };
        let catalog = Catalog::builtin().unwrap();
        let committed = Settings::parse(record, Path::new("x.json")).unwrap();
        let cx = Context {
            project: &f.project,
            committed: &committed,
            catalog: &catalog,
            env: &env,
            state: StateDirs::for_env(&env),
            agent,
            pass_env: Default::default(),
        };
        let mut p = RunPolicy {
            settings: committed.clone(),
            ..RunPolicy::default()
        };
        apply(&cx, &mut p).unwrap();
        p
    }

    const EMPTY: &str = r#"{"network":{"allowedDomains":["registry.npmjs.org"],"deniedDomains":[]},
        "filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]}}"#;

    fn env_entry<'a>(p: &'a RunPolicy, name: &str) -> Option<&'a Value> {
        p.settings.other.get("credentials")?["envVars"]
            .as_array()?
            .iter()
            .find(|e| e["name"] == name)
    }

    #[test]
    fn the_agent_gets_a_private_home_and_a_masked_key() {
        let f = fixture();
        std::fs::create_dir_all(f.home.join(".claude")).unwrap();
        let abs = f.home.join(".claude/hooks/b.sh");
        std::fs::write(
            f.home.join(".claude/settings.json"),
            format!(
                r#"{{"hooks":["~/.claude/hooks/a.sh","{}"]}}"#,
                abs.display()
            ),
        )
        .unwrap();
        let p = policy(
            &f,
            &[
                ("ANTHROPIC_API_KEY", "sk-real"),
                ("ANTHROPIC_BASE_URL", "http://localhost:4000"),
            ],
            true,
            EMPTY,
        );
        let cfg = PathBuf::from(&p.env_set["CLAUDE_CONFIG_DIR"]);
        assert!(
            cfg.starts_with(f.home.join(".local/state/srt-gen/projects")),
            "{cfg:?}"
        );
        assert!(cfg.ends_with("claude/claude_config_dir"), "{cfg:?}");
        assert!(p
            .settings
            .strings(List::AllowWrite)
            .contains(&cx_tilde(&f, &cfg).as_str()));
        assert_eq!(p.env_set["IS_SANDBOX"], "1");
        assert!(p
            .settings
            .strings(List::AllowedDomains)
            .contains(&"localhost:4000"));
        let e = env_entry(&p, "ANTHROPIC_API_KEY").unwrap();
        assert_eq!(e["mode"], "mask");
        assert_eq!(e["injectHosts"], json!(["localhost"]));
        assert_eq!(
            p.settings.other["credentials"]["allowPlaintextInject"],
            json!(true)
        );
        // Plain HTTP only: no TLS termination.
        assert!(!p.settings.network.other.contains_key("tlsTerminate"));
        assert!(p.inside.contains(&Inside::DropItem {
            var: "NO_PROXY".into(),
            item: "localhost".into()
        }));
        let Some(Seed::Bytes { bytes, .. }) = p
            .seeds
            .iter()
            .find(|s| s.target() == cfg.join("settings.json"))
        else {
            panic!("settings.json is seeded, rewritten: {:?}", p.seeds)
        };
        assert_eq!(
            String::from_utf8_lossy(bytes),
            r#"{"hooks":["$CLAUDE_CONFIG_DIR/hooks/a.sh","$CLAUDE_CONFIG_DIR/hooks/b.sh"]}"#
        );
        assert!(!p
            .seeds
            .iter()
            .any(|s| s.target().ends_with(".credentials.json")));
        // The key's value is nowhere in the policy.
        assert!(!serde_json::to_string(&p.settings)
            .unwrap()
            .contains("sk-real"));
    }

    fn cx_tilde(f: &Fixture, p: &Path) -> String {
        let rest = p.strip_prefix(&f.home).unwrap();
        format!("~/{}", rest.display())
    }

    #[test]
    fn https_terminates_only_the_api_host() {
        let f = fixture();
        let p = policy(&f, &[("ANTHROPIC_API_KEY", "k")], true, EMPTY);
        let tls = &p.settings.network.other["tlsTerminate"];
        assert_eq!(tls["excludeDomains"], json!(["registry.npmjs.org"]));
        assert!(p.inside.is_empty());
        assert_eq!(
            env_entry(&p, "ANTHROPIC_API_KEY").unwrap()["injectHosts"],
            json!(["api.anthropic.com"])
        );
    }

    #[test]
    fn a_login_is_a_masked_read_only_copy() {
        let f = fixture();
        std::fs::create_dir_all(f.home.join(".claude")).unwrap();
        std::fs::write(
            f.home.join(".claude/.credentials.json"),
            r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-X","refreshToken":"sk-ant-ort01-Y"}}"#,
        )
        .unwrap();
        let p = policy(&f, &[], true, EMPTY);
        let store = PathBuf::from(&p.env_set["CLAUDE_SECURESTORAGE_CONFIG_DIR"]);
        assert!(
            store.starts_with(f.home.join(".cache/srt-gen/config")),
            "{store:?}"
        );
        let files = &p.settings.other["credentials"]["files"];
        assert_eq!(files[0]["mode"], "mask");
        assert_eq!(files[0]["onExtractNoMatch"], "deny");
        assert_eq!(
            files[0]["injectHosts"],
            json!(["api.anthropic.com", "platform.claude.com"])
        );
        assert!(p
            .settings
            .strings(List::AllowedDomains)
            .contains(&"platform.claude.com"));
        // The copy is not writable inside.
        assert!(!p
            .settings
            .strings(List::AllowWrite)
            .iter()
            .any(|w| cx_tilde(&f, &store).starts_with(w.trim_end_matches('/'))));
    }

    /// The whole run policy, every step, for the agent or a plain command.
    fn built(f: &Fixture, vars: &[(&str, &str)], agent: bool) -> RunPolicy {
        let env = Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: f.home.clone(),
            os: Os::Linux,
        };
        let catalog = Catalog::builtin().unwrap();
        let committed = Settings::parse(EMPTY, Path::new("x.json")).unwrap();
        let cx = Context {
            project: &f.project,
            committed: &committed,
            catalog: &catalog,
            env: &env,
            state: StateDirs::for_env(&env),
            agent,
            pass_env: Default::default(),
        };
        super::super::build(&cx, true).unwrap()
    }

    #[test]
    fn the_agents_other_keys_are_withheld_when_its_endpoint_does_not_use_them() {
        // On the Anthropic API, Bedrock's token is not the agent's key for this run: it
        // reached the agent as it was (the secrets step skipped every key of the agent).
        let f = fixture();
        let p = built(
            &f,
            &[
                ("ANTHROPIC_API_KEY", "sk-real"),
                ("AWS_BEARER_TOKEN_BEDROCK", "bedrock-secret"),
            ],
            true,
        );
        assert_eq!(env_entry(&p, "ANTHROPIC_API_KEY").unwrap()["mode"], "mask");
        assert!(!p.env_remove.contains("ANTHROPIC_API_KEY"));
        assert_eq!(
            env_entry(&p, "AWS_BEARER_TOKEN_BEDROCK").unwrap()["mode"],
            "deny"
        );
        assert!(p.env_remove.contains("AWS_BEARER_TOKEN_BEDROCK"));
    }

    #[test]
    fn a_command_that_is_not_the_agent_gets_no_key() {
        let f = fixture();
        let p = policy(
            &f,
            &[("ANTHROPIC_API_KEY", "k"), ("CLAUDE_CODE_OAUTH_TOKEN", "t")],
            false,
            EMPTY,
        );
        assert_eq!(env_entry(&p, "ANTHROPIC_API_KEY").unwrap()["mode"], "deny");
        assert_eq!(
            env_entry(&p, "CLAUDE_CODE_OAUTH_TOKEN").unwrap()["mode"],
            "deny"
        );
        assert!(p.env_set.is_empty() && p.seeds.is_empty());
    }

    #[test]
    fn seeded_json_takes_only_the_named_keys() {
        let f = fixture();
        let root = f.project.root.display().to_string();
        std::fs::write(
            f.home.join(".claude.json"),
            json!({"mcpServers": {"u": {"command": "x"}}, "oauthAccount": {"email": "a@b"},
                "projects": {root.clone(): {"mcpServers": {"p": {}}, "history": ["secret"]}, "/other": {}}})
            .to_string(),
        )
        .unwrap();
        let p = policy(&f, &[("ANTHROPIC_API_KEY", "k")], true, EMPTY);
        let Some(Seed::Bytes { bytes, .. }) = p
            .seeds
            .iter()
            .find(|s| s.target().ends_with(".claude.json"))
        else {
            panic!("no .claude.json seed: {:?}", p.seeds)
        };
        let v: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(v["mcpServers"]["u"]["command"], "x");
        assert_eq!(v["projects"][&root]["mcpServers"]["p"], json!({}));
        assert!(v.get("oauthAccount").is_none());
        assert!(v["projects"][&root].get("history").is_none());
        assert!(v["projects"].get("/other").is_none());
    }

    #[test]
    fn gemini_gets_the_projects_mcp_servers_in_its_settings() {
        let f = fixture();
        let record = r#"{"network":{"allowedDomains":[],"deniedDomains":[]},
            "filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]},
            "srtGen":{"version":1,"agent":"gemini","fragments":{"context7":{"why":"added"}}}}"#;
        let p = policy(&f, &[("GEMINI_API_KEY", "g")], true, record);
        let home = PathBuf::from(&p.env_set["GEMINI_CLI_HOME"]);
        let Some(Seed::Bytes { bytes, .. }) = p
            .seeds
            .iter()
            .find(|s| s.target() == home.join(".gemini/settings.json"))
        else {
            panic!("{:?}", p.seeds)
        };
        let v: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(v["mcpServers"]["context7"]["command"], "npx");
        assert_eq!(v["security"]["auth"]["selectedType"], "gemini-api-key");
        assert_eq!(env_entry(&p, "GEMINI_API_KEY").unwrap()["mode"], "mask");
    }
}
