//! Running srt: no sandbox outlives srt-gen, signals forwarded (SIGINT, SIGTERM, SIGHUP),
//! srt-gen the reaper of every orphan below it, nothing left running when the command ends,
//! and the exit status passed on (128+N for a signal).
//!
//! The process chain (tried with srt 0.0.83): srt-gen → a child that asks the
//! kernel for SIGKILL when srt-gen dies (`PR_SET_PDEATHSIG`, checked against a parent that
//! died first) and execs `unshare --pid --fork --kill-child --mount-proc` (and, not as root,
//! `--user --map-current-user`) → srt, pid 1 of a new PID namespace. When srt-gen is killed,
//! even with SIGKILL, unshare gets SIGKILL, its `--kill-child` kills srt, and the kernel
//! kills everything in srt's namespace: bwrap, the command, srt's host-side socat bridge.
//! srt's bookkeeping goes to a private per-run TMPDIR (in a new PID namespace srt is always
//! pid 1, and its socket names would collide). Every descriptor above the policy's is
//! closed at exec (srt passes high descriptors into the sandbox, seen with srt 0.0.83). Where
//! `unshare` cannot run (no user namespaces), srt runs directly, with the parent-death
//! signal alone, and the run says so.
//!
//! Process control goes through `nix` and `signal-hook`; the one raw call is
//! `close_range(2)`, which neither wraps.

#![allow(unsafe_code)]

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::error::Error;

use super::launch::{Launch, Outcome, POLICY_FD};
use super::observe::{observe_stderr, observe_stdout, Observed};

/// Seconds a signalled command gets to exit before what is left of it is killed.
const GRACE: Duration = Duration::from_secs(3);

/// The last forwarded signal srt-gen received (0: none).
static PENDING: AtomicUsize = AtomicUsize::new(0);

const FORWARDED: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

fn install_handlers() {
    for sig in FORWARDED {
        // The handler only stores to an atomic (signal-hook's flag, async-signal-safe).
        let _ = signal_hook::flag::register_usize(sig as i32, &PENDING, sig as usize);
    }
}

fn pending() -> Option<Signal> {
    match PENDING.swap(0, Ordering::SeqCst) {
        0 => None,
        n => Signal::try_from(n as i32).ok(),
    }
}

fn send(pid: i32, sig: Option<Signal>) {
    // A stale pid gives ESRCH, which is ignored.
    let _ = kill(Pid::from_raw(pid), sig);
}

/// Reaps every child that has exited. Returns srt's (or unshare's) exit code if it was
/// among them.
fn reap(child: i32) -> Option<u8> {
    let mut code = None;
    loop {
        match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::ECHILD) => return code,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return code,
            Ok(WaitStatus::Exited(pid, c)) => {
                if pid.as_raw() == child {
                    code = Some(c as u8);
                }
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) => {
                if pid.as_raw() == child {
                    code = Some(128u8.saturating_add(sig as i32 as u8));
                }
            }
            Ok(_) => {}
        }
    }
}

/// The `unshare` prefix that puts srt in a PID namespace of its own, if it works here
/// (probed once: `unshare ... true`). `path` is srt's (clean) PATH.
pub(super) fn namespace_prefix(path: &str) -> Result<Vec<String>, String> {
    let unshare = std::env::split_paths(path)
        .map(|d| d.join("unshare"))
        .find(|p| p.is_file())
        .ok_or_else(|| "unshare (util-linux) is not on PATH".to_string())?;
    let mut args: Vec<String> = vec![unshare.display().to_string()];
    if !nix::unistd::geteuid().is_root() {
        args.extend(["--user", "--map-current-user"].map(String::from));
    }
    args.extend(["--pid", "--fork", "--kill-child", "--mount-proc"].map(String::from));
    let probe = std::process::Command::new(&args[0])
        .args(&args[1..])
        .arg("true")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("cannot start unshare: {e}"))?;
    if probe.status.success() {
        Ok(args)
    } else {
        Err(format!(
            "`{} true` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&probe.stderr).trim()
        ))
    }
}

/// srt-gen's private folder for one run (srt's TMPDIR inside it), locked while the run
/// lives; a folder whose lock nobody holds is a killed run's, and the next run removes it.
struct RunDir {
    dir: PathBuf,
    tmp: PathBuf,
    _lock: nix::fcntl::Flock<std::fs::File>,
}

