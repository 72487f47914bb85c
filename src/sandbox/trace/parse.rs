//! Reading a trace: strace's lines (`-f -qq -x -y -s 0 -e write=1,2 --decode-pids=pidns`)
//! into the calls the sandbox's processes had refused, the lines srt's own processes wrote on
//! stderr, and the command's output, each process placed as outside, bubblewrap's or the
//! sandbox's (see the module above).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::{MAX_ITEMS, MAX_LINE, MAX_OUTPUT_LINE, MAX_PENDING_EVENTS};

/// What kind of access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
    /// A rename or hard link between two places (EXDEV: two separate mounts).
    Move,
}

/// One refused call of the sandbox, with how often it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The system call (`mkdir`, `openat`, `renameat2`, ...).
    pub op: String,
    pub access: Access,
    pub path: PathBuf,
    /// The other path of a rename or link.
    pub to: Option<PathBuf>,
    /// `EROFS`, `EACCES`, `EPERM`, `EXDEV`.
    pub errno: String,
    /// The program that made the call (the last one its process started).
    pub program: String,
    pub count: usize,
    /// The first such line of the trace.
    pub raw: String,
}

/// A connection the sandbox tried to make directly, not through srt's proxy (no network
/// but srt's proxy inside: it fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Direct {
    pub address: String,
    pub port: u16,
    pub errno: String,
    pub program: String,
    pub count: usize,
    pub raw: String,
}

/// What a trace shows.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub refusals: Vec<Refusal>,
    /// What srt's own processes wrote on stderr, one entry per write (srt's log writes each
    /// message at once).
    pub srt: Vec<String>,
    /// The lines the sandbox's processes wrote on fd 1 and 2.
    pub output: Vec<String>,
    pub direct: Vec<Direct>,
    /// A process was seen starting inside bubblewrap: the trace did cover the sandbox.
    pub saw_sandbox: bool,
    /// Something was left out (a limit was reached, or a process's parent never showed).
    pub incomplete: bool,
}

/// Parses strace's output (`-f -qq -x -y -s 0 -e write=1,2`); `cwd` is the first process's
/// working directory.
pub fn parse(reader: impl BufRead, cwd: &Path) -> Trace {
    parse_with(reader, cwd, Phase::Outside)
}

/// Parses a trace taken inside the sandbox (every process is the sandbox's): the learn
/// corpus holds such traces, captured by running strace under srt.
pub fn parse_sandboxed(reader: impl BufRead, cwd: &Path) -> Trace {
    parse_with(reader, cwd, Phase::Sandboxed)
}

fn parse_with(reader: impl BufRead, cwd: &Path, first: Phase) -> Trace {
    let mut p = Parser {
        cwd0: cwd.to_path_buf(),
        first,
        ..Parser::default()
    };
    let mut lines = BoundedLines {
        inner: reader,
        buf: Vec::new(),
    };
    while let Some((line, cut)) = lines.next_line() {
        if cut {
            p.trace.incomplete = true;
        }
        p.line(&line);
    }
    p.finish()
}

/// Lines of at most [`MAX_LINE`] bytes (the rest of a longer line is skipped).
struct BoundedLines<R> {
    inner: R,
    buf: Vec<u8>,
}

impl<R: BufRead> BoundedLines<R> {
    fn next_line(&mut self) -> Option<(String, bool)> {
        self.buf.clear();
        let mut cut = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => &[],
            };
            if available.is_empty() {
                if self.buf.is_empty() && !cut {
                    return None;
                }
                break;
            }
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            let room = MAX_LINE.saturating_sub(self.buf.len());
            if take > room {
                cut = true;
            }
            self.buf.extend_from_slice(&available[..take.min(room)]);
            self.inner.consume(take);
            if done {
                break;
            }
        }
        while self.buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            self.buf.pop();
        }
        Some((String::from_utf8_lossy(&self.buf).into_owned(), cut))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    /// srt and what it starts before bubblewrap.
    Outside,
    /// bubblewrap itself, and what it forks before another program starts.
    Bwrap,
    /// Inside the sandbox.
    Sandboxed,
}

