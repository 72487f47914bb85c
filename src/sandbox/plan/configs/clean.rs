//! A configuration file without its secrets, in two uses: the copy `run` writes before
//! launch ([`sanitize`]), and the check that srt's mask over a file a tool reads at its own
//! path leaves no secret in view ([`unmasked`]).
//!
//! Secrets are found by key (the catalog entry's `secrets`, `*` globs, case ignored) and as
//! credentials inside URLs (`scheme://user:password@host`), in every format the catalog
//! names: npmrc and `.yarnrc` lines, INI, Java properties, YAML, TOML, JSON and XML.

use serde_json::Value;

use crate::catalog::{ConfigEntry, ConfigFormat};

/// What stands in for a secret srt's mask replaced, in [`unmasked`]'s rehearsal of it.
const STANDIN: &str = "srt-gen-masked-stand-in";

/// A sanitized copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub text: String,
    /// A secret was left out (a key, or credentials inside a URL).
    pub secret: bool,
    /// What was left out, by key, for the note.
    pub left_out: Vec<String>,
}

/// The file without the entry's `secrets` and `drop` keys, and without credentials in URLs.
pub fn sanitize(text: &str, c: &ConfigEntry) -> Result<Copy, String> {
    let Some(format) = c.format else {
        return Err("the catalog names no format for a copy".into());
    };
    if format == ConfigFormat::Xml {
        return Err("srt-gen writes no copies of XML files".into());
    }
    let mut cleaner = Cleaner::new(c, false);
    cleaner.file(text, Some(format))?;
    Ok(cleaner.done())
}

/// The secrets `text` would still show with srt's mask (the entry's `mask` pattern, when it
/// has one) over it: keys of the entry's `secrets` whose values the pattern does not
/// replace, and credentials in URLs. Empty when the masked file shows none. A file that
/// does not parse in the entry's format counts as showing one: nothing says it does not.
pub fn unmasked(text: &str, c: &ConfigEntry) -> Vec<String> {
    let masked = match c.mask.as_deref().map(regex::Regex::new) {
        Some(Ok(re)) => mask(&re, text),
        Some(Err(_)) => return vec!["a mask pattern that does not compile".into()],
        None => text.to_string(),
    };
    let mut cleaner = Cleaner::new(c, true);
    if let Err(why) = cleaner.file(&masked, c.format) {
        return vec![format!("what a file that does not parse holds ({why})")];
    }
    // A masked pass records secrets only (`Cleaner::found`), never a dropped key.
    let out = cleaner.done();
    if out.secret {
        out.left_out
    } else {
        Vec::new()
    }
}

/// `text` with what each match's first group captured replaced by [`STANDIN`], as srt's
/// `extract` does it (every match, none overlapping).
fn mask(re: &regex::Regex, text: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    for caps in re.captures_iter(text) {
        if let Some(g) = caps.get(1).filter(|g| !g.is_empty()) {
            out.push_str(&text[at..g.start()]);
            out.push_str(STANDIN);
            at = g.end();
        }
    }
    out.push_str(&text[at..]);
    out
}

/// A value that is a secret: not empty, not the mask's stand-in, and not only a reference
/// to a variable (`${NPM_TOKEN}`, Bun's `$NPM_TOKEN`), which srt-gen withholds.
fn real_secret(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).trim();
    let name = v
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| v.strip_prefix('$'));
    let reference = name
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    !(v.is_empty() || v == STANDIN || reference)
}

/// Which list a key is in: `Some(true)` a secret, `Some(false)` dropped, `None` kept.
fn classify(key: &str, c: &ConfigEntry) -> Option<bool> {
    // `//host/path/:_authToken` and `@scope:registry`: the setting is the last part.
    let last = key.rsplit(':').next().unwrap_or(key).trim();
    let hit = |pats: &[String]| {
        pats.iter()
            .any(|pat| glob(pat, key.trim()) || glob(pat, last))
    };
    if hit(&c.secrets) {
        Some(true)
    } else if hit(&c.drop) {
        Some(false)
    } else {
        None
    }
}

