//! A fake GitHub that speaks GitHub's wire format, for tests of the GitHub client.
//!
//! [`FakeGitHub::start`] serves a [`GitHubWorld`] (normalized rows whose `source` is `"github"`)
//! on `127.0.0.1:<random port>`, from its own tokio runtime, so that sync tests, async tests and
//! the `teamlens` binary (through `assert_cmd`) can all talk to it. It is a small hand-written
//! HTTP/1.1 server (keep-alive, `Content-Length` or chunked request bodies) rather than axum, so
//! that faults can be injected at the wire level (a reset connection, a truncated body).
//!
//! # Endpoints
//! - `POST /api/graphql` (also `/graphql`, `/api/v3/graphql`) — a real GraphQL executor over
//!   GitHub's published schema (`schemas/github.graphql`): documents are validated (an
//!   invalid one gets HTTP 200 with `{"errors":[{"message":…}]}`), priced with GitHub's formula
//!   (a connection listing `nodes`/`edges` needs `first` or `last`, 0–100 — `search_count` asks
//!   for `first: 0`; cost = requests to fill every connection / 100, rounded, minimum 1; at most
//!   500,000 nodes), honouring `@include`/`@skip`,
//!   charged against an hourly budget (default 5000; `rateLimit(dryRun: true)` answers only
//!   `rateLimit` and charges nothing) and executed with `apollo_compiler::resolvers`. Roots:
//!   `rateLimit`, `repository(owner, name)` (unknown → `null` plus a `NOT_FOUND` error),
//!   `organization(login)` (`repositories`, `teams { members { edges { role node } } }`),
//!   `node(id:)` (PRs, issues, review threads), `search(query:, type: ISSUE)` (`repo:`, `org:`,
//!   `is:pr`, `is:issue`, `updated:>=|>|<=|<`). A field the fake does not serve is a field error.
//! - The issue tracker `teamlens publish github-issue` writes to, on repositories registered with
//!   [`FakeGitHub::add_repository`]: listing, creating and updating issues, their comments and
//!   the repository's labels, with GitHub's status codes and error bodies (see [`issues`]);
//!   writes (`POST`, `PATCH`, `DELETE`) are counted in [`Stats::writes`], and a token given to
//!   [`FakeGitHub::set_read_only_tokens`] may read but not write.
//! - `GET /api/v3/repos/{o}/{n}/pulls[/{number}[/reviews|commits|files|comments]]`,
//!   `/api/v3/repos/{o}/{n}/issues/{number}/timeline|comments` — REST JSON with `per_page`
//!   (≤ 100), `page` and a `Link` header; an unknown repository is a 404. The same paths
//!   without the `/api/v3` prefix work too (as on api.github.com).
//!
//! Every answer carries `x-ratelimit-limit|remaining|used|reset|resource` (`graphql` or `core`).
//! Requests need `Authorization: Bearer <token>` (or `token <token>`) with an accepted token
//! ([`TOKEN`] at start; see [`FakeGitHub::set_tokens`]); anything else is a 401 `Bad credentials`.
//!
//! # The mapping from rows to GitHub objects (the client inverts exactly this)
//! - Logins: `GitHubWorld::login_of` maps person ids to logins (identity by default). A login
//!   ending in `[bot]` is a `Bot` whose GraphQL `login` drops `[bot]` (REST keeps it).
//! - PullRequest: `id` = `PR_` + base64(`repo#number`); `body` = `Reverts {repo}#{n}` (when
//!   `reverts_number`) then one `Closes {key}` line per `linked_issues` entry; `updatedAt` =
//!   `updated_at` (else `created_at`); `isDraft` = `draft == Some(true) || ready_at.is_none()`;
//!   `state` OPEN/CLOSED/MERGED; `headRefName` = `feature/{number}`; `labels` in row order;
//!   `closingIssuesReferences` from `GitHubWorld::closing_issues`.
//! - `reviews` by `submitted_at`, `state` upper-cased, `comments.totalCount` = `comment_count`.
//! - PR comments (`target == "pr"`): `is_review_thread == Some(true)` ones are grouped, in
//!   `created_at` order, into `reviewThreads` of at most 3 (`id` = `PRRT_` + base64, resolvable by
//!   `node`); the others are `comments` (IssueComment).
//! - `timelineItems` from `pr_events` in `at` order (kind → `…Event` type); a
//!   ReviewRequested/RemovedEvent's `requestedReviewer` is the `review_requests` row of the PR with
//!   `requested_at` (resp. `removed_at`) == `at` and `requested_by` == actor, each row used once
//!   per kind; `team:<slug>` is a `Team`.
//! - `commits` by `authored_at`: `authoredDate` UTC, `author.date` in `author_tz_offset_minutes`,
//!   people have `{login}@users.noreply.github.com`, bots `49699333+{login}@…` and `user: null`;
//!   `committer` from `committer` (e.g. `web-flow`); `parents.totalCount` 2 for a merge, else 1.
//! - `files` from `file_changes` with the PR's number; `deployments` (databaseId = row + 1,
//!   `latestStatus.state` = upper-cased `status`, SUCCESS when null), `releases` from
//!   `GitHubWorld::releases`, both newest first; `defaultBranchRef.name` = `main`.
//! - Issues (`issues` rows keyed `owner/name#N`): `id` = `I_` + base64(key), `updatedAt` = the
//!   latest of `created_at` and its events, CLOSED when `status_category == "done"` (`closedAt` =
//!   `resolved_at`), `author` = reporter, `assignees` = [assignee]; `timelineItems` from
//!   `issue_events` (assignee → Assigned/UnassignedEvent, labels → Labeled/UnlabeledEvent,
//!   title → RenamedTitleEvent, status closed/open → Closed/ReopenedEvent); `description` events are
//!   `userContentEdits`, newest first; `comments` from `target == "issue"` comments.
//! - Organizations are the repositories' owners (repositories most recently pushed first,
//!   `pushedAt` = the latest PR update); teams come from `people.team` (slug = lower-cased,
//!   spaces → `-`; people with role `bot` or `external` are left out), role `manager` →
//!   MAINTAINER, others MEMBER.
//!
//! # Faults
//! [`FakeGitHub::inject`] queues a [`Fault`] for the next N requests; [`FakeGitHub::random_faults`]
//! draws one per request with a seeded RNG. See [`Fault`] for what each does on the wire.
//!
//! # Observability
//! [`FakeGitHub::stats`] is a snapshot of counters (per operation, per REST route, per status,
//! points charged) and a log of every request's operation and variables.
//!
//! [`client`] holds a minimal blocking HTTP/1.1 client and [`document`] assembles the
//! repository's own query documents, for tests that do not go through the real client.

