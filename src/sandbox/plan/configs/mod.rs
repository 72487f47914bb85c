//! The user's tool configuration, carried into the sandbox without its secrets (issue 14).
//!
//! Two ways, chosen per tool by the catalog's `[[config]]` entries:
//! - **a copy** without the secret keys (tokens, passwords, key files) and without the
//!   user's own proxy, written by srt-gen before launch under the config root (read-only
//!   inside) or into the tool's sandbox-owned home, and pointed at by the tool's own
//!   variable (`npm_config_userconfig`, `PIP_CONFIG_FILE`, ...). Works on every platform;
//!   the original stays unreadable when it holds a secret.
//! - **srt's file mask** for tools that read the file at a fixed path and abort when it is
//!   unreadable (Yarn 1 and Berry on `~/.npmrc`/`~/.yarnrc.yml`, Deno, cargo's config on
//!   its ancestor walk): on Linux srt shows the file with each secret replaced by a
//!   stand-in (`credentials.files`, `mode: mask`, `extract`). Tokens are never injected:
//!   the stand-in may be swapped back only at [`NEVER_INJECT`], a host the policy both
//!   allows (srt demands that) and denies, so no request ever carries the real token. On
//!   macOS srt has no file masks: the file stays unreadable there, and the note says so.
//!   A file without a secret is simply readable. A file that holds a secret the pattern
//!   does not replace (credentials in a URL, a token in a form the pattern misses) is not
//!   masked but unreadable: the mask would show that secret ([`clean::unmasked`]).
//!
//! Every file is read with `files::read_bounded`; one that is absent, not a regular file,
//! too large, unreadable, not UTF-8 or that does not parse is left out, and the note says
//! which and why: the run goes on without it, never with a wider policy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::catalog::{ConfigEntry, ConfigFormat, Fragment, List};
use crate::env::Os;
use crate::files::Bounded;

use super::{Context, RunPolicy, Staged};

mod clean;

use clean::{sanitize, unmasked};

/// The host a masked file's stand-ins may be swapped back at: allowed and denied at once,
/// so that srt accepts the mask and no connection ever reaches it (`.invalid` never
/// resolves, RFC 2606).
pub const NEVER_INJECT: &str = "srt-gen-never-inject.invalid";

/// The largest configuration file srt-gen reads.
const MAX_CONFIG: u64 = 1024 * 1024;

/// What one user file needs in this run.
#[derive(Debug, Default)]
struct PathPlan {
    /// As the policy spells it (`~/.npmrc`).
    spelled: String,
    /// A copy stands in for it and it holds a secret: unreadable inside.
    deny: bool,
    /// A tool reads it at its own path: how it is shown.
    fixed: Option<Fixed>,

    /// Who reads it, for the notes.
    readers: Vec<String>,
}

/// How a file a tool reads at its own path is shown inside; a later value wins over an
/// earlier one (a file two tools read is shown the narrower way).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fixed {
    /// It holds no secret.
    Readable,
    /// srt's mask replaces every secret in it: the pattern.
    Mask(String),
    /// It holds a secret the mask would show: what.
    Deny(Vec<String>),
}

