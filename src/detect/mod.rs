//! Detection, the first stage: where the project is, which ecosystems its files show, and
//! which hosts its own configuration names. Walks a project (honouring .gitignore, never
//! entering dependency or build folders) and matches the markers the catalog hands over.
//! Each marker file is found, broken (with file and line) or absent; provenance (which
//! file showed which ecosystem) is kept as data.

pub mod manifest;
pub mod markers;
pub mod project;
pub mod sources;
pub mod walk;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use crate::error::FileProblem;
use manifest::{read_marker, Check};
use markers::{ContentRule, Rules};

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
    /// Fragments whose markers were seen but that detection only suggests (the catalog's
    /// `[detect] suggest`, e.g. containers for a Dockerfile): name → files.
    pub suggested: BTreeMap<String, Vec<String>>,
    /// Fragments seen only in side trees (tests, examples, benchmarks): name → files.
    /// Suggested, never applied.
    pub side_only: BTreeMap<String, Vec<String>>,
    pub broken: Vec<Broken>,
    /// Test-fixture and sample folders the walk left out (relative, sorted).
    pub fixtures: Vec<String>,
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
    /// Test-fixture and sample folders (a name, or a path ending such as `tests/data`)
    /// whose manifests are not the project's: the walk never enters them.
    pub fixture_dirs: Vec<&'a str>,
    /// Side trees (tests, examples, benchmarks): what is found only there is suggested.
    pub side_dirs: Vec<&'a str>,
    /// Where Go modules under a path prefix come from (for `sources::scan`).
    pub origins: Vec<&'a markers::Origin>,
}

/// The markers, indexed by file name for a walk that looks at every file once.
struct Index<'a> {
    exact: HashMap<&'a str, Vec<usize>>,
    patterns: Vec<(markers::Glob<'a>, usize)>,
    content: HashMap<&'a str, Vec<(usize, &'a ContentRule)>>,
}

impl<'a> Index<'a> {
    fn new(markers: &Markers<'a>) -> Index<'a> {
        let mut ix = Index {
            exact: HashMap::new(),
            patterns: Vec::new(),
            content: HashMap::new(),
        };
        for (i, s) in markers.sets.iter().enumerate() {
            for f in &s.rules.files {
                ix.exact.entry(f.as_str()).or_default().push(i);
            }
            for p in &s.rules.patterns {
                ix.patterns.push((markers::Glob::new(p), i));
            }
            for r in &s.rules.content {
                ix.content.entry(r.file.as_str()).or_default().push((i, r));
            }
        }
        ix
    }
}

/// One marker file as the walk found it.
struct Hit {
    rel: String,
    /// Inside a side tree (tests, examples, ...).
    side: bool,
    sets: Vec<usize>,
    broken: Option<(usize, usize, String)>,
    warning: Option<String>,
}

/// Walks `root` (in parallel, honouring .gitignore, never entering dependency, build or
/// fixture folders) and matches every file name against the markers.
pub fn detect(root: &Path, markers: &Markers<'_>) -> Detection {
    let mut names: Vec<String> = markers.skip_dirs.iter().map(|s| s.to_string()).collect();
    names.push(".git".into());
    names.push(".srt-gen".into());
    let skip = walk::Skip {
        names,
        fixtures: markers.fixture_dirs.iter().map(|s| s.to_string()).collect(),
    };
    let index = Index::new(markers);
    let hits: Mutex<Vec<Hit>> = Mutex::new(Vec::new());
    let on_file = |path: &Path, name: &str| {
        let mut sets: Vec<usize> = index.exact.get(name).cloned().unwrap_or_default();
        sets.extend(
            index
                .patterns
                .iter()
                .filter(|(p, _)| p.matches(name))
                .map(|(_, i)| *i),
        );
        let rules = index.content.get(name);
        if sets.is_empty() && rules.is_none() {
            return;
        }
        let rel = walk::relative(root, path);
        let side = in_side_tree(&rel, &markers.side_dirs);
        let needs_text = rules.is_some_and(|r| r.iter().any(|(_, r)| r.key.is_none()));
        let mut hit = Hit {
            rel,
            side,
            sets,
            broken: None,
            warning: None,
        };
        match read_marker(path, &hit.rel, needs_text) {
            Ok(parsed) => {
                for (i, rule) in rules.into_iter().flatten() {
                    if rule.matches(&parsed) {
                        hit.sets.push(*i);
                    }
                }
            }
            Err(Check::Broken {
                line,
                column,
                message,
            }) => hit.broken = Some((line, column, message)),
            Err(Check::Skipped(why)) => hit.warning = Some(why),
        }
        hit.sets.sort_unstable();
        hit.sets.dedup();
        hits.lock().expect("not poisoned").push(hit);
    };
    let walked = walk::walk(root, &skip, &on_file);
    let mut hits = hits.into_inner().expect("not poisoned");
    hits.sort_by(|a, b| a.rel.cmp(&b.rel));

    let mut det = Detection {
        fixtures: walked.fixtures,
        warnings: walked.warnings,
        ..Detection::default()
    };
    let mut side: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for hit in hits {
        if let Some(why) = &hit.warning {
            det.warnings.push(format!("{}: {why}", hit.rel));
        }
        if hit.side {
            // A side tree's manifest that does not parse is not the project's problem.
            if let Some((line, _, message)) = &hit.broken {
                det.warnings.push(format!(
                    "{}:{line}: does not parse ({message}); in a test or example folder, so not counted",
                    hit.rel
                ));
                continue;
            }
            for i in &hit.sets {
                let set = &markers.sets[*i];
                if set.rules.suggest.is_none() {
                    side.entry(set.name.to_string())
                        .or_default()
                        .push(hit.rel.clone());
                }
            }
            continue;
        }
        if let Some((line, column, message)) = hit.broken {
            if !hit.sets.is_empty() {
                det.broken.push(Broken {
                    file: hit.rel,
                    line,
                    column,
                    message,
                    fragments: hit
                        .sets
                        .iter()
                        .map(|i| markers.sets[*i].name.to_string())
                        .collect(),
                });
            }
            continue;
        }
        for i in hit.sets {
            let set = &markers.sets[i];
            let map = if set.rules.suggest.is_some() {
                &mut det.suggested
            } else {
                &mut det.found
            };
            map.entry(set.name.to_string())
                .or_default()
                .push(hit.rel.clone());
        }
    }
    // Replacements of the main tree reach into side trees too (a pnpm workspace's test
    // packages call for pnpm, not npm); a side tree's own replace only itself.
    let main_drops = drops(&det.found, markers);
    let side_drops = drops(&side, markers);
    apply_drops(&mut det.found, &main_drops);
    apply_drops(&mut side, &main_drops);
    apply_drops(&mut side, &side_drops);
    det.side_only = side
        .into_iter()
        .filter(|(n, _)| !det.found.contains_key(n))
        .collect();
    for files in det
        .found
        .values_mut()
        .chain(det.suggested.values_mut())
        .chain(det.side_only.values_mut())
    {
        files.sort_by(|a, b| depth(a).cmp(&depth(b)).then(a.cmp(b)));
        files.dedup();
    }
    det.broken.sort_by(|a, b| a.file.cmp(&b.file));
    det.warnings.sort();
    det
}

/// Whether a file (root-relative) lies in a side tree.
fn in_side_tree(rel: &str, rules: &[&str]) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    (0..parts.len()).any(|i| {
        let dir = parts[..=i].join("/");
        rules
            .iter()
            .any(|r| markers::dir_rule_matches(r, &dir, parts[i]))
    })
}

