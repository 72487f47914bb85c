//! SSH URLs in lockfiles. A git dependency resolved over SSH (`git+ssh://`, `ssh://`,
//! `git@host:owner/repo`) fails inside the sandbox: srt's proxy carries HTTP(S) only, and
//! a manifest may spell the dependency differently from what its lockfile pins. Every
//! lockfile of a detected ecosystem is read (its head; machine-written files put one
//! dependency per entry) and each SSH URL in a value gets the warning; comment lines are
//! skipped.

use super::{ssh_to_https, Sources};

/// Lockfiles by name, with the prefix of their comment lines (`None`: the format has none).
/// Cargo.lock is read in full by the cargo reader, which warns the same way.
const LOCKFILES: &[(&str, Option<&str>)] = &[
    ("package-lock.json", None),
    ("npm-shrinkwrap.json", None),
    ("yarn.lock", Some("#")),
    ("pnpm-lock.yaml", Some("#")),
    ("bun.lock", Some("//")),
    ("deno.lock", None),
    ("poetry.lock", Some("#")),
    ("uv.lock", Some("#")),
    ("pdm.lock", Some("#")),
    ("Pipfile.lock", None),
    ("pixi.lock", Some("#")),
    ("conda-lock.yml", Some("#")),
    ("Gemfile.lock", None),
    ("composer.lock", None),
    ("mix.lock", Some("#")),
    ("Package.resolved", None),
    ("Podfile.lock", Some("#")),
    ("pubspec.lock", Some("#")),
    ("flake.lock", None),
    ("packages.lock.json", None),
    ("gradle.lockfile", Some("#")),
    ("Manifest.toml", Some("#")),
    ("rebar.lock", Some("%")),
    ("stack.yaml.lock", Some("#")),
    (".terraform.lock.hcl", Some("#")),
];

pub(super) fn is_lockfile(name: &str) -> bool {
    LOCKFILES.iter().any(|(n, _)| *n == name)
}

/// Warns once per SSH URL found in the values of lockfile `name`.
pub(super) fn ssh_urls(s: &mut Sources, origin: &str, name: &str, text: &str) {
    let comment = LOCKFILES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, c)| *c);
    let mut seen: Vec<String> = Vec::new();
    for line in text.lines() {
        if comment.is_some_and(|c| line.trim_start().starts_with(c)) {
            continue;
        }
        for url in ssh_in_line(line) {
            // One warning per repository: `#commit` and `?rev=` pin the same one.
            let url = url.split(['#', '?']).next().unwrap_or("").to_string();
            if !seen.contains(&url) {
                seen.push(url);
            }
        }
    }
    for url in seen {
        if let Some(https) = ssh_to_https(&url) {
            s.ssh_warning(origin, &url, &https);
        }
    }
}

/// The SSH URLs in one line: `git+ssh://…` and `ssh://…` anywhere in a token, and
/// scp-like `user@host:path` tokens whose host is a dotted name.
fn ssh_in_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let is_sep = |c: char| c.is_whitespace() || "\"'`,;{}[]()<>=".contains(c);
    for token in line.split(is_sep).filter(|t| !t.is_empty()) {
        let token = token.trim_end_matches(':');
        if let Some(i) = token.find("ssh://") {
            let start = if token[..i].ends_with("git+") {
                i - 4
            } else {
                i
            };
            out.push(token[start..].to_string());
            continue;
        }
        // `name@git@host:o/r` (yarn.lock keys) → the part after the package name.
        let candidate = match token.match_indices('@').nth(1) {
            Some((j, _)) if !token.starts_with('@') => {
                &token[token[..j].rfind('@').map_or(0, |k| k + 1)..]
            }
            _ => token,
        };
        if scp_like(candidate) {
            out.push(candidate.to_string());
        }
    }
    out
}

/// `user@host.name:path`: a user of plain characters, a dotted host name whose labels are
/// not all digits (not `pkg@1.2.3:`), and a path.
fn scp_like(s: &str) -> bool {
    let Some((user, rest)) = s.split_once('@') else {
        return false;
    };
    let Some((host, path)) = rest.split_once(':') else {
        return false;
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    !user.is_empty()
        && user.chars().all(plain)
        && host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        && !host
            .split('.')
            .all(|l| l.chars().all(|c| c.is_ascii_digit()))
        && !path.is_empty()
        && !path.starts_with('/')
        && !path.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(name: &str, text: &str) -> Vec<String> {
        let mut s = Sources::default();
        ssh_urls(&mut s, name, name, text);
        s.warnings
    }

    #[test]
    fn every_lockfile_format_gets_the_warning() {
        let cases = [
            (
                "package-lock.json",
                r#"{"packages":{"node_modules/x":{"resolved":"git+ssh://git@github.com/o/x.git#abc"}}}"#,
            ),
            (
                "yarn.lock",
                "\"x@git+ssh://git@github.com/o/x.git\":\n  resolved \"git+ssh://git@github.com/o/x.git#abc\"\n",
            ),
            (
                "pnpm-lock.yaml",
                "packages:\n  x@git+ssh://git@github.com/o/x.git:\n    resolution: {type: git, repo: git+ssh://git@github.com/o/x.git, commit: abc}\n",
            ),
            (
                "poetry.lock",
                "[package.source]\ntype = \"git\"\nurl = \"ssh://git@github.com/o/x.git\"\n",
            ),
            (
                "uv.lock",
                "[[package]]\nname = \"x\"\nsource = { git = \"ssh://git@github.com/o/x.git?rev=1#abc\" }\n",
            ),
            (
                "Pipfile.lock",
                r#"{"default":{"x":{"git":"ssh://git@github.com/o/x.git","ref":"abc"}}}"#,
            ),
            (
                "Gemfile.lock",
                "GIT\n  remote: git@github.com:o/x.git\n  revision: abc\n",
            ),
            (
                "composer.lock",
                r#"{"packages":[{"source":{"type":"git","url":"git@github.com:o/x.git"}}]}"#,
            ),
        ];
        for (name, text) in cases {
            let w = warnings(name, text);
            assert_eq!(w.len(), 1, "{name}: {w:?}");
            assert!(w[0].contains("over SSH"), "{name}: {w:?}");
            assert!(w[0].contains("https://github.com/o/x.git"), "{name}: {w:?}");
        }
    }

    #[test]
    fn versions_scopes_and_comments_are_not_ssh() {
        let yarn = "# yarn lockfile v1\n# git@github.com:o/commented.git\n\"@scope/a@^1.2.3\":\n  version \"1.2.3\"\n  resolved \"https://registry.yarnpkg.com/a/-/a-1.2.3.tgz\"\nlodash@4.17.21:\n  version \"4.17.21\"\n\"b@npm:c@1.0.0\":\n";
        assert!(warnings("yarn.lock", yarn).is_empty());
        let pnpm = "lockfileVersion: '9.0'\n# ssh://git@github.com/o/x\n";
        assert!(warnings("pnpm-lock.yaml", pnpm).is_empty());
    }
}
