//! Go: GOPROXY, GOSUMDB and the private module patterns, from the environment or go's env
//! file, read by the go command's own rules (`go help goproxy`, `go help module-private`,
//! cmd/go/internal/modfetch/proxy.go):
//!
//! - GOPROXY is a list of proxy URLs separated by `,` or `|`; `direct` and `off` end it
//!   (entries after them are never used). A URL without a scheme gets `https://`.
//! - `direct` fetches a module from its origin: the host that is the first element of the
//!   module path. For the hosting sites the go command knows (github.com, bitbucket.org,
//!   ...) that host serves the repository; for any other path the host answers the
//!   `?go-get=1` lookup whose `go-import` tag names the repository, which srt-gen knows
//!   only for the prefixes the catalog lists (`[[detect.origins]]` in go.toml). So, when
//!   GOPROXY is set and reaches `direct`, the origins of every module go.mod requires are
//!   allowed (the proxies may lack any of them). With GOPROXY unset (the default,
//!   `https://proxy.golang.org,direct`) proxy.golang.org serves every public module and
//!   nothing is added.
//! - Modules matching GONOPROXY (default GOPRIVATE) are always fetched directly, even with
//!   GOPROXY=off: the hosts their patterns name, and the origins of the matching modules.
//! - GOSUMDB=off needs no checksum database; another GOSUMDB names its host. GONOSUMDB
//!   (default GOPRIVATE) leaves modules out of the check and adds no host.

use std::collections::{BTreeMap, BTreeSet};

use crate::env::Env;

use super::{host_of, Origin, Sources};

const PUBLIC_PROXY: &str = "proxy.golang.org";
const PUBLIC_SUMDB: &str = "sum.golang.org";
const VARS: [&str; 5] = ["GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB"];

/// GOPROXY, GOSUMDB, GOPRIVATE/GONOPROXY/GONOSUMDB from the environment or go's env file,
/// with `mods` the project's go.mod files (relative path, text).
pub(super) fn go_env(s: &mut Sources, env: &Env, mods: &[(String, String)], origins: &[&Origin]) {
    let mut vars: BTreeMap<&str, (String, String)> = BTreeMap::new();
    let go_env_file = env
        .var("GOENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env.config_dir().join("go/env"));
    if let Some(text) = super::read_config(&go_env_file) {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                if let Some(name) = VARS.iter().find(|n| k.trim() == **n) {
                    vars.insert(name, (v.trim().to_string(), env.tilde(&go_env_file)));
                }
            }
        }
    }
    for name in VARS {
        if let Some(v) = env.var(name) {
            vars.insert(name, (v.to_string(), format!("${name}")));
        }
    }
    let required: Vec<(String, Vec<String>)> = mods
        .iter()
        .map(|(rel, text)| (rel.clone(), module_paths(text)))
        .collect();

    let mut reaches_direct = false;
    if let Some((v, origin)) = vars.get("GOPROXY") {
        let mut uses_public = false;
        for item in v.split([',', '|']).map(str::trim) {
            match item {
                "" => continue,
                "off" => break,
                "direct" => {
                    reaches_direct = true;
                    break;
                }
                _ => {}
            }
            let url = if item.contains(":/") {
                item.to_string()
            } else {
                format!("https://{item}")
            };
            if host_of(&url).as_deref() == Some(PUBLIC_PROXY) {
                uses_public = true;
            } else if url.starts_with("file:") {
                continue;
            } else {
                s.url(origin, false, &url);
            }
        }
        if !uses_public {
            s.replace(origin, false, &[PUBLIC_PROXY], &["go"]);
        }
    }
    if let Some((v, origin)) = vars.get("GOSUMDB") {
        match sumdb_host(v) {
            None => s.replace(origin, false, &[PUBLIC_SUMDB], &["go"]),
            Some(h) if h == PUBLIC_SUMDB => {}
            Some(h) => {
                s.add(origin, false, h);
                s.replace(origin, false, &[PUBLIC_SUMDB], &["go"]);
            }
        }
    }
    if reaches_direct {
        let (_, origin) = &vars["GOPROXY"];
        let why = format!("{origin} ends in `direct`");
        for (rel, paths) in &required {
            add_origins(s, rel, &why, paths.iter().map(String::as_str), origins);
        }
    }

    // Private module paths are fetched directly from their hosts.
    let private = vars.get("GONOPROXY").or_else(|| vars.get("GOPRIVATE"));
    if let Some((v, origin)) = private {
        let patterns: Vec<&str> = v
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        for pattern in &patterns {
            let host = pattern.split('/').next().unwrap_or("");
            if crate::hosts::validate(host).is_ok()
                && !host[host.starts_with("*.") as usize * 2..].contains(['*', '?', '['])
            {
                s.add(origin, false, host.to_ascii_lowercase());
            } else {
                s.warnings.push(format!(
                    "{origin}: `{pattern}` does not start with a host name srt can allow; \
                     allow the hosts of the matching modules by hand"
                ));
            }
        }
        let why = format!("they match {origin}");
        for (rel, paths) in &required {
            let matching = paths
                .iter()
                .filter(|p| patterns.iter().any(|pat| match_prefix(pat, p)))
                .map(String::as_str);
            add_origins(s, rel, &why, matching, origins);
        }
    }
}

