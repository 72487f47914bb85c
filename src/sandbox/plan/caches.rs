//! Run policy step: caches that only the sandbox uses (issue 14).
//!
//! Caches are code: a package's build script, an extracted crate, a downloaded tool in a
//! cache is run by the user's own tools later. So for every active ecosystem, each cache,
//! store and tool home the catalog marks `own` becomes a folder of the sandbox's own
//! (`<cache root>/<fragment>/<name>`, kept between runs so the second install is warm,
//! never read by the user's tools), set through the tool's own variable; the user's path
//! leaves the write list and is write-protected (srt itself makes `~/.npm/_logs` writable
//! when it exists). A fragment the user chose to share (`init --shared-caches`) keeps the
//! user's paths, as `.srt.json` has them, and the note says so.
//!
//! Then the user's configuration is carried in without its secrets ([`super::configs`]),
//! and the tools' own proxy variables are set inside from srt's ([`crate::catalog::InsideEntry`]).
//!
//! `.srt.json` is not changed: a teammate who runs `srt --settings .srt.json` directly
//! keeps the real cache paths writable, as before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::catalog::{Fragment, Kind, List};
use crate::error::Error;
use crate::policy::settings::Why;

use super::{Context, Inside, RunPolicy};

pub(super) fn apply(cx: &Context<'_>, p: &mut RunPolicy) -> Result<(), Error> {
    let Some(record) = &cx.committed.record else {
        return Ok(());
    };
    let os = cx.env.os;
    let active: Vec<&Fragment> = record
        .fragments
        .iter()
        .filter(|(_, r)| matches!(r.why, Why::Base | Why::Detected | Why::Added))
        .filter_map(|(n, _)| cx.catalog.get(n))
        // The agent's own state is the agent step's.
        .filter(|f| f.kind != Kind::Agent)
        .collect();
    let shared = |f: &Fragment| record.shared_caches.contains(&f.name);
    // The user's paths that stay: every one a shared fragment gives, and the ones another
    // active fragment needs with no variable to move them (Leiningen's ~/.m2/repository,
    // which Maven's variable does not move).
    let keep: BTreeSet<String> = active
        .iter()
        .flat_map(|f| f.write.iter().map(move |e| (f, e)))
        .filter(|(f, e)| shared(f) || e.own.is_none())
        .filter_map(|(_, e)| e.template(os).and_then(|t| cx.env.expand_path(t, os)))
        .collect();
    let yours = record.yours.get(List::AllowWrite.key());
    let mut assigned: BTreeMap<String, (String, String)> = BTreeMap::new();
    for frag in &active {
        if shared(frag) {
            if frag.write.iter().any(|e| e.own.is_some()) {
                p.note(
                    "cache",
                    format!(
                        "{}: its caches are shared with your own tools (`srt-gen init --own-caches {}` gives the sandbox its own)",
                        frag.name, frag.name
                    ),
                );
            }
            continue;
        }
        let mut moved: Vec<String> = Vec::new();
        let mut stays: Vec<String> = Vec::new();
        for e in &frag.write {
            let (Some(own), Some(var)) = (&e.own, &e.var) else {
                // A cache of the user's that its tool cannot be pointed away from: it stays
                // shared, and the note says so.
                if let Some(u) = e.template(os).and_then(|t| cx.env.expand_path(t, os)) {
                    if u.starts_with("~/") && frag.kind != Kind::Base {
                        stays.push(u);
                    }
                }
                continue;
            };
            let user = e.template(os).and_then(|t| cx.env.expand_path(t, os));
            if let Some(u) = &user {
                if yours.is_some_and(|y| y.contains(u)) {
                    p.note(
                        "cache",
                        format!(
                            "{}: {u} stays writable: you wrote it into the policy yourself",
                            frag.name
                        ),
                    );
                } else if !keep.contains(u) {
                    p.remove(List::AllowWrite, u);
                    let abs = cx.env.absolute(u, &cx.project.root);
                    if abs.exists() && !under_project(&abs, &cx.project.root) {
                        p.add(List::DenyWrite, u);
                    }
                }
            }
            let folder = own_folder(cx, frag, own);
            if let Err(why) = usable(&folder, &cx.state.caches) {
                p.note(
                    "cache",
                    format!(
                        "{}: no folder of the sandbox's own for {var}: {why}; left out, so the tool cannot write its cache in this run",
                        frag.name
                    ),
                );
                continue;
            }
            let folder = crate::env::resolve_symlinks(&folder);
            let value = match &e.value {
                Some(v) => {
                    let lookup = |name: &str| cx.env.var(name);
                    crate::env::expand(&v.replace("{}", &folder.display().to_string()), &lookup)
                }
                None => folder.display().to_string(),
            };
            let mut names: Vec<&String> = std::iter::once(var).chain(&e.vars).collect();
            names.dedup();
            for name in names {
                match assigned.get(name) {
                    Some((prev, by)) if *prev != value => {
                        p.note(
                            "cache",
                            format!(
                                "{}: {name} already names {by}'s folder in this run; {} uses that one",
                                frag.name, frag.name
                            ),
                        );
                        continue;
                    }
                    Some(_) => continue,
                    None => {}
                }
                assigned.insert(name.clone(), (value.clone(), frag.name.clone()));
                p.env_set.insert(name.clone(), value.clone());
                p.env_remove.remove(name);
            }
            let spelled = cx.env.tilde(&folder);
            p.add(List::AllowWrite, &spelled);
            if !p.create.contains(&folder) {
                p.create.push(folder.clone());
            }
            match user {
                Some(u) => moved.push(format!("{u} → {spelled} ({var})")),
                None if !moved.iter().any(|m| m.contains(&spelled)) => {
                    moved.push(format!("{spelled} ({var})"))
                }
                None => {}
            }
        }
        if !moved.is_empty() {
            p.note(
                "cache",
                format!("{}: the sandbox's own {}", frag.name, moved.join(", ")),
            );
        }
        if !stays.is_empty() {
            p.note(
                "cache",
                format!(
                    "{}: {} stay shared with your own tools (no variable moves them): what the sandbox writes there, they read",
                    frag.name,
                    stays.join(", ")
                ),
            );
        }
    }
    let folder = |f: &Fragment, own: &str| {
        let d = own_folder(cx, f, own);
        usable(&d, &cx.state.caches)
            .ok()
            .map(|()| crate::env::resolve_symlinks(&d))
    };
    let configs: Vec<&Fragment> = active.clone();
    super::configs::apply(cx, p, &configs, &folder);
    inside(cx, p, &active);
    Ok(())
}

