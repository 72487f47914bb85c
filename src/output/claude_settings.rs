//! `srt-gen claude-settings`: the project's `.srt.json` policy as the `sandbox` block of
//! Claude Code's `.claude/settings.json`, for Claude Code's built-in sandbox (which runs
//! the agent's commands through the same runtime and reads the same allowlists).
//!
//! Paths change spelling ([Claude Code's sandboxing docs][docs], and the descriptions in
//! SchemaStore's `claude-code-settings.json`): `//x` is the absolute `/x`, `~/x` is under
//! the home folder, `/x` is relative to the *settings file's folder*, and `./x` (or no
//! prefix) is relative to the working directory. `.srt.json`'s `./x` is relative to
//! srt's working directory, the project root where `srt-gen run` launches it, so it
//! stays `./x`; its absolute `/x` must become `//x`.
//!
//! srt-gen owns the keys of [`managed`] inside `sandbox`: each run sets them from
//! `.srt.json` or removes them. Every other key, in `sandbox` and in the rest of the file,
//! is kept; keys outside `sandbox` keep their order and their bytes.
//!
//! [docs]: https://code.claude.com/docs/en/sandboxing

use std::path::{Path, PathBuf};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::catalog::List;
use crate::detect::project::Project;
use crate::error::Error;
use crate::output::FileOutcome;
use crate::policy::settings::Settings;

/// Claude Code's project settings file, relative to the project root.
pub const SETTINGS_FILE: &str = ".claude/settings.json";

/// The key of the block srt-gen writes.
pub const BLOCK_KEY: &str = "sandbox";

/// Keys (paths inside `sandbox`) srt-gen sets from `.srt.json`, or removes when
/// `.srt.json` has no value for them: every key [`sandbox_block`] can write.
pub fn managed() -> impl Iterator<Item = &'static str> {
    ["enabled"]
        .into_iter()
        .chain(List::ALL.map(List::key))
        .chain([ALLOW_READ])
        .chain(VERBATIM)
}

/// srt's read allowlist: a path list like the [`List`]s, but one srt-gen never fills
/// itself, so it is carried over only when the user wrote it.
const ALLOW_READ: &str = "filesystem.allowRead";

/// `.srt.json` keys copied as they are (same name, same meaning in both files).
const VERBATIM: [&str; 7] = [
    "network.allowLocalBinding",
    "network.allowAllUnixSockets",
    "network.allowUnixSockets",
    "network.httpProxyPort",
    "network.socksProxyPort",
    "enableWeakerNestedSandbox",
    "enableWeakerNetworkIsolation",
];

/// Claude Code's spelling of a path that `.srt.json` spells `srt`.
pub fn claude_path(srt: &str) -> String {
    if srt == "~" {
        "~/".into()
    } else if srt.starts_with("~/") || srt == "." || srt.starts_with("./") {
        srt.into()
    } else if srt.starts_with('/') {
        format!("/{srt}")
    } else {
        // srt resolves a bare relative path against its working directory, as `./` does.
        format!("./{srt}")
    }
}

/// The inverse of [`claude_path`]: `.srt.json`'s spelling of a Claude Code path.
/// `settings_dir` is the folder of the settings file, for `/x` paths (absolute result).
pub fn srt_path(claude: &str, settings_dir: &Path) -> String {
    if let Some(abs) = claude.strip_prefix("//") {
        format!("/{abs}")
    } else if let Some(rel) = claude.strip_prefix('/') {
        settings_dir.join(rel).display().to_string()
    } else if claude == "~/" {
        "~".into()
    } else {
        claude.into()
    }
}

/// The `sandbox` block for a policy, and what could not be carried over.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub value: Value,
    pub warnings: Vec<String>,
}

