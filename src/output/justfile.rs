//! The justfile's srt-gen block: rendered from `templates/justfile.j2` (see [`super::template`]),
//! spliced into the user's justfile without touching any other line, and the recipe names
//! the user's justfile already defines.

use serde::Serialize;

use crate::error::Error;

const JUSTFILE: &str = include_str!("../../templates/justfile.j2");
pub const BEGIN: &str = "# >>> srt-gen >>>";
pub const END: &str = "# <<< srt-gen <<<";

/// The recipe names srt-gen owns in a justfile.
pub const RECIPES: [&str; 2] = ["ai", "ai-auto"];

#[derive(Debug, Serialize)]
struct JustfileContext<'a> {
    settings: &'a str,
    agent: &'a str,
    interactive_command: String,
    auto_command: String,
    skipped: Vec<&'a str>,
    no_agent: bool,
}

/// The agent's two command lines for the recipes.
#[derive(Debug, Clone)]
pub struct AgentCommands<'a> {
    /// The agent's catalog name (`claude`, `codex`).
    pub name: &'a str,
    /// The interactive session, before the user's own arguments.
    pub interactive: Vec<String>,
    /// The autonomous run without its prompt, which the recipe appends; `None` when the
    /// prompt is not the agent's last argument (then the recipe is `srt-gen run -p`).
    pub autonomous: Option<Vec<String>>,
}

/// Renders the srt-gen block of a justfile; `skipped` lists recipe names the user's
/// justfile already defines; `no_agent` (`init --no-agent`) leaves every recipe out,
/// since each starts the agent.
pub fn justfile_block(
    agent: &AgentCommands<'_>,
    skipped: &[&str],
    no_agent: bool,
) -> Result<String, Error> {
    let env = super::template::environment();
    let words = |argv: &[String]| {
        argv.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ctx = JustfileContext {
        settings: crate::detect::project::SETTINGS_FILE,
        agent: agent.name,
        interactive_command: format!("srt-gen run -- {}", words(&agent.interactive)),
        auto_command: match &agent.autonomous {
            Some(argv) => format!("srt-gen run -- {}", words(argv)),
            None => "srt-gen run -p".into(),
        },
        skipped: skipped.to_vec(),
        no_agent,
    };
    env.render_str(JUSTFILE, ctx)
        .map_err(|e| Error::Usage(format!("internal: justfile template: {e}")))
}

/// Puts `block` into an existing justfile (replacing srt-gen's previous block, or
/// appending), leaving every other line as it was.
pub fn splice(existing: Option<&str>, block: &str) -> Result<String, String> {
    let Some(text) = existing else {
        return Ok(block.to_string());
    };
    let begin = text.lines().position(is_begin);
    let end = text.lines().position(|l| l.trim_end() == END);
    match (begin, end) {
        (Some(b), Some(e)) if e > b => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let mut out: String = lines[..b].concat();
            out.push_str(block);
            out.push_str(&lines[e + 1..].concat());
            Ok(out)
        }
        (None, None) => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(block);
            Ok(out)
        }
        _ => Err(format!(
            "its srt-gen block is damaged (a `{BEGIN}` line needs a later `{END}` line): \
             restore both markers or delete the block"
        )),
    }
}

/// The line that opens srt-gen's block (trailing text after the marker is allowed).
fn is_begin(line: &str) -> bool {
    line.starts_with(BEGIN)
}

/// Whether a justfile holds srt-gen's block, by the same rule as `splice`: a line that
/// starts with the marker (one quoted inside a recipe or a comment does not count).
pub fn has_block(text: &str) -> bool {
    text.lines().any(is_begin)
}

/// Names of the recipes a justfile defines outside srt-gen's block.
pub fn user_recipes(text: &str) -> Vec<String> {
    let mut inside = false;
    let mut names = Vec::new();
    for line in text.lines() {
        if is_begin(line) {
            inside = true;
        } else if line.trim_end() == END {
            inside = false;
        } else if !inside {
            if let Some(name) = recipe_name(line) {
                names.push(name.to_string());
            }
        }
    }
    names
}

fn recipe_name(line: &str) -> Option<&str> {
    let line = line.strip_prefix('@').unwrap_or(line);
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
    let (name, rest) = line.split_at(end);
    if name.is_empty() || name.starts_with('-') {
        return None;
    }
    let colon = rest.find(':')?;
    // `name := value` is an assignment (so are `set`, `export` and `alias` lines);
    // `name:`, `name ARGS: deps` are recipes.
    (!rest[colon + 1..].starts_with('=')).then_some(name)
}

/// Single-quotes a word for sh when it holds anything but plain characters.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_user_recipes_not_assignments() {
        let text = "set shell := [\"bash\"]\nx := \"1\"\nbuild:\n    cargo build\n@test *ARGS: build\n    cargo test\nai-auto PROMPT=\"x\":\n    echo\n";
        assert_eq!(user_recipes(text), vec!["build", "test", "ai-auto"]);
    }

    #[test]
    fn splice_replaces_only_the_block() {
        let block = format!("{BEGIN}\nnew\n{END}\n");
        let text = format!("a:\n    echo a\n\n{BEGIN}\nold\n{END}\nb:\n    echo b\n");
        assert_eq!(
            splice(Some(&text), &block).unwrap(),
            format!("a:\n    echo a\n\n{BEGIN}\nnew\n{END}\nb:\n    echo b\n")
        );
        assert!(splice(Some(&format!("{BEGIN}\nno end\n")), &block).is_err());
        assert_eq!(
            splice(Some("a:\n    x"), &block).unwrap(),
            format!("a:\n    x\n\n{block}")
        );
    }

    #[test]
    fn a_quoted_marker_is_no_block() {
        assert!(has_block(&format!("a:\n    echo a\n{BEGIN}\nx\n{END}\n")));
        assert!(!has_block(&format!(
            "a:\n    echo '{BEGIN}'\n# see {BEGIN}\n"
        )));
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("--mcp-config"), "--mcp-config");
        assert_eq!(
            shell_quote(r#"{"mcpServers":{}}"#),
            r#"'{"mcpServers":{}}'"#
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