pub mod graphql;
pub mod issues;
pub mod rest;
pub mod world;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::http::{self, Reply, Request, json_reply};

// Re-exported for the tests; the other test binaries that include `support` do not use them.
#[allow(unused_imports)]
pub use world::{GitHubWorld, Release, cursor};

/// The token the server accepts until [`FakeGitHub::set_tokens`] says otherwise.
pub const TOKEN: &str = "ghp_fake_github_token";

const SECONDARY_MESSAGE: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";

/// A fault applied to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 403 `{"message":"You have exceeded a secondary rate limit…","documentation_url":…}`, with a
    /// `retry-after: N` header when `Some(N)`.
    SecondaryLimit { retry_after: Option<u64> },
    /// 429 `{"message":"Too Many Requests",…}` with `retry-after: N`.
    TooManyRequests { retry_after: u64 },
    /// 502 with an HTML body (`text/html`).
    BadGateway,
    /// The connection is closed (with an RST) without an answer.
    ConnectionReset,
    /// 200 whose headers announce the full `Content-Length` but whose body stops half-way; then
    /// the connection is closed.
    Truncated,
    /// 200 with `content-type: application/json` and a body that is not JSON.
    MalformedJson,
    /// 401 `{"message":"Bad credentials",…}`, whatever the token.
    ExpiredToken,
    /// GraphQL: 200 with the full data but one nullable field (an `author`, `actor`, … object, or
    /// else the first root field) nulled and an `errors` entry with its `path` and
    /// `type: "FORBIDDEN"`. REST requests are served normally.
    PartialError,
    /// The request is delayed by this long, then served normally.
    Latency(Duration),
    /// The request is served (a write takes effect), then the connection is closed without the
    /// answer: the client cannot know what happened.
    ActThenDrop,
}

/// The kinds of [`Fault`], for [`FakeGitHub::random_faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    SecondaryLimit,
    TooManyRequests,
    BadGateway,
    ConnectionReset,
    Truncated,
    MalformedJson,
    ExpiredToken,
    PartialError,
    Latency,
}

impl FaultKind {
    /// The fault a random schedule applies: retry-after 1 s, latency 50 ms.
    pub fn fault(self) -> Fault {
        match self {
            FaultKind::SecondaryLimit => Fault::SecondaryLimit {
                retry_after: Some(1),
            },
            FaultKind::TooManyRequests => Fault::TooManyRequests { retry_after: 1 },
            FaultKind::BadGateway => Fault::BadGateway,
            FaultKind::ConnectionReset => Fault::ConnectionReset,
            FaultKind::Truncated => Fault::Truncated,
            FaultKind::MalformedJson => Fault::MalformedJson,
            FaultKind::ExpiredToken => Fault::ExpiredToken,
            FaultKind::PartialError => Fault::PartialError,
            FaultKind::Latency => Fault::Latency(Duration::from_millis(50)),
        }
    }
}

