//! Host checks: entries srt cannot match, `*.x` that misses `x` itself, and hosts known to
//! carry data out (`risky_hosts.toml`: object stores, CDNs, paste and raw-content hosts).

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Finding, Severity};
use crate::policy::settings::{Record, Why};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RiskyHost {
    host: String,
    what: String,
    needed_for: String,
    #[allow(dead_code)]
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskyHosts {
    host: Vec<RiskyHost>,
}

fn risky_hosts() -> &'static [RiskyHost] {
    static TABLE: OnceLock<Vec<RiskyHost>> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str::<RiskyHosts>(include_str!("risky_hosts.toml"))
            .expect("src/policy/lint/risky_hosts.toml parses (tested)")
            .host
    })
}

/// What a host is, when it is known to carry data out (object stores, CDNs, paste and
/// raw-content hosts), with what projects usually need it for. `learn` uses this.
pub fn exfiltration_risk(host: &str) -> Option<String> {
    risky_hosts()
        .iter()
        .find(|r| overlaps(host, &r.host))
        .map(|r| format!("{}; usually needed for {}", r.what, r.needed_for))
}

/// What a host is, when it serves anyone's content (`risky_hosts.toml`): for the init
/// summary, which names the fragment that allowed it.
pub fn risky_what(host: &str) -> Option<&'static str> {
    risky_hosts()
        .iter()
        .find(|r| overlaps(host, &r.host))
        .map(|r| r.what.as_str())
}

/// Whether two host patterns (`a.b.c` or `*.b.c`, ports ignored) share any host.
pub fn overlaps(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        let s = s.to_ascii_lowercase();
        match crate::hosts::split_port(&s) {
            (h, Some(p)) if p.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
            _ => s,
        }
    };
    let (a, b) = (strip(a), strip(b));
    match (a.strip_prefix("*."), b.strip_prefix("*.")) {
        (None, None) => a == b,
        (Some(wa), None) => b.ends_with(&format!(".{wa}")),
        (None, Some(wb)) => a.ends_with(&format!(".{wb}")),
        (Some(wa), Some(wb)) => {
            wa == wb || wa.ends_with(&format!(".{wb}")) || wb.ends_with(&format!(".{wa}"))
        }
    }
}

fn strings<'v>(top: &'v Map<String, Value>, section: &str, key: &str) -> Vec<(usize, &'v str)> {
    top.get(section)
        .and_then(|s| s.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
                .collect()
        })
        .unwrap_or_default()
}

/// The fragments (or sources) whose recorded entries allow `host`, for messages: each
/// risky host names what brought it in.
fn brought_by(record: Option<&Record>, host: &str) -> Vec<String> {
    let Some(rec) = record else {
        return Vec::new();
    };
    let key = "network.allowedDomains";
    let mut out: Vec<String> = rec
        .fragments
        .iter()
        .filter(|(_, f)| f.entries.get(key).is_some_and(|e| e.contains(host)))
        .map(|(n, f)| match f.files.first() {
            Some(file) if matches!(f.why, Why::Project | Why::Config) => file.clone(),
            _ => format!("the `{n}` fragment"),
        })
        .collect();
    if rec.yours.get(key).is_some_and(|y| y.contains(host)) {
        out.push("your own entry".into());
    }
    out
}

pub(super) fn check_hosts(
    top: &Map<String, Value>,
    record: Option<&Record>,
    out: &mut Vec<Finding>,
) {
    let allowed = strings(top, "network", "allowedDomains");
    let hosts_only: Vec<&str> = allowed.iter().map(|(_, h)| *h).collect();
    for &(i, h) in &allowed {
        let key = format!("network.allowedDomains[{i}]");
        if let Err(why) = crate::hosts::validate(h) {
            out.push(host_error(&key, h, &why));
            continue;
        }
        if let Some(r) = risky_hosts().iter().find(|r| overlaps(h, &r.host)) {
            let by = brought_by(record, h);
            let by = if by.is_empty() {
                String::new()
            } else {
                format!(" (allowed by {})", by.join(", "))
            };
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!(
                    "`{h}` reaches {}{by}: a sandboxed process can fetch an attacker's content there, or send data out",
                    r.what
                ),
                format!(
                    "keep it only if the project needs it ({}), and as narrow as the tool allows",
                    r.needed_for
                ),
            ));
            continue;
        }
        if let Some(apex) = likely_apex(h) {
            if !hosts_only
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&apex) || crate::hosts::matches(o, &apex))
            {
                out.push(Finding::new(
                    Severity::Warning,
                    &key,
                    format!("`{h}` matches subdomains only, never `{apex}` itself"),
                    format!("add \"{apex}\" too if the tool talks to it; otherwise nothing to do"),
                ));
            }
        }
    }
    for (i, h) in strings(top, "network", "deniedDomains") {
        let host = crate::hosts::split_port(h).0;
        if host == "*" {
            continue;
        }
        if let Err(why) = crate::hosts::validate(h) {
            out.push(host_error(&format!("network.deniedDomains[{i}]"), h, &why));
        }
    }
    let mut patterns: Vec<(String, &str)> = Vec::new();
    if let Some(net) = top.get("network") {
        for (path, key) in [
            (&["mitmProxy", "domains"][..], "network.mitmProxy.domains"),
            (
                &["tlsTerminate", "excludeDomains"][..],
                "network.tlsTerminate.excludeDomains",
            ),
        ] {
            let list = path.iter().try_fold(net, |v, k| v.get(k));
            for (i, s) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(s) = s.as_str() {
                    patterns.push((format!("{key}[{i}]"), s));
                }
            }
        }
    }
    if let Some(creds) = top.get("credentials") {
        for group in ["files", "envVars"] {
            let entries = creds.get(group).and_then(Value::as_array);
            for (j, e) in entries.into_iter().flatten().enumerate() {
                let list = e.get("injectHosts").and_then(Value::as_array);
                for (i, s) in list.into_iter().flatten().enumerate() {
                    if let Some(s) = s.as_str() {
                        patterns.push((format!("credentials.{group}[{j}].injectHosts[{i}]"), s));
                    }
                }
            }
        }
    }
    for (key, p) in patterns {
        let why = crate::hosts::validate(p).err().or_else(|| {
            (p.contains(':')).then(|| "no `:port` here: this list takes host names only".into())
        });
        if let Some(why) = why {
            out.push(host_error(&key, p, &why));
        }
    }
}

