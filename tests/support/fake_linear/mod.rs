//! A fake Linear for the tests: Linear's GraphQL endpoint over its published schema, serving
//! the simulator's tickets, with Linear's error shapes, its request budget (the
//! `X-RateLimit-Requests-*` headers, `RATELIMITED` answers) and faults on the wire.
//!
//! - `world.rs`: the tickets as Linear issues (users, workflow states, cycles, labels, history);
//! - `graphql.rs`: validation of every document received and an executor over the world.

pub mod graphql;
pub mod world;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::http::{self, Reply, Request, json_reply};
pub use world::LinearWorld;

/// The API key the fake accepts.
pub const KEY: &str = "lin_api_fake_0123456789abcdefghijklmnopqrstuvwxyz";

/// What can go wrong with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// An HTTP status with an HTML body (502, 503, …).
    Status(u16),
    /// The connection is closed without an answer.
    ConnectionReset,
    /// The body stops half-way.
    Truncated,
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 400 with a `RATELIMITED` error, the budget headers saying 0 left and the reset in this
    /// many milliseconds.
    RateLimited { reset_in_ms: i64 },
    /// 200 with the whole data and a `FORBIDDEN` error beside it, as when part of an answer is
    /// hidden from the key.
    PartialError,
}

/// One request the fake served.
#[derive(Debug, Clone)]
pub struct Logged {
    pub operation: String,
    pub variables: Value,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub requests: u64,
    pub faults: u64,
    pub rate_limited: u64,
    pub log: Vec<Logged>,
}

struct Control {
    faults: VecDeque<Fault>,
    /// Requests left in the window, the window's size and when it resets.
    remaining: i64,
    limit: i64,
    window: Duration,
    reset_at: DateTime<Utc>,
    latency: Duration,
    /// Issues a query may ask for before Linear finds it too complex.
    max_issues: Option<i64>,
    stats: Stats,
}

struct Shared {
    world: RwLock<Arc<LinearWorld>>,
    control: Mutex<Control>,
}

