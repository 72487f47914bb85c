//! The readers of files a repository or a sandbox could have made (issue 18.8), on what a
//! hostile tree holds: regular files of any content, symbolic links (to a file outside,
//! to /dev/zero, to a FIFO, dangling, to themselves), FIFOs, folders, and files far past
//! every bound (sparse, so they cost no disk). Every reader must return, never hang on a
//! FIFO, never read past its bound, never follow a link where it must not, never panic:
//! `files::read_bounded`, `read_head`, `read_bounded_following`, `project_text`,
//! `config_text`, the settings reader, the catalog's fragment loader and the detection walk
//! (manifests).
#![no_main]

use std::os::unix::fs::symlink;
use std::path::Path;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use srt_gen::files::{self, Bounded};

#[derive(Debug, Arbitrary)]
enum Shape {
    Regular(Vec<u8>),
    /// A sparse file this many MiB long (capped).
    Huge(u16),
    LinkToOutside,
    LinkToZero,
    LinkToFifo,
    Dangling,
    SelfLink,
    Fifo,
    Folder,
}

#[derive(Debug, Arbitrary)]
struct Input {
    /// Which well-known name the entry takes (a manifest, a policy, a fragment, a git file).
    name: u8,
    shape: Shape,
    max: u16,
}

const NAMES: &[&str] = &[
    ".srt.json",
    "package.json",
    "Cargo.toml",
    "pyproject.toml",
    ".npmrc",
    "requirements.txt",
    ".srt-gen/fragments/x.toml",
    ".git",
    ".gitignore",
    "go.mod",
];

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path inside the target's own temp dir.
    unsafe {
        libc::mkfifo(c.as_ptr(), 0o600);
    }
}

fn make(at: &Path, shape: &Shape, outside: &Path, fifo: &Path) {
    if let Some(d) = at.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    let _ = match shape {
        Shape::Regular(b) => std::fs::write(at, b),
        Shape::Huge(mib) => std::fs::File::create(at)
            .and_then(|f| f.set_len(u64::from(*mib % 4096 + 65) * 1024 * 1024)),
        Shape::LinkToOutside => symlink(outside, at),
        Shape::LinkToZero => symlink("/dev/zero", at),
        Shape::LinkToFifo => symlink(fifo, at),
        Shape::Dangling => symlink("/nonexistent-srt-gen-fuzz/x", at),
        Shape::SelfLink => symlink(at, at),
        Shape::Fifo => {
            mkfifo(at);
            Ok(())
        }
        Shape::Folder => std::fs::create_dir_all(at),
    };
}

fuzz_target!(|input: Input| {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside-secret");
    std::fs::write(&outside, b"OUTSIDE-SECRET").unwrap();
    let fifo = dir.path().join("a-fifo");
    mkfifo(&fifo);
    let root = dir.path().join("project");
    std::fs::create_dir_all(&root).unwrap();
    let name = NAMES[usize::from(input.name) % NAMES.len()];
    let at = root.join(name);
    make(&at, &input.shape, &outside, &fifo);
    let max = u64::from(input.max);

    // The low-level readers: bounded, and links only where the reader follows them.
    if let Ok(Bounded::Bytes(b)) = files::read_bounded(&at, max) {
        assert!(b.len() as u64 <= max);
        assert_ne!(b, b"OUTSIDE-SECRET", "read_bounded followed a link");
    }
    if let Ok(Bounded::Bytes(b)) = files::read_head(&at, max) {
        assert!(b.len() as u64 <= max);
        assert_ne!(b, b"OUTSIDE-SECRET", "read_head followed a link");
    }
    if let Ok(Bounded::Bytes(b)) = files::read_bounded_following(&at, max) {
        assert!(b.len() as u64 <= max);
    }
    if let Some(t) = files::project_text(&at) {
        assert_ne!(t, "OUTSIDE-SECRET", "project_text followed a link");
    }
    let _ = files::config_text(&at);

    // What srt-gen builds on them: each returns (an error is fine), none blocks.
    let _ = srt_gen::policy::settings::Settings::read(&at);
    let env = srt_gen::env::Env {
        vars: Default::default(),
        home: dir.path().join("home"),
        os: srt_gen::env::Os::Linux,
    };
    let _ = srt_gen::catalog::Catalog::load(&root, &env);
    // The walk reads ignore files itself, bounded (issue 15); before, the `ignore` crate
    // opened a FIFO `.gitignore` for a blocking read and read a `.git` file without a bound
    // (this target found a 4 GiB sparse `.git` file exhausting memory there).
    if let Ok(catalog) = srt_gen::catalog::Catalog::builtin() {
        let _ = srt_gen::detect::detect(&root, &catalog.markers());
    }
});