#[derive(Debug, Clone)]
struct Proc {
    phase: Phase,
    cwd: PathBuf,
    /// Whether `cwd` is known (a process of a trace taken inside, before any chdir, is not).
    cwd_known: bool,
    program: String,
    /// Unfinished output lines, per descriptor (1, 2).
    partial: [Vec<u8>; 2],
}

/// One thing a process did, kept until the process is known when its parent has not been
/// seen yet.
#[derive(Debug, Clone)]
enum Event {
    Exec(PathBuf),
    Cwd(PathBuf),
    Child(u32),
    Refused(Refusal),
    Connect(Direct),
    Wrote(u8, Vec<u8>),
}

#[derive(Debug, Default)]
struct Parser {
    cwd0: PathBuf,
    /// The phase of the first process (outside, unless the trace was taken inside).
    first: Phase,
    procs: HashMap<u32, Proc>,
    /// The text of a call strace printed as `<unfinished ...>`, per pid.
    unfinished: HashMap<u32, String>,
    /// Events of pids not linked to a parent yet.
    orphans: HashMap<u32, Vec<Event>>,
    pending_events: usize,
    /// The write whose hex dump the following ` | ` lines are.
    dump: Option<(u32, u8)>,
    dump_bytes: Vec<u8>,
    trace: Trace,
}

