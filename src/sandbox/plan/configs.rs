//! The user's tool configuration, carried into the sandbox without its secrets (issue 14).
//!
//! Two ways, chosen per tool by the catalog's `[[config]]` entries:
//! - **a copy** without the secret keys (tokens, passwords, key files) and without the
//!   user's own proxy, written by srt-gen before launch under the config root (read-only
//!   inside) or into the tool's sandbox-owned home, and pointed at by the tool's own
//!   variable (`npm_config_userconfig`, `PIP_CONFIG_FILE`, ...). Works on every platform;
//!   the original stays unreadable when it holds a secret.
//! - **srt's file mask** for tools that read the file at a fixed path and abort when it is
//!   unreadable (Yarn 1 and Berry on `~/.npmrc`/`~/.yarnrc.yml`, Deno, cargo's config on
//!   its ancestor walk): on Linux srt shows the file with each secret replaced by a
//!   stand-in (`credentials.files`, `mode: mask`, `extract`). Tokens are never injected:
//!   the stand-in may be swapped back only at [`NEVER_INJECT`], a host the policy both
//!   allows (srt demands that) and denies, so no request ever carries the real token. On
//!   macOS srt has no file masks: the file stays unreadable there, and the note says so.
//!   A file without a secret is simply readable.
//!
//! Every file is read with `files::read_bounded`; one that is absent, not a regular file,
//! too large, unreadable, not UTF-8 or that does not parse is left out, and the note says
//! which and why: the run goes on without it, never with a wider policy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::catalog::{ConfigEntry, ConfigFormat, Fragment, List};
use crate::env::Os;
use crate::files::Bounded;

use super::{Context, RunPolicy, Staged};

/// The host a masked file's stand-ins may be swapped back at: allowed and denied at once,
/// so that srt accepts the mask and no connection ever reaches it (`.invalid` never
/// resolves, RFC 2606).
pub const NEVER_INJECT: &str = "srt-gen-never-inject.invalid";

/// The largest configuration file srt-gen reads.
const MAX_CONFIG: u64 = 1024 * 1024;

/// What one user file needs in this run.
#[derive(Debug, Default)]
struct PathPlan {
    /// As the policy spells it (`~/.npmrc`).
    spelled: String,
    /// A copy stands in for it and it holds a secret: unreadable inside.
    deny: bool,
    /// A tool reads it at its own path: the mask pattern, when it holds a secret.
    fixed: Option<Option<String>>,

    /// Who reads it, for the notes.
    readers: Vec<String>,
}

