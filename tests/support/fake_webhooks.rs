//! Fake webhook servers on the HTTP plumbing of `http.rs`, for `teamlens publish slack` and
//! `publish webhook`.
//!
//! [`FakeSlack`] answers as a Slack incoming webhook does: `200 ok` (a `text/html` body), or a
//! status with Slack's error word as the whole body — 400 `invalid_payload` (not JSON),
//! `invalid_blocks` (a block over Slack's limits), `no_text` (neither text nor blocks), 404
//! `no_service` (a webhook that does not exist: a wrong secret); scripted answers stand in for
//! the others (403 `action_prohibited`, 404 `channel_not_found`, 410 `channel_is_archived`, 429
//! with `Retry-After`, 5xx). It checks every message against Slack's limits — at most 50 blocks,
//! a header's text 1–150 characters, a section's 1–3,000, the top-level `text` at most 40,000 —
//! and records each breach in [`FakeSlack::violations`], so a message over them fails the test
//! that sent it even where Slack would only truncate.
//!
//! [`FakeReceiver`] is any URL taking a JSON POST: it records what it got and answers `204`, or
//! what the test scripted (a status and body, a delay longer than the client waits, a dropped
//! connection).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::http::{self, Reply, Request};

/// The limits the fake holds messages to.
pub const MAX_BLOCKS: usize = 50;
pub const MAX_HEADER: usize = 150;
pub const MAX_SECTION: usize = 3000;
pub const MAX_TEXT: usize = 40_000;

/// An answer the test chooses for the next request.
#[derive(Debug, Clone)]
pub enum Scripted {
    /// This status and body, with `Retry-After` when given.
    Answer {
        status: u16,
        body: String,
        retry_after: Option<u64>,
    },
    /// Waits this long, then answers normally (longer than the client's timeout: no answer).
    Delay(Duration),
    /// Closes the connection without an answer.
    Drop,
}

