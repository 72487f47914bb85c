//! The policy a run used, as srt applies it to one path: writable (and by which entry),
//! write-protected, unreadable. Paths are compared as srt resolves them (symlinks in the
//! existing part resolved, `/**` dropped, globs skipped on Linux).

use std::path::{Path, PathBuf};

use crate::catalog::List;
use crate::env::{normalize, resolve_symlinks, Env};
use crate::policy::settings::Settings;

/// What srt makes writable by itself (srt `sandbox-utils.js`: the temp folder it sets,
/// and `HOME_CONVENIENCE_WRITE_DIRS` when they exist).
const SRT_WRITES: [&str; 3] = ["/tmp/claude", "~/.npm/_logs", "~/.claude/debug"];

/// One entry of a list, spelled as written and as srt resolves it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub spelled: String,
    pub path: PathBuf,
}

/// The three path lists of a policy, resolved once.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub allow_write: Vec<Entry>,
    pub deny_write: Vec<Entry>,
    pub deny_read: Vec<Entry>,
}

impl PolicyView {
    pub fn new(settings: &Settings, env: &Env, root: &Path) -> PolicyView {
        let entries = |list: List| -> Vec<Entry> {
            settings
                .strings(list)
                .into_iter()
                .filter_map(|s| {
                    let plain = s.strip_suffix("/**").unwrap_or(s);
                    (!plain.is_empty() && !plain.contains(['*', '?', '['])).then(|| Entry {
                        spelled: s.to_string(),
                        path: resolve(plain, env, root),
                    })
                })
                .collect()
        };
        let mut allow_write = entries(List::AllowWrite);
        allow_write.extend(SRT_WRITES.iter().map(|s| Entry {
            spelled: format!("{s} (srt itself)"),
            path: resolve(s, env, root),
        }));
        PolicyView {
            allow_write,
            deny_write: entries(List::DenyWrite),
            deny_read: entries(List::DenyRead),
        }
    }

    /// The allowWrite entry that covers `path`, when no denyWrite entry takes it back.
    pub fn writable(&self, path: &Path) -> Option<&Entry> {
        let p = resolve_symlinks(&normalize(path));
        if self.write_protected(&p).is_some() {
            return None;
        }
        self.allow_write.iter().find(|e| p.starts_with(&e.path))
    }

    /// The denyWrite entry that covers `path`.
    pub fn write_protected(&self, path: &Path) -> Option<&Entry> {
        let p = resolve_symlinks(&normalize(path));
        self.deny_write.iter().find(|e| p.starts_with(&e.path))
    }

    /// The denyRead entry that covers `path`.
    pub fn unreadable(&self, path: &Path) -> Option<&Entry> {
        let p = resolve_symlinks(&normalize(path));
        self.deny_read.iter().find(|e| p.starts_with(&e.path))
    }
}

/// A spelled path (`~/x`, `./x`, `/x`) as srt resolves it.
pub fn resolve(spelled: &str, env: &Env, root: &Path) -> PathBuf {
    resolve_symlinks(&normalize(&env.absolute(spelled, root)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_roots_deny_entries_and_srts_own() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path().canonicalize().unwrap();
        let root = home.join("p");
        let env = Env {
            vars: Default::default(),
            home: home.clone(),
            os: crate::env::Os::Linux,
        };
        let s: Settings = serde_json::from_value(serde_json::json!({
            "network": {"allowedDomains": [], "deniedDomains": []},
            "filesystem": {"denyRead": ["~/.npmrc"], "allowWrite": [".", "~/.cache/pip/**", "~/x/*.log"],
                           "denyWrite": ["./.srt.json"]}
        }))
        .unwrap();
        let v = PolicyView::new(&s, &env, &root);
        assert_eq!(v.writable(&root.join("src/a")).unwrap().spelled, ".");
        assert!(v.writable(&root.join(".srt.json")).is_none());
        assert!(v.write_protected(&root.join(".srt.json")).is_some());
        assert!(v.writable(&home.join(".cache/pip/http")).is_some());
        assert!(
            v.writable(&home.join("x/a.log")).is_none(),
            "globs are skipped"
        );
        assert!(v.writable(&home.join(".npm/_logs/x.log")).is_some());
        assert!(v.writable(&home.join(".npm/_cacache")).is_none());
        assert!(v.unreadable(&home.join(".npmrc")).is_some());
    }
}
