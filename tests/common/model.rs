//! A scripted stand-in for a coding agent's model API, for the end-to-end tests: the real
//! agent CLI is pointed at it (`ANTHROPIC_BASE_URL=http://localhost:PORT`, or the agent's own
//! base-URL setting) and runs its whole tool loop against it, offline. The model itself is
//! unreachable here; this is the one stand-in the project allows (BRIEF, "Rules of the house").
//!
//! It answers from a script: each [`Turn`] is a shell command for the agent to run (its Bash
//! tool) or final text. Every request is recorded (method, path, headers, body), so a test can
//! assert on what the agent sent back, e.g. that no secret appears in a tool result.
//!
//! Which turn to play is taken from the conversation itself (the number of the model's earlier
//! turns in the request), not from a counter, so retries and side calls (a session title: a
//! request that offers no shell tool) never advance the script.
//!
//! Dialects, chosen by path (Claude Code 2.1.197 and 2.1.332, Codex CLI 0.169.0 checked):
//! - `POST [<prefix>]/v1/messages[?beta=true]`: the Anthropic Messages API (`ANTHROPIC_BASE_URL`;
//!   a gateway's path prefix is kept by the CLI), server-sent events when `"stream": true`.
//! - `POST …/publishers/anthropic/models/<m>:streamRawPredict` / `:rawPredict`: Vertex AI
//!   (`CLAUDE_CODE_USE_VERTEX=1`, `ANTHROPIC_VERTEX_BASE_URL`, `CLAUDE_CODE_SKIP_VERTEX_AUTH=1`).
//! - `POST /model/<id>/invoke-with-response-stream` / `/invoke`: Bedrock, AWS event stream
//!   (`CLAUDE_CODE_USE_BEDROCK=1`, `ANTHROPIC_BEDROCK_BASE_URL`, `CLAUDE_CODE_SKIP_BEDROCK_AUTH=1`).
//! - `POST [<prefix>]/responses`: the OpenAI Responses API as Codex CLI streams it; a shell
//!   command is an `exec_command` function call (the tool Codex offers for a model it has no
//!   catalog entry for).
//!
//! `POST /v1/messages/count_tokens` gets a token count; every other path a 404 JSON error,
//! which the CLIs tolerate (Claude Code sends `HEAD /` outside a proxy; Codex first tries a
//! WebSocket upgrade with `GET …/responses` and falls back to HTTPS).
//!
//! Inside srt: use [`ModelServer::base_url`] (`localhost`, which srt's proxy allow-lists by
//! name; `127.0.0.1` is refused), allow `localhost:PORT`, and start the agent with `localhost`
//! removed from `no_proxy`/`NO_PROXY` so that it goes through srt's proxy (a direct connection
//! fails in the sandbox's own network namespace). Bodies are read with `Content-Length` or
//! chunked: srt's proxy forwards chunked bodies when it substitutes a masked key.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// Largest request head / body accepted (the CLIs' requests are well below this).
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;

/// One scripted model turn.
#[derive(Clone, Debug)]
pub enum Turn {
    /// Run this shell command with the agent's shell tool (`Bash`, `exec_command`).
    Bash(String),
    /// Call any tool with a JSON input object.
    Tool { name: String, input: Value },
    /// End the conversation with this text.
    Text(String),
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path with query, as sent (`/v1/messages?beta=true`).
    pub path: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the body came chunked.
    pub chunked: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The path without its query string.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    /// A request of the agent's main loop: it speaks a dialect and offers a shell tool (side
    /// calls such as the session title offer none).
    pub fn is_agent_turn(&self) -> bool {
        match (dialect(&self.method, self.route()), self.json()) {
            (Some(d), Some(j)) => offers_shell(d, &j),
            _ => false,
        }
    }

    /// Every tool result the agent sent back in this request, as text.
    pub fn tool_results(&self) -> Vec<String> {
        let Some(j) = self.json() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // Anthropic: tool_result blocks in the messages.
        for m in j["messages"].as_array().into_iter().flatten() {
            for b in m["content"].as_array().into_iter().flatten() {
                if b["type"] == "tool_result" {
                    out.push(block_text(&b["content"]));
                }
            }
        }
        // OpenAI Responses: function_call_output items in the input.
        for item in j["input"].as_array().into_iter().flatten() {
            if item["type"] == "function_call_output" {
                out.push(block_text(&item["output"]));
            }
        }
        out
    }
}