impl RunDir {
    fn create(runs: &Path) -> Result<RunDir, Error> {
        use std::os::unix::fs::DirBuilderExt;
        let cannot =
            |what: &Path, e: io::Error| Error::io(format!("cannot create {}", what.display()), e);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(runs)
            .map_err(|e| cannot(runs, e))?;
        sweep(runs);
        let dir = runs.join(format!("r{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| cannot(&dir, e))?;
        let lock_file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join("lock"))
            .map_err(|e| cannot(&dir.join("lock"), e))?;
        let lock = nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| Error::io(format!("cannot lock {}", dir.display()), e.into()))?;
        let tmp = dir.join("t");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&tmp)
            .map_err(|e| cannot(&tmp, e))?;
        Ok(RunDir {
            dir,
            tmp,
            _lock: lock,
        })
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes the folders of runs that are gone (their lock is free).
fn sweep(runs: &Path) {
    let Ok(rd) = std::fs::read_dir(runs) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(f) = std::fs::OpenOptions::new().write(true).open(p.join("lock")) else {
            continue;
        };
        if nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).is_ok() {
            let _ = std::fs::remove_dir_all(&p);
        }
    }
}

/// In the child, before exec: marks every descriptor above `keep` close-on-exec.
fn close_above(keep: i32) -> io::Result<()> {
    let first = (keep + 1) as libc::c_uint;
    // SAFETY: close_range(2) with integer arguments (Linux 5.11+ for CLOSE_RANGE_CLOEXEC).
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    // Older kernels: one fcntl per possible descriptor (async-signal-safe, bounded).
    // SAFETY: sysconf and fcntl with integer arguments on this process's descriptors.
    let max = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) }.clamp(256, 65536) as i32;
    for fd in (keep + 1)..max {
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
    Ok(())
}