/// One logged request.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// The GraphQL operation name, or the REST route (`GET /repos/{o}/{n}/pulls`).
    pub operation: String,
    /// The GraphQL variables, or the REST query parameters as an object.
    pub variables: Value,
    /// The HTTP status answered (0 for a dropped connection).
    pub status: u16,
}

/// A snapshot of what the server saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub requests: u64,
    /// GraphQL requests per operation name.
    pub by_operation: BTreeMap<String, u64>,
    /// REST requests per route pattern.
    pub by_route: BTreeMap<String, u64>,
    /// Requests per HTTP status (0 for a dropped connection).
    pub by_status: BTreeMap<u16, u64>,
    /// GraphQL points charged.
    pub points: u64,
    /// REST writes received (`POST`, `PATCH`, `DELETE` outside the App token endpoint), whatever
    /// their answer.
    pub writes: u64,
    /// Faults applied.
    pub faults: u64,
    pub log: Vec<LoggedRequest>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: u64,
    remaining: u64,
    reset_at: DateTime<Utc>,
}

impl Budget {
    fn new(limit: u64) -> Budget {
        Budget {
            limit,
            remaining: limit,
            reset_at: Utc::now() + chrono::Duration::hours(1),
        }
    }

    fn refresh(&mut self) {
        if Utc::now() >= self.reset_at {
            *self = Budget::new(self.limit);
        }
    }

    fn headers(&self, resource: &str) -> Vec<(String, String)> {
        vec![
            ("x-ratelimit-limit".into(), self.limit.to_string()),
            ("x-ratelimit-remaining".into(), self.remaining.to_string()),
            (
                "x-ratelimit-used".into(),
                (self.limit.saturating_sub(self.remaining)).to_string(),
            ),
            (
                "x-ratelimit-reset".into(),
                self.reset_at.timestamp().to_string(),
            ),
            ("x-ratelimit-resource".into(), resource.into()),
        ]
    }
}

struct Snapshot {
    world: GitHubWorld,
    index: world::Index,
}

/// A GitHub App the fake knows: installation tokens are minted for JWTs signed with its key.
struct App {
    app_id: u64,
    public_key_pem: String,
    token_lifetime: chrono::Duration,
    minted: u64,
}

struct Control {
    tokens: HashSet<String>,
    /// Faults for requests of a method whose path ends so, taken before the queue's.
    targeted: Vec<(String, String, Fault)>,
    /// Accepted tokens that may not write.
    read_only: HashSet<String>,
    tracker: issues::Tracker,
    app: Option<App>,
    queue: VecDeque<Fault>,
    random: Option<(ChaCha8Rng, f64, Vec<FaultKind>)>,
    latency: Duration,
    graphql: Budget,
    core: Budget,
    stats: Stats,
}

struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    control: Mutex<Control>,
    base: String,
}