fn block_text(c: &Value) -> String {
    match c {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

struct State {
    turns: Vec<Turn>,
    requests: Vec<Request>,
    /// Answers for other paths: route → (status, JSON body).
    routes: BTreeMap<String, (u16, String)>,
}

/// The running stand-in. Stops when dropped.
pub struct ModelServer {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl ModelServer {
    /// Listens on 127.0.0.1 on a free port and plays `turns`.
    pub fn start(turns: Vec<Turn>) -> io::Result<ModelServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(State {
            turns,
            requests: Vec::new(),
            routes: BTreeMap::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &st);
                });
            }
        });
        Ok(ModelServer {
            port,
            state,
            stop,
            accept: Some(accept),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://localhost:PORT`: the name `localhost`, because srt's proxy allow-lists hosts by
    /// name and refuses `127.0.0.1` unless it is listed literally.
    pub fn base_url(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Answer `route` (path without query) with this status and JSON body.
    pub fn route(&self, route: &str, status: u16, json: &str) {
        let mut st = self.state.lock().unwrap();
        st.routes
            .insert(route.to_string(), (status, json.to_string()));
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The agent-loop requests only.
    pub fn agent_turns(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_agent_turn)
            .collect()
    }

    /// Writes every request to `dir/NNN-<method>-<route>.txt` (request line, headers, blank
    /// line, body): for a failing test to leave something to read.
    pub fn dump_to(&self, dir: &std::path::Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (i, r) in self.requests().iter().enumerate() {
            let route: String = r
                .route()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .take(60)
                .collect();
            let mut f =
                std::fs::File::create(dir.join(format!("{i:03}-{}-{route}.txt", r.method)))?;
            writeln!(
                f,
                "{} {}{}",
                r.method,
                r.path,
                if r.chunked { " (chunked)" } else { "" }
            )?;
            for (k, v) in &r.headers {
                writeln!(f, "{k}: {v}")?;
            }
            writeln!(f)?;
            f.write_all(&r.body)?;
        }
        Ok(())
    }

    /// The tool results the agent sent back, from the last agent-loop request (which carries
    /// the whole conversation).
    pub fn tool_results(&self) -> Vec<String> {
        self.agent_turns()
            .last()
            .map(Request::tool_results)
            .unwrap_or_default()
    }

    /// Every request's headers and body as one text: for "no secret reached the model".
    pub fn everything_sent(&self) -> String {
        let mut out = String::new();
        for r in self.requests() {
            out.push_str(&r.path);
            for (k, v) in &r.headers {
                out.push_str(&format!("\n{k}: {v}"));
            }
            out.push('\n');
            out.push_str(&r.body_text());
            out.push('\n');
        }
        out
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(conn: TcpStream, state: &Mutex<State>) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut out = conn.try_clone()?;
    let mut rd = BufReader::new(conn);
    loop {
        let Some(req) = read_request(&mut rd)? else {
            return Ok(());
        };
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (status, ctype, body) = answer(&req, state);
        state.lock().unwrap().requests.push(req);
        let head = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\n\
             request-id: req_standin\r\ncache-control: no-cache\r\n\
             connection: {}\r\n\r\n",
            reason(status),
            body.len(),
            if close { "close" } else { "keep-alive" }
        );
        out.write_all(head.as_bytes())?;
        out.write_all(&body)?;
        out.flush()?;
        if close {
            let _ = out.shutdown(Shutdown::Both);
            return Ok(());
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Status",
    }
}

/// Reads one request; `None` at a clean end of the connection.
fn read_request(rd: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = rd
            .by_ref()
            .take(MAX_HEAD as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        if line == b"\r\n" || line == b"\n" {
            if head.is_empty() {
                continue; // a stray CRLF between requests
            }
            break;
        }
        head.push(String::from_utf8_lossy(&line).trim_end().to_string());
        if head.iter().map(String::len).sum::<usize>() > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
        }
    }
    let mut parts = head[0].split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = head[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let chunked =
        get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(rd)?
    } else {
        let len: usize = get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if len > MAX_BODY {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
        }
        let mut b = vec![0; len];
        rd.read_exact(&mut b)?;
        b
    };
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
        chunked,
    }))
}

