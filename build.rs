//! Embeds every catalog file (ecosystems/*.toml, presets/*.toml, presets/agents/*.toml,
//! secrets/*.toml) so that adding an ecosystem is a data change: drop a file in the folder
//! and rebuild.
use std::{env, fmt::Write as _, fs, path::Path};

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    // The catalog's fragments.
    embed(
        &root,
        &["ecosystems", "presets", "presets/agents"],
        "catalog_files.rs",
    );
    // The secret-name catalog (secrets/*.toml): its own shape, not fragments.
    embed(&root, &["secrets"], "secret_files.rs");
}

/// Writes `OUT_DIR/dest`: a slice of (path, contents) for every `.toml` in `dirs`, sorted
/// by name, each embedded with `include_str!`.
fn embed(root: &str, dirs: &[&str], dest: &str) {
    let mut out = String::from("&[\n");
    for dir in dirs {
        let path = Path::new(root).join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut names: Vec<_> = fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        names.sort();
        for file in names {
            println!("cargo:rerun-if-changed={}", file.display());
            let rel = format!("{dir}/{}", file.file_name().unwrap().to_string_lossy());
            writeln!(out, "    ({rel:?}, include_str!({:?})),", file.display()).unwrap();
        }
    }
    out.push(']');
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join(dest);
    fs::write(dest, out).unwrap();
}