/// The origin hosts of `paths`, recorded as chosen by `rel` (the go.mod that requires
/// them), with a warning for the paths whose repository host only their `go-import`
/// tag names.
fn add_origins<'a>(
    s: &mut Sources,
    rel: &str,
    why: &str,
    paths: impl Iterator<Item = &'a str>,
    origins: &[&Origin],
) {
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for path in paths {
        let Some(host) = path.split('/').next().filter(|h| h.contains('.')) else {
            continue;
        };
        if crate::hosts::validate(host).is_err() {
            continue;
        }
        s.add(rel, true, host.to_ascii_lowercase());
        if let Some(o) = origins
            .iter()
            .filter(|o| path.starts_with(&o.prefix) || format!("{path}/") == o.prefix)
            .max_by_key(|o| o.prefix.len())
        {
            for h in &o.hosts {
                s.add(rel, true, h.clone());
            }
        } else if !KNOWN_HOSTING.contains(&host) {
            unknown.insert(host.to_string());
        }
    }
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.into_iter().collect();
        s.warnings.push(format!(
            "{rel}: go fetches these modules directly ({why}) and asks {} where each one's \
             repository is (its go-import tag); the host that tag names is not known until \
             then: `srt-gen learn -- go mod download` names it",
            list.join(", ")
        ));
    }
}

/// The code hosts the go command maps to repositories without a `go-import` lookup
/// (`go help importpath`, "Remote import paths"; cmd/go/internal/vcs `vcsPaths`).
const KNOWN_HOSTING: &[&str] = &[
    "github.com",
    "bitbucket.org",
    "launchpad.net",
    "hub.jazz.net",
    "git.apache.org",
    "git.openstack.org",
    "chiselapp.com",
];

/// GOSUMDB's host: `None` for `off`; `name[+key] [url]` otherwise.
fn sumdb_host(v: &str) -> Option<String> {
    let v = v.trim();
    if v == "off" {
        return None;
    }
    let mut words = v.split_whitespace();
    let name = words.next().unwrap_or(PUBLIC_SUMDB);
    if let Some(url) = words.next() {
        return host_of(url).or_else(|| host_of(&format!("https://{url}")));
    }
    let host = name.split('+').next().unwrap_or(name);
    host_of(&format!("https://{host}"))
}

/// The module paths a go.mod requires (and replaces with other modules), in file order.
pub(super) fn module_paths(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut block: Option<&str> = None;
    for raw in text.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (verb, rest) = match block {
            Some(_) if line == ")" => {
                block = None;
                continue;
            }
            Some(b) => (b, line),
            None => {
                let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let rest = rest.trim();
                if rest == "(" {
                    block = Some(match verb {
                        "require" => "require",
                        "replace" => "replace",
                        _ => "other",
                    });
                    continue;
                }
                (verb, rest)
            }
        };
        let path = match verb {
            "require" => rest.split_whitespace().next(),
            // `old [v] => new [v]`: the new side, when it is a module and not a folder.
            "replace" => rest
                .split_once("=>")
                .and_then(|(_, new)| new.split_whitespace().next())
                .filter(|p| !p.starts_with(['.', '/'])),
            _ => None,
        };
        if let Some(p) = path.map(|p| p.trim_matches('"')) {
            if !p.is_empty() && !out.iter().any(|o| o == p) {
                out.push(p.to_string());
            }
        }
    }
    out
}

