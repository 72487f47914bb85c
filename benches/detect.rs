//! `srt-gen init --dry-run` against `rg --files` on the same synthetic monorepos of 440,000
//! and 1,000,000 files (issue 15.7: within 1.25x of rg, under 30 MB peak memory). Run with
//! `cargo bench --bench detect`; nothing here is asserted, the numbers are printed.
//!
//! The trees: most files in node_modules (55%), target (25%) and .venv (12%), which the
//! root .gitignore ignores and srt-gen never enters; the tracked 8% is a pnpm workspace
//! (packages/*), a Cargo workspace (crates/*), uv services (services/*), Go modules and
//! docs, every member with a real manifest, and nested .gitignore files: the layout of
//! the research session's generator (notes/corpus.md §6). They are generated once into
//! `target/bench-trees/` and reused; `SRT_GEN_BENCH_TREES=DIR` uses `DIR/t440k` and
//! `DIR/t1m` instead (that generator's output).
//!
//! Fair: rg gets the same ignore rules srt-gen reads (`--hidden --no-require-git
//! --no-ignore-parent --no-ignore-global`: .gitignore and .ignore in the tree, hidden
//! files included). Each pair runs back to back, the order alternating; the ratio printed
//! is the median of the pairs' ratios (`SRT_GEN_BENCH_PAIRS`, default 21). Peak memory is
//! the child's own maximum resident set (wait4). Measure on a quiet machine: a loaded
//! 2-core machine takes away rg's parallelism first (the load average is printed).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bumped when the layout changes, so that an old tree is generated again.
const LAYOUT: &str = "srt-gen bench tree v2";

fn write(p: &Path, text: &str) {
    std::fs::write(p, text).unwrap();
}

fn mkdir(p: &Path) {
    std::fs::create_dir_all(p).unwrap();
}

/// `n` empty files `f{i}.{ext}` in `dir`.
fn bulk(dir: &Path, n: usize, ext: &str) {
    mkdir(dir);
    for i in 0..n {
        std::fs::File::create(dir.join(format!("f{i}.{ext}"))).unwrap();
    }
}