/// The running fake. Dropping it stops the server.
pub struct FakeGitHub {
    _server: http::Server,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeGitHub {
    /// Starts serving `world` on `127.0.0.1:<random port>` from a runtime of its own.
    pub fn start(world: GitHubWorld) -> FakeGitHub {
        // Parse the schema in the background while the test sets up.
        std::thread::spawn(|| {
            graphql::schema();
        });
        let (listener, addr) = http::listener();
        let index = world::Index::build(&world);
        let shared = Arc::new(Shared {
            snapshot: RwLock::new(Arc::new(Snapshot { world, index })),
            control: Mutex::new(Control {
                tokens: HashSet::from([TOKEN.to_string()]),
                targeted: Vec::new(),
                read_only: HashSet::new(),
                tracker: issues::Tracker::default(),
                app: None,
                queue: VecDeque::new(),
                random: None,
                latency: Duration::ZERO,
                graphql: Budget::new(5000),
                core: Budget::new(5000),
                stats: Stats::default(),
            }),
            base: format!("http://{addr}/api/v3"),
        });
        let serving = shared.clone();
        let server = http::serve(listener, move |request| {
            let shared = serving.clone();
            async move { handle(&shared, request).await }
        });
        FakeGitHub {
            _server: server,
            addr,
            shared,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/api/graphql`
    pub fn graphql_url(&self) -> String {
        format!("http://{}/api/graphql", self.addr)
    }

    /// `http://127.0.0.1:PORT/api/v3`
    pub fn api_url(&self) -> String {
        self.shared.base.clone()
    }

    /// Replaces the accepted tokens (an empty list revokes all).
    pub fn set_tokens(&self, tokens: &[&str]) {
        self.control().tokens = tokens.iter().map(|t| t.to_string()).collect();
    }

    /// Registers `name_with_owner` as a repository with issues (enabled, no labels, no issues)
    /// for the issue endpoints; see [`issues`].
    pub fn add_repository(&self, name_with_owner: &str) {
        self.control().tracker.add(name_with_owner);
    }

    /// Reads or changes the issue tracker (repositories, issues, comments, labels).
    pub fn with_tracker<R>(&self, f: impl FnOnce(&mut issues::Tracker) -> R) -> R {
        f(&mut self.control().tracker)
    }

    /// These tokens (accepted ones) may read but not write: a write gets 403 `Resource not
    /// accessible by personal access token`.
    pub fn set_read_only_tokens(&self, tokens: &[&str]) {
        self.control().read_only = tokens.iter().map(|t| t.to_string()).collect();
    }

    /// The next `times` requests get `fault` (after any fault already queued).
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut control = self.control();
        for _ in 0..times {
            control.queue.push_back(fault.clone());
        }
    }

    /// From now on each request (when no queued fault applies) gets, with `probability`, a fault
    /// of one of `kinds` drawn from an RNG seeded with `seed`. A probability of 0 turns it off.
    pub fn random_faults(&self, seed: u64, probability: f64, kinds: &[FaultKind]) {
        self.control().random = (probability > 0.0 && !kinds.is_empty())
            .then(|| (ChaCha8Rng::seed_from_u64(seed), probability, kinds.to_vec()));
    }

    /// The next `times` requests with `method` whose path ends with `path_suffix` (such as
    /// `POST` and `/issues`) get `fault`, whatever other requests come between.
    pub fn inject_where(&self, method: &str, path_suffix: &str, fault: Fault, times: usize) {
        let mut control = self.control();
        for _ in 0..times {
            control
                .targeted
                .push((method.to_string(), path_suffix.to_string(), fault.clone()));
        }
    }

    /// Forgets queued and random faults.
    pub fn clear_faults(&self) {
        let mut control = self.control();
        control.queue.clear();
        control.targeted.clear();
        control.random = None;
    }

    /// Every request is delayed by `d`.
    pub fn set_latency(&self, d: Duration) {
        self.control().latency = d;
    }

    /// Resets the GraphQL and REST budgets to `points` per hour, all remaining.
    pub fn set_budget(&self, points: u64) {
        let mut control = self.control();
        control.graphql = Budget::new(points);
        control.core = Budget::new(points);
    }

    /// Only `points` left in a window that resets after `reset_in` (then GitHub's usual 5,000).
    pub fn set_budget_window(&self, points: u64, reset_in: Duration) {
        let mut control = self.control();
        let reset_at = Utc::now() + chrono::Duration::from_std(reset_in).expect("a short window");
        let mut budget = Budget::new(5000);
        budget.remaining = points;
        budget.reset_at = reset_at;
        control.graphql = budget;
        control.core = budget;
    }

    /// Serves `POST /app/installations/{id}/access_tokens` for the App `app_id`: a JWT signed
    /// with the private half of `public_key_pem` (RS256, `iss` = the app id) gets a new
    /// installation token, accepted from then on, that expires after `token_lifetime`.
    pub fn enable_app(&self, app_id: u64, public_key_pem: &str, token_lifetime: Duration) {
        self.control().app = Some(App {
            app_id,
            public_key_pem: public_key_pem.to_string(),
            token_lifetime: chrono::Duration::from_std(token_lifetime).expect("a lifetime"),
            minted: 0,
        });
    }

    /// Installation tokens minted so far.
    pub fn minted_tokens(&self) -> u64 {
        self.control().app.as_ref().map_or(0, |a| a.minted)
    }

    /// GraphQL points remaining this hour.
    pub fn remaining(&self) -> u64 {
        self.control().graphql.remaining
    }

    pub fn stats(&self) -> Stats {
        self.control().stats.clone()
    }

    pub fn reset_stats(&self) {
        self.control().stats = Stats::default();
    }

    /// Reads or changes the world; the index is rebuilt after `f`.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut GitHubWorld) -> R) -> R {
        let mut guard = self.shared.snapshot.write().expect("world lock");
        let mut world = guard.world.clone();
        let result = f(&mut world);
        let index = world::Index::build(&world);
        *guard = Arc::new(Snapshot { world, index });
        result
    }

    /// POSTs a GraphQL request with [`TOKEN`]-style auth `token`; see [`client`].
    pub fn graphql(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> Result<client::HttpResponse, String> {
        let body = json!({"query": query, "variables": variables}).to_string();
        client::request(
            "POST",
            &self.graphql_url(),
            &[("authorization", &format!("Bearer {token}"))],
            Some(&body),
        )
    }

    /// GETs a REST path (relative to [`FakeGitHub::api_url`]) with token `token`.
    pub fn rest(&self, token: &str, path_and_query: &str) -> Result<client::HttpResponse, String> {
        client::request(
            "GET",
            &format!("{}{path_and_query}", self.api_url()),
            &[("authorization", &format!("token {token}"))],
            None,
        )
    }

    fn control(&self) -> std::sync::MutexGuard<'_, Control> {
        self.shared.control.lock().expect("control lock")
    }
}

#[derive(Clone)]
enum Endpoint {
    GraphQl,
    Rest(String),
    /// `POST`, `PATCH` or `DELETE` of a REST path (relative to `/api/v3`).
    Write(String),
    /// `POST /app/installations/{id}/access_tokens`.
    InstallationToken,
    Other,
}

/// Answers one request: latency, fault, authentication, then the endpoint.
async fn handle(shared: &Arc<Shared>, request: Request) -> Reply {
    let (latency, fault) = {
        let mut control = shared.control.lock().expect("control lock");
        let targeted = control.targeted.iter().position(|(method, suffix, _)| {
            *method == request.method && request.path.ends_with(suffix.as_str())
        });
        let mut fault = match targeted {
            Some(at) => Some(control.targeted.remove(at).2),
            None => control.queue.pop_front(),
        };
        if fault.is_none()
            && let Some((rng, p, kinds)) = control.random.as_mut()
            && rng.random::<f64>() < *p
        {
            let kind = kinds[rng.random_range(0..kinds.len())];
            fault = Some(kind.fault());
        }
        if fault.is_some() {
            control.stats.faults += 1;
        }
        (control.latency, fault)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = match fault {
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        other => other,
    };
    let endpoint = match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/api/graphql" | "/graphql" | "/api/v3/graphql") => Endpoint::GraphQl,
        ("GET", path) if path.starts_with("/api/v3/") => {
            Endpoint::Rest(path["/api/v3".len()..].to_string())
        }
        ("GET", path) if path.starts_with("/repos/") => Endpoint::Rest(path.to_string()),
        ("POST" | "PATCH" | "DELETE", path) if path.starts_with("/api/v3/repos/") => {
            Endpoint::Write(path["/api/v3".len()..].to_string())
        }
        ("POST" | "PATCH" | "DELETE", path) if path.starts_with("/repos/") => {
            Endpoint::Write(path.to_string())
        }
        ("POST", path)
            if path
                .trim_start_matches("/api/v3")
                .starts_with("/app/installations/")
                && path.ends_with("/access_tokens") =>
        {
            Endpoint::InstallationToken
        }
        _ => Endpoint::Other,
    };
    let graphql_body: Value = match endpoint {
        Endpoint::GraphQl => serde_json::from_slice(&request.body).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let (label, variables) = match &endpoint {
        Endpoint::GraphQl => (
            graphql_body["operationName"]
                .as_str()
                .map(str::to_string)
                .or_else(|| graphql_body["query"].as_str().and_then(operation_name_of))
                .unwrap_or_else(|| "(anonymous)".to_string()),
            graphql_body
                .get("variables")
                .cloned()
                .unwrap_or(Value::Null),
        ),
        Endpoint::Rest(path) | Endpoint::Write(path) => {
            let params: serde_json::Map<String, Value> = rest::query_params(&request.query)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            (format!("{} {path}", request.method), Value::Object(params))
        }
        Endpoint::InstallationToken | Endpoint::Other => {
            (format!("{} {}", request.method, request.path), Value::Null)
        }
    };
    // Executing a large query takes a while in a debug build: keep the runtime's workers free.
    let reply = {
        let (shared, endpoint, body) = (shared.clone(), endpoint.clone(), graphql_body.clone());
        tokio::task::spawn_blocking(move || answer(&shared, &request, &endpoint, &body, fault))
            .await
            .unwrap_or((Reply::Drop, None))
    };
    let (status, route) = match &reply.0 {
        Reply::Full { status, .. } | Reply::Truncated { status, .. } => (*status, reply.1),
        Reply::Drop => (0, reply.1),
    };
    let mut control = shared.control.lock().expect("control lock");
    let stats = &mut control.stats;
    stats.requests += 1;
    if matches!(endpoint, Endpoint::Write(_)) {
        stats.writes += 1;
    }
    *stats.by_status.entry(status).or_default() += 1;
    let operation = match (&endpoint, route) {
        (Endpoint::GraphQl, Some(op)) => {
            *stats.by_operation.entry(op.clone()).or_default() += 1;
            op
        }
        (Endpoint::GraphQl, None) => {
            *stats.by_operation.entry(label.clone()).or_default() += 1;
            label
        }
        (_, Some(route)) => {
            *stats.by_route.entry(route.clone()).or_default() += 1;
            route
        }
        (_, None) => label,
    };
    stats.log.push(LoggedRequest {
        operation,
        variables,
        status,
    });
    reply.0
}

/// The name of the first operation of a document, read without parsing it.
fn operation_name_of(query: &str) -> Option<String> {
    let mut words = query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    while let Some(w) = words.next() {
        if w == "query" || w == "mutation" {
            return words.next().map(str::to_string);
        }
    }
    None
}

fn bad_credentials(headers: Vec<(String, String)>) -> Reply {
    json_reply(
        401,
        headers,
        &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}),
    )
}