/// Carries every active fragment's configuration files in (see the module docs). `folder`
/// gives a fragment's own folder by name (for `into`).
pub(super) fn apply(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    active: &[&Fragment],
    folder: &dyn Fn(&Fragment, &str) -> Option<PathBuf>,
) {
    let os = cx.env.os;
    let mut plans: BTreeMap<PathBuf, PathPlan> = BTreeMap::new();
    // Where the sandbox writes: a link there may be its own (to a file of the user's). Not
    // `Untrusted`, which leaves out `/`: a policy that writes everywhere trusts no link.
    let mut writable: Vec<PathBuf> =
        crate::sandbox::srt::write_roots(&p.settings, cx.env, &cx.project.root)
            .iter()
            .map(|r| crate::env::resolve_symlinks(r))
            .collect();
    writable.push(crate::env::resolve_symlinks(&cx.project.root));
    for frag in active {
        for c in &frag.config {
            let Some(template) = c.template(os) else {
                continue;
            };
            let Some(spelled) = cx.env.expand_path(template, os) else {
                continue;
            };
            let named = cx
                .env
                .expand_unresolved(template, os)
                .map(|u| cx.env.absolute(&u, &cx.project.root));
            let planted = named
                .as_ref()
                .and_then(|n| Some((n, planted_link(n, &writable)?)));
            let path = cx.env.absolute(&spelled, &cx.project.root);
            let walked = c.walk.as_deref().is_some_and(|w| {
                cx.project
                    .root
                    .ancestors()
                    .any(|a| crate::env::normalize(&a.join(w)) == path)
            });
            // Where a copy goes, and whether that is inside the tool's sandbox-owned home.
            let copy_to: Option<(PathBuf, bool)> = if walked {
                None
            } else if c.var.is_some() {
                Some((cx.state.config_copy(&frag.name, &file_name(&path)), false))
            } else if let Some(into) = &c.into {
                folder(frag, into).map(|d| (d.join(file_name(&path)), true))
            } else {
                None
            };
            if walked {
                // The tool reads the original; a copy from a run elsewhere must not be read too.
                if let Some(d) = c.into.as_ref().and_then(|i| folder(frag, i)) {
                    let stale = d.join(file_name(&path));
                    if std::fs::symlink_metadata(&stale).is_ok() {
                        stage(cx, p, c, &stale, empty(c), true);
                    }
                }
            }
            let (shown, read) = match &planted {
                // Not read at all: what the link leads to may be any file of the user's.
                Some((named, link)) => (
                    cx.env.tilde(named),
                    Err(format!(
                        "is reached through a link where the sandbox writes ({})",
                        cx.env.tilde(link)
                    )),
                ),
                None => (spelled.clone(), read(&path)),
            };
            let text = match read {
                Ok(t) => t,
                Err(why) => {
                    p.note(
                        "config",
                        format!(
                            "{}: {shown} {why}; left out, the tool runs without your settings there",
                            frag.name
                        ),
                    );
                    None
                }
            };
            let Some(text) = text else {
                // A copy from an earlier run must not outlive the user's file (an empty one
                // takes its place), and a tool that needs the file gets an empty one.
                if let Some((to, in_home)) = &copy_to {
                    let stale = *in_home && std::fs::symlink_metadata(to).is_ok();
                    if stale || c.required {
                        stage(cx, p, c, to, empty(c), *in_home);
                    }
                }
                continue;
            };
            let plan = plans.entry(path.clone()).or_default();
            plan.spelled.clone_from(&spelled);
            plan.readers.push(frag.name.clone());
            let Some((to, in_home)) = copy_to else {
                let left = unmasked(&text, c);
                let now = match &c.mask {
                    _ if !left.is_empty() => Fixed::Deny(left),
                    Some(m) if holds_secret(m, &text) => Fixed::Mask(m.clone()),
                    _ => Fixed::Readable,
                };
                // The first mask stays (one pattern per file: `one_file_one_mask`).
                plan.fixed = match plan.fixed.take() {
                    Some(prev @ Fixed::Mask(_)) if matches!(now, Fixed::Mask(_)) => Some(prev),
                    prev => prev.max(Some(now)),
                };
                continue;
            };
            let copy = match sanitize(&text, c) {
                Ok(s) => s,
                Err(why) => {
                    p.note(
                        "config",
                        format!(
                            "{}: {spelled} does not parse ({why}); left out, the tool runs without your settings there",
                            frag.name
                        ),
                    );
                    let stale = in_home && std::fs::symlink_metadata(&to).is_ok();
                    if stale || c.required {
                        stage(cx, p, c, &to, empty(c), in_home);
                    }
                    continue;
                }
            };
            plan.deny |= copy.secret;
            let how = stage(cx, p, c, &to, copy.text, in_home);
            let left: Vec<&str> = copy.left_out.iter().map(String::as_str).collect();
            let without = if left.is_empty() {
                String::new()
            } else {
                format!(" without {}", left.join(", "))
            };
            p.note(
                "config",
                format!("{}: your {spelled}{without}: {how}", frag.name),
            );
        }
    }
    let mut masked = false;
    let floor_paths: Vec<String> = crate::policy::lint::floor::floor_entries(cx.env, &[os])
        .into_iter()
        .map(|e| e.path)
        .collect();
    for plan in plans.values() {
        let spelled = plan.spelled.as_str();
        let readers = plan.readers.join(", ");
        let floor = floor_paths.iter().any(|f| f == spelled);
        match &plan.fixed {
            Some(Fixed::Readable) if p.remove(List::DenyRead, spelled) => {
                // A base credential deny (the floor) lifted by srt-gen's own reading of the
                // file: the gate takes it as kept (`LintContext::handled`).
                if floor {
                    p.floor_handled.push(spelled.to_string());
                }
                p.note(
                    "config",
                    format!("{readers}: {spelled} holds no token, so it stays readable (the tool reads it at that path)"),
                );
            }
            Some(Fixed::Readable) => {}
            Some(Fixed::Deny(left)) => {
                p.add(List::DenyRead, spelled);
                p.note(
                    "config",
                    format!(
                        "{readers}: {spelled} holds a secret that srt's mask would leave in view ({}), so it stays unreadable; the tool may stop on it: keep the secret in an environment variable that the file names (`${{NPM_TOKEN}}`), which srt-gen withholds",
                        left.join(", ")
                    ),
                );
            }
            Some(Fixed::Mask(pattern)) if os == Os::Linux => {
                p.remove(List::DenyRead, spelled);
                add_mask(p, spelled, pattern);
                masked = true;
                p.note(
                    "config",
                    format!(
                        "{readers}: {spelled} is shown with its tokens replaced by stand-ins that are never sent (srt file mask): the tool keeps your settings, a private registry that needs the token fails inside"
                    ),
                );
            }
            Some(Fixed::Mask(_)) => {
                p.add(List::DenyRead, spelled);
                p.note(
                    "config",
                    format!(
                        "{readers}: {spelled} holds a token and stays unreadable (srt masks files on Linux only); the tool may stop on it: keep the token in an environment variable that the file names (`${{NPM_TOKEN}}`), which srt-gen withholds"
                    ),
                );
            }
            None if plan.deny => {
                p.add(List::DenyRead, spelled);
            }
            None => {}
        }
    }
    if masked {
        p.add(List::AllowedDomains, NEVER_INJECT);
        p.add(List::DeniedDomains, NEVER_INJECT);
        let has_tls = p.settings.network.other.contains_key("tlsTerminate");
        let creds = credentials(p);
        if !has_tls {
            // Masking needs TLS termination or plaintext injection; the stand-ins here may
            // be swapped only at a host that is denied, so plaintext injection sends nothing.
            creds.insert("allowPlaintextInject".into(), Value::Bool(true));
        }
    }
}