/// Translates the policy of `.srt.json` into Claude Code's `sandbox` block.
pub fn sandbox_block(settings: &Settings) -> Block {
    let mut warnings = Vec::new();
    let mut network = Map::new();
    let mut filesystem = Map::new();
    // Every list is written, empty or not; allowRead only when the user wrote one.
    let allow_read = match settings.filesystem.other.get(split_key(ALLOW_READ).1) {
        Some(Value::Array(items)) => Some((ALLOW_READ, items, true)),
        _ => None,
    };
    let lists = List::ALL
        .into_iter()
        .map(|l| (l.key(), settings.list(l), !l.is_network()))
        .chain(allow_read);
    for (key, items, path_list) in lists {
        let mut out = Vec::new();
        for v in items {
            match entry(v, path_list) {
                Ok(s) => out.push(Value::String(s)),
                Err(why) => warnings.push(format!("{key}: {why}; left out")),
            }
        }
        let target = if path_list {
            &mut filesystem
        } else {
            &mut network
        };
        target.insert(split_key(key).1.to_string(), Value::Array(out));
    }
    let mut block = Map::new();
    block.insert("enabled".into(), Value::Bool(true));
    for key in VERBATIM {
        let value = match split_key(key) {
            ("network", k) => settings.network.other.get(k),
            _ => settings.other.get(key),
        };
        let Some(value) = value else { continue };
        if !verbatim_ok(key, value) {
            warnings.push(format!(
                "{key}: {value} is not what srt accepts there; left out"
            ));
            continue;
        }
        match split_key(key) {
            ("network", k) => network.insert(k.into(), value.clone()),
            _ => block.insert(key.into(), value.clone()),
        };
    }
    // The keys `Settings` keeps aside (its named fields are the lists) that were not
    // carried over above.
    let carried = |section: &str, k: &str| {
        VERBATIM
            .into_iter()
            .chain([ALLOW_READ])
            .any(|c| split_key(c) == (section, k))
    };
    for (section, other) in [
        ("network", &settings.network.other),
        ("filesystem", &settings.filesystem.other),
        ("", &settings.other),
    ] {
        for k in other.keys().filter(|k| !carried(section, k)) {
            let dotted = if section.is_empty() {
                k.clone()
            } else {
                format!("{section}.{k}")
            };
            warnings.push(format!(
                "{dotted} of .srt.json has no counterpart that srt-gen writes to {SETTINGS_FILE}; set it there by hand if Claude Code needs it"
            ));
        }
    }
    block.insert("network".into(), Value::Object(network));
    block.insert("filesystem".into(), Value::Object(filesystem));
    Block {
        value: Value::Object(block),
        warnings,
    }
}

/// `("network", "allowLocalBinding")` for `network.allowLocalBinding`, `("", key)` for a
/// top-level key.
fn split_key(key: &str) -> (&str, &str) {
    key.split_once('.').unwrap_or(("", key))
}

fn entry(v: &Value, path: bool) -> Result<String, String> {
    let (text, literal) = match v {
        Value::String(s) => (s.as_str(), false),
        Value::Object(o) => match o.get("path").and_then(Value::as_str) {
            Some(p) if path => (p, true),
            _ => return Err(format!("{v} is not a string")),
        },
        _ => return Err(format!("{v} is not a string")),
    };
    if text.is_empty() {
        return Err("an empty entry".into());
    }
    if !path {
        return Ok(text.into());
    }
    if literal && text.contains(['*', '?', '[', '{']) {
        return Err(format!(
            "`{text}` is a literal path with glob characters, which Claude Code would read as a pattern"
        ));
    }
    Ok(claude_path(text))
}

fn verbatim_ok(key: &str, v: &Value) -> bool {
    match key {
        "network.allowUnixSockets" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "network.httpProxyPort" | "network.socksProxyPort" => {
            v.as_u64().is_some_and(|p| (1..=65535).contains(&p))
        }
        _ => v.is_boolean(),
    }
}

/// Puts `block` into an existing `sandbox` object: the [`managed`] keys come from the
/// block (or go, when the block lacks them); every other key stays as it was.
pub fn merge_into(existing: Option<Value>, block: Value) -> Value {
    let Some(Value::Object(mut old)) = existing else {
        return block;
    };
    for key in managed() {
        match split_key(key) {
            ("", k) => {
                old.remove(k);
            }
            (section, k) => {
                if let Some(Value::Object(s)) = old.get_mut(section) {
                    s.remove(k);
                }
            }
        }
    }
    let Value::Object(new) = block else {
        return Value::Object(old);
    };
    for (k, v) in new {
        match (old.get_mut(&k), v) {
            (Some(Value::Object(o)), Value::Object(n)) => o.extend(n),
            (_, v) => {
                old.insert(k, v);
            }
        }
    }
    Value::Object(old)
}

