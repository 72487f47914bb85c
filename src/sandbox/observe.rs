//! What a run shows on srt's stderr: srt's debug lines (kept from the command's own
//! stderr) and the command's lines that name a refused write, for `srt-gen learn`.

use std::io;

/// What `srt-gen learn` reads off srt's stderr while the command runs.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// srt's `[SandboxDebug]` lines (the command never sees them).
    pub debug: Vec<String>,
    /// The command's own stderr lines that name a refused write.
    pub refused_writes: Vec<String>,
}

/// Whether a line of the command's stderr says a write was refused.
pub fn names_refused_write(line: &str) -> bool {
    line.contains("Read-only file system")
        || line.contains("EROFS")
        || line.contains("is not writable by the current user")
}

/// Reads srt's stderr: debug lines (and the JSON blocks srt prints after some of them)
/// are kept, everything else goes on to srt-gen's stderr, noting refused writes.
pub(super) fn observe_stderr(pipe: std::process::ChildStderr) -> std::thread::JoinHandle<Observed> {
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let mut obs = Observed::default();
        let mut in_block = false;
        let mut recent: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        let mut reader = io::BufReader::new(pipe);
        let mut buf = Vec::new();
        let stderr = io::stderr();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            if in_block {
                in_block = line != "}" && line != "]";
                buf.clear();
                continue;
            }
            if let Some(rest) = line.strip_prefix("[SandboxDebug]") {
                in_block = rest.trim_end().ends_with('{') || rest.trim_end().ends_with('[');
                obs.debug.push(line);
            } else {
                // Cargo names the path a line or two before "Read-only file system".
                if names_refused_write(&line) {
                    let mut context: Vec<String> = recent.iter().cloned().collect();
                    context.push(line.clone());
                    obs.refused_writes.push(context.join("\n"));
                }
                recent.push_back(line.clone());
                if recent.len() > 2 {
                    recent.pop_front();
                }
                let _ = stderr.lock().write_all(&buf);
            }
            buf.clear();
        }
        obs
    })
}
