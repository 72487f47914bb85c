//! The linter: what srt accepts but does not enforce, what it rejects, and what hands the
//! sandbox a way out. A pure function over the parsed JSON (so unknown keys and wrong
//! types are seen before the typed model drops or refuses them), used by `check` and by
//! every command that writes or runs a config.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::List;
use crate::env::{normalize, Env, Os};
use crate::error::Error;
use crate::srt_config::{Record, Settings, RECORD_KEY};

/// How bad a finding is: errors fail `check` (exit 1) and stop srt-gen from writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem, at one key path (`filesystem.allowWrite[2]`), with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub key: String,
    /// 1-based line in the file's text, when the finding was located (see [`locate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
    pub fix: String,
}

impl Finding {
    fn new(severity: Severity, key: impl Into<String>, message: String, fix: String) -> Finding {
        Finding {
            severity,
            key: key.into(),
            line: None,
            message,
            fix,
        }
    }
}

/// What the linter needs besides the file: whose machine (home, PATH, platform), which
/// project (relative paths resolve against it: `srt-gen run` starts srt there) and which
/// files the sandbox must not be able to rewrite.
#[derive(Debug, Clone)]
pub struct LintContext<'a> {
    pub env: &'a Env,
    pub project: PathBuf,
    /// The settings file itself, and the files whose change widens the sandbox next time
    /// (the justfile recipes, project fragments).
    pub protected: Vec<PathBuf>,
}