impl Parser {
    fn line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix(" | ") {
            if self.dump.is_some() {
                self.dump_bytes.extend(dump_bytes(rest));
            }
            return;
        }
        if line.starts_with(" * ") {
            // writev: one header per buffer; the dump lines follow.
            return;
        }
        self.flush_dump();
        let Some((pid, rest)) = split_pid(line).or_else(|| {
            // strace without -f prints no pid: one process, the sandbox's when traced inside.
            (self.first == Phase::Sandboxed).then_some((0, line))
        }) else {
            return;
        };
        let text = if let Some(r) = rest.strip_prefix("<... ") {
            // `<... openat resumed>) = 3`
            let Some(after) = r.split_once(" resumed>").map(|x| x.1) else {
                return;
            };
            match self.unfinished.remove(&pid) {
                Some(start) => format!("{start}{after}"),
                None => return,
            }
        } else if let Some(start) = rest.strip_suffix(" <unfinished ...>") {
            self.unfinished.insert(pid, start.to_string());
            return;
        } else {
            rest.to_string()
        };
        let Some(call) = Call::parse(&text) else {
            return;
        };
        // The first process is srt (or the chain that starts it); in a trace taken inside
        // the sandbox, every process is the sandbox's (such traces name no clones).
        let inside = self.first == Phase::Sandboxed && !self.procs.contains_key(&pid);
        if (self.procs.is_empty() || inside) && !self.orphans.contains_key(&pid) {
            if self.first == Phase::Sandboxed {
                self.trace.saw_sandbox = true;
            }
            // A trace taken inside starts where the command started (the project), but lines
            // without a pid may be any process's.
            let known = self.procs.is_empty() && pid != 0;
            self.procs.insert(
                pid,
                Proc {
                    phase: self.first,
                    cwd: self.cwd0.clone(),
                    cwd_known: known,
                    program: String::new(),
                    partial: Default::default(),
                },
            );
        }
        if let Some(ev) = self.event(pid, &call, &text) {
            if matches!(ev, Event::Wrote(..)) {
                // Its bytes are in the dump lines that follow.
                if let Event::Wrote(fd, _) = ev {
                    self.dump = Some((pid, fd));
                }
                return;
            }
            self.deliver(pid, ev);
        }
    }

    fn flush_dump(&mut self) {
        if let Some((pid, fd)) = self.dump.take() {
            let bytes = std::mem::take(&mut self.dump_bytes);
            self.deliver(pid, Event::Wrote(fd, bytes));
        }
    }

    /// The event a completed call stands for, if it matters.
    fn event(&self, pid: u32, call: &Call, raw: &str) -> Option<Event> {
        let cwd = self
            .procs
            .get(&pid)
            .filter(|p| p.cwd_known)
            .map(|p| p.cwd.clone());
        let resolve = |dir: Option<&str>, path: &str| -> Option<PathBuf> {
            let path = unquote(path)?;
            if path.starts_with('/') {
                return Some(crate::env::normalize(Path::new(&path)));
            }
            // Relative to the descriptor's folder (`-y`), else to the process's own folder,
            // when the trace says what that is.
            let base = match dir.map(decoration) {
                Some(Some(d)) => PathBuf::from(d),
                _ => cwd.clone()?,
            };
            Some(crate::env::normalize(&base.join(path)))
        };
        let a = &call.args;
        let arg = |i: usize| a.get(i).map(String::as_str);
        match call.name.as_str() {
            "execve" | "execveat" if call.ok() => {
                let path = if call.name == "execve" {
                    resolve(None, arg(0)?)
                } else {
                    resolve(arg(0), arg(1)?)
                }?;
                return Some(Event::Exec(path));
            }
            "clone" | "clone3" | "fork" | "vfork" => {
                return call.ret.filter(|r| *r > 0).map(|r| Event::Child(r as u32));
            }
            "chdir" if call.ok() => return resolve(None, arg(0)?).map(Event::Cwd),
            "fchdir" if call.ok() => {
                return decoration(arg(0)?).map(|d| Event::Cwd(PathBuf::from(d)))
            }
            "write" | "writev" if call.ok() => {
                let fd: u8 = match arg(0).map(|s| s.split('<').next().unwrap_or("")) {
                    Some("1") => 1,
                    Some("2") => 2,
                    _ => return None,
                };
                return Some(Event::Wrote(fd, Vec::new()));
            }
            "connect" => {
                let errno = call.errno.as_deref()?;
                if errno == "EINPROGRESS" {
                    return None;
                }
                let (address, port) = inet_address(arg(1)?)?;
                return Some(Event::Connect(Direct {
                    address,
                    port,
                    errno: errno.to_string(),
                    program: String::new(),
                    count: 1,
                    raw: raw.to_string(),
                }));
            }
            _ => {}
        }
        let errno = call.errno.as_deref()?;
        let counted = matches!(errno, "EROFS" | "EACCES" | "EPERM" | "EXDEV");
        if !counted {
            return None;
        }
        let writing = |flags: Option<&str>| {
            flags.is_some_and(|f| {
                ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"]
                    .iter()
                    .any(|w| f.contains(w))
            })
        };
        let (path, to, access) = match call.name.as_str() {
            "open" => (resolve(None, arg(0)?)?, None, writing(arg(1))),
            "creat" | "mkdir" | "unlink" | "rmdir" | "chmod" | "chown" | "lchown" | "truncate"
            | "utime" | "utimes" | "mknod" => (resolve(None, arg(0)?)?, None, true),
            "openat" => (resolve(arg(0), arg(1)?)?, None, writing(arg(2))),
            "openat2" => (resolve(arg(0), arg(1)?)?, None, writing(arg(2))),
            "mkdirat" | "unlinkat" | "fchmodat" | "fchownat" | "futimesat" | "mknodat" => {
                (resolve(arg(0), arg(1)?)?, None, true)
            }
            "utimensat" => {
                let p = match arg(1) {
                    Some("NULL") | None => decoration(arg(0)?).map(PathBuf::from)?,
                    Some(p) => resolve(arg(0), p)?,
                };
                (p, None, true)
            }
            "access" => {
                let w = arg(1).is_some_and(|m| m.contains("W_OK"));
                (resolve(None, arg(0)?)?, None, w)
            }
            "faccessat" | "faccessat2" => {
                let w = arg(2).is_some_and(|m| m.contains("W_OK"));
                (resolve(arg(0), arg(1)?)?, None, w)
            }
            "rename" | "link" => (resolve(None, arg(0)?)?, Some(resolve(None, arg(1)?)?), true),
            "renameat" | "renameat2" | "linkat" => (
                resolve(arg(0), arg(1)?)?,
                Some(resolve(arg(2), arg(3)?)?),
                true,
            ),
            "symlink" => (resolve(None, arg(1)?)?, None, true),
            "symlinkat" => (resolve(arg(1), arg(2)?)?, None, true),
            _ => return None,
        };
        let moving = to.is_some() && errno == "EXDEV";
        if errno == "EXDEV" && !moving {
            return None;
        }
        let access = if moving {
            Access::Move
        } else if access {
            Access::Write
        } else {
            Access::Read
        };
        // A rename refused for its destination names the destination.
        let (path, to) = match (access, to) {
            (Access::Write, Some(dest)) if call.name.starts_with("link") => (dest, None),
            (_, to) => (path, to),
        };
        Some(Event::Refused(Refusal {
            op: call.name.clone(),
            access,
            path,
            to,
            errno: errno.to_string(),
            program: String::new(),
            count: 1,
            raw: raw.to_string(),
        }))
    }

    /// Applies an event to its process, or keeps it until the process is known.
    fn deliver(&mut self, pid: u32, ev: Event) {
        if !self.procs.contains_key(&pid) {
            if self.pending_events >= MAX_PENDING_EVENTS {
                self.trace.incomplete = true;
                return;
            }
            self.pending_events += 1;
            self.orphans.entry(pid).or_default().push(ev);
            return;
        }
        match ev {
            Event::Exec(path) => {
                let proc = self.procs.get_mut(&pid).expect("checked");
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                proc.phase = match proc.phase {
                    Phase::Outside if name == "bwrap" => Phase::Bwrap,
                    Phase::Bwrap if name != "bwrap" => Phase::Sandboxed,
                    other => other,
                };
                if proc.phase == Phase::Sandboxed {
                    self.trace.saw_sandbox = true;
                }
                proc.program = name;
            }
            Event::Cwd(dir) => {
                let proc = self.procs.get_mut(&pid).expect("checked");
                proc.cwd = dir;
                proc.cwd_known = true;
            }
            Event::Child(child) => {
                let parent = self.procs.get(&pid).expect("checked");
                let proc = Proc {
                    phase: parent.phase,
                    cwd: parent.cwd.clone(),
                    cwd_known: parent.cwd_known,
                    program: parent.program.clone(),
                    partial: Default::default(),
                };
                self.procs.insert(child, proc);
                if let Some(events) = self.orphans.remove(&child) {
                    self.pending_events -= events.len();
                    for e in events {
                        self.deliver(child, e);
                    }
                }
            }
            Event::Refused(mut r) => {
                let proc = &self.procs[&pid];
                if proc.phase != Phase::Sandboxed {
                    return;
                }
                r.program = proc.program.clone();
                let refusals = &mut self.trace.refusals;
                let len = refusals.len();
                match refusals.iter_mut().find(|o| {
                    o.op == r.op && o.path == r.path && o.to == r.to && o.errno == r.errno
                }) {
                    Some(o) => o.count += 1,
                    None if len < MAX_ITEMS => refusals.push(r),
                    None => self.trace.incomplete = true,
                }
            }
            Event::Connect(mut d) => {
                let proc = &self.procs[&pid];
                if proc.phase != Phase::Sandboxed {
                    return;
                }
                d.program = proc.program.clone();
                let direct = &mut self.trace.direct;
                let len = direct.len();
                match direct
                    .iter_mut()
                    .find(|o| o.address == d.address && o.port == d.port)
                {
                    Some(o) => o.count += 1,
                    None if len < MAX_ITEMS => direct.push(d),
                    None => self.trace.incomplete = true,
                }
            }
            Event::Wrote(fd, bytes) => {
                let proc = self.procs.get_mut(&pid).expect("checked");
                if proc.phase == Phase::Sandboxed {
                    let buf = &mut proc.partial[usize::from(fd - 1)];
                    buf.extend_from_slice(&bytes);
                    let mut lines = Vec::new();
                    while let Some(i) = buf.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = buf.drain(..=i).collect();
                        lines.push(line);
                    }
                    if buf.len() > MAX_OUTPUT_LINE {
                        lines.push(std::mem::take(buf));
                    }
                    for l in lines {
                        self.push_output(&l);
                    }
                } else if fd == 2 {
                    if self.trace.srt.len() >= MAX_ITEMS {
                        self.trace.incomplete = true;
                        return;
                    }
                    let text = String::from_utf8_lossy(&bytes);
                    self.trace
                        .srt
                        .push(text.trim_end_matches(['\n', '\r']).to_string());
                }
            }
        }
    }

    fn push_output(&mut self, line: &[u8]) {
        if self.trace.output.len() >= MAX_ITEMS {
            self.trace.incomplete = true;
            return;
        }
        let mut text = String::from_utf8_lossy(&line[..line.len().min(MAX_OUTPUT_LINE)])
            .trim_end_matches(['\n', '\r'])
            .to_string();
        if line.len() > MAX_OUTPUT_LINE {
            text.push('…');
        }
        self.trace.output.push(text);
    }

    fn finish(mut self) -> Trace {
        self.flush_dump();
        let rest: Vec<(usize, Vec<u8>)> = self
            .procs
            .values_mut()
            .filter(|p| p.phase == Phase::Sandboxed)
            .flat_map(|p| {
                p.partial
                    .iter_mut()
                    .map(std::mem::take)
                    .enumerate()
                    .collect::<Vec<_>>()
            })
            .filter(|(_, b)| !b.is_empty())
            .collect();
        for (_, bytes) in rest {
            self.push_output(&bytes);
        }
        if !self.orphans.is_empty() {
            self.trace.incomplete = true;
        }
        self.trace
    }
}