/// `*` matches any text; case is ignored.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// `scheme://user:password@host` → `scheme://host`, everywhere in `value`. With `masked`, only userinfo that still shows a secret counts as
/// changed: a password that is not the stand-in, or a user part long enough to be a
/// token (`https://<token>@host`); `git@` is a user name.
fn userinfo(value: &str, masked: bool) -> (String, bool) {
    let mut out = String::new();
    let mut rest = value;
    let mut changed = false;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let end = rest
            .find(|c: char| c == '/' || c == '"' || c == '\'' || c == '<' || c.is_whitespace())
            .unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            let info = &rest[..at];
            let secret = match info.split_once(':') {
                _ if !masked => true,
                Some((_, password)) => real_secret(password),
                None => real_secret(info) && info.len() >= 20,
            };
            if secret {
                rest = &rest[at + 1..];
                changed = true;
            }
        }
    }
    out.push_str(rest);
    (out, changed)
}

/// One pass over one file.
struct Cleaner<'a> {
    c: &'a ConfigEntry,
    /// Checking a masked file ([`unmasked`]): a secret key whose value is the stand-in, a
    /// reference or nothing is no secret.
    masked: bool,
    out: Copy,
}

impl<'a> Cleaner<'a> {
    fn new(c: &'a ConfigEntry, masked: bool) -> Self {
        Cleaner {
            c,
            masked,
            out: Copy {
                text: String::new(),
                secret: false,
                left_out: Vec::new(),
            },
        }
    }

    fn done(mut self) -> Copy {
        self.out.left_out.sort();
        self.out.left_out.dedup();
        self.out
    }