/// Carries every active fragment's configuration files in (see the module docs). `folder`
/// gives a fragment's own folder by name (for `into`).
pub(super) fn apply(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    active: &[&Fragment],
    folder: &dyn Fn(&Fragment, &str) -> Option<PathBuf>,
) {
    let os = cx.env.os;
    let mut plans: BTreeMap<PathBuf, PathPlan> = BTreeMap::new();
    for frag in active {
        for c in &frag.config {
            let Some(spelled) = c.template(os).and_then(|t| cx.env.expand_path(t, os)) else {
                continue;
            };
            let path = cx.env.absolute(&spelled, &cx.project.root);
            let walked = c.walk.as_deref().is_some_and(|w| {
                cx.project
                    .root
                    .ancestors()
                    .any(|a| crate::env::normalize(&a.join(w)) == path)
            });
            // Where a copy goes, and whether that is inside the tool's sandbox-owned home.
            let copy_to: Option<(PathBuf, bool)> = if walked {
                None
            } else if c.var.is_some() {
                Some((cx.state.config_copy(&frag.name, &file_name(&path)), false))
            } else if let Some(into) = &c.into {
                folder(frag, into).map(|d| (d.join(file_name(&path)), true))
            } else {
                None
            };
            if walked {
                // The tool reads the original; a copy from a run elsewhere must not be read too.
                if let Some(d) = c.into.as_ref().and_then(|i| folder(frag, i)) {
                    let stale = d.join(file_name(&path));
                    if std::fs::symlink_metadata(&stale).is_ok() {
                        stage(cx, p, c, &stale, empty(c), true);
                    }
                }
            }
            let text = match read(&path) {
                Ok(t) => t,
                Err(why) => {
                    p.note(
                        "config",
                        format!(
                            "{}: {spelled} {why}; left out, the tool runs without your settings there",
                            frag.name
                        ),
                    );
                    None
                }
            };
            let Some(text) = text else {
                // A copy from an earlier run must not outlive the user's file (an empty one
                // takes its place), and a tool that needs the file gets an empty one.
                if let Some((to, in_home)) = &copy_to {
                    let stale = *in_home && std::fs::symlink_metadata(to).is_ok();
                    if stale || c.required {
                        stage(cx, p, c, to, empty(c), *in_home);
                    }
                }
                continue;
            };
            let plan = plans.entry(path.clone()).or_default();
            plan.spelled.clone_from(&spelled);
            plan.readers.push(frag.name.clone());
            let Some((to, in_home)) = copy_to else {
                let secret = c.mask.as_deref().is_some_and(|m| holds_secret(m, &text));
                let mask = c.mask.clone().filter(|_| secret);
                match &mut plan.fixed {
                    Some(Some(_)) => {}
                    slot => *slot = Some(mask),
                }
                continue;
            };
            let copy = match sanitize(&text, c) {
                Ok(s) => s,
                Err(why) => {
                    p.note(
                        "config",
                        format!(
                            "{}: {spelled} does not parse ({why}); left out, the tool runs without your settings there",
                            frag.name
                        ),
                    );
                    let stale = in_home && std::fs::symlink_metadata(&to).is_ok();
                    if stale || c.required {
                        stage(cx, p, c, &to, empty(c), in_home);
                    }
                    continue;
                }
            };
            plan.deny |= copy.secret;
            let how = stage(cx, p, c, &to, copy.text, in_home);
            let left: Vec<&str> = copy.left_out.iter().map(String::as_str).collect();
            let without = if left.is_empty() {
                String::new()
            } else {
                format!(" without {}", left.join(", "))
            };
            p.note(
                "config",
                format!("{}: your {spelled}{without}: {how}", frag.name),
            );
        }
    }
    let mut masked = false;
    let floor_paths: Vec<String> = crate::policy::lint::floor::floor_entries(cx.env, &[os])
        .into_iter()
        .map(|e| e.path)
        .collect();
    for plan in plans.values() {
        let spelled = plan.spelled.as_str();
        let readers = plan.readers.join(", ");
        let floor = floor_paths.iter().any(|f| f == spelled);
        match &plan.fixed {
            Some(None) if p.remove(List::DenyRead, spelled) => {
                // A base credential deny (the floor) lifted by srt-gen's own reading of the
                // file: the gate takes it as kept (`LintContext::handled`).
                if floor {
                    p.floor_handled.push(spelled.to_string());
                }
                p.note(
                    "config",
                    format!("{readers}: {spelled} holds no token, so it stays readable (the tool reads it at that path)"),
                );
            }
            Some(None) => {}
            Some(Some(pattern)) if os == Os::Linux => {
                p.remove(List::DenyRead, spelled);
                add_mask(p, spelled, pattern);
                masked = true;
                p.note(
                    "config",
                    format!(
                        "{readers}: {spelled} is shown with its tokens replaced by stand-ins that are never sent (srt file mask): the tool keeps your settings, a private registry that needs the token fails inside"
                    ),
                );
            }
            Some(Some(_)) => {
                p.add(List::DenyRead, spelled);
                p.note(
                    "config",
                    format!(
                        "{readers}: {spelled} holds a token and stays unreadable (srt masks files on Linux only); the tool may stop on it: keep the token in an environment variable that the file names (`${{NPM_TOKEN}}`), which srt-gen withholds"
                    ),
                );
            }
            None if plan.deny => {
                p.add(List::DenyRead, spelled);
            }
            None => {}
        }
    }
    if masked {
        p.add(List::AllowedDomains, NEVER_INJECT);
        p.add(List::DeniedDomains, NEVER_INJECT);
        let has_tls = p.settings.network.other.contains_key("tlsTerminate");
        let creds = credentials(p);
        if !has_tls {
            // Masking needs TLS termination or plaintext injection; the stand-ins here may
            // be swapped only at a host that is denied, so plaintext injection sends nothing.
            creds.insert("allowPlaintextInject".into(), Value::Bool(true));
        }
    }
}

