//! The srt settings file as types: the five lists srt requires, every other key kept as
//! the user wrote it, and srt-gen's own record under `srtGen` (srt drops unknown
//! top-level keys, so the file stays valid for srt). Serialized, never templated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::List;
use crate::error::Error;

/// The top-level key that holds srt-gen's record.
pub const RECORD_KEY: &str = "srtGen";

/// Deserialized by hand (see [`split_object`]), not derived: serde's `flatten` buffers
/// values, and a buffered number loses what `arbitrary_precision` keeps (an integer past
/// u64 is refused; issue 18 found one rewritten as `1.2345678901234568e+29`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Settings {
    #[serde(default)]
    pub network: Network,
    #[serde(default)]
    pub filesystem: Filesystem,
    /// Keys srt-gen does not manage, kept as they are.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
    #[serde(rename = "srtGen", default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(default)]
    pub allowed_domains: Vec<Value>,
    #[serde(default)]
    pub denied_domains: Vec<Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filesystem {
    #[serde(default)]
    pub deny_read: Vec<Value>,
    #[serde(default)]
    pub allow_write: Vec<Value>,
    #[serde(default)]
    pub deny_write: Vec<Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Settings, D::Error> {
        use serde::de::Error as _;
        let mut top = Map::deserialize(d)?;
        let network = take_object(&mut top, "network").map_err(D::Error::custom)?;
        let filesystem = take_object(&mut top, "filesystem").map_err(D::Error::custom)?;
        let record = top
            .remove(RECORD_KEY)
            .map(Record::deserialize)
            .transpose()
            .map_err(D::Error::custom)?;
        let (mut net, net_other) = split_object(network, &["allowedDomains", "deniedDomains"])
            .map_err(D::Error::custom)?;
        let (mut fs, fs_other) = split_object(filesystem, &["denyRead", "allowWrite", "denyWrite"])
            .map_err(D::Error::custom)?;
        let take = |m: &mut BTreeMap<&str, Vec<Value>>, k: &str| m.remove(k).unwrap_or_default();
        Ok(Settings {
            network: Network {
                allowed_domains: take(&mut net, "allowedDomains"),
                denied_domains: take(&mut net, "deniedDomains"),
                other: net_other,
            },
            filesystem: Filesystem {
                deny_read: take(&mut fs, "denyRead"),
                allow_write: take(&mut fs, "allowWrite"),
                deny_write: take(&mut fs, "denyWrite"),
                other: fs_other,
            },
            other: top.into_iter().collect(),
            record,
        })
    }
}

fn take_object(top: &mut Map<String, Value>, key: &str) -> Result<Map<String, Value>, String> {
    match top.remove(key) {
        None => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(format!("{key} must be an object")),
    }
}

/// The lists of one section (each must be an array) and every other key of it, as written.
#[allow(clippy::type_complexity)]
fn split_object<'k>(
    obj: Map<String, Value>,
    lists: &[&'k str],
) -> Result<(BTreeMap<&'k str, Vec<Value>>, BTreeMap<String, Value>), String> {
    let mut found = BTreeMap::new();
    let mut other = BTreeMap::new();
    for (k, v) in obj {
        match lists.iter().find(|l| **l == k) {
            Some(l) => match v {
                Value::Array(a) => {
                    found.insert(*l, a);
                }
                _ => return Err(format!("{k} must be an array")),
            },
            None => {
                other.insert(k, v);
            }
        }
    }
    Ok((found, other))
}

/// Why a fragment is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Why {
    /// Always applied (base, and the agent for the recipes).
    Base,
    /// Found in the project's files.
    Detected,
    /// Named by the user with `srt-gen add`.
    Added,
    /// Named by a file inside the repository (.npmrc, Cargo.lock, ...): chosen by
    /// whoever wrote the repository.
    Project,
    /// Named by the user's own configuration (~/.config/pip/pip.conf, GOPROXY, ...).
    Config,
}

