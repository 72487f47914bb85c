pub fn render(n: u64) -> String { itoa::Buffer::new().format(n).to_string() }
