//! srt's schema: every key srt 0.0.83 knows, with its type, and the findings for keys it
//! does not know (the closest known key as the fix) and for values of the wrong type.

use serde_json::{Map, Value};

use super::{join, Finding, Severity};
use crate::policy::settings::RECORD_KEY;

/// The type srt's schema gives a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    /// An integer in an inclusive range.
    Int(i64, i64),
    Str,
    NonEmptyStr,
    /// An absolute path (srt's `binaryPathSchema`).
    AbsPath,
    Enum(&'static [&'static str]),
    /// An object whose keys are listed in this table.
    Object,
    /// An array of objects whose keys are listed under `key[]`.
    ObjectArray,
    StrArray,
    /// `allowedDomains`: `host[:port]`.
    HostArray,
    /// `deniedDomains`: `host[:port]`, or `*` / `*:port`.
    DeniedHostArray,
    /// Domain patterns without a port (`mitmProxy.domains`, `injectHosts`, ...).
    PatternArray,
    /// A filesystem list: strings, or `{ "path": ..., "literal": true }`.
    PathArray,
    /// A map from any string to a non-empty string.
    StrMap,
    /// A map from any string to an array of strings.
    StrArrayMap,
    /// `[low, high]` of integers.
    PortRange,
    /// A JavaScript function (`filterRequest`): never valid in a JSON file.
    Function,
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Bool => "true or false",
            Ty::Int(..) => "an integer",
            Ty::Str | Ty::NonEmptyStr => "a string",
            Ty::AbsPath => "an absolute path",
            Ty::Enum(_) => "one of the listed strings",
            Ty::Object => "an object",
            Ty::ObjectArray => "an array of objects",
            Ty::StrArray | Ty::HostArray | Ty::DeniedHostArray | Ty::PatternArray => {
                "an array of strings"
            }
            Ty::PathArray => "an array of paths",
            Ty::StrMap => "an object of strings",
            Ty::StrArrayMap => "an object of string arrays",
            Ty::PortRange => "[low, high]",
            Ty::Function => "a function (only through the library, never in a file)",
        }
    }
}

struct Key {
    path: &'static str,
    ty: Ty,
    required: bool,
}

const fn req(path: &'static str, ty: Ty) -> Key {
    Key {
        path,
        ty,
        required: true,
    }
}

const fn opt(path: &'static str, ty: Ty) -> Key {
    Key {
        path,
        ty,
        required: false,
    }
}

