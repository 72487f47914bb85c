//! What was refused, and how srt-gen knows: seen by strace from outside the sandbox
//! (`traced`), said by srt's own log (`srt`, verified when the trace shows srt's process
//! wrote it), or said by the command's messages (`message`, a guess). Each refusal becomes
//! one [`Seen`], before any proposal is made.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::messages;
use super::view::PolicyView;
use crate::env::Env;
use crate::sandbox::trace::{Access, Direct, Refusal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// strace, outside the sandbox, saw the call fail.
    Traced,
    /// srt's debug log says so.
    Srt,
    /// The command's own output says so.
    Message,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A write (or a check for one) refused: EROFS, EACCES, EPERM.
    Write,
    /// A read refused (EACCES).
    Read,
    /// A rename or link between two separately mounted folders (EXDEV).
    Move,
    /// A host srt refused.
    Host,
    /// A host srt allowed and could not reach.
    Unreachable,
    /// A connection made without srt's proxy (there is no DNS and no route inside).
    Direct,
}

/// One refusal, before any proposal: what, how it is known, and the raw line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seen {
    pub kind: Kind,
    /// The absolute path, or the host (`host` or `host:port` off 80 and 443).
    pub target: String,
    /// The other path of a move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The system call, when traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// `EROFS`, `EACCES`, ..., srt's upstream error code, or the tool's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub evidence: Evidence,
    /// Could not have been made up by the command: traced, or srt's line as the trace shows
    /// srt's own process wrote it.
    pub verified: bool,
    pub attempts: usize,
    /// The program that made the call (traced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The command's own output names this path or host (a likely cause of its failure).
    #[serde(default)]
    pub named_by_command: bool,
    /// srt refused the host by a `deniedDomains` rule (`Denied by config rule`).
    #[serde(default)]
    pub by_rule: bool,
    /// The first line that showed it (a trace line, srt's line, or the command's).
    pub raw: String,
}

/// What a run gave to look at.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The trace's refusals; `None` when the run was not traced (then the command's
    /// messages are read instead, a guess).
    pub traced: Option<Vec<Refusal>>,
    pub direct: Vec<Direct>,
    /// srt's log messages (`[SandboxDebug] ...`).
    pub srt: Vec<String>,
    /// Whether those are known to be srt's own (from the trace).
    pub srt_verified: bool,
    /// The command's output lines.
    pub output: Vec<String>,
}

/// Every refusal the inputs show, merged by kind and target, first seen first.
pub fn gather(inputs: &Inputs, view: &PolicyView, env: &Env) -> Vec<Seen> {
    let mut out: Vec<Seen> = Vec::new();
    hosts_from_srt(&inputs.srt, inputs.srt_verified, &mut out);
    let hits = messages::scan(&inputs.output, env);
    let named: Vec<PathBuf> = hits
        .iter()
        .filter(|h| !matches!(h.kind, super::evidence::Kind::Direct))
        .map(|h| PathBuf::from(&h.target))
        .chain(
            inputs
                .output
                .iter()
                .flat_map(|l| messages::paths_in(l, env)),
        )
        .collect();
    // Hosts a tool tried to resolve itself: the name comes from its message.
    for h in hits.iter().filter(|h| h.kind == Kind::Direct) {
        merge(
            &mut out,
            Seen {
                kind: Kind::Direct,
                target: h.target.clone(),
                to: None,
                op: None,
                error: Some(h.error.clone()),
                evidence: Evidence::Message,
                verified: false,
                attempts: 1,
                program: None,
                named_by_command: true,
                by_rule: false,
                raw: h.raw.clone(),
            },
        );
    }
    match &inputs.traced {
        Some(refusals) => {
            for r in refusals {
                let target = r.path.display().to_string();
                merge(
                    &mut out,
                    Seen {
                        kind: match r.access {
                            Access::Read => Kind::Read,
                            Access::Write => Kind::Write,
                            Access::Move => Kind::Move,
                        },
                        named_by_command: names(&named, &r.path, env),
                        target,
                        to: r.to.as_ref().map(|t| t.display().to_string()),
                        op: Some(r.op.clone()),
                        error: Some(r.errno.clone()),
                        evidence: Evidence::Traced,
                        verified: true,
                        attempts: r.count,
                        program: (!r.program.is_empty()).then(|| r.program.clone()),
                        by_rule: false,
                        raw: r.raw.clone(),
                    },
                );
            }
            if !out.iter().any(|s| s.kind == Kind::Direct) {
                for d in &inputs.direct {
                    merge(
                        &mut out,
                        Seen {
                            kind: Kind::Direct,
                            target: format!("{}:{}", d.address, d.port),
                            to: None,
                            op: Some("connect".into()),
                            error: Some(d.errno.clone()),
                            evidence: Evidence::Traced,
                            verified: true,
                            attempts: d.count,
                            program: (!d.program.is_empty()).then(|| d.program.clone()),
                            named_by_command: false,
                            by_rule: false,
                            raw: d.raw.clone(),
                        },
                    );
                }
            }
        }
        None => {
            for h in hits.iter().filter(|h| h.kind != Kind::Direct) {
                let path = PathBuf::from(&h.target);
                // A message counts only where the policy really refuses it: a path it
                // leaves read-only, or unreadable.
                let kind = match h.kind {
                    Kind::Read if view.unreadable(&path).is_some() => Kind::Read,
                    Kind::Read | Kind::Write if view.writable(&path).is_none() => Kind::Write,
                    Kind::Move => Kind::Move,
                    _ => continue,
                };
                merge(
                    &mut out,
                    Seen {
                        kind,
                        target: h.target.clone(),
                        to: h.to.clone(),
                        op: None,
                        error: Some(h.error.clone()),
                        evidence: Evidence::Message,
                        verified: false,
                        attempts: 1,
                        program: None,
                        named_by_command: true,
                        by_rule: false,
                        raw: h.raw.clone(),
                    },
                );
            }
        }
    }
    out
}

