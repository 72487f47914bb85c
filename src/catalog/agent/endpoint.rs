//! Where the agent's API is, from the agent's own configuration: a base-URL variable (a
//! company gateway, a local proxy on `localhost:4000`), a cloud mode switched on by a
//! variable (Bedrock with its region's hosts, Vertex AI), a base URL in the agent's own
//! configuration file, or the catalog's default host. `init` writes the hosts into the
//! policy and says which variable chose them; `run` resolves them again at every launch.
//!
//! A value srt could not use is an error that names the variable (or file and key), so
//! that nothing is written and nothing starts with a host nobody asked for.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{AgentSpec, ConfigFormat, EndpointSpec};
use crate::env::Env;
use crate::error::Error;

/// The most srt-gen reads of an agent's configuration file.
const MAX_CONFIG: u64 = 4 * 1024 * 1024;

/// The agent's API as this machine's configuration chooses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What it is (`Anthropic API`, `Bedrock`), from the catalog.
    pub name: String,
    /// Allow-list entries: `host`, or `host:port` for a URL with an explicit port.
    pub hosts: Vec<String>,
    /// What chose them (`ANTHROPIC_BASE_URL`, `CLAUDE_CODE_USE_BEDROCK`,
    /// `~/.codex/config.toml: openai_base_url`); empty: the catalog's default.
    pub chosen_by: Vec<String>,
    /// A base URL that is plain `http://`: a masked key can reach it only with srt's
    /// `allowPlaintextInject`.
    pub plaintext: bool,
    /// Loopback host names the base URL uses (`localhost`, `127.0.0.1`): taken out of
    /// `NO_PROXY` inside, so that the agent goes through srt's proxy (a direct
    /// connection fails in the sandbox's own network namespace).
    pub loopback: Vec<String>,
    /// More variables masked for this endpoint (its cloud credentials).
    pub keys: Vec<String>,
}