impl<'a> LintContext<'a> {
    /// The context for a project's own `.srt.json` and recipes.
    pub fn for_project(env: &'a Env, project: &crate::detect::project::Project) -> LintContext<'a> {
        LintContext {
            env,
            project: project.root.clone(),
            protected: vec![
                project.settings.clone(),
                project.justfile.clone(),
                project.root.join(".srt-gen").join("fragments"),
            ],
        }
    }
}

// ---------------------------------------------------------------------------------------
// srt's schema
// ---------------------------------------------------------------------------------------

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

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

// ---------------------------------------------------------------------------------------
// The lint
// ---------------------------------------------------------------------------------------

/// Every finding for one parsed settings file, in key order within each check.
pub fn lint(value: &Value, ctx: &LintContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let Value::Object(top) = value else {
        out.push(Finding::new(
            Severity::Error,
            "",
            "the top level must be a JSON object".into(),
            "start from `srt-gen init`, or wrap the settings in `{ ... }`".into(),
        ));
        return out;
    };
    check_object(top, "", "", &mut out);
    let record = match top.get(RECORD_KEY).map(Record::deserialize) {
        None => None,
        Some(Ok(rec)) => Some(rec),
        Some(Err(e)) => {
            out.push(Finding::new(
                Severity::Error,
                RECORD_KEY,
                format!("srt-gen's record is not as srt-gen writes it: {e}"),
                format!("remove `{RECORD_KEY}` and run `srt-gen init` to start afresh"),
            ));
            None
        }
    };
    let generated = generated_entries(record.as_ref());
    check_hosts(top, &mut out);
    check_paths(top, ctx, &generated, &mut out);
    check_platform(top, ctx, &mut out);
    out
}

/// `list key → entries` that srt-gen's record says a fragment gave (and the user did not
/// also write): the user did not choose them one by one.
fn generated_entries(record: Option<&Record>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(rec) = record else {
        return out;
    };
    for f in rec.fragments.values() {
        for (k, entries) in &f.entries {
            let yours = rec.yours.get(k);
            out.entry(k.clone()).or_default().extend(
                entries
                    .iter()
                    .filter(|e| !yours.is_some_and(|y| y.contains(*e)))
                    .cloned(),
            );
        }
    }
    out
}

fn check_object(obj: &Map<String, Value>, schema: &str, at: &str, out: &mut Vec<Finding>) {
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

// ---------------------------------------------------------------------------------------
// Hosts
// ---------------------------------------------------------------------------------------

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
            .expect("src/risky_hosts.toml parses (tested)")
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

fn check_hosts(top: &Map<String, Value>, out: &mut Vec<Finding>) {
    let allowed = strings(top, "network", "allowedDomains");
    let hosts_only: Vec<&str> = allowed.iter().map(|(_, h)| *h).collect();
    for &(i, h) in &allowed {
        let key = format!("network.allowedDomains[{i}]");
        if let Err(why) = crate::hosts::validate(h) {
            out.push(host_error(&key, h, &why));
            continue;
        }
        if let Some(r) = risky_hosts().iter().find(|r| overlaps(h, &r.host)) {
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!(
                    "`{h}` reaches {}: a sandboxed process can fetch an attacker's content there, or send data out",
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

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

/// Files in the home directory that a shell, git or ssh runs or trusts at the next login:
/// writable from inside, they carry the sandbox out.
const STARTUP_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".cshrc",
    ".tcshrc",
    ".kshrc",
    ".mkshrc",
    ".inputrc",
    ".config/fish",
    ".config/nushell",
    ".config/autostart",
    ".config/systemd",
    ".config/environment.d",
    ".config/git",
    ".gitconfig",
    ".ssh",
    ".pam_environment",
    ".xprofile",
    ".xinitrc",
    "Library/LaunchAgents",
];

/// Tool homes whose programs run outside the sandbox later, as `(variable, default under
/// home, folder, tree)`. `tree`: the folder holds whole toolchains (`toolchains/*/bin`), so
/// writing anywhere inside it counts; otherwise it is a folder of programs, like a PATH
/// entry, and only it and the folders above it count (PATH lookup does not recurse).
const TOOL_BINS: &[(&str, &str, &str, bool)] = &[
    ("CARGO_HOME", ".cargo", "bin", false),
    ("RUSTUP_HOME", ".rustup", "toolchains", true),
    ("GOPATH", "go", "bin", false),
    ("", ".local", "bin", false),
    ("", ".npm-global", "bin", false),
    ("PNPM_HOME", ".local/share/pnpm", "", false),
    ("BUN_INSTALL", ".bun", "bin", false),
    ("DENO_INSTALL", ".deno", "bin", false),
    ("VOLTA_HOME", ".volta", "bin", false),
    ("NVM_DIR", ".nvm", "versions", true),
    ("PYENV_ROOT", ".pyenv", "shims", false),
    ("PYENV_ROOT", ".pyenv", "versions", true),
    ("", ".asdf", "shims", false),
    ("", ".asdf", "installs", true),
    ("", ".local/share/mise", "shims", false),
    ("", ".local/share/mise", "installs", true),
    ("SDKMAN_DIR", ".sdkman", "candidates", true),
    ("", ".dotnet", "tools", false),
    ("", ".gem", "bin", false),
];

/// A spelled path as srt resolves it, with symlinks in its existing part resolved.
fn resolve(spelled: &str, ctx: &LintContext<'_>) -> PathBuf {
    crate::env::resolve_symlinks(&normalize(&ctx.env.absolute(spelled, &ctx.project)))
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', ']'])
}

/// Resolved places whose change runs code outside the sandbox later, with why and whether
/// writing anywhere inside counts too (see [`TOOL_BINS`]).
fn executable_dirs(ctx: &LintContext<'_>) -> Vec<(PathBuf, String, bool)> {
    let home = &ctx.env.home;
    let mut out = Vec::new();
    for (var, default, sub, tree) in TOOL_BINS {
        let root = ctx
            .env
            .var(var)
            .filter(|v| Path::new(v).is_absolute())
            .map_or_else(|| home.join(default), PathBuf::from);
        let dir = if sub.is_empty() {
            root.clone()
        } else {
            root.join(sub)
        };
        out.push((
            resolve(&dir.display().to_string(), ctx),
            format!(
                "`{}` holds programs that run outside the sandbox later",
                ctx.env.tilde(&dir)
            ),
            *tree,
        ));
    }
    for dir in ctx.env.var("PATH").unwrap_or("").split(':') {
        if dir.is_empty() || !Path::new(dir).is_absolute() {
            continue;
        }
        out.push((
            resolve(dir, ctx),
            format!("`{dir}` is on PATH: a program written there runs outside the sandbox"),
            false,
        ));
    }
    out
}

fn check_paths(
    top: &Map<String, Value>,
    ctx: &LintContext<'_>,
    generated: &BTreeMap<String, Vec<String>>,
    out: &mut Vec<Finding>,
) {
    let linux = ctx.env.os == Os::Linux;
    let fs = top.get("filesystem");
    let entries = |key: &str| -> Vec<(usize, String, bool)> {
        fs.and_then(|f| f.get(key))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .filter_map(|(i, v)| match v {
                        Value::String(s) => Some((i, s.clone(), false)),
                        Value::Object(o) => o
                            .get("path")
                            .and_then(Value::as_str)
                            .map(|s| (i, s.to_string(), true)),
                        _ => None,
                    })
                    .filter(|(_, s, _)| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let allow = entries("allowWrite");
    let deny_write = entries("denyWrite");
    let home = resolve("~", ctx);
    let project = resolve(".", ctx);
    let exec = executable_dirs(ctx);
    let mut write_roots: Vec<(String, PathBuf)> = Vec::new();

    for (i, spelled, literal) in &allow {
        let key = format!("filesystem.allowWrite[{i}]");
        if let Some(f) = spelling_finding(&key, spelled) {
            out.push(f);
            continue;
        }
        let glob = !literal && has_glob(spelled);
        let stripped = if *literal {
            spelled.as_str()
        } else {
            spelled.strip_suffix("/**").unwrap_or(spelled)
        };
        if glob && linux && has_glob(stripped) {
            let base = glob_base(stripped);
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!("`{spelled}` is a glob: srt skips glob write paths on Linux, so nothing here is writable"),
                format!("list the folder instead (\"{base}\"), or {{ \"path\": \"{spelled}\", \"literal\": true }} if the name really holds these characters"),
            ));
            continue;
        }
        let target = if glob && has_glob(stripped) {
            resolve(&glob_base(stripped), ctx)
        } else {
            resolve(stripped, ctx)
        };
        if let Some((message, fix)) = dangerous_root(&target, &home, &project, &exec, ctx) {
            out.push(Finding::new(Severity::Error, &key, message, fix));
            continue;
        }
        if let Some((dir, _, _)) = exec
            .iter()
            .find(|(dir, _, tree)| *tree && target.starts_with(dir))
        {
            // Inside a toolchain tree: persistence, but the catalog allows it on purpose where
            // a pinned toolchain must install itself (rustup), so a warning, not an error.
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!(
                    "`{}` {} installed toolchains: the sandbox can change a compiler or interpreter that later runs outside it",
                    ctx.env.tilde(&target),
                    if target == *dir { "holds".to_string() } else { format!("is inside `{}`, which holds", ctx.env.tilde(dir)) }
                ),
                "install the toolchain outside the sandbox (`rustup toolchain install`, `nvm install`, ...) and take this entry out".into(),
            ));
        }
        write_roots.push((key, target));
    }

    // The settings file and its recipes: covered by a write root, they must be covered by
    // a denyWrite entry too, or the sandbox can widen itself for the next run.
    let denied: Vec<PathBuf> = deny_write
        .iter()
        .filter(|(_, s, lit)| *lit || !has_glob(s))
        .map(|(_, s, _)| resolve(s, ctx))
        .collect();
    let mut flagged = Vec::new();
    for p in &ctx.protected {
        let p = resolve(&p.display().to_string(), ctx);
        if denied.iter().any(|d| p.starts_with(d)) {
            continue;
        }
        if let Some((key, _)) = write_roots.iter().find(|(_, r)| p.starts_with(r)) {
            if flagged.contains(key) {
                continue;
            }
            flagged.push(key.clone());
            let shown = shown_path(&p, ctx);
            out.push(Finding::new(
                Severity::Error,
                key,
                format!("`{shown}` is writable from inside: the sandbox could rewrite its own policy or recipes for the next run"),
                format!("add \"{shown}\" to filesystem.denyWrite"),
            ));
        }
    }

    for (i, spelled, literal) in &deny_write {
        let key = format!("filesystem.denyWrite[{i}]");
        if let Some(f) = spelling_finding(&key, spelled) {
            out.push(f);
            continue;
        }
        let stripped = spelled.strip_suffix("/**").unwrap_or(spelled);
        if !literal && linux && has_glob(stripped) {
            out.push(Finding::new(
                Severity::Error,
                &key,
                format!("`{spelled}` is a glob: srt skips glob write paths on Linux, so this protects nothing"),
                format!("list each path to protect, or the folder that holds them (\"{}\")", glob_base(stripped)),
            ));
        }
    }

    let gen_read = generated.get(List::DenyRead.key());
    for (i, spelled, literal) in entries("denyRead") {
        let key = format!("filesystem.denyRead[{i}]");
        if let Some(f) = spelling_finding(&key, &spelled) {
            out.push(f);
            continue;
        }
        // srt-gen lists every known credential store, present or not, on purpose (see
        // docs/threat-model.md); the warning is for entries a person wrote and may
        // believe enforced.
        if (!literal && has_glob(&spelled)) || gen_read.is_some_and(|g| g.contains(&spelled)) {
            continue;
        }
        let target = ctx.env.absolute(&spelled, &ctx.project);
        if std::fs::symlink_metadata(&target).is_err() {
            out.push(Finding::new(
                Severity::Warning,
                &key,
                format!("`{spelled}` does not exist: srt protects nothing there until it exists at launch, so a file created during a session stays readable"),
                "create it now (an empty folder or file) if something may put secrets there, or remove the entry".into(),
            ));
        }
    }
}

fn shown_path(p: &Path, ctx: &LintContext<'_>) -> String {
    let project = resolve(".", ctx);
    match p.strip_prefix(&project) {
        Ok(rest) if rest.as_os_str().is_empty() => ".".into(),
        Ok(rest) => format!("./{}", rest.display()),
        Err(_) => ctx.env.tilde(p),
    }
}

/// Spellings srt reads differently than a shell would.
fn spelling_finding(key: &str, s: &str) -> Option<Finding> {
    if s.starts_with('$') || s.contains("/$") {
        let fix = s
            .strip_prefix("$HOME")
            .or_else(|| s.strip_prefix("${HOME}"))
            .map_or_else(
                || "write the path itself: srt expands only `~`".into(),
                |rest| format!("write \"~{rest}\""),
            );
        return Some(Finding::new(
            Severity::Error,
            key,
            format!("`{s}`: srt does not expand variables, so this names a folder literally called `$...` under srt's working directory"),
            fix,
        ));
    }
    if s.starts_with('~') && s != "~" && !s.starts_with("~/") {
        return Some(Finding::new(
            Severity::Error,
            key,
            format!("`{s}`: srt expands only `~` and `~/`, not `~user`"),
            "write the absolute path".into(),
        ));
    }
    None
}

/// The folder part of a glob, before its first glob character.
fn glob_base(s: &str) -> String {
    let cut = s.find(['*', '?', '[', ']']).unwrap_or(s.len());
    let head = &s[..cut];
    match head.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => head[..i].to_string(),
        None => ".".into(),
    }
}

/// Why a write root hands the sandbox a way out, and the fix; `None` when it does not.
fn dangerous_root(
    target: &Path,
    home: &Path,
    project: &Path,
    exec: &[(PathBuf, String, bool)],
    ctx: &LintContext<'_>,
) -> Option<(String, String)> {
    let shown = ctx.env.tilde(target);
    if target.parent().is_none() {
        return Some((
            "`/` makes the whole machine writable from inside the sandbox".into(),
            "list the folders the tool writes (run `srt-gen init` to find them)".into(),
        ));
    }
    if home.starts_with(target) {
        return Some((
            format!("`{shown}` holds the home directory: shell start-up files, PATH folders and credentials all become writable from inside"),
            "list the folders under the home directory that the tool writes (`~/.cache/pip`, `~/.cargo/registry`)".into(),
        ));
    }
    // The project itself is the one broadly writable place by design; srt protects its
    // dangerous names (.git/hooks, rc files) because `srt-gen run` starts srt there.
    if target == project {
        return None;
    }
    for (dir, why, tree) in exec {
        // A root at a toolchain folder itself is reported as a warning by the caller.
        if dir.starts_with(target) && !(*tree && target == dir.as_path()) {
            return Some((
                format!("`{shown}` is or holds a place programs run from: {why}"),
                "list only the cache folders the tool writes (for cargo: `~/.cargo/registry` and `~/.cargo/git`, not `~/.cargo`)".into(),
            ));
        }
    }
    for f in STARTUP_FILES {
        let f = home.join(f);
        if f.starts_with(target) || target.starts_with(&f) {
            return Some((
                format!("`{shown}` is or holds `{}`, which a shell, git or ssh runs or trusts at the next login: writable, it carries the sandbox out", ctx.env.tilde(&f)),
                "remove it; if a tool needs a folder under it, list that folder alone".into(),
            ));
        }
    }
    let config = resolve(&ctx.env.config_dir().display().to_string(), ctx);
    if config.starts_with(target) {
        return Some((
            format!("`{shown}` holds `{}`, the configuration of every tool (git hooks paths, autostart, systemd units)", ctx.env.tilde(&config)),
            "list the one tool's folder under it instead".into(),
        ));
    }
    None
}

fn check_platform(top: &Map<String, Value>, ctx: &LintContext<'_>, out: &mut Vec<Finding>) {
    let net = top.get("network");
    if ctx.env.os == Os::Linux
        && net
            .and_then(|n| n.get("allowUnixSockets"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    {
        out.push(Finding::new(
            Severity::Warning,
            "network.allowUnixSockets",
            "srt ignores allowUnixSockets on Linux (seccomp cannot filter by path): these sockets stay blocked".into(),
            "on Linux only allowAllUnixSockets: true lifts the block, for every socket; leave this for macOS or remove it".into(),
        ));
    }
    if net.and_then(|n| n.get("allowAllUnixSockets")) == Some(&Value::Bool(true)) {
        out.push(Finding::new(
            Severity::Warning,
            "network.allowAllUnixSockets",
            "every Unix socket is reachable from inside: a Docker or ssh-agent socket hands out the machine or the keys".into(),
            "remove it unless the tool needs a local socket, and then prefer running that tool outside".into(),
        ));
    }
    if top.get("filesystem").and_then(|f| f.get("disabled")) == Some(&Value::Bool(true)) {
        out.push(Finding::new(
            Severity::Error,
            "filesystem.disabled",
            "every filesystem rule is switched off: the lists in this file protect nothing".into(),
            "remove \"disabled\": true".into(),
        ));
    }
}

// ---------------------------------------------------------------------------------------
// Files, lines and output
// ---------------------------------------------------------------------------------------

/// Reads and lints a settings file. Unreadable or unparseable files are `Error::Parse` or
/// `Error::Refused` (naming file:line:col); findings come back with their lines filled in.
pub fn check_file(path: &Path, ctx: &LintContext<'_>) -> Result<Vec<Finding>, Error> {
    let text = crate::files::read_text(path)?.ok_or_else(|| {
        Error::Usage(format!(
            "{} does not exist; `srt-gen init` writes one",
            path.display()
        ))
    })?;
    check_text(&text, path, ctx)
}

/// Lints a settings file's text (strict JSON, as srt reads it).
pub fn check_text(text: &str, path: &Path, ctx: &LintContext<'_>) -> Result<Vec<Finding>, Error> {
    let file = path.display().to_string();
    let value = crate::srt_config::parse_json(text, &file)?;
    let mut findings = lint(&value, ctx);
    locate(&mut findings, text);
    // In file order, as a reader goes through the file.
    findings.sort_by_key(|f| f.line);
    Ok(findings)
}

/// Fills in each finding's line from the text: the line of its key, or of the nearest
/// enclosing key that exists (a missing key is reported where its object starts).
pub fn locate(findings: &mut [Finding], text: &str) {
    let pos = positions(text);
    for f in findings {
        let mut key = f.key.as_str();
        loop {
            if let Some(&off) = pos.get(key) {
                f.line = Some(crate::error::line_col(text, off).0);
                break;
            }
            if key.is_empty() {
                break;
            }
            key = match (key.rfind('.'), key.rfind('[')) {
                (Some(d), Some(b)) => &key[..d.max(b)],
                (Some(i), None) | (None, Some(i)) => &key[..i],
                (None, None) => "",
            };
        }
    }
}

/// Byte offset of every key path in a JSON text (`a.b[2]`), for messages. Tolerates
/// anything: on text it cannot follow it returns what it found so far.
fn positions(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut p = PosParser {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    p.ws();
    out.insert(String::new(), p.i);
    let _ = p.value("", &mut out, 0);
    out
}

struct PosParser<'t> {
    b: &'t [u8],
    text: &'t str,
    i: usize,
}

impl PosParser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        let start = self.i;
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return serde_json::from_str(self.text.get(start..self.i)?).ok();
                }
                _ => self.i += 1,
            }
        }
        None
    }

    fn value(&mut self, path: &str, out: &mut BTreeMap<String, usize>, depth: usize) -> Option<()> {
        if depth > 256 {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Some(());
                    }
                    let at = self.i;
                    let key = self.string()?;
                    let child = join(path, &key);
                    out.entry(child.clone()).or_insert(at);
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    self.value(&child, out, depth + 1)?;
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut n = 0;
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                        return Some(());
                    }
                    out.entry(format!("{path}[{n}]")).or_insert(self.i);
                    self.value(&format!("{path}[{n}]"), out, depth + 1)?;
                    n += 1;
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while self.i < self.b.len() && !matches!(self.b[self.i], b',' | b'}' | b']') {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

/// Counts of errors and warnings.
pub fn counts(findings: &[Finding]) -> (usize, usize) {
    let e = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (e, findings.len() - e)
}

/// `FILE:LINE: error: key: message (fix: ...)`, one a line, then a count.
pub fn render_human(file: &str, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let at = match f.line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        };
        let key = if f.key.is_empty() {
            String::new()
        } else {
            format!("{}: ", f.key)
        };
        out.push_str(&format!(
            "{at}: {}: {key}{} (fix: {})\n",
            f.severity, f.message, f.fix
        ));
    }
    let (e, w) = counts(findings);
    if findings.is_empty() {
        out.push_str(&format!("{file}: no problems found\n"));
    } else {
        out.push_str(&format!(
            "{file}: {e} error{}, {w} warning{}\n",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The JSON report `check --json` prints.
pub fn render_json(file: &str, findings: &[Finding]) -> Value {
    let (e, w) = counts(findings);
    serde_json::json!({
        "file": file,
        "errors": e,
        "warnings": w,
        "findings": findings,
    })
}

/// The rule for commands that write a config (`init`, `add`): an error in an entry srt-gen
/// generates (a fragment gave it) blocks the write; an error in what the user wrote
/// (their own entries, unknown keys, other settings) does not block, since srt-gen did not
/// make it and refusing would leave the user unable to regenerate; it is returned as a
/// warning line naming `srt-gen check`. Warnings are returned as they are.
///
/// Returns the lines to show, or `Error::Findings` listing the blocking errors.
pub fn gate_generated(settings: &Settings, ctx: &LintContext<'_>) -> Result<Vec<String>, Error> {
    let value = serde_json::to_value(settings).expect("settings serialize");
    let findings = lint(&value, ctx);
    let mut blocking = Vec::new();
    let mut shown = Vec::new();
    let mut user_errors = 0;
    for f in findings {
        let generated = entry_of(settings, &f.key)
            .is_some_and(|(list, entry)| !crate::policy::origin(settings, list, &entry).yours);
        match (f.severity, generated) {
            (Severity::Error, true) => blocking.push(f),
            (Severity::Error, false) => user_errors += 1,
            (Severity::Warning, _) => shown.push(format!("{}: {} ({})", f.key, f.message, f.fix)),
        }
    }
    if user_errors > 0 {
        shown.push(format!(
            "{user_errors} problem{} in entries you wrote; `srt-gen check` lists {}",
            if user_errors == 1 { "" } else { "s" },
            if user_errors == 1 { "it" } else { "them" }
        ));
    }
    if blocking.is_empty() {
        return Ok(shown);
    }
    let mut msg = String::from("srt-gen will not write a config with these problems:");
    for f in &blocking {
        msg.push_str(&format!("\n  {}: {} (fix: {})", f.key, f.message, f.fix));
    }
    msg.push_str("\nthese entries come from srt-gen's catalog, a fragment file or this machine's environment (CARGO_HOME, CARGO_TARGET_DIR, ...); fix the cause and run again");
    Err(Error::Findings(msg))
}

/// `filesystem.allowWrite[2]` → the list and the entry's text in `settings`.
fn entry_of(settings: &Settings, key: &str) -> Option<(List, String)> {
    let (list_key, rest) = key.split_once('[')?;
    let list = List::from_key(list_key)?;
    let idx: usize = rest.split(']').next()?.parse().ok()?;
    let v = settings.list(list).get(idx)?;
    crate::srt_config::entry_text(v).map(|s| (list, s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(home: &Path, path: &str) -> Env {
        Env {
            vars: [("PATH".to_string(), path.to_string())].into(),
            home: home.to_path_buf(),
            os: Os::Linux,
        }
    }

    fn base() -> Value {
        json!({
            "network": {"allowedDomains": [], "deniedDomains": []},
            "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}
        })
    }

    fn run(v: &Value) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        let e = env(&home, "/usr/bin:/bin");
        let ctx = LintContext {
            env: &e,
            project: project.clone(),
            protected: vec![project.join(".srt.json")],
        };
        lint(v, &ctx)
    }

    fn keys(f: &[Finding]) -> Vec<(Severity, &str)> {
        f.iter().map(|f| (f.severity, f.key.as_str())).collect()
    }

    fn with(path: &str, val: Value) -> Value {
        let mut v = base();
        let mut cur = &mut v;
        let parts: Vec<&str> = path.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            cur = cur.get_mut(*p).unwrap();
        }
        cur[parts[parts.len() - 1]] = val;
        v
    }

    #[test]
    fn risky_hosts_table_parses_and_validates() {
        for r in risky_hosts() {
            crate::hosts::validate(&r.host).unwrap();
            assert!(!r.what.is_empty() && !r.needed_for.is_empty());
        }
        assert!(risky_hosts().len() >= 10);
    }

    #[test]
    fn the_minimal_file_is_clean() {
        assert_eq!(run(&base()), vec![]);
    }

    #[test]
    fn a_record_srt_gen_did_not_write_is_one_error() {
        let mut v = base();
        v[RECORD_KEY] = json!({"fragments": {}});
        let f = run(&v);
        assert_eq!(keys(&f), vec![(Severity::Error, RECORD_KEY)]);
        assert_eq!(
            f[0].message,
            "srt-gen's record is not as srt-gen writes it: missing field `version`"
        );
        v[RECORD_KEY] = json!({"version": 1, "fragments": {}});
        assert_eq!(run(&v), vec![]);
    }

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
            ]
        );
        assert_eq!(f[5].fix, "wrap it in a list: [\"a.example.com\"]");
        assert_eq!(f[3].fix, "add \"denyWrite\": []");
    }

    #[test]
    fn hosts() {
        let v = with(
            "network.allowedDomains",
            json!([
                "exa mple.com",
                "https://a.example.com/x",
                "*.github.com",
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
        assert!(f[2].message.contains("never `github.com`"));
        assert!(f[4].message.contains("S3"), "{}", f[4].message);
    }

    #[test]
    fn overlap_goes_both_ways() {
        assert!(overlaps("*.amazonaws.com", "*.s3.amazonaws.com"));
        assert!(overlaps("b.s3.amazonaws.com", "*.s3.amazonaws.com"));
        assert!(overlaps("UNPKG.com:443", "unpkg.com"));
        assert!(!overlaps("s3.amazonaws.com", "*.s3.amazonaws.com"));
        assert!(!overlaps("*.example.com", "*.s3.amazonaws.com"));
    }

    #[test]
    fn write_roots_that_escape() {
        let f = run(&with(
            "filesystem.allowWrite",
            json!([
                "~",
                "/",
                "~/.cargo",
                "~/.cargo/registry",
                "~/.bashrc",
                "~/.config",
                "~/.config/pip",
                "/usr/bin",
                "/usr",
                "$HOME/.cache",
                "~/.local",
                "./out/**",
                "~/.rustup/toolchains/stable/lib",
                "~/.local/share/pnpm/store",
                "/usr/bin/x"
            ]),
        ));
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Error, "filesystem.allowWrite[0]"),
                (Severity::Error, "filesystem.allowWrite[1]"),
                (Severity::Error, "filesystem.allowWrite[2]"),
                (Severity::Error, "filesystem.allowWrite[4]"),
                (Severity::Error, "filesystem.allowWrite[5]"),
                (Severity::Error, "filesystem.allowWrite[7]"),
                (Severity::Error, "filesystem.allowWrite[8]"),
                (Severity::Error, "filesystem.allowWrite[9]"),
                (Severity::Error, "filesystem.allowWrite[10]"),
                (Severity::Warning, "filesystem.allowWrite[12]"),
            ]
        );
        assert_eq!(f[7].fix, "write \"~/.cache\"");
    }

    #[test]
    fn globs_on_linux_and_the_config_itself() {
        let mut v = with("filesystem.allowWrite", json!([".", "./build/*.o"]));
        v["filesystem"]["denyWrite"] = json!(["./secret/*"]);
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Warning, "filesystem.allowWrite[1]"),
                (Severity::Error, "filesystem.allowWrite[0]"),
                (Severity::Error, "filesystem.denyWrite[0]"),
            ]
        );
        assert_eq!(f[0].fix.split(" (").next(), Some("list the folder instead"));
        assert_eq!(f[1].fix, "add \"./.srt.json\" to filesystem.denyWrite");
        v["filesystem"]["denyWrite"] = json!(["./.srt.json"]);
        v["filesystem"]["allowWrite"] = json!(["."]);
        assert_eq!(run(&v), vec![]);
    }

    #[test]
    fn platform_entries_and_absent_denies() {
        let mut v = with("network.allowUnixSockets", json!(["/var/run/docker.sock"]));
        v["filesystem"]["denyRead"] = json!(["/nonexistent-srt-gen-test/secret", "/"]);
        v["filesystem"]["disabled"] = json!(true);
        let f = run(&v);
        assert_eq!(
            keys(&f),
            vec![
                (Severity::Warning, "filesystem.denyRead[0]"),
                (Severity::Warning, "network.allowUnixSockets"),
                (Severity::Error, "filesystem.disabled"),
            ]
        );
    }

    #[test]
    fn lines_are_found_for_keys_and_missing_keys() {
        let text = "{\n  \"network\": {\n    \"allowedDomains\": [\n      \"a.example.com\",\n      \"exa mple.com\"\n    ],\n    \"deniedDomains\": []\n  },\n  \"filesystem\": {\"denyRead\": [], \"allowWrite\": []}\n}\n";
        let dir = tempfile::tempdir().unwrap();
        let e = env(dir.path(), "");
        let ctx = LintContext {
            env: &e,
            project: dir.path().to_path_buf(),
            protected: vec![],
        };
        let f = check_text(text, Path::new("t.json"), &ctx).unwrap();
        let lines: Vec<(&str, Option<usize>)> =
            f.iter().map(|f| (f.key.as_str(), f.line)).collect();
        assert_eq!(
            lines,
            vec![
                ("network.allowedDomains[1]", Some(5)),
                ("filesystem.denyWrite", Some(9)),
            ]
        );
    }

    #[test]
    fn positions_survive_garbage() {
        for t in [
            "",
            "{",
            "[1,",
            "{\"a\":",
            "{\"a\" 1}",
            "\"\\",
            "{\"a\":[{\"b\":\"\\u12",
        ] {
            let _ = positions(t);
        }
    }
}