/// Writes a copy before launch (merged with one an earlier entry made there, for tools that
/// read two user files into one setting, as pip does), points the entry's variables at it,
/// and says how.
fn stage(
    cx: &Context<'_>,
    p: &mut RunPolicy,
    c: &ConfigEntry,
    to: &Path,
    text: String,
    in_home: bool,
) -> String {
    match p.files.iter_mut().find(|f| f.path == to) {
        Some(f) => {
            let before = String::from_utf8_lossy(&f.bytes).into_owned();
            let merged = if c.format == Some(ConfigFormat::Ini) {
                merge_ini(&before, &text)
            } else if text.is_empty() {
                before
            } else {
                text
            };
            f.bytes = merged.into_bytes();
        }
        None => p.files.push(Staged {
            path: to.to_path_buf(),
            bytes: text.into_bytes(),
        }),
    }
    let shown = cx.env.tilde(to);
    if in_home {
        // The copy sits in the tool's sandbox-owned home: rewritten before every launch,
        // and never changed from inside.
        p.add(List::DenyWrite, &shown);
    }
    let target = if c.var_folder {
        to.parent().unwrap_or(to).to_path_buf()
    } else {
        to.to_path_buf()
    };
    let mut vars: Vec<&String> = c.var.iter().chain(&c.vars).collect();
    vars.dedup();
    for v in &vars {
        p.env_set.insert((*v).clone(), target.display().to_string());
    }
    if vars.is_empty() {
        format!("copied to {shown}")
    } else {
        let names: Vec<&str> = vars.iter().map(|v| v.as_str()).collect();
        format!("a copy at {shown} ({})", names.join(", "))
    }
}

