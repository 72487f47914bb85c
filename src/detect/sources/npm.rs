//! Node package managers: registries in `.npmrc` (npm, pnpm) and `.yarnrc.yml` (Yarn
//! Berry), and git or URL dependencies in `package.json`.

use super::Sources;

/// The public registry hosts a private registry can stand in for.
pub(super) const NPM_PUBLIC: &[&str] = &["registry.npmjs.org"];
const YARN_PUBLIC: &[&str] = &["registry.yarnpkg.com"];

/// `registry=URL` and `@scope:registry=URL`; `tools` read this file.
pub(super) fn npmrc(s: &mut Sources, origin: &str, in_project: bool, text: &str, tools: &[&str]) {
    for line in text.lines() {
        let line = line.trim();
        // npm's ini parser: whole-line comments start with `#` or `;` (npm/ini).
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim().trim_matches('"'));
        let is_registry = k == "registry" || (k.starts_with('@') && k.ends_with(":registry"));
        if is_registry && v.contains("${") {
            s.warnings.push(format!(
                "{origin}: `{k}` uses an environment variable; srt-gen cannot tell its host"
            ));
            continue;
        }
        if k == "registry" {
            s.url(origin, in_project, v);
            if in_project {
                s.replace(origin, in_project, NPM_PUBLIC, tools);
            } else {
                // The sandbox cannot read ~/.npmrc (it holds tokens), so npm inside does
                // not see its registry: keep the public hosts, and say how to carry it in.
                s.warnings.push(format!(
                    "{origin} names a registry, but the sandbox cannot read {origin} (it holds tokens): \
                     put `registry=` in the project's .npmrc or set npm_config_registry"
                ));
            }
        } else if k.starts_with('@') && k.ends_with(":registry") {
            s.url(origin, in_project, v);
        }
    }
}

/// `npmRegistryServer:` at the top level (replaces the default) or under `npmScopes`.
pub(super) fn yarnrc(s: &mut Sources, origin: &str, text: &str) {
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if let Some(v) = t.strip_prefix("npmRegistryServer:") {
            let v = yaml_scalar(v);
            if v.is_empty() {
                continue;
            }
            s.url(origin, true, v);
            if indent == 0 {
                s.replace(origin, true, YARN_PUBLIC, &["yarn-berry"]);
            }
        }
    }
}

/// A one-line YAML scalar: quoted (up to its closing quote) or plain (up to a ` #`
/// comment).
fn yaml_scalar(v: &str) -> &str {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(rest) = v.strip_prefix(q) {
            return rest.split(q).next().unwrap_or("");
        }
    }
    let end = v
        .char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || v[..i].ends_with([' ', '\t'])))
        .map_or(v.len(), |(i, _)| i);
    v[..end].trim()
}

/// Git and URL specs in dependency tables: `github:o/r`, `o/r`, `git+https://...`.
pub(super) fn package_json_git(s: &mut Sources, origin: &str, text: &str) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    for table in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        let Some(deps) = v.get(table).and_then(|d| d.as_object()) else {
            continue;
        };
        for spec in deps.values().filter_map(|d| d.as_str()) {
            let hosted = [
                ("github:", "github.com"),
                ("gitlab:", "gitlab.com"),
                ("bitbucket:", "bitbucket.org"),
            ];
            if let Some((_, host)) = hosted.iter().find(|(p, _)| spec.starts_with(p)) {
                s.add(origin, true, host.to_string());
                if *host == "github.com" {
                    // npm fetches GitHub specs as tarballs from codeload (npm-package-arg, hosted-git-info).
                    s.add(origin, true, "codeload.github.com".into());
                }
            } else if is_github_shorthand(spec) {
                s.add(origin, true, "github.com".into());
                s.add(origin, true, "codeload.github.com".into());
            } else if spec.starts_with("git")
                || spec.starts_with("http://")
                || spec.starts_with("https://")
            {
                s.url(origin, true, spec);
            }
        }
    }
}

/// `owner/repo` or `owner/repo#ref`: npm's GitHub shorthand.
pub(super) fn is_github_shorthand(spec: &str) -> bool {
    let base = spec.split('#').next().unwrap_or("");
    let mut parts = base.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none() && !spec.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npmrc_registry_replaces_and_scopes_add() {
        let mut s = Sources::default();
        npmrc(
            &mut s,
            ".npmrc",
            true,
            "registry=https://npm.corp.example/\n@acme:registry=https://acme.example/npm/\n; x=y\n# registry=https://commented.example/\n",
            &["node"],
        );
        let f = &s.found[0];
        assert_eq!(
            f.hosts.iter().collect::<Vec<_>>(),
            ["acme.example", "npm.corp.example"]
        );
        assert!(f.replaces.contains("registry.npmjs.org"));
        assert_eq!(f.tools.iter().collect::<Vec<_>>(), ["node"]);
    }

    #[test]
    fn yarnrc_values_not_comments() {
        let mut s = Sources::default();
        yarnrc(
            &mut s,
            ".yarnrc.yml",
            "# npmRegistryServer: https://commented.example\nnpmRegistryServer: \"https://npm.corp.example\" # our mirror\nnpmScopes:\n  acme:\n    npmRegistryServer: https://acme.example # see https://docs.example\n",
        );
        let f = &s.found[0];
        assert_eq!(
            f.hosts.iter().collect::<Vec<_>>(),
            ["acme.example", "npm.corp.example"]
        );
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn github_shorthands() {
        assert!(is_github_shorthand("expressjs/express"));
        assert!(is_github_shorthand("o/r#v1"));
        assert!(!is_github_shorthand("^1.2.3"));
        assert!(!is_github_shorthand("file:../x"));
        assert!(!is_github_shorthand("./a/b"));
    }
}