/// The running fake; dropping it stops it.
pub struct FakeLinear {
    _server: http::Server,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeLinear {
    pub fn start(world: LinearWorld) -> FakeLinear {
        std::thread::spawn(|| {
            graphql::schema();
        });
        let (listener, addr) = http::listener();
        let shared = Arc::new(Shared {
            world: RwLock::new(Arc::new(world)),
            control: Mutex::new(Control {
                faults: VecDeque::new(),
                remaining: 5000,
                limit: 5000,
                window: Duration::from_secs(3600),
                reset_at: Utc::now() + chrono::Duration::hours(1),
                latency: Duration::ZERO,
                max_issues: None,
                stats: Stats::default(),
            }),
        });
        let serving = shared.clone();
        let server = http::serve(listener, move |request| {
            let shared = serving.clone();
            async move { handle(&shared, request).await }
        });
        FakeLinear {
            _server: server,
            addr,
            shared,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    pub fn stats(&self) -> Stats {
        self.shared.control.lock().unwrap().stats.clone()
    }

    pub fn reset_stats(&self) {
        self.shared.control.lock().unwrap().stats = Stats::default();
    }

    /// The next `times` requests meet `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut control = self.shared.control.lock().unwrap();
        for _ in 0..times {
            control.faults.push_back(fault.clone());
        }
    }

    pub fn clear_faults(&self) {
        self.shared.control.lock().unwrap().faults.clear();
    }

    /// `requests` per `window`, starting now with the whole budget.
    pub fn set_budget(&self, requests: i64, window: Duration) {
        let mut control = self.shared.control.lock().unwrap();
        control.limit = requests;
        control.remaining = requests;
        control.window = window;
        control.reset_at = Utc::now() + chrono::Duration::from_std(window).unwrap();
    }

    /// Queries asking for more issues than this are refused as too complex, as Linear refuses
    /// queries over 10,000 complexity points.
    pub fn set_max_issues(&self, max: Option<i64>) {
        self.shared.control.lock().unwrap().max_issues = max;
    }

    pub fn set_latency(&self, latency: Duration) {
        self.shared.control.lock().unwrap().latency = latency;
    }

    pub fn set_world(&self, world: LinearWorld) {
        *self.shared.world.write().unwrap() = Arc::new(world);
    }
}

fn budget_headers(control: &Control) -> Vec<(String, String)> {
    vec![
        (
            "x-ratelimit-requests-limit".into(),
            control.limit.to_string(),
        ),
        (
            "x-ratelimit-requests-remaining".into(),
            control.remaining.max(0).to_string(),
        ),
        (
            "x-ratelimit-requests-reset".into(),
            control.reset_at.timestamp_millis().to_string(),
        ),
    ]
}

fn rate_limited_body() -> Value {
    json!({"errors": [graphql::linear_error(
        "Rate limit exceeded. Please try again later.",
        "RATELIMITED",
    )]})
}

async fn handle(shared: &Arc<Shared>, request: Request) -> Reply {
    let (fault, latency) = {
        let mut control = shared.control.lock().unwrap();
        control.stats.requests += 1;
        let fault = control.faults.pop_front();
        if fault.is_some() {
            control.stats.faults += 1;
        }
        (fault, control.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if request.method != "POST" || request.path != "/graphql" {
        return json_reply(404, vec![], &json!({"errors": [{"message": "Not found"}]}));
    }
    if request.header("authorization") != Some(KEY) {
        // Linear's answer to a missing or wrong key.
        let body = json!({"errors": [graphql::linear_error(
            "Authentication required, not authenticated",
            "AUTHENTICATION_ERROR",
        )]});
        return json_reply(401, vec![], &body);
    }
    match fault {
        Some(Fault::Status(status)) => {
            return Reply::Full {
                status,
                headers: vec![("content-type".into(), "text/html".into())],
                body: format!("<html><body><h1>{status}</h1></body></html>").into_bytes(),
            };
        }
        Some(Fault::ConnectionReset) => return Reply::Drop,
        Some(Fault::MalformedJson) => {
            return Reply::Full {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: b"{\"data\": {\"issues\": [".to_vec(),
            };
        }
        Some(Fault::RateLimited { reset_in_ms }) => {
            let mut headers = {
                let control = shared.control.lock().unwrap();
                budget_headers(&control)
            };
            headers.retain(|(name, _)| !name.ends_with("remaining") && !name.ends_with("reset"));
            headers.push(("x-ratelimit-requests-remaining".into(), "0".into()));
            headers.push((
                "x-ratelimit-requests-reset".into(),
                (Utc::now().timestamp_millis() + reset_in_ms).to_string(),
            ));
            shared.control.lock().unwrap().stats.rate_limited += 1;
            return json_reply(400, headers, &rate_limited_body());
        }
        Some(Fault::Truncated) | Some(Fault::PartialError) | None => {}
    }
    let truncated = fault == Some(Fault::Truncated);

    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let Some(query) = body["query"].as_str() else {
        let body = json!({"errors": [graphql::linear_error("Must provide query string.", "BAD_USER_INPUT")]});
        return json_reply(400, vec![], &body);
    };
    let variables = body["variables"].as_object().cloned().unwrap_or_default();
    let prepared = match graphql::prepare(query, body["operationName"].as_str(), &variables) {
        Ok(p) => p,
        Err(errors) => return json_reply(400, vec![], &errors),
    };
    let headers = {
        let mut control = shared.control.lock().unwrap();
        let asked = variables.get("first").and_then(Value::as_i64).unwrap_or(50);
        if prepared.operation_name.as_deref() == Some("TeamIssues")
            && control.max_issues.is_some_and(|max| asked > max)
        {
            let body = json!({"errors": [graphql::linear_error(
                &format!("Query too complex. Complexity of {} exceeds the limit of 10000.", asked * 400),
                "INVALID_INPUT",
            )]});
            return json_reply(400, budget_headers(&control), &body);
        }
        if Utc::now() >= control.reset_at {
            control.remaining = control.limit;
            control.reset_at = Utc::now() + chrono::Duration::from_std(control.window).unwrap();
        }
        if control.remaining <= 0 {
            control.stats.rate_limited += 1;
            let headers = budget_headers(&control);
            return json_reply(400, headers, &rate_limited_body());
        }
        control.remaining -= 1;
        control.stats.log.push(Logged {
            operation: prepared.operation_name.clone().unwrap_or_default(),
            variables: Value::Object(variables.clone()),
        });
        budget_headers(&control)
    };
    let world = shared.world.read().unwrap().clone();
    let cx = graphql::Cx {
        world: &world,
        served: Default::default(),
    };
    let mut answer = graphql::execute(&prepared, &cx);
    if fault == Some(Fault::PartialError) {
        let mut error = graphql::linear_error("You do not have access to this entity", "FORBIDDEN");
        error["path"] = json!(["issues", "nodes", 0, "attachments"]);
        answer["errors"] = json!([error]);
    }
    let mut headers = headers;
    headers.push(("x-complexity".into(), cx.served.get().max(1).to_string()));
    headers.push((
        "content-type".into(),
        "application/json; charset=utf-8".into(),
    ));
    let bytes = serde_json::to_vec(&answer).unwrap_or_default();
    if truncated {
        Reply::Truncated {
            status: 200,
            headers,
            body: bytes,
        }
    } else {
        Reply::Full {
            status: 200,
            headers,
            body: bytes,
        }
    }
}