/// The reply and the operation name or REST route it is counted under.
fn answer(
    shared: &Shared,
    request: &Request,
    endpoint: &Endpoint,
    graphql_body: &Value,
    fault: Option<Fault>,
) -> (Reply, Option<String>) {
    let (resource, rate_headers) = {
        let mut control = shared.control.lock().expect("control lock");
        control.graphql.refresh();
        control.core.refresh();
        match endpoint {
            Endpoint::GraphQl => ("graphql", control.graphql.headers("graphql")),
            _ => ("core", control.core.headers("core")),
        }
    };
    let _ = resource;
    let mut truncate = false;
    let mut partial = false;
    let mut act_then_drop = false;
    match fault {
        Some(Fault::SecondaryLimit { retry_after }) => {
            let mut headers = rate_headers;
            if let Some(s) = retry_after {
                headers.push(("retry-after".into(), s.to_string()));
            }
            let body = json!({"message": SECONDARY_MESSAGE, "documentation_url": "https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits"});
            return (json_reply(403, headers, &body), None);
        }
        Some(Fault::TooManyRequests { retry_after }) => {
            let mut headers = rate_headers;
            headers.push(("retry-after".into(), retry_after.to_string()));
            let body = json!({"message": "Too Many Requests", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"});
            return (json_reply(429, headers, &body), None);
        }
        Some(Fault::BadGateway) => {
            let mut headers = rate_headers;
            headers.push(("content-type".into(), "text/html".into()));
            let body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n".to_vec();
            return (
                Reply::Full {
                    status: 502,
                    headers,
                    body,
                },
                None,
            );
        }
        Some(Fault::ConnectionReset) => return (Reply::Drop, None),
        Some(Fault::MalformedJson) => {
            let mut headers = rate_headers;
            headers.push((
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ));
            let body =
                b"{\"data\":{\"repository\":{\"pullRequests\":{\"nodes\":[{\"id\":<!-- unicorn -->"
                    .to_vec();
            return (
                Reply::Full {
                    status: 200,
                    headers,
                    body,
                },
                None,
            );
        }
        Some(Fault::ExpiredToken) => return (bad_credentials(rate_headers), None),
        Some(Fault::Truncated) => truncate = true,
        Some(Fault::ActThenDrop) => act_then_drop = true,
        Some(Fault::PartialError) => partial = true,
        Some(Fault::Latency(_)) | None => {}
    }
    if let Endpoint::InstallationToken = endpoint {
        return (
            mint_installation_token(shared, request, rate_headers),
            Some("POST /app/installations/{id}/access_tokens".into()),
        );
    }
    let token = request
        .header("authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")
        })
        .map(|(_, token)| token.trim().to_string());
    let authorized = {
        let control = shared.control.lock().expect("control lock");
        token.as_ref().is_some_and(|t| control.tokens.contains(t))
    };
    if !authorized {
        return (bad_credentials(rate_headers), None);
    }
    let (reply, route) = match endpoint {
        Endpoint::GraphQl => {
            let (reply, op) = answer_graphql(shared, graphql_body, partial);
            (reply, op)
        }
        Endpoint::Rest(path) | Endpoint::Write(path) => {
            let snapshot = shared.snapshot.read().expect("world lock").clone();
            let mut control = shared.control.lock().expect("control lock");
            let base = if request.path.starts_with("/api/v3/") {
                shared.base.as_str()
            } else {
                shared.base.trim_end_matches("/api/v3")
            };
            if control.core.remaining == 0 {
                let headers = control.core.headers("core");
                drop(control);
                let body = json!({"message": "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID 0000.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"});
                (json_reply(403, headers, &body), None)
            } else if matches!(endpoint, Endpoint::Write(_)) || control.tracker.serves(path) {
                control.core.remaining -= 1;
                let mut headers = control.core.headers("core");
                let writer = token
                    .as_ref()
                    .is_some_and(|t| !control.read_only.contains(t));
                let a = control.tracker.handle(
                    &request.method,
                    path,
                    &request.query,
                    &request.body,
                    base,
                    writer,
                );
                drop(control);
                headers.extend(a.headers);
                let reply = match a.body {
                    Some(body) => json_reply(a.status, headers, &body),
                    None => Reply::Full {
                        status: a.status,
                        headers,
                        body: Vec::new(),
                    },
                };
                (reply, Some(a.route))
            } else {
                control.core.remaining -= 1;
                let mut headers = control.core.headers("core");
                drop(control);
                let r = rest::handle(&snapshot.world, &snapshot.index, base, path, &request.query);
                headers.extend(r.headers);
                (json_reply(r.status, headers, &r.body), Some(r.route))
            }
        }
        Endpoint::InstallationToken | Endpoint::Other => (
            json_reply(
                404,
                rate_headers,
                &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
            ),
            None,
        ),
    };
    match reply {
        _ if act_then_drop => (Reply::Drop, route),
        Reply::Full {
            status,
            headers,
            body,
        } if truncate => (
            Reply::Truncated {
                status,
                headers,
                body,
            },
            route,
        ),
        other => (other, route),
    }
}

