//! The minijinja environment every text output is rendered with (the justfile block, the CI
//! workflow). Its delimiters are `<@ @>` and `<% %>`, because just and GitHub Actions use
//! `{{ }}` themselves; undefined variables are errors.

use minijinja::{syntax::SyntaxConfig, Environment, UndefinedBehavior};

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .block_delimiters("<%", "%>")
            .variable_delimiters("<@", "@>")
            .comment_delimiters("<#", "#>")
            .build()
            .expect("valid delimiters"),
    );
    env.set_trim_blocks(true);
    env.set_keep_trailing_newline(true);
    env
}
