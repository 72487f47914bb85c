//! `srt-gen learn`: run a command under the project's policy with srt's debug log read
//! (never shown to the command's own stderr), collect what the sandbox refused, and map
//! each refusal to the catalog fragment that explains it, or to a project-local entry.
//!
//! Where refusals come from (SRT-NOTES.md, "Finding out what was blocked"): srt names a
//! refused host only in its debug log (`No matching rule, denying: host:port`, `Denied by
//! config rule: host:port`). On Linux srt reports no refused write at all; the command's
//! own errors do (`Read-only file system` with the path, pip's "is not writable"), so
//! those lines are read, and a write is proposed only where such a line names its path.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::print_json;
use crate::catalog::{Catalog, Fragment, Kind, List};
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;
use crate::sandbox::launch::Outcome;
use crate::sandbox::RunOptions;

/// The project fragment `learn --apply` writes entries that no catalog fragment has into.
pub const LEARNED: &str = "learned";

#[derive(Debug, Clone, Default)]
pub struct LearnOptions {
    pub apply: bool,
    pub yes: bool,
    pub allow_risky: bool,
    pub json: bool,
    pub run: RunOptions,
}

/// One refused host or write, and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// `host` or `write`.
    pub kind: &'static str,
    /// The host (`example.com`, or `example.com:8443` off the usual ports) or the path.
    pub value: String,
    pub attempts: usize,
    /// The command that was running (srt's log does not say which child process tried).
    pub command: String,
    pub proposal: Proposal,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Proposal {
    /// `srt-gen add NAME`.
    Add {
        fragment: String,
        description: String,
    },
    /// An entry in the project's `learned` fragment: no catalog fragment has it.
    ProjectLocal { list: String, entry: String },
    /// The policy denies it on purpose; never applied.
    Denied { by: String },
    /// Known to carry data out (exfiltration risk); applied only with --allow-risky.
    Risky { why: String, then: Box<Proposal> },
    /// Nothing sensible to add (e.g. a write under / or the whole home).
    Nothing { why: String },
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub command: String,
    /// The command's exit status (or 128+N for a signal).
    pub exit: u8,
    pub items: Vec<Item>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<String>,
}

/// `srt-gen learn`: the report on stderr, or as JSON on stdout.
pub fn execute(base: &Path, env: &Env, opts: &LearnOptions) -> Result<u8, Error> {
    let (code, report) = learn(base, env, opts)?;
    if opts.json {
        print_json(&report);
    } else {
        eprint!("{}", render(&report, opts.apply));
    }
    Ok(code)
}

/// Absolute paths named in lines that report a refused write.
pub fn refused_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "'\"`‘’,;()[]".contains(c)) {
        let w = word.trim_end_matches([':', '.']);
        if w.starts_with('/') && w.len() > 1 && !w.starts_with("//") && !out.iter().any(|o| o == w)
        {
            out.push(w.to_string());
        }
    }
    out
}

/// `host:port` from srt's debug lines, with counts, in first-seen order.
pub fn refused_hosts(debug: &[String]) -> Vec<(String, usize, bool)> {
    let mut seen: Vec<(String, usize, bool)> = Vec::new();
    for line in debug {
        let (rest, by_rule) = if let Some(i) = line.find("No matching rule, denying: ") {
            (&line[i + "No matching rule, denying: ".len()..], false)
        } else if let Some(i) = line.find("Denied by config rule: ") {
            (&line[i + "Denied by config rule: ".len()..], true)
        } else {
            continue;
        };
        let target = rest
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if target.is_empty() {
            continue;
        }
        match seen.iter_mut().find(|(t, _, _)| *t == target) {
            Some(e) => e.1 += 1,
            None => seen.push((target, 1, by_rule)),
        }
    }
    seen
}