/// `module.MatchPrefixPatterns` for one pattern: the pattern's path elements, as globs,
/// match the first as many elements of `path`.
fn match_prefix(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    let pats: Vec<&str> = pattern.split('/').collect();
    let elems: Vec<&str> = path.split('/').collect();
    pats.len() <= elems.len()
        && pats
            .iter()
            .zip(&elems)
            .all(|(p, e)| crate::detect::markers::glob_match(p, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_MOD: &str = "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/net v0.20.0 // indirect\n\tgit.corp.example/team/lib v1.0.0\n\t// gitlab.com/commented/out v1.0.0\n)\n\nrequire gopkg.in/yaml.v3 v3.0.1\n\nreplace github.com/old/x => github.com/new/x v1.2.3\nreplace example.com/local => ./local\n";

    fn env(vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: std::path::PathBuf::from("/nonexistent-home"),
            os: crate::env::Os::Linux,
        }
    }

    fn run(vars: &[(&str, &str)]) -> Sources {
        let o = Origin {
            prefix: "golang.org/x/".into(),
            hosts: vec!["go.googlesource.com".into()],
            source: "test".into(),
        };
        let origins = [&o];
        let mut s = Sources::default();
        go_env(
            &mut s,
            &env(vars),
            &[("go.mod".into(), GO_MOD.into())],
            &origins,
        );
        s
    }

    fn hosts<'a>(s: &'a Sources, key: &str) -> Vec<&'a str> {
        s.found
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.hosts.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn go_mod_paths_without_comments_or_folders() {
        assert_eq!(
            module_paths(GO_MOD),
            [
                "github.com/pkg/errors",
                "golang.org/x/net",
                "git.corp.example/team/lib",
                "gopkg.in/yaml.v3",
                "github.com/new/x"
            ]
        );
    }

    #[test]
    fn direct_after_a_proxy_allows_the_origins_of_go_mods_requirements() {
        let s = run(&[(
            "GOPROXY",
            "https://corp-proxy.example,direct,https://never.example",
        )]);
        assert_eq!(hosts(&s, "env:GOPROXY"), ["corp-proxy.example"]);
        assert_eq!(
            hosts(&s, "file:go.mod"),
            [
                "git.corp.example",
                "github.com",
                "go.googlesource.com",
                "golang.org",
                "gopkg.in"
            ]
        );
        let proxy = s.found.iter().find(|f| f.key == "env:GOPROXY").unwrap();
        assert!(proxy.replaces.contains("proxy.golang.org"));
        assert!(
            s.warnings.iter().any(|w| w.contains("gopkg.in")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn off_and_a_proxy_alone_add_no_origins() {
        let s = run(&[("GOPROXY", "off")]);
        assert!(hosts(&s, "file:go.mod").is_empty());
        let s = run(&[("GOPROXY", "corp-proxy.example")]);
        assert_eq!(hosts(&s, "env:GOPROXY"), ["corp-proxy.example"]);
        assert!(hosts(&s, "file:go.mod").is_empty());
        // Unset: the default proxy serves every public module.
        let s = run(&[]);
        assert!(s.found.is_empty(), "{:?}", s.found);
    }

    #[test]
    fn private_patterns_go_direct_even_with_goproxy_off() {
        let s = run(&[
            ("GOPROXY", "off"),
            ("GOPRIVATE", "git.corp.example,*.internal.example/x"),
        ]);
        assert_eq!(
            hosts(&s, "env:GOPRIVATE"),
            ["*.internal.example", "git.corp.example"]
        );
        assert_eq!(hosts(&s, "file:go.mod"), ["git.corp.example"]);
        // GONOPROXY takes GOPRIVATE's place for what is fetched directly.
        let s = run(&[
            ("GOPRIVATE", "git.corp.example"),
            ("GONOPROXY", "none.example"),
        ]);
        assert!(hosts(&s, "env:GOPRIVATE").is_empty());
        assert_eq!(hosts(&s, "env:GONOPROXY"), ["none.example"]);
    }

    #[test]
    fn gosumdb_off_or_elsewhere() {
        let s = run(&[("GOSUMDB", "off")]);
        assert!(s.found[0].replaces.contains("sum.golang.org"));
        let s = run(&[("GOSUMDB", "sum.golang.google.cn")]);
        assert_eq!(hosts(&s, "env:GOSUMDB"), ["sum.golang.google.cn"]);
        let s = run(&[(
            "GOSUMDB",
            "gosum.io+ce6e7565+AY5qEHUk https://gosum.example/x",
        )]);
        assert_eq!(hosts(&s, "env:GOSUMDB"), ["gosum.example"]);
        let s = run(&[("GONOSUMDB", "git.corp.example")]);
        assert!(s.found.is_empty());
    }

    #[test]
    fn prefix_patterns_match_as_go_does() {
        assert!(match_prefix("git.corp.example", "git.corp.example/a/b"));
        assert!(match_prefix("*.corp.example", "git.corp.example/a"));
        assert!(match_prefix("github.com/acme/*", "github.com/acme/x/y"));
        assert!(!match_prefix("github.com/acme/*", "github.com/other/x"));
        assert!(!match_prefix("github.com/acme/x/y", "github.com/acme/x"));
    }
}