/// Writes a copy before launch (merged with one an earlier entry made there, for tools that
/// read two user files into one setting, as pip does), points the entry's variables at it,
/// and says how.
fn stage(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    c: &ConfigEntry,
    to: &Path,
    text: String,
    in_home: bool,
) -> String {
    match p.files.iter_mut().find(|f| f.path == to) {
        Some(f) => {
            let before = String::from_utf8_lossy(&f.bytes).into_owned();
            let merged = if c.format == Some(ConfigFormat::Ini) {
                merge_ini(&before, &text)
            } else if text.is_empty() {
                before
            } else {
                text
            };
            f.bytes = merged.into_bytes();
        }
        None => p.files.push(Staged {
            path: to.to_path_buf(),
            bytes: text.into_bytes(),
        }),
    }
    let shown = cx.env.tilde(to);
    if in_home {
        // The copy sits in the tool's sandbox-owned home: rewritten before every launch,
        // and never changed from inside.
        p.add(List::DenyWrite, &shown);
    }
    let target = if c.var_folder {
        to.parent().unwrap_or(to).to_path_buf()
    } else {
        to.to_path_buf()
    };
    let mut vars: Vec<&String> = c.var.iter().chain(&c.vars).collect();
    vars.dedup();
    for v in &vars {
        p.env_set.insert((*v).clone(), target.display().to_string());
    }
    if vars.is_empty() {
        format!("copied to {shown}")
    } else {
        let names: Vec<&str> = vars.iter().map(|v| v.as_str()).collect();
        format!("a copy at {shown} ({})", names.join(", "))
    }
}

/// Two INI files as one (`b`'s keys win), for a tool that reads both: one section header
/// each and no key twice (Python's configparser refuses either).
pub fn merge_ini(a: &str, b: &str) -> String {
    type Sections = Vec<(String, Vec<(String, Vec<String>)>)>;
    fn parse(text: &str, into: &mut Sections) {
        let mut section = String::new();
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('[') {
                section = t.to_string();
                if !into.iter().any(|(s, _)| *s == section) {
                    into.push((section.clone(), Vec::new()));
                }
                continue;
            }
            if t.is_empty() || t.starts_with(['#', ';']) {
                continue;
            }
            if !into.iter().any(|(s, _)| *s == section) {
                into.push((section.clone(), Vec::new()));
            }
            let keys = &mut into
                .iter_mut()
                .find(|(s, _)| *s == section)
                .expect("added")
                .1;
            let indented = line.len() != line.trim_start().len();
            if indented {
                if let Some(last) = keys.last_mut() {
                    last.1.push(line.to_string());
                }
                continue;
            }
            let key = t
                .split(['=', ':'])
                .next()
                .unwrap_or(t)
                .trim()
                .to_ascii_lowercase();
            keys.retain(|(k, _)| *k != key);
            keys.push((key, vec![line.to_string()]));
        }
    }
    let mut sections: Sections = Vec::new();
    parse(a, &mut sections);
    parse(b, &mut sections);
    let mut out = String::new();
    for (name, keys) in sections {
        if !name.is_empty() {
            out.push_str(&name);
            out.push('\n');
        }
        for (_, lines) in keys {
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out
}

fn credentials(p: &mut RunPolicy) -> &mut serde_json::Map<String, Value> {
    let v = p
        .settings
        .other
        .entry("credentials".to_string())
        .or_insert_with(|| json!({}));
    if !v.is_object() {
        *v = json!({});
    }
    v.as_object_mut().expect("an object")
}

fn add_mask(p: &mut RunPolicy, spelled: &str, pattern: &str) {
    let creds = credentials(p);
    let files = creds
        .entry("files".to_string())
        .or_insert_with(|| json!([]));
    if !files.is_array() {
        *files = json!([]);
    }
    let files = files.as_array_mut().expect("an array");
    files.retain(|f| f.get("path").and_then(Value::as_str) != Some(spelled));
    files.push(json!({
        "path": spelled,
        "mode": "mask",
        "extract": pattern,
        "injectHosts": [NEVER_INJECT],
        "onExtractNoMatch": "deny",
    }));
}

/// A file of the format that holds no setting (an empty JSON file does not parse).
fn empty(c: &ConfigEntry) -> String {
    match c.format {
        Some(ConfigFormat::Json | ConfigFormat::Yaml) => "{}\n".into(),
        _ => String::new(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into())
}

/// The file's text; `None` when it is absent; the reason when it cannot be used.
fn read(path: &Path) -> Result<Option<String>, String> {
    match crate::files::read_bounded(path, MAX_CONFIG) {
        Ok(Bounded::Absent) => Ok(None),
        Ok(Bounded::NotRegular(what)) => Err(format!("is {what}, not a regular file")),
        Ok(Bounded::TooLarge(n)) => Err(format!(
            "is {n} bytes, more than srt-gen reads of a configuration file"
        )),
        Ok(Bounded::Bytes(b)) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| "is not UTF-8 text".to_string()),
        Err(e) => Err(format!("cannot be read ({e})")),
    }
}

/// Whether srt's extract pattern would replace anything in `text`.
pub fn holds_secret(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|re| {
        re.captures_iter(text)
            .any(|c| c.get(1).is_some_and(|g| !g.as_str().is_empty()))
    })
}