impl Scripted {
    pub fn answer(status: u16, body: &str) -> Scripted {
        Scripted::Answer {
            status,
            body: body.to_string(),
            retry_after: None,
        }
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<Scripted>,
    /// Messages accepted, in order.
    received: Vec<Value>,
    /// Every limit a message broke, with the request's number.
    violations: Vec<String>,
    requests: u64,
}

fn text_reply(status: u16, body: &str, retry_after: Option<u64>) -> Reply {
    let mut headers = vec![("content-type".to_string(), "text/html".to_string())];
    if let Some(secs) = retry_after {
        headers.push(("retry-after".to_string(), secs.to_string()));
    }
    Reply::Full {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// A fake Slack incoming webhook. Dropping it stops it.
pub struct FakeSlack {
    _server: http::Server,
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    secret: String,
}

impl FakeSlack {
    /// Serves the webhook `/services/T0TEAMLENS/B0TEAMLENS/<secret>`.
    pub fn start(secret: &str) -> FakeSlack {
        let (listener, addr) = http::listener();
        let state = Arc::new(Mutex::new(State::default()));
        let path = format!("/services/T0TEAMLENS/B0TEAMLENS/{secret}");
        let shared = state.clone();
        let server = http::serve(listener, move |request| {
            let (state, path) = (shared.clone(), path.clone());
            async move { slack(&state, &path, request).await }
        });
        FakeSlack {
            _server: server,
            addr,
            state,
            secret: secret.to_string(),
        }
    }

    /// The webhook's URL (its secret in the path, as Slack's are).
    pub fn url(&self) -> String {
        format!(
            "http://{}/services/T0TEAMLENS/B0TEAMLENS/{}",
            self.addr, self.secret
        )
    }

    /// The next `times` requests get `answer`.
    pub fn script(&self, answer: Scripted, times: usize) {
        let mut state = self.state.lock().unwrap();
        for _ in 0..times {
            state.queue.push_back(answer.clone());
        }
    }

    /// The messages Slack accepted.
    pub fn received(&self) -> Vec<Value> {
        self.state.lock().unwrap().received.clone()
    }

    /// Every limit a message broke.
    pub fn violations(&self) -> Vec<String> {
        self.state.lock().unwrap().violations.clone()
    }

    /// Requests received, whatever the answer.
    pub fn requests(&self) -> u64 {
        self.state.lock().unwrap().requests
    }
}

async fn slack(state: &Mutex<State>, path: &str, request: Request) -> Reply {
    let (n, scripted) = {
        let mut state = state.lock().unwrap();
        state.requests += 1;
        (state.requests, state.queue.pop_front())
    };
    match scripted {
        Some(Scripted::Answer {
            status,
            body,
            retry_after,
        }) => return text_reply(status, &body, retry_after),
        Some(Scripted::Drop) => return Reply::Drop,
        Some(Scripted::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    if request.method != "POST" || request.path != path {
        return text_reply(404, "no_service", None);
    }
    let json = request
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    let Some(message) = json
        .then(|| serde_json::from_slice::<Value>(&request.body).ok())
        .flatten()
        .filter(Value::is_object)
    else {
        return text_reply(400, "invalid_payload", None);
    };
    let problems = limits_broken(&message);
    if !problems.is_empty() {
        let mut state = state.lock().unwrap();
        state
            .violations
            .extend(problems.into_iter().map(|p| format!("request {n}: {p}")));
        return text_reply(400, "invalid_blocks", None);
    }
    if message["text"].as_str().is_none_or(str::is_empty) && message.get("blocks").is_none() {
        return text_reply(400, "no_text", None);
    }
    state.lock().unwrap().received.push(message);
    text_reply(200, "ok", None)
}

/// What in `message` is beyond Slack's limits.
fn limits_broken(message: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let chars = |v: &Value| v.as_str().map(|s| s.chars().count());
    if let Some(n) = chars(&message["text"])
        && n > MAX_TEXT
    {
        problems.push(format!("text of {n} characters (at most {MAX_TEXT})"));
    }
    let Some(blocks) = message.get("blocks") else {
        return problems;
    };
    let Some(blocks) = blocks.as_array() else {
        problems.push("blocks is not an array".into());
        return problems;
    };
    if blocks.len() > MAX_BLOCKS {
        problems.push(format!("{} blocks (at most {MAX_BLOCKS})", blocks.len()));
    }
    for (i, block) in blocks.iter().enumerate() {
        let text = &block["text"]["text"];
        match block["type"].as_str() {
            Some("header") => {
                if block["text"]["type"] != "plain_text" {
                    problems.push(format!("block {i}: a header's text must be plain_text"));
                }
                match chars(text) {
                    Some(n) if (1..=MAX_HEADER).contains(&n) => {}
                    n => problems.push(format!(
                        "block {i}: header text of {n:?} characters (1 to {MAX_HEADER})"
                    )),
                }
            }
            Some("section") => match chars(text) {
                Some(n) if (1..=MAX_SECTION).contains(&n) => {}
                n => problems.push(format!(
                    "block {i}: section text of {n:?} characters (1 to {MAX_SECTION})"
                )),
            },
            Some("divider") => {}
            other => problems.push(format!("block {i}: unknown type {other:?}")),
        }
    }
    problems
}

/// Any URL taking a JSON POST. Dropping it stops it.
pub struct FakeReceiver {
    _server: http::Server,
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FakeReceiver {
    pub fn start() -> FakeReceiver {
        let (listener, addr) = http::listener();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = http::serve(listener, move |request| {
            let state = shared.clone();
            async move { receive(&state, request).await }
        });
        FakeReceiver {
            _server: server,
            addr,
            state,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn script(&self, answer: Scripted, times: usize) {
        let mut state = self.state.lock().unwrap();
        for _ in 0..times {
            state.queue.push_back(answer.clone());
        }
    }

    /// The JSON bodies received (scripted answers included: they were received).
    pub fn received(&self) -> Vec<Value> {
        self.state.lock().unwrap().received.clone()
    }

    pub fn requests(&self) -> u64 {
        self.state.lock().unwrap().requests
    }
}

async fn receive(state: &Mutex<State>, request: Request) -> Reply {
    let scripted = {
        let mut state = state.lock().unwrap();
        state.requests += 1;
        if let Ok(body) = serde_json::from_slice::<Value>(&request.body) {
            state.received.push(body);
        }
        state.queue.pop_front()
    };
    match scripted {
        Some(Scripted::Answer {
            status,
            body,
            retry_after,
        }) => text_reply(status, &body, retry_after),
        Some(Scripted::Drop) => Reply::Drop,
        Some(Scripted::Delay(d)) => {
            tokio::time::sleep(d).await;
            text_reply(204, "", None)
        }
        None => text_reply(204, "", None),
    }
}
