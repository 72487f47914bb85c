//! The environment a run sees (variables, home, platform), passed in explicitly so that
//! path templates expand the same way in tests as for a user.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The platforms srt runs on and the catalog spells paths for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Linux,
    Macos,
}

impl Os {
    pub fn current() -> Option<Os> {
        if cfg!(target_os = "linux") {
            Some(Os::Linux)
        } else if cfg!(target_os = "macos") {
            Some(Os::Macos)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Macos => "macos",
        }
    }
}

/// Variables, home directory and platform of one run.
#[derive(Debug, Clone)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
    pub home: PathBuf,
    pub os: Os,
}

impl Env {
    /// The process environment. Fails only where there is no home directory at all.
    pub fn from_process() -> Option<Env> {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)?;
        Some(Env {
            vars,
            home,
            os: Os::current().unwrap_or(Os::Linux),
        })
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `$XDG_CONFIG_HOME` or `~/.config` (also on macOS, as most CLI tools do).
    pub fn config_dir(&self) -> PathBuf {
        match self.var("XDG_CONFIG_HOME") {
            Some(d) if Path::new(d).is_absolute() => PathBuf::from(d),
            _ => self.home.join(".config"),
        }
    }

    /// Expands a catalog path template for one platform and spells the result as srt reads
    /// it: `~/...` under the home directory, absolute elsewhere, `./...` for project paths.
    /// `None` when the template expands to nothing (an unset optional variable) or to a
    /// relative path that is not spelled `./` (a relative override, which would mean
    /// something else in srt's working directory).
    ///
    /// Variables are read only when `os` is the current platform: another platform's
    /// defaults are spelled as that platform's documentation gives them.
    pub fn expand_path(&self, template: &str, os: Os) -> Option<String> {
        let spelled = self.expand_unresolved(template, os)?;
        if spelled.starts_with("./") || spelled == "." {
            return Some(spelled);
        }
        let abs = self.absolute(&spelled, Path::new(""));
        let abs = if os == self.os {
            resolve_symlinks(&abs)
        } else {
            abs
        };
        Some(self.tilde(&abs))
    }

    /// [`Env::expand_path`] without following links: the path as the template names it
    /// (`~/...`, absolute, or `./...`).
    pub fn expand_unresolved(&self, template: &str, os: Os) -> Option<String> {
        let expanded = expand(template, &|name| {
            if os == self.os {
                self.var(name)
            } else {
                None
            }
        });
        let expanded = expanded.trim_end_matches('/');
        if expanded.is_empty() {
            return None;
        }
        if expanded == "." || expanded.starts_with("./") {
            return Some(expanded.to_string());
        }
        if expanded == "~" || expanded.starts_with("~/") || Path::new(expanded).is_absolute() {
            Some(expanded.to_string())
        } else {
            None
        }
    }

    /// The folder `var` names when it holds an absolute path (the XDG spec ignores a
    /// relative one, and so does srt-gen for every such variable), else `default` under
    /// the home: `folder("XDG_CACHE_HOME", ".cache")`.
    pub fn folder(&self, var: &str, default: &str) -> PathBuf {
        self.var(var)
            .filter(|d| Path::new(d).is_absolute())
            .map_or_else(|| self.home.join(default), PathBuf::from)
    }

    /// `~/x` for a path under the home directory, the path itself otherwise.
    pub fn tilde(&self, p: &Path) -> String {
        let under = |home: &Path| {
            if p == home {
                Some("~".to_string())
            } else {
                p.strip_prefix(home)
                    .ok()
                    .map(|rest| format!("~/{}", rest.display()))
            }
        };
        // The home as spelled first: resolving it is a realpath, and this is called often.
        under(&self.home)
            .or_else(|| under(&resolve_symlinks(&self.home)))
            .unwrap_or_else(|| p.display().to_string())
    }

