//! Manifest checks during detection (TOML and JSON from the project): never a panic,
//! and an error always carries a message and a position inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = if first % 2 == 0 { "toml" } else { "json" };
    if let Err((line, _col, message)) = srt_gen::detect::manifest::check_text(kind, text) {
        assert!(!message.is_empty());
        assert!(line <= text.lines().count() + 1, "line {line} is past the end");
    }
});
