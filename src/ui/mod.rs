//! What srt-gen says, to a person and to a program, one way everywhere: how much
//! (`-q`/`-v`, [`verbosity`]), in colour or not (`--color`, NO_COLOR: [`style`]), a file's
//! change as a unified diff ([`diff`]), `--json`'s envelope ([`json`]) and the plural of a
//! count ([`count`]). Part of the foundation: every stage may say things through it.
//!
//! Human output goes through [`anstream`], which drops the colour when the stream is not
//! a terminal, when NO_COLOR is set, or with `--color never`. Use [`status`] for what a
//! command did (stderr, silenced by `-q`), [`detail`] for what only `-v` shows, and
//! [`out`] for what the user asked to see (stdout: lists, dry-run diffs).

pub mod diff;
pub mod json;
pub mod style;

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

/// How much srt-gen says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// `-q`: errors only (and what the user asked for on stdout).
    Quiet,
    #[default]
    Normal,
    /// `-v`: also the details a normal run leaves out.
    Verbose,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// Set once, by `main`, from `-q`/`-v`.
pub fn set_verbosity(v: Verbosity) {
    VERBOSITY.store(v as u8, Ordering::Relaxed);
}

pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Whether to colour: `--color`, set once by `main` before anything is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    #[default]
    Auto,
    Always,
    Never,
}

pub fn set_color(choice: ColorChoice) {
    let c = match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    c.write_global();
}

/// What a command did, on stderr; `-q` silences it. Nothing srt-gen says is worth a
/// panic: write errors are ignored here and in [`out`]. `text` may hold [`style`]s and ends
/// with its own newline.
pub fn status(text: &str) {
    if verbosity() >= Verbosity::Normal {
        write_err(text);
    }
}

/// What only `-v` shows, on stderr.
pub fn detail(text: &str) {
    if verbosity() >= Verbosity::Verbose {
        write_err(text);
    }
}

/// An error or a warning that must be seen even with `-q`, on stderr.
pub fn always(text: &str) {
    write_err(text);
}

/// What the user asked to see, on stdout (never silenced). A closed pipe (`| head`) is
/// not an error: the reader has what it wanted.
pub fn out(text: &str) {
    let mut o = anstream::stdout();
    let _ = o.write_all(text.as_bytes());
    let _ = o.flush();
}

fn write_err(text: &str) {
    let mut e = anstream::stderr();
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// An error as srt-gen prints it, in clap's style: `error: PREFIX WHAT`, then each fix as
/// `  tip: FIX` after a blank line.
pub fn error_text(e: &crate::error::Error, prefix: &str) -> String {
    let (what, tip) = e.parts();
    let mut out = format!("{} {prefix}{what}\n", style::error_label());
    if let Some(tip) = tip {
        out.push('\n');
        for line in tip.lines() {
            out.push_str(&format!("  {} {line}\n", style::tip_label()));
        }
    }
    out
}

/// `1 host`, `2 hosts`: the count and the noun, `plural` when it is not one.
pub fn count(n: usize, one: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { plural })
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_lists_read_as_english() {
        assert_eq!(count(1, "host", "hosts"), "1 host");
        assert_eq!(count(0, "host", "hosts"), "0 hosts");
        assert_eq!(count(2, "path", "paths"), "2 paths");
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}
