//! What a run shows on srt's stderr (and, for `learn` without a trace, its stdout): srt's
//! debug lines, kept from what the user sees, and the command's own lines, passed on and
//! kept for `srt-gen learn`. Nothing here can tell srt's lines from a command that prints
//! the same text: the trace ([`super::trace`]) can.

use std::io::{self, BufRead, Write};

/// At most this many of the command's lines are kept, each cut at [`MAX_LINE`] bytes.
const MAX_LINES: usize = 20_000;
const MAX_LINE: usize = 4096;

/// What `srt-gen learn` reads off srt's stderr and stdout while the command runs.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Messages that look like srt's debug log (`[SandboxDebug] ...`, with the block of
    /// lines some of them carry). The command could have printed them too.
    pub debug: Vec<String>,
    /// The command's own lines, in the order each stream gave them.
    pub output: Vec<String>,
}

fn keep(out: &mut Vec<String>, line: &[u8]) {
    if out.len() < MAX_LINES {
        let cut = &line[..line.len().min(MAX_LINE)];
        out.push(
            String::from_utf8_lossy(cut)
                .trim_end_matches(['\n', '\r'])
                .to_string(),
        );
    }
}

/// Reads srt's stderr: debug lines (and the blocks srt prints after some of them) are
/// kept back, everything else goes on to srt-gen's stderr and is kept. `echo_lines`: how
/// many more lines srt's `Original command:` message takes (the command line it echoes
/// holds the wrapper script and the command's own arguments, newlines included).
pub(super) fn observe_stderr(
    pipe: std::process::ChildStderr,
    echo_lines: usize,
) -> std::thread::JoinHandle<Observed> {
    std::thread::spawn(move || {
        let mut obs = Observed::default();
        let mut block: Option<String> = None;
        let mut echo: Option<(String, usize)> = None;
        let mut reader = io::BufReader::new(pipe);
        let mut buf = Vec::new();
        let stderr = io::stderr();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            if let Some((text, left)) = echo.as_mut() {
                text.push('\n');
                text.push_str(&line);
                *left -= 1;
                if *left == 0 {
                    push_debug(&mut obs, echo.take().map(|e| e.0).unwrap_or_default());
                }
                buf.clear();
                continue;
            }
            if let Some(open) = block.as_mut() {
                open.push('\n');
                open.push_str(&line);
                if line == "}" || line == "]" || open.len() > 64 * 1024 {
                    push_debug(&mut obs, block.take().unwrap_or_default());
                }
                buf.clear();
                continue;
            }
            if let Some(rest) = line.strip_prefix("[SandboxDebug]") {
                let opens = rest.trim_end().ends_with('{') || rest.trim_end().ends_with('[');
                if rest.starts_with(" Original command:") && echo_lines > 0 {
                    echo = Some((line, echo_lines));
                } else if opens {
                    block = Some(line);
                } else {
                    push_debug(&mut obs, line);
                }
            } else {
                keep(&mut obs.output, &buf);
                let _ = stderr.lock().write_all(&buf);
            }
            buf.clear();
        }
        if let Some(b) = block.or(echo.map(|e| e.0)) {
            push_debug(&mut obs, b);
        }
        obs
    })
}

fn push_debug(obs: &mut Observed, message: String) {
    if obs.debug.len() < MAX_LINES {
        obs.debug.push(message);
    }
}

/// Reads the command's stdout, passes it on (to srt-gen's stderr with `to_stderr`, for
/// `--json`) and keeps its lines.
pub(super) fn observe_stdout(
    pipe: std::process::ChildStdout,
    to_stderr: bool,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut reader = io::BufReader::new(pipe);
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            keep(&mut lines, &buf);
            let _ = if to_stderr {
                io::stderr().lock().write_all(&buf)
            } else {
                let mut out = io::stdout().lock();
                out.write_all(&buf).and_then(|()| out.flush())
            };
            buf.clear();
        }
        lines
    })
}