    /// `format` is `None` for a file only masked whose format the catalog does not name:
    /// only URLs are looked at.
    fn file(&mut self, text: &str, format: Option<ConfigFormat>) -> Result<(), String> {
        let Some(format) = format else {
            self.out.text = self.url(text);
            return Ok(());
        };
        match format {
            ConfigFormat::Toml => {
                let mut table: toml::Table = toml::from_str(text).map_err(|e| {
                    let at = e
                        .span()
                        .map(|s| format!("line {}: ", crate::error::line_col(text, s.start).0))
                        .unwrap_or_default();
                    format!("{at}{}", e.message())
                })?;
                self.toml(&mut table);
                self.out.text = toml::to_string(&table).map_err(|e| e.to_string())?;
            }
            ConfigFormat::Json => {
                let mut v: Value =
                    serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()))?;
                self.json(&mut v);
                self.out.text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())? + "\n";
            }
            ConfigFormat::Xml => self.xml(text),
            other => self.lines(text, other),
        }
        Ok(())
    }

    /// A secret key (or a dropped one) left out. `value` is what it held, when known.
    /// Whether the caller drops it: a masked file keeps a key that shows no secret.
    fn found(&mut self, key: &str, secret: bool, value: Option<&str>) -> bool {
        if self.masked && !(secret && value.is_none_or(real_secret)) {
            return false;
        }
        self.out.secret |= secret;
        self.out
            .left_out
            .push(key.rsplit(':').next().unwrap_or(key).to_string());
        true
    }

    fn url(&mut self, value: &str) -> String {
        let (clean, changed) = userinfo(value, self.masked);
        if changed {
            self.out.secret = true;
            self.out.left_out.push("credentials in URLs".into());
        }
        clean
    }

    fn push(&mut self, line: &str) {
        let clean = self.url(line);
        self.out.text.push_str(&clean);
        self.out.text.push('\n');
    }

    /// Line formats. A key's value goes with it: in INI its indented continuation lines, in
    /// YAML the lines indented below it (its children), in Java properties the lines after
    /// one that ends in an odd number of backslashes.
    fn lines(&mut self, text: &str, format: ConfigFormat) {
        let comments: &[char] = match format {
            ConfigFormat::Npmrc | ConfigFormat::Ini => &['#', ';'],
            ConfigFormat::Properties => &['#', '!'],
            _ => &['#'],
        };
        // Lines indented more than this belong to a key left out.
        let mut dropping: Option<usize> = None;
        // The last line ended in a properties continuation, and whether it was left out.
        let mut continued: Option<bool> = None;
        // A masked file: a secret key kept (its value the stand-in), whose value may go on
        // below it (a YAML block, INI continuation lines), which the mask did not reach.
        let mut value_below: Option<(usize, String)> = None;
        for line in text.lines() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if let Some(dropped) = continued {
                continued = continues(line).then_some(dropped);
                if !dropped {
                    self.push(line);
                }
                continue;
            }
            if let Some((level, key)) = &value_below {
                if !trimmed.is_empty() && indent > *level {
                    let key = key.clone();
                    self.found(&key, true, Some(trimmed));
                    self.push(line);
                    continue;
                }
                if !trimmed.is_empty() {
                    value_below = None;
                }
            }
            if let Some(level) = dropping {
                if trimmed.is_empty() || indent > level {
                    if trimmed.is_empty() {
                        self.push(line);
                    }
                    continue;
                }
                dropping = None;
            }
            let section = trimmed.starts_with('[') && format != ConfigFormat::Yaml;
            if trimmed.is_empty() || trimmed.starts_with(comments) || section {
                self.push(line);
                continue;
            }
            if format == ConfigFormat::Ini && indent > 0 {
                // The value above goes on.
                self.push(line);
                continue;
            }
            if let Some((key, value)) = split(trimmed, format) {
                if let Some(secret) = classify(key, self.c) {
                    if self.found(key, secret, Some(value)) {
                        if matches!(format, ConfigFormat::Ini | ConfigFormat::Yaml) {
                            dropping = Some(indent);
                        }
                        if format == ConfigFormat::Properties && continues(line) {
                            continued = Some(true);
                        }
                        continue;
                    }
                    if secret && matches!(format, ConfigFormat::Ini | ConfigFormat::Yaml) {
                        value_below = Some((indent, key.to_string()));
                    }
                }
            }
            if format == ConfigFormat::Properties && continues(line) {
                continued = Some(false);
            }
            self.push(line);
        }
    }

    fn toml(&mut self, table: &mut toml::Table) {
        let keys: Vec<String> = table.keys().cloned().collect();
        for k in keys {
            if let Some(secret) = classify(&k, self.c) {
                let value = table.get(&k).map(|v| v.as_str().unwrap_or("a table"));
                if self.found(&k, secret, value) {
                    table.remove(&k);
                    continue;
                }
            }
            if let Some(v) = table.get_mut(&k) {
                self.toml_value(v);
            }
        }
    }

    fn toml_value(&mut self, v: &mut toml::Value) {
        match v {
            toml::Value::Table(t) => self.toml(t),
            toml::Value::Array(a) => a.iter_mut().for_each(|x| self.toml_value(x)),
            toml::Value::String(s) => *s = self.url(s),
            _ => {}
        }
    }

    fn json(&mut self, v: &mut Value) {
        match v {
            Value::Object(m) => {
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    if let Some(secret) = classify(&k, self.c) {
                        let value = m.get(&k).map(|v| v.as_str().unwrap_or("an object"));
                        if self.found(&k, secret, value) {
                            m.remove(&k);
                            continue;
                        }
                    }
                    if let Some(x) = m.get_mut(&k) {
                        self.json(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            Value::String(s) => *s = self.url(s),
            _ => {}
        }
    }

    /// XML (Maven's settings): elements named by `secrets` (`<password>`), and the
    /// `<value>` of a `<property>` whose `<name>` is (an HTTP header: `Private-Token`).
    fn xml(&mut self, text: &str) {
        use std::sync::LazyLock;
        // Elements that hold only text or CDATA: `<server>` around `<password>` is not one.
        static ELEMENT: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(
                r"<([A-Za-z_][\w.:-]*)(?:\s[^>]*)?>((?:<!\[CDATA\[(?s:.*?)\]\]>|[^<])*)</([A-Za-z_][\w.:-]*)\s*>",
            )
            .expect("a valid pattern")
        });
        static PROPERTY: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"(?s)<name>\s*([^<]*?)\s*</name>\s*<value>(.*?)</value>")
                .expect("a valid pattern")
        });
        let (element, property) = (&*ELEMENT, &*PROPERTY);
        let inner = |v: &str| -> String {
            let v = v.trim();
            v.strip_prefix("<![CDATA[")
                .and_then(|r| r.strip_suffix("]]>"))
                .unwrap_or(v)
                .to_string()
        };
        for caps in element.captures_iter(text) {
            if caps[1] != caps[3] {
                continue;
            }
            if let Some(secret) = classify(&caps[1], self.c) {
                self.found(&caps[1], secret, Some(&inner(&caps[2])));
            }
        }
        for caps in property.captures_iter(text) {
            if let Some(secret) = classify(&caps[1], self.c) {
                self.found(&caps[1], secret, Some(&inner(&caps[2])));
            }
        }
        self.out.text = self.url(text);
    }
}

