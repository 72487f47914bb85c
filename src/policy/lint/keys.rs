//! srt's keys that make it run a program, read a file or use a proxy on the host, and the
//! keys that weaken the sandbox: each gets a finding that says
//! what it does. A key that makes srt run or load something from a place the sandbox can
//! write (the project, a write root, a relative path) is an error no `--force` lifts: the
//! file comes from the repository, and a sandboxed run could have written what it names.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{Finding, LintContext, Severity};
use crate::env::normalize;

/// Where a path a key names leads, as srt would take it (relative to its working
/// directory, the project), with every link on the way resolved.
fn resolve(spelled: &str, ctx: &LintContext<'_>) -> PathBuf {
    crate::env::resolve_symlinks(&normalize(&ctx.env.absolute(spelled, &ctx.project)))
}

/// Why a program or file path is a place the sandbox can write, if it is.
fn writable_place(spelled: &str, ctx: &LintContext<'_>, roots: &[PathBuf]) -> Option<String> {
    if spelled.is_empty() {
        return None;
    }
    let bare = !spelled.contains('/') && !spelled.starts_with('~');
    if bare {
        // A bare name is looked up on srt's PATH, which `srt-gen run` cleans of every
        // folder inside the project or a write root.
        return None;
    }
    if !spelled.starts_with('/') && !spelled.starts_with("~/") {
        return Some(format!(
            "`{spelled}` is relative: srt takes it from its working directory, the project, which the sandbox writes"
        ));
    }
    let real = resolve(spelled, ctx);
    let project = resolve(".", ctx);
    if real.starts_with(&project) {
        return Some(format!(
            "`{spelled}` is inside the project, which the sandbox can write"
        ));
    }
    roots.iter().find(|r| real.starts_with(r)).map(|r| {
        format!(
            "`{spelled}` is inside `{}`, which the policy makes writable",
            ctx.env.tilde(r)
        )
    })
}

/// The resolved write roots and read denies of the file, for the checks below.
struct Places {
    roots: Vec<PathBuf>,
    denied: Vec<PathBuf>,
}

fn places(top: &Map<String, Value>, ctx: &LintContext<'_>) -> Places {
    let list = |section: &str, key: &str| -> Vec<PathBuf> {
        top.get(section)
            .and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(crate::policy::settings::entry_text)
            .filter(|s| !s.is_empty() && !s.contains(['*', '?', '[']))
            .map(|s| resolve(s, ctx))
            .collect()
    };
    let mut denied = list("filesystem", "denyRead");
    denied.extend(
        top.get("credentials")
            .and_then(|c| c.get("files"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|f| f.get("mode").and_then(Value::as_str) == Some("deny"))
            .filter_map(|f| f.get("path").and_then(Value::as_str))
            .map(|s| resolve(s, ctx)),
    );
    Places {
        roots: list("filesystem", "allowWrite"),
        denied,
    }
}

fn get<'a>(top: &'a Map<String, Value>, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut v = top.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v)
}

fn is_true(top: &Map<String, Value>, dotted: &str) -> bool {
    get(top, dotted) == Some(&Value::Bool(true))
}

/// A finding that `run` refuses whatever `--force` says.
fn refused(key: &str, message: String, fix: &str) -> Finding {
    let mut f = Finding::new(Severity::Error, key, message, fix.to_string());
    f.no_force = true;
    f
}

const REMOVE_PROGRAM: &str =
    "remove it: `srt-gen run` gives srt the tools it finds on a PATH cleaned of the project and every write root";

