//! The secret-name catalog (`secrets/*.toml`, embedded at build time): environment
//! variables that hold a secret, by fixed name and by name pattern, each with its
//! `source`. `init` writes the fixed names into `.srt.json` (srt's `credentials.envVars`,
//! mode `deny`); a run withholds every variable of its environment that a name or a
//! pattern covers (srt takes no patterns, so they are expanded here, at launch).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::Error;

/// Every built-in secret file, as `(relative path, text)`; the list is written by build.rs.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/secret_files.rs"));

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    #[serde(default)]
    secret: Vec<Secret>,
}

/// One entry: a fixed name or a pattern, and why it is a secret.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Secret {
    /// A variable name, exactly (what srt's `credentials.envVars` takes).
    #[serde(default)]
    pub name: Option<String>,
    /// A name pattern: `*` is any run of characters; case does not matter.
    #[serde(default)]
    pub pattern: Option<String>,
    /// The agent (catalog agent fragment) whose own key this is: masked, not withheld,
    /// while that agent runs.
    #[serde(default)]
    pub agent: Option<String>,
    pub source: String,
    /// The file the entry came from.
    #[serde(skip)]
    pub origin: &'static str,
}

/// The whole catalog.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub entries: Vec<Secret>,
}

/// Why one variable is withheld: the entry that covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    pub name: String,
    pub by: &'a Secret,
}

/// A name srt's `credentials.envVars` accepts (`^[A-Za-z_][A-Za-z0-9_]*$`, srt's
/// `envVarNameSchema`). A variable with any other name cannot be denied through srt; srt-gen
/// keeps it out of srt's environment instead.
pub fn srt_can_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// `*` matches any run of characters (none included); everything else matches itself,
/// without regard to ASCII case.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<u8> = pattern.bytes().map(|b| b.to_ascii_lowercase()).collect();
    let n: Vec<u8> = name.bytes().map(|b| b.to_ascii_lowercase()).collect();
    // Iterative glob with one backtrack point (`*` only): linear in practice.
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = ni;
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

