//! What the sandbox refused, seen from outside it: `srt-gen learn` starts srt itself under
//! `strace -f`, so that every process of the run is traced, srt's own and the sandbox's,
//! and reads the trace afterwards.
//!
//! Why from outside (README, "learn"): a trace written inside the sandbox has to go to a
//! place the sandbox can write, and the command can then write lines of its own into it; the
//! command's stderr is srt's stderr too, so a line that looks like srt's debug log may be
//! the command's. strace started by srt-gen writes its trace to a file it opens itself
//! (close-on-exec, so no process below it holds it) in a folder of srt-gen's own that the
//! policy leaves read-only; and the trace says which process made each call, so a line on
//! srt's stderr counts as srt's only when srt's own process wrote it.
//!
//! Which process is which: the processes srt starts before bubblewrap (node, its shell,
//! the host bridges) are outside; `bwrap` and the processes it forks before they start
//! another program are bubblewrap's; every process that descends from those and has started
//! a program of its own is the sandbox (srt's relays inside, the wrapper, the command).
//! Refusals count only for the sandbox; srt's log lines only from outside.
//!
//! ptrace through bubblewrap works as root and, with bubblewrap's user namespace, as an
//! unprivileged user (checked on Debian 12, kernel 6.x); `probe` finds out on each machine
//! (containers often forbid ptrace) and `learn` falls back to the command's messages.

mod parse;

use std::io::BufReader;
use std::path::{Path, PathBuf};

pub use parse::{parse, parse_sandboxed, Access, Direct, Refusal, Trace};

use crate::env::Env;
use crate::error::Error;

/// The variable that names strace's executable (absolute), for machines that keep it
/// elsewhere.
pub const STRACE_ENV: &str = "SRT_GEN_STRACE";

/// Where strace is looked for: system folders only, never PATH (a PATH folder may be one
/// the sandbox can write).
const SYSTEM_DIRS: [&str; 4] = ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"];

/// Calls that can be refused, the calls that tell processes and their folders apart, and
/// the writes whose bytes say who printed what. `?`: not an error on an architecture
/// without that call (aarch64 has no `open`, `mkdir`, `fork`, ...).
const SYSCALLS: &[&str] = &[
    "execve",
    "execveat",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "chdir",
    "fchdir",
    "write",
    "writev",
    "connect",
    "open",
    "openat",
    "openat2",
    "creat",
    "mkdir",
    "mkdirat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "unlink",
    "unlinkat",
    "rmdir",
    "chmod",
    "fchmodat",
    "chown",
    "lchown",
    "fchownat",
    "truncate",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "mknod",
    "mknodat",
    "access",
    "faccessat",
    "faccessat2",
];

/// Longest trace line read whole (longer ones are cut: a path is at most 4 KiB, escaped 16).
pub(super) const MAX_LINE: usize = 64 * 1024;
/// At most this many distinct refusals, srt messages and output lines are kept.
pub(super) const MAX_ITEMS: usize = 10_000;
/// An output line longer than this is cut.
pub(super) const MAX_OUTPUT_LINE: usize = 4096;
/// Events of processes whose parent the trace has not named yet, at most.
pub(super) const MAX_PENDING_EVENTS: usize = 100_000;

/// strace, found and known to work here, and the private file its trace goes to.
#[derive(Debug)]
pub struct Tracer {
    pub program: PathBuf,
    /// The trace file, in `dir`.
    pub file: PathBuf,
    /// srt-gen's own folder for this run (removed when the tracer is dropped).
    pub dir: PathBuf,
    /// `setpriv`, to make srt die with strace (strace 6.1 has no --kill-on-exit).
    pub setpriv: Option<PathBuf>,
}

