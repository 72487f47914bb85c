//! Go: GOPROXY, GOSUMDB and the private module patterns, from the environment or go's env
//! file.

use std::collections::BTreeMap;

use crate::env::Env;

use super::{host_of, Sources};

/// GOPROXY, GOSUMDB, GOPRIVATE/GONOPROXY/GONOSUMDB from the environment or go's env file.
pub(super) fn go_env(s: &mut Sources, env: &Env) {
    let mut vars: BTreeMap<&str, (String, String)> = BTreeMap::new();
    let go_env_file = env
        .var("GOENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env.config_dir().join("go/env"));
    if let Some(text) = crate::files::config_text(&go_env_file) {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                for name in ["GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB"] {
                    if k.trim() == name {
                        vars.insert(name, (v.trim().to_string(), env.tilde(&go_env_file)));
                    }
                }
            }
        }
    }
    for name in ["GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB"] {
        if let Some(v) = env.var(name) {
            vars.insert(name, (v.to_string(), format!("${name}")));
        }
    }
    if let Some((v, origin)) = vars.get("GOPROXY") {
        let mut uses_public = false;
        for item in v.split([',', '|']).map(str::trim) {
            if item == "direct" || item == "off" || item.is_empty() {
                continue;
            }
            let url = if item.contains("://") {
                item.to_string()
            } else {
                format!("https://{item}")
            };
            if host_of(&url).as_deref() == Some("proxy.golang.org") {
                uses_public = true;
            } else {
                s.url(origin, false, &url);
            }
        }
        if !uses_public {
            s.replace(origin, false, &["proxy.golang.org"]);
        }
    }
    if let Some((v, origin)) = vars.get("GOSUMDB") {
        if v == "off" {
            s.replace(origin, false, &["sum.golang.org"]);
        }
    }
    // Private module paths are fetched directly from their hosts.
    for name in ["GOPRIVATE", "GONOPROXY"] {
        if let Some((v, origin)) = vars.get(name) {
            for pattern in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let host = pattern.split('/').next().unwrap_or("");
                if crate::hosts::validate(host).is_ok() {
                    s.add(origin, false, host.to_ascii_lowercase());
                } else {
                    s.warnings.push(format!(
                        "{origin}: `{pattern}` does not start with a host name"
                    ));
                }
            }
        }
    }
}