/// Every key srt 0.0.83 knows, transcribed from its zod schema
/// (`@anthropic-ai/sandbox-runtime@0.0.83`, `dist/sandbox/sandbox-config.js`:
/// `SandboxRuntimeConfigSchema` and the schemas it nests). `a.b[]` is an element of the
/// array `a.b`. srt drops unknown keys silently everywhere except in the objects listed in
/// [`STRICT`] (and the literal path object), which it refuses.
const SCHEMA: &[Key] = &[
    req("network", Ty::Object),
    req("network.allowedDomains", Ty::HostArray),
    req("network.deniedDomains", Ty::DeniedHostArray),
    opt("network.deniedDomainReasons", Ty::StrMap),
    opt("network.strictAllowlist", Ty::Bool),
    opt("network.deniedResolvedAddresses", Ty::StrArray),
    opt("network.allowUnixSockets", Ty::StrArray),
    opt("network.allowAllUnixSockets", Ty::Bool),
    opt("network.allowLocalBinding", Ty::Bool),
    opt("network.allowMachLookup", Ty::StrArray),
    opt("network.httpProxyPort", Ty::Int(1, 65535)),
    opt("network.socksProxyPort", Ty::Int(1, 65535)),
    opt("network.mitmProxy", Ty::Object),
    req("network.mitmProxy.socketPath", Ty::NonEmptyStr),
    req("network.mitmProxy.domains", Ty::PatternArray),
    opt("network.filterRequest", Ty::Function),
    opt("network.allowPlaintextHeaderSet", Ty::Bool),
    opt("network.stripResponseHeaders", Ty::StrArray),
    opt("network.refuseOpaqueTunnels", Ty::Bool),
    opt("network.requireHostMatch", Ty::Bool),
    opt(
        "network.ambiguousRequestTarget",
        Ty::Enum(&["refuse", "asSpelled", "normalize"]),
    ),
    opt("network.tlsTerminate", Ty::Object),
    opt("network.tlsTerminate.caCertPath", Ty::NonEmptyStr),
    opt("network.tlsTerminate.caKeyPath", Ty::NonEmptyStr),
    opt("network.tlsTerminate.excludeDomains", Ty::PatternArray),
    opt("network.tlsTerminate.extraCaCertPaths", Ty::StrArray),
    opt("network.tlsTerminate.maxTunnels", Ty::Int(1, 65536)),
    opt(
        "network.tlsTerminate.handshakeTimeoutMs",
        Ty::Int(100, 600_000),
    ),
    opt("network.parentProxy", Ty::Object),
    opt("network.parentProxy.http", Ty::Str),
    opt("network.parentProxy.https", Ty::Str),
    opt("network.parentProxy.noProxy", Ty::Str),
    req("filesystem", Ty::Object),
    opt("filesystem.disabled", Ty::Bool),
    req("filesystem.denyRead", Ty::PathArray),
    opt("filesystem.allowRead", Ty::PathArray),
    req("filesystem.allowWrite", Ty::PathArray),
    req("filesystem.denyWrite", Ty::PathArray),
    opt("filesystem.allowGitConfig", Ty::Bool),
    opt("credentials", Ty::Object),
    opt("credentials.files", Ty::ObjectArray),
    req("credentials.files[].path", Ty::NonEmptyStr),
    req("credentials.files[].mode", Ty::Enum(&["deny", "mask"])),
    opt("credentials.files[].extract", Ty::Str),
    opt(
        "credentials.files[].onExtractNoMatch",
        Ty::Enum(&["warn", "deny", "error"]),
    ),
    opt("credentials.files[].decode", Ty::Enum(&["jwt"])),
    opt("credentials.files[].maskClaims", Ty::StrArray),
    opt("credentials.files[].maskDuplicates", Ty::Bool),
    opt("credentials.files[].injectHosts", Ty::PatternArray),
    opt("credentials.envVars", Ty::ObjectArray),
    req("credentials.envVars[].name", Ty::NonEmptyStr),
    req("credentials.envVars[].mode", Ty::Enum(&["deny", "mask"])),
    opt("credentials.envVars[].extract", Ty::Str),
    opt(
        "credentials.envVars[].onExtractNoMatch",
        Ty::Enum(&["warn", "deny", "error"]),
    ),
    opt("credentials.envVars[].decode", Ty::Enum(&["jwt"])),
    opt("credentials.envVars[].maskClaims", Ty::StrArray),
    opt("credentials.envVars[].injectHosts", Ty::PatternArray),
    opt("credentials.allowPlaintextInject", Ty::Bool),
    opt("credentials.awsPairs", Ty::ObjectArray),
    req("credentials.awsPairs[].accessKeyIdVar", Ty::NonEmptyStr),
    req("credentials.awsPairs[].secretAccessKeyVar", Ty::NonEmptyStr),
    opt("credentials.awsPairs[].sessionTokenVar", Ty::NonEmptyStr),
    opt("credentials.sigv4", Ty::Object),
    opt(
        "credentials.sigv4.streaming",
        Ty::Enum(&["deny", "passthrough"]),
    ),
    opt(
        "credentials.sigv4.presigned",
        Ty::Enum(&["deny", "passthrough"]),
    ),
    opt(
        "credentials.sigv4.sigv4a",
        Ty::Enum(&["deny", "passthrough"]),
    ),
    opt("ignoreViolations", Ty::StrArrayMap),
    opt("enableWeakerNestedSandbox", Ty::Bool),
    opt("allowNestedUserNamespaces", Ty::Bool),
    opt("enableWeakerNetworkIsolation", Ty::Bool),
    opt("allowAppleEvents", Ty::Bool),
    opt("ripgrep", Ty::Object),
    req("ripgrep.command", Ty::Str),
    opt("ripgrep.args", Ty::StrArray),
    opt("ripgrep.argv0", Ty::Str),
    opt("mandatoryDenySearchDepth", Ty::Int(1, 10)),
    opt("allowPty", Ty::Bool),
    opt("seccomp", Ty::Object),
    opt("seccomp.applyPath", Ty::Str),
    opt("seccomp.argv0", Ty::Str),
    opt("bwrapPath", Ty::AbsPath),
    opt("socatPath", Ty::AbsPath),
    opt("javaAgentJarPath", Ty::AbsPath),
    opt("windows", Ty::Object),
    opt("windows.backend", Ty::Enum(&["mxc", "srt-win"])),
    opt("windows.sandboxUser", Ty::NonEmptyStr),
    opt("windows.sublayerGuid", Ty::Str),
    opt("windows.wfpSublayerGuid", Ty::Str),
    opt("windows.proxyPortRange", Ty::PortRange),
    opt("windows.srtWin", Ty::Object),
    req("windows.srtWin.path", Ty::NonEmptyStr),
    opt("git", Ty::Object),
    opt("git.safeDirectories", Ty::StrArray),
];

/// Objects srt validates with `.strict()`: an unknown key there makes srt refuse the file.
const STRICT: &[&str] = &["credentials", "credentials.awsPairs[]", "credentials.sigv4"];