/// `example.com:443` → `example.com`; other ports stay, as srt enforces them. srt logs
/// `host:port` with the host as the client named it, so an IPv6 host may come
/// unbracketed (`::1:443`, from SOCKS); the entry needs the brackets.
fn host_entry(target: &str) -> String {
    match target.rsplit_once(':') {
        Some((h, p)) if h.contains(':') && !h.starts_with('[') => match p {
            "443" | "80" => format!("[{h}]"),
            _ => format!("[{h}]:{p}"),
        },
        Some((h, "443" | "80")) => h.to_string(),
        _ => target.to_string(),
    }
}

pub fn learn(cwd: &Path, env: &Env, opts: &LearnOptions) -> Result<(u8, Report), Error> {
    let mut run = opts.run.clone();
    run.debug = true;
    run.dry_run = false;
    let mut prepared = crate::sandbox::prepare(cwd, env, &run)?;
    prepared.launch.observe = true;
    prepared.launch.stdout_to_stderr = opts.json;
    for note in &prepared.notes {
        eprintln!("srt-gen learn: note: {note}");
    }
    crate::sandbox::plan::apply(&prepared.policy)?;
    for line in prepared.policy.describe() {
        eprintln!("srt-gen learn: {line}");
    }
    for line in prepared.pre.apply()? {
        eprintln!("srt-gen learn: {line}");
    }
    let command = if run.command.is_empty() {
        "the agent".to_string()
    } else {
        run.command
            .iter()
            .map(|a| crate::output::justfile::shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (outcome, observed) = prepared.launch.spawn_observed()?;
    let exit = match outcome {
        Outcome::Exited(c) => c,
        Outcome::Signalled(sig) => 128u8.saturating_add(sig as u8),
        Outcome::SrtFailed(code) => {
            return Err(Error::Environment(format!(
                "srt did not start the command (srt exited {code}); `srt-gen doctor` checks this machine"
            )))
        }
    };

    let project = &prepared.project;
    let settings = &prepared.settings;
    let hosts = refused_hosts(&observed.debug);
    let mut writes: BTreeMap<String, usize> = BTreeMap::new();
    for text in &observed.refused_writes {
        for p in refused_paths(text) {
            *writes.entry(p).or_default() += 1;
        }
    }
    let mut items = Vec::new();
    // The catalog, resolved once, and the project's detection: only when there is
    // something to map.
    let catalog = if hosts.is_empty() && writes.is_empty() {
        None
    } else {
        Some(Catalog::load(&project.root, env)?)
    };
    let detection = catalog
        .as_ref()
        .map(|c| crate::detect::detect(&project.root, &c.markers()))
        .unwrap_or_default();
    let candidates: Vec<_> = catalog
        .iter()
        .flat_map(|c| &c.fragments)
        .filter(|f| f.kind != Kind::Base && f.name != LEARNED)
        .map(|f| (f, f.resolve(env, &[env.os])))
        .collect();
    for (target, attempts, by_rule) in hosts {
        let host = host_entry(&target);
        let bare = crate::hosts::split_port(&host).0.to_string();
        let denied_by = settings
            .strings(List::DeniedDomains)
            .into_iter()
            .find(|p| crate::hosts::matches(p, &bare))
            .map(str::to_string);
        let proposal = if let Some(by) = denied_by.filter(|_| by_rule) {
            Proposal::Denied {
                by: format!("network.deniedDomains {by}"),
            }
        } else {
            let base = match best_fragment(&candidates, &detection, |r| {
                r.list == List::AllowedDomains && crate::hosts::matches(&r.value, &bare)
            }) {
                Some(f) => Proposal::Add {
                    fragment: f.name.clone(),
                    description: f.description.clone(),
                },
                None => Proposal::ProjectLocal {
                    list: List::AllowedDomains.key().into(),
                    entry: host.clone(),
                },
            };
            match crate::policy::lint::exfiltration_risk(&bare) {
                Some(why) => Proposal::Risky {
                    why,
                    then: Box::new(base),
                },
                None => base,
            }
        };
        items.push(Item {
            kind: "host",
            value: host,
            attempts,
            command: command.clone(),
            proposal,
        });
    }
    for (path, attempts) in writes {
        let abs = PathBuf::from(&path);
        let proposal = match best_fragment(&candidates, &detection, |r| {
            r.list == List::AllowWrite && abs.starts_with(env.absolute(&r.value, &project.root))
        }) {
            Some(f) => Proposal::Add {
                fragment: f.name.clone(),
                description: f.description.clone(),
            },
            None => local_write(&abs, env),
        };
        items.push(Item {
            kind: "write",
            value: env.tilde(&abs),
            attempts,
            command: command.clone(),
            proposal,
        });
    }

    let mut report = Report {
        command,
        exit,
        items,
        applied: Vec::new(),
    };
    if opts.apply {
        report.applied = apply(project, env, &report.items, opts)?;
    }
    Ok((0, report))
}

/// Among the fragments (resolved for this platform) that would allow it, the one the
/// project's files point at (its markers are present), else the smallest.
fn best_fragment<'a>(
    candidates: &[(&'a Fragment, Vec<crate::catalog::Resolved>)],
    detection: &crate::detect::Detection,
    pred: impl Fn(&crate::catalog::Resolved) -> bool,
) -> Option<&'a Fragment> {
    candidates
        .iter()
        .filter(|(_, entries)| entries.iter().any(&pred))
        .min_by_key(|(f, entries)| {
            (
                !detection.found.contains_key(&f.name),
                entries.len(),
                f.name.clone(),
            )
        })
        .map(|(f, _)| *f)
}

/// The folder the command named (its cache folder, say), or the folder of a file it
/// named (an absent file too: srt skips an allowWrite entry that does not exist, so the
/// entry must be the folder); never the home, a top-level folder, or a folder above the
/// home.
fn local_write(abs: &Path, env: &Env) -> Proposal {
    let mut candidate = abs.to_path_buf();
    let a_file = if candidate.exists() {
        !candidate.is_dir()
    } else {
        crate::sandbox::preflight::names_a_file(&candidate)
    };
    if a_file {
        candidate.pop();
    }
    let depth = candidate.components().count();
    if candidate == env.home || depth <= 2 || env.home.starts_with(&candidate) {
        return Proposal::Nothing {
            why: format!("{} is too wide to make writable", env.tilde(&candidate)),
        };
    }
    Proposal::ProjectLocal {
        list: List::AllowWrite.key().into(),
        entry: env.tilde(&candidate),
    }
}

fn apply(
    project: &Project,
    env: &Env,
    items: &[Item],
    opts: &LearnOptions,
) -> Result<Vec<String>, Error> {
    let ask = !opts.yes && std::io::stdin().is_terminal();
    let mut adds: Vec<String> = Vec::new();
    let mut local: Vec<(String, String, String)> = Vec::new();
    let mut applied = Vec::new();
    for item in items {
        let p = match &item.proposal {
            Proposal::Risky { then, .. } if opts.allow_risky => then.as_ref(),
            Proposal::Risky { .. } | Proposal::Denied { .. } | Proposal::Nothing { .. } => continue,
            p => p,
        };
        if ask && !confirm(&format!("{}: {}?", item.value, describe(p)))? {
            continue;
        }
        match p {
            Proposal::Add { fragment, .. } if !adds.contains(fragment) => {
                adds.push(fragment.clone())
            }
            Proposal::ProjectLocal { list, entry } => {
                let source = format!(
                    "srt-gen learn: refused {} time(s) while running `{}`",
                    item.attempts, item.command
                );
                local.push((list.clone(), entry.clone(), source));
            }
            _ => {}
        }
    }
    if !local.is_empty() {
        write_learned(project, &local)?;
        applied.extend(
            local
                .iter()
                .map(|(l, e, _)| format!("{l} {e} (fragment `{LEARNED}`)")),
        );
        if !adds.contains(&LEARNED.to_string()) {
            adds.push(LEARNED.into());
        }
    }
    if !adds.is_empty() {
        let change = super::change::add_refreshing(&project.root, &adds, env, false, &[LEARNED])?;
        eprint!("{}", super::change::render_change(&change, "add"));
        applied.extend(
            adds.iter()
                .filter(|a| *a != LEARNED)
                .map(|a| format!("srt-gen add {a}")),
        );
    }
    Ok(applied)
}

fn confirm(question: &str) -> Result<bool, Error> {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("cannot read the answer", e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn describe(p: &Proposal) -> String {
    match p {
        Proposal::Add {
            fragment,
            description,
        } => format!("`srt-gen add {fragment}` ({description})"),
        Proposal::ProjectLocal { list, entry } => {
            format!("project-local: {entry} in {list} (no catalog fragment has it)")
        }
        Proposal::Denied { by } => format!("denied on purpose by {by}; not proposed"),
        Proposal::Risky { why, then } => {
            format!(
                "exfiltration risk ({why}); {} only with --allow-risky",
                describe(then)
            )
        }
        Proposal::Nothing { why } => format!("nothing to add: {why}"),
    }
}

/// Adds entries to `.srt-gen/fragments/learned.toml` (a project fragment in the catalog's
/// own format). What is there stays byte for byte, the user's edits and comments included:
/// new entries are appended, and entries already there are not added again.
fn write_learned(project: &Project, new: &[(String, String, String)]) -> Result<(), Error> {
    let path = project
        .root
        .join(".srt-gen/fragments")
        .join(format!("{LEARNED}.toml"));
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut seen: BTreeSet<(bool, String)> = BTreeSet::new();
    let mut text = match crate::files::read_text(&path)? {
        Some(old) => {
            let frag = crate::catalog::parse_fragment(&old, &path.display().to_string())?;
            seen.extend(frag.hosts.into_iter().map(|h| (true, h.host)));
            seen.extend(frag.write.into_iter().filter_map(|w| w.path.map(|p| (false, p))));
            if !old.is_empty() && !old.ends_with('\n') {
                old + "\n"
            } else {
                old
            }
        }
        None => format!(
            "# Written by `srt-gen learn --apply`: what the sandbox refused that no catalog fragment\n\
             # covers. Edit freely; `srt-gen remove learned` takes all of it out of .srt.json.\n\
             name = {}\nkind = \"preset\"\n\
             description = \"Entries srt-gen learn found that no catalog fragment covers\"\n",
            q(LEARNED)
        ),
    };
    for (list, entry, source) in new {
        let host = list == List::AllowedDomains.key();
        if !seen.insert((host, entry.clone())) {
            continue;
        }
        let (table, key) = if host {
            ("hosts", "host")
        } else {
            ("write", "path")
        };
        text.push_str(&format!(
            "\n[[{table}]]\n{key} = {}\nsource = {}\n",
            q(entry),
            q(source)
        ));
    }
    // The result must be a valid fragment before it is written.
    crate::catalog::parse_fragment(&text, &path.display().to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    crate::files::write_atomic(&path, text.as_bytes())?;
    Ok(())
}

pub fn render(report: &Report, apply: bool) -> String {
    let mut out = format!(
        "srt-gen learn: `{}` exited {}\n",
        report.command, report.exit
    );
    if report.items.is_empty() {
        out.push_str("  the sandbox refused nothing that srt or the command reported\n");
        return out;
    }
    for item in &report.items {
        out.push_str(&format!(
            "  {} {} (refused {}×): {}\n",
            item.kind,
            item.value,
            item.attempts,
            describe(&item.proposal)
        ));
    }
    if !apply {
        out.push_str(
            "  nothing was changed; `srt-gen learn --apply -- <command>` applies the proposals\n",
        );
    }
    for a in &report.applied {
        out.push_str(&format!("  applied: {a}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_file_write_proposes_its_folder_whether_or_not_the_file_exists() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().canonicalize().unwrap();
        let env = Env {
            vars: BTreeMap::new(),
            home: home.clone(),
            os: crate::env::Os::Linux,
        };
        let cache = home.join(".cache/tool");
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::write(cache.join("present.db"), "").unwrap();
        for file in ["present.db", "absent.db"] {
            match local_write(&cache.join(file), &env) {
                Proposal::ProjectLocal { entry, .. } => {
                    assert_eq!(entry, "~/.cache/tool", "{file}")
                }
                other => panic!("{file}: {other:?}"),
            }
        }
        // A folder the command named is proposed as it is, present or not.
        match local_write(&home.join(".cache/other"), &env) {
            Proposal::ProjectLocal { entry, .. } => assert_eq!(entry, "~/.cache/other"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn learned_toml_keeps_what_the_user_wrote_and_adds_each_entry_once() {
        let t = tempfile::tempdir().unwrap();
        let project = Project {
            root: t.path().to_path_buf(),
            settings: t.path().join(".srt.json"),
            justfile: t.path().join("justfile"),
        };
        let entry =
            |list: List, e: &str| (list.key().to_string(), e.to_string(), "seen".to_string());
        write_learned(&project, &[entry(List::AllowedDomains, "a.example")]).unwrap();
        let file = t.path().join(".srt-gen/fragments/learned.toml");
        // The user edits it: a comment, a platform, a write-protected path.
        let edited = format!(
            "{}# ours, keep\n[[deny-write]]\npath = \"./secrets\"\nsource = \"us\"\n",
            std::fs::read_to_string(&file).unwrap()
        );
        std::fs::write(&file, &edited).unwrap();
        write_learned(
            &project,
            &[
                entry(List::AllowedDomains, "a.example"),
                entry(List::AllowedDomains, "b.example"),
                entry(List::AllowWrite, "~/.cache/tool"),
                entry(List::AllowWrite, "~/.cache/tool"),
            ],
        )
        .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with(&edited), "{text}");
        let frag = crate::catalog::parse_fragment(&text, "learned.toml").unwrap();
        let hosts: Vec<&str> = frag.hosts.iter().map(|h| h.host.as_str()).collect();
        assert_eq!(hosts, ["a.example", "b.example"]);
        assert_eq!(frag.write.len(), 1);
        assert_eq!(text.matches("~/.cache/tool").count(), 1);
    }

    #[test]
    fn hosts_from_debug_lines() {
        let debug = vec![
            "[SandboxDebug] No matching rule, denying: pypi.org:443".to_string(),
            "[SandboxDebug] Connection blocked to pypi.org:443".to_string(),
            "[SandboxDebug] No matching rule, denying: pypi.org:443".to_string(),
            "[SandboxDebug] Denied by config rule: evil.example:8443".to_string(),
        ];
        assert_eq!(
            refused_hosts(&debug),
            vec![
                ("pypi.org:443".to_string(), 2, false),
                ("evil.example:8443".to_string(), 1, true)
            ]
        );
        assert_eq!(host_entry("pypi.org:443"), "pypi.org");
        assert_eq!(host_entry("evil.example:8443"), "evil.example:8443");
        assert_eq!(host_entry("::1:443"), "[::1]");
        assert_eq!(host_entry("::1:8080"), "[::1]:8080");
    }

    #[test]
    fn paths_from_error_lines() {
        assert_eq!(
            refused_paths(
                "npm error code EROFS\nnpm error syscall mkdir\nnpm error path /root/.npm/_cacache"
            ),
            vec!["/root/.npm/_cacache"]
        );
        assert_eq!(
            refused_paths("error: failed to create directory `/h/.cargo/registry/cache/x`\n\nCaused by:\n  Read-only file system (os error 30)"),
            vec!["/h/.cargo/registry/cache/x"]
        );
        assert_eq!(
            refused_paths("WARNING: The directory '/h/.cache/pip' or its parent directory is not owned or is not writable by the current user."),
            vec!["/h/.cache/pip"]
        );
    }
}
