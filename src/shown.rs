//! How a name, path or text that came from a file or the environment is shown to a
//! person: never with a raw control character in it (issue 18.8: a file name holding
//! `ESC[8m` hid the line after it). A foundation module: every stage prints through it.

use std::path::Path;

/// A name or value from a file, the environment or a path, as shown to a person: every
/// control character (C0, DEL, C1, and the bidirectional overrides that reorder what a
/// terminal shows) is written as an escape (`\n`, `\x1b`, `\u{202e}`), so that a file
/// name cannot clear a line, hide the text after it or forge one of srt-gen's own lines.
pub fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, false)
}

/// [`shown`] for a path.
pub fn shown_path(p: &Path) -> String {
    shown(&p.to_string_lossy()).into_owned()
}

/// A whole message as printed (its own line breaks and tabs kept, every other control
/// character escaped as [`shown`] does): the last guard at every place srt-gen prints
/// human text.
pub fn shown_text(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, true)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(s: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let keep = |c: char| keep_lines && (c == '\n' || c == '\t');
    if !s.chars().any(|c| needs_escape(c) && !keep(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(shown("plain/path.toml"), "plain/path.toml");
        assert_eq!(
            shown("a\x1b[8mhidden\x1b[0m\nsrt-gen: ok\u{202e}\u{9b}"),
            "a\\x1b[8mhidden\\x1b[0m\\nsrt-gen: ok\\u{202e}\\u{9b}"
        );
        assert_eq!(
            shown_text("line 1\n\tline\r2\x07\n"),
            "line 1\n\tline\\r2\\x07\n"
        );
        assert!(matches!(shown("x"), std::borrow::Cow::Borrowed(_)));
        let nl = Path::new("/p/a\nb");
        assert_eq!(shown_path(nl), "/p/a\\nb");
    }
}
