//! A tampering proxy in front of a fake service: every request is passed to the fake, and a
//! test's [`Tamper`] may replace the answer (a field removed, a wrong type, bytes that are not
//! UTF-8) or rewrite the request's credentials. The fakes stay honest; the bad answers of
//! `tests/bad_input.rs` and the canary tokens of `tests/secrets.rs` are made here.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use super::fake_github::client;
use super::http::{self, Reply, Request};

/// One exchange as the proxy sees it, before the answer goes back.
pub struct Exchange {
    pub method: String,
    /// Path and query, as requested.
    pub target: String,
    pub request_body: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Exchange {
    /// The GraphQL operation of the request (`query Name(`), when it is one.
    pub fn operation(&self) -> Option<String> {
        let query: serde_json::Value = serde_json::from_str(&self.request_body).ok()?;
        let text = query["query"].as_str()?;
        let after = text.split_once("query ")?.1;
        Some(
            after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect(),
        )
    }
}

/// What replaces the fake's answer: `None` passes it through; `Some((status, body))` answers
/// with that status and those bytes (as `application/json`).
pub type Tamper = Box<dyn Fn(&Exchange) -> Option<(u16, Vec<u8>)> + Send + Sync>;

/// The running proxy; dropping it stops it.
pub struct Proxy {
    _server: http::Server,
    pub base: String,
    /// Every `authorization` header the proxy received, as sent by teamlens.
    pub authorizations: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Forwards to `upstream` (`http://host:port`), replacing the `authorization` header with
    /// `authorization` when given (so a test can send a canary token the fake does not know).
    pub fn start(upstream: &str, authorization: Option<String>, tamper: Tamper) -> Proxy {
        let (listener, addr) = http::listener();
        let upstream = upstream.trim_end_matches('/').to_string();
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let seen = authorizations.clone();
        let tamper = Arc::new(tamper);
        let server = http::serve(listener, move |request: Request| {
            let upstream = upstream.clone();
            let authorization = authorization.clone();
            let seen = seen.clone();
            let tamper = tamper.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    forward(&upstream, authorization, &seen, &tamper, request)
                })
                .await
                .unwrap_or(Reply::Drop)
            }
        });
        Proxy {
            _server: server,
            base: format!("http://{addr}"),
            authorizations,
        }
    }
}

fn forward(
    upstream: &str,
    authorization: Option<String>,
    seen: &Mutex<Vec<String>>,
    tamper: &Tamper,
    request: Request,
) -> Reply {
    let target = if request.query.is_empty() {
        request.path.clone()
    } else {
        format!("{}?{}", request.path, request.query)
    };
    let sent = request
        .header("authorization")
        .unwrap_or_default()
        .to_string();
    seen.lock().unwrap().push(sent.clone());
    let authorization = authorization.unwrap_or(sent);
    let mut headers: Vec<(&str, &str)> = vec![("authorization", authorization.as_str())];
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("accept") || name.eq_ignore_ascii_case("user-agent") {
            headers.push((name.as_str(), value.as_str()));
        }
    }
    let request_body = String::from_utf8_lossy(&request.body).to_string();
    let body = (!request.body.is_empty()).then_some(request_body.as_str());
    let Ok(answer) = client::request(
        &request.method,
        &format!("{upstream}{target}"),
        &headers,
        body,
    ) else {
        return Reply::Drop;
    };
    let exchange = Exchange {
        method: request.method.clone(),
        target,
        request_body: request_body.clone(),
        status: answer.status,
        headers: answer.headers.clone(),
        body: answer.body.clone(),
    };
    let (status, body) = tamper(&exchange).unwrap_or((answer.status, answer.body.into_bytes()));
    let headers = answer
        .headers
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection" | "content-type"
            )
        })
        .chain([("content-type".to_string(), "application/json".to_string())])
        .collect();
    Reply::Full {
        status,
        headers,
        body,
    }
}