fn parent_of(path: &str) -> &str {
    path.rfind('.').map_or("", |i| &path[..i])
}

fn leaf_of(path: &str) -> &str {
    path.rfind('.').map_or(path, |i| &path[i + 1..])
}

fn children(schema_path: &str) -> impl Iterator<Item = &'static Key> + '_ {
    SCHEMA
        .iter()
        .filter(move |k| parent_of(k.path) == schema_path)
}

pub(super) fn check_object(
    obj: &Map<String, Value>,
    schema: &str,
    at: &str,
    out: &mut Vec<Finding>,
) {
    for (k, v) in obj {
        let key = join(at, k);
        if schema.is_empty() && k == RECORD_KEY {
            continue;
        }
        let sp = join(schema, k);
        match SCHEMA.iter().find(|x| x.path == sp) {
            Some(spec) => check_value(v, spec, &sp, &key, out),
            None => out.push(unknown_key(k, schema, &key)),
        }
    }
    for spec in children(schema) {
        let leaf = leaf_of(spec.path);
        if spec.required && !obj.contains_key(leaf) {
            let empty = match spec.ty {
                Ty::Object => "{ ... }",
                Ty::Str | Ty::NonEmptyStr => "\"...\"",
                Ty::Enum(vals) => vals[0],
                _ => "[]",
            };
            let what = if matches!(
                spec.ty,
                Ty::HostArray | Ty::DeniedHostArray | Ty::PathArray | Ty::PatternArray
            ) {
                "srt refuses a file without it, even when empty"
            } else {
                "srt refuses the file without it"
            };
            out.push(Finding::new(
                Severity::Error,
                join(at, leaf),
                format!("missing: {what}"),
                format!("add \"{leaf}\": {empty}"),
            ));
        }
    }
}