fn host_error(key: &str, h: &str, why: &str) -> Finding {
    let trimmed: String = h.chars().filter(|c| !c.is_whitespace()).collect();
    let fix = if trimmed != h && crate::hosts::validate(&trimmed).is_ok() {
        format!("write \"{trimmed}\"")
    } else if let Some(rest) = h.split_once("://").map(|x| x.1) {
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        format!("write the host alone: \"{host}\"")
    } else {
        "write a host name such as \"example.com\" or \"*.example.com\"".into()
    };
    Finding::new(
        Severity::Error,
        key,
        format!("`{h}` is not a host srt can match: {why}"),
        fix,
    )
}

/// For `*.name.tld` (exactly two labels after the star), the apex a user likely meant
/// too. Deeper wildcards (`*.s3.amazonaws.com`) name a service's subdomains on purpose.
fn likely_apex(h: &str) -> Option<String> {
    let host = crate::hosts::split_port(h).0;
    let base = host.strip_prefix("*.")?;
    (base.split('.').count() == 2).then(|| base.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn risky_hosts_table_parses_and_validates() {
        for r in risky_hosts() {
            crate::hosts::validate(&r.host).unwrap();
            assert!(!r.what.is_empty() && !r.needed_for.is_empty());
        }
        assert!(risky_hosts().len() >= 10);
    }

    #[test]
    fn hosts() {
        let v = with(
            "network.allowedDomains",
            json!([
                "exa mple.com",
                "https://a.example.com/x",
                "*.corp.example",
                "*.s3.amazonaws.com",
                "*.amazonaws.com",
                "*.example.org",
                "example.org",
                "ok.example.net:8443"
            ]),
        );
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "network.allowedDomains[0]"),
                (Severity::Error, "network.allowedDomains[1]"),
                (Severity::Warning, "network.allowedDomains[2]"),
                (Severity::Warning, "network.allowedDomains[3]"),
                (Severity::Warning, "network.allowedDomains[4]"),
            ]
        );
        assert_eq!(f[0].fix, "write \"example.com\"");
        assert_eq!(f[1].fix, "write the host alone: \"a.example.com\"");
        assert!(f[2].message.contains("never `corp.example`"));
        assert!(f[4].message.contains("S3"), "{}", f[4].message);
    }

    #[test]
    fn a_risky_host_names_the_fragment_that_brought_it() {
        let mut v = with(
            "network.allowedDomains",
            json!(["github.com", "codeload.github.com"]),
        );
        v["srtGen"] = json!({
            "version": 1,
            "fragments": {
                "pre-commit": {"why": "detected", "files": [".pre-commit-config.yaml"],
                    "entries": {"network.allowedDomains": ["github.com"]}},
                "file:package.json": {"why": "project", "files": ["package.json"],
                    "entries": {"network.allowedDomains": ["codeload.github.com", "github.com"]}}
            },
            "yours": {"network.allowedDomains": ["github.com"]}
        });
        let f = run(&v);
        let gh = f
            .iter()
            .find(|x| x.key == "network.allowedDomains[0]")
            .unwrap();
        assert_eq!(gh.severity, Severity::Warning);
        assert!(
            gh.message
                .contains("allowed by package.json, the `pre-commit` fragment, your own entry"),
            "{}",
            gh.message
        );
        let cl = f
            .iter()
            .find(|x| x.key == "network.allowedDomains[1]")
            .unwrap();
        assert!(
            cl.message.contains("allowed by package.json"),
            "{}",
            cl.message
        );
    }

    #[test]
    fn overlap_goes_both_ways() {
        assert!(overlaps("*.amazonaws.com", "*.s3.amazonaws.com"));
        assert!(overlaps("b.s3.amazonaws.com", "*.s3.amazonaws.com"));
        assert!(overlaps("UNPKG.com:443", "unpkg.com"));
        assert!(!overlaps("s3.amazonaws.com", "*.s3.amazonaws.com"));
        assert!(!overlaps("*.example.com", "*.s3.amazonaws.com"));
    }
}
