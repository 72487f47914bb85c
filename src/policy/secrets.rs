//! Secret environment variables in the policy file: `credentials.envVars` gets a `deny`
//! entry for every fixed name of the secret catalog ([`crate::catalog::secrets`]), so that
//! plain `srt --settings .srt.json` withholds them too. (A run withholds more: it also
//! expands the catalog's patterns against its own environment, see `sandbox::plan`.)
//!
//! What the user wrote there is kept: an entry of any other shape for a name (a `mask`
//! with its `injectHosts`) stands in for srt-gen's `deny`. Names the record lets through
//! (`srtGen.passEnv`) get no deny, and the project's own agent's key gets none either: the
//! agent needs it, and a run masks it.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::catalog::secrets::Secrets;
use crate::policy::settings::Settings;

/// The key of srt's credential settings, and of the env list inside it.
pub const CREDENTIALS: &str = "credentials";
pub const ENV_VARS: &str = "envVars";

/// A `{"mode": "deny", "name": N}` entry, as srt-gen writes them.
pub fn deny_entry(name: &str) -> Value {
    let mut m = Map::new();
    m.insert("mode".into(), Value::String("deny".into()));
    m.insert("name".into(), Value::String(name.into()));
    Value::Object(m)
}

fn is_plain_deny(v: &Value) -> Option<&str> {
    let o = v.as_object()?;
    (o.len() == 2 && o.get("mode").and_then(Value::as_str) == Some("deny"))
        .then(|| o.get("name").and_then(Value::as_str))
        .flatten()
}

/// The names `credentials.envVars` lists, whatever their mode.
pub fn env_entries(settings: &Settings) -> Vec<&Value> {
    settings
        .other
        .get(CREDENTIALS)
        .and_then(|c| c.get(ENV_VARS))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// Writes the catalog's fixed names into `credentials.envVars` (see the module doc).
/// `agent` is the project's agent (its own keys are left out). Idempotent; the list is
/// sorted by name, the user's entries first where a name has several.
pub fn write_env_denies(settings: &mut Settings, secrets: &Secrets, agent: Option<&str>) {
    let pass: BTreeSet<String> = settings
        .record
        .as_ref()
        .map(|r| r.pass_env.clone())
        .unwrap_or_default();
    let own: Vec<&str> = agent.map(|a| secrets.agent_keys(a)).unwrap_or_default();
    let wanted: Vec<&str> = secrets
        .fixed_names(agent)
        .into_iter()
        .filter(|n| !pass.contains(*n) && !own.contains(n))
        .collect();
    let cred = settings
        .other
        .entry(CREDENTIALS.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(cred) = cred else {
        // Not an object: the linter says so; srt-gen does not rewrite the user's value.
        return;
    };
    let list = cred
        .entry(ENV_VARS.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(list) = list else {
        return;
    };
    // srt-gen's own entries are rebuilt from the catalog; the user's stay as written.
    // A plain deny for a name the record passes, or for the agent's own key, goes.
    list.retain(|v| match is_plain_deny(v) {
        Some(n) => !pass.contains(n) && !own.contains(&n) && !wanted.contains(&n),
        None => true,
    });
    let named: BTreeSet<String> = list
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    for n in wanted {
        if !named.contains(n) {
            list.push(deny_entry(n));
        }
    }
    let key = |v: &Value| {
        (
            v.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            is_plain_deny(v).is_some(),
        )
    };
    list.sort_by_key(key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(s: &Settings) -> Vec<String> {
        env_entries(s)
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_fixed_names_are_written_once_and_the_users_entries_are_kept() {
        let secrets = Secrets::builtin();
        let mut s = Settings::default();
        s.other.insert(
            CREDENTIALS.into(),
            json!({"envVars": [
                {"name": "GITHUB_TOKEN", "mode": "mask", "injectHosts": ["api.github.com"]},
                {"name": "MY_OWN", "mode": "deny"}
            ], "allowPlaintextInject": false}),
        );
        write_env_denies(&mut s, secrets, Some("claude"));
        let once = s.clone();
        write_env_denies(&mut s, secrets, Some("claude"));
        assert_eq!(s, once, "not idempotent");
        let n = names(&s);
        assert!(n.contains(&"AWS_SECRET_ACCESS_KEY".to_string()));
        assert!(n.contains(&"MY_OWN".to_string()));
        assert!(n.contains(&"OPENAI_API_KEY".to_string()));
        assert!(
            !n.contains(&"ANTHROPIC_API_KEY".to_string()),
            "the agent's own key"
        );
        assert_eq!(n.iter().filter(|x| *x == "GITHUB_TOKEN").count(), 1);
        let gh = env_entries(&s)
            .into_iter()
            .find(|v| v["name"] == "GITHUB_TOKEN")
            .unwrap();
        assert_eq!(gh["mode"], "mask", "the user's mask stays");
        assert_eq!(s.other[CREDENTIALS]["allowPlaintextInject"], false);
        let mut sorted = n.clone();
        sorted.sort();
        assert_eq!(n, sorted);
    }

    #[test]
    fn a_passed_name_gets_no_deny_and_no_agent_means_every_key_is_denied() {
        let secrets = Secrets::builtin();
        let mut s = Settings::default();
        write_env_denies(&mut s, secrets, None);
        assert!(names(&s).contains(&"ANTHROPIC_API_KEY".to_string()));
        let mut rec = crate::policy::settings::Record::default();
        rec.pass_env.insert("NPM_TOKEN".into());
        s.record = Some(rec);
        write_env_denies(&mut s, secrets, None);
        assert!(!names(&s).contains(&"NPM_TOKEN".to_string()));
        // A value srt-gen cannot read as a list is left for the linter to report.
        let mut odd = Settings::default();
        odd.other.insert(CREDENTIALS.into(), json!("nope"));
        write_env_denies(&mut odd, secrets, None);
        assert_eq!(odd.other[CREDENTIALS], json!("nope"));
    }
}