/// Two INI files as one (`b`'s keys win), for a tool that reads both: one section header
/// each and no key twice (Python's configparser refuses either).
pub fn merge_ini(a: &str, b: &str) -> String {
    type Sections = Vec<(String, Vec<(String, Vec<String>)>)>;
    fn parse(text: &str, into: &mut Sections) {
        let mut section = String::new();
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('[') {
                section = t.to_string();
                if !into.iter().any(|(s, _)| *s == section) {
                    into.push((section.clone(), Vec::new()));
                }
                continue;
            }
            if t.is_empty() || t.starts_with(['#', ';']) {
                continue;
            }
            if !into.iter().any(|(s, _)| *s == section) {
                into.push((section.clone(), Vec::new()));
            }
            let keys = &mut into
                .iter_mut()
                .find(|(s, _)| *s == section)
                .expect("added")
                .1;
            let indented = line.len() != line.trim_start().len();
            if indented {
                if let Some(last) = keys.last_mut() {
                    last.1.push(line.to_string());
                }
                continue;
            }
            let key = t
                .split(['=', ':'])
                .next()
                .unwrap_or(t)
                .trim()
                .to_ascii_lowercase();
            keys.retain(|(k, _)| *k != key);
            keys.push((key, vec![line.to_string()]));
        }
    }
    let mut sections: Sections = Vec::new();
    parse(a, &mut sections);
    parse(b, &mut sections);
    let mut out = String::new();
    for (name, keys) in sections {
        if !name.is_empty() {
            out.push_str(&name);
            out.push('\n');
        }
        for (_, lines) in keys {
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out
}

fn credentials(p: &mut RunPolicy) -> &mut serde_json::Map<String, Value> {
    let v = p
        .settings
        .other
        .entry("credentials".to_string())
        .or_insert_with(|| json!({}));
    if !v.is_object() {
        *v = json!({});
    }
    v.as_object_mut().expect("an object")
}

fn add_mask(p: &mut RunPolicy, spelled: &str, pattern: &str) {
    let creds = credentials(p);
    let files = creds
        .entry("files".to_string())
        .or_insert_with(|| json!([]));
    if !files.is_array() {
        *files = json!([]);
    }
    let files = files.as_array_mut().expect("an array");
    files.retain(|f| f.get("path").and_then(Value::as_str) != Some(spelled));
    files.push(json!({
        "path": spelled,
        "mode": "mask",
        "extract": pattern,
        "injectHosts": [NEVER_INJECT],
        "onExtractNoMatch": "deny",
    }));
}

/// A file of the format that holds no setting (an empty JSON file does not parse).
fn empty(c: &ConfigEntry) -> String {
    match c.format {
        Some(ConfigFormat::Json | ConfigFormat::Yaml) => "{}\n".into(),
        _ => String::new(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into())
}

/// The first link on the way to `path` that lies in one of the `writable` folders (each
/// resolved), or `None`. Each link is looked at where it is, its folder resolved; a link
/// to a link is followed hop by hop (at most 40, as the kernel does).
fn planted_link(path: &Path, writable: &[PathBuf]) -> Option<PathBuf> {
    use std::collections::VecDeque;
    use std::path::Component;
    let mut todo: VecDeque<std::ffi::OsString> = VecDeque::new();
    let mut cur = PathBuf::from("/");
    let push_front = |todo: &mut VecDeque<std::ffi::OsString>, p: &Path| {
        for c in p.components().rev() {
            match c {
                Component::Normal(n) => todo.push_front(n.to_os_string()),
                Component::ParentDir => todo.push_front("..".into()),
                _ => {}
            }
        }
    };
    push_front(&mut todo, path);
    let mut hops = 0;
    while let Some(part) = todo.pop_front() {
        if part == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&part);
        match std::fs::read_link(&next) {
            Ok(target) => {
                if writable.iter().any(|w| cur.starts_with(w)) {
                    return Some(next);
                }
                hops += 1;
                if hops > 40 {
                    return None;
                }
                if target.is_absolute() {
                    cur = PathBuf::from("/");
                }
                push_front(&mut todo, &target);
            }
            Err(_) => cur = next,
        }
    }
    None
}

/// The file's text; `None` when it is absent; the reason when it cannot be used.
fn read(path: &Path) -> Result<Option<String>, String> {
    match crate::files::read_bounded(path, MAX_CONFIG) {
        Ok(Bounded::Absent) => Ok(None),
        Ok(Bounded::NotRegular(what)) => Err(format!("is {what}, not a regular file")),
        Ok(Bounded::TooLarge(n)) => Err(format!(
            "is {n} bytes, more than srt-gen reads of a configuration file"
        )),
        Ok(Bounded::Bytes(b)) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| "is not UTF-8 text".to_string()),
        Err(e) => Err(format!("cannot be read ({e})")),
    }
}

/// Whether srt's extract pattern would replace anything in `text`.
pub fn holds_secret(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|re| {
        re.captures_iter(text)
            .any(|c| c.get(1).is_some_and(|g| !g.as_str().is_empty()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_patterns_are_run_as_srt_would() {
        let npmrc = r"(?:^|\n)[ \t]*(?:\S*:)?(?:_authToken|_auth|_password)[ \t]*=[ \t]*([^\r\n]+)";
        assert!(holds_secret(npmrc, "//r.example/:_authToken=abc\n"));
        assert!(holds_secret(npmrc, "nodedir=/usr\n_auth = x"));
        assert!(!holds_secret(
            npmrc,
            "nodedir=/usr\n# _authToken=x is a comment\n"
        ));
        assert!(!holds_secret("([", "x"), "a broken pattern finds nothing");
    }

    #[test]
    fn two_ini_files_merge_with_the_second_winning() {
        let a = "[global]\ntimeout = 10\nindex-url = https://a.example/simple\n[install]\nno-warn-script-location = true\n";
        let b = "[global]\ntimeout = 60\nextra-index-url =\n    https://b.example/simple\n";
        assert_eq!(
            merge_ini(a, b),
            "[global]\nindex-url = https://a.example/simple\ntimeout = 60\nextra-index-url =\n    https://b.example/simple\n[install]\nno-warn-script-location = true\n"
        );
    }
}