fn read_chunked(rd: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        rd.by_ref().take(1024).read_line(&mut line)?;
        let size_hex = line.trim().split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let mut t = String::new();
                if rd.by_ref().take(MAX_HEAD as u64).read_line(&mut t)? == 0 || t.trim().is_empty()
                {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        rd.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        rd.read_exact(&mut crlf)?;
    }
}

/// Which API a request speaks, from its path.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dialect {
    /// `POST /v1/messages` (Anthropic API, gateways): streams when the body says so.
    Anthropic,
    /// `POST …/publishers/anthropic/models/<m>:streamRawPredict` / `:rawPredict` (Vertex AI).
    Vertex { stream: bool },
    /// `POST /model/<id>/invoke-with-response-stream` / `/invoke` (Bedrock).
    Bedrock { stream: bool },
    /// `POST /v1/responses` (OpenAI Responses API, Codex): streams when the body says so.
    Responses,
}

fn dialect(method: &str, route: &str) -> Option<Dialect> {
    if method != "POST" {
        return None;
    }
    if route.ends_with("/v1/messages") {
        Some(Dialect::Anthropic)
    } else if route.contains("/publishers/anthropic/models/")
        && route.ends_with(":streamRawPredict")
    {
        Some(Dialect::Vertex { stream: true })
    } else if route.contains("/publishers/anthropic/models/") && route.ends_with(":rawPredict") {
        Some(Dialect::Vertex { stream: false })
    } else if route.starts_with("/model/") && route.ends_with("/invoke-with-response-stream") {
        Some(Dialect::Bedrock { stream: true })
    } else if route.starts_with("/model/") && route.ends_with("/invoke") {
        Some(Dialect::Bedrock { stream: false })
    } else if route.ends_with("/responses") {
        Some(Dialect::Responses)
    } else {
        None
    }
}

/// The shell tool each dialect's agent offers.
fn shell_tool(d: Dialect) -> &'static str {
    match d {
        Dialect::Responses => "exec_command",
        _ => "Bash",
    }
}

