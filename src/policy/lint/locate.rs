//! Where each finding is in the file: the byte offset of every key path in a JSON text,
//! found by a small parser that tolerates anything, turned into lines.

use std::collections::BTreeMap;

use super::{join, Finding};

/// Fills in each finding's line and column (1-based) from the text: where its key is, or
/// the nearest enclosing key that exists (a missing key is reported where its object
/// starts).
pub fn locate(findings: &mut [Finding], text: &str) {
    let pos = positions(text);
    for f in findings {
        let mut key = f.key.as_str();
        loop {
            if let Some(&off) = pos.get(key) {
                let (line, column) = crate::error::line_col(text, off);
                f.line = Some(line);
                f.column = Some(column);
                break;
            }
            if key.is_empty() {
                break;
            }
            key = match (key.rfind('.'), key.rfind('[')) {
                (Some(d), Some(b)) => &key[..d.max(b)],
                (Some(i), None) | (None, Some(i)) => &key[..i],
                (None, None) => "",
            };
        }
    }
}

/// Byte offset of every key path in a JSON text (`a.b[2]`), for messages. Tolerates
/// anything: on text it cannot follow it returns what it found so far.
pub(super) fn positions(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut p = PosParser {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    p.ws();
    out.insert(String::new(), p.i);
    let _ = p.value("", &mut out, 0);
    out
}

struct PosParser<'t> {
    b: &'t [u8],
    text: &'t str,
    i: usize,
}

impl PosParser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        let start = self.i;
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return serde_json::from_str(self.text.get(start..self.i)?).ok();
                }
                _ => self.i += 1,
            }
        }
        None
    }

    fn value(&mut self, path: &str, out: &mut BTreeMap<String, usize>, depth: usize) -> Option<()> {
        if depth > 256 {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Some(());
                    }
                    let at = self.i;
                    let key = self.string()?;
                    let child = join(path, &key);
                    out.entry(child.clone()).or_insert(at);
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    self.value(&child, out, depth + 1)?;
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut n = 0;
                loop {
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                        return Some(());
                    }
                    out.entry(format!("{path}[{n}]")).or_insert(self.i);
                    self.value(&format!("{path}[{n}]"), out, depth + 1)?;
                    n += 1;
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while self.i < self.b.len() && !matches!(self.b[self.i], b',' | b'}' | b']') {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;
    use super::*;

    #[test]
    fn lines_are_found_for_keys_and_missing_keys() {
        let text = "{\n  \"network\": {\n    \"allowedDomains\": [\n      \"a.example.com\",\n      \"exa mple.com\"\n    ],\n    \"deniedDomains\": []\n  },\n  \"filesystem\": {\"denyRead\": [], \"allowWrite\": []}\n}\n";
        let dir = tempfile::tempdir().unwrap();
        let e = env(dir.path(), "");
        let ctx = LintContext {
            env: &e,
            project: dir.path().to_path_buf(),
            protected: vec![],
            floor: Vec::new(),
            masked: Vec::new(),
            handled: Vec::new(),
        };
        let f = check_text(text, Path::new("t.json"), &ctx).unwrap();
        let lines: Vec<(&str, Option<usize>, Option<usize>)> = f
            .iter()
            .map(|f| (f.key.as_str(), f.line, f.column))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("network.allowedDomains[1]", Some(5), Some(7)),
                ("filesystem.denyWrite", Some(9), Some(3)),
            ]
        );
    }

    #[test]
    fn positions_survive_garbage() {
        for t in [
            "",
            "{",
            "[1,",
            "{\"a\":",
            "{\"a\" 1}",
            "\"\\",
            "{\"a\":[{\"b\":\"\\u12",
        ] {
            let _ = positions(t);
        }
    }
}
