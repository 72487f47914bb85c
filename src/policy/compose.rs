//! The merge: the user's own entries, plus the union of the active fragments' entries,
//! minus what the user deleted. One function, used by `init`, `add` and `remove`, so that
//! `add X` then `remove X` gives back the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::catalog::List;
use crate::policy::settings::{entry_text, FragmentRecord, Record, Settings};

pub const RECORD_VERSION: u32 = 1;

/// The fragment whose denies are the floor: kept whatever the file says.
pub const FLOOR_FRAGMENT: &str = "base";

/// Builds the new settings from the existing file (if any) and the fragments that should be
/// active now, each with its resolved entries. `excluded` is carried into the record.
pub fn compose(
    existing: Option<&Settings>,
    fragments: BTreeMap<String, FragmentRecord>,
    excluded: BTreeSet<String>,
) -> Settings {
    let mut out = existing.cloned().unwrap_or_default();
    let old = existing.and_then(|s| s.record.clone()).unwrap_or_default();
    // A fragment that is no longer active takes its shared-caches choice with it.
    let shared_caches = old
        .shared_caches
        .iter()
        .filter(|n| fragments.contains_key(*n))
        .cloned()
        .collect();
    let mut record = Record {
        version: RECORD_VERSION,
        fragments,
        excluded,
        no_project_hosts: old.no_project_hosts,
        platforms: old.platforms.clone(),
        shared_caches,
        no_agent: old.no_agent,
        subprojects: old.subprojects.clone(),
        agent: old.agent.clone(),
        pass_env: old.pass_env.clone(),
        ..Record::default()
    };
    // The floor (issue 18): what the base fragment denies stays, whatever the record's
    // `removed` or a hand edit says.
    let floor: BTreeSet<String> = record
        .fragments
        .get(FLOOR_FRAGMENT)
        .into_iter()
        .flat_map(|f| {
            [List::DenyRead, List::DenyWrite]
                .into_iter()
                .filter_map(|l| f.entries.get(l.key()))
                .flatten()
        })
        .cloned()
        .collect();

    for list in List::ALL {
        let key = list.key();
        let claimed_old = claimed(&old, key);
        let claimed_new = claimed(&record, key);
        let old_yours = old.yours.get(key).cloned().unwrap_or_default();
        let file = existing.map(|s| s.list(list).clone()).unwrap_or_default();
        let in_file: BTreeSet<&str> = file.iter().filter_map(Value::as_str).collect();

        // The user's entries: everything srt-gen did not write, and what it wrote that the
        // user had written too.
        let user: Vec<Value> = file
            .iter()
            .filter(|v| match v.as_str() {
                Some(s) => !claimed_old.contains(s) || old_yours.contains(s),
                None => true,
            })
            .cloned()
            .collect();
        // What srt-gen wrote before and the user has since deleted stays deleted.
        let mut deleted: BTreeSet<String> = claimed_old
            .iter()
            .filter(|e| !in_file.contains(e.as_str()))
            .cloned()
            .collect();
        if let Some(prev) = old.removed.get(key) {
            deleted.extend(
                prev.iter()
                    .filter(|e| !in_file.contains(e.as_str()))
                    .cloned(),
            );
        }

        deleted
            .retain(|e| !(matches!(list, List::DenyRead | List::DenyWrite) && floor.contains(e)));
        let mut merged = user.clone();
        merged.extend(
            claimed_new
                .iter()
                .filter(|e| !deleted.contains(*e))
                .map(|e| Value::String(e.clone())),
        );
        *out.list_mut(list) = sorted(merged);

        let yours: BTreeSet<String> = user
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| claimed_new.contains(*s))
            .map(str::to_string)
            .collect();
        if !yours.is_empty() {
            record.yours.insert(key.to_string(), yours);
        }
        let removed: BTreeSet<String> = deleted.intersection(&claimed_new).cloned().collect();
        if !removed.is_empty() {
            record.removed.insert(key.to_string(), removed);
        }
    }
    out.record = Some(record);
    out
}

fn claimed(record: &Record, key: &str) -> BTreeSet<String> {
    record
        .fragments
        .values()
        .filter_map(|f| f.entries.get(key))
        .flatten()
        .cloned()
        .collect()
}

/// Sorted by text (strings before objects with the same text), duplicates dropped.
fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by(|a, b| {
        let ka = (entry_text(a).unwrap_or(""), !a.is_string(), a.to_string());
        let kb = (entry_text(b).unwrap_or(""), !b.is_string(), b.to_string());
        ka.cmp(&kb)
    });
    v.dedup();
    v
}

/// Who gave an entry that is in the file: fragments, the user, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub fragments: Vec<String>,
    pub yours: bool,
}

