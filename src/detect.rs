//! Walks a project (honouring .gitignore, never entering dependency or build folders) and
//! matches the catalog's markers. Each marker file is found, broken (with file and line)
//! or absent; provenance (which file showed which ecosystem) is kept as data.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::catalog::{Catalog, ContentRule, Fragment, Kind};

/// Manifests larger than this are counted by name but not parsed.
const MAX_PARSE_BYTES: u64 = 16 * 1024 * 1024;

/// A marker file that exists but does not parse.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Broken {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The fragments this file would have shown.
    pub fragments: Vec<String>,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// What a walk found.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Detection {
    /// Fragment name → the project files (relative, `/`-separated, sorted) that showed it.
    pub found: BTreeMap<String, Vec<String>>,
    pub broken: Vec<Broken>,
    /// Things the walk could not read (unreadable folders, loops); never fatal.
    pub warnings: Vec<String>,
}

/// Walks `root` and matches every file name against the catalog's markers.
pub fn detect(root: &Path, catalog: &Catalog) -> Detection {
    let mut skip: Vec<String> = catalog
        .skip_dirs()
        .into_iter()
        .map(str::to_string)
        .collect();
    skip.push(".git".into());
    skip.push(".srt-gen".into());

    let detectable = |f: &&Fragment| {
        matches!(
            f.kind,
            Kind::Language | Kind::Tool | Kind::Preset | Kind::Mcp
        )
    };
    let markers: Vec<(&str, Matcher<'_>)> = catalog
        .fragments
        .iter()
        .filter(detectable)
        .flat_map(|f| {
            let exact = f.detect.files.iter().map(|n| Matcher::Exact(n.as_str()));
            let pats = f
                .detect
                .patterns
                .iter()
                .map(|p| Matcher::Pattern(p.as_str()));
            exact.chain(pats).map(move |m| (f.name.as_str(), m))
        })
        .collect();
    let rules: Vec<(&str, &ContentRule)> = catalog
        .fragments
        .iter()
        .filter(detectable)
        .flat_map(|f| f.detect.content.iter().map(move |r| (f.name.as_str(), r)))
        .collect();

    let mut det = Detection::default();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(false)
        .follow_links(false)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| skip.iter().any(|s| s == n)))
        })
        .build();

    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                det.warnings.push(walk_error(root, &err));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            continue;
        };
        let mut hits: Vec<&str> = markers
            .iter()
            .filter(|(_, m)| m.matches(name))
            .map(|(frag, _)| *frag)
            .collect();
        let file_rules: Vec<(&str, &ContentRule)> = rules
            .iter()
            .filter(|(_, r)| r.file == name)
            .copied()
            .collect();
        if hits.is_empty() && file_rules.is_empty() {
            continue;
        }
        let rel = relative(root, entry.path());
        let needs_text = file_rules.iter().any(|(_, r)| r.key.is_none());
        let parsed = match read_marker(entry.path(), &rel, needs_text) {
            Ok(p) => p,
            Err(Check::Broken {
                line,
                column,
                message,
            }) => {
                if !hits.is_empty() {
                    hits.dedup();
                    let fragments = hits.iter().map(|s| s.to_string()).collect();
                    det.broken.push(Broken {
                        file: rel,
                        line,
                        column,
                        message,
                        fragments,
                    });
                }
                continue;
            }
            Err(Check::Skipped(why)) => {
                det.warnings.push(format!("{rel}: {why}"));
                Parsed::default()
            }
        };
        for (frag, rule) in file_rules {
            if parsed.satisfies(rule) {
                hits.push(frag);
            }
        }
        for frag in hits {
            let files = det.found.entry(frag.to_string()).or_default();
            if !files.contains(&rel) {
                files.push(rel.clone());
            }
        }
    }
    apply_replacements(&mut det, catalog);
    for files in det.found.values_mut() {
        files.sort_by(|a, b| depth(a).cmp(&depth(b)).then(a.cmp(b)));
    }
    det.broken.sort_by(|a, b| a.file.cmp(&b.file));
    det.warnings.sort();
    det
}

/// A fragment that `replaces` another takes over its folder and everything below: a
/// pnpm lockfile at the workspace root means its members' package.json files call for
/// pnpm, not npm.
fn apply_replacements(det: &mut Detection, catalog: &Catalog) {
    let mut drops: Vec<(String, String)> = Vec::new();
    for (name, files) in &det.found {
        let Some(frag) = catalog.get(name) else {
            continue;
        };
        for replaced in &frag.replaces {
            for f in files {
                drops.push((replaced.clone(), parent_dir(f).to_string()));
            }
        }
    }
    for (replaced, dir) in drops {
        if let Some(files) = det.found.get_mut(&replaced) {
            files.retain(|f| !within(f, &dir));
            if files.is_empty() {
                det.found.remove(&replaced);
            }
        }
    }
}

fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

fn within(rel: &str, dir: &str) -> bool {
    dir.is_empty() || rel.starts_with(&format!("{dir}/"))
}

fn depth(p: &str) -> usize {
    p.matches('/').count()
}

