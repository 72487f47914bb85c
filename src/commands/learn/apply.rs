//! Applying proposals, only when asked: on a terminal `--apply` asks about each one;
//! without a terminal nothing is applied unless `-y` is given, and `-y` applies only what
//! could not have been made up (traced, or srt's own line) and what `check` has nothing to
//! say about (risky hosts still need `--allow-risky`). The whole change, `learned.toml`
//! included, passes the policy gate before anything is written.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::mapping::Proposal;
use super::{Item, LearnOptions, LEARNED};
use crate::catalog::{Catalog, List};
use crate::detect::project::Project;
use crate::env::Env;
use crate::error::Error;

/// What `apply` did, and what it left out and why.
#[derive(Debug, Default)]
pub struct Applied {
    pub applied: Vec<String>,
    pub notes: Vec<String>,
}

/// Asks, filters and applies.
pub fn apply(
    project: &Project,
    env: &Env,
    items: &[Item],
    opts: &LearnOptions,
    command: &str,
) -> Result<Applied, Error> {
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let ask = terminal && !opts.yes;
    let mut out = Applied::default();
    let mut adds: Vec<String> = Vec::new();
    let mut local: Vec<(String, String, String)> = Vec::new();
    let applicable: Vec<&Item> = items
        .iter()
        .filter(|i| i.proposal.change().is_some())
        .collect();
    if applicable.is_empty() {
        return Ok(out);
    }
    if !ask && !opts.yes {
        out.notes.push(
            "no terminal to ask on: nothing was applied (`-y` applies what was traced or srt's own log named, and `srt-gen check` passes)"
                .into(),
        );
        return Ok(out);
    }
    for item in applicable {
        let change = item.proposal.change().expect("filtered");
        let shown = super::shown(&item.value);
        if let Proposal::Risky { why, .. } = &item.proposal {
            if !opts.allow_risky {
                out.notes.push(format!(
                    "{shown}: not applied, an exfiltration risk ({why}); --allow-risky applies it"
                ));
                continue;
            }
        }
        if !ask {
            let why_not = if matches!(item.proposal, Proposal::Tolerated { .. }) {
                Some("the command succeeded without it")
            } else if !item.seen.verified {
                Some("only the command's own output says it was refused, and it could have made that up")
            } else if !item.flags.is_empty() {
                Some("`srt-gen check` flags it")
            } else {
                None
            };
            if let Some(why) = why_not {
                out.notes.push(format!(
                    "{shown}: not applied by -y: {why}; `srt-gen learn --apply --last` on a terminal asks"
                ));
                continue;
            }
        } else {
            let mut q = format!("{shown}: {}?", super::describe(change));
            if !item.seen.verified {
                q.push_str(" (only the command's output says so; it could have made it up)");
            }
            for f in &item.flags {
                q.push_str(&format!(" (check: {f})"));
            }
            if let Proposal::Tolerated { why, .. } = &item.proposal {
                q.push_str(&format!(" ({why})"));
            }
            if !confirm(&q)? {
                continue;
            }
        }
        match change {
            Proposal::Add { fragment, .. } if !adds.contains(fragment) => {
                adds.push(fragment.clone())
            }
            Proposal::ProjectLocal { list, entry } => {
                let source = format!(
                    "srt-gen learn: refused {} time(s) while running `{command}` ({}{})",
                    item.seen.attempts,
                    serde_json::to_value(item.seen.evidence)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    item.seen
                        .error
                        .as_deref()
                        .map(|e| format!(", {e}"))
                        .unwrap_or_default()
                );
                local.push((list.clone(), entry.clone(), source));
            }
            _ => {}
        }
    }
    if adds.is_empty() && local.is_empty() {
        return Ok(out);
    }
    let mut catalog = Catalog::load(&project.root, env)?;
    let learned_file = project
        .root
        .join(".srt-gen/fragments")
        .join(format!("{LEARNED}.toml"));
    let learned_text = if local.is_empty() {
        None
    } else {
        let text = learned_text(&learned_file, &local)?;
        let frag = crate::catalog::parse_fragment(&text, &learned_file.display().to_string())?;
        catalog.fragments.retain(|f| f.name != LEARNED);
        catalog.fragments.push(frag);
        if !adds.iter().any(|a| a == LEARNED) {
            adds.push(LEARNED.into());
        }
        Some(text)
    };
    // The gate first, on the whole change, with nothing written yet.
    super::super::change::add_with(
        &project.root,
        &adds,
        env,
        true,
        &[LEARNED],
        Some(catalog.clone()),
    )?;
    if let Some(text) = &learned_text {
        write_learned(&learned_file, text)?;
        out.applied.extend(
            local
                .iter()
                .map(|(l, e, _)| format!("{l} {e} (fragment `{LEARNED}`)")),
        );
    }
    let change = super::super::change::add_with(
        &project.root,
        &adds,
        env,
        false,
        &[LEARNED],
        Some(catalog),
    )?;
    crate::ui::status(&super::super::change::render_change(&change, "add"));
    out.applied.extend(
        adds.iter()
            .filter(|a| *a != LEARNED)
            .map(|a| format!("srt-gen add {a}")),
    );
    Ok(out)
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

/// `.srt-gen/fragments/learned.toml` with the new entries (a project fragment in the
/// catalog's own format). What is there stays byte for byte, the user's edits and
/// comments included: new entries are appended, entries already there are not added again.
pub fn learned_text(path: &Path, new: &[(String, String, String)]) -> Result<String, Error> {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut seen: BTreeSet<(bool, String)> = BTreeSet::new();
    let mut text = match crate::files::read_text(path)? {
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
    // The result must be a valid fragment before anything is written.
    crate::catalog::parse_fragment(&text, &path.display().to_string())?;
    Ok(text)
}

fn write_learned(path: &Path, text: &str) -> Result<(), Error> {
    let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::Usage(format!(
            "{} is not a folder: another sandboxed run is active and holds a placeholder there; \
             apply after it ends (`srt-gen learn --apply --last`)",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    crate::files::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_toml_keeps_what_the_user_wrote_and_adds_each_entry_once() {
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join(".srt-gen/fragments/learned.toml");
        let entry =
            |list: List, e: &str| (list.key().to_string(), e.to_string(), "seen".to_string());
        let text = learned_text(&file, &[entry(List::AllowedDomains, "a.example")]).unwrap();
        write_learned(&file, &text).unwrap();
        // The user edits it: a comment, a write-protected path.
        let edited = format!(
            "{}# ours, keep\n[[deny-write]]\npath = \"./secrets\"\nsource = \"us\"\n",
            std::fs::read_to_string(&file).unwrap()
        );
        std::fs::write(&file, &edited).unwrap();
        let text = learned_text(
            &file,
            &[
                entry(List::AllowedDomains, "a.example"),
                entry(List::AllowedDomains, "b.example"),
                entry(List::AllowWrite, "~/.cache/tool"),
                entry(List::AllowWrite, "~/.cache/tool"),
            ],
        )
        .unwrap();
        assert!(text.starts_with(&edited), "{text}");
        let frag = crate::catalog::parse_fragment(&text, "learned.toml").unwrap();
        let hosts: Vec<&str> = frag.hosts.iter().map(|h| h.host.as_str()).collect();
        assert_eq!(hosts, ["a.example", "b.example"]);
        assert_eq!(frag.write.len(), 1);
        assert_eq!(text.matches("~/.cache/tool").count(), 1);
    }

    #[test]
    fn a_placeholder_in_place_of_the_fragments_folder_is_named() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join(".srt-gen")).unwrap();
        std::fs::write(t.path().join(".srt-gen/fragments"), "").unwrap();
        let err = write_learned(&t.path().join(".srt-gen/fragments/learned.toml"), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("another sandboxed run is active"), "{err}");
    }
}