/// A Java properties line that goes on in the next one: it ends in an odd number of
/// backslashes.
fn continues(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// A line's key and value in `format`, or `None` for a line with no key.
fn split(trimmed: &str, format: ConfigFormat) -> Option<(&str, &str)> {
    let (key, value) = match format {
        // npm's `key=value` (blanks around `=` allowed); Yarn 1's `.yarnrc` says `"key" value`.
        ConfigFormat::Npmrc => {
            let at = trimmed.find(['=', ' ', '\t'])?;
            let value = trimmed[at..].trim_start();
            let value = value.strip_prefix('=').unwrap_or(value).trim_start();
            return Some((trimmed[..at].trim_matches(['"', '\'']), value));
        }
        ConfigFormat::Ini => trimmed.split_at_checked(trimmed.find(['=', ':'])?)?,
        // The key ends at the first `=`, `:` or blank that no backslash escapes.
        ConfigFormat::Properties => {
            let mut escaped = false;
            let at = trimmed.char_indices().find_map(|(i, ch)| {
                if escaped {
                    escaped = false;
                    return None;
                }
                escaped = ch == '\\';
                matches!(ch, '=' | ':' | ' ' | '\t' | '\x0c').then_some(i)
            })?;
            let value = trimmed[at..].trim_start_matches([' ', '\t', '\x0c']);
            let value = value.strip_prefix(['=', ':']).unwrap_or(value).trim_start();
            return Some((&trimmed[..at], value));
        }
        // `key: value`, the key maybe quoted (`"https://r.example": ...`), maybe a list item.
        ConfigFormat::Yaml => {
            let t = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
            let at = match t.chars().next() {
                Some(q @ ('"' | '\'')) => t[1..].find(q).map(|e| e + 2)?,
                _ => t
                    .match_indices(':')
                    .map(|(i, _)| i)
                    .find(|&i| t[i + 1..].is_empty() || t[i + 1..].starts_with([' ', '\t']))?,
            };
            let value = t[at..].trim_start().strip_prefix(':')?;
            (&t[..at], value)
        }
        _ => return None,
    };
    let value = value.trim_start_matches(['=', ':']);
    Some((key.trim().trim_matches(['"', '\'']), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(format: &str, secrets: &[&str], drop: &[&str]) -> ConfigEntry {
        let text = format!(
            "path = \"~/x\"\nvar = \"X\"\nformat = \"{format}\"\nsecrets = {secrets:?}\ndrop = {drop:?}\nsource = \"t\"\n"
        );
        toml::from_str(&text).unwrap()
    }

    fn masked(format: &str, secrets: &[&str], mask: &str) -> ConfigEntry {
        let mut c = entry(format, secrets, &[]);
        c.mask = Some(mask.to_string());
        c
    }

    #[test]
    fn npmrc_keeps_settings_and_drops_tokens_and_proxies() {
        let c = entry(
            "npmrc",
            &[
                "_authToken",
                "_auth",
                "_password",
                "username",
                "email",
                "certfile",
                "keyfile",
            ],
            &["proxy", "https-proxy"],
        );
        let text = "nodedir=/usr\n; a comment\ncafile=/etc/ssl/certs/ca.crt\n@corp:registry=https://npm.corp.example/\n//npm.corp.example/:_authToken=npm_SECRET\n//npm.corp.example/:_password = c2VjcmV0\nhttps-proxy=http://proxy.corp.example:8080\nregistry=https://u:pw@mirror.example/npm/\n";
        let out = sanitize(text, &c).unwrap();
        assert!(out.secret);
        assert_eq!(
            out.text,
            "nodedir=/usr\n; a comment\ncafile=/etc/ssl/certs/ca.crt\n@corp:registry=https://npm.corp.example/\nregistry=https://mirror.example/npm/\n"
        );
        assert!(!out.text.contains("SECRET") && !out.text.contains("pw@"));
        assert_eq!(
            out.left_out,
            [
                "_authToken",
                "_password",
                "credentials in URLs",
                "https-proxy"
            ]
        );
        let clean = sanitize("nodedir=/usr\n", &c).unwrap();
        assert!(!clean.secret);
        // Yarn 1's `.yarnrc` form.
        let out = sanitize(
            "\"//r.example/:_authToken\" SECRET\nlastUpdateCheck 1\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "lastUpdateCheck 1\n");
    }

    #[test]
    fn ini_continuations_go_with_their_key() {
        let c = entry("ini", &["password"], &[]);
        let text = "[global]\nindex-url = https://user:tok@pypi.corp.example/simple\nextra-index-url =\n    https://a:b@x.example/simple\n    https://y.example/simple\npassword = p\n  more\ntimeout = 60\n";
        let out = sanitize(text, &c).unwrap();
        assert!(out.secret);
        assert_eq!(
            out.text,
            "[global]\nindex-url = https://pypi.corp.example/simple\nextra-index-url =\n    https://x.example/simple\n    https://y.example/simple\ntimeout = 60\n"
        );
    }

    #[test]
    fn toml_and_json_drop_keys_at_any_depth() {
        let c = entry("toml", &["token", "secret-key"], &["proxy"]);
        let text = "[net]\nretry = 7\n[registries.private]\nindex = \"sparse+https://r.example/\"\ntoken = \"FAKE\"\n[http]\nproxy = \"http://p:3128\"\n";
        let out = sanitize(text, &c).unwrap();
        assert!(out.secret);
        assert!(out.text.contains("retry = 7"), "{}", out.text);
        assert!(!out.text.contains("FAKE") && !out.text.contains("proxy"));
        assert!(sanitize("[net\n", &c).unwrap_err().starts_with("line 1"));
        let c = entry("json", &["http-basic", "github-oauth"], &[]);
        let out = sanitize(
            r#"{"config":{"process-timeout":600},"http-basic":{"x":{"password":"p"}},"github-oauth":{"github.com":"t"}}"#,
            &c,
        )
        .unwrap();
        assert!(out.secret && !out.text.contains("password") && out.text.contains("600"));
    }

    #[test]
    fn properties_and_yaml_take_glob_keys() {
        let c = entry("properties", &["*password*", "*token*"], &[]);
        let out = sanitize(
            "org.gradle.jvmargs=-Xmx512m\nmavenPassword=s\nMY_TOKEN: t\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "org.gradle.jvmargs=-Xmx512m\n");
        let c = entry("yaml", &["BUNDLE_*__*"], &[]);
        let out = sanitize(
            "---\nBUNDLE_JOBS: \"2\"\nBUNDLE_RUBYGEMS__PKG__GITHUB__COM: \"u:SECRET\"\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "---\nBUNDLE_JOBS: \"2\"\n");
    }

    /// Missed before: a blank as the properties separator, a continued value, Bundler's
    /// URL keys (`bundle config set https://... user:token`), and YAML's nested keys.
    #[test]
    fn every_way_a_key_is_written_is_read() {
        let c = entry("properties", &["*password*", "*token*"], &[]);
        let out = sanitize(
            "org.gradle.jvmargs=-Xmx512m\nrepoPassword SECRET1\ngpr.token = SEC\\\n    RET2\nrepo\\ Password:SECRET3\nkept=1\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "org.gradle.jvmargs=-Xmx512m\nkept=1\n");
        let c = entry("yaml", &["BUNDLE_*__*"], &[]);
        let out = sanitize(
            "---\nBUNDLE_HTTPS://GEMS__CORP__EXAMPLE/: \"u:SECRET\"\nBUNDLE_JOBS: \"2\"\n",
            &c,
        )
        .unwrap();
        assert_eq!(out.text, "---\nBUNDLE_JOBS: \"2\"\n");
        let c = entry("yaml", &["npmAuthToken", "npmAuthIdent"], &[]);
        let out = sanitize(
            "npmRegistries:\n  \"https://r.example\":\n    npmAuthToken: SECRET\n    npmAlwaysAuth: true\nenableTelemetry: false\n",
            &c,
        )
        .unwrap();
        assert_eq!(
            out.text,
            "npmRegistries:\n  \"https://r.example\":\n    npmAlwaysAuth: true\nenableTelemetry: false\n"
        );
        // A secret's block value goes with it.
        let out = sanitize("npmAuthIdent: |\n  u:SECRET\nnext: 1\n", &c).unwrap();
        assert_eq!(out.text, "next: 1\n");
    }

    #[test]
    fn a_mask_that_covers_every_secret_leaves_none() {
        let npmrc = r"(?:^|\n)[ \t]*(?:\S*:)?(?:_authToken|_auth|_password)[ \t]*=[ \t]*([^\r\n]+)";
        let c = masked("npmrc", &["_authToken", "_auth", "_password"], npmrc);
        assert!(unmasked("//r.example/:_authToken=SECRET\nnodedir=/usr\n", &c).is_empty());
        assert!(unmasked("registry=https://r.example/\n", &c).is_empty());
        assert!(unmasked("_authToken=${NPM_TOKEN}\n", &c).is_empty());
        assert_eq!(
            unmasked(
                "//r.example/:_authToken=SECRET\nregistry=https://u:pw@r.example/\n",
                &c
            ),
            ["credentials in URLs"]
        );
        // A user name alone is none; a token in its place is one.
        assert!(unmasked("registry=ssh://git@r.example/\n", &c).is_empty());
        assert_eq!(
            unmasked("registry=https://ghp_0123456789abcdefghij@r.example/\n", &c),
            ["credentials in URLs"]
        );
        // A secret key the pattern misses (a blank before `=` in the key's scope).
        let narrow = masked("npmrc", &["_authToken", "_auth"], r"_authToken=([^\n]+)");
        assert_eq!(unmasked("_auth = SECRET\n", &narrow), ["_auth"]);

        let berry = masked(
            "yaml",
            &["npmAuthToken", "npmAuthIdent"],
            r#"npmAuth(?:Token|Ident)[ \t]*:[ \t]*[\"']?([^\"'\r\n]+)"#,
        );
        assert!(unmasked(
            "npmRegistries:\n  \"https://r.example\":\n    npmAuthToken: \"SECRET\"\n",
            &berry
        )
        .is_empty());
        assert_eq!(
            unmasked("npmAuthIdent: |\n  u:SECRET\n", &berry),
            ["npmAuthIdent"]
        );

        let cargo = masked(
            "toml",
            &["token", "secret-key"],
            r#"(?:^|\n)[ \t]*(?:token|secret-key)[ \t]*=[ \t]*[\"']([^\"'\n]+)[\"']"#,
        );
        assert!(unmasked("[registry]\ntoken = \"SECRET\"\n", &cargo).is_empty());
        assert_eq!(
            unmasked("registries.x.token = \"SECRET\"\n", &cargo),
            ["token"]
        );
        assert_eq!(
            unmasked("[net\n", &cargo).len(),
            1,
            "a file that does not parse"
        );

        let maven = masked(
            "xml",
            &["password", "passphrase", "*token*"],
            r"<password>([^<]+)</password>",
        );
        assert!(unmasked("<server><password>SECRET</password></server>", &maven).is_empty());
        assert_eq!(
            unmasked(
                "<server><password><![CDATA[SECRET]]></password></server>",
                &maven
            ),
            ["password"]
        );
        assert_eq!(
            unmasked(
                "<property><name>Private-Token</name><value>SECRET</value></property>",
                &maven
            ),
            ["Private-Token"]
        );
    }

    /// Whatever the text, each format reads it without a panic (multi-byte characters next
    /// to every separator included).
    #[test]
    fn any_text_is_read_without_a_panic() {
        let alphabet: Vec<char> = "a=: \t\n\\\"'#;![]{},.-/@é€<>![CDATA[]]>$"
            .chars()
            .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for format in ["npmrc", "ini", "properties", "yaml", "toml", "json", "xml"] {
            let c = masked(
                format,
                &["*token*", "password", "_auth*"],
                r"token=([^\n]*)",
            );
            for _ in 0..150 {
                let mut text = String::new();
                for _ in 0..(x % 60) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    text.push(alphabet[(x % alphabet.len() as u64) as usize]);
                }
                let _ = sanitize(&text, &c);
                let _ = unmasked(&text, &c);
            }
        }
    }

    #[test]
    fn userinfo_is_stripped_only_before_the_host() {
        let strip_userinfo = |v: &str| userinfo(v, false);
        assert_eq!(
            strip_userinfo("https://u:p@h.example/a@b https://h2.example/x"),
            ("https://h.example/a@b https://h2.example/x".into(), true)
        );
        assert_eq!(
            strip_userinfo("git+ssh://git@github.com/x"),
            ("git+ssh://github.com/x".into(), true)
        );
        assert_eq!(strip_userinfo("no url"), ("no url".into(), false));
    }
}