/// What srt-gen wrote, so that `remove` can take exactly that out again, `explain` can say
/// where each entry comes from, and the user's own entries are never lost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Record {
    pub version: u32,
    /// Active fragments and the entries each gave (as resolved when written).
    pub fragments: BTreeMap<String, FragmentRecord>,
    /// Entries the user wrote that a fragment also gives: they stay when the fragment goes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub yours: BTreeMap<String, BTreeSet<String>>,
    /// Entries a fragment gives that the user deleted from the file: they stay out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub removed: BTreeMap<String, BTreeSet<String>>,
    /// Detected fragments the user removed with `srt-gen remove`: detection skips them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub excluded: BTreeSet<String>,
    /// `init --no-project-hosts`: hosts named by files inside the repository stay out
    /// until `init --project-hosts`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_project_hosts: bool,
    /// Whose paths the policy spells (`init --platform`); `add` and later `init`s keep it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<crate::env::Os>,
    /// `init --no-agent`: the agent's fragment and the recipes that start it stay out
    /// until `init --agent`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_agent: bool,
    /// Folders below the project (relative, `/`-separated) with a policy of their own
    /// (`init --subproject` there): a run started inside one uses its policy, and this
    /// policy write-protects their srt-gen files. Read by `detect::project` from the raw
    /// JSON under the same key.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub subprojects: BTreeSet<String>,
    /// `init --shared-caches NAME` / `add NAME --shared-caches`: fragments whose caches
    /// `run` leaves as they are in this file, shared with the user's own tools, instead of
    /// giving the sandbox its own (`check` warns: code can leave the sandbox that way).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub shared_caches: BTreeSet<String>,
    /// The agent the recipes and `run` start (`init --agent NAME`); none: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Secret variables the user lets into the sandbox on purpose (by hand, here; or
    /// `run --pass-env NAME` for one run). `check` and every run name them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pass_env: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FragmentRecord {
    pub why: Why,
    /// For detected fragments: the project files that showed it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// List key (`network.allowedDomains`) → entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entries: BTreeMap<String, BTreeSet<String>>,
}

impl Settings {
    pub fn list(&self, list: List) -> &Vec<Value> {
        match list {
            List::AllowedDomains => &self.network.allowed_domains,
            List::DeniedDomains => &self.network.denied_domains,
            List::DenyRead => &self.filesystem.deny_read,
            List::AllowWrite => &self.filesystem.allow_write,
            List::DenyWrite => &self.filesystem.deny_write,
        }
    }

    pub fn list_mut(&mut self, list: List) -> &mut Vec<Value> {
        match list {
            List::AllowedDomains => &mut self.network.allowed_domains,
            List::DeniedDomains => &mut self.network.denied_domains,
            List::DenyRead => &mut self.filesystem.deny_read,
            List::AllowWrite => &mut self.filesystem.allow_write,
            List::DenyWrite => &mut self.filesystem.deny_write,
        }
    }

    /// The agent `init --agent` chose, as the record names it (none: the default).
    pub fn agent_name(&self) -> Option<&str> {
        self.record.as_ref().and_then(|r| r.agent.as_deref())
    }

    /// The names of the active fragments, as the record lists them (none without one).
    pub fn fragment_names(&self) -> impl Iterator<Item = &str> {
        self.record
            .iter()
            .flat_map(|r| r.fragments.keys().map(String::as_str))
    }

    /// The string entries of a list (path objects `{ "path": ..., "literal": true }` give their path).
    pub fn strings(&self, list: List) -> Vec<&str> {
        self.list(list).iter().filter_map(entry_text).collect()
    }

    /// Pretty JSON with a trailing newline: the exact bytes written to disk.
    ///
    /// Laid out as `serde_json`'s pretty printer does, except that an object inside an
    /// array whose values are all plain (a `credentials.envVars` entry, a literal path
    /// object) takes one line: a policy carries a hundred `{"mode": "deny", "name": ...}`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let compact = serde_json::to_string(self).expect("settings serialize");
        let tree = Json::parse(compact.as_bytes(), &mut 0);
        let mut out = String::new();
        tree.write(0, &mut out);
        out.push('\n');
        out.into_bytes()
    }

    /// Parses a settings file's text; errors name the file, line and key path.
    pub fn parse(text: &str, file: &Path) -> Result<Settings, Error> {
        let file_s = file.display().to_string();
        let value = parse_json(text, &file_s)?;
        let shape = |key: &str, message: String| {
            let (line, column) = key_position(text, key);
            Error::Parse {
                file: file_s.clone(),
                line,
                column,
                message,
            }
        };
        let Value::Object(top) = &value else {
            return Err(shape("", "the top level must be a JSON object".into()));
        };
        for (section, keys) in [
            ("network", &["allowedDomains", "deniedDomains"][..]),
            ("filesystem", &["denyRead", "allowWrite", "denyWrite"][..]),
        ] {
            match top.get(section) {
                None => {}
                Some(Value::Object(obj)) => {
                    for k in keys {
                        match obj.get(*k) {
                            None | Some(Value::Array(_)) => {}
                            Some(_) => {
                                return Err(shape(k, format!("{section}.{k} must be an array")))
                            }
                        }
                    }
                }
                Some(_) => return Err(shape(section, format!("{section} must be an object"))),
            }
        }
        serde_json::from_value(value).map_err(|e| {
            shape(RECORD_KEY, format!("{RECORD_KEY} (srt-gen's record) is not as srt-gen writes it: {e}; remove the key to start afresh"))
        })
    }

    /// Reads a settings file if it exists. Refuses what is not a regular file.
    pub fn read(path: &Path) -> Result<Option<Settings>, Error> {
        match crate::files::read_text(path)? {
            None => Ok(None),
            Some(text) => Settings::parse(&text, path).map(Some),
        }
    }
}