/// The program, file and proxy keys.
fn program_keys(
    top: &Map<String, Value>,
    ctx: &LintContext<'_>,
    p: &Places,
    out: &mut Vec<Finding>,
) {
    // Programs srt runs on the host, unsandboxed, as the user.
    for (key, what) in [
        ("ripgrep.command", "srt runs this program on the host, outside the sandbox, at every launch (to scan for protected files)"),
        ("bwrapPath", "srt runs this program on the host as bubblewrap, the sandbox itself"),
        ("socatPath", "srt runs this program on the host as the bridge to its proxy"),
    ] {
        let Some(spelled) = get(top, key).and_then(Value::as_str) else {
            continue;
        };
        match writable_place(spelled, ctx, &p.roots) {
            Some(why) => out.push(refused(
                key,
                format!("{what}; {why}: what the sandbox writes there would run outside it"),
                REMOVE_PROGRAM,
            )),
            None => out.push(Finding::new(
                Severity::Warning,
                key,
                format!("{what}: `{spelled}`"),
                "remove it unless this machine needs that program; srt finds its own on PATH".into(),
            )),
        }
    }
    for key in ["ripgrep.args", "ripgrep.argv0"] {
        if get(top, key).is_some() {
            out.push(refused(
                key,
                "arguments for the program srt runs on the host at every launch: with them, a policy file makes any interpreter on the machine run code it chose, outside the sandbox".into(),
                REMOVE_PROGRAM,
            ));
        }
    }
    if let Some(Value::Object(seccomp)) = top.get("seccomp") {
        for k in seccomp.keys() {
            out.push(refused(
                &format!("seccomp.{k}"),
                "replaces srt's seccomp helper, the program that starts the command under the filter blocking Unix sockets and new user namespaces: anything else runs the command without that filter".into(),
                "remove it: srt ships its own apply-seccomp",
            ));
        }
    }
    // Files srt reads, or that something inside loads.
    for (key, what, reopens) in [
        ("javaAgentJarPath", "every JVM inside loads this jar, and srt makes it readable whatever the read denies say", true),
        ("network.tlsTerminate.caCertPath", "the CA certificate every tool inside trusts, which srt makes readable whatever the read denies say", true),
        ("network.tlsTerminate.caKeyPath", "the key that signs every certificate srt's proxy shows the sandbox", false),
    ] {
        let Some(spelled) = get(top, key).and_then(Value::as_str) else {
            continue;
        };
        if let Some(why) = writable_place(spelled, ctx, &p.roots) {
            out.push(refused(
                key,
                format!("{what}; {why}"),
                "remove it, or name a file outside the project and every write root",
            ));
        } else if reopens && {
            let real = resolve(spelled, ctx);
            p.denied.iter().any(|d| real.starts_with(d))
        } {
            out.push(refused(
                key,
                format!("{what}: `{spelled}` lies under a read deny, so this key makes a denied file readable inside"),
                "remove it, or name a file no deny covers",
            ));
        } else {
            out.push(Finding::new(
                Severity::Warning,
                key,
                format!("{what}: `{spelled}`"),
                "remove it unless this machine needs it; `srt-gen run` makes its own per-run CA when it terminates TLS".into(),
            ));
        }
    }
    if let Some(Value::Array(paths)) = get(top, "network.tlsTerminate.extraCaCertPaths") {
        for (i, v) in paths.iter().enumerate() {
            let key = format!("network.tlsTerminate.extraCaCertPaths[{i}]");
            let Some(spelled) = v.as_str() else { continue };
            if let Some(why) = writable_place(spelled, ctx, &p.roots) {
                out.push(refused(
                    &key,
                    format!("srt reads this file on the host and every tool inside trusts the CAs in it; {why}"),
                    "remove it, or name a file outside the project and every write root",
                ));
            }
        }
    }
    // Proxies: srt's own filtering and its resolved-address guard are bypassed.
    if let Some(spelled) = get(top, "network.mitmProxy.socketPath").and_then(Value::as_str) {
        match writable_place(spelled, ctx, &p.roots) {
            Some(why) => out.push(refused(
                "network.mitmProxy.socketPath",
                format!("srt's proxy hands the listed domains to whatever listens on this socket, on the host; {why}"),
                "remove network.mitmProxy",
            )),
            None => out.push(Finding::new(
                Severity::Warning,
                "network.mitmProxy",
                "the listed domains go to a proxy on a Unix socket, past srt's resolved-address guard".into(),
                "remove it unless that proxy filters as strictly as srt".into(),
            )),
        }
    }
    if top
        .get("network")
        .and_then(|n| n.get("parentProxy"))
        .is_some()
    {
        out.push(refused(
            "network.parentProxy",
            "srt sends every allowed connection through this upstream proxy, and its guard against local and metadata addresses no longer applies (the upstream resolves the names)".into(),
            "remove it; to send srt through your own proxy, run `srt-gen run --parent-proxy` with HTTP_PROXY/HTTPS_PROXY set",
        ));
    }
    for key in ["network.httpProxyPort", "network.socksProxyPort"] {
        if get(top, key).is_some() {
            out.push(refused(
                key,
                "srt starts no proxy of its own for this protocol: the sandbox's traffic goes unfiltered to whatever listens on that port on the host, and no allow list applies".into(),
                "remove it; srt's own proxy enforces network.allowedDomains",
            ));
        }
    }
}

