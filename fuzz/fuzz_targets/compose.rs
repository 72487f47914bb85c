//! The merge: for any user file and any fragments, composing twice is composing once,
//! and adding fragments then taking them out gives back the same bytes.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use srt_gen::catalog::List;
use srt_gen::policy::compose::compose;
use srt_gen::policy::settings::{FragmentRecord, Settings, Why};

/// A small pool, so that user entries and fragment entries collide often.
const POOL: &[&str] = &[".", "~/x", "a.example.com", "b.example.com", "~/.ssh", "./y", ""];

#[derive(Debug, Arbitrary)]
struct Entry {
    list: u8,
    pick: u8,
    own: Option<String>,
}

impl Entry {
    fn get(&self) -> (List, String) {
        let list = List::ALL[self.list as usize % List::ALL.len()];
        let text = match &self.own {
            Some(s) if self.pick > 200 => s.clone(),
            _ => POOL[self.pick as usize % POOL.len()].to_string(),
        };
        (list, text)
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    user: Vec<Entry>,
    kept: Vec<(u8, Vec<Entry>)>,
    added: Vec<(u8, Vec<Entry>)>,
}

fn frags(list: &[(u8, Vec<Entry>)], prefix: &str) -> BTreeMap<String, FragmentRecord> {
    let mut out = BTreeMap::new();
    for (n, entries) in list {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in entries {
            let (l, t) = e.get();
            m.entry(l.key().to_string()).or_default().insert(t);
        }
        out.insert(
            format!("{prefix}{}", n % 4),
            FragmentRecord {
                why: Why::Added,
                files: vec![],
                entries: m,
            },
        );
    }
    out
}

fuzz_target!(|input: Input| {
    let mut user = Settings::default();
    for e in &input.user {
        let (l, t) = e.get();
        user.list_mut(l).push(Value::String(t));
    }
    let kept = frags(&input.kept, "k");
    let mut both = kept.clone();
    both.extend(frags(&input.added, "a"));

    let s1 = compose(Some(&user), kept.clone(), BTreeSet::new());
    let again = compose(Some(&s1), kept.clone(), BTreeSet::new());
    assert_eq!(
        String::from_utf8_lossy(&s1.to_bytes()),
        String::from_utf8_lossy(&again.to_bytes()),
        "compose is idempotent"
    );
    let s2 = compose(Some(&s1), both, BTreeSet::new());
    let s3 = compose(Some(&s2), kept, BTreeSet::new());
    assert_eq!(
        String::from_utf8_lossy(&s1.to_bytes()),
        String::from_utf8_lossy(&s3.to_bytes()),
        "remove undoes add"
    );
    let text = String::from_utf8(s2.to_bytes()).unwrap();
    let parsed = Settings::parse(&text, std::path::Path::new("f.json")).expect("own output parses");
    assert_eq!(parsed.to_bytes(), s2.to_bytes());
});