/// An installation token for a JWT that verifies against the App's public key, else a 401.
fn mint_installation_token(
    shared: &Shared,
    request: &Request,
    headers: Vec<(String, String)>,
) -> Reply {
    use octocrab::jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
    let mut control = shared.control.lock().expect("control lock");
    let Some(app) = control.app.as_mut() else {
        return bad_credentials(headers);
    };
    let jwt = request
        .header("authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, jwt)| jwt.trim().to_string());
    let verified = jwt.and_then(|jwt| {
        let key = DecodingKey::from_rsa_pem(app.public_key_pem.as_bytes()).ok()?;
        let claims = decode::<Value>(&jwt, &key, &Validation::new(Algorithm::RS256)).ok()?;
        let iss = &claims.claims["iss"];
        (iss.as_u64() == Some(app.app_id) || iss.as_str() == Some(&app.app_id.to_string()))
            .then_some(())
    });
    if verified.is_none() {
        return bad_credentials(headers);
    }
    app.minted += 1;
    let token = format!("ghs_fake_installation_token_{}", app.minted);
    let expires_at =
        (Utc::now() + app.token_lifetime).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    control.tokens.insert(token.clone());
    json_reply(
        201,
        headers,
        &json!({
            "token": token,
            "expires_at": expires_at,
            "permissions": {"contents": "read", "pull_requests": "read", "issues": "read"},
            "repository_selection": "all",
        }),
    )
}

fn answer_graphql(shared: &Shared, body: &Value, partial: bool) -> (Reply, Option<String>) {
    let graphql_headers = || {
        let control = shared.control.lock().expect("control lock");
        control.graphql.headers("graphql")
    };
    let Some(query) = body["query"].as_str() else {
        let message = if body.is_null() {
            "Problems parsing JSON"
        } else {
            "A query attribute must be specified and must be a string."
        };
        let status = if body.is_null() { 400 } else { 200 };
        return (
            json_reply(
                status,
                graphql_headers(),
                &json!({"errors": [{"message": message}]}),
            ),
            None,
        );
    };
    let variables = body["variables"].as_object().cloned().unwrap_or_default();
    let prepared = match graphql::prepare(query, body["operationName"].as_str(), &variables) {
        Ok(p) => p,
        Err(errors) => return (json_reply(200, graphql_headers(), &errors), None),
    };
    let operation = prepared
        .operation_name
        .clone()
        .unwrap_or_else(|| "(anonymous)".to_string());
    let (rate, headers) = {
        let mut control = shared.control.lock().expect("control lock");
        let budget = &mut control.graphql;
        if !prepared.dry_run {
            if budget.remaining < prepared.cost || budget.remaining == 0 {
                let headers = budget.headers("graphql");
                drop(control);
                let body = json!({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1."}]});
                return (json_reply(200, headers, &body), Some(operation));
            }
            budget.remaining -= prepared.cost;
        }
        let rate = graphql::RateInfo {
            cost: prepared.cost,
            remaining: budget.remaining,
            limit: budget.limit,
            used: budget.limit - budget.remaining,
            reset_at: budget.reset_at,
            node_count: prepared.node_count,
        };
        let headers = budget.headers("graphql");
        if !prepared.dry_run {
            control.stats.points += prepared.cost;
        }
        (rate, headers)
    };
    let snapshot = shared.snapshot.read().expect("world lock").clone();
    let cx = graphql::Cx {
        world: &snapshot.world,
        index: &snapshot.index,
        rate,
        dry_run: prepared.dry_run,
        errors: Default::default(),
    };
    let mut body = graphql::execute(&prepared, &cx);
    if partial && let Ok(mut response) = serde_json::from_slice::<Value>(&body) {
        null_one_field(&mut response);
        body = response.to_string().into_bytes();
    }
    let mut headers = headers;
    headers.push((
        "content-type".into(),
        "application/json; charset=utf-8".into(),
    ));
    (
        Reply::Full {
            status: 200,
            headers,
            body,
        },
        Some(operation),
    )
}

/// Nulls one nullable object field of `data` and reports it, as GitHub does when a part of the
/// answer is forbidden or unavailable.
fn null_one_field(response: &mut Value) {
    const NULLABLE: &[&str] = &[
        "author",
        "mergedBy",
        "actor",
        "editor",
        "latestStatus",
        "requestedReviewer",
        "assignee",
        "user",
    ];
    fn find(value: &Value, path: &mut Vec<Value>) -> bool {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    path.push(json!(k));
                    if NULLABLE.contains(&k.as_str()) && v.is_object() {
                        return true;
                    }
                    if find(v, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(json!(i));
                    if find(v, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            _ => false,
        }
    }
    let mut path = Vec::new();
    if !find(&response["data"], &mut path) {
        let Some(root) = response["data"]
            .as_object()
            .and_then(|m| m.keys().find(|k| *k != "rateLimit").cloned())
        else {
            return;
        };
        path = vec![json!(root)];
    }
    let mut target = &mut response["data"];
    for segment in &path {
        target = match segment {
            Value::String(k) => &mut target[k.as_str()],
            Value::Number(i) => &mut target[i.as_u64().unwrap_or(0) as usize],
            _ => return,
        };
    }
    *target = Value::Null;
    let error = json!({
        "type": "FORBIDDEN",
        "path": path,
        "locations": [],
        "message": "Resource not accessible by integration",
    });
    match response.get_mut("errors").and_then(Value::as_array_mut) {
        Some(errors) => errors.push(error),
        None => response["errors"] = json!([error]),
    }
}

/// The repository's GraphQL document `name` (`queries/github/<name>.graphql`) with the fragments
/// of `fragments.graphql` it uses, directly or not, appended.
pub fn document(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/github");
    let file = format!("{dir}/{name}.graphql");
    with_fragments(&std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}")))
}

/// `main` with the fragments of `queries/github/fragments.graphql` it uses appended.
pub fn with_fragments(main: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/github");
    let read = |file: &str| {
        std::fs::read_to_string(format!("{dir}/{file}")).unwrap_or_else(|e| panic!("{file}: {e}"))
    };
    let main = main.to_string();
    let fragments_text = read("fragments.graphql");
    let mut fragments: Vec<(String, String)> = Vec::new();
    for block in fragments_text.split("\nfragment ").skip(1) {
        let name = block
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let body = block.split("\n\n#").next().unwrap_or(block);
        fragments.push((name, format!("fragment {}", body.trim_end())));
    }
    let spreads = |text: &str| -> Vec<String> {
        text.split("...")
            .skip(1)
            .filter_map(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                (!name.is_empty() && name != "on").then_some(name)
            })
            .collect()
    };
    let mut used: Vec<String> = Vec::new();
    let mut todo = spreads(&main);
    while let Some(n) = todo.pop() {
        if used.contains(&n) {
            continue;
        }
        if let Some((_, body)) = fragments.iter().find(|(f, _)| *f == n) {
            todo.extend(spreads(body));
            used.push(n);
        }
    }
    let mut out = main;
    for (n, body) in &fragments {
        if used.contains(n) {
            out.push_str("\n\n");
            out.push_str(body);
        }
    }
    out.push('\n');
    out
}

/// A minimal blocking HTTP/1.1 client (one request per connection), enough to exercise the fake
/// without the real GitHub client.
pub mod client {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use serde_json::Value;

    #[derive(Debug, Clone)]
    pub struct HttpResponse {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: String,
    }

    impl HttpResponse {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }

        /// The body as JSON; panics when it is not.
        pub fn json(&self) -> Value {
            serde_json::from_str(&self.body)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
        }
    }

    /// Sends one request; `Err` when the connection fails, is reset, or the body is shorter
    /// than its `Content-Length`.
    pub fn request(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<HttpResponse, String> {
        let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let mut stream = TcpStream::connect(host).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let mut out = format!(
            "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\nuser-agent: teamlens-tests\r\n"
        );
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(b) = body {
            out.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                b.len()
            ));
        }
        out.push_str("\r\n");
        if let Some(b) = body {
            out.push_str(b);
        }
        stream
            .write_all(out.as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|e| format!("read: {e}"))?;
        if raw.is_empty() {
            return Err("connection closed without a response".into());
        }
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("incomplete response head")?;
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let body = raw[split + 4..].to_vec();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or("bad status line")?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let response = HttpResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&body).to_string(),
        };
        if let Some(n) = response
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            && body.len() < n
        {
            return Err(format!("truncated body: {} of {n} bytes", body.len()));
        }
        Ok(response)
    }
}
