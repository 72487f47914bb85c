//! `--dry-run`: what a write would change, as a unified diff (the `similar` crate), in
//! colour where colour is on.

use super::style::{paint, ADDED, HEADING, HUNK, REMOVED};

/// The unified diff from `old` (`None`: the file does not exist yet) to `new`, with three
/// lines of context, headed by the file's name. Empty when nothing changes.
pub fn unified(name: &str, old: Option<&str>, new: &str) -> String {
    let before = old.unwrap_or("");
    if old == Some(new) {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(before, new);
    let (a, b) = match old {
        None => ("/dev/null".to_string(), name.to_string()),
        Some(_) => (name.to_string(), name.to_string()),
    };
    let text = diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&a, &b)
        .to_string();
    colour(&text)
}

fn colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let styled = if body.starts_with("+++ ") || body.starts_with("--- ") {
            paint(HEADING, body)
        } else if body.starts_with("@@") {
            paint(HUNK, body)
        } else if body.starts_with('+') {
            paint(ADDED, body)
        } else if body.starts_with('-') {
            paint(REMOVED, body)
        } else {
            body.to_string()
        };
        out.push_str(&styled);
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    #[test]
    fn a_change_shows_only_the_changed_lines_with_context() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let d = plain(&unified("f.txt", Some(&old), &new));
        assert!(
            d.starts_with("--- f.txt\n+++ f.txt\n@@ -7,7 +7,7 @@\n"),
            "{d}"
        );
        assert!(d.contains("\n-line 10\n+line ten\n"), "{d}");
        assert!(!d.contains("line 1\n") && !d.contains("line 20"), "{d}");
    }

    #[test]
    fn a_new_file_is_all_additions_and_no_change_is_nothing() {
        let d = plain(&unified("new.json", None, "{}\n"));
        assert_eq!(d, "--- /dev/null\n+++ new.json\n@@ -0,0 +1 @@\n+{}\n");
        assert_eq!(unified("same", Some("x\n"), "x\n"), "");
    }
}
