//! The catalog's side of issue 14, checked as a whole: every cache of the user's that a
//! tool lets us move is moved, one variable always means one folder, a host that serves
//! anyone's content says why it is needed, and every mask pattern compiles as srt compiles
//! it (JavaScript) and as srt-gen runs it (Rust).

mod common;

use std::collections::BTreeMap;

use srt_gen::catalog::{parse_fragment, Catalog, Kind};
use srt_gen::env::{Env, Os};

fn env() -> Env {
    Env {
        vars: Default::default(),
        home: "/nonexistent-home/u".into(),
        os: Os::Linux,
    }
}

/// User caches that stay shared in `run`: their tool has no variable (or only a config
/// file or a system property srt-gen cannot set without losing the user's own settings) to
/// move them. Each is said in the run's notes; the README lists them.
const NO_VARIABLE: &[(&str, &str)] = &[
    ("bazel", "~/.cache/bazel"),
    ("clojure", "~/.m2/repository"),
    ("conda", "~/.conda/environments.txt"),
    ("containers", "~/.local/share/containers/storage"),
    ("latex", "~/texmf"),
    ("lua", "~/.cache/luarocks"),
    ("nim", "~/.cache/nim"),
    ("nix", "~/.cache/nix"),
    ("scala", "~/.sbt/boot"),
    ("scala", "~/.sbt/1.0/zinc"),
    ("scala", "~/.sbt/1.0/server"),
    ("scala", "~/.ivy2/local"),
    ("scala", "~/.ivy2/cache"),
    ("swift", "~/.cache/org.swift.swiftpm"),
    ("swift", "~/.swiftpm/cache"),
    ("swift", "~/.swiftpm/configuration"),
    ("swift", "~/.swiftpm/security"),
];

#[test]
fn every_movable_user_cache_is_given_to_the_sandbox() {
    let catalog = Catalog::builtin().unwrap();
    let e = env();
    let mut shared = Vec::new();
    for f in &catalog.fragments {
        if matches!(f.kind, Kind::Base | Kind::Agent) {
            continue;
        }
        for w in f.write.iter().filter(|w| w.own.is_none()) {
            let Some(p) = w
                .template(Os::Linux)
                .and_then(|t| e.expand_path(t, Os::Linux))
            else {
                continue;
            };
            if p.starts_with("~/") {
                shared.push((f.name.clone(), p));
            }
        }
    }
    let expected: Vec<(String, String)> = NO_VARIABLE
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(
        shared, expected,
        "a user cache without `own`: give it one (the tool's variable), or list it here with why"
    );
}

#[test]
fn one_variable_always_names_one_folder() {
    let catalog = Catalog::builtin().unwrap();
    let mut seen: BTreeMap<String, (String, Option<String>, String)> = BTreeMap::new();
    for f in &catalog.fragments {
        for w in &f.write {
            let (Some(own), Some(var)) = (&w.own, &w.var) else {
                continue;
            };
            let folder = if own.contains('/') {
                own.clone()
            } else {
                format!("{}/{own}", f.name)
            };
            for v in std::iter::once(var).chain(&w.vars) {
                let now = (folder.clone(), w.value.clone(), f.name.clone());
                if let Some(prev) = seen.get(v) {
                    assert_eq!(
                        (&prev.0, &prev.1),
                        (&now.0, &now.1),
                        "{v}: {} and {} give it different folders or values",
                        prev.2,
                        now.2
                    );
                } else {
                    seen.insert(v.clone(), now);
                }
            }
        }
    }
    assert!(seen.len() > 40, "{}", seen.len());
}