impl Endpoint {
    /// The host names without ports: srt's `injectHosts` for the masked key.
    pub fn inject_hosts(&self) -> Vec<String> {
        let mut out: Vec<String> = self.hosts.iter().map(|h| host_only(h)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// `chosen by the environment: ANTHROPIC_BASE_URL`, or `the default`.
    pub fn whence(&self) -> String {
        if self.chosen_by.is_empty() {
            "the default".into()
        } else {
            format!("chosen by the environment: {}", self.chosen_by.join(", "))
        }
    }

    /// `Anthropic API at localhost:4000 (chosen by the environment: ANTHROPIC_BASE_URL)`.
    pub fn label(&self) -> String {
        format!(
            "{} at {} ({})",
            self.name,
            self.hosts.join(", "),
            self.whence()
        )
    }
}

/// An allow-list entry without its port; an IPv6 address keeps its brackets.
fn host_only(entry: &str) -> String {
    let host = crate::hosts::split_port(entry).0;
    if entry.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The first endpoint of the agent that applies on this machine.
pub fn resolve(spec: &AgentSpec, env: &Env) -> Result<Endpoint, Error> {
    for e in &spec.endpoints {
        let mut chosen_by = Vec::new();
        if let Some(switch) = &e.when {
            match env.var(switch) {
                Some(v) if is_true(v) => chosen_by.push(switch.clone()),
                _ => continue,
            }
        }
        if let Some((origin, url)) = base_url(e, env)? {
            let parsed = parse_url(&url).map_err(|why| bad_value(&origin, &url, &why))?;
            chosen_by.push(origin);
            let loopback = if parsed.loopback {
                vec![parsed.host.clone()]
            } else {
                Vec::new()
            };
            return Ok(Endpoint {
                name: e.name.clone(),
                hosts: vec![parsed.entry],
                chosen_by,
                plaintext: parsed.scheme == "http",
                loopback,
                keys: e.keys.clone(),
            });
        }
        let (hosts, region_var) = regional_hosts(e, env)?;
        chosen_by.extend(region_var);
        return Ok(Endpoint {
            name: e.name.clone(),
            hosts,
            chosen_by,
            plaintext: false,
            loopback: Vec::new(),
            keys: e.keys.clone(),
        });
    }
    Err(Error::Catalog {
        file: "the agent's fragment".into(),
        message: "no `[[agent.endpoint]]` applies; the last one must have no `when`".into(),
    })
}

/// `1`, `true`, `yes`, `on` (any case): what the agents read as switched on.
fn is_true(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

fn bad_value(origin: &str, value: &str, why: &str) -> Error {
    Error::Usage(format!(
        "{origin} is `{}`, which srt-gen cannot use as the agent's API: {why}; fix or unset it",
        value.escape_debug()
    ))
}

/// The base URL that overrides the hosts, and what set it.
fn base_url(e: &EndpointSpec, env: &Env) -> Result<Option<(String, String)>, Error> {
    for var in &e.url {
        if let Some(v) = env.var(var) {
            return Ok(Some((var.clone(), v.to_string())));
        }
    }
    for c in &e.config {
        let Some(file) = env.expand_path(&c.file, env.os) else {
            continue;
        };
        let path = env.absolute(&file, Path::new("/"));
        let Some(doc) = read_config(&path, c.format)? else {
            continue;
        };
        match lookup(&doc, &c.key) {
            Some(Value::String(url)) if !url.is_empty() => {
                return Ok(Some((format!("{file}: {}", c.key), url.clone())));
            }
            Some(Value::String(_)) | None => {}
            Some(other) => {
                return Err(bad_value(
                    &format!("{file}: {}", c.key),
                    &other.to_string(),
                    "not a string",
                ))
            }
        }
    }
    Ok(None)
}

/// The hosts with the region filled in, and the variable that named the region.
fn regional_hosts(e: &EndpointSpec, env: &Env) -> Result<(Vec<String>, Option<String>), Error> {
    let named = e
        .region
        .iter()
        .find_map(|v| env.var(v).map(|r| (Some(v.clone()), r.to_string())));
    let (var, region) = match named {
        Some(x) => x,
        None => (None, e.region_default.clone().unwrap_or_default()),
    };
    let templates = if region == "global" && !e.global_hosts.is_empty() {
        &e.global_hosts
    } else {
        &e.hosts
    };
    let mut hosts = Vec::new();
    for t in templates {
        let host = t.replace("{region}", &region).to_ascii_lowercase();
        if let Err(why) = crate::hosts::validate(&host) {
            let origin = var.clone().unwrap_or_else(|| "the catalog's region".into());
            return Err(bad_value(
                &origin,
                &region,
                &format!(
                    "it makes the host `{}`, which srt would refuse ({why})",
                    host.escape_debug()
                ),
            ));
        }
        hosts.push(host);
    }
    Ok((hosts, var))
}

/// Reads the user's own configuration file (following the user's symlinks: it is the
/// user's file, never one the sandbox can write), bounded. `None` when absent.
fn read_config(path: &Path, format: ConfigFormat) -> Result<Option<Value>, Error> {
    let Some(text) = read_user_file(path, MAX_CONFIG)? else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    let doc = match format {
        ConfigFormat::Toml => toml::from_str::<Value>(&text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |s| crate::error::line_col(&text, s.start));
            Error::Parse {
                file: shown,
                line,
                column,
                message: e.message().to_string(),
            }
        })?,
        ConfigFormat::Json => serde_json::from_str(&text).map_err(|e| Error::Parse {
            file: shown,
            line: e.line(),
            column: e.column(),
            message: crate::error::strip_position(&e.to_string()),
        })?,
    };
    Ok(Some(doc))
}

/// A file of the user's own (agent configuration, credentials), read through the user's
/// symlinks but only as a regular file of at most `max` bytes. `None` when absent.
pub fn read_user_file(path: &Path, max: u64) -> Result<Option<String>, Error> {
    let real: PathBuf = match path.canonicalize() {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
    };
    match crate::files::read_bounded(&real, max)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
    {
        crate::files::Bounded::Absent => Ok(None),
        crate::files::Bounded::Bytes(b) => {
            String::from_utf8(b).map(Some).map_err(|e| Error::Parse {
                file: path.display().to_string(),
                line: 0,
                column: 0,
                message: crate::error::not_utf8(&e),
            })
        }
        crate::files::Bounded::TooLarge(n) => Err(Error::Refused(format!(
            "{} is {n} bytes, more than srt-gen reads of an agent's file ({max})",
            path.display()
        ))),
        crate::files::Bounded::NotRegular(what) => Err(Error::Refused(format!(
            "{} is {what}, not a regular file; srt-gen does not read it",
            path.display()
        ))),
    }
}

/// The value at a dotted key path: a `{key}` segment is the string at top-level `key`, a
/// `*` segment the first key whose value has the rest of the path.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    fn walk<'a>(doc: &'a Value, root: &'a Value, parts: &[&str]) -> Option<&'a Value> {
        let Some((first, rest)) = parts.split_first() else {
            return Some(doc);
        };
        let obj = doc.as_object()?;
        if *first == "*" {
            return obj.values().find_map(|v| walk(v, root, rest));
        }
        let key = match first.strip_prefix('{').and_then(|k| k.strip_suffix('}')) {
            Some(k) => root.get(k)?.as_str()?,
            None => first,
        };
        walk(obj.get(key)?, root, rest)
    }
    let parts: Vec<&str> = path.split('.').collect();
    walk(doc, doc, &parts)
}