/// strace: `$SRT_GEN_STRACE` (absolute), else the first in the system folders.
pub fn find(env: &Env) -> Option<PathBuf> {
    if let Some(p) = env.var(STRACE_ENV) {
        let p = PathBuf::from(p);
        return (p.is_absolute() && is_executable(&p)).then_some(p);
    }
    SYSTEM_DIRS
        .iter()
        .map(|d| Path::new(d).join("strace"))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether strace can trace here, with the options `learn` uses: `true` under them, the
/// trace thrown away (ptrace may be forbidden, in a container say; an old strace lacks an
/// option). The error is strace's own first line.
pub fn probe(tracer: &Tracer) -> Result<(), String> {
    let mut argv = tracer.prefix();
    if let Some(i) = argv.iter().position(|a| a == "-o") {
        argv[i + 1] = "/dev/null".into();
    }
    // Without setpriv: `true` directly after `--`.
    if let Some(i) = argv.iter().position(|a| a == "--") {
        argv.truncate(i + 1);
    }
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .arg("true")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", tracer.program.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err.lines().next().unwrap_or("strace failed").to_string())
    }
}

/// A new private folder for one traced run under `base` (created 0700, as srt-gen's
/// other bookkeeping under `~/.cache/srt-gen`).
pub fn private_dir(base: &Path) -> Result<PathBuf, Error> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::create_dir_all(base)
        .map_err(|e| Error::io(format!("cannot create {}", base.display()), e))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = base.join(format!("learn-{}-{nanos}", std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    Ok(dir)
}

impl Tracer {
    pub fn new(program: PathBuf, dir: PathBuf) -> Tracer {
        let setpriv = SYSTEM_DIRS
            .iter()
            .map(|d| Path::new(d).join("setpriv"))
            .find(|p| is_executable(p));
        Tracer {
            program,
            file: dir.join("trace"),
            dir,
            setpriv,
        }
    }

    /// The command line to put before srt's: strace and its options, then `--`.
    pub fn prefix(&self) -> Vec<String> {
        let calls: Vec<String> = SYSCALLS.iter().map(|c| format!("?{c}")).collect();
        let mut argv = vec![
            self.program.display().to_string(),
            "-f".into(),
            "-qq".into(),
            // Non-ASCII bytes in paths as \x escapes; paths of descriptors decoded.
            "-x".into(),
            "-y".into(),
            // No data in the trace but paths and the bytes written to fd 1 and 2: srt's
            // proxy writes requests with real credentials to its sockets.
            "-s".into(),
            "0".into(),
            "-e".into(),
            "signal=none".into(),
            "-e".into(),
            format!("trace={}", calls.join(",")),
            "-e".into(),
            "write=1,2".into(),
            // A child's pid as strace knows it: inside bubblewrap's PID namespace, clone()
            // returns the namespace's own number.
            "--decode-pids=pidns".into(),
            "-o".into(),
            self.file.display().to_string(),
            "--".into(),
        ];
        if let Some(setpriv) = &self.setpriv {
            argv.extend([
                setpriv.display().to_string(),
                "--pdeathsig".into(),
                "KILL".into(),
                "--".into(),
            ]);
        }
        argv
    }

    /// Reads the trace; `cwd` is the folder srt was started in.
    pub fn read(&self, cwd: &Path) -> Result<Trace, Error> {
        let f = std::fs::File::open(&self.file)
            .map_err(|e| Error::io(format!("cannot read {}", self.file.display()), e))?;
        Ok(parse(BufReader::new(f), cwd))
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `doctor`: strace found and able to trace here, with the options `learn` uses; its
/// version line.
pub fn check(env: &Env) -> Result<(PathBuf, String), String> {
    let program = find(env).ok_or_else(|| match env.var(STRACE_ENV) {
        Some(v) => {
            format!("{STRACE_ENV} names {v}, which is not an absolute path to an executable")
        }
        None => "not installed".to_string(),
    })?;
    let tracer = Tracer {
        program: program.clone(),
        file: PathBuf::from("/dev/null"),
        dir: PathBuf::new(),
        setpriv: None,
    };
    probe(&tracer)?;
    let version = std::process::Command::new(&program)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.lines().next().map(str::to_string))
        .unwrap_or_default();
    Ok((program, version))
}
