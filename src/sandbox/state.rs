//! Where the sandbox's own state lives, apart from the user's: the caches that every
//! sandboxed run of this user shares (and no unsandboxed tool reads), the per-project agent
//! homes, the sanitized copies of the user's tool configuration, and srt-gen's own
//! per-run bookkeeping. DESIGN: nothing srt-gen reads to decide anything comes from a place
//! the sandbox can write, and nothing is ever copied from the sandbox's state back to the
//! user's.

use std::path::{Path, PathBuf};

use crate::env::Env;

/// The folders, resolved for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDirs {
    /// `${XDG_CACHE_HOME:-~/.cache}/srt-gen/sandbox`: caches, stores and tool homes that
    /// belong to the sandbox (writable inside), one folder per fragment.
    pub caches: PathBuf,
    /// `${XDG_CACHE_HOME:-~/.cache}/srt-gen/config`: sanitized copies of the user's tool
    /// configuration, rewritten before every launch; read-only inside.
    pub config: PathBuf,
    /// `${XDG_CACHE_HOME:-~/.cache}/srt-gen/runs`: srt-gen's per-run files (srt's private
    /// TMPDIR, the per-run CA); never reachable from inside.
    pub runs: PathBuf,
    /// `${XDG_STATE_HOME:-~/.local/state}/srt-gen/projects`: per-project state that must
    /// outlive a cache purge (the agent's private home, its login).
    pub projects: PathBuf,
}

impl StateDirs {
    pub fn for_env(env: &Env) -> StateDirs {
        let cache = env.folder("XDG_CACHE_HOME", ".cache").join("srt-gen");
        StateDirs {
            caches: cache.join("sandbox"),
            config: cache.join("config"),
            runs: cache.join("runs"),
            projects: env
                .folder("XDG_STATE_HOME", ".local/state")
                .join("srt-gen")
                .join("projects"),
        }
    }

    /// The sandbox's own folder `name` of fragment `fragment` (`rust`, `cargo-home`).
    pub fn cache(&self, fragment: &str, name: &str) -> PathBuf {
        self.caches.join(fragment).join(name)
    }

    /// Where the sanitized copy of one user file for `fragment` goes.
    pub fn config_copy(&self, fragment: &str, file: &str) -> PathBuf {
        self.config.join(fragment).join(file)
    }

    /// The per-project state folder: `<folder name>-<12 hex digits of its path>`, so that two
    /// checkouts named alike stay apart and a moved project starts afresh.
    pub fn project(&self, root: &Path) -> PathBuf {
        let name: String = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .take(48)
            .collect();
        let name = name.trim_start_matches('.');
        let name = if name.is_empty() { "project" } else { name };
        self.projects.join(format!(
            "{name}-{:012x}",
            fnv1a(root.as_os_str().as_encoded_bytes()) >> 16
        ))
    }
}

/// FNV-1a, 64 bits: a stable name, not a secret (nothing depends on it being unguessable).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Os;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: PathBuf::from("/home/u"),
            os: Os::Linux,
        }
    }

    #[test]
    fn folders_follow_xdg_and_ignore_relative_values() {
        let d = StateDirs::for_env(&env(&[]));
        assert_eq!(d.caches, Path::new("/home/u/.cache/srt-gen/sandbox"));
        assert_eq!(
            d.projects,
            Path::new("/home/u/.local/state/srt-gen/projects")
        );
        let d = StateDirs::for_env(&env(&[("XDG_CACHE_HOME", "/c"), ("XDG_STATE_HOME", "rel")]));
        assert_eq!(
            d.cache("rust", "cargo-home"),
            Path::new("/c/srt-gen/sandbox/rust/cargo-home")
        );
        assert_eq!(
            d.projects,
            Path::new("/home/u/.local/state/srt-gen/projects")
        );
    }

    #[test]
    fn project_folders_are_stable_and_apart() {
        let d = StateDirs::for_env(&env(&[]));
        let a = d.project(Path::new("/w/app"));
        assert_eq!(a, d.project(Path::new("/w/app")));
        assert_ne!(a, d.project(Path::new("/x/app")));
        let name = a.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            name.starts_with("app-") && name.len() == "app-".len() + 12,
            "{name}"
        );
        let odd = d.project(Path::new("/w/.a b\u{1b}"));
        let odd = odd.file_name().unwrap().to_str().unwrap();
        assert!(odd.starts_with("a_b_-"), "{odd}");
    }
}