/// A sanitized copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub text: String,
    /// A secret was left out (a key, or credentials inside a URL).
    pub secret: bool,
    /// What was left out, by key, for the note.
    pub left_out: Vec<String>,
}

/// The file without the entry's `secrets` and `drop` keys, and without credentials in URLs.
pub fn sanitize(text: &str, c: &ConfigEntry) -> Result<Copy, String> {
    let mut out = Copy {
        text: String::new(),
        secret: false,
        left_out: Vec::new(),
    };
    let Some(format) = c.format else {
        return Err("the catalog names no format for a copy".into());
    };
    match format {
        ConfigFormat::Npmrc | ConfigFormat::Ini | ConfigFormat::Properties | ConfigFormat::Yaml => {
            lines(text, c, format, &mut out)
        }
        ConfigFormat::Toml => {
            let mut table: toml::Table = toml::from_str(text).map_err(|e| {
                let at = e
                    .span()
                    .map(|s| format!("line {}: ", crate::error::line_col(text, s.start).0))
                    .unwrap_or_default();
                format!("{at}{}", e.message())
            })?;
            clean_toml(&mut table, "", c, &mut out);
            out.text = toml::to_string(&table).map_err(|e| e.to_string())?;
        }
        ConfigFormat::Json => {
            let mut v: Value =
                serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()))?;
            clean_json(&mut v, "", c, &mut out);
            out.text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())? + "\n";
        }
    }
    out.left_out.sort();
    out.left_out.dedup();
    Ok(out)
}

/// Which list a key is in: `Some(true)` a secret, `Some(false)` dropped, `None` kept.
fn classify(key: &str, c: &ConfigEntry) -> Option<bool> {
    // `//host/path/:_authToken` and `@scope:registry`: the setting is the last part.
    let last = key.rsplit(':').next().unwrap_or(key).trim();
    let hit = |pats: &[String]| {
        pats.iter()
            .any(|pat| glob(pat, key.trim()) || glob(pat, last))
    };
    if hit(&c.secrets) {
        Some(true)
    } else if hit(&c.drop) {
        Some(false)
    } else {
        None
    }
}

/// `*` matches any text; case is ignored.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// `scheme://user:password@host` → `scheme://host`, everywhere in `value`.
pub fn strip_userinfo(value: &str) -> (String, bool) {
    let mut out = String::new();
    let mut rest = value;
    let mut changed = false;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let end = rest
            .find(|c: char| c == '/' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            rest = &rest[at + 1..];
            changed = true;
        }
    }
    out.push_str(rest);
    (out, changed)
}

