//! Speed and memory of detection on a large synthetic monorepo: 300 member packages of
//! four ecosystems with source files, plus a node_modules tree of 30,000 files that the
//! walk must skip. Run with `cargo bench --bench detect`; prints the median wall time of
//! `init --dry-run`'s detection step and the peak resident memory (Linux).
//!
//! Goals (measured here, never asserted in tests): detection under 150 ms, peak memory
//! under 50 MiB on the 2-core CI machine.

use std::path::Path;
use std::time::Instant;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn build_tree(root: &Path) -> usize {
    let mut files = 0;
    for i in 0..300 {
        let dir = root.join(format!("packages/p{i}"));
        match i % 4 {
            0 => write(
                &dir.join("Cargo.toml"),
                &format!("[package]\nname = \"p{i}\"\nversion = \"0.1.0\"\n"),
            ),
            1 => write(
                &dir.join("package.json"),
                &format!("{{\"name\": \"p{i}\", \"version\": \"1.0.0\"}}\n"),
            ),
            2 => write(
                &dir.join("pyproject.toml"),
                &format!("[project]\nname = \"p{i}\"\nversion = \"0.1\"\n"),
            ),
            _ => write(
                &dir.join("go.mod"),
                &format!("module example.com/p{i}\n\ngo 1.22\n"),
            ),
        }
        for j in 0..20 {
            write(&dir.join(format!("src/f{j}.txt")), "x\n");
        }
        files += 21;
    }
    for i in 0..1500 {
        let dir = root.join(format!("node_modules/dep{i}"));
        write(&dir.join("package.json"), "{}\n");
        for j in 0..19 {
            write(&dir.join(format!("lib/f{j}.js")), "x\n");
        }
        files += 20;
    }
    files
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let files = build_tree(dir.path());
    let catalog = srt_gen::catalog::Catalog::builtin().unwrap();
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..15 {
        let t = Instant::now();
        let det = srt_gen::detect::detect(dir.path(), &catalog.markers());
        times.push(t.elapsed());
        found = det.found.values().map(Vec::len).sum();
    }
    times.sort();
    println!("detect: {files} files in the tree, {found} marker files found");
    println!(
        "detect: median {:?}, min {:?}, max {:?} over {} runs",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
    match peak_rss_kib() {
        Some(kib) => println!(
            "detect: peak resident memory {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("detect: peak memory not available on this platform"),
    }
}
