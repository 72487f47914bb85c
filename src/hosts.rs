//! Host names as srt's allow and deny lists take them: `host`, `*.host`, or a bracketed
//! IPv6 address `[::1]`, each with an optional `:port`. srt rejects some spellings itself;
//! it accepts others that can never match (`exa mple.com`), so this checks real host-name
//! syntax too.

use std::net::Ipv6Addr;

/// Checks one allow-list entry. The error says what is wrong, for a finding or a catalog error.
pub fn validate(entry: &str) -> Result<(), String> {
    if entry.is_empty() {
        return Err("empty host".into());
    }
    if entry.contains("://") || entry.contains('/') {
        return Err("a host name, not a URL or path: drop the scheme and the path".into());
    }
    let (host, port) = split_port(entry);
    // srt 0.0.83 takes `[v6]` and `[v6]:port` and matches them as addresses
    // (domain-pattern.js, splitDomainPatternPort); an unbracketed one it refuses.
    let bracketed = entry.starts_with('[');
    if bracketed && host.parse::<Ipv6Addr>().is_err() {
        return Err(
            "inside `[ ]` only an IPv6 address is taken (no zone id), then an optional `:port`: `[::1]`, `[::1]:443`"
                .into(),
        );
    }
    if !bracketed && host.contains(':') {
        return Err("IPv6 addresses must be bracketed (`[::1]`)".into());
    }
    if let Some(p) = port {
        let ok = !p.is_empty()
            && !p.starts_with('0')
            && p.len() <= 5
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Err(format!("port `{p}` is not a number from 1 to 65535"));
        }
    }
    if bracketed || host == "localhost" {
        return Ok(());
    }
    let name = match host.strip_prefix("*.") {
        Some(rest) => {
            if !rest.contains('.') {
                return Err(
                    "`*.` needs at least two labels after it (`*.example.com`, not `*.com`)".into(),
                );
            }
            rest
        }
        None => host,
    };
    if name.contains('*') {
        return Err("`*` is only allowed as a leading `*.`".into());
    }
    if !name.contains('.') {
        return Err("a host name needs a dot (srt rejects single labels)".into());
    }
    if name.ends_with('.') || name.starts_with('.') {
        return Err("no leading or trailing dot".into());
    }
    if name.len() > 253 {
        return Err("longer than 253 characters".into());
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("label `{label}` must be 1 to 63 characters"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!(
                "label `{label}` may hold only letters, digits and `-`"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label `{label}` may not start or end with `-`"));
        }
    }
    Ok(())
}

/// `host:port` → (`host`, `Some(port)`); no colon → (`host`, `None`); `[v6]:port` and
/// `[v6]` give the address without its brackets. The port is not checked here
/// ([`validate`] does). What does not split cleanly (`[::1]x`, or a string with two or
/// more colons and no brackets) is returned whole with no port, as srt does: `::1:443`
/// is itself an IPv6 address, so its last part is not a port.
pub fn split_port(s: &str) -> (&str, Option<&str>) {
    if let Some(rest) = s.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((addr, "")) => (addr, None),
            Some((addr, tail)) => match tail.strip_prefix(':') {
                Some(port) => (addr, Some(port)),
                None => (s, None),
            },
            None => (s, None),
        };
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (s, None),
    }
}

/// Whether `host` (a concrete name) is allowed by the `pattern` entry, as srt matches.
pub fn matches(pattern: &str, host: &str) -> bool {
    let (pattern, host) = (split_port(pattern).0, split_port(host).0);
    // srt compares IPv6 literals in canonical form, so `[0::1]` allows `::1`.
    if let (Ok(p), Ok(h)) = (pattern.parse::<Ipv6Addr>(), host.parse::<Ipv6Addr>()) {
        return p == h;
    }
    let pattern = pattern.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(base) => host.ends_with(&format!(".{base}")),
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_srt_accepts_and_is_a_host() {
        for ok in [
            "example.com",
            "*.example.com",
            "example.com:8443",
            "localhost",
            "a-b.c0.io",
            "[::1]",
            "[::1]:443",
            "[2001:db8::1]",
        ] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_srt_rejects_and_what_cannot_match() {
        for bad in [
            "",
            "*",
            "*.com",
            "example",
            "https://example.com",
            "example.com/x",
            "example.com.",
            "exa mple.com",
            "ex*ample.com",
            "example.com:0",
            "example.com:70000",
            "::1",
            "::1:443",
            "[::1",
            "[::1]x",
            "[::1]:0",
            "[example.com]",
            "[fe80::1%eth0]",
            "-a.com",
            "a_b.com",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn split_port_takes_the_last_colon_of_a_name_only() {
        assert_eq!(split_port("example.com"), ("example.com", None));
        assert_eq!(
            split_port("example.com:8443"),
            ("example.com", Some("8443"))
        );
        assert_eq!(split_port("*.example.com:"), ("*.example.com", Some("")));
        assert_eq!(split_port("::1:443"), ("::1:443", None));
        assert_eq!(split_port("[::1]"), ("::1", None));
        assert_eq!(split_port("[::1]:443"), ("::1", Some("443")));
        assert_eq!(split_port("[::1]x"), ("[::1]x", None));
    }

    #[test]
    fn bracketed_ipv6_is_accepted_and_matched_as_an_address() {
        // Was refused with "IPv6 addresses must be bracketed", bracketed or not.
        assert_eq!(validate("[::1]:8443"), Ok(()));
        assert_eq!(
            validate("::1"),
            Err("IPv6 addresses must be bracketed (`[::1]`)".to_string())
        );
        assert!(matches("[::1]:443", "::1"));
        assert!(matches("[0:0::1]", "[::1]"));
        assert!(matches("[2001:DB8::1]", "2001:db8::1"));
        assert!(!matches("[::1]", "::2"));
    }

    #[test]
    fn wildcard_matches_subdomains_only() {
        assert!(matches("*.example.com", "a.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(matches("Example.com", "example.COM"));
        assert!(!matches("example.com", "badexample.com"));
    }
}
