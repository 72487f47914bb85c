//! The few styles srt-gen uses, the same as clap's own (error red, tips and good news
//! green, warnings yellow), and [`paint`] to put one on a piece of text. Styled text
//! printed through [`super::status`], [`super::out`] or `anstream` loses its colour where
//! colour is off, so every renderer may style freely.

use anstyle::{AnsiColor, Effects, Style};

pub const ERROR: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
pub const WARNING: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
/// `tip:` and `next:`, as clap writes `tip:`.
pub const TIP: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
pub const GOOD: Style = AnsiColor::Green.on_default();
pub const BAD: Style = AnsiColor::Red.on_default();
/// Headings and names (`srt-gen init: PATH`, a file's name in a diff).
pub const HEADING: Style = Style::new().effects(Effects::BOLD);
/// Less important text: sources, counts.
pub const DIM: Style = Style::new().effects(Effects::DIMMED);
pub const ADDED: Style = AnsiColor::Green.on_default();
pub const REMOVED: Style = AnsiColor::Red.on_default();
/// A diff's `@@ ... @@` lines.
pub const HUNK: Style = AnsiColor::Cyan.on_default();

/// `text` in `style` (nothing added for an empty text).
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    let text = text.to_string();
    if text.is_empty() {
        return text;
    }
    format!("{style}{text}{style:#}")
}

/// `error: ` as clap writes it, in its colour.
pub fn error_label() -> String {
    paint(ERROR, "error:")
}

/// `warning: `, in its colour.
pub fn warning_label() -> String {
    paint(WARNING, "warning:")
}

/// `tip: `, in its colour.
pub fn tip_label() -> String {
    paint(TIP, "tip:")
}

/// `next: `, in the colour of tips.
pub fn next_label() -> String {
    paint(TIP, "next:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_wraps_text_in_the_style_and_its_reset() {
        assert_eq!(paint(BAD, "x"), "\u{1b}[31mx\u{1b}[0m");
        assert_eq!(paint(BAD, ""), "");
        // What anstream does with it where colour is off.
        assert_eq!(
            anstream::adapter::strip_str(&paint(ERROR, "error:")).to_string(),
            "error:"
        );
    }
}