/// `12345  rest` → (12345, "rest").
fn split_pid(line: &str) -> Option<(u32, &str)> {
    let end = line.find(|c: char| !c.is_ascii_digit())?;
    let pid = line[..end].parse().ok()?;
    Some((pid, line[end..].trim_start()))
}

/// The bytes of one ` | 00000  63 61 74 ...  cat |` dump line (after ` | `).
fn dump_bytes(rest: &str) -> Vec<u8> {
    // Fixed layout (strace util.c, dumpstr): 5 hex digits, 2 spaces, 16 × "%02x " with one
    // more space after the eighth, then the characters.
    let hex = rest
        .get(7..7 + 49)
        .unwrap_or_else(|| rest.get(7..).unwrap_or(""));
    hex.split_whitespace()
        .take(16)
        .filter_map(|h| u8::from_str_radix(h, 16).ok())
        .collect()
}

/// One completed call: name, top-level arguments, and its result.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    name: String,
    args: Vec<String>,
    ret: Option<i64>,
    errno: Option<String>,
}

impl Call {
    fn ok(&self) -> bool {
        self.errno.is_none() && self.ret.is_some()
    }

    /// `openat(AT_FDCWD</d>, "x", O_RDONLY) = -1 EACCES (Permission denied)`.
    fn parse(text: &str) -> Option<Call> {
        let open = text.find('(')?;
        let name = &text[..open];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let mut args = Vec::new();
        let mut cur = String::new();
        let mut depth = 0usize;
        let mut in_str = false;
        let mut in_decor = false;
        let mut escaped = false;
        let mut end = None;
        for (i, c) in text[open + 1..].char_indices() {
            if in_str {
                cur.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_str = false;
                }
                continue;
            }
            if in_decor {
                cur.push(c);
                if c == '>' {
                    in_decor = false;
                }
                continue;
            }
            match c {
                '"' => {
                    in_str = true;
                    cur.push(c);
                }
                '<' => {
                    in_decor = true;
                    cur.push(c);
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    cur.push(c);
                }
                ')' | ']' | '}' if depth > 0 => {
                    depth -= 1;
                    cur.push(c);
                }
                ')' => {
                    end = Some(open + 1 + i);
                    break;
                }
                ',' if depth == 0 => {
                    args.push(cur.trim().to_string());
                    cur.clear();
                }
                _ => cur.push(c),
            }
        }
        let end = end?;
        if !cur.trim().is_empty() {
            args.push(cur.trim().to_string());
        }
        let result = text[end + 1..].trim_start();
        let result = result.strip_prefix('=')?.trim_start();
        let mut words = result.split_whitespace();
        let ret = words
            .next()
            .and_then(|r| r.split('<').next())
            .and_then(|r| r.parse::<i64>().ok());
        // `= 2 /* 22743 in strace's PID NS */`
        let ret = match result.split_once("/* ") {
            Some((_, c)) if c.contains(" in strace's PID NS") => c
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<i64>().ok())
                .or(ret),
            _ => ret,
        };
        let errno = if ret == Some(-1) {
            words
                .next()
                .filter(|w| w.starts_with('E') && w.chars().all(|c| c.is_ascii_uppercase()))
                .map(str::to_string)
        } else {
            None
        };
        Some(Call {
            name: name.to_string(),
            args,
            ret,
            errno,
        })
    }
}