/// The top level of a settings file: its keys in order, each value as written.
struct Ordered(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    out.push(entry);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn parse_error(file: &Path, e: &serde_json::Error) -> Error {
    Error::Parse {
        file: file.display().to_string(),
        line: e.line(),
        column: crate::error::json_column(e),
        message: format!(
            "not a JSON object as Claude Code writes it ({}); fix it or move it away",
            crate::error::strip_position(&e.to_string())
        ),
    }
}

/// The new text of a settings file: `existing` with its `sandbox` key merged with `block`
/// (added at the end when absent), every other top-level key as it was.
pub fn splice(existing: Option<&str>, block: Value, file: &Path) -> Result<String, Error> {
    let entries = match existing {
        None => Vec::new(),
        Some(text) if text.trim().is_empty() => Vec::new(),
        Some(text) => {
            serde_json::from_str::<Ordered>(text)
                .map_err(|e| parse_error(file, &e))?
                .0
        }
    };
    let old_block = entries
        .iter()
        .rev()
        .find(|(k, _)| k == BLOCK_KEY)
        .map(|(_, raw)| serde_json::from_str::<Value>(raw.get()))
        .transpose()
        .map_err(|e| parse_error(file, &e))?;
    if let Some(v) = &old_block {
        if !v.is_object() {
            return Err(Error::Usage(format!(
                "{}: `{BLOCK_KEY}` is not an object; fix or remove it so srt-gen can write its block",
                file.display()
            )));
        }
    }
    let merged = merge_into(old_block, block);
    let merged_text = indent(&serde_json::to_string_pretty(&merged).expect("json"));
    let mut parts: Vec<String> = Vec::new();
    let mut placed = false;
    for (k, raw) in &entries {
        let key = serde_json::to_string(k).expect("json");
        if k == BLOCK_KEY {
            if !placed {
                parts.push(format!("  {key}: {merged_text}"));
                placed = true;
            }
        } else {
            parts.push(format!("  {key}: {}", raw.get()));
        }
    }
    if !placed {
        parts.push(format!("  \"{BLOCK_KEY}\": {merged_text}"));
    }
    Ok(format!("{{\n{}\n}}\n", parts.join(",\n")))
}

/// Indents every line but the first by two spaces (a value nested one level down).
fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// What `claude-settings` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub file: PathBuf,
    pub outcome: FileOutcome,
    pub dry_run: bool,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub contents: String,
    /// The file as it was (`None`: there was none), for `--dry-run`'s diff.
    #[serde(skip)]
    pub previous: Option<String>,
}

/// Writes the policy of the project's `.srt.json` (`settings`, as read) into
/// `.claude/settings.json` beside it.
pub fn write(project: &Project, settings: &Settings, dry_run: bool) -> Result<Outcome, Error> {
    let dir = project.root.join(".claude");
    if dir.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
        return Err(Error::Refused(format!(
            "{} is not a folder (a symbolic link or a file); srt-gen writes only into a real folder there",
            dir.display()
        )));
    }
    let file = project.root.join(SETTINGS_FILE);
    let old_text = crate::files::read_user_text(&file)?;
    let Block { value, warnings } = sandbox_block(settings);
    let contents = splice(old_text.as_deref(), value, &file)?;
    let outcome = FileOutcome::of(old_text.as_deref().map(str::as_bytes), contents.as_bytes());
    if !dry_run && outcome != FileOutcome::Unchanged {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        crate::files::write_atomic(&file, contents.as_bytes())?;
    }
    Ok(Outcome {
        file,
        outcome,
        dry_run,
        warnings,
        contents,
        previous: old_text,
    })
}

/// For `explain`: whether `.claude/settings.json` mirrors the project's policy, and where
/// each of `entries` (list key, `.srt.json` spelling) appears in it. `None` when the
/// project has no Claude Code sandbox block (nothing to say).
pub fn explain_note(
    project: &Project,
    settings: &Settings,
    entries: &[(&str, &str)],
) -> Option<String> {
    let file = project.root.join(SETTINGS_FILE);
    let text = crate::files::read_regular(&file).ok()??;
    let top: Value = serde_json::from_slice(&text).ok()?;
    let sandbox = top.get(BLOCK_KEY)?;
    let want = sandbox_block(settings).value;
    let in_sync = managed().all(|k| lookup(sandbox, k) == lookup(&want, k));
    let mut out = if in_sync {
        format!("{SETTINGS_FILE}: its `{BLOCK_KEY}` block mirrors this policy in Claude Code's spelling\n")
    } else {
        format!(
            "{SETTINGS_FILE}: its `{BLOCK_KEY}` block differs from this policy; `srt-gen claude-settings` brings it up to date\n"
        )
    };
    for (list, entry) in entries {
        // Hosts are written as they are; everything else is a path.
        let spelled = if List::from_key(list).is_some_and(List::is_network) {
            (*entry).to_string()
        } else {
            claude_path(entry)
        };
        let present = lookup(sandbox, list)
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(&spelled)));
        out.push_str(&format!(
            "  {list} {entry}: {} as `{spelled}`\n",
            if present { "there" } else { "not there" }
        ));
    }
    Some(out)
}