/// A base URL as the agents take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// Lower-cased; an IPv6 address keeps its brackets.
    pub host: String,
    /// The allow-list entry: `host`, or `host:port` when the URL names a port.
    pub entry: String,
    pub loopback: bool,
}

/// Parses `http(s)://[user@]host[:port][/path]`.
pub fn parse_url(url: &str) -> Result<Url, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("not a URL (it needs `https://` or `http://` before the host)")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "the scheme `{scheme}` is not http or https (srt's proxy carries HTTP only)"
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a URL holds no spaces or control characters".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.is_empty() {
        return Err("no host after the scheme".into());
    }
    let (host, port) = crate::hosts::split_port(hostport);
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = if hostport.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let entry = match port {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    crate::hosts::validate(&entry).map_err(|why| {
        format!(
            "its host `{}` is one srt would refuse ({why})",
            entry.escape_debug()
        )
    })?;
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .strip_prefix("127.")
            .is_some_and(|r| r.split('.').count() == 3);
    Ok(Url {
        scheme,
        host,
        entry,
        loopback,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::env::Os;

    fn env(vars: &[(&str, &str)], home: &Path) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: home.to_path_buf(),
            os: Os::Linux,
        }
    }

    fn spec(name: &str) -> AgentSpec {
        let c = Catalog::builtin().unwrap();
        super::super::chosen(&c, Some(name))
            .unwrap()
            .agent
            .clone()
            .unwrap()
    }

    #[test]
    fn urls_as_srt_takes_them() {
        let u = parse_url("http://localhost:4000").unwrap();
        assert_eq!((u.entry.as_str(), u.loopback), ("localhost:4000", true));
        let u = parse_url("https://Gateway.Example.com/anthropic/").unwrap();
        assert_eq!(
            (u.entry.as_str(), u.loopback),
            ("gateway.example.com", false)
        );
        assert_eq!(
            parse_url("http://127.0.0.1:8080/x").unwrap().entry,
            "127.0.0.1:8080"
        );
        assert!(parse_url("http://[::1]:9").unwrap().loopback);
        assert_eq!(
            parse_url("https://u:p@h.example.com").unwrap().entry,
            "h.example.com"
        );
        for bad in [
            "localhost:4000",
            "ftp://h.example.com",
            "https://",
            "https://exa mple.com",
            "https://h.example.com:99999",
            "https://single",
            "https://h.example.com\n",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn claude_follows_its_variables() {
        let home = tempfile::tempdir().unwrap();
        let s = spec("claude");
        let e = resolve(&s, &env(&[], home.path())).unwrap();
        assert_eq!(e.hosts, ["api.anthropic.com"]);
        assert!(e.chosen_by.is_empty() && !e.plaintext);
        let e = resolve(
            &s,
            &env(
                &[("ANTHROPIC_BASE_URL", "http://localhost:4000")],
                home.path(),
            ),
        )
        .unwrap();
        assert_eq!(e.hosts, ["localhost:4000"]);
        assert_eq!(e.chosen_by, ["ANTHROPIC_BASE_URL"]);
        assert!(e.plaintext);
        assert_eq!(e.loopback, ["localhost"]);
        assert_eq!(e.inject_hosts(), ["localhost"]);
        let e = resolve(
            &s,
            &env(
                &[
                    ("CLAUDE_CODE_USE_BEDROCK", "1"),
                    ("AWS_REGION", "eu-west-3"),
                ],
                home.path(),
            ),
        )
        .unwrap();
        assert_eq!(
            e.hosts,
            [
                "bedrock-runtime.eu-west-3.amazonaws.com",
                "bedrock.eu-west-3.amazonaws.com"
            ]
        );
        assert_eq!(e.chosen_by, ["CLAUDE_CODE_USE_BEDROCK", "AWS_REGION"]);
        assert!(e.keys.contains(&"AWS_SECRET_ACCESS_KEY".to_string()));
        let e = resolve(&s, &env(&[("CLAUDE_CODE_USE_BEDROCK", "0")], home.path())).unwrap();
        assert_eq!(e.hosts, ["api.anthropic.com"]);
        let e = resolve(
            &s,
            &env(
                &[
                    ("CLAUDE_CODE_USE_BEDROCK", "true"),
                    ("ANTHROPIC_BEDROCK_BASE_URL", "http://localhost:9000"),
                ],
                home.path(),
            ),
        )
        .unwrap();
        assert_eq!(e.hosts, ["localhost:9000"]);
        let e = resolve(
            &s,
            &env(
                &[
                    ("CLAUDE_CODE_USE_VERTEX", "1"),
                    ("CLOUD_ML_REGION", "us-east5"),
                ],
                home.path(),
            ),
        )
        .unwrap();
        assert!(
            e.hosts
                .contains(&"us-east5-aiplatform.googleapis.com".to_string()),
            "{e:?}"
        );
        let e = resolve(
            &s,
            &env(
                &[
                    ("CLAUDE_CODE_USE_VERTEX", "1"),
                    ("CLOUD_ML_REGION", "global"),
                ],
                home.path(),
            ),
        )
        .unwrap();
        assert!(
            e.hosts.contains(&"aiplatform.googleapis.com".to_string()),
            "{e:?}"
        );
        assert!(e
            .label()
            .contains("chosen by the environment: CLAUDE_CODE_USE_VERTEX"));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let home = tempfile::tempdir().unwrap();
        let s = spec("claude");
        let err = resolve(
            &s,
            &env(&[("ANTHROPIC_BASE_URL", "gateway:4000")], home.path()),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
        let msg = err.to_string();
        assert!(
            msg.contains("ANTHROPIC_BASE_URL") && msg.contains("not a URL"),
            "{msg}"
        );
        let msg = resolve(
            &s,
            &env(
                &[("ANTHROPIC_BASE_URL", "https://exa_mple.com")],
                home.path(),
            ),
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("srt would refuse"), "{msg}");
        let msg = resolve(
            &s,
            &env(
                &[("CLAUDE_CODE_USE_BEDROCK", "1"), ("AWS_REGION", "eu west")],
                home.path(),
            ),
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("AWS_REGION") && msg.contains("eu west"),
            "{msg}"
        );
    }

    #[test]
    fn codex_reads_its_config_file() {
        let home = tempfile::tempdir().unwrap();
        let s = spec("codex");
        let e = resolve(&s, &env(&[], home.path())).unwrap();
        assert_eq!(e.hosts, ["api.openai.com"]);
        let dir = home.path().join(".codex");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.toml"),
            "model_provider = \"gw\"\n[model_providers.gw]\nname = \"gw\"\nbase_url = \"http://localhost:7000/v1\"\n",
        )
        .unwrap();
        let e = resolve(&s, &env(&[], home.path())).unwrap();
        assert_eq!(e.hosts, ["localhost:7000"]);
        assert_eq!(
            e.chosen_by,
            ["~/.codex/config.toml: model_providers.{model_provider}.base_url"]
        );
        std::fs::write(
            dir.join("config.toml"),
            "openai_base_url = \"https://gw.example.com/v1\"\n",
        )
        .unwrap();
        assert_eq!(
            resolve(&s, &env(&[], home.path())).unwrap().hosts,
            ["gw.example.com"]
        );
        std::fs::write(dir.join("config.toml"), "openai_base_url = [\n").unwrap();
        assert!(matches!(
            resolve(&s, &env(&[], home.path())).unwrap_err(),
            Error::Parse { .. }
        ));
    }

    #[test]
    fn lookups_follow_placeholders_and_wildcards() {
        let doc = serde_json::json!({"p": "b", "m": {"a": {"u": 1}, "b": {"u": 2}}, "o": {"x": {}, "y": {"o": {"baseURL": "z"}}}});
        assert_eq!(lookup(&doc, "m.{p}.u"), Some(&serde_json::json!(2)));
        assert_eq!(lookup(&doc, "o.*.o.baseURL"), Some(&serde_json::json!("z")));
        assert_eq!(lookup(&doc, "m.{nope}.u"), None);
    }
}