/// The path in a `3</path>` or `AT_FDCWD</path>` decoration.
fn decoration(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let inner = arg[start + 1..].strip_suffix('>')?;
    let inner = inner.strip_suffix(" (deleted)").unwrap_or(inner);
    if !inner.starts_with('/') {
        return None;
    }
    Some(unescape(inner))
}

/// A quoted strace string (`"a\x20b"`), unescaped; `None` when it is not a whole string
/// (`NULL`, or cut: `"..."...`).
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    Some(unescape(inner))
}

fn unescape(s: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'f' => out.push(0x0c),
            b'x' => {
                let hex = s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            b'0'..=b'7' => {
                let mut v: u32 = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `{sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.1")}` → the address
/// and port, for internet addresses other than loopback (which the sandbox has).
fn inet_address(arg: &str) -> Option<(String, u16)> {
    let field = |key: &str| -> Option<&str> {
        let i = arg.find(key)? + key.len();
        let rest = &arg[i..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(&rest[..end])
    };
    let family = field("sa_family=")?;
    let port: u16 = field("htons(")?.trim_end_matches(')').parse().ok()?;
    let addr = match family {
        "AF_INET" => {
            let a = arg.split("inet_addr(\"").nth(1)?.split('"').next()?;
            a.to_string()
        }
        "AF_INET6" => {
            let a = arg
                .split("inet_pton(AF_INET6, \"")
                .nth(1)?
                .split('"')
                .next()?;
            a.to_string()
        }
        _ => return None,
    };
    let loopback = addr.starts_with("127.") || addr == "::1";
    (!loopback).then_some((addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Trace {
        parse(s.as_bytes(), Path::new("/p"))
    }

    #[test]
    fn calls_parse_with_decorations_strings_and_results() {
        let c = Call::parse(
            r#"openat(AT_FDCWD</tmp/h>, "/tmp/h/x, y)", O_WRONLY|O_CREAT, 0666) = -1 EROFS (Read-only file system)"#,
        )
        .unwrap();
        assert_eq!(c.name, "openat");
        assert_eq!(c.args[1], r#""/tmp/h/x, y)""#);
        assert_eq!(c.errno.as_deref(), Some("EROFS"));
        let c = Call::parse("clone3({flags=CLONE_VM, exit_signal=SIGCHLD}, 88) = 4242").unwrap();
        assert_eq!(c.ret, Some(4242));
        assert_eq!(c.args.len(), 2);
        let c = Call::parse("vfork() = 2 /* 22743 in strace's PID NS */").unwrap();
        assert_eq!(c.ret, Some(22743));
        let c = Call::parse(r#"write(2<pipe:[1234]>, ""..., 12) = 12"#).unwrap();
        assert!(c.ok());
        assert_eq!(decoration("AT_FDCWD</a\\x3eb>").as_deref(), Some("/a>b"));
        assert_eq!(unquote(r#""a\x20b\303\251""#).as_deref(), Some("a bé"));
        assert_eq!(unquote(r#"""..."#), None);
    }

    /// Only the sandbox's refusals count, only srt's own writes are srt's log, and a child
    /// seen before its parent's clone returns is placed once it does.
    #[test]
    fn processes_are_told_apart() {
        let trace = "\
100 execve(\"/usr/bin/node\", [...], 0x1 /* 3 vars */) = 0
100 openat(AT_FDCWD</p>, \"/etc/denied\", O_RDONLY) = -1 EACCES (Permission denied)
100 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>
101 execve(\"/usr/bin/bwrap\", [...], 0x2 /* 3 vars */) = 0
100 <... clone resumed>) = 101
101 access(\"/newroot/proc/sys\", W_OK) = -1 EACCES (Permission denied)
101 clone(child_stack=NULL, flags=CLONE_NEWNS|SIGCHLD) = 102
102 execve(\"/usr/bin/sh\", [...], 0x3 /* 3 vars */) = 0
102 chdir(\"/p/sub\") = 0
102 mkdir(\".cache\", 0777) = -1 EROFS (Read-only file system)
102 mkdir(\".cache\", 0777) = -1 EROFS (Read-only file system)
102 renameat2(AT_FDCWD</p/sub>, \"/h/.rustup/tmp/a\", AT_FDCWD</p/sub>, \"/h/.rustup/toolchains/a\", RENAME_NOREPLACE) = -1 EXDEV (Invalid cross-device link)
102 write(2<pipe:[9]>, \"\"..., 54) = 54
 | 00000  5b 53 61 6e 64 62 6f 78  44 65 62 75 67 5d 20 4e  [SandboxDebug] N |
 | 00010  6f 20 6d 61 74 63 68 69  6e 67 20 72 75 6c 65 2c  o matching rule, |
 | 00020  20 64 65 6e 79 69 6e 67  3a 20 65 2e 78 3a 34 34   denying: e.x:44 |
 | 00030  33 0a 6f 6b 0a 0a                                 3.ok..           |
100 write(2<pipe:[9]>, \"\"..., 4) = 4
 | 00000  5b 53 5d 0a                                       [S].             |
102 connect(3<socket:[1]>, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"10.0.0.2\")}, 16) = -1 ENETUNREACH (Network is unreachable)
102 connect(4<socket:[2]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED (Connection refused)
";
        let t = parse_str(trace);
        assert!(t.saw_sandbox);
        assert!(!t.incomplete, "{t:?}");
        assert_eq!(t.refusals.len(), 2, "{:#?}", t.refusals);
        assert_eq!(t.refusals[0].path, Path::new("/p/sub/.cache"));
        assert_eq!(t.refusals[0].count, 2);
        assert_eq!(t.refusals[0].program, "sh");
        assert_eq!(t.refusals[0].access, Access::Write);
        assert_eq!(t.refusals[1].access, Access::Move);
        assert_eq!(
            t.refusals[1].to.as_deref(),
            Some(Path::new("/h/.rustup/toolchains/a"))
        );
        assert_eq!(t.srt, vec!["[S]"]);
        assert_eq!(
            t.output,
            vec![
                "[SandboxDebug] No matching rule, denying: e.x:443",
                "ok",
                ""
            ]
        );
        assert_eq!(t.direct.len(), 1);
        assert_eq!(t.direct[0].address, "10.0.0.2");
    }

    #[test]
    fn a_child_whose_parent_never_shows_is_not_trusted() {
        let t = parse_str(
            "1 execve(\"/usr/bin/node\", [...], 0x1) = 0\n\
             7 write(2<pipe:[9]>, \"\"..., 2) = 2\n | 00000  68 69                                             hi               |\n",
        );
        assert!(t.srt.is_empty() && t.output.is_empty());
        assert!(t.incomplete);
    }

    #[test]
    fn long_lines_are_cut_not_read_whole() {
        let long = format!(
            "1 mkdir(\"/{}\", 0777) = -1 EROFS (x)\n",
            "a".repeat(MAX_LINE * 2)
        );
        let mut lines = BoundedLines {
            inner: long.as_bytes(),
            buf: Vec::new(),
        };
        let (l, cut) = lines.next_line().unwrap();
        assert!(cut);
        assert!(l.len() <= MAX_LINE);
        assert!(lines.next_line().is_none());
    }
}
