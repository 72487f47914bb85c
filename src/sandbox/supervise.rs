//! Running srt: signals forwarded (SIGINT, SIGTERM, SIGHUP), srt-gen the reaper of every
//! orphan below it, nothing left running when the command ends, and the exit status
//! passed on (128+N for a signal).

// Signal handlers, prctl(PR_SET_CHILD_SUBREAPER), kill and waitpid are libc calls that
// std does not wrap; every unsafe block below is one such call with plain-data arguments.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::error::Error;

use super::launch::{Launch, Outcome, POLICY_FD};
use super::observe::{observe_stderr, observe_stdout, Observed};

/// Seconds a signalled command gets to exit before what is left of it is killed.
const GRACE: Duration = Duration::from_secs(3);

static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    PENDING.store(sig, Ordering::SeqCst);
}

const FORWARDED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn install_handlers() {
    for sig in FORWARDED {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler
        // only stores to an atomic.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Makes srt-gen the reaper of every orphan below it (Linux), so that a sandboxed
/// process srt leaves behind is still srt-gen's to find and end.
#[cfg(target_os = "linux")]
fn become_subreaper() {
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn become_subreaper() {}

fn stdin_is_tty() -> bool {
    // SAFETY: isatty on a descriptor number.
    unsafe { libc::isatty(0) == 1 }
}

fn send(pid: i32, sig: libc::c_int) {
    // SAFETY: kill with plain integers; a stale pid gives ESRCH, which is ignored.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Reaps every child that has exited. Returns srt's wait status if srt was among them.
fn reap(srt: i32) -> Option<i32> {
    let mut srt_status = None;
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid pointer to a local.
        let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if r <= 0 {
            if r < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return srt_status;
        }
        if r == srt {
            srt_status = Some(status);
        }
    }
}

fn exit_code(status: i32) -> u8 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) as u8
    } else if libc::WIFSIGNALED(status) {
        128u8.saturating_add(libc::WTERMSIG(status) as u8)
    } else {
        1
    }
}

pub(super) fn supervise(launch: &Launch) -> Result<(Outcome, Observed), Error> {
    install_handlers();
    become_subreaper();
    // Under a tracer (`learn`), the tracer is started and srt's command line follows it.
    let mut cmd = match launch.tracer.split_first() {
        Some((tracer, options)) => {
            let mut c = std::process::Command::new(tracer);
            c.args(options).arg(&launch.program);
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
    // The run policy reaches srt on a pipe at POLICY_FD (`--settings /dev/fd/3`): srt reads
    // it once, at start, and nothing inside the sandbox can reach it.
    let (policy_read, mut policy_write) =
        io::pipe().map_err(|e| Error::io("cannot make a pipe for the run policy", e))?;
    let read_fd = policy_read.as_raw_fd();
    // SAFETY: between fork and exec, only async-signal-safe calls (dup2, fcntl) on
    // descriptors this process owns.
    unsafe {
        cmd.pre_exec(move || {
            if read_fd == POLICY_FD {
                let flags = libc::fcntl(read_fd, libc::F_GETFD);
                if flags < 0 || libc::fcntl(read_fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(io::Error::last_os_error());
                }
            } else if libc::dup2(read_fd, POLICY_FD) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Without a terminal, srt gets its own process group, so that a signal for srt-gen
    // alone reaches all of srt. With one, srt stays in the terminal's foreground group
    // (a background group would be stopped when it touches the terminal), and Ctrl-C
    // reaches srt-gen and srt together.
    let own_group = !stdin_is_tty();
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
        Ok((o, observed))
    };
    let target = if own_group { -pid } else { pid };
    let me = std::process::id() as i32;
    loop {
        if let Some(status) = reap(pid) {
            // The command is done; nothing it started may outlive the run.
            kill_all(me, libc::SIGKILL, Duration::from_secs(2));
            return finish(Outcome::Exited(exit_code(status)));
        }
        let sig = PENDING.swap(0, Ordering::SeqCst);
        if sig != 0 {
            send(target, sig);
            for p in descendants(me) {
                send(p, sig);
            }
            if !kill_all(me, 0, GRACE) {
                kill_all(me, libc::SIGKILL, Duration::from_secs(2));
            }
            reap(pid);
            return finish(Outcome::Signalled(sig));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits up to `wait` for every descendant to be gone, reaping them; with a signal,
/// sends it to each first. A second signal to srt-gen cuts the wait short. Returns true
/// when none is left.
fn kill_all(me: i32, sig: libc::c_int, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        reap(-2);
        let left = descendants(me);
        if left.is_empty() {
            return true;
        }
        if sig != 0 {
            for p in &left {
                send(*p, sig);
            }
        }
        if Instant::now() >= deadline || (sig == 0 && PENDING.load(Ordering::SeqCst) != 0) {
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