fn parse(origin: &'static str, text: &str) -> Result<Vec<Secret>, Error> {
    let file: SecretFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((0, 0), |s| crate::error::line_col(text, s.start));
        Error::Parse {
            file: origin.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let bad = |message: String| Error::Catalog {
        file: origin.to_string(),
        message,
    };
    let mut out = Vec::new();
    for mut s in file.secret {
        match (&s.name, &s.pattern) {
            (Some(n), None) if srt_can_name(n) => {}
            (Some(n), None) => {
                return Err(bad(format!(
                    "`{n}` is not a name srt's credentials.envVars takes (letters, digits, `_`)"
                )))
            }
            (None, Some(p))
                if !p.is_empty()
                    && p.chars()
                        .all(|c| c == '*' || c == '_' || c.is_ascii_alphanumeric())
                    && p.chars().any(|c| c != '*') => {}
            (None, Some(p)) => {
                return Err(bad(format!(
                    "pattern `{p}` may hold only letters, digits, `_` and `*`, and not only `*`"
                )))
            }
            _ => {
                return Err(bad(format!(
                    "an entry ({}) needs exactly one of `name` and `pattern`",
                    s.source
                )))
            }
        }
        if s.source.trim().is_empty() {
            return Err(bad("every entry needs a `source`".into()));
        }
        s.origin = origin;
        out.push(s);
    }
    Ok(out)
}

impl Secrets {
    /// The built-in catalog, parsed once per process.
    pub fn builtin() -> &'static Secrets {
        static CATALOG: OnceLock<Secrets> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Secrets::parse_all(BUILTIN).expect("the built-in secret catalog parses (tested)")
        })
    }

    fn parse_all(files: &[(&'static str, &str)]) -> Result<Secrets, Error> {
        let mut entries = Vec::new();
        for (origin, text) in files {
            entries.extend(parse(origin, text)?);
        }
        let mut seen = BTreeSet::new();
        for e in &entries {
            let key = e.name.as_ref().or(e.pattern.as_ref()).expect("checked");
            if !seen.insert(key.to_ascii_lowercase()) {
                return Err(Error::Catalog {
                    file: e.origin.to_string(),
                    message: format!("`{key}` is listed twice"),
                });
            }
        }
        Ok(Secrets { entries })
    }

    /// The fixed names, sorted, leaving out the keys of `agent` (the agent whose key is
    /// masked instead).
    pub fn fixed_names(&self, agent: Option<&str>) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| e.agent.is_none() || e.agent.as_deref() != agent)
            .filter_map(|e| e.name.as_deref())
            .collect();
        v.sort_unstable();
        v
    }

    /// The names `agent` uses as its own key.
    pub fn agent_keys(&self, agent: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.agent.as_deref() == Some(agent))
            .filter_map(|e| e.name.as_deref())
            .collect()
    }

    /// The entry that makes `name` a secret: a fixed name first, then the first pattern.
    pub fn covering(&self, name: &str) -> Option<&Secret> {
        self.entries
            .iter()
            .find(|e| e.name.as_deref() == Some(name))
            .or_else(|| {
                self.entries.iter().find(|e| {
                    e.pattern
                        .as_deref()
                        .is_some_and(|p| pattern_matches(p, name))
                })
            })
    }

    /// The variables among `names` that hold a secret, each with the entry that says so,
    /// sorted by name; every name in `pass` (let through on purpose) is left out. The
    /// running agent's keys are not: the run policy leaves out only the one the agent step
    /// masks.
    pub fn withheld<'a, 'n>(
        &'a self,
        names: impl IntoIterator<Item = &'n str>,
        pass: &BTreeSet<String>,
    ) -> Vec<Match<'a>> {
        let mut out: Vec<Match<'a>> = names
            .into_iter()
            .filter(|n| !pass.contains(*n))
            .filter_map(|n| {
                self.covering(n).map(|by| Match {
                    name: n.to_string(),
                    by,
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out.dedup_by(|a, b| a.name == b.name);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[Match<'_>]) -> Vec<String> {
        v.iter().map(|m| m.name.clone()).collect()
    }

    #[test]
    fn the_builtin_catalog_parses_and_every_entry_has_a_source() {
        let s = Secrets::parse_all(BUILTIN).unwrap();
        assert!(s.entries.len() > 100, "{}", s.entries.len());
        assert!(s.entries.iter().all(|e| !e.source.is_empty()));
        for n in s.fixed_names(None) {
            assert!(srt_can_name(n), "{n}");
        }
    }

    #[test]
    fn the_known_secrets_of_the_issue_are_covered() {
        let s = Secrets::builtin();
        for n in [
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "NPM_TOKEN",
            "CARGO_REGISTRY_TOKEN",
            "CARGO_REGISTRIES_MY_CORP_TOKEN",
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_AUTH_TOKEN",
            "OPENAI_API_KEY",
            "GEMINI_API_KEY",
            "DATABASE_URL",
            "TEST_DATABASE_URL",
            "PGPASSWORD",
            "CI_JOB_TOKEN",
            "TF_TOKEN_app_terraform_io",
            "POETRY_PYPI_TOKEN_PYPI",
            "npm_config__authToken",
            "npm_config_//registry.npmjs.org/:_authToken",
            "MY_SERVICE_CLIENT_SECRET",
            "SOME_API_KEY",
            "db_password",
            "RAILS_MASTER_KEY",
            "DEPLOY_PRIVATE_KEY_PATH",
            "AZURE_DEVOPS_PAT",
            "ORG_GRADLE_PROJECT_signingKey",
        ] {
            assert!(s.covering(n).is_some(), "{n} is not covered");
        }
    }

    #[test]
    fn ordinary_variables_are_not_secrets() {
        let s = Secrets::builtin();
        for n in [
            "PATH",
            "HOME",
            "USER",
            "SHELL",
            "LANG",
            "TERM",
            "TMPDIR",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "CARGO_TARGET_DIR",
            "npm_config_cache",
            "npm_config_registry",
            "PIP_CERT",
            "PIP_INDEX_URL",
            "SSL_CERT_FILE",
            "NODE_EXTRA_CA_CERTS",
            "SSH_AUTH_SOCK",
            "GIT_ASKPASS",
            "HTTPS_PROXY",
            "NO_PROXY",
            "CLAUDE_CONFIG_DIR",
            "CLAUDE_CODE_TMPDIR",
            "ANTHROPIC_BASE_URL",
            "AWS_REGION",
            "AWS_PROFILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "GOPATH",
            "GOPROXY",
            "KUBECONFIG",
            "TOKENIZERS_PARALLELISM",
            "PASSWORD_STORE_DIR",
            "SRT_GEN_SRT",
            "IS_SANDBOX",
        ] {
            assert_eq!(s.covering(n), None, "{n} taken for a secret");
        }
    }

    #[test]
    fn passed_names_are_not_withheld_and_agent_keys_are() {
        let s = Secrets::builtin();
        let env = [
            "ANTHROPIC_API_KEY",
            "OPENAI_API_KEY",
            "GITHUB_TOKEN",
            "PATH",
            "MY_TOKEN",
        ];
        let none = BTreeSet::new();
        assert_eq!(
            names(&s.withheld(env, &none)),
            [
                "ANTHROPIC_API_KEY",
                "GITHUB_TOKEN",
                "MY_TOKEN",
                "OPENAI_API_KEY"
            ]
        );
        let pass: BTreeSet<String> = ["MY_TOKEN".to_string()].into();
        assert_eq!(
            names(&s.withheld(env, &pass)),
            ["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "OPENAI_API_KEY"]
        );
        assert!(!s.fixed_names(Some("claude")).contains(&"ANTHROPIC_API_KEY"));
        assert!(s.fixed_names(Some("claude")).contains(&"OPENAI_API_KEY"));
        assert!(s.fixed_names(None).contains(&"ANTHROPIC_API_KEY"));
        // The fixed entry wins over a pattern when both cover a name.
        assert_eq!(
            s.covering("GITHUB_TOKEN").unwrap().name.as_deref(),
            Some("GITHUB_TOKEN")
        );
    }

    #[test]
    fn patterns_match_as_globs_without_case() {
        assert!(pattern_matches("*TOKEN", "gh_token"));
        assert!(pattern_matches("*TOKEN", "TOKEN"));
        assert!(pattern_matches(
            "CARGO_REGISTRIES_*_TOKEN",
            "CARGO_REGISTRIES_A_B_TOKEN"
        ));
        assert!(!pattern_matches(
            "CARGO_REGISTRIES_*_TOKEN",
            "CARGO_REGISTRIES_TOKEN"
        ));
        assert!(pattern_matches("*SECRET*", "xsecrety"));
        assert!(!pattern_matches("*_PAT", "PATH"));
        assert!(!pattern_matches("*_AUTH", "SSH_AUTH_SOCK"));
        assert!(pattern_matches("a*b*c", "aXXbYYbc"));
        assert!(!pattern_matches("a*b*c", "aXXbYYbcd"));
    }

    #[test]
    fn bad_entries_are_refused_with_the_file() {
        for (text, want) in [
            ("[[secret]]\nname = \"A-B\"\nsource = \"s\"\n", "not a name"),
            ("[[secret]]\npattern = \"**\"\nsource = \"s\"\n", "not only"),
            (
                "[[secret]]\npattern = \"A.B\"\nsource = \"s\"\n",
                "may hold only",
            ),
            (
                "[[secret]]\nname = \"A\"\npattern = \"B*\"\nsource = \"s\"\n",
                "exactly one",
            ),
            ("[[secret]]\nname = \"A\"\nsource = \" \"\n", "source"),
            ("[[secret]]\nname = \"A\"\nsrc = \"s\"\n", "unknown field"),
        ] {
            let e = Secrets::parse_all(&[("secrets/x.toml", text)])
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(want) && e.contains("secrets/x.toml"),
                "{text}: {e}"
            );
        }
        let twice =
            "[[secret]]\nname = \"A\"\nsource = \"s\"\n[[secret]]\nname = \"a\"\nsource = \"s\"\n";
        assert!(Secrets::parse_all(&[("secrets/x.toml", twice)])
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }
}