/// The keys that weaken the sandbox, each with what it opens.
fn weakening_keys(top: &Map<String, Value>, out: &mut Vec<Finding>) {
    let error = |key: &str, message: &str, fix: &str| {
        Finding::new(Severity::Error, key, message.to_string(), fix.to_string())
    };
    let warning = |key: &str, message: &str, fix: &str| {
        Finding::new(Severity::Warning, key, message.to_string(), fix.to_string())
    };
    for (key, high, message, fix) in [
        ("filesystem.allowGitConfig", true,
         "`.git/config` (and nested repositories' config) becomes writable: core.fsmonitor, core.hooksPath, core.sshCommand or an alias written there runs at your next git command, outside the sandbox",
         "remove it"),
        ("network.allowAllUnixSockets", true,
         "every Unix socket is reachable from inside (srt drops its seccomp filter): a Docker or ssh-agent socket hands out the machine or the keys",
         "remove it unless the tool needs a local socket, and then prefer running that tool outside"),
        ("allowNestedUserNamespaces", true,
         "the command may create user namespaces, in which it can unmount srt's read-only binds (srt's own documentation)",
         "remove it"),
        ("allowAppleEvents", true,
         "macOS: the sandbox can send Apple Events, which launch and drive applications outside it",
         "remove it"),
        ("enableWeakerNestedSandbox", false,
         "the host's /proc is bound inside instead of a fresh one, and user namespaces are not blocked: meant for running inside a container that already isolates",
         "remove it unless srt runs inside a container"),
        ("enableWeakerNetworkIsolation", false,
         "macOS: the sandbox reaches com.apple.trustd.agent, an exfiltration channel",
         "remove it unless a tool fails TLS verification without it"),
        ("network.allowLocalBinding", false,
         "macOS: the sandbox may listen on every localhost port; Linux ignores it (the sandbox has its own network)",
         "remove it unless a tool inside must serve on localhost"),
        ("allowPty", false,
         "macOS: the sandbox may open pseudo-terminals",
         "remove it unless an interactive tool needs one"),
        ("credentials.allowPlaintextInject", false,
         "masked secrets are put into plain-HTTP requests too: the real value travels in clear text to an upstream nobody verified",
         "keep it for loopback test servers only"),
    ] {
        if is_true(top, key) {
            out.push(if high { error(key, message, fix) } else { warning(key, message, fix) });
        }
    }
    if get(top, "network.allowMachLookup")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        out.push(warning(
            "network.allowMachLookup",
            "macOS: these Mach services are reachable from inside, each a way to talk to a process outside",
            "list only the services a tool needs",
        ));
    }
    if top.get("ignoreViolations").is_some() {
        out.push(warning(
            "ignoreViolations",
            "only silences violation reports (through srt's library); what it matches is still enforced",
            "remove it if you expected it to allow something",
        ));
    }
    if let Some(n) = top.get("mandatoryDenySearchDepth").and_then(Value::as_f64) {
        if n < 3.0 {
            out.push(warning(
                "mandatoryDenySearchDepth",
                "srt looks for protected files (.git/hooks, .git/config, rc files) in fewer folders below the project than by default: deeper repositories' hooks and config become writable",
                "remove it (default 3), or raise it to 5 for a monorepo",
            ));
        }
    }
    if get(top, "network.tlsTerminate").is_some() {
        out.push(warning(
            "network.tlsTerminate",
            "srt decrypts HTTPS to the allowed hosts: every tool's CA variables inside point at srt's CA, and its private key is readable inside (srt keeps it in its temp folder)",
            "terminate only the hosts whose requests need a masked secret (excludeDomains for the rest); `srt-gen run` passes its own per-run CA",
        ));
    }
    if let Some(Value::Object(sig)) = get(top, "credentials.sigv4") {
        for (k, v) in sig {
            if v.as_str() == Some("passthrough") {
                out.push(warning(
                    &format!("credentials.sigv4.{k}"),
                    "AWS requests srt cannot re-sign are forwarded with the stand-in signature (they fail upstream; nothing leaks)",
                    "leave it at \"deny\" unless a tool needs the request sent anyway",
                ));
            }
        }
    }
    if get(top, "git.safeDirectories")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        out.push(warning(
            "git.safeDirectories",
            "git inside trusts repositories owned by other users at these paths (more than 8 become safe.directory=*)",
            "list only the repositories the command works on",
        ));
    }
    for section in ["envVars", "files"] {
        let Some(Value::Array(items)) = get(top, &format!("credentials.{section}")) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let masked = item.get("mode").and_then(Value::as_str) == Some("mask");
            if masked && item.get("injectHosts").is_none() {
                out.push(error(
                    &format!("credentials.{section}[{i}]"),
                    "a mask without injectHosts: srt puts the real secret into requests to every allowed host",
                    "add \"injectHosts\": [the one host that needs it]",
                ));
            }
            if section == "envVars" {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    if !crate::catalog::secrets::srt_can_name(name) {
                        out.push(error(
                            &format!("credentials.envVars[{i}].name"),
                            &format!("`{name}` is not a variable name srt accepts (letters, digits and `_`; no patterns): srt refuses the file"),
                            "name one variable per entry; `srt-gen run` expands the secret catalog's patterns itself",
                        ));
                    }
                }
            }
        }
    }
}

