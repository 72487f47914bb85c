//! The command's own messages, read for what they say was refused: the fallback when no
//! trace is available, and, with one, the names a trace cannot give (the host a tool tried
//! to resolve itself). Everything here is what the command printed, so it is a guess: a
//! command can print any of it. Each pattern comes from a real tool's output (the corpus
//! in `tests/learn-corpus/` holds them).

use std::path::PathBuf;

use super::evidence::Kind;
use crate::env::Env;

/// One thing a line of the command's output says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub kind: Kind,
    /// The path (absolute) or host the line names.
    pub target: String,
    /// The other path of a cross-device rename.
    pub to: Option<String>,
    /// `EROFS`, `EACCES`, `EPERM`, `EXDEV`, `ENOENT`, `EAI_AGAIN`, or the tool's own words.
    pub error: String,
    pub raw: String,
}

/// (marker text, errno) for the system errors a refused write or read shows as.
const ERRNO_MARKERS: &[(&str, &str)] = &[
    ("Read-only file system", "EROFS"),
    ("read-only file system", "EROFS"),
    ("EROFS", "EROFS"),
    ("os error 30", "EROFS"),
    ("Errno 30", "EROFS"),
    ("Permission denied", "EACCES"),
    ("permission denied", "EACCES"),
    ("EACCES", "EACCES"),
    ("os error 13", "EACCES"),
    ("Errno 13", "EACCES"),
    ("Operation not permitted", "EPERM"),
    ("EPERM", "EPERM"),
    ("Invalid cross-device link", "EXDEV"),
    ("EXDEV", "EXDEV"),
    ("os error 18", "EXDEV"),
    ("Errno 18", "EXDEV"),
];

/// Tools' own words for "I could not write there", each with the tool it comes from.
const NOT_WRITABLE: &[(&str, &str)] = &[
    // pip: "The directory '/h/.cache/pip' or its parent directory is not owned or is not
    // writable by the current user."
    ("is not writable by the current user", "pip: not writable"),
    // virtualenv: "argument dest: the destination . is not write-able at /h"
    ("is not write-able at", "virtualenv: not write-able"),
    // Hatch: "Unable to create config file located at `/h/.config/hatch/config.toml`."
    (
        "Unable to create config file located at",
        "Hatch: unable to create config file",
    ),
    // Bundler: "`/h` is not writable."
    ("` is not writable.", "Bundler: not writable"),
];

/// Words a tool prints when it resolved a host itself, without srt's proxy (there is no
/// DNS inside the sandbox), and where the host name follows.
const NO_DNS: &[&str] = &[
    "getaddrinfo EAI_AGAIN ",
    "getaddrinfo ENOTFOUND ",
    "Could not resolve host: ",
    "dial tcp: lookup ",
    "UnknownHostException: ",
    "nodename nor servname provided, or not known: ",
];

/// What each line of the command's output says was refused.
pub fn scan(lines: &[String], env: &Env) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(host) = direct_host(line) {
            hits.push(Hit {
                kind: Kind::Direct,
                target: host,
                to: None,
                error: if line.contains("EAI_AGAIN") {
                    "EAI_AGAIN".into()
                } else {
                    "no DNS".into()
                },
                raw: line.clone(),
            });
            continue;
        }
        let errno = ERRNO_MARKERS
            .iter()
            .find(|(m, _)| line.contains(m))
            .map(|(_, e)| *e)
            .or_else(|| {
                // Node's recursive mkdir under a read-only tree: "ENOENT: no such file or
                // directory, mkdir '/h/.npm'" (the parent cannot be made, so ENOENT).
                (line.contains("ENOENT") && line.contains("mkdir")).then_some("ENOENT")
            });
        let words = NOT_WRITABLE
            .iter()
            .find(|(m, _)| line.contains(m))
            .map(|(_, w)| *w);
        let Some(error) = words.or(errno) else {
            continue;
        };
        let mut paths = paths_in(line, env);
        if paths.is_empty() && words.is_none() {
            // cargo and others name the path a line or two before the error's cause.
            for prev in lines[i.saturating_sub(3)..i].iter().rev() {
                if prev.trim_start().starts_with("at ") {
                    continue;
                }
                paths = paths_in(prev, env);
                if !paths.is_empty() {
                    break;
                }
            }
        }
        if error == "EXDEV" {
            if let Some(from) = paths.first() {
                hits.push(Hit {
                    kind: Kind::Move,
                    target: from.display().to_string(),
                    to: paths.get(1).map(|p| p.display().to_string()),
                    error: error.into(),
                    raw: line.clone(),
                });
            }
            continue;
        }
        let kind = if error == "EACCES" {
            // Read or write: decided against the policy (what it leaves unreadable).
            Kind::Read
        } else {
            Kind::Write
        };
        for p in paths {
            hits.push(Hit {
                kind,
                target: p.display().to_string(),
                to: None,
                error: error.into(),
                raw: line.clone(),
            });
        }
    }
    hits
}