/// Where one entry of one list comes from, read from the record (never recomputed).
pub fn origin(settings: &Settings, list: List, entry: &str) -> Origin {
    let record = settings.record.as_ref();
    let key = list.key();
    let fragments: Vec<String> = record
        .into_iter()
        .flat_map(|r| &r.fragments)
        .filter(|(_, f)| f.entries.get(key).is_some_and(|e| e.contains(entry)))
        .map(|(n, _)| n.clone())
        .collect();
    let yours = fragments.is_empty()
        || record
            .and_then(|r| r.yours.get(key))
            .is_some_and(|y| y.contains(entry));
    Origin { fragments, yours }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::settings::Why;

    fn frag(entries: &[(List, &str)]) -> FragmentRecord {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (l, e) in entries {
            m.entry(l.key().to_string())
                .or_default()
                .insert(e.to_string());
        }
        FragmentRecord {
            why: Why::Added,
            files: vec![],
            entries: m,
        }
    }

    fn frags(list: &[(&str, FragmentRecord)]) -> BTreeMap<String, FragmentRecord> {
        list.iter()
            .map(|(n, f)| (n.to_string(), f.clone()))
            .collect()
    }

    fn user_file() -> Settings {
        let mut s = Settings::default();
        s.network.allowed_domains = vec!["mine.example.com".into(), "shared.example.com".into()];
        s.filesystem.allow_write = vec![serde_json::json!({"path": "/x[1]", "literal": true})];
        s
    }

    #[test]
    fn add_then_remove_is_byte_identical_and_keeps_user_entries() {
        let base = frag(&[(List::AllowWrite, "."), (List::DenyRead, "~/.ssh")]);
        let x = frag(&[
            (List::AllowedDomains, "shared.example.com"),
            (List::AllowedDomains, "x.example.com"),
        ]);
        let s0 = compose(
            Some(&user_file()),
            frags(&[("base", base.clone())]),
            BTreeSet::new(),
        );
        let s1 = compose(
            Some(&s0),
            frags(&[("base", base.clone()), ("x", x)]),
            BTreeSet::new(),
        );
        assert!(s1.strings(List::AllowedDomains).contains(&"x.example.com"));
        let s2 = compose(Some(&s1), frags(&[("base", base)]), BTreeSet::new());
        assert_eq!(s0.to_bytes(), s2.to_bytes());
        assert_eq!(
            s2.strings(List::AllowedDomains),
            vec!["mine.example.com", "shared.example.com"]
        );
    }

    #[test]
    fn compose_is_idempotent() {
        let base = frag(&[
            (List::AllowWrite, "."),
            (List::AllowedDomains, "b.example.com"),
        ]);
        let s1 = compose(
            Some(&user_file()),
            frags(&[("base", base.clone())]),
            BTreeSet::new(),
        );
        let s2 = compose(Some(&s1), frags(&[("base", base)]), BTreeSet::new());
        assert_eq!(s1.to_bytes(), s2.to_bytes());
    }

    #[test]
    fn an_entry_the_user_deleted_stays_deleted() {
        let base = frag(&[(List::AllowWrite, "."), (List::AllowWrite, "~/.npm")]);
        let mut s1 = compose(None, frags(&[("base", base.clone())]), BTreeSet::new());
        s1.filesystem.allow_write.retain(|v| v != "~/.npm");
        let s2 = compose(Some(&s1), frags(&[("base", base.clone())]), BTreeSet::new());
        assert_eq!(s2.strings(List::AllowWrite), vec!["."]);
        let s3 = compose(Some(&s2), frags(&[("base", base)]), BTreeSet::new());
        assert_eq!(s2.to_bytes(), s3.to_bytes());
    }

    #[test]
    fn the_base_fragments_denies_come_back_whatever_the_file_says() {
        let base = frag(&[
            (List::AllowWrite, "."),
            (List::AllowWrite, "~/.npm"),
            (List::DenyRead, "~/.ssh"),
            (List::DenyWrite, "./.srt.json"),
        ]);
        let s1 = compose(None, frags(&[("base", base.clone())]), BTreeSet::new());
        // A hand edit drops the denies (and a write root), and the record says "removed".
        let mut edited = s1.clone();
        edited.filesystem.deny_read.clear();
        edited.filesystem.deny_write.clear();
        edited.filesystem.allow_write.retain(|v| v != "~/.npm");
        let rec = edited.record.as_mut().unwrap();
        rec.removed
            .insert(List::DenyRead.key().into(), ["~/.ssh".to_string()].into());
        let s2 = compose(Some(&edited), frags(&[("base", base)]), BTreeSet::new());
        assert_eq!(s2.strings(List::DenyRead), vec!["~/.ssh"]);
        assert_eq!(s2.strings(List::DenyWrite), vec!["./.srt.json"]);
        // A write root the user deleted stays deleted: only denies are the floor.
        assert_eq!(s2.strings(List::AllowWrite), vec!["."]);
        let r = s2.record.unwrap();
        assert!(
            !r.removed.contains_key(List::DenyRead.key()),
            "{:?}",
            r.removed
        );
    }

    #[test]
    fn shared_entries_stay_while_another_fragment_needs_them() {
        let a = frag(&[(List::AllowedDomains, "s.example.com")]);
        let b = frag(&[(List::AllowedDomains, "s.example.com")]);
        let s1 = compose(None, frags(&[("a", a.clone()), ("b", b)]), BTreeSet::new());
        let s2 = compose(Some(&s1), frags(&[("a", a)]), BTreeSet::new());
        assert_eq!(s2.strings(List::AllowedDomains), vec!["s.example.com"]);
    }
}