/// Writes a tree of about `total` files under `root`.
fn generate(root: &Path, total: usize) {
    let tracked = total * 8 / 100;
    let node = total * 55 / 100;
    let target = total * 25 / 100;
    let venv = total - tracked - node - target;
    // Its own repository (an empty .git): the tree lies inside srt-gen's, and `init` would
    // otherwise take srt-gen's own top for the project's.
    mkdir(&root.join(".git"));
    write(
        &root.join(".gitignore"),
        "node_modules/\ntarget/\n.venv/\n*.log\n",
    );
    write(
        &root.join("package.json"),
        "{\"name\": \"mono\", \"private\": true, \"packageManager\": \"pnpm@9.0.0\"}\n",
    );
    write(
        &root.join("pnpm-workspace.yaml"),
        "packages:\n  - packages/*\n",
    );
    write(&root.join("pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    write(&root.join("Cargo.lock"), "version = 4\n");
    // Members: 0.4% of the tree's files are manifests, the rest of the tracked part source.
    let (js, rs, py, go) = (total / 2450, total / 7330, total / 14660, 10);
    let members = js + rs + py + go;
    let per = (tracked.saturating_sub(members * 2) / members).max(1);
    let mut made = 7;
    for i in 0..js {
        let d = root.join(format!("packages/p{i}"));
        mkdir(&d);
        write(
            &d.join("package.json"),
            &format!("{{\"name\": \"@mono/p{i}\", \"version\": \"1.0.0\"}}\n"),
        );
        write(&d.join(".gitignore"), "dist/\n");
        bulk(&d.join("src"), per, "ts");
        made += per + 2;
    }
    for i in 0..rs {
        let d = root.join(format!("crates/c{i}"));
        mkdir(&d);
        write(
            &d.join("Cargo.toml"),
            &format!("[package]\nname = \"c{i}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        bulk(&d.join("src"), per, "rs");
        made += per + 1;
    }
    for i in 0..py {
        let d = root.join(format!("services/s{i}"));
        mkdir(&d);
        write(
            &d.join("pyproject.toml"),
            &format!("[project]\nname = \"s{i}\"\nversion = \"0.1\"\n\n[tool.uv]\n"),
        );
        write(&d.join("uv.lock"), "version = 1\n");
        bulk(&d.join("src"), per, "py");
        made += per + 2;
    }
    for i in 0..go {
        let d = root.join(format!("go/m{i}"));
        mkdir(&d);
        write(
            &d.join("go.mod"),
            &format!("module example.com/m{i}\n\ngo 1.22\n"),
        );
        bulk(&d, per, "go");
        made += per + 1;
    }
    if tracked > made {
        bulk(&root.join("docs"), tracked - made, "md");
    }
    // The ignored bulk, in folders of 100 files, with manifests where real ones are.
    let spread = |dir: &Path, n: usize, manifest: &str, ext: &str| {
        let mut left = n;
        let mut i = 0;
        while left > 0 {
            let d = dir.join(format!("d{i}"));
            let k = left.min(100);
            bulk(&d, k.saturating_sub(1), ext);
            write(&d.join(manifest), "{}\n");
            left -= k;
            i += 1;
        }
    };
    spread(&root.join("node_modules/.pnpm"), node, "package.json", "js");
    spread(
        &root.join("target/debug/deps"),
        target,
        "Cargo.toml",
        "rlib",
    );
    spread(
        &root.join(".venv/lib/python3.11/site-packages"),
        venv,
        "pyproject.toml",
        "py",
    );
    write(&root.join(".bench-layout"), &format!("{LAYOUT} {total}\n"));
}

/// The tree of `total` files: `SRT_GEN_BENCH_TREES/<name>`, or generated (once) under
/// target/bench-trees.
fn tree(name: &str, total: usize) -> PathBuf {
    if let Some(dir) = std::env::var_os("SRT_GEN_BENCH_TREES") {
        let p = PathBuf::from(dir).join(name);
        assert!(p.is_dir(), "{} is not a folder", p.display());
        return p;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-trees")
        .join(name);
    let stamp = format!("{LAYOUT} {total}\n");
    if std::fs::read_to_string(root.join(".bench-layout")).ok() != Some(stamp) {
        let _ = std::fs::remove_dir_all(&root);
        let t = Instant::now();
        eprintln!("generating {} ({total} files) ...", root.display());
        generate(&root, total);
        eprintln!("  done in {:.0?}", t.elapsed());
    }
    root
}

/// Wall time and peak resident memory (KiB) of one run, its output discarded.
// The child is reaped by `wait4` (which std's `wait` cannot replace: it gives no rusage).
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> (Duration, u64) {
    let t = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let (status, rss) = wait4(child.id() as libc::pid_t);
    let wall = t.elapsed();
    assert!(status == 0, "{cmd:?} exited with status {status}");
    (wall, rss)
}

/// The child's exit status and its own peak resident set, from the kernel's accounting.
#[allow(unsafe_code)]
fn wait4(pid: libc::pid_t) -> (i32, u64) {
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for the child `pid`,
    // which this process spawned and has not waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    (status, usage.ru_maxrss as u64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks a tree.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let pairs: usize = std::env::var("SRT_GEN_BENCH_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    let srt_gen = env!("CARGO_BIN_EXE_srt-gen");
    let home = tempfile::tempdir().unwrap();
    if Command::new("rg").arg("--version").output().is_err() {
        println!("detect: rg is not on PATH; nothing to compare with");
        return;
    }
    for (name, total) in [("t440k", 440_000), ("t1m", 1_000_000)] {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let root = tree(name, total);
        let rg = || {
            let mut c = Command::new("rg");
            c.args([
                "--files",
                "--hidden",
                "--no-require-git",
                "--no-ignore-parent",
                "--no-ignore-global",
            ])
            .arg(&root);
            c
        };
        let init = || {
            let mut c = Command::new(srt_gen);
            c.args(["init", "--dry-run"])
                .arg(&root)
                .env_clear()
                .env("HOME", home.path())
                .env("PATH", "/usr/bin:/bin");
            c
        };
        // One of each first: the page cache, warm for both.
        measure(&mut rg());
        measure(&mut init());
        let load_before = load();
        let (mut rg_t, mut srt_t, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut rg_rss, mut srt_rss) = (0u64, 0u64);
        for i in 0..pairs {
            let (a, b) = if i % 2 == 0 {
                let a = measure(&mut rg());
                (a, measure(&mut init()))
            } else {
                let b = measure(&mut init());
                (measure(&mut rg()), b)
            };
            rg_t.push(a.0.as_secs_f64());
            srt_t.push(b.0.as_secs_f64());
            ratios.push(b.0.as_secs_f64() / a.0.as_secs_f64());
            rg_rss = rg_rss.max(a.1);
            srt_rss = srt_rss.max(b.1);
        }
        let (lo, hi) = ratios
            .iter()
            .fold((f64::MAX, 0f64), |(l, h), r| (l.min(*r), h.max(*r)));
        println!(
            "detect {name}: {total} files, {pairs} pairs, load {load_before} -> {}",
            load()
        );
        println!(
            "detect {name}: rg --files median {:.1} ms, srt-gen init --dry-run median {:.1} ms",
            median(rg_t) * 1e3,
            median(srt_t.clone()) * 1e3
        );
        println!(
            "detect {name}: ratio srt-gen/rg median {:.2} (pairs {lo:.2}-{hi:.2}; goal <= 1.25)",
            median(ratios)
        );
        println!(
            "detect {name}: peak resident memory rg {:.1} MiB, srt-gen {:.1} MiB (goal < 30 MB)",
            rg_rss as f64 / 1024.0,
            srt_rss as f64 / 1024.0
        );
    }
}