fn relative(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn walk_error(root: &Path, err: &ignore::Error) -> String {
    let text = err.to_string();
    let root_s = root.display().to_string();
    let text = text.replace(&format!("{root_s}/"), "");
    format!("not read: {text}")
}

enum Matcher<'a> {
    Exact(&'a str),
    Pattern(&'a str),
}

impl Matcher<'_> {
    fn matches(&self, name: &str) -> bool {
        match self {
            Matcher::Exact(n) => *n == name,
            Matcher::Pattern(p) => glob_match(p, name),
        }
    }
}

/// `*` matches any run of characters; everything else is literal.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

enum Check {
    Broken {
        line: usize,
        column: usize,
        message: String,
    },
    Skipped(String),
}

/// What a marker file holds, as far as the content rules need it.
#[derive(Default)]
struct Parsed {
    json: Option<serde_json::Value>,
    toml: Option<toml::Table>,
    text: Option<String>,
}

impl Parsed {
    fn satisfies(&self, rule: &ContentRule) -> bool {
        if let Some(key) = &rule.key {
            let value = self.lookup(key);
            return match (&value, &rule.prefix) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(v), Some(prefix)) => v.as_deref().is_some_and(|s| {
                    s.starts_with(prefix.as_str())
                        && !rule
                            .unless_prefix
                            .as_ref()
                            .is_some_and(|u| s.starts_with(u.as_str()))
                }),
            };
        }
        let Some(text) = &self.text else { return false };
        match (&rule.contains, &rule.lacks) {
            (Some(c), _) => text.contains(c.as_str()),
            (_, Some(l)) => !text.contains(l.as_str()),
            _ => false,
        }
    }

    /// `Some(Some(string))` for a string value, `Some(None)` for any other present value.
    fn lookup(&self, dotted: &str) -> Option<Option<String>> {
        if let Some(json) = &self.json {
            let mut v = json;
            for part in dotted.split('.') {
                v = v.get(part)?;
            }
            return Some(v.as_str().map(str::to_string));
        }
        let table = self.toml.as_ref()?;
        let mut parts = dotted.split('.');
        let mut v = table.get(parts.next()?)?;
        for part in parts {
            v = v.get(part)?;
        }
        Some(v.as_str().map(str::to_string))
    }
}

/// Reads a marker: TOML and JSON must parse; other files are read as text only when a
/// content rule needs it (the first 256 KiB: lockfile headers are at the top).
fn read_marker(path: &Path, rel: &str, needs_text: bool) -> Result<Parsed, Check> {
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => "toml",
        Some("json") => "json",
        _ => "",
    };
    // A lockfile is machine-written; a broken one is the tool's business, not a reason to stop.
    let lockfile = rel.ends_with("-lock.json") || rel.ends_with(".lock.json");
    if (kind.is_empty() || lockfile) && !needs_text {
        return Ok(Parsed::default());
    }
    let cant = |e: std::io::Error| Check::Broken {
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    };
    if kind.is_empty() || lockfile {
        use std::io::Read;
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .map_err(cant)?
            .take(256 * 1024)
            .read_to_end(&mut buf)
            .map_err(cant)?;
        return Ok(Parsed {
            text: Some(String::from_utf8_lossy(&buf).into_owned()),
            ..Parsed::default()
        });
    }
    let meta = std::fs::metadata(path).map_err(cant)?;
    if meta.len() > MAX_PARSE_BYTES {
        return Err(Check::Skipped(format!(
            "{} MiB, too large to check; counted by its name only",
            meta.len() / (1024 * 1024)
        )));
    }
    let bytes = std::fs::read(path).map_err(cant)?;
    let text = String::from_utf8(bytes).map_err(|e| Check::Broken {
        line: 0,
        column: 0,
        message: crate::error::not_utf8(&e),
    })?;
    let mut parsed = Parsed::default();
    match parse_text(kind, &text).map_err(|(line, column, message)| Check::Broken {
        line,
        column,
        message,
    })? {
        Manifest::Toml(table) => parsed.toml = Some(table),
        Manifest::Json(value) => parsed.json = Some(value),
    }
    if needs_text {
        parsed.text = Some(text);
    }
    Ok(parsed)
}

/// A parsed manifest.
pub enum Manifest {
    Toml(toml::Table),
    Json(serde_json::Value),
}

/// Parses a manifest's text as `kind` (`"toml"`, or JSON for anything else); the error is
/// `(line, column, message)`.
fn parse_text(kind: &str, text: &str) -> Result<Manifest, (usize, usize, String)> {
    if kind == "toml" {
        toml::from_str::<toml::Table>(text)
            .map(Manifest::Toml)
            .map_err(|e| {
                let (line, column) = e
                    .span()
                    .map_or((0, 0), |s| crate::error::line_col(text, s.start));
                (
                    line,
                    column,
                    format!("invalid TOML: {}", e.message().trim()),
                )
            })
    } else {
        serde_json::from_str::<serde_json::Value>(text)
            .map(Manifest::Json)
            .map_err(|e| {
                (
                    e.line(),
                    e.column(),
                    format!("invalid JSON: {}", strip_position(&e.to_string())),
                )
            })
    }
}

/// Whether a manifest's text parses, as detection checks it. Public for the fuzz targets.
pub fn check_text(kind: &str, text: &str) -> Result<(), (usize, usize, String)> {
    parse_text(kind, text).map(|_| ())
}

/// serde_json appends " at line L column C"; the position is printed separately.
pub fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("requirements*.txt", "requirements.txt"));
        assert!(glob_match("requirements*.txt", "requirements-dev.txt"));
        assert!(!glob_match("requirements*.txt", "requirements.in"));
        assert!(glob_match("*.csproj", "App.csproj"));
        assert!(!glob_match("*.csproj", "csproj"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
    }
}
