//! The ecosystem catalog as a whole (breadth, sources, markers) and one real-shaped fixture
//! project per ecosystem: detected from its usual files, given its hosts and cache paths.

mod common;

use std::collections::BTreeSet;

use common::Sandbox;
use srt_gen::catalog::{Catalog, Kind};

/// Each `tests/fixtures/eco-*` project and the fragments `init` must find in it, besides
/// base and claude. A project that also has package.json or pyproject.toml gets node or
/// python too, as a user's would, unless its package manager replaces npm or pip there
/// (pnpm, Yarn, Bun, uv).
/// Fragments whose `[detect]` table only suggests them.
const SUGGESTED: &[&str] = &["containers"];

const FIXTURES: &[(&str, &[&str])] = &[
    ("eco-bazel", &["bazel"]),
    ("eco-bun", &["bun"]),
    ("eco-clojure", &["clojure"]),
    ("eco-cocoapods", &["cocoapods"]),
    ("eco-conda", &["conda"]),
    ("eco-containers", &["containers"]),
    ("eco-dart", &["dart"]),
    ("eco-deno", &["deno"]),
    ("eco-dotnet", &["dotnet"]),
    ("eco-elixir", &["elixir"]),
    ("eco-erlang", &["erlang"]),
    ("eco-hatch", &["hatch", "python"]),
    ("eco-haskell", &["haskell"]),
    ("eco-haskell-stack", &["haskell-stack"]),
    ("eco-helm", &["helm"]),
    ("eco-java-gradle", &["java-gradle"]),
    ("eco-java-maven", &["java-maven"]),
    ("eco-julia", &["julia"]),
    ("eco-kotlin", &["kotlin"]),
    ("eco-latex", &["latex"]),
    ("eco-lua", &["lua"]),
    ("eco-nim", &["nim"]),
    ("eco-nix", &["nix"]),
    ("eco-ocaml", &["ocaml"]),
    ("eco-perl", &["perl"]),
    ("eco-php", &["php"]),
    ("eco-pdm", &["pdm", "python"]),
    ("eco-pipenv", &["pipenv", "python"]),
    ("eco-pixi", &["pixi"]),
    ("eco-playwright", &["playwright-browsers", "node"]),
    ("eco-pnpm", &["pnpm"]),
    ("eco-poetry", &["poetry", "python"]),
    ("eco-pre-commit", &["pre-commit"]),
    ("eco-puppeteer", &["puppeteer", "node"]),
    ("eco-r", &["r"]),
    ("eco-ruby", &["ruby"]),
    ("eco-rustup", &["rustup", "rust"]),
    ("eco-scala", &["scala"]),
    ("eco-swift", &["swift"]),
    ("eco-terraform", &["terraform"]),
    ("eco-uv", &["uv"]),
    ("eco-yarn", &["yarn-berry"]),
    ("eco-yarn-classic", &["yarn"]),
    ("eco-zig", &["zig"]),
];

#[test]
fn catalog_is_broad_and_every_entry_has_a_source() {
    let catalog = Catalog::builtin().unwrap();
    let ecosystems: Vec<_> = catalog
        .fragments
        .iter()
        .filter(|f| matches!(f.kind, Kind::Language | Kind::Tool))
        .collect();
    assert!(
        ecosystems.len() >= 40,
        "the catalog has {} languages and tools, issue 8 asks for at least 40",
        ecosystems.len()
    );
    for f in &catalog.fragments {
        assert!(
            !f.description.trim().is_empty(),
            "{}: no description",
            f.origin
        );
        for h in &f.hosts {
            assert!(
                !h.source.trim().is_empty(),
                "{}: host {} has no source",
                f.origin,
                h.host
            );
        }
        for e in f.write.iter().chain(&f.deny_write).chain(&f.deny_read) {
            assert!(
                !e.source.trim().is_empty(),
                "{}: a path entry has no source",
                f.origin
            );
        }
    }
    for f in catalog
        .fragments
        .iter()
        .filter(|f| f.origin.starts_with("ecosystems/"))
    {
        assert!(
            !f.detect.files.is_empty() || !f.detect.patterns.is_empty(),
            "{}: no detection marker",
            f.origin
        );
        assert!(
            f.detect
                .source
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty()),
            "{}: the markers have no source",
            f.origin
        );
        assert!(
            f.origin == format!("ecosystems/{}.toml", f.name),
            "{}: the file is not named after the fragment `{}`",
            f.origin,
            f.name
        );
    }
}

#[test]
fn every_fixture_is_listed() {
    let dir = common::fixture_dir("");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("eco-"))
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, listed, "tests/fixtures/eco-* and FIXTURES differ");
    let catalog = Catalog::builtin().unwrap();
    let covered: BTreeSet<&str> = FIXTURES
        .iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    for f in catalog
        .fragments
        .iter()
        .filter(|f| matches!(f.kind, Kind::Language | Kind::Tool))
    {
        if !["rust", "go", "node", "python"].contains(&f.name.as_str()) {
            assert!(
                covered.contains(f.name.as_str()),
                "no fixture shows `{}`",
                f.name
            );
        }
    }
}

#[test]
fn each_fixture_gets_its_ecosystem() {
    let srt = common::srt("each_fixture_gets_its_ecosystem");
    for (fixture, expected) in FIXTURES {
        let s = Sandbox::fixture(fixture);
        let out = s.run(&["init", "--no-justfile", "--platform", "all"]);
        assert!(
            out.status.success(),
            "{fixture}: init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Fragments detection only suggests (a Dockerfile does not let the sandbox build
        // images): named in the summary, applied by `add`.
        let suggested: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|n| SUGGESTED.contains(n))
            .collect();
        for name in &suggested {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("seen  {name}"))
                    && stderr.contains(&format!("`srt-gen add {name}`")),
                "{fixture}: {stderr}"
            );
            let before = s.read(".srt.json");
            assert!(
                !before.contains(&format!("\"{name}\"")),
                "{fixture}: {before}"
            );
            let out = s.run(&["add", name]);
            assert!(out.status.success(), "{fixture}: add {name} failed");
        }
        let text = s.clean(s.read(".srt.json").as_bytes());
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let found: BTreeSet<&str> = json["srtGen"]["fragments"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want: BTreeSet<&str> = expected.iter().copied().collect();
        want.insert("base");
        want.insert("claude");
        assert_eq!(found, want, "{fixture}: active fragments");
        for name in expected.iter().filter(|n| !SUGGESTED.contains(n)) {
            let files = &json["srtGen"]["fragments"][name]["files"];
            assert!(
                files.as_array().is_some_and(|a| !a.is_empty()),
                "{fixture}: `{name}` has no triggering file"
            );
        }
        snap!(fixture.replace('-', "_"), text);
        if let Some(srt) = &srt {
            s.assert_srt_accepts(srt);
        }
    }
}