/// `<cache root>/<fragment>/<name>`, or `<cache root>/<other>/<name>` for `other/name`.
fn own_folder(cx: &Context<'_>, frag: &Fragment, own: &str) -> PathBuf {
    match own.split_once('/') {
        Some((other, name)) => cx.state.cache(other, name),
        None => cx.state.cache(&frag.name, own),
    }
}

fn under_project(p: &Path, root: &Path) -> bool {
    p.starts_with(root)
}

/// A folder srt-gen can create (or that is there): nothing on the way is a file, and
/// nothing at or below the sandbox's cache root is a link. The sandbox writes below that
/// root (and, under a policy that makes `~/.cache` writable, the root itself): a link
/// planted there would make the next run hand the sandbox a folder of the link's choosing.
/// Links above the root (a `~/.cache` on another disk) are the user's.
fn usable(folder: &Path, caches: &Path) -> Result<(), String> {
    let guard = caches.parent().unwrap_or(caches);
    for a in folder.ancestors() {
        match std::fs::symlink_metadata(a) {
            Ok(m) if m.file_type().is_symlink() && a.starts_with(guard) => {
                return Err(format!(
                    "{} is a link inside srt-gen's own folders, which a sandboxed run could have made",
                    a.display()
                ));
            }
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(m) if m.file_type().is_symlink() => {
                return match std::fs::metadata(a) {
                    Ok(t) if t.is_dir() => Ok(()),
                    _ => Err(format!("{} is a link that leads to no folder", a.display())),
                };
            }
            Ok(_) => return Err(format!("{} is a file, not a folder", a.display())),
            Err(_) => continue,
        }
    }
    Ok(())
}