/// A fragment that `replaces` another takes over its folder and everything below: a
/// pnpm lockfile at the workspace root means its members' package.json files call for
/// pnpm, not npm. The replaced fragment, and the folder.
fn drops(found: &BTreeMap<String, Vec<String>>, markers: &Markers<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, files) in found {
        let Some(set) = markers.sets.iter().find(|s| s.name == name) else {
            continue;
        };
        for replaced in set.replaces {
            for f in files {
                let file_name = f.rsplit('/').next().unwrap_or(f);
                if set.rules.config_only.iter().any(|c| c == file_name) {
                    continue;
                }
                out.push((replaced.clone(), parent_dir(f).to_string()));
            }
        }
    }
    out
}

/// Drops the replaced fragments' files, except in a folder below that has the replaced
/// tool's own lockfile: a member with its own package-lock.json is npm's, whatever a
/// `.yarnrc` at the root says.
fn apply_drops(found: &mut BTreeMap<String, Vec<String>>, drops: &[(String, String)]) {
    for (replaced, dir) in drops {
        let Some(files) = found.get_mut(replaced) else {
            continue;
        };
        let locked: Vec<String> = files
            .iter()
            .filter(|f| is_lockfile(f.rsplit('/').next().unwrap_or(f)))
            .map(|f| parent_dir(f).to_string())
            .filter(|d| d != dir)
            .collect();
        files.retain(|f| !within(f, dir) || locked.iter().any(|d| parent_dir(f) == d));
        if files.is_empty() {
            found.remove(replaced);
        }
    }
}

/// A lockfile by its name: machine-written, one per folder of the tool that wrote it.
pub fn is_lockfile(name: &str) -> bool {
    name.ends_with(".lock")
        || name.ends_with(".lockb")
        || name.ends_with("-lock.json")
        || name.ends_with("-lock.yaml")
        || name.ends_with(".lockfile")
        || matches!(
            name,
            "npm-shrinkwrap.json" | "Package.resolved" | "packages.lock.json"
        )
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