fn offers_shell(d: Dialect, req: &Value) -> bool {
    req["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["name"] == shell_tool(d))
}

/// How many turns the model has played in this conversation.
fn turns_so_far(d: Dialect, req: &Value) -> usize {
    match d {
        Dialect::Responses => req["input"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i["type"] == "function_call")
            .count(),
        _ => req["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["role"] == "assistant")
            .count(),
    }
}

/// Status, content type and body for a request.
fn answer(req: &Request, state: &Mutex<State>) -> (u16, &'static str, Vec<u8>) {
    let route = req.route().to_string();
    if let Some((status, body)) = state.lock().unwrap().routes.get(&route).cloned() {
        return (status, "application/json", body.into_bytes());
    }
    if req.method == "POST" && route.ends_with("/v1/messages/count_tokens") {
        return (200, "application/json", br#"{"input_tokens":100}"#.to_vec());
    }
    let Some(d) = dialect(&req.method, &route) else {
        let msg = format!("{} {route} is not served by the stand-in", req.method);
        return (404, "application/json", api_error("not_found_error", &msg));
    };
    let Some(j) = req.json() else {
        return (
            400,
            "application/json",
            api_error("invalid_request_error", "body is not JSON"),
        );
    };
    let model = match d {
        Dialect::Bedrock { .. } => route
            .trim_start_matches("/model/")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string(),
        Dialect::Vertex { .. } => route
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or("")
            .to_string(),
        _ => j["model"].as_str().unwrap_or("standin").to_string(),
    };
    let n = turns_so_far(d, &j);
    let turn = if offers_shell(d, &j) {
        let st = state.lock().unwrap();
        st.turns
            .get(n)
            .cloned()
            .unwrap_or_else(|| Turn::Text("(script finished)".into()))
    } else {
        // A side call (session title, quota probe): harmless text, script untouched.
        Turn::Text("ok".into())
    };
    let stream = match d {
        Dialect::Vertex { stream } | Dialect::Bedrock { stream } => stream,
        _ => j["stream"].as_bool().unwrap_or(false),
    };
    let ids = Ids {
        msg: format!("msg_standin_{n}"),
        tool: format!("toolu_standin_{n}"),
        model,
    };
    match (d, stream) {
        (Dialect::Responses, true) => {
            let mut body = String::new();
            for (name, data) in responses_events(&ids, &turn, shell_tool(d)) {
                body.push_str(&format!("event: {name}\ndata: {data}\n\n"));
            }
            (200, "text/event-stream", body.into_bytes())
        }
        (Dialect::Responses, false) => (
            200,
            "application/json",
            responses_object(&ids, &turn, shell_tool(d))
                .to_string()
                .into_bytes(),
        ),
        (Dialect::Bedrock { .. }, true) => {
            let mut body = Vec::new();
            for (_, data) in messages_events(&ids, &turn) {
                body.extend(eventstream_frame(&data.to_string()));
            }
            (200, "application/vnd.amazon.eventstream", body)
        }
        (_, true) => {
            let mut body = String::new();
            for (name, data) in messages_events(&ids, &turn) {
                body.push_str(&format!("event: {name}\ndata: {data}\n\n"));
            }
            (200, "text/event-stream", body.into_bytes())
        }
        (_, false) => (
            200,
            "application/json",
            messages_object(&ids, &turn).to_string().into_bytes(),
        ),
    }
}

struct Ids {
    msg: String,
    tool: String,
    model: String,
}

fn api_error(kind: &str, msg: &str) -> Vec<u8> {
    json!({"type": "error", "error": {"type": kind, "message": msg}})
        .to_string()
        .into_bytes()
}

/// The tool name and input of a tool turn (`None` for text).
fn tool_call(turn: &Turn, shell: &str) -> Option<(String, Value)> {
    match turn {
        Turn::Text(_) => None,
        Turn::Bash(cmd) if shell == "exec_command" => {
            // `login: false`: a login shell would reset PATH from /etc/profile.
            Some((shell.to_string(), json!({ "cmd": cmd, "login": false })))
        }
        Turn::Bash(cmd) => Some((
            shell.to_string(),
            json!({"command": cmd, "description": "scripted step"}),
        )),
        Turn::Tool { name, input } => Some((name.clone(), input.clone())),
    }
}

fn usage() -> Value {
    json!({"input_tokens": 100, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0})
}

/// The event sequence of a streamed Messages answer: message_start, content_block_start
/// (text, or tool_use with empty input), content_block_delta (text_delta, or
/// input_json_delta with the input in two pieces, as the real API streams it),
/// content_block_stop, message_delta (stop_reason end_turn / tool_use), message_stop.
fn messages_events(ids: &Ids, turn: &Turn) -> Vec<(&'static str, Value)> {
    let mut ev = vec![(
        "message_start",
        json!({"type": "message_start", "message": {"id": ids.msg, "type": "message",
            "role": "assistant", "model": ids.model, "content": [], "stop_reason": null,
            "stop_sequence": null, "usage": usage()}}),
    )];
    let stop = match tool_call(turn, "Bash") {
        None => {
            let Turn::Text(t) = turn else { unreachable!() };
            ev.push((
                "content_block_start",
                json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}),
            ));
            ev.push((
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": t}}),
            ));
            "end_turn"
        }
        Some((name, input)) => {
            ev.push((
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block":
                    {"type": "tool_use", "id": ids.tool, "name": name, "input": {}}}),
            ));
            let payload = input.to_string();
            let mid = (0..=payload.len() / 2)
                .rev()
                .find(|i| payload.is_char_boundary(*i))
                .unwrap_or(0);
            for piece in [&payload[..mid], &payload[mid..]] {
                ev.push((
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": piece}}),
                ));
            }
            "tool_use"
        }
    };
    ev.push((
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    ev.push((
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": 20}}),
    ));
    ev.push(("message_stop", json!({"type": "message_stop"})));
    ev
}

fn messages_object(ids: &Ids, turn: &Turn) -> Value {
    let (content, stop) = match (tool_call(turn, "Bash"), turn) {
        (Some((name, input)), _) => (
            json!({"type": "tool_use", "id": ids.tool, "name": name, "input": input}),
            "tool_use",
        ),
        (None, Turn::Text(t)) => (json!({"type": "text", "text": t}), "end_turn"),
        (None, _) => unreachable!(),
    };
    json!({"id": ids.msg, "type": "message", "role": "assistant", "model": ids.model,
        "content": [content], "stop_reason": stop, "stop_sequence": null, "usage": usage()})
}

/// The output item of a Responses turn: a function call, or an assistant message.
fn responses_item(ids: &Ids, turn: &Turn, shell: &str) -> Value {
    match (tool_call(turn, shell), turn) {
        (Some((name, input)), _) => {
            json!({"type": "function_call", "id": format!("fc_{}", ids.tool),
            "call_id": ids.tool, "name": name, "arguments": input.to_string(), "status": "completed"})
        }
        (None, Turn::Text(t)) => json!({"type": "message", "id": ids.msg, "role": "assistant",
            "status": "completed", "content": [{"type": "output_text", "text": t, "annotations": []}]}),
        (None, _) => unreachable!(),
    }
}

fn responses_object(ids: &Ids, turn: &Turn, shell: &str) -> Value {
    json!({"id": format!("resp_{}", ids.msg), "object": "response", "status": "completed",
        "model": ids.model, "output": [responses_item(ids, turn, shell)],
        "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 120}})
}

/// The event sequence of a streamed Responses answer, as Codex reads it: response.created,
/// response.output_item.added / .done with the one item, response.completed.
fn responses_events(ids: &Ids, turn: &Turn, shell: &str) -> Vec<(&'static str, Value)> {
    let item = responses_item(ids, turn, shell);
    let done = responses_object(ids, turn, shell);
    let mut created = done.clone();
    created["status"] = json!("in_progress");
    created["output"] = json!([]);
    vec![
        (
            "response.created",
            json!({"type": "response.created", "response": created}),
        ),
        (
            "response.output_item.added",
            json!({"type": "response.output_item.added", "output_index": 0, "item": item}),
        ),
        (
            "response.output_item.done",
            json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        ),
        (
            "response.completed",
            json!({"type": "response.completed", "response": done}),
        ),
    ]
}

/// One AWS event-stream message carrying a Bedrock `chunk` event: prelude (total length,
/// headers length, CRC32), headers, `{"bytes": base64(event)}`, CRC32.
fn eventstream_frame(event_json: &str) -> Vec<u8> {
    let payload = format!(r#"{{"bytes":"{}"}}"#, base64(event_json.as_bytes()));
    let mut headers = Vec::new();
    for (k, v) in [
        (":event-type", "chunk"),
        (":content-type", "application/json"),
        (":message-type", "event"),
    ] {
        headers.push(k.len() as u8);
        headers.extend_from_slice(k.as_bytes());
        headers.push(7); // string
        headers.extend_from_slice(&(v.len() as u16).to_be_bytes());
        headers.extend_from_slice(v.as_bytes());
    }
    let total = 12 + headers.len() + payload.len() + 4;
    let mut m = Vec::with_capacity(total);
    m.extend_from_slice(&(total as u32).to_be_bytes());
    m.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    let pc = crc32(&m);
    m.extend_from_slice(&pc.to_be_bytes());
    m.extend_from_slice(&headers);
    m.extend_from_slice(payload.as_bytes());
    let mc = crc32(&m);
    m.extend_from_slice(&mc.to_be_bytes());
    m
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut o = String::with_capacity(data.len().div_ceil(3) * 4);
    for ch in data.chunks(3) {
        let n = (u32::from(ch[0]) << 16)
            | (u32::from(*ch.get(1).unwrap_or(&0)) << 8)
            | u32::from(*ch.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= ch.len() {
                o.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                o.push('=');
            }
        }
    }
    o
}

/// Decodes standard base64 (padding and whitespace ignored; other bytes skipped).
pub fn base64_decode(s: &str) -> Vec<u8> {
    let vals: Vec<u8> = s
        .bytes()
        .filter_map(|c| B64.iter().position(|&b| b == c).map(|p| p as u8))
        .collect();
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for ch in vals.chunks(4) {
        let mut n = 0u32;
        for (i, v) in ch.iter().enumerate() {
            n |= u32::from(*v) << (18 - 6 * i);
        }
        for i in 0..ch.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(port: u16, path: &str, body: &str, chunked: bool) -> String {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let req = if chunked {
            let (a, b) = body.split_at(body.len() / 2);
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                a.len(),
                b.len()
            )
        } else {
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        };
        c.write_all(req.as_bytes()).unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn plays_turns_by_conversation_length_and_reads_chunked() {
        let srv = ModelServer::start(vec![
            Turn::Bash("echo hi".into()),
            Turn::Text("done".into()),
        ])
        .unwrap();
        let tools = r#""tools":[{"name":"Bash"}]"#;
        let path = "/v1/messages?beta=true";
        let first = post(
            srv.port(),
            path,
            &format!(
                r#"{{"model":"m","stream":true,{tools},"messages":[{{"role":"user","content":"x"}}]}}"#
            ),
            false,
        );
        assert!(
            first.contains(r#""name":"Bash""#)
                && first.contains("input_json_delta")
                && first.contains(r#""stop_reason":"tool_use""#),
            "{first}"
        );
        let side = post(
            srv.port(),
            path,
            r#"{"model":"h","messages":[{"role":"user","content":"title"}]}"#,
            false,
        );
        assert!(side.contains(r#""text":"ok""#), "{side}");
        let second = post(
            srv.port(),
            path,
            &format!(
                r#"{{"model":"m","stream":true,{tools},"messages":[{{"role":"user","content":"x"}},{{"role":"assistant","content":[]}},{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t","content":"SECRET?"}}]}}]}}"#
            ),
            true,
        );
        assert!(
            second.contains(r#""text":"done""#) && second.contains("end_turn"),
            "{second}"
        );
        let reqs = srv.requests();
        assert_eq!(reqs.len(), 3);
        assert!(reqs[2].chunked);
        assert_eq!(srv.tool_results(), vec!["SECRET?".to_string()]);
    }

    #[test]
    fn speaks_the_responses_api() {
        let srv = ModelServer::start(vec![
            Turn::Bash("echo hi".into()),
            Turn::Text("done".into()),
        ])
        .unwrap();
        let tools = r#""tools":[{"type":"function","name":"exec_command"}]"#;
        let first = post(
            srv.port(),
            "/v1/responses",
            &format!(
                r#"{{"model":"m","stream":true,{tools},"input":[{{"type":"message","role":"user","content":[]}}]}}"#
            ),
            false,
        );
        assert!(
            first.contains("event: response.completed")
                && first.contains(r#""name":"exec_command""#)
                && first.contains(r#"{\"cmd\":\"echo hi\",\"login\":false}"#),
            "{first}"
        );
        let second = post(
            srv.port(),
            "/v1/responses",
            &format!(
                r#"{{"model":"m","stream":true,{tools},"input":[{{"type":"function_call","call_id":"c"}},{{"type":"function_call_output","call_id":"c","output":"hi"}}]}}"#
            ),
            false,
        );
        assert!(second.contains(r#""text":"done""#), "{second}");
        assert_eq!(srv.tool_results(), vec!["hi".to_string()]);
        assert_eq!(srv.agent_turns().len(), 2);
    }

    #[test]
    fn dialects_by_path() {
        assert_eq!(dialect("POST", "/v1/messages"), Some(Dialect::Anthropic));
        assert_eq!(
            dialect("POST", "/projects/p/locations/us-east5/publishers/anthropic/models/claude-x@1:streamRawPredict"),
            Some(Dialect::Vertex { stream: true })
        );
        assert_eq!(
            dialect("POST", "/model/eu.anthropic.claude-x-v1:0/invoke"),
            Some(Dialect::Bedrock { stream: false })
        );
        assert_eq!(
            dialect("POST", "/gw/anthropic/v1/messages"),
            Some(Dialect::Anthropic)
        );
        assert_eq!(dialect("POST", "/v1/responses"), Some(Dialect::Responses));
        assert_eq!(dialect("GET", "/v1/messages"), None);
        assert_eq!(dialect("GET", "/v1/responses"), None);
    }

    #[test]
    fn eventstream_frame_and_base64() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64_decode("TWE="), b"Ma");
        assert_eq!(base64_decode("TWFu\nTWE="), b"ManMa");
        let f = eventstream_frame(r#"{"type":"message_stop"}"#);
        let total = u32::from_be_bytes(f[0..4].try_into().unwrap()) as usize;
        let hlen = u32::from_be_bytes(f[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, f.len());
        assert_eq!(
            u32::from_be_bytes(f[8..12].try_into().unwrap()),
            crc32(&f[0..8])
        );
        assert_eq!(
            u32::from_be_bytes(f[total - 4..].try_into().unwrap()),
            crc32(&f[..total - 4])
        );
        let payload = std::str::from_utf8(&f[12 + hlen..total - 4]).unwrap();
        assert_eq!(
            payload,
            format!(r#"{{"bytes":"{}"}}"#, base64(br#"{"type":"message_stop"}"#))
        );
    }
}