fn direct_host(line: &str) -> Option<String> {
    for marker in NO_DNS {
        if let Some(i) = line.find(marker) {
            let rest = &line[i + marker.len()..];
            let host: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            if crate::hosts::validate(&host).is_ok() {
                return Some(host);
            }
        }
    }
    // Python: "Failed to establish a new connection: [Errno -3] Temporary failure in name
    // resolution" with "HTTPSConnectionPool(host='pypi.org', ...)" on the same line.
    if line.contains("Temporary failure in name resolution")
        || line.contains("Name or service not known")
    {
        let host = line.split("host='").nth(1)?.split('\'').next()?;
        let host = host.to_ascii_lowercase();
        return crate::hosts::validate(&host).is_ok().then_some(host);
    }
    None
}

/// The absolute (or `~/`) paths a line names: quoted ones first (they may hold spaces),
/// then bare words.
pub fn paths_in(line: &str, env: &Env) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim_end_matches([':', '.', ',', ';']);
        let p = if let Some(rest) = s.strip_prefix("~/") {
            env.home.join(rest)
        } else if s.starts_with('/') && !s.starts_with("//") && s.len() > 1 {
            PathBuf::from(s)
        } else {
            return;
        };
        let p = crate::env::normalize(&p);
        if !out.contains(&p) {
            out.push(p);
        }
    };
    // Quoted segments are taken whole and blanked out, so their words are not taken again.
    let mut bare = line.to_string();
    for (open, close) in [('\'', '\''), ('"', '"'), ('`', '`'), ('‘', '’'), ('“', '”')] {
        let mut from = 0;
        while let Some(i) = bare[from..].find(open).map(|i| i + from) {
            let start = i + open.len_utf8();
            let Some(j) = bare[start..].find(close).map(|j| j + start) else {
                break;
            };
            let inner = bare[start..j].to_string();
            if inner.starts_with('/') || inner.starts_with("~/") {
                push(&inner);
                let end = j + close.len_utf8();
                bare.replace_range(i..end, &" ".repeat(end - i));
                from = end;
            } else {
                from = start;
            }
        }
    }
    for word in bare.split(|c: char| c.is_whitespace() || "'\"`‘’“”,;()[]{}<>=".contains(c))
    {
        push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            vars: Default::default(),
            home: PathBuf::from("/h"),
            os: crate::env::Os::Linux,
        }
    }

    fn scan_text(text: &str) -> Vec<(Kind, String, String)> {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        scan(&lines, &env())
            .into_iter()
            .map(|h| (h.kind, h.target, h.error))
            .collect()
    }

    #[test]
    fn paths_from_quotes_and_words() {
        let e = env();
        assert_eq!(
            paths_in(
                "mkdir: cannot create directory ‘/h/a b’: Read-only file system",
                &e
            ),
            vec![PathBuf::from("/h/a b")]
        );
        assert_eq!(
            paths_in(
                "Read-only file system (os error 30) at path \"/h/.cache/uv/.tmpX\"",
                &e
            ),
            vec![PathBuf::from("/h/.cache/uv/.tmpX")]
        );
        assert_eq!(
            paths_in("see ~/.npm/_logs.", &e),
            vec![PathBuf::from("/h/.npm/_logs")]
        );
        assert!(paths_in("https://example.com/x //net", &e).is_empty());
    }

    #[test]
    fn each_kind_of_message() {
        assert_eq!(
            scan_text("npm error code ENOENT\nnpm error syscall mkdir\nnpm error Error: ENOENT: no such file or directory, mkdir '/h/.npm/_cacache'"),
            vec![(Kind::Write, "/h/.npm/_cacache".into(), "ENOENT".into())]
        );
        assert_eq!(
            scan_text("error: failed to create directory `/h/.cargo/registry/cache/x`\n\nCaused by:\n  Read-only file system (os error 30)"),
            vec![(Kind::Write, "/h/.cargo/registry/cache/x".into(), "EROFS".into())]
        );
        assert_eq!(
            scan_text("Error: EACCES: permission denied, open '/h/.yarnrc'"),
            vec![(Kind::Read, "/h/.yarnrc".into(), "EACCES".into())]
        );
        assert_eq!(
            scan_text("➤ YN0001: │ RequestError: getaddrinfo EAI_AGAIN registry.yarnpkg.com"),
            vec![(
                Kind::Direct,
                "registry.yarnpkg.com".into(),
                "EAI_AGAIN".into()
            )]
        );
        assert_eq!(
            scan_text(
                "virtualenv: error: argument dest: the destination . is not write-able at /h"
            ),
            vec![(
                Kind::Write,
                "/h".into(),
                "virtualenv: not write-able".into()
            )]
        );
        assert_eq!(
            scan_text("Unable to create config file located at `/h/.config/hatch/config.toml`. Please check your permissions."),
            vec![(Kind::Write, "/h/.config/hatch/config.toml".into(), "Hatch: unable to create config file".into())]
        );
        let h = scan(
            &["error: could not rename component file from '/h/.rustup/tmp/a' to '/h/.rustup/toolchains/a': Invalid cross-device link (os error 18)".to_string()],
            &env(),
        );
        assert_eq!(h[0].kind, Kind::Move);
        assert_eq!(h[0].to.as_deref(), Some("/h/.rustup/toolchains/a"));
        assert!(scan_text("    at Object.<anonymous> (/usr/lib/x.js:1:1)\nall good").is_empty());
    }
}