/// serde_json's compact output as a tree that keeps the order of keys and the exact text
/// of every scalar (numbers included), to be laid out again by [`Json::write`].
enum Json {
    Scalar(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses compact JSON that serde_json wrote (valid, no whitespace).
    fn parse(b: &[u8], at: &mut usize) -> Json {
        match b[*at] {
            b'[' => {
                *at += 1;
                let mut items = Vec::new();
                while b[*at] != b']' {
                    items.push(Json::parse(b, at));
                    if b[*at] == b',' {
                        *at += 1;
                    }
                }
                *at += 1;
                Json::Array(items)
            }
            b'{' => {
                *at += 1;
                let mut members = Vec::new();
                while b[*at] != b'}' {
                    let Json::Scalar(key) = Json::parse(b, at) else {
                        unreachable!("object keys are strings")
                    };
                    *at += 1; // ':'
                    members.push((key, Json::parse(b, at)));
                    if b[*at] == b',' {
                        *at += 1;
                    }
                }
                *at += 1;
                Json::Object(members)
            }
            b'"' => {
                let start = *at;
                *at += 1;
                while b[*at] != b'"' {
                    *at += if b[*at] == b'\\' { 2 } else { 1 };
                }
                *at += 1;
                Json::Scalar(String::from_utf8_lossy(&b[start..*at]).into_owned())
            }
            _ => {
                let start = *at;
                while *at < b.len() && !matches!(b[*at], b',' | b']' | b'}') {
                    *at += 1;
                }
                Json::Scalar(String::from_utf8_lossy(&b[start..*at]).into_owned())
            }
        }
    }

    fn plain(&self) -> bool {
        matches!(self, Json::Scalar(_))
    }

    /// serde_json's pretty layout (two spaces, `"key": value`), except that an object
    /// inside an array whose values are all plain takes one line.
    fn write(&self, depth: usize, out: &mut String) {
        let pad = |d: usize, out: &mut String| out.extend(std::iter::repeat_n("  ", d));
        match self {
            Json::Scalar(s) => out.push_str(s),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Object(members) if members.is_empty() => out.push_str("{}"),
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    pad(depth + 1, out);
                    match item {
                        Json::Object(m) if m.iter().all(|(_, v)| v.plain()) => {
                            out.push('{');
                            for (j, (k, v)) in m.iter().enumerate() {
                                if j > 0 {
                                    out.push_str(", ");
                                }
                                out.push_str(k);
                                out.push_str(": ");
                                v.write(0, out);
                            }
                            out.push('}');
                        }
                        other => other.write(depth + 1, out),
                    }
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                pad(depth, out);
                out.push(']');
            }
            Json::Object(members) => {
                out.push_str("{\n");
                for (i, (k, v)) in members.iter().enumerate() {
                    pad(depth + 1, out);
                    out.push_str(k);
                    out.push_str(": ");
                    v.write(depth + 1, out);
                    out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
                }
                pad(depth, out);
                out.push('}');
            }
        }
    }
}

/// Parses a settings file's JSON; the error names the file, line and column. Every reader
/// of a settings file comes through here, so the byte-order-mark refusal lives here only.
pub fn parse_json(text: &str, file: &str) -> Result<Value, Error> {
    // serde_json would fail on a BOM too, but with a message that hides the cause.
    if text.starts_with('\u{feff}') {
        return Err(Error::Parse {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "starts with a byte-order mark, which srt refuses; save it as plain UTF-8"
                .into(),
        });
    }
    serde_json::from_str(text).map_err(|e| Error::Parse {
        file: file.to_string(),
        line: e.line(),
        column: crate::error::json_column(&e),
        message: format!(
            "not valid JSON (srt reads strict JSON: no comments, no trailing commas): {}",
            crate::error::strip_position(&e.to_string())
        ),
    })
}

/// The text of a list entry: a string, or the path of a literal path object.
pub fn entry_text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("path").and_then(Value::as_str),
        _ => None,
    }
}

