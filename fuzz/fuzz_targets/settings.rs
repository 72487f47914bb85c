//! Settings files: parsing and linting never panic, whatever the bytes; a file that
//! parses round-trips through srt-gen's serializer unchanged in meaning.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use srt_gen::env::{Env, Os};
use srt_gen::policy::lint::{check_text, LintContext};
use srt_gen::policy::settings::Settings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.json");
    if let Ok(s) = Settings::parse(text, file) {
        let bytes = s.to_bytes();
        let again = Settings::parse(std::str::from_utf8(&bytes).unwrap(), file)
            .expect("srt-gen's own output parses");
        assert_eq!(again.to_bytes(), bytes, "serialization is stable");
    }
    let env = Env {
        vars: [("PATH".to_string(), "/usr/bin:/bin".to_string())].into(),
        home: "/nonexistent-fuzz-home".into(),
        os: Os::Linux,
    };
    let ctx = LintContext {
        env: &env,
        project: "/nonexistent-fuzz-project".into(),
        protected: vec!["/nonexistent-fuzz-project/.srt.json".into()],
    };
    if let Ok(findings) = check_text(text, file, &ctx) {
        for f in findings {
            assert!(!f.message.is_empty() && !f.fix.is_empty());
        }
    }
});