fn lines(text: &str, c: &ConfigEntry, format: ConfigFormat, out: &mut Copy) {
    let (comments, seps): (&[char], &[char]) = match format {
        ConfigFormat::Npmrc => (&['#', ';'], &['=']),
        ConfigFormat::Ini => (&['#', ';'], &['=', ':']),
        ConfigFormat::Properties => (&['#', '!'], &['=', ':']),
        _ => (&['#'], &[':']),
    };
    // In INI and YAML, indented lines continue the key above them.
    let continues = matches!(format, ConfigFormat::Ini | ConfigFormat::Yaml);
    let mut dropping = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indented = trimmed.len() != line.len() && !trimmed.is_empty();
        if trimmed.is_empty() || trimmed.starts_with(comments) || trimmed.starts_with('[') {
            if !(continues && dropping && indented) {
                dropping = false;
                out.text.push_str(line);
                out.text.push('\n');
            }
            continue;
        }
        if continues && indented {
            if dropping {
                continue;
            }
        } else {
            dropping = false;
            if let Some(at) = trimmed.find(seps) {
                let key = trimmed[..at].trim().trim_matches('"');
                if let Some(secret) = classify(key, c) {
                    dropping = true;
                    out.secret |= secret;
                    out.left_out
                        .push(key.rsplit(':').next().unwrap_or(key).to_string());
                    continue;
                }
            }
        }
        let (clean, changed) = strip_userinfo(line);
        if changed {
            out.secret = true;
            out.left_out.push("credentials in URLs".into());
        }
        out.text.push_str(&clean);
        out.text.push('\n');
    }
}

fn clean_toml(table: &mut toml::Table, _at: &str, c: &ConfigEntry, out: &mut Copy) {
    let keys: Vec<String> = table.keys().cloned().collect();
    for k in keys {
        if let Some(secret) = classify(&k, c) {
            table.remove(&k);
            out.secret |= secret;
            out.left_out.push(k);
            continue;
        }
        if let Some(v) = table.get_mut(&k) {
            clean_toml_value(v, c, out);
        }
    }
}

fn clean_toml_value(v: &mut toml::Value, c: &ConfigEntry, out: &mut Copy) {
    match v {
        toml::Value::Table(t) => clean_toml(t, "", c, out),
        toml::Value::Array(a) => a.iter_mut().for_each(|x| clean_toml_value(x, c, out)),
        toml::Value::String(s) => {
            let (clean, changed) = strip_userinfo(s);
            if changed {
                *s = clean;
                out.secret = true;
                out.left_out.push("credentials in URLs".into());
            }
        }
        _ => {}
    }
}