/// The 1-based line and column of the first `"key"` in a settings file's text (1:1 when
/// it is not found), for messages.
pub(crate) fn key_position(text: &str, key: &str) -> (usize, usize) {
    if key.is_empty() {
        return (1, 1);
    }
    let needle = format!("\"{key}\"");
    text.find(&needle)
        .map_or((1, 1), |i| crate::error::line_col(text, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_keys_and_fills_missing_lists() {
        let s = Settings::parse(
            r#"{"network":{"allowedDomains":["a.com"],"allowLocalBinding":true},"ignoreViolations":{"x":[]}}"#,
            Path::new("t.json"),
        )
        .unwrap();
        let out = String::from_utf8(s.to_bytes()).unwrap();
        assert!(out.contains("\"allowLocalBinding\": true"));
        assert!(out.contains("\"ignoreViolations\""));
        assert!(out.contains("\"denyWrite\": []"));
    }

    #[test]
    fn numbers_the_user_wrote_do_not_drift_on_rewrite() {
        // Found by the `settings` fuzz target: without serde_json's float_roundtrip, this
        // number printed and parsed again came back as a different number.
        let text = "{\"x\":\n777677770000000000000000002044695477500229421 }";
        let s = Settings::parse(text, Path::new("t.json")).unwrap();
        let bytes = s.to_bytes();
        let again = Settings::parse(std::str::from_utf8(&bytes).unwrap(), Path::new("t.json"));
        assert_eq!(again.unwrap().to_bytes(), bytes);
    }

    #[test]
    fn every_number_the_user_wrote_is_written_back_as_it_was() {
        // Issue 18: an integer too big for f64 came back as 1.2345678901234568e+29.
        let text = r#"{"big": 123456789012345678901234567890, "network": {"allowedDomains": [], "deniedDomains": [], "httpProxyPort": 8080, "n": 1.50, "neg": -0.0, "e": 1E+2},
 "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": [], "x": [12345678901234567890123, 0.1]},
 "mandatoryDenySearchDepth": 3}"#;
        let s = Settings::parse(text, Path::new("t.json")).unwrap();
        let out = String::from_utf8(s.to_bytes()).unwrap();
        for n in [
            "123456789012345678901234567890",
            "8080",
            "1.50",
            "-0.0",
            // The same number; serde_json writes the exponent's letter in lower case.
            "1e+2",
            "12345678901234567890123",
            "0.1",
            "\"mandatoryDenySearchDepth\": 3",
        ] {
            assert!(out.contains(n), "{n} lost in\n{out}");
        }
        // Numbers still read as numbers where srt-gen looks at them.
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["network"]["httpProxyPort"].as_u64(), Some(8080));
        assert_eq!(v["mandatoryDenySearchDepth"].as_f64(), Some(3.0));
    }

    #[test]
    fn layout_is_serde_jsons_with_flat_objects_in_arrays_on_one_line() {
        let text = r#"{"network":{"allowedDomains":["a.example.com"],"deniedDomains":[]},"filesystem":{"denyRead":[],"allowWrite":[{"path":"/x[1]","literal":true},"."],"denyWrite":[]},"credentials":{"envVars":[{"name":"A\"\\B","mode":"deny"},{"name":"K","mode":"mask","injectHosts":["h"]}]},"z":{}}"#;
        let s = Settings::parse(text, Path::new("t.json")).unwrap();
        let out = String::from_utf8(s.to_bytes()).unwrap();
        assert_eq!(
            out,
            r#"{
  "network": {
    "allowedDomains": [
      "a.example.com"
    ],
    "deniedDomains": []
  },
  "filesystem": {
    "denyRead": [],
    "allowWrite": [
      {"literal": true, "path": "/x[1]"},
      "."
    ],
    "denyWrite": []
  },
  "credentials": {
    "envVars": [
      {"mode": "deny", "name": "A\"\\B"},
      {
        "injectHosts": [
          "h"
        ],
        "mode": "mask",
        "name": "K"
      }
    ]
  },
  "z": {}
}
"#
        );
        // And it reads back as the same settings.
        let again = Settings::parse(&out, Path::new("t.json")).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn the_record_keys_detection_reads_are_the_ones_written() {
        use crate::detect::project::{RECORD_KEY as DETECT_RECORD, SUBPROJECTS_KEY};
        assert_eq!(DETECT_RECORD, RECORD_KEY);
        let rec = Record {
            subprojects: ["a/b".to_string()].into(),
            ..Record::default()
        };
        let v = serde_json::to_value(&rec).unwrap();
        assert_eq!(v[SUBPROJECTS_KEY][0], "a/b");
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = Settings::parse(
            "{\n  \"network\": {\n    \"allowedDomains\": \"a.com\"\n  }\n}",
            Path::new("t.json"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "t.json:3:5: network.allowedDomains must be an array");
        let e = Settings::parse("{\n  \"network\": {},\n}", Path::new("t.json"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.json:3:1: not valid JSON"), "{e}");
        let e = Settings::parse("\u{feff}{}", Path::new("t.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("byte-order mark"), "{e}");
    }
}
