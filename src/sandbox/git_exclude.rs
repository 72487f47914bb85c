//! git's `info/exclude`: the placeholder names srt-gen makes inside the project are kept out
//! of `git status` by a block srt-gen rewrites each run.

use std::path::{Path, PathBuf};

use crate::error::Error;

const EXCLUDE_BEGIN: &str =
    "# >>> srt-gen run >>> placeholders srt mounts over absent protected names while it runs";
const EXCLUDE_END: &str = "# <<< srt-gen run <<<";

/// A rewrite of git's `info/exclude` with the placeholder names.
#[derive(Debug, Clone)]
pub struct ExcludeUpdate {
    pub file: PathBuf,
    pub text: String,
    pub patterns: Vec<String>,
}

/// The git repository holding `root`: its top folder and its `info/exclude` file.
fn git_exclude_file(root: &Path) -> Option<(PathBuf, PathBuf)> {
    for dir in root.ancestors() {
        let dotgit = dir.join(".git");
        let Ok(meta) = std::fs::symlink_metadata(&dotgit) else {
            continue;
        };
        let gitdir = if meta.is_dir() {
            dotgit
        } else {
            // A worktree or submodule: `gitdir: <path>`, and a `commondir` for worktrees.
            // Read bounded, never through a link or from a FIFO (files::read_bounded).
            let text = crate::files::project_text(&dotgit)?;
            let gd = dir.join(text.trim().strip_prefix("gitdir:")?.trim());
            // The `.git` file is the project's, which a sandboxed run can write: its
            // pointer is followed only to a real git dir (one with a `HEAD` file), never
            // to any folder srt-gen would then make `info/` in.
            if !std::fs::symlink_metadata(gd.join("HEAD")).is_ok_and(|m| m.is_file()) {
                return None;
            }
            match crate::files::project_text(&gd.join("commondir")) {
                Some(c) => gd.join(c.trim()),
                None => gd,
            }
        };
        return Some((dir.to_path_buf(), gitdir.join("info").join("exclude")));
    }
    None
}

/// The project's placeholder names (the paths srt protects with a placeholder when absent,
/// from [`super::placeholders::plan`], outside `.git`) that are absent now, as anchored
/// `info/exclude` patterns, in a block srt-gen rewrites each run. A name already listed
/// stays while it is a placeholder: another run's may be standing there right now. (The
/// sandbox's temp folder is kept out of git by `.srt-gen/.gitignore`, which `init` writes.)
pub(super) fn plan_exclude(
    root: &Path,
    protected: &[PathBuf],
) -> Result<Option<ExcludeUpdate>, Error> {
    let Some((top, file)) = git_exclude_file(root) else {
        return Ok(None);
    };
    let prefix = root
        .strip_prefix(&top)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = if prefix.is_empty() {
        "/".to_string()
    } else {
        format!("/{}/", escape_pattern(&prefix))
    };
    let old = match crate::files::read_regular(&file) {
        Ok(b) => b
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
        Err(_) => return Ok(None),
    };
    let (outside, listed) = split_block(&old);
    let real_root = crate::env::resolve_symlinks(root);
    let mut patterns: Vec<String> = protected
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&real_root).ok()?;
            if rel.as_os_str().is_empty() || rel.starts_with(".git") {
                return None;
            }
            let pattern = format!("{prefix}{}", escape_pattern(&rel.to_string_lossy()));
            let keep = std::fs::symlink_metadata(p).is_err()
                || (listed.contains(&pattern) && super::placeholders::is_placeholder(p));
            keep.then_some(pattern)
        })
        .collect();
    patterns.sort();
    patterns.dedup();
    let mut text = outside;
    if !patterns.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(EXCLUDE_BEGIN);
        text.push('\n');
        for p in &patterns {
            text.push_str(p);
            text.push('\n');
        }
        text.push_str(EXCLUDE_END);
        text.push('\n');
    }
    if text == old {
        return Ok(None);
    }
    Ok(Some(ExcludeUpdate {
        file,
        text,
        patterns,
    }))
}

/// The exclude file without srt-gen's block, and the patterns the block held.
fn split_block(text: &str) -> (String, Vec<String>) {
    let mut outside = String::new();
    let mut listed = Vec::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == EXCLUDE_BEGIN {
            inside = true;
        } else if inside && bare == EXCLUDE_END {
            inside = false;
        } else if inside {
            listed.push(bare.to_string());
        } else {
            outside.push_str(line);
        }
    }
    (outside, listed)
}

/// Escapes gitignore's special characters so that a name matches only itself.
fn escape_pattern(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | '\\') || (i == 0 && matches!(c, '!' | '#')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_git_file_pointing_at_no_git_dir_is_not_followed() {
        // A sandboxed run wrote `.git` = `gitdir: ../victim/deep`: the next run made
        // `../victim/deep/info/exclude` outside the project.
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("p");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join(".git"), "gitdir: ../victim/deep\n").unwrap();
        assert_eq!(git_exclude_file(&root), None);
        let gd = d.path().join("victim/deep");
        std::fs::create_dir_all(&gd).unwrap();
        std::fs::write(gd.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(
            git_exclude_file(&root).map(|(_, f)| f),
            Some(root.join("../victim/deep/info/exclude"))
        );
    }

    #[test]
    fn exclude_block_is_rewritten_not_duplicated() {
        let (outside, listed) = split_block(&format!(
            "# git's own\n*.o\n{EXCLUDE_BEGIN}\n/.bashrc\n{EXCLUDE_END}\nafter\n"
        ));
        assert_eq!(outside, "# git's own\n*.o\nafter\n");
        assert_eq!(listed, vec!["/.bashrc"]);
        assert_eq!(escape_pattern("!a*b"), "\\!a\\*b");
    }
}