/// Every finding of this module.
pub(super) fn check_keys(top: &Map<String, Value>, ctx: &LintContext<'_>, out: &mut Vec<Finding>) {
    let p = places(top, ctx);
    program_keys(top, ctx, &p, out);
    weakening_keys(top, out);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;
    use serde_json::json;

    fn refused_keys(f: &[Finding]) -> Vec<&str> {
        f.iter()
            .filter(|f| f.no_force)
            .map(|f| f.key.as_str())
            .collect()
    }

    #[test]
    fn a_program_srt_runs_from_the_project_is_refused_without_force() {
        let mut v = with("filesystem.allowWrite", json!([".", "~/.cache/x"]));
        v["filesystem"]["denyWrite"] = json!(["./.srt.json"]);
        v["ripgrep"] = json!({"command": "./evil-rg"});
        v["bwrapPath"] = json!("~/.cache/x/bwrap");
        v["socatPath"] = json!("/usr/bin/socat");
        let f = run(&v);
        assert_eq!(refused_keys(&f), vec!["ripgrep.command", "bwrapPath"]);
        assert!(f
            .iter()
            .any(|x| x.key == "socatPath" && x.severity == Severity::Warning));
        // A bare name comes from srt's clean PATH.
        v["ripgrep"] = json!({"command": "rg"});
        v.as_object_mut().unwrap().remove("bwrapPath");
        assert_eq!(refused_keys(&run(&v)), Vec::<&str>::new());
        // Arguments turn any interpreter into a way to run code on the host.
        v["ripgrep"] = json!({"command": "/bin/sh", "args": ["-c", "touch /tmp/x"]});
        assert_eq!(refused_keys(&run(&v)), vec!["ripgrep.args"]);
    }

    #[test]
    fn seccomp_proxies_and_read_deny_bypasses_are_refused_without_force() {
        let mut v = base();
        v["filesystem"]["denyRead"] = json!(["~/.ssh"]);
        v["seccomp"] = json!({"applyPath": "/usr/bin/env"});
        v["javaAgentJarPath"] = json!("~/.ssh/id_rsa");
        v["network"]["parentProxy"] = json!({"https": "http://127.0.0.1:9"});
        v["network"]["httpProxyPort"] = json!(8080);
        v["network"]["tlsTerminate"] = json!({"extraCaCertPaths": ["./ca.pem"]});
        let f = run(&v);
        let mut got = refused_keys(&f);
        got.sort_unstable();
        assert_eq!(
            got,
            vec![
                "javaAgentJarPath",
                "network.httpProxyPort",
                "network.parentProxy",
                "network.tlsTerminate.extraCaCertPaths[0]",
                "seccomp.applyPath",
            ]
        );
    }

    #[test]
    fn every_weakening_key_says_what_it_opens() {
        let mut v = base();
        v["filesystem"]["allowGitConfig"] = json!(true);
        v["network"]["allowAllUnixSockets"] = json!(true);
        v["allowNestedUserNamespaces"] = json!(true);
        v["enableWeakerNestedSandbox"] = json!(true);
        v["mandatoryDenySearchDepth"] = json!(1);
        v["credentials"] =
            json!({"envVars": [{"name": "K", "mode": "mask"}, {"name": "A*", "mode": "deny"}]});
        let f = run(&v);
        let errors: Vec<&str> = f
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .map(|x| x.key.as_str())
            .collect();
        for k in [
            "filesystem.allowGitConfig",
            "network.allowAllUnixSockets",
            "allowNestedUserNamespaces",
            "credentials.envVars[0]",
            "credentials.envVars[1].name",
        ] {
            assert!(errors.contains(&k), "{k}: {f:#?}");
        }
        for k in ["enableWeakerNestedSandbox", "mandatoryDenySearchDepth"] {
            assert!(
                f.iter()
                    .any(|x| x.key == k && x.severity == Severity::Warning),
                "{k}: {f:#?}"
            );
        }
        assert!(refused_keys(&f).is_empty(), "weakening keys can be forced");
    }
}