fn lookup<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |v, k| v.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_change_spelling_both_ways() {
        let dir = Path::new("/p/.claude");
        for (srt, claude) in [
            ("/etc/x", "//etc/x"),
            ("~/.npm", "~/.npm"),
            ("./.srt.json", "./.srt.json"),
            (".", "."),
            ("~", "~/"),
        ] {
            assert_eq!(claude_path(srt), claude);
            assert_eq!(srt_path(claude, dir), srt);
        }
        assert_eq!(claude_path("build"), "./build");
        assert_eq!(srt_path("/build", dir), "/p/.claude/build");
    }

    #[test]
    fn merge_keeps_other_keys_and_drops_stale_managed_ones() {
        let old = json!({
            "enabled": false,
            "excludedCommands": ["docker"],
            "network": {"allowedDomains": ["old.example.com"], "allowLocalBinding": true, "allowMachLookup": ["x"]},
        });
        let block = json!({"enabled": true, "network": {"allowedDomains": ["a.example.com"]}});
        assert_eq!(
            merge_into(Some(old), block),
            json!({
                "enabled": true,
                "excludedCommands": ["docker"],
                "network": {"allowedDomains": ["a.example.com"], "allowMachLookup": ["x"]},
            })
        );
    }

    #[test]
    fn splice_keeps_order_and_bytes_outside_the_block() {
        let old = "{\n  \"permissions\": {\n    \"deny\": [\"Read(./.env)\"]\n  },\n  \"model\": \"x\"\n}\n";
        let out = splice(Some(old), json!({"enabled": true}), Path::new("s.json")).unwrap();
        assert_eq!(
            out,
            "{\n  \"permissions\": {\n    \"deny\": [\"Read(./.env)\"]\n  },\n  \"model\": \"x\",\n  \"sandbox\": {\n    \"enabled\": true\n  }\n}\n"
        );
        let again = splice(Some(&out), json!({"enabled": true}), Path::new("s.json")).unwrap();
        assert_eq!(again, out);
        let e = splice(Some("[1]"), json!({}), Path::new("s.json")).unwrap_err();
        assert!(e.to_string().starts_with("s.json:1:"), "{e}");
        let e = splice(Some("{\"sandbox\": true}"), json!({}), Path::new("s.json")).unwrap_err();
        assert!(e.to_string().contains("not an object"), "{e}");
    }

    #[test]
    fn block_translates_and_warns() {
        let s = Settings::parse(
            r#"{"network":{"allowedDomains":["a.example.com"],"deniedDomains":[],"allowLocalBinding":true,"mystery":1},
                "filesystem":{"denyRead":["~/.ssh"],"allowWrite":[".","/tmp/x",{"path":"/odd[1]","literal":true}],"denyWrite":["./.srt.json"]},
                "enableWeakerNestedSandbox":"yes"}"#,
            Path::new("t.json"),
        )
        .unwrap();
        let b = sandbox_block(&s);
        assert_eq!(
            b.value,
            json!({
                "enabled": true,
                "network": {"allowedDomains": ["a.example.com"], "deniedDomains": [], "allowLocalBinding": true},
                "filesystem": {"denyRead": ["~/.ssh"], "allowWrite": [".", "//tmp/x"], "denyWrite": ["./.srt.json"]},
            })
        );
        assert_eq!(b.warnings.len(), 3, "{:?}", b.warnings);
    }

    #[test]
    fn managed_keys_are_exactly_the_keys_the_block_can_hold() {
        let s = Settings::parse(
            r#"{"network":{"allowedDomains":[],"deniedDomains":[],"allowLocalBinding":true,"allowAllUnixSockets":false,
                           "allowUnixSockets":["/run/x.sock"],"httpProxyPort":3128,"socksProxyPort":1080},
                "filesystem":{"denyRead":[],"allowWrite":[],"denyWrite":[],"allowRead":["~/x"]},
                "enableWeakerNestedSandbox":true,"enableWeakerNetworkIsolation":false}"#,
            Path::new("t.json"),
        )
        .unwrap();
        let b = sandbox_block(&s);
        assert!(b.warnings.is_empty(), "{:?}", b.warnings);
        let mut written = Vec::new();
        for (k, v) in b.value.as_object().unwrap() {
            match v.as_object() {
                Some(section) => written.extend(section.keys().map(|s| format!("{k}.{s}"))),
                None => written.push(k.clone()),
            }
        }
        written.sort();
        let mut managed: Vec<String> = managed().map(String::from).collect();
        managed.sort();
        assert_eq!(written, managed);
        assert_eq!(managed.len(), 14);
    }
}
