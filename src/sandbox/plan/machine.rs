//! Run policy step: fit for the machine (issue 15). `.srt.json` holds each fragment's
//! entries as they were resolved when it was written, on the machine that wrote it, for the
//! platforms it chose. A run resolves every recorded fragment again for *this* machine's
//! variables (`PIP_CACHE_DIR`, `CARGO_HOME`, the XDG folders ...) and platform, and uses
//! that; what differs from what `init` would write here now is reported as drift, with
//! the one command that refreshes the file.
//!
//! Only catalog fragments are resolved again (base, detected, added, project fragments);
//! hosts that a file named (`project`, `config` records) and every entry the user wrote
//! stay as they are. An entry the user deleted stays deleted.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Kind, List};
use crate::env::Os;
use crate::error::Error;
use crate::policy::plan::{agent_entries, base_record, fragment_record};
use crate::policy::settings::{FragmentRecord, Why};

use super::{Context, Drift, RunPolicy};

type Entries = BTreeMap<String, BTreeSet<String>>;

pub(super) fn apply(cx: &Context<'_>, p: &mut RunPolicy) -> Result<(), Error> {
    let Some(record) = &cx.committed.record else {
        return Ok(());
    };
    let here = [cx.env.os];
    let written_for: Vec<Os> = if record.platforms.is_empty() {
        here.to_vec()
    } else {
        record.platforms.clone()
    };
    if !written_for.contains(&cx.env.os) {
        let names: Vec<&str> = written_for.iter().map(|o| o.name()).collect();
        p.note(
            "machine",
            format!(
                "the policy spells {} paths; this run uses this machine's ({}); \
                 `srt-gen init --platform all` writes both into the file",
                names.join(" and "),
                cx.env.os.name()
            ),
        );
    }
    // What each refreshable fragment gives on this machine (for the run) and what `init`
    // would write here now (for the drift report).
    let mut now: BTreeMap<&str, (Entries, Entries)> = BTreeMap::new();
    for (name, rec) in &record.fragments {
        if !matches!(rec.why, Why::Base | Why::Detected | Why::Added) {
            continue;
        }
        let Some(frag) = cx.catalog.get(name) else {
            p.note(
                "machine",
                format!("fragment `{name}` is recorded but no longer in the catalog; its entries stay as the file has them"),
            );
            continue;
        };
        let resolve = |platforms: &[Os]| -> Result<FragmentRecord, Error> {
            if frag.kind == Kind::Base {
                base_record(
                    cx.catalog,
                    cx.project,
                    &record.subprojects,
                    cx.env,
                    platforms,
                )
            } else if frag.kind == Kind::Agent && frag.agent.is_some() {
                // The agent's hosts follow its configuration on this machine.
                let mut r = fragment_record(frag, rec.why, Vec::new(), cx.env, platforms);
                agent_entries(frag, &mut r, cx.env)?;
                Ok(r)
            } else {
                Ok(fragment_record(
                    frag,
                    rec.why,
                    Vec::new(),
                    cx.env,
                    platforms,
                ))
            }
        };
        now.insert(
            name.as_str(),
            (resolve(&here)?.entries, resolve(&written_for)?.entries),
        );
    }
    for list in List::ALL {
        let key = list.key();
        let yours = record.yours.get(key);
        let removed = record.removed.get(key);
        // Entries that some fragment still gives on this machine, or that one whose entries
        // are not refreshed gives: never taken out.
        let kept: BTreeSet<&String> = record
            .fragments
            .iter()
            .flat_map(|(name, rec)| match now.get(name.as_str()) {
                Some((run, _)) => run.get(key),
                None => rec.entries.get(key),
            })
            .flatten()
            .collect();
        for (name, (run, init)) in &now {
            let empty = BTreeSet::new();
            let old = record.fragments[*name].entries.get(key).unwrap_or(&empty);
            let run = run.get(key).unwrap_or(&empty);
            let init = init.get(key).unwrap_or(&empty);
            for e in old.difference(run) {
                if !kept.contains(e) && !yours.is_some_and(|y| y.contains(e)) {
                    p.remove(list, e);
                }
            }
            for e in run.difference(old) {
                if !removed.is_some_and(|r| r.contains(e)) {
                    p.add(list, e);
                }
            }
            let gone: Vec<&String> = old.difference(init).collect();
            let new: Vec<&String> = init
                .difference(old)
                .filter(|e| !removed.is_some_and(|r| r.contains(*e)))
                .collect();
            let drift = |in_file: Option<&String>, needed: Option<&String>| Drift {
                fragment: (*name).to_string(),
                list: key.to_string(),
                in_file: in_file.cloned(),
                needed: needed.cloned(),
            };
            if gone.len() == 1 && new.len() == 1 {
                p.drift.push(drift(Some(gone[0]), Some(new[0])));
            } else {
                p.drift.extend(gone.iter().map(|e| drift(Some(e), None)));
                p.drift.extend(new.iter().map(|e| drift(None, Some(e))));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::catalog::Catalog;
    use crate::detect::project::Project;
    use crate::env::Env;
    use crate::policy::settings::Settings;

    use super::super::{build, Context};
    use crate::sandbox::state::StateDirs;

    fn env(home: &Path, vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: home.to_path_buf(),
            os: crate::env::Os::Linux,
        }
    }

    /// `.srt.json` as `init` writes it for a pip project under `vars`.
    fn committed(project: &Project, catalog: &Catalog, e: &Env) -> Settings {
        let mut fragments = std::collections::BTreeMap::new();
        fragments.insert(
            "base".to_string(),
            crate::policy::plan::base_record(catalog, project, &Default::default(), e, &[e.os])
                .unwrap(),
        );
        let python = catalog.get("python").unwrap();
        fragments.insert(
            "python".to_string(),
            crate::policy::plan::fragment_record(
                python,
                crate::policy::settings::Why::Detected,
                vec!["requirements.txt".into()],
                e,
                &[e.os],
            ),
        );
        let mut s = crate::policy::compose::compose(None, fragments, Default::default());
        s.record.as_mut().unwrap().platforms = vec![e.os];
        // The caches step would give the sandbox its own pip cache; this test is about the
        // user's paths as this machine resolves them.
        s.record
            .as_mut()
            .unwrap()
            .shared_caches
            .insert("python".into());
        s
    }

    #[test]
    fn a_changed_cache_variable_is_used_and_reported() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().canonicalize().unwrap();
        let root = home.join("p");
        std::fs::create_dir_all(&root).unwrap();
        let project = Project::at(&root).unwrap();
        let catalog = Catalog::builtin().unwrap();
        let then = env(&home, &[]);
        let file = committed(&project, &catalog, &then);
        assert!(file
            .strings(crate::catalog::List::AllowWrite)
            .contains(&"~/.cache/pip"));
        let now = env(&home, &[("PIP_CACHE_DIR", "/data/pip")]);
        let cx = Context {
            project: &project,
            committed: &file,
            catalog: &catalog,
            env: &now,
            state: StateDirs::for_env(&now),
            agent: false,
            pass_env: Default::default(),
        };
        let p = build(&cx, true).unwrap();
        let writes = p.settings.strings(crate::catalog::List::AllowWrite);
        assert!(writes.contains(&"/data/pip"), "{writes:?}");
        assert!(!writes.contains(&"~/.cache/pip"), "{writes:?}");
        assert_eq!(p.drift.len(), 1, "{:?}", p.drift);
        assert_eq!(p.drift[0].in_file.as_deref(), Some("~/.cache/pip"));
        assert_eq!(p.drift[0].needed.as_deref(), Some("/data/pip"));
        assert!(p.settings.record.is_none());
        // Unchanged environment: no drift, the same lists.
        let cx = Context {
            env: &then,
            state: StateDirs::for_env(&then),
            ..cx
        };
        let p = build(&cx, true).unwrap();
        assert!(p.drift.is_empty(), "{:?}", p.drift);
        assert_eq!(
            p.settings.strings(crate::catalog::List::AllowWrite),
            file.strings(crate::catalog::List::AllowWrite)
        );
    }

    #[test]
    fn the_users_own_and_deleted_entries_survive_a_refit() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().canonicalize().unwrap();
        let root = home.join("p");
        std::fs::create_dir_all(&root).unwrap();
        let project = Project::at(&root).unwrap();
        let catalog = Catalog::builtin().unwrap();
        let then = env(&home, &[]);
        let mut file = committed(&project, &catalog, &then);
        // The user deletes one generated entry and writes one of their own; a later compose
        // (as `init` does) records both.
        file.network
            .allowed_domains
            .retain(|v| v.as_str() != Some("files.pythonhosted.org"));
        file.filesystem.allow_write.push("/mine".into());
        let fragments = file.record.as_ref().unwrap().fragments.clone();
        let file = crate::policy::compose::compose(Some(&file), fragments, Default::default());
        let now = env(&home, &[("PIP_CACHE_DIR", "/data/pip")]);
        let cx = Context {
            project: &project,
            committed: &file,
            catalog: &catalog,
            env: &now,
            state: StateDirs::for_env(&now),
            agent: false,
            pass_env: Default::default(),
        };
        let p = build(&cx, true).unwrap();
        assert!(p
            .settings
            .strings(crate::catalog::List::AllowWrite)
            .contains(&"/mine"));
        assert!(!p
            .settings
            .strings(crate::catalog::List::AllowedDomains)
            .contains(&"files.pythonhosted.org"));
    }
}
