//! Properties of the merge (`policy::compose`) over generated user files and fragments:
//! idempotent, independent of the order fragments and user entries come in, and `remove`
//! (composing without a fragment) undoes `add` byte for byte.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::Value;
use srt_gen::catalog::List;
use srt_gen::policy::compose::compose;
use srt_gen::policy::settings::{FragmentRecord, Settings, Why};

/// A small pool, so that user entries and fragment entries collide often.
const POOL: &[&str] = &[
    ".",
    "./.srt-gen/tmp",
    "~/.cache/pip",
    "~/.ssh",
    "a.example.com",
    "b.example.com",
    "*.example.org",
];

fn entry() -> impl Strategy<Value = (usize, String)> {
    (
        0..List::ALL.len(),
        prop_oneof![
            4 => proptest::sample::select(POOL).prop_map(str::to_string),
            1 => "[a-z~./]{1,8}",
        ],
    )
}

fn fragment() -> impl Strategy<Value = Vec<(usize, String)>> {
    proptest::collection::vec(entry(), 0..6)
}

fn record(entries: &[(usize, String)]) -> FragmentRecord {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (l, e) in entries {
        m.entry(List::ALL[*l].key().to_string())
            .or_default()
            .insert(e.clone());
    }
    FragmentRecord {
        why: Why::Added,
        files: vec![],
        entries: m,
    }
}

fn fragments(list: &[(String, Vec<(usize, String)>)]) -> BTreeMap<String, FragmentRecord> {
    list.iter().map(|(n, e)| (n.clone(), record(e))).collect()
}

fn user_file(entries: &[(usize, String)]) -> Settings {
    let mut s = Settings::default();
    for (l, e) in entries {
        s.list_mut(List::ALL[*l]).push(Value::String(e.clone()));
    }
    s
}

fn text(s: &Settings) -> String {
    String::from_utf8(s.to_bytes()).unwrap()
}

fn named(v: Vec<Vec<(usize, String)>>, prefix: &str) -> Vec<(String, Vec<(usize, String)>)> {
    v.into_iter()
        .enumerate()
        .map(|(i, e)| (format!("{prefix}{i}"), e))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compose_is_idempotent(
        user in proptest::collection::vec(entry(), 0..8),
        frags in proptest::collection::vec(fragment(), 0..4),
    ) {
        let frags = fragments(&named(frags, "f"));
        let once = compose(Some(&user_file(&user)), frags.clone(), BTreeSet::new());
        let twice = compose(Some(&once), frags, BTreeSet::new());
        prop_assert_eq!(text(&once), text(&twice));
    }

    #[test]
    fn order_of_fragments_and_user_entries_does_not_matter(
        user in proptest::collection::vec(entry(), 0..8),
        frags in proptest::collection::vec(fragment(), 0..4),
        seed in any::<u64>(),
    ) {
        let named = named(frags, "f");
        let forward = compose(Some(&user_file(&user)), fragments(&named), BTreeSet::new());
        // The same fragments inserted in reverse, the user's entries in another order.
        let mut reversed = named.clone();
        reversed.reverse();
        let mut shuffled = user.clone();
        let n = shuffled.len();
        if n > 1 {
            shuffled.rotate_left((seed as usize) % n);
            shuffled.swap(0, n - 1);
        }
        let other = compose(Some(&user_file(&shuffled)), fragments(&reversed), BTreeSet::new());
        prop_assert_eq!(text(&forward), text(&other));
    }

    #[test]
    fn remove_undoes_add(
        user in proptest::collection::vec(entry(), 0..8),
        kept in proptest::collection::vec(fragment(), 0..3),
        added in proptest::collection::vec(fragment(), 1..3),
    ) {
        let kept = fragments(&named(kept, "k"));
        let mut both = kept.clone();
        both.extend(fragments(&named(added, "a")));
        let before = compose(Some(&user_file(&user)), kept.clone(), BTreeSet::new());
        let with = compose(Some(&before), both, BTreeSet::new());
        let after = compose(Some(&with), kept, BTreeSet::new());
        prop_assert_eq!(text(&before), text(&after));
    }

    #[test]
    fn own_output_parses_back_to_the_same_bytes(
        user in proptest::collection::vec(entry(), 0..8),
        frags in proptest::collection::vec(fragment(), 0..4),
    ) {
        let s = compose(Some(&user_file(&user)), fragments(&named(frags, "f")), BTreeSet::new());
        let parsed = Settings::parse(&text(&s), std::path::Path::new("t.json")).unwrap();
        prop_assert_eq!(text(&s), text(&parsed));
    }
}
