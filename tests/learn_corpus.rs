//! The learn corpus (`tests/learn-corpus/*.toml`): real failure output of real tools inside
//! srt 0.0.83 (tool and version in each file), with the policy the run used, srt's debug
//! lines and the failed calls strace saw. Each case carries the diagnosis it must yield, and
//! learn's analysis runs on it twice: with the trace (as `learn` does where strace works)
//! and from the command's messages alone (the fallback, a guess).
//!
//! What is checked: every expected finding is there with its action (and fragment, entry,
//! or words of its reason); and nothing else is proposed: a finding the case does not list
//! may only be an explanation, never `add`, a project-local entry, `stale` or `risky`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use srt_gen::catalog::Catalog;
use srt_gen::commands::learn::{analyze, Inputs, Item, MapContext, Proposal};
use srt_gen::env::{Env, Os};
use srt_gen::policy::settings::Settings;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Case {
    tool: String,
    command: String,
    source: String,
    cause: String,
    fix: String,
    exit: u8,
    home: String,
    project: String,
    detected: Vec<String>,
    trace_note: String,
    policy: String,
    srt: String,
    trace: String,
    output: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    diagnosis: Diagnosis,
    #[serde(default)]
    traced: Vec<Expect>,
    #[serde(default)]
    guess: Vec<Expect>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Diagnosis {
    /// What really went wrong, from the capture.
    cause: String,
    /// What a careful engineer does about it.
    fix: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    value: String,
    action: String,
    #[serde(default)]
    fragment: Option<String>,
    #[serde(default)]
    entry: Option<String>,
    /// Words the reason must hold.
    #[serde(default)]
    says: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/learn-corpus")
}

fn cases() -> Vec<(String, Case)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(corpus_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            let case: Case =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            out.push((p.file_stem().unwrap().to_string_lossy().into_owned(), case));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

fn action(p: &Proposal) -> &'static str {
    match p {
        Proposal::Add { .. } => "add",
        Proposal::ProjectLocal { .. } => "project-local",
        Proposal::Stale { .. } => "stale",
        Proposal::Removed { .. } => "removed",
        Proposal::Denied { .. } => "denied",
        Proposal::Allowed { .. } => "allowed",
        Proposal::Network { .. } => "network",
        Proposal::Direct { .. } => "direct",
        Proposal::Never { .. } => "never",
        Proposal::NotSandbox { .. } => "not-sandbox",
        Proposal::Move { .. } => "move",
        Proposal::Risky { .. } => "risky",
        Proposal::Tolerated { .. } => "tolerated",
        Proposal::Nothing { .. } => "nothing",
    }
}

fn text(p: &Proposal) -> String {
    serde_json::to_string(p).unwrap()
}

/// Checks one mode's items against its expectations; returns the problems.
fn judge(name: &str, mode: &str, items: &[Item], expect: &[Expect]) -> Vec<String> {
    let mut problems = Vec::new();
    let shown = || {
        items
            .iter()
            .map(|i| {
                format!(
                    "    {} {} → {}",
                    i.value,
                    action(&i.proposal),
                    text(&i.proposal)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for e in expect {
        let Some(item) = items.iter().find(|i| i.value == e.value) else {
            problems.push(format!(
                "{name} ({mode}): no finding for {}; got:\n{}",
                e.value,
                shown()
            ));
            continue;
        };
        let p = &item.proposal;
        let mut ok = action(p) == e.action;
        let inner = p.change();
        if let Some(f) = &e.fragment {
            ok &= matches!(inner, Some(Proposal::Add { fragment, .. }) if fragment == f)
                || matches!(p, Proposal::Stale { fragment, .. } if fragment == f);
        }
        if let Some(want) = &e.entry {
            ok &= matches!(inner, Some(Proposal::ProjectLocal { entry, .. }) if entry == want)
                || matches!(p, Proposal::Stale { entry, .. } if entry == want);
        }
        if let Some(words) = &e.says {
            ok &= text(p).contains(words.as_str());
        }
        if !ok {
            problems.push(format!(
                "{name} ({mode}): {} should be {} {:?} {:?} {:?}, is {}",
                e.value,
                e.action,
                e.fragment,
                e.entry,
                e.says,
                text(p)
            ));
        }
    }
    let listed: BTreeSet<&str> = expect.iter().map(|e| e.value.as_str()).collect();
    for i in items {
        let proposes = matches!(
            action(&i.proposal),
            "add" | "project-local" | "stale" | "removed" | "risky" | "tolerated"
        );
        if proposes && !listed.contains(i.value.as_str()) {
            problems.push(format!(
                "{name} ({mode}): unexpected proposal for {}: {}",
                i.value,
                text(&i.proposal)
            ));
        }
    }
    problems
}

#[test]
fn every_case_yields_its_diagnosis() {
    let catalog = Catalog::builtin().unwrap();
    let all = cases();
    assert!(all.len() >= 30, "the corpus has {} cases", all.len());
    let mut problems = Vec::new();
    let mut tools = BTreeSet::new();
    for (name, case) in &all {
        assert!(
            !case.tool.is_empty() && !case.command.is_empty() && !case.source.is_empty(),
            "{name}: tool, command and source name the capture"
        );
        assert!(
            !case.diagnosis.cause.is_empty() && !case.diagnosis.fix.is_empty(),
            "{name}: the diagnosis says what happened and the fix"
        );
        let _ = (&case.cause, &case.fix, &case.trace_note);
        tools.insert(
            case.tool
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string(),
        );
        let mut vars = case.env.clone();
        vars.entry("PATH".into())
            .or_insert_with(|| format!("{}/.local/bin:/usr/local/bin:/usr/bin:/bin", case.home));
        let env = Env {
            vars,
            home: PathBuf::from(&case.home),
            os: Os::Linux,
        };
        let root = PathBuf::from(&case.project);
        let settings = Settings::parse(&case.policy, Path::new("policy.json"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let detected: BTreeSet<String> = case.detected.iter().cloned().collect();
        let ctx = MapContext::new(
            &env, &root, &settings, &settings, &catalog, detected, case.exit,
        );
        let trace = srt_gen::sandbox::trace::parse_sandboxed(case.trace.as_bytes(), &root);
        let traced = Inputs {
            traced: Some(trace.refusals),
            direct: trace.direct,
            srt: lines(&case.srt),
            srt_verified: true,
            output: lines(&case.output),
        };
        let items = analyze(&traced, &ctx);
        problems.extend(judge(name, "traced", &items, &case.traced));
        let guessed = Inputs {
            traced: None,
            direct: Vec::new(),
            srt: lines(&case.srt),
            srt_verified: false,
            output: lines(&case.output),
        };
        let items = analyze(&guessed, &ctx);
        problems.extend(judge(name, "guess", &items, &case.guess));
        // A guess is never verified: nothing from it is applied by -y.
        assert!(
            items.iter().all(|i| !i.seen.verified),
            "{name}: a guess is never verified"
        );
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    for tool in [
        "Node",
        "npm",
        "Yarn",
        "pnpm",
        "pip",
        "virtualenv",
        "uv",
        "Poetry",
        "PDM",
        "Hatch",
        "cargo",
        "rustup",
        "go",
        "Gradle",
        "Bundler",
    ] {
        assert!(
            tools.iter().any(|t| t.eq_ignore_ascii_case(tool)),
            "the corpus has a case of {tool}: {tools:?}"
        );
    }
}

/// For the reviewer: every case's findings in both modes (`cargo test --test learn_corpus
/// -- --ignored --nocapture show`).
#[test]
#[ignore]
fn show() {
    let catalog = Catalog::builtin().unwrap();
    let only = std::env::var("CASE").ok();
    for (name, case) in cases() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut vars = case.env.clone();
        vars.entry("PATH".into())
            .or_insert_with(|| format!("{}/.local/bin:/usr/local/bin:/usr/bin:/bin", case.home));
        let env = Env {
            vars,
            home: PathBuf::from(&case.home),
            os: Os::Linux,
        };
        let root = PathBuf::from(&case.project);
        let settings = Settings::parse(&case.policy, Path::new("policy.json")).unwrap();
        let detected: BTreeSet<String> = case.detected.iter().cloned().collect();
        let ctx = MapContext::new(
            &env, &root, &settings, &settings, &catalog, detected, case.exit,
        );
        let trace = srt_gen::sandbox::trace::parse_sandboxed(case.trace.as_bytes(), &root);
        for (mode, inputs) in [
            (
                "traced",
                Inputs {
                    traced: Some(trace.refusals.clone()),
                    direct: trace.direct.clone(),
                    srt: lines(&case.srt),
                    srt_verified: true,
                    output: lines(&case.output),
                },
            ),
            (
                "guess",
                Inputs {
                    traced: None,
                    direct: Vec::new(),
                    srt: lines(&case.srt),
                    srt_verified: false,
                    output: lines(&case.output),
                },
            ),
        ] {
            println!("== {name} ({mode}) exit {}", case.exit);
            for i in analyze(&inputs, &ctx) {
                println!(
                    "   {} {} → {}",
                    i.value,
                    action(&i.proposal),
                    text(&i.proposal)
                );
            }
        }
    }
}
