//! Catalog fragment files (user and project fragments are untrusted input): parsing never
//! panics, and what parses resolves without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srt_gen::env::{Env, Os};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frag) = srt_gen::catalog::parse_fragment(text, "fuzz.toml") {
        let env = Env {
            vars: [("CARGO_HOME".to_string(), "/c".to_string())].into(),
            home: "/nonexistent-fuzz-home".into(),
            os: Os::Linux,
        };
        let _ = frag.resolve(&env, &[Os::Linux, Os::Macos]);
    }
});
