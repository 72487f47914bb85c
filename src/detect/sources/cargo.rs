//! Cargo: registries in `.cargo/config.toml`, and git or other-registry dependencies in
//! `Cargo.lock` and `Cargo.toml`.

use super::Sources;

/// The public hosts a replacement registry stands in for.
const CRATES_PUBLIC: &[&str] = &["index.crates.io", "static.crates.io"];

/// `[source.crates-io] replace-with`, `[source.X] registry`, `[registries.X] index`.
pub(super) fn cargo_config(s: &mut Sources, origin: &str, in_project: bool, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        s.warnings.push(format!(
            "{origin}: not valid TOML, its registries were not read"
        ));
        return;
    };
    let sources = t.get("source").and_then(|v| v.as_table());
    if let Some(name) = sources
        .and_then(|src| src.get("crates-io"))
        .and_then(|c| c.get("replace-with"))
        .and_then(|r| r.as_str())
    {
        let replacement = sources.and_then(|src| src.get(name));
        if let Some(url) = replacement
            .and_then(|r| r.get("registry"))
            .and_then(|u| u.as_str())
        {
            s.url(origin, in_project, url);
        }
        s.replace(origin, in_project, CRATES_PUBLIC, &["rust"]);
    }
    for reg in t
        .get("registries")
        .and_then(|v| v.as_table())
        .into_iter()
        .flat_map(|r| r.values())
    {
        if let Some(url) = reg.get("index").and_then(|u| u.as_str()) {
            s.url(origin, in_project, url);
        }
    }
}

/// `source = "git+https://..."` and other registries in the lockfile.
pub(super) fn cargo_lock(s: &mut Sources, origin: &str, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    for pkg in t
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let Some(src) = pkg.get("source").and_then(|v| v.as_str()) else {
            continue;
        };
        if src == "registry+https://github.com/rust-lang/crates.io-index"
            || src == "sparse+https://index.crates.io/"
        {
            continue;
        }
        let url = src
            .split_once('+')
            .map_or(src, |(_, u)| u)
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        s.url(origin, true, url);
    }
}

/// `git = "..."` in dependency tables (and `[patch.*]`, `[replace]`), for projects
/// without a lockfile. Parsed as TOML: a commented-out dependency is not a value.
pub(super) fn cargo_toml_git(s: &mut Sources, origin: &str, text: &str) {
    let Ok(t) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(t.get(key).and_then(|v| v.as_table()));
        tables.extend(
            t.get("workspace")
                .and_then(|w| w.get(key))
                .and_then(|v| v.as_table()),
        );
    }
    for target in t
        .get("target")
        .and_then(|v| v.as_table())
        .into_iter()
        .flat_map(|t| t.values())
    {
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(target.get(key).and_then(|v| v.as_table()));
        }
    }
    // `[patch.crates-io]`, `[patch."https://..."]`: each patch source is a table of
    // dependencies; `[replace]` maps package ids to dependencies.
    for key in ["patch"] {
        for src in t
            .get(key)
            .and_then(|v| v.as_table())
            .into_iter()
            .flat_map(|t| t.values())
        {
            tables.extend(src.as_table());
        }
    }
    tables.extend(t.get("replace").and_then(|v| v.as_table()));
    for dep in tables.into_iter().flat_map(|t| t.values()) {
        if let Some(url) = dep.get("git").and_then(|g| g.as_str()) {
            s.url(origin, true, url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dependencies_from_values_only() {
        let mut s = Sources::default();
        cargo_toml_git(
            &mut s,
            "Cargo.toml",
            "[dependencies]\n# foo = { git = \"https://git.commented.example/foo\" }\nbar = { git = \"https://git.bar.example/bar\" } # https://docs.example\n\n[patch.crates-io]\nbaz = { git = \"https://git.patch.example/baz\" }\n",
        );
        assert_eq!(
            s.found[0].hosts.iter().collect::<Vec<_>>(),
            ["git.bar.example", "git.patch.example"]
        );
    }
}