#[test]
fn a_path_two_fragments_write_is_moved_the_same_way() {
    let catalog = Catalog::builtin().unwrap();
    let mut seen: BTreeMap<String, (Option<String>, Option<String>, String)> = BTreeMap::new();
    for f in &catalog.fragments {
        for w in &f.write {
            let Some(t) = w.template(Os::Linux) else {
                continue;
            };
            let folder = w.own.as_ref().map(|o| {
                if o.contains('/') {
                    o.clone()
                } else {
                    format!("{}/{o}", f.name)
                }
            });
            if folder.is_none() {
                // No variable moves it here (Leiningen): the run keeps it for both.
                continue;
            }
            let now = (folder, w.var.clone(), f.name.clone());
            match seen.get(t) {
                Some(prev) => assert_eq!(
                    (&prev.0, &prev.1),
                    (&now.0, &now.1),
                    "{t}: {} and {} move it differently",
                    prev.2,
                    now.2
                ),
                None => {
                    seen.insert(t.to_string(), now);
                }
            }
        }
    }
}

#[test]
fn hosts_that_serve_anyones_content_say_why() {
    let catalog = Catalog::builtin().unwrap();
    let mut wrong = Vec::new();
    for f in &catalog.fragments {
        for h in &f.hosts {
            let risky = srt_gen::policy::lint::exfiltration_risk(&h.host).is_some();
            if risky != h.risk.is_some() {
                wrong.push(format!(
                    "{}: {} {}",
                    f.name,
                    h.host,
                    if risky {
                        "is a host `check` labels risky: give it `risk` (why the ecosystem needs it)"
                    } else {
                        "has `risk`, but `check` does not know it as risky"
                    }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn one_file_one_mask() {
    let catalog = Catalog::builtin().unwrap();
    let e = env();
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    for f in &catalog.fragments {
        for c in f.config.iter() {
            let (Some(m), Some(p)) = (
                &c.mask,
                c.template(Os::Linux)
                    .and_then(|t| e.expand_path(t, Os::Linux)),
            ) else {
                continue;
            };
            if let Some((prev, by)) = seen.get(&p) {
                assert_eq!(prev, m, "{p}: {by} and {} mask it differently", f.name);
            } else {
                seen.insert(p, (m.clone(), f.name.clone()));
            }
        }
    }
    assert!(seen.contains_key("~/.npmrc") && seen.contains_key("~/.yarnrc.yml"));
}

/// srt compiles `extract` as a JavaScript RegExp with flags `gd`: a pattern that Rust takes
/// and JavaScript refuses would make srt refuse the whole run policy.
#[test]
fn mask_patterns_compile_in_javascript() {
    let catalog = Catalog::builtin().unwrap();
    let patterns: Vec<String> = catalog
        .fragments
        .iter()
        .flat_map(|f| f.config.iter().filter_map(|c| c.mask.clone()))
        .collect();
    assert!(patterns.len() >= 8, "{patterns:?}");
    let Some(node) = ["/usr/bin/node", "/usr/local/bin/node"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        if std::env::var("SRT_GEN_E2E").is_ok_and(|v| v == "require") {
            panic!("SRT_GEN_E2E=require, but node is missing");
        }
        eprintln!("SKIPPED mask_patterns_compile_in_javascript: no node");
        return;
    };
    let script = "const ps = JSON.parse(process.argv[1]); for (const p of ps) { new RegExp(p, 'gd'); } console.log(ps.length);";
    let out = std::process::Command::new(node)
        .args(["-e", script, &serde_json::to_string(&patterns).unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The npmrc pattern, run the way srt runs it, finds the token and leaves the rest.
    let npmrc = catalog.get("yarn").unwrap().config[0].mask.clone().unwrap();
    let script = "const re = new RegExp(process.argv[1], 'gd'); const t = 'nodedir=/usr\\n//r.example/:_authToken=SECRET\\n'; const m = [...t.matchAll(re)].map(x => x[1]); console.log(JSON.stringify(m));";
    let out = std::process::Command::new(node)
        .args(["-e", script, &npmrc])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[\"SECRET\"]");
}

#[test]
fn the_schema_refuses_half_entries() {
    let frag = |body: &str| format!("name = \"t\"\nkind = \"tool\"\ndescription = \"d\"\n{body}");
    for (body, says) in [
        (
            "[[write]]\npath = \"~/x\"\nown = \"x\"\nsource = \"s\"\n",
            "needs both `own` and `var`",
        ),
        (
            "[[write]]\npath = \"~/x\"\nown = \"X Y\"\nvar = \"X\"\nsource = \"s\"\n",
            "own `X Y`",
        ),
        (
            "[[write]]\npath = \"~/x\"\nown = \"x\"\nvar = \"A-B\"\nsource = \"s\"\n",
            "not a variable name",
        ),
        (
            "[[write]]\npath = \"~/x\"\nown = \"x\"\nvar = \"A\"\nvalue = \"-Dx\"\nsource = \"s\"\n",
            "must hold `{}`",
        ),
        (
            "[[deny-read]]\npath = \"~/x\"\nown = \"x\"\nvar = \"A\"\nsource = \"s\"\n",
            "they are for [[write]]",
        ),
        (
            "[[config]]\npath = \"~/x\"\nformat = \"toml\"\nsource = \"s\"\n",
            "needs `var` or `into`",
        ),
        (
            "[[config]]\npath = \"~/x\"\nvar = \"X\"\nsource = \"s\"\n",
            "needs `format`",
        ),
        (
            "[[config]]\npath = \"~/x\"\nvar = \"X\"\nformat = \"xml\"\nsource = \"s\"\n",
            "no copies of XML files",
        ),
        (
            "[[config]]\npath = \"~/x\"\nmask = \"(?i)token=(x)\"\nsource = \"s\"\n",
            "JavaScript",
        ),
        (
            "[[config]]\npath = \"~/x\"\nmask = \"token=x\"\nsource = \"s\"\n",
            "capture group",
        ),
        (
            "[[config]]\npath = \"~/x\"\ninto = \"nope\"\nformat = \"toml\"\nsource = \"s\"\n",
            "names no `own` folder",
        ),
        (
            "[[inside]]\nvar = \"X\"\nvalue = \"a${HTTPS_PROXY}b\"\nsource = \"s\"\n",
            "known only inside",
        ),
        (
            "[[hosts]]\nhost = \"a.example\"\nrisk = \" \"\nsource = \"s\"\n",
            "empty `risk`",
        ),
    ] {
        let err = parse_fragment(&frag(body), "t.toml").unwrap_err().to_string();
        assert!(err.contains(says), "{body}: {err}");
        assert!(err.contains("t.toml"), "{err}");
    }
}

#[test]
fn shared_caches_are_chosen_per_ecosystem_remembered_and_warned_about() {
    let s = common::Sandbox::new();
    s.write(
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n",
    );
    s.write("src/lib.rs", "");
    s.write("package.json", "{\"name\": \"t\"}\n");
    let out = s.run(&["init", "--no-justfile", "--shared-caches", "rust"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let v: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(v["srtGen"]["sharedCaches"], serde_json::json!(["rust"]));
    // Remembered by a plain init, and `check` warns (a warning: exit 0).
    let out = s.run(&["init", "--no-justfile"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let v: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(v["srtGen"]["sharedCaches"], serde_json::json!(["rust"]));
    let out = s.run(&["check"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("`rust`'s caches are shared with your own tools")
            && text.contains("srt-gen init --own-caches rust"),
        "{text}"
    );
    // `run` keeps rust's paths and moves npm's.
    let out = s.run(&["run", "--print-policy"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let writes = policy["filesystem"]["allowWrite"].to_string();
    assert!(writes.contains("\"~/.cargo/registry\""), "{writes}");
    assert!(!writes.contains("\"~/.npm\""), "{writes}");
    // Taken back.
    let out = s.run(&["init", "--no-justfile", "--own-caches", "rust"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let v: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert!(v["srtGen"].get("sharedCaches").is_none(), "{v}");
    // A name that is not active is a usage error, and nothing is written.
    let before = s.read(".srt.json");
    let out = s.run(&["init", "--no-justfile", "--shared-caches", "go"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`go` is not an active fragment"));
    assert_eq!(s.read(".srt.json"), before);
    // `add NAME --shared-caches`.
    let out = s.run(&["add", "node", "--shared-caches"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let v: serde_json::Value = serde_json::from_str(&s.read(".srt.json")).unwrap();
    assert_eq!(v["srtGen"]["sharedCaches"], serde_json::json!(["node"]));
}

/// The policy `run` hands srt for a project whose home holds `files`.
fn run_policy(project: &[(&str, &str)], home: &[(&str, &str)]) -> serde_json::Value {
    let s = common::Sandbox::new();
    for (p, t) in project {
        s.write(p, t);
    }
    for (p, t) in home {
        let at = s.home().join(p);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, t).unwrap();
    }
    let out = s.run(&["init", "--no-justfile"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let out = s.run(&["run", "--print-policy"]);
    assert!(out.status.success(), "{}", common::show(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// How the policy shows `path`: "mask", "deny" or "readable".
fn shown_as(policy: &serde_json::Value, path: &str) -> &'static str {
    let masked = policy["credentials"]["files"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["path"] == path));
    let denied = policy["filesystem"]["denyRead"]
        .as_array()
        .is_some_and(|d| d.iter().any(|d| d == path));
    match (masked, denied) {
        (true, false) => "mask",
        (false, true) => "deny",
        (false, false) => "readable",
        (true, true) => panic!("{path} both masked and denied"),
    }
}

/// srt's mask replaces what its pattern captures and shows the rest. A file that holds a
/// secret the pattern does not capture (credentials in a URL, a token in a form the pattern
/// misses) is not shown at all: a mask there would hand the secret in.
#[test]
fn a_file_is_masked_only_when_the_mask_covers_every_secret_in_it() {
    let yarn = [
        ("package.json", "{\"name\": \"t\"}\n"),
        ("yarn.lock", "# yarn lockfile v1\n"),
    ];
    let token = "//r.example/:_authToken=npm_SECRET\nnodedir=/usr\n";
    assert_eq!(
        shown_as(&run_policy(&yarn, &[(".npmrc", token)]), "~/.npmrc"),
        "mask"
    );
    let url = format!("{token}registry=https://u:pw_SECRET@mirror.example/npm/\n");
    assert_eq!(
        shown_as(&run_policy(&yarn, &[(".npmrc", &url)]), "~/.npmrc"),
        "deny"
    );
    // No token the pattern knows, but credentials in a URL: not "holds no token".
    let only_url = "registry=https://u:pw_SECRET@mirror.example/npm/\n";
    assert_eq!(
        shown_as(&run_policy(&yarn, &[(".npmrc", only_url)]), "~/.npmrc"),
        "deny"
    );
    // Yarn Berry's scoped registries nest the token.
    let berry = "npmRegistries:\n  \"https://r.example\":\n    npmAuthToken: SECRET\n";
    assert_eq!(
        shown_as(
            &run_policy(&yarn, &[(".yarnrc.yml", berry)]),
            "~/.yarnrc.yml"
        ),
        "mask"
    );

    // Bun's scoped registries are inline tables; the pattern reaches into them.
    let bun = [
        ("package.json", "{\"name\": \"t\"}\n"),
        ("bun.lock", "{}\n"),
    ];
    let scopes = "[install.scopes]\ncorp = { token = \"SECRET\", url = \"https://r.example/\" }\n";
    assert_eq!(
        shown_as(
            &run_policy(&bun, &[(".bunfig.toml", scopes)]),
            "~/.bunfig.toml"
        ),
        "mask"
    );
    let by_name =
        "[install.scopes]\ncorp = { token = \"$CORP_TOKEN\", url = \"https://r.example/\" }\n";
    assert_eq!(
        shown_as(
            &run_policy(&bun, &[(".bunfig.toml", by_name)]),
            "~/.bunfig.toml"
        ),
        "mask"
    );

    let maven = [("pom.xml", "<project></project>\n")];
    let cdata = "<settings><servers><server><id>x</id><password><![CDATA[pa<ss]]></password></server></servers></settings>\n";
    assert_ne!(
        shown_as(
            &run_policy(&maven, &[(".m2/settings.xml", cdata)]),
            "~/.m2/settings.xml"
        ),
        "readable"
    );
    let header = "<settings><servers><server><id>gitlab</id><configuration><httpHeaders><property><name>Private-Token</name><value>glpat-SECRET</value></property></httpHeaders></configuration></server></servers></settings>\n";
    assert_eq!(
        shown_as(
            &run_policy(&maven, &[(".m2/settings.xml", header)]),
            "~/.m2/settings.xml"
        ),
        "mask"
    );

    let cargo = [
        (
            "Cargo.toml",
            "[package]\nname = \"t\"\nversion = \"0.1.0\"\n",
        ),
        ("src/lib.rs", ""),
    ];
    let inline =
        "[registries]\nprivate = { index = \"sparse+https://r.example/\", token = \"SECRET\" }\n";
    let dotted = "registries.private.token = \"SECRET\"\n";
    for text in [inline, dotted] {
        let p = run_policy(&cargo, &[(".cargo/config.toml", text)]);
        assert_ne!(shown_as(&p, "~/.cargo/config.toml"), "readable", "{text}");
    }
}

/// A dotfile manager links `~/.npmrc` to its own folder: the link is the user's, so it is
/// followed. A link where the sandbox writes is never followed.
#[test]
fn the_users_own_config_links_are_followed_and_the_sandboxs_are_not() {
    let s = common::Sandbox::new();
    s.write("package.json", "{\"name\": \"t\"}\n");
    s.write("yarn.lock", "# yarn lockfile v1\n");
    let dotfiles = s.home().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::write(
        dotfiles.join("npmrc"),
        "//r.example/:_authToken=npm_SECRET\nnodedir=/usr\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(dotfiles.join("npmrc"), s.home().join(".npmrc")).unwrap();
    let out = s.run(&["init", "--no-justfile"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let out = s.run(&["run", "--print-policy"]);
    assert!(out.status.success(), "{}", common::show(&out));
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // srt masks the file the link leads to (it binds over that one).
    assert_eq!(shown_as(&policy, "~/dotfiles/npmrc"), "mask", "{policy}");

    // pip's user config where the sandbox writes (XDG_CONFIG_HOME in the project), a link
    // to another file of the user's: left out, not copied in.
    let s = common::Sandbox::new();
    s.write("requirements.txt", "six==1.16.0\n");
    std::fs::write(
        s.home().join("secret.txt"),
        "[global]\ntimeout = 1\nSECRET-LINE\n",
    )
    .unwrap();
    s.write("cfg/pip/placeholder", "");
    std::os::unix::fs::symlink(
        s.home().join("secret.txt"),
        s.project.join("cfg/pip/pip.conf"),
    )
    .unwrap();
    let out = s.run(&["init", "--no-justfile"]);
    assert!(out.status.success(), "{}", common::show(&out));
    // (`--allow-errors`: the gate refuses a config home in the project, which is the point.)
    let out = s
        .cmd()
        .env("XDG_CONFIG_HOME", s.project.join("cfg"))
        .args(["run", "--dry-run", "--allow-errors", "--", "true"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::show(&out));
    let text = s.clean(&out.stdout);
    assert!(
        !text.contains("secret.txt"),
        "before: a copy of ~/secret.txt\n{text}"
    );
    assert!(
        text.contains("python: [PROJECT]/cfg/pip/pip.conf is reached through a link where the sandbox writes ([PROJECT]/cfg/pip/pip.conf); left out"),
        "{text}"
    );
}