    /// The inverse of [`Env::tilde`]: an absolute path for `~/x`, `./x` relative to `project`.
    pub fn absolute(&self, spelled: &str, project: &Path) -> PathBuf {
        if spelled == "~" {
            self.home.clone()
        } else if let Some(rest) = spelled.strip_prefix("~/") {
            self.home.join(rest)
        } else if Path::new(spelled).is_absolute() {
            PathBuf::from(spelled)
        } else {
            let rest = spelled.strip_prefix("./").unwrap_or(spelled);
            if rest == "." {
                project.to_path_buf()
            } else {
                project.join(rest)
            }
        }
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), without touching the disk: the paths
/// compared with it may not exist yet.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// srt skips a write path that is a symlink pointing elsewhere, so emit where it leads:
/// the longest existing prefix is canonicalized and the rest appended.
pub fn resolve_symlinks(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    loop {
        // Only a path that is there resolves: one lstat a level up to it, then one realpath
        // (which reads each link on the way), not a failing realpath at every level.
        if let Ok(canon) = existing
            .symlink_metadata()
            .and_then(|_| existing.canonicalize())
        {
            let mut out = canon;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// Expands `${VAR}`, `${VAR:-default}` (defaults may nest) and `${VAR:+text}` (the text
/// when VAR is set, else nothing). `${VAR[0]...}` takes the first entry of a `:`-separated
/// list (GOPATH, JULIA_DEPOT_PATH: the tools write into the first one). Unset or empty
/// variables take their default, or the empty string.
pub(crate) fn expand<'a>(t: &str, lookup: &dyn Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let body_start = start + 2;
        let end = matching_brace(rest, body_start).unwrap_or(rest.len());
        let body = &rest[body_start..end.min(rest.len())];
        let (name, op, arg) = split_body(body);
        let (name, first) = match name.strip_suffix("[0]") {
            Some(n) => (n, true),
            None => (name, false),
        };
        let value = lookup(name).map(|v| {
            if first {
                v.split(':').next().unwrap_or("")
            } else {
                v
            }
        });
        let value = value.filter(|v| !v.is_empty());
        match (op, value) {
            (Some(":+"), Some(_)) => out.push_str(&expand(arg, lookup)),
            (Some(":+"), None) => {}
            (_, Some(v)) => out.push_str(v),
            (Some(_), None) => out.push_str(&expand(arg, lookup)),
            (None, None) => {}
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// `NAME`, `NAME:-default` or `NAME:+text`, split at the first operator.
fn split_body(body: &str) -> (&str, Option<&'static str>, &str) {
    let at = |op: &str| body.find(op);
    match (at(":-"), at(":+")) {
        (Some(d), Some(p)) if p < d => (&body[..p], Some(":+"), &body[p + 2..]),
        (Some(d), _) => (&body[..d], Some(":-"), &body[d + 2..]),
        (None, Some(p)) => (&body[..p], Some(":+"), &body[p + 2..]),
        (None, None) => (body, None, ""),
    }
}

fn matching_brace(s: &str, from: usize) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in s[from..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(from + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Checks a template's shape: balanced `${...}`, variable names (with an optional `[0]`),
/// the operators `:-` and `:+`, and a start that srt can read (`~`, `/`, `./`, or a variable).
pub fn check_template(t: &str) -> Result<(), String> {
    check_inner(t)?;
    let starts_ok = t.is_empty()
        || t.starts_with('~')
        || t.starts_with('/')
        || t.starts_with("./")
        || t == "."
        || t.starts_with("${");
    if !starts_ok {
        return Err("must start with `~`, `/`, `./` or `${`".into());
    }
    Ok(())
}

/// The `${...}` syntax of a template or of a value template (which may start anywhere).
pub fn check_inner(t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(start) = rest.find("${") {
        if rest[..start].contains('$') {
            return Err("write variables as `${NAME}`".into());
        }
        let end = matching_brace(rest, start + 2).ok_or("unclosed `${`")?;
        let body = &rest[start + 2..end];
        let (name, _, arg) = split_body(body);
        let name = name.strip_suffix("[0]").unwrap_or(name);
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad variable name `{name}`"));
        }
        if !arg.is_empty() {
            check_inner(arg)?;
        }
        rest = &rest[end + 1..];
    }
    if rest.contains('$') {
        return Err("write variables as `${NAME}`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: PathBuf::from("/nonexistent-home/u"),
            os: Os::Linux,
        }
    }

    #[test]
    fn defaults_nest_and_variables_win() {
        let t = "${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/pip}";
        assert_eq!(env(&[]).expand_path(t, Os::Linux).unwrap(), "~/.cache/pip");
        let e = env(&[("XDG_CACHE_HOME", "/nonexistent-xdg")]);
        assert_eq!(e.expand_path(t, Os::Linux).unwrap(), "/nonexistent-xdg/pip");
        let e = env(&[
            ("PIP_CACHE_DIR", "/nonexistent-home/u/pc"),
            ("XDG_CACHE_HOME", "/x"),
        ]);
        assert_eq!(e.expand_path(t, Os::Linux).unwrap(), "~/pc");
    }

    #[test]
    fn other_platform_ignores_this_machines_variables() {
        let e = env(&[("CARGO_HOME", "/opt/cargo")]);
        assert_eq!(
            e.expand_path("${CARGO_HOME:-~/.cargo}/registry", Os::Macos)
                .unwrap(),
            "~/.cargo/registry"
        );
        assert_eq!(
            e.expand_path("${CARGO_HOME:-~/.cargo}/registry", Os::Linux)
                .unwrap(),
            "/opt/cargo/registry"
        );
    }

    #[test]
    fn empty_and_relative_expansions_are_dropped() {
        assert_eq!(
            env(&[]).expand_path("${CARGO_TARGET_DIR:-}", Os::Linux),
            None
        );
        let e = env(&[("CARGO_TARGET_DIR", "rel/target")]);
        assert_eq!(e.expand_path("${CARGO_TARGET_DIR:-}", Os::Linux), None);
        assert_eq!(
            env(&[]).expand_path("./.srt.json", Os::Linux).unwrap(),
            "./.srt.json"
        );
        assert_eq!(env(&[]).expand_path(".", Os::Linux).unwrap(), ".");
    }

    #[test]
    fn alternates_and_first_list_entries() {
        let berry = "${YARN_GLOBAL_FOLDER:-${XDG_DATA_HOME:+${XDG_DATA_HOME}/yarn/berry}}";
        assert_eq!(env(&[]).expand_path(berry, Os::Linux), None);
        let e = env(&[("XDG_DATA_HOME", "/nonexistent-d")]);
        assert_eq!(
            e.expand_path(berry, Os::Linux).unwrap(),
            "/nonexistent-d/yarn/berry"
        );
        let go = "${GOPATH[0]:-~/go}/pkg/sumdb";
        assert_eq!(
            env(&[]).expand_path(go, Os::Linux).unwrap(),
            "~/go/pkg/sumdb"
        );
        let e = env(&[("GOPATH", "/nonexistent-a:/nonexistent-b")]);
        assert_eq!(
            e.expand_path(go, Os::Linux).unwrap(),
            "/nonexistent-a/pkg/sumdb"
        );
        // An empty first entry is no entry: the default applies.
        let e = env(&[("GOPATH", ":/nonexistent-b")]);
        assert_eq!(e.expand_path(go, Os::Linux).unwrap(), "~/go/pkg/sumdb");
        assert!(check_template(go).is_ok());
        assert!(check_template(berry).is_ok());
        assert!(check_template("${A[1]:-~/x}").is_err());
        assert!(check_inner("-Dx=${A}/y $B").is_err());
        assert!(check_inner("-Dx=${A:+${A} }y").is_ok());
    }

    #[test]
    fn templates_are_checked() {
        assert!(check_template("${A:-~/x}/y").is_ok());
        assert!(check_template("${A").is_err());
        assert!(check_template("$HOME/x").is_err());
        assert!(check_template("relative/x").is_err());
        assert!(check_template("${A B}").is_err());
    }
}