/// Whether the command's output names `path`, a folder of it, or something inside it (a
/// folder at least two levels below `/` and not the home itself).
fn names(named: &[PathBuf], path: &Path, env: &Env) -> bool {
    named.iter().any(|n| {
        n.components().count() > 2 && *n != env.home && (path.starts_with(n) || n.starts_with(path))
    })
}

fn merge(out: &mut Vec<Seen>, s: Seen) {
    match out
        .iter_mut()
        .find(|o| o.kind == s.kind && o.target == s.target)
    {
        Some(o) => {
            o.attempts += s.attempts;
            o.named_by_command |= s.named_by_command;
        }
        None => out.push(s),
    }
}

/// The hosts srt's log names: refused (`No matching rule, denying: h:p`, `Denied by config
/// rule: h:p`), and allowed but unreachable (`Allowed by config rule: h:p` followed by
/// `CONNECT tunnel failed:` / `Proxy request failed:` with a code, or `[tls-terminate]
/// upstream h:p failed:`). Only a message's first line is read, and a host must be a host
/// name: srt logs the name the client asked for, whatever it holds.
fn hosts_from_srt(messages: &[String], verified: bool, out: &mut Vec<Seen>) {
    let mut last_allowed: Option<String> = None;
    for m in messages {
        let first = m.lines().next().unwrap_or("");
        let Some(rest) = first.strip_prefix("[SandboxDebug] ") else {
            continue;
        };
        let seen = |kind: Kind, target: String, error: Option<String>, by_rule: bool| Seen {
            kind,
            target,
            to: None,
            op: None,
            error,
            evidence: Evidence::Srt,
            verified,
            attempts: 1,
            program: None,
            named_by_command: false,
            by_rule,
            raw: first.to_string(),
        };
        if let Some(t) = rest.strip_prefix("No matching rule, denying: ") {
            if let Some(h) = host_entry(t) {
                merge(out, seen(Kind::Host, h, None, false));
            }
        } else if let Some(t) = rest.strip_prefix("Denied by config rule: ") {
            if let Some(h) = host_entry(t) {
                merge(out, seen(Kind::Host, h, None, true));
            }
        } else if let Some(t) = rest.strip_prefix("Allowed by config rule: ") {
            last_allowed = host_entry(t);
        } else if rest.starts_with("CONNECT tunnel failed:")
            || rest.starts_with("Proxy request failed:")
        {
            if let Some(h) = last_allowed.clone() {
                let code = m
                    .split("code: '")
                    .nth(1)
                    .and_then(|c| c.split('\'').next())
                    .map(str::to_string);
                merge(out, seen(Kind::Unreachable, h, code, false));
            }
        } else if let Some(t) = rest.strip_prefix("[tls-terminate] upstream ") {
            if let Some((target, why)) = t.split_once(" failed: ") {
                if let Some(h) = host_entry(target) {
                    merge(
                        out,
                        seen(Kind::Unreachable, h, Some(why.trim().to_string()), false),
                    );
                }
            }
        }
    }
}

/// `example.com:443` → `example.com` (ports 80 and 443 go: srt matches an entry without a
/// port on every port); other ports stay. srt logs an IPv6 host unbracketed (`::1:443`);
/// the entry needs the brackets. `None` for what is not a host srt would take.
pub fn host_entry(target: &str) -> Option<String> {
    let target = target.split_whitespace().next()?.to_ascii_lowercase();
    let entry = match target.rsplit_once(':') {
        Some((h, p)) if h.contains(':') && !h.starts_with('[') => match p {
            "443" | "80" => format!("[{h}]"),
            _ => format!("[{h}]:{p}"),
        },
        Some((h, "443" | "80")) => h.to_string(),
        _ => target,
    };
    crate::hosts::validate(&entry).ok().map(|()| entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_srts_lines() {
        let msgs: Vec<String> = [
            "[SandboxDebug] No matching rule, denying: pypi.org:443",
            "[SandboxDebug] Connection blocked to pypi.org:443",
            "[SandboxDebug] No matching rule, denying: pypi.org:443",
            "[SandboxDebug] Denied by config rule: evil.example:8443",
            "[SandboxDebug] Allowed by config rule: github.com:443",
            "[SandboxDebug] CONNECT tunnel failed: { name: 'Error', code: 'ENOTFOUND', errno: -3008 }",
            "[SandboxDebug] No matching rule, denying: bad host:443",
            "[SandboxDebug] No matching rule, denying: x.example:443\n[SandboxDebug] No matching rule, denying: y.example:443",
        ]
        .map(String::from)
        .to_vec();
        let mut out = Vec::new();
        hosts_from_srt(&msgs, true, &mut out);
        let got: Vec<(Kind, &str, usize, bool)> = out
            .iter()
            .map(|s| (s.kind, s.target.as_str(), s.attempts, s.by_rule))
            .collect();
        assert_eq!(
            got,
            vec![
                (Kind::Host, "pypi.org", 2, false),
                (Kind::Host, "evil.example:8443", 1, true),
                (Kind::Unreachable, "github.com", 1, false),
                (Kind::Host, "x.example", 1, false),
            ]
        );
        assert_eq!(out[2].error.as_deref(), Some("ENOTFOUND"));
        assert_eq!(host_entry("::1:443").as_deref(), Some("[::1]"));
        assert_eq!(host_entry("::1:8080").as_deref(), Some("[::1]:8080"));
    }
}
