//! The shape of `src/` (issue 12): one folder per stage, data flowing one way. A lower stage
//! never names a higher one, there is no import cycle between top-level modules, and no
//! source file is longer than one reading (1,000 lines, its unit tests included).
//!
//! The graph is read from the source text: every `crate::name` path (in `use` lines, in
//! code and in doc links, `use crate::{a, b}` groups included) and every `super::` chain
//! that climbs to the crate root. `cargo test --test layout -- --nocapture` prints it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 1000;

/// The stages, lowest first. A module may name modules of a lower rank; modules of rank 0
/// (the foundation) may also name each other, as long as that makes no cycle.
const STAGES: &[(&str, u8)] = &[
    ("error", 0),
    ("env", 0),
    ("files", 0),
    ("hosts", 0),
    ("ui", 0),
    ("detect", 1),
    ("catalog", 2),
    ("policy", 3),
    ("output", 4),
    ("sandbox", 5),
    ("commands", 6),
    ("cli", 7),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/policy/lint/paths.rs` → `["policy", "lint", "paths"]`; `mod.rs` names its folder.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules a file's text names.
fn named_modules(text: &str, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        // `srt_gen::crate::x` does not occur; `my_crate::x` is another crate's path.
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first name of each item at depth 1.
            let mut depth = 1;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && !c.is_whitespace() => {
                        out.insert(ident_at(&group[j..]).to_string());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident_at(rest).to_string());
        }
    }
    // `super::super::x` from a file `depth` modules down reaches the crate root.
    let mut rest = text;
    while let Some(i) = rest.find("super::") {
        let mut chain = &rest[i..];
        let mut n = 0;
        while let Some(r) = chain.strip_prefix("super::") {
            n += 1;
            chain = r;
        }
        if n >= depth {
            out.insert(ident_at(chain).to_string());
        }
        rest = &rest[i + "super::".len() * n..];
    }
    out
}

/// Top-level module → the top-level modules it names (itself excluded).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut tops: BTreeSet<String> = BTreeSet::new();
    // lib.rs wires every module together, and main.rs calls it: neither is a stage.
    let files: Vec<&PathBuf> = files
        .iter()
        .filter(|f| !matches!(module_path(f).as_slice(), [root] if root == "lib" || root == "main"))
        .collect();
    for f in &files {
        tops.insert(module_path(f)[0].clone());
    }
    for f in files {
        let path = module_path(f);
        let top = &path[0];
        let text = std::fs::read_to_string(f).unwrap();
        let deps = g.entry(top.clone()).or_default();
        for m in named_modules(&text, path.len()) {
            if tops.contains(&m) && m != *top {
                deps.insert(m);
            }
        }
    }
    g
}

fn print(g: &BTreeMap<String, BTreeSet<String>>) {
    for (m, deps) in g {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        println!("{m:>8} -> {}", deps.join(", "));
    }
}

/// A cycle through `g`, if there is one, as the list of modules on it.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_string());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, g, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Some(c) = visit(m, g, &mut done, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn top_level_modules_form_no_cycle() {
    let g = graph();
    print(&g);
    if let Some(cycle) = find_cycle(&g) {
        panic!(
            "import cycle between top-level modules: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn a_lower_stage_never_names_a_higher_one() {
    let g = graph();
    let rank: BTreeMap<&str, u8> = STAGES.iter().copied().collect();
    let mut wrong = Vec::new();
    for (m, deps) in &g {
        let Some(&rm) = rank.get(m.as_str()) else {
            wrong.push(format!(
                "`{m}` is not in STAGES (tests/layout.rs): give it a stage"
            ));
            continue;
        };
        for d in deps {
            let rd = rank.get(d.as_str()).copied().unwrap_or(u8::MAX);
            if !(rd < rm || (rd == 0 && rm == 0)) {
                wrong.push(format!("`{m}` (stage {rm}) names `{d}` (stage {rd})"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_source_file_is_longer_than_one_reading() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{} has {n} lines", f.display()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by job (at most {MAX_LINES} lines each, unit tests included):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_graph_reader_sees_groups_and_super_chains() {
    let text = "use crate::{env::Env, error::{self, Error}, files};\nuse super::super::hosts;\n\
                let x = crate::detect::detect(r, &m); // my_crate::policy is another crate\n";
    let names: Vec<String> = named_modules(text, 2).into_iter().collect();
    assert_eq!(names, ["detect", "env", "error", "files", "hosts"]);
    assert!(named_modules("use super::super::hosts;", 3).is_empty());
}