fn unknown_key(k: &str, schema: &str, key: &str) -> Finding {
    let strict = STRICT.contains(&schema);
    let effect = if strict {
        "srt refuses the file (this object takes no other keys)"
    } else {
        "srt ignores keys it does not know, so whatever this was meant to set is not set"
    };
    let siblings: Vec<&str> = children(schema)
        .map(|c| leaf_of(c.path))
        .chain(schema.is_empty().then_some(RECORD_KEY))
        .collect();
    let best = siblings
        .iter()
        .map(|s| {
            (
                strsim::jaro_winkler(&k.to_lowercase(), &s.to_lowercase()),
                *s,
            )
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    // The key exactly as srt knows it, but in another object.
    let elsewhere = SCHEMA
        .iter()
        .find(|x| leaf_of(x.path) == k && !x.path.contains("[]"))
        .map(|x| x.path);
    let (message, fix) = match (best, elsewhere) {
        (Some((_, s)), _) => (
            format!("unknown key `{k}`: {effect}"),
            format!("rename it to `{s}`"),
        ),
        (None, Some(p)) => (
            format!("`{k}` does not belong here: {effect}"),
            format!("move it to `{p}`"),
        ),
        (None, None) => (
            format!("unknown key `{k}`: {effect}"),
            "remove it, or check srt's README for the key you meant".into(),
        ),
    };
    Finding::new(Severity::Error, key, message, fix)
}

fn type_error(key: &str, ty: Ty, v: &Value) -> Finding {
    let got = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let fix = match ty {
        Ty::Enum(vals) => format!("use one of {}", quoted(vals)),
        Ty::Int(lo, hi) => format!("use an integer from {lo} to {hi}"),
        Ty::HostArray | Ty::DeniedHostArray | Ty::PatternArray if v.is_string() => {
            format!("wrap it in a list: [{v}]")
        }
        Ty::PathArray | Ty::StrArray if v.is_string() => format!("wrap it in a list: [{v}]"),
        _ => format!("write {} here", ty.describe()),
    };
    Finding::new(
        Severity::Error,
        key,
        format!("must be {}, not {got}: srt refuses the file", ty.describe()),
        fix,
    )
}

fn quoted(vals: &[&str]) -> String {
    vals.iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_value(v: &Value, spec: &Key, sp: &str, key: &str, out: &mut Vec<Finding>) {
    let ty = spec.ty;
    let ok = match ty {
        Ty::Bool => v.is_boolean(),
        // JSON `3.0` is the integer 3 to srt (a JavaScript number).
        Ty::Int(lo, hi) => v
            .as_f64()
            .is_some_and(|n| n.fract() == 0.0 && (lo as f64..=hi as f64).contains(&n)),
        Ty::Str => v.is_string(),
        Ty::NonEmptyStr => v.as_str().is_some_and(|s| !s.is_empty()),
        Ty::AbsPath => v.as_str().is_some_and(|s| s.starts_with('/')),
        Ty::Enum(vals) => v.as_str().is_some_and(|s| vals.contains(&s)),
        Ty::Object => {
            if let Value::Object(o) = v {
                check_object(o, sp, key, out);
                true
            } else {
                false
            }
        }
        Ty::ObjectArray => {
            if let Value::Array(items) = v {
                let elem = format!("{sp}[]");
                for (i, item) in items.iter().enumerate() {
                    let k = format!("{key}[{i}]");
                    match item {
                        Value::Object(o) => check_object(o, &elem, &k, out),
                        other => out.push(type_error(&k, Ty::Object, other)),
                    }
                }
                true
            } else {
                false
            }
        }
        Ty::StrArray | Ty::HostArray | Ty::DeniedHostArray | Ty::PatternArray => {
            if let Value::Array(items) = v {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        out.push(type_error(&format!("{key}[{i}]"), Ty::Str, item));
                    }
                }
                true
            } else {
                false
            }
        }
        Ty::PathArray => {
            if let Value::Array(items) = v {
                for (i, item) in items.iter().enumerate() {
                    if let Some(why) = path_entry_error(item) {
                        out.push(Finding::new(
                            Severity::Error,
                            format!("{key}[{i}]"),
                            format!("{why}: srt refuses the file"),
                            "write a path string, or { \"path\": \"<path>\", \"literal\": true }"
                                .into(),
                        ));
                    }
                }
                true
            } else {
                false
            }
        }
        Ty::StrMap => v.as_object().is_some_and(|o| {
            o.values()
                .all(|x| x.as_str().is_some_and(|s| !s.is_empty()))
        }),
        Ty::StrArrayMap => v.as_object().is_some_and(|o| {
            o.values()
                .all(|x| x.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
        }),
        Ty::PortRange => v.as_array().is_some_and(|a| {
            a.len() == 2 && a.iter().all(|n| n.as_i64().is_some()) && a[0].as_i64() <= a[1].as_i64()
        }),
        Ty::Function => false,
    };
    if !ok {
        out.push(type_error(key, ty, v));
    }
}

fn path_entry_error(v: &Value) -> Option<&'static str> {
    match v {
        Value::String(s) if s.is_empty() => Some("an empty path"),
        Value::String(_) => None,
        Value::Object(o) => {
            let path_ok = o
                .get("path")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            let literal_ok = o.get("literal") == Some(&Value::Bool(true));
            let only = o.keys().all(|k| k == "path" || k == "literal");
            (!(path_ok && literal_ok && only))
                .then_some("a path object needs exactly \"path\" (non-empty) and \"literal\": true")
        }
        _ => Some("not a path"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_get_the_closest_known_key() {
        let mut v = base();
        v["mandatoryDenySearchDept"] = json!(3);
        v["network"]["allowedDomain"] = json!([]);
        v["allowedDomains"] = json!([]);
        v["credentials"] = json!({"file": []});
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "allowedDomains"),
                (Severity::Error, "credentials.file"),
                (Severity::Error, "mandatoryDenySearchDept"),
                (Severity::Error, "network.allowedDomain"),
            ]
        );
        assert_eq!(f[0].fix, "move it to `network.allowedDomains`");
        assert!(f[1].message.contains("refuses"), "{}", f[1].message);
        assert_eq!(f[2].fix, "rename it to `mandatoryDenySearchDepth`");
        assert_eq!(f[3].fix, "rename it to `allowedDomains`");
    }

    #[test]
    fn wrong_types_and_missing_lists() {
        let mut v = base();
        v["filesystem"].as_object_mut().unwrap().remove("denyWrite");
        v["network"]["allowedDomains"] = json!("a.example.com");
        v["mandatoryDenySearchDepth"] = json!(11);
        v["network"]["httpProxyPort"] = json!(8080.0);
        v["filesystem"]["allowWrite"] = json!([".", 3, {"path": "/x"}]);
        v["credentials"] = json!({"files": [{"path": "/k", "mode": "hide"}]});
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "credentials.files[0].mode"),
                (Severity::Error, "filesystem.allowWrite[1]"),
                (Severity::Error, "filesystem.allowWrite[2]"),
                (Severity::Error, "filesystem.denyWrite"),
                (Severity::Error, "mandatoryDenySearchDepth"),
                (Severity::Error, "network.allowedDomains"),
                // `.` is writable and nothing protects ./.srt.json in it.
                (Severity::Error, "filesystem.allowWrite[0]"),
                // A type srt takes (3.0 is 3), and a key srt-gen refuses (lint::keys).
                (Severity::Error, "network.httpProxyPort"),
            ]
        );
        assert_eq!(f[5].fix, "wrap it in a list: [\"a.example.com\"]");
        assert_eq!(f[3].fix, "add \"denyWrite\": []");
    }
}