/// The catalog's `[[inside]]` assignments of the active fragments.
fn inside(cx: &Context<'_>, p: &mut RunPolicy, active: &[&Fragment]) {
    let tmp = cx.project.root.join(crate::sandbox::preflight::TMP_DIR);
    for frag in active {
        for i in &frag.inside {
            let op = match i
                .value
                .strip_prefix("${")
                .and_then(|r| r.strip_suffix('}'))
                .filter(|n| !n.contains(['$', '{', '}']))
            {
                Some(from) => Inside::Copy {
                    var: i.var.clone(),
                    from: from.to_string(),
                },
                None => {
                    let value = i.value.replace("${TMPDIR}", &tmp.display().to_string());
                    let lookup = |name: &str| cx.env.var(name);
                    Inside::Set {
                        var: i.var.clone(),
                        value: crate::env::expand(&value, &lookup),
                    }
                }
            };
            if !p.inside.iter().any(|o| inside_var(o) == i.var.as_str()) {
                p.inside.push(op);
            }
        }
    }
}

fn inside_var(i: &Inside) -> &str {
    match i {
        Inside::Set { var, .. }
        | Inside::Copy { var, .. }
        | Inside::Unset { var }
        | Inside::DropItem { var, .. } => var,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::catalog::{Catalog, List};
    use crate::detect::project::Project;
    use crate::env::{Env, Os};
    use crate::policy::settings::{Settings, Why};
    use crate::sandbox::state::StateDirs;

    use super::super::{build, Context, RunPolicy};

    fn env(home: &Path, os: Os, vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: home.to_path_buf(),
            os,
        }
    }

    /// `.srt.json` as `init` writes it with these fragments detected.
    fn committed(project: &Project, catalog: &Catalog, e: &Env, names: &[&str]) -> Settings {
        let mut fragments = std::collections::BTreeMap::new();
        fragments.insert(
            "base".to_string(),
            crate::policy::plan::base_record(catalog, project, &Default::default(), e, &[e.os])
                .unwrap(),
        );
        for n in names {
            let f = catalog.get(n).unwrap();
            fragments.insert(
                n.to_string(),
                crate::policy::plan::fragment_record(f, Why::Detected, vec![], e, &[e.os]),
            );
        }
        let mut s = crate::policy::compose::compose(None, fragments, Default::default());
        s.record.as_mut().unwrap().platforms = vec![e.os];
        s
    }

    struct Fixture {
        _t: tempfile::TempDir,
        home: std::path::PathBuf,
        project: Project,
        catalog: Catalog,
    }

    fn fixture() -> Fixture {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().canonicalize().unwrap();
        let root = home.join("src/p");
        std::fs::create_dir_all(&root).unwrap();
        Fixture {
            project: Project::at(&root).unwrap(),
            catalog: Catalog::builtin().unwrap(),
            home,
            _t: t,
        }
    }

    fn plan(f: &Fixture, e: &Env, file: &Settings) -> RunPolicy {
        plan_gated(f, e, file, false).unwrap()
    }

    /// The run policy; with `gated`, through the gate `run` applies (the linter, the floor).
    fn plan_gated(
        f: &Fixture,
        e: &Env,
        file: &Settings,
        gated: bool,
    ) -> Result<RunPolicy, crate::error::Error> {
        build(
            &Context {
                project: &f.project,
                committed: file,
                catalog: &f.catalog,
                env: e,
                state: StateDirs::for_env(e),
                agent: false,
                pass_env: Default::default(),
            },
            !gated,
        )
    }

    fn notes(p: &RunPolicy) -> String {
        p.describe().join("\n")
    }

    #[test]
    fn npm_gets_its_own_cache_and_a_copy_of_npmrc_without_tokens() {
        let f = fixture();
        std::fs::create_dir_all(f.home.join(".npm/_logs")).unwrap();
        std::fs::write(
            f.home.join(".npmrc"),
            "nodedir=/usr\n//npm.corp.example/:_authToken=npm_SECRET\nhttps-proxy=http://corp:8080\n",
        )
        .unwrap();
        let e = env(&f.home, Os::Linux, &[]);
        let file = committed(&f.project, &f.catalog, &e, &["node"]);
        assert!(file.strings(List::AllowWrite).contains(&"~/.npm"));
        let p = plan(&f, &e, &file);
        let writes = p.settings.strings(List::AllowWrite);
        assert!(!writes.contains(&"~/.npm"), "{writes:?}");
        assert!(
            writes.contains(&"~/.cache/srt-gen/sandbox/node/npm"),
            "{writes:?}"
        );
        // srt makes ~/.npm/_logs writable when it exists: the run write-protects ~/.npm.
        assert!(p.settings.strings(List::DenyWrite).contains(&"~/.npm"));
        let cache = f.home.join(".cache/srt-gen/sandbox/node/npm");
        assert_eq!(p.env_set["npm_config_cache"], cache.display().to_string());
        assert_eq!(p.env_set["NPM_CONFIG_CACHE"], cache.display().to_string());
        assert!(p.create.contains(&cache));
        let copy = f.home.join(".cache/srt-gen/config/node/.npmrc");
        assert_eq!(
            p.env_set["npm_config_userconfig"],
            copy.display().to_string()
        );
        let staged = p.files.iter().find(|s| s.path == copy).unwrap();
        assert_eq!(String::from_utf8_lossy(&staged.bytes), "nodedir=/usr\n");
        assert!(p.settings.strings(List::DenyRead).contains(&"~/.npmrc"));
        // .srt.json itself is not changed: a teammate's plain srt keeps ~/.npm.
        assert!(file.strings(List::AllowWrite).contains(&"~/.npm"));
    }

    #[test]
    fn a_link_planted_in_the_sandboxs_cache_is_never_followed() {
        // A run made ~/.cache/srt-gen/sandbox/node/npm a link to another folder: the next
        // run made that folder writable (as npm's cache) and created it.
        let f = fixture();
        let other = f.home.join("other-project");
        std::fs::create_dir_all(&other).unwrap();
        let node = f.home.join(".cache/srt-gen/sandbox/node");
        std::fs::create_dir_all(&node).unwrap();
        std::os::unix::fs::symlink(&other, node.join("npm")).unwrap();
        let e = env(&f.home, Os::Linux, &[]);
        let file = committed(&f.project, &f.catalog, &e, &["node"]);
        let p = plan(&f, &e, &file);
        let writes = p.settings.strings(List::AllowWrite);
        assert!(!writes.contains(&"~/other-project"), "{writes:?}");
        assert!(
            !writes.contains(&"~/.cache/srt-gen/sandbox/node/npm"),
            "{writes:?}"
        );
        assert!(!p.create.contains(&other));
        assert_ne!(
            p.env_set.get("npm_config_cache").map(String::as_str),
            Some(other.display().to_string().as_str())
        );
        assert!(
            notes(&p).contains("is a link inside srt-gen's own folders"),
            "{}",
            notes(&p)
        );
    }

    #[test]
    fn a_shared_fragment_keeps_the_users_paths() {
        let f = fixture();
        let e = env(&f.home, Os::Linux, &[]);
        let mut file = committed(&f.project, &f.catalog, &e, &["node", "python"]);
        file.record
            .as_mut()
            .unwrap()
            .shared_caches
            .insert("python".into());
        let p = plan(&f, &e, &file);
        let writes = p.settings.strings(List::AllowWrite);
        assert!(writes.contains(&"~/.cache/pip"), "{writes:?}");
        assert!(!writes.contains(&"~/.npm"), "{writes:?}");
        assert!(!p.env_set.contains_key("PIP_CACHE_DIR"));
        assert!(
            notes(&p).contains("python: its caches are shared"),
            "{}",
            notes(&p)
        );
    }

    #[test]
    fn fixed_path_readers_get_a_mask_on_linux_and_a_deny_on_macos() {
        let f = fixture();
        std::fs::write(
            f.home.join(".npmrc"),
            "//npm.corp.example/:_authToken=npm_SECRET\n",
        )
        .unwrap();
        std::fs::write(f.home.join(".yarnrc.yml"), "enableTelemetry: false\n").unwrap();
        let e = env(&f.home, Os::Linux, &[]);
        let file = committed(&f.project, &f.catalog, &e, &["yarn"]);
        let p = plan(&f, &e, &file);
        let deny = p.settings.strings(List::DenyRead);
        assert!(!deny.contains(&"~/.npmrc"), "{deny:?}");
        // No token in ~/.yarnrc.yml: it is readable, as Yarn needs.
        assert!(!deny.contains(&"~/.yarnrc.yml"), "{deny:?}");
        let creds = &p.settings.other["credentials"];
        let files = creds["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "{creds}");
        assert_eq!(files[0]["path"], "~/.npmrc");
        assert_eq!(files[0]["mode"], "mask");
        // And `run`'s gate takes both (it refused the run over the token-free file: the
        // floor check saw its deny lifted).
        plan_gated(&f, &e, &file, true).unwrap();
        assert_eq!(
            files[0]["injectHosts"][0],
            super::super::configs::NEVER_INJECT
        );
        assert_eq!(creds["allowPlaintextInject"], true);
        let never = super::super::configs::NEVER_INJECT;
        assert!(p.settings.strings(List::AllowedDomains).contains(&never));
        assert!(p.settings.strings(List::DeniedDomains).contains(&never));
        // macOS: srt has no file masks there; the file stays unreadable, and the note says so.
        let e = env(&f.home, Os::Macos, &[]);
        let file = committed(&f.project, &f.catalog, &e, &["yarn"]);
        let p = plan(&f, &e, &file);
        assert!(p.settings.strings(List::DenyRead).contains(&"~/.npmrc"));
        assert!(!p.settings.other.contains_key("credentials"));
        assert!(
            notes(&p).contains("srt masks files on Linux only"),
            "{}",
            notes(&p)
        );
    }

    #[test]
    fn bad_input_is_left_out_and_said() {
        let f = fixture();
        // ~/.npmrc is a folder; cargo's config does not parse; the cache root is under a file.
        std::fs::create_dir_all(f.home.join(".npmrc")).unwrap();
        std::fs::create_dir_all(f.home.join("cargo")).unwrap();
        std::fs::write(f.home.join("cargo/config.toml"), "[net\nretry = 7\n").unwrap();
        std::fs::write(f.home.join("xdg-file"), "").unwrap();
        let xdg = f.home.join("xdg-file");
        let cargo_home = f.home.join("cargo");
        let e = env(
            &f.home,
            Os::Linux,
            &[
                ("XDG_CACHE_HOME", xdg.to_str().unwrap()),
                ("CARGO_HOME", cargo_home.to_str().unwrap()),
            ],
        );
        let file = committed(&f.project, &f.catalog, &e, &["node", "rust"]);
        let p = plan(&f, &e, &file);
        let said = notes(&p);
        assert!(said.contains("~/.npmrc is a directory"), "{said}");
        assert!(
            !p.env_set.contains_key("npm_config_userconfig"),
            "{:?}",
            p.env_set
        );
        assert!(said.contains("is a file, not a folder"), "{said}");
        // No folder of its own, and not the user's either: the cache is simply not writable.
        let writes = p.settings.strings(List::AllowWrite);
        assert!(!writes.iter().any(|w| w.contains("npm")), "{writes:?}");
        assert!(!writes.contains(&"~/cargo/registry"), "{writes:?}");
        assert!(!p.env_set.contains_key("CARGO_HOME"));
    }

    #[test]
    fn an_unparseable_config_is_left_out() {
        let f = fixture();
        let cargo_home = f.home.join("cargo");
        std::fs::create_dir_all(&cargo_home).unwrap();
        std::fs::write(cargo_home.join("config.toml"), "[net\nretry = 7\n").unwrap();
        let e = env(
            &f.home,
            Os::Linux,
            &[("CARGO_HOME", cargo_home.to_str().unwrap())],
        );
        let file = committed(&f.project, &f.catalog, &e, &["rust"]);
        let p = plan(&f, &e, &file);
        let said = notes(&p);
        assert!(
            said.contains("~/cargo/config.toml does not parse (line 1"),
            "{said}"
        );
        let own = f.home.join(".cache/srt-gen/sandbox/rust/home");
        assert_eq!(p.env_set["CARGO_HOME"], own.display().to_string());
        assert!(!p.files.iter().any(|s| s.path == own.join("config.toml")));
        // A copy from an earlier run gets an empty file in its place.
        std::fs::create_dir_all(&own).unwrap();
        std::fs::write(own.join("config.toml"), "[net]\nretry = 1\n").unwrap();
        let p = plan(&f, &e, &file);
        let staged = p
            .files
            .iter()
            .find(|s| s.path == own.join("config.toml"))
            .unwrap();
        assert!(staged.bytes.is_empty());
        assert!(p
            .settings
            .strings(List::DenyWrite)
            .contains(&"~/.cache/srt-gen/sandbox/rust/home/config.toml"));
    }
}