fn clean_json(v: &mut Value, _at: &str, c: &ConfigEntry, out: &mut Copy) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if let Some(secret) = classify(&k, c) {
                    m.remove(&k);
                    out.secret |= secret;
                    out.left_out.push(k);
                } else if let Some(x) = m.get_mut(&k) {
                    clean_json(x, "", c, out);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| clean_json(x, "", c, out)),
        Value::String(s) => {
            let (clean, changed) = strip_userinfo(s);
            if changed {
                *s = clean;
                out.secret = true;
                out.left_out.push("credentials in URLs".into());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(format: &str, secrets: &[&str], drop: &[&str]) -> ConfigEntry {
        let text = format!(
            "path = \"~/x\"\nvar = \"X\"\nformat = \"{format}\"\nsecrets = {secrets:?}\ndrop = {drop:?}\nsource = \"t\"\n"
        );
        toml::from_str(&text).unwrap()
    }

    #[test]
    fn npmrc_keeps_settings_and_drops_tokens_and_proxies() {
        let c = entry(
            "npmrc",
            &[
                "_authToken",
                "_auth",
                "_password",
                "username",
                "email",
                "certfile",
                "keyfile",
            ],
            &["proxy", "https-proxy"],
        );
        let text = "nodedir=/usr\n; a comment\ncafile=/etc/ssl/certs/ca.crt\n@corp:registry=https://npm.corp.example/\n//npm.corp.example/:_authToken=npm_SECRET\n//npm.corp.example/:_password = c2VjcmV0\nhttps-proxy=http://proxy.corp.example:8080\nregistry=https://u:pw@mirror.example/npm/\n";
        let out = sanitize(text, &c).unwrap();
        assert!(out.secret);
        assert_eq!(
            out.text,
            "nodedir=/usr\n; a comment\ncafile=/etc/ssl/certs/ca.crt\n@corp:registry=https://npm.corp.example/\nregistry=https://mirror.example/npm/\n"
        );
        assert!(!out.text.contains("SECRET") && !out.text.contains("pw@"));
        assert_eq!(
            out.left_out,
            [
                "_authToken",
                "_password",
                "credentials in URLs",
                "https-proxy"
            ]
        );
        let clean = sanitize("nodedir=/usr\n", &c).unwrap();
        assert!(!clean.secret);
    }

    #[test]
    fn ini_continuations_go_with_their_key() {
        let c = entry("ini", &["password"], &[]);
        let text = "[global]\nindex-url = https://user:tok@pypi.corp.example/simple\nextra-index-url =\n    https://a:b@x.example/simple\n    https://y.example/simple\npassword = p\n  more\ntimeout = 60\n";
        let out = sanitize(text, &c).unwrap();
        assert!(out.secret);
        assert_eq!(
            out.text,
            "[global]\nindex-url = https://pypi.corp.example/simple\nextra-index-url =\n    https://x.example/simple\n    https://y.example/simple\ntimeout = 60\n"
        );
    }

    #[test]
    fn toml_and_json_drop_keys_at_any_depth() {
        let c = entry("toml", &["token", "secret-key"], &["proxy"]);
        let text = "[net]\nretry = 7\n[registries.private]\nindex = \"sparse+https://r.example/\"\ntoken = \"FAKE\"\n[http]\nproxy = \"http://p:3128\"\n";
        let out = sanitize(text, &c).unwrap();
        assert!(out.secret);
        assert!(out.text.contains("retry = 7"), "{}", out.text);
        assert!(!out.text.contains("FAKE") && !out.text.contains("proxy"));
        assert!(sanitize("[net\n", &c).unwrap_err().starts_with("line 1"));
        let c = entry("json", &["http-basic", "github-oauth"], &[]);
        let out = sanitize(
            r#"{"config":{"process-timeout":600},"http-basic":{"x":{"password":"p"}},"github-oauth":{"github.com":"t"}}"#,
            &c,
        )
        .unwrap();
        assert!(out.secret && !out.text.contains("password") && out.text.contains("600"));
    }

    #[test]
    fn properties_and_yaml_take_glob_keys() {
        let c = entry("properties", &["*password*", "*token*"], &[]);
        let out = sanitize(
            "org.gradle.jvmargs=-Xmx512m\nmavenPassword=s\nMY_TOKEN: t\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "org.gradle.jvmargs=-Xmx512m\n");
        let c = entry("yaml", &["BUNDLE_*__*"], &[]);
        let out = sanitize(
            "---\nBUNDLE_JOBS: \"2\"\nBUNDLE_RUBYGEMS__PKG__GITHUB__COM: \"u:SECRET\"\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "---\nBUNDLE_JOBS: \"2\"\n");
    }

    #[test]
    fn mask_patterns_are_run_as_srt_would() {
        let npmrc = r"(?:^|\n)[ \t]*(?:\S*:)?(?:_authToken|_auth|_password)[ \t]*=[ \t]*([^\r\n]+)";
        assert!(holds_secret(npmrc, "//r.example/:_authToken=abc\n"));
        assert!(holds_secret(npmrc, "nodedir=/usr\n_auth = x"));
        assert!(!holds_secret(
            npmrc,
            "nodedir=/usr\n# _authToken=x is a comment\n"
        ));
        assert!(!holds_secret("([", "x"), "a broken pattern finds nothing");
    }

    #[test]
    fn two_ini_files_merge_with_the_second_winning() {
        let a = "[global]\ntimeout = 10\nindex-url = https://a.example/simple\n[install]\nno-warn-script-location = true\n";
        let b = "[global]\ntimeout = 60\nextra-index-url =\n    https://b.example/simple\n";
        assert_eq!(
            merge_ini(a, b),
            "[global]\nindex-url = https://a.example/simple\ntimeout = 60\nextra-index-url =\n    https://b.example/simple\n[install]\nno-warn-script-location = true\n"
        );
    }

    #[test]
    fn userinfo_is_stripped_only_before_the_host() {
        assert_eq!(
            strip_userinfo("https://u:p@h.example/a@b https://h2.example/x"),
            ("https://h.example/a@b https://h2.example/x".into(), true)
        );
        assert_eq!(
            strip_userinfo("git+ssh://git@github.com/x"),
            ("git+ssh://github.com/x".into(), true)
        );
        assert_eq!(strip_userinfo("no url"), ("no url".into(), false));
    }
}