/// srt's pid: the child of `unshare` (or the child itself when srt runs directly).
fn srt_pid(child: i32, namespaced: bool) -> i32 {
    if !namespaced {
        return child;
    }
    std::fs::read_to_string(format!("/proc/{child}/task/{child}/children"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(child)
}

pub(super) fn supervise(launch: &Launch) -> Result<(Outcome, Observed), Error> {
    install_handlers();
    // srt-gen reaps every orphan below it, so what srt leaves behind is still its to end.
    let _ = nix::sys::prctl::set_child_subreaper(true);
    let run_dir = RunDir::create(&launch.runs)?;
    let path = launch
        .env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let prefix = match namespace_prefix(&path) {
        Ok(p) => p,
        Err(why) => {
            eprintln!(
                "srt-gen: note: srt runs without a PID namespace of its own ({}): if srt-gen is \
                 killed, the sandbox may outlive it; `srt-gen doctor` checks this",
                crate::shown::shown_text(&why)
            );
            Vec::new()
        }
    };
    let namespaced = !prefix.is_empty();
    // unshare first (it dies with srt-gen and takes the namespace with it), then, under
    // `learn`, the tracer (pid 1 of the namespace), then srt.
    let chain: Vec<String> = prefix
        .iter()
        .cloned()
        .chain(launch.tracer.iter().cloned())
        .collect();
    let mut cmd = match chain.split_first() {
        Some((first, rest)) => {
            let mut c = std::process::Command::new(first);
            c.args(rest).arg(&launch.program);
            c
        }
        None => std::process::Command::new(&launch.program),
    };
    cmd.args(&launch.args).current_dir(&launch.cwd);
    for k in &launch.env_remove {
        cmd.env_remove(k);
    }
    for (k, v) in &launch.env {
        cmd.env(k, v);
    }
    cmd.env("TMPDIR", &run_dir.tmp);
    // The run policy reaches srt on a pipe at POLICY_FD (`--settings /dev/fd/3`): srt reads
    // it once, at start, and nothing inside the sandbox can reach it.
    let (policy_read, mut policy_write) =
        io::pipe().map_err(|e| Error::io("cannot make a pipe for the run policy", e))?;
    let read_fd = policy_read.as_raw_fd();
    let parent = nix::unistd::getpid();
    // SAFETY: between fork and exec, only async-signal-safe calls (prctl, getppid, dup2,
    // fcntl, close_range) on descriptors this process owns.
    unsafe {
        cmd.pre_exec(move || {
            // Dies with srt-gen, even by SIGKILL; if srt-gen is already gone, stop here.
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(io::Error::from)?;
            if nix::unistd::getppid() != parent {
                return Err(io::Error::other("srt-gen is gone"));
            }
            if read_fd == POLICY_FD {
                let flags = libc::fcntl(read_fd, libc::F_GETFD);
                if flags < 0 || libc::fcntl(read_fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(io::Error::last_os_error());
                }
            } else if libc::dup2(read_fd, POLICY_FD) < 0 {
                return Err(io::Error::last_os_error());
            }
            close_above(POLICY_FD)
        });
    }
    // Without a terminal, srt gets its own process group, so that a signal for srt-gen
    // alone reaches all of srt. With one, srt stays in the terminal's foreground group
    // (a background group would be stopped when it touches the terminal), and Ctrl-C
    // reaches srt-gen and srt together.
    use std::io::IsTerminal;
    let own_group = !io::stdin().is_terminal();
    if own_group {
        cmd.process_group(0);
    }
    if launch.observe {
        cmd.stderr(std::process::Stdio::piped());
    }
    if launch.observe && launch.observe_stdout {
        cmd.stdout(std::process::Stdio::piped());
    } else if launch.stdout_to_stderr {
        use std::os::fd::AsFd;
        let fd = io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Error::io("cannot duplicate stderr", e))?;
        cmd.stdout(std::process::Stdio::from(fd));
    }
    let child = cmd.spawn().map_err(|e| {
        Error::Environment(format!(
            "cannot start srt ({}): {e}",
            launch.program.display()
        ))
    })?;
    drop(policy_read);
    let bytes = launch.policy.clone();
    // A thread, so that a policy larger than the pipe's buffer cannot stall srt-gen; srt
    // reads to the end before it starts anything.
    std::thread::spawn(move || {
        use std::io::Write;
        let _ = policy_write.write_all(&bytes);
    });
    let pid = child.id() as i32;
    let observer = if launch.observe {
        // srt echoes the command line after `--` in one debug message.
        let echo_lines = launch
            .args
            .iter()
            .skip_while(|a| *a != "--")
            .map(|a| a.matches('\n').count())
            .sum();
        child.stderr.map(|e| observe_stderr(e, echo_lines))
    } else {
        None
    };
    let stdout_observer = if launch.observe {
        child
            .stdout
            .map(|o| observe_stdout(o, launch.stdout_to_stderr))
    } else {
        None
    };
    let finish = |o: Outcome| {
        let mut observed: Observed = observer
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        if let Some(h) = stdout_observer {
            observed.output.extend(h.join().unwrap_or_default());
        }
        drop(run_dir);
        Ok((o, observed))
    };
    let me = std::process::id() as i32;
    loop {
        if let Some(code) = reap(pid) {
            // The command is done; nothing it started may outlive the run.
            kill_all(me, Some(Signal::SIGKILL), Duration::from_secs(2));
            return finish(Outcome::Exited(code));
        }
        if let Some(sig) = pending() {
            // srt first (unshare ignores SIGINT and SIGTERM), then everything below.
            let srt = srt_pid(pid, namespaced);
            send(if own_group && !namespaced { -srt } else { srt }, Some(sig));
            for p in descendants(me) {
                send(p, Some(sig));
            }
            if !kill_all(me, None, GRACE) {
                kill_all(me, Some(Signal::SIGKILL), Duration::from_secs(2));
            }
            reap(pid);
            return finish(Outcome::Signalled(sig as i32));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits up to `wait` for every descendant to be gone, reaping them; with a signal,
/// sends it to each first. A second signal to srt-gen cuts the wait short. Returns true
/// when none is left.
fn kill_all(me: i32, sig: Option<Signal>, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        reap(-2);
        let left = descendants(me);
        if left.is_empty() {
            return true;
        }
        if sig.is_some() {
            for p in &left {
                send(*p, sig);
            }
        }
        if Instant::now() >= deadline || (sig.is_none() && PENDING.load(Ordering::SeqCst) != 0) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Live processes below `pid`, from /proc (zombies are reaped, not counted).
#[cfg(target_os = "linux")]
fn descendants(pid: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for e in dir.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let state = f.next().unwrap_or("");
        let ppid = f.next().and_then(|s| s.parse::<i32>().ok()).unwrap_or(0);
        parent_of.push((p, ppid, state == "Z" || state == "X"));
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(q) = frontier.pop() {
        for &(p, ppid, dead) in &parent_of {
            if ppid == q && p != pid && !out.contains(&p) {
                frontier.push(p);
                if !dead {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[cfg(not(target_os = "linux"))]
fn descendants(_pid: i32) -> Vec<i32> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_runs_folder_is_swept_and_a_live_ones_is_kept() {
        let d = tempfile::tempdir().unwrap();
        let runs = d.path().join("runs");
        let live = RunDir::create(&runs).unwrap();
        let stale = runs.join("r999999999");
        std::fs::create_dir_all(stale.join("t")).unwrap();
        std::fs::write(stale.join("lock"), "").unwrap();
        sweep(&runs);
        assert!(!stale.exists(), "a folder nobody holds is removed");
        assert!(live.tmp.is_dir(), "the live run's folder stays");
        let dir = live.dir.clone();
        drop(live);
        assert!(!dir.exists(), "a run removes its own folder");
    }
}
