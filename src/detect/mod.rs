//! Detection, the first stage: where the project is, which ecosystems its files show, and
//! which hosts its own configuration names. Walks a project (honouring .gitignore, never
//! entering dependency or build folders) and matches the markers the catalog hands over.
//! Each marker file is found, broken (with file and line) or absent; provenance (which
//! file showed which ecosystem) is kept as data.

pub mod manifest;
pub mod markers;
pub mod project;
pub mod sources;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::error::FileProblem;
use manifest::{read_marker, Check, Parsed};
use markers::{ContentRule, Matcher, Rules};

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

impl From<&Broken> for FileProblem {
    fn from(b: &Broken) -> FileProblem {
        FileProblem {
            file: b.file.clone(),
            line: b.line,
            column: b.column,
            message: b.message.clone(),
        }
    }
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FileProblem::from(self).fmt(f)
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

/// What detection needs of one detectable catalog fragment.
#[derive(Debug, Clone, Copy)]
pub struct MarkerSet<'a> {
    pub name: &'a str,
    pub rules: &'a Rules,
    /// Fragments this one stands in for in its folder and below.
    pub replaces: &'a [String],
}

/// Everything a walk matches against, as the catalog hands it over
/// (`Catalog::markers`).
#[derive(Debug, Clone, Default)]
pub struct Markers<'a> {
    pub sets: Vec<MarkerSet<'a>>,
    /// Directory names the walk never enters.
    pub skip_dirs: Vec<&'a str>,
}

/// Walks `root` and matches every file name against the markers.
pub fn detect(root: &Path, markers: &Markers<'_>) -> Detection {
    let mut skip: Vec<String> = markers
        .skip_dirs
        .iter()
        .copied()
        .map(str::to_string)
        .collect();
    skip.push(".git".into());
    skip.push(".srt-gen".into());

    let rules: Vec<(&str, &ContentRule)> = markers
        .sets
        .iter()
        .flat_map(|s| s.rules.content.iter().map(move |r| (s.name, r)))
        .collect();
    let matchers: Vec<(&str, Matcher<'_>)> = markers
        .sets
        .iter()
        .flat_map(|s| {
            let exact = s.rules.files.iter().map(|n| Matcher::Exact(n.as_str()));
            let pats = s
                .rules
                .patterns
                .iter()
                .map(|p| Matcher::Pattern(p.as_str()));
            exact.chain(pats).map(move |m| (s.name, m))
        })
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
        let mut hits: Vec<&str> = matchers
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
            if rule.matches(&parsed) {
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
    apply_replacements(&mut det, markers);
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
fn apply_replacements(det: &mut Detection, markers: &Markers<'_>) {
    let mut drops: Vec<(String, String)> = Vec::new();
    for (name, files) in &det.found {
        let Some(set) = markers.sets.iter().find(|s| s.name == name) else {
            continue;
        };
        for replaced in set.replaces {
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
