//! A fake Jira Cloud serving the simulator's tickets in Jira's REST v3 wire format.
//!
//! - `GET /rest/api/3/myself` (the account's time zone, in which JQL dates are read),
//!   `/rest/api/3/status` (workflow statuses and their categories);
//! - `GET /rest/api/3/search/jql`: the JQL the source sends (`project = "KEY" AND updated >=
//!   "YYYY-MM-DD HH:MM" ORDER BY updated ASC, …`), token pagination with `nextPageToken`; an
//!   unknown project is Jira's 400 with `errorMessages`;
//! - `GET /rest/api/3/issue/{key}/changelog` (`startAt`, `maxResults`, `isLast`, `values`),
//!   `/comment` (`startAt`, `total`, `comments`), `/remotelink` (links to GitHub PRs);
//! - basic auth checked on every request (401 with Jira's error body otherwise);
//! - faults on the wire: 429 with `Retry-After`, 503, dropped connections, answers cut short;
//! - what real sites answer: an issue the search returns but that cannot be read any more
//!   (deleted, or hidden by issue security: 404 or 403 for that issue alone), an agile API that
//!   refuses the account (401, 403), statuses the `/status` list lacks, localized issue types
//!   with their `hierarchyLevel` and `subtask` flag, app accounts (`accountType: "app"`,
//!   "Automation for Jira"), a board shared by every project.
//!
//! People are served as Jira accounts: [`account_id`] of the person id, which a roster lists
//! as an alias.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};
use teamlens::model::{Comment, Dataset, Issue, IssueEvent, Sprint};

use super::http::{self, Reply, Request, json_reply};

pub const EMAIL: &str = "bot@acme.example";
pub const TOKEN: &str = "jira-test-token-6f1d";
/// The time zone of the account the fake says the token belongs to.
pub const ACCOUNT_ZONE: &str = "Europe/Berlin";

/// The Jira account id of a person (opaque, as Jira's are).
pub fn account_id(person: &str) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in person.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("712020:{hash:016x}")
}

/// The tickets the fake serves.
#[derive(Debug, Clone, Default)]
pub struct JiraWorld {
    pub issues: Vec<Issue>,
    pub events: Vec<IssueEvent>,
    pub comments: Vec<Comment>,
    /// Display names by person id.
    pub names: BTreeMap<String, String>,
    /// Persons whose e-mail address Jira shows.
    pub emails: BTreeMap<String, String>,
    /// Another Jira account (id, e-mail shown) a person writes their comments from.
    pub comment_account: BTreeMap<String, (String, String)>,
    /// Another Jira account (id, e-mail shown) a person changes tickets from.
    pub history_account: BTreeMap<String, (String, String)>,
    /// Sprints renamed since: the simulator's name → the name now (the changelog keeps the old).
    pub renamed_sprints: BTreeMap<String, String>,
    /// The sprints with their dates, by the simulator's name.
    pub sprints: BTreeMap<String, Sprint>,
    /// Issues the search still returns but whose changelog, comments and links Jira refuses,
    /// with the status it answers (404: deleted since, or hidden by issue security; 403).
    pub unreadable: BTreeMap<String, u16>,
    /// The status the agile API's board listing answers instead of the boards.
    pub boards_refused: Option<u16>,
    /// The status each board's sprint listing answers instead of the sprints.
    pub sprints_refused: Option<u16>,
    /// The status the search answers instead of issues.
    pub search_refused: Option<u16>,
    /// Statuses as the site names them (the simulator's name → the site's), which the
    /// `/status` list lacks; issues carry their category (`fields.status.statusCategory`).
    pub renamed_statuses: BTreeMap<String, String>,
    /// The `issuetype` objects served per simulated type (`bug`, `feature`, …), chosen by the
    /// issue's number among them; Jira's English defaults otherwise.
    pub issue_types: BTreeMap<String, Vec<Value>>,
    /// People served as app accounts (`accountType: "app"`): person → (account id, display
    /// name).
    pub apps: BTreeMap<String, (String, String)>,
    /// Sprints of a scrum board (id [`SHARED_BOARD`]) every project lists.
    pub shared_board: Vec<Sprint>,
}

/// The id of the board every project lists when [`JiraWorld::shared_board`] has sprints.
pub const SHARED_BOARD: usize = 700;

impl JiraWorld {
    /// The `source = "jira"` rows of a simulated dataset.
    pub fn from_dataset(data: &Dataset) -> JiraWorld {
        let jira = |s: &str| s == "jira";
        JiraWorld {
            issues: data
                .issues
                .iter()
                .filter(|r| jira(&r.source))
                .cloned()
                .collect(),
            events: data
                .issue_events
                .iter()
                .filter(|r| jira(&r.source))
                .cloned()
                .collect(),
            comments: data
                .comments
                .iter()
                .filter(|r| jira(&r.source))
                .cloned()
                .collect(),
            names: data
                .people
                .iter()
                .map(|p| {
                    (
                        p.person.clone(),
                        p.display_name.clone().unwrap_or_else(|| p.person.clone()),
                    )
                })
                .collect(),
            emails: BTreeMap::new(),
            comment_account: BTreeMap::new(),
            history_account: BTreeMap::new(),
            renamed_sprints: BTreeMap::new(),
            unreadable: BTreeMap::new(),
            boards_refused: None,
            sprints_refused: None,
            search_refused: None,
            renamed_statuses: BTreeMap::new(),
            issue_types: BTreeMap::new(),
            apps: BTreeMap::new(),
            shared_board: Vec::new(),
            sprints: data
                .sprints
                .iter()
                .filter(|s| jira(&s.source))
                .map(|s| (s.name.clone(), s.clone()))
                .collect(),
        }
    }

    /// A status as the site names it.
    pub fn status_name(&self, name: &str) -> String {
        self.renamed_statuses
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// A sprint's name now.
    pub fn sprint_now(&self, name: &str) -> String {
        self.renamed_sprints
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    fn updated(&self, issue: &Issue) -> DateTime<Utc> {
        let mut updated = issue.created_at;
        for e in self.events.iter().filter(|e| e.key == issue.key) {
            updated = updated.max(e.at);
        }
        for c in self.comments.iter().filter(|c| c.item == issue.key) {
            updated = updated.max(c.created_at);
        }
        updated
    }
}

/// A fault for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 with `Retry-After: N`.
    TooManyRequests { retry_after: u64 },
    /// 503 with Jira's error body.
    Unavailable,
    /// The connection closes with no answer.
    Drop,
    /// Half the body, then the connection closes.
    Truncated,
}

/// What the fake has served.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub requests: u64,
    pub faults: u64,
    pub by_endpoint: BTreeMap<String, u64>,
    /// Every JQL received.
    pub jql: Vec<String>,
}

struct State {
    world: JiraWorld,
    faults: VecDeque<Fault>,
    /// A fault on every Nth request.
    every: Option<(u64, Fault)>,
    stats: Stats,
    latency: Duration,
    /// Largest page of changelog entries and comments served, whatever `maxResults` asks.
    page_cap: usize,
}

pub struct FakeJira {
    state: Arc<Mutex<State>>,
    server: http::Server,
}

impl FakeJira {
    pub fn start(world: JiraWorld) -> FakeJira {
        let state = Arc::new(Mutex::new(State {
            world,
            faults: VecDeque::new(),
            every: None,
            stats: Stats::default(),
            latency: Duration::ZERO,
            page_cap: 4,
        }));
        let (listener, _) = http::listener();
        let shared = state.clone();
        let server = http::serve(listener, move |request| {
            let state = shared.clone();
            async move {
                let latency = state.lock().unwrap().latency;
                if !latency.is_zero() {
                    tokio::time::sleep(latency).await;
                }
                handle(&state, request)
            }
        });
        FakeJira { state, server }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn inject(&self, fault: Fault, times: usize) {
        let mut state = self.state.lock().unwrap();
        for _ in 0..times {
            state.faults.push_back(fault.clone());
        }
    }

    pub fn fault_every(&self, n: u64, fault: Fault) {
        self.state.lock().unwrap().every = Some((n, fault));
    }

    pub fn clear_faults(&self) {
        let mut state = self.state.lock().unwrap();
        state.faults.clear();
        state.every = None;
    }

    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    pub fn stats(&self) -> Stats {
        self.state.lock().unwrap().stats.clone()
    }

    pub fn reset_stats(&self) {
        self.state.lock().unwrap().stats = Stats::default();
    }

    pub fn with_world<R>(&self, f: impl FnOnce(&mut JiraWorld) -> R) -> R {
        f(&mut self.state.lock().unwrap().world)
    }
}

/// The `Authorization` header of basic auth.
pub fn basic(email: &str, token: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{email}:{token}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

fn error(status: u16, message: &str) -> Reply {
    json_reply(
        status,
        Vec::new(),
        &json!({ "errorMessages": [message], "errors": {} }),
    )
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

fn query_params(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16).ok()?,
                );
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn handle(state: &Mutex<State>, request: Request) -> Reply {
    let mut state = state.lock().unwrap();
    state.stats.requests += 1;
    let n = state.stats.requests;
    let endpoint = endpoint(&request.path);
    *state.stats.by_endpoint.entry(endpoint).or_default() += 1;
    let fault = state.faults.pop_front().or_else(|| match &state.every {
        Some((every, fault)) if n.is_multiple_of(*every) => Some(fault.clone()),
        _ => None,
    });
    if request.header("authorization") != Some(basic(EMAIL, TOKEN).as_str()) {
        return error(401, "Client must be authenticated to access this resource.");
    }
    if let Some(fault) = fault {
        state.stats.faults += 1;
        match fault {
            Fault::TooManyRequests { retry_after } => {
                return json_reply(
                    429,
                    vec![("retry-after".into(), retry_after.to_string())],
                    &json!({ "errorMessages": ["Rate limit exceeded."], "errors": {} }),
                );
            }
            Fault::Unavailable => return error(503, "Service unavailable"),
            Fault::Drop => return Reply::Drop,
            Fault::Truncated => {
                let body = route(&mut state, &request);
                return match body {
                    Reply::Full {
                        status,
                        headers,
                        body,
                    } => Reply::Truncated {
                        status,
                        headers,
                        body,
                    },
                    other => other,
                };
            }
        }
    }
    route(&mut state, &request)
}

fn endpoint(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    if path.starts_with("/rest/api/3/issue/") && parts.len() >= 7 {
        return format!("issue/{}", parts[6]);
    }
    path.trim_start_matches("/rest/api/3/").to_string()
}

fn route(state: &mut State, request: &Request) -> Reply {
    if request.method == "POST" && request.path == "/rest/api/3/search/approximate-count" {
        return approximate_count(state, request);
    }
    if request.method != "GET" {
        return error(405, "Method not allowed");
    }
    let params = query_params(&request.query);
    let path = request.path.as_str();
    match path {
        "/rest/api/3/myself" => json_reply(
            200,
            Vec::new(),
            &json!({
                "accountId": account_id("fetch-bot"),
                "emailAddress": EMAIL,
                "displayName": "Fetch Bot",
                "timeZone": ACCOUNT_ZONE,
                "active": true,
            }),
        ),
        "/rest/api/3/status" => json_reply(
            200,
            Vec::new(),
            &json!([
                {"id": "1", "name": "To Do", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}},
                {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"}},
                {"id": "10001", "name": "In Review", "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"}},
                {"id": "10002", "name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
            ]),
        ),
        "/rest/api/3/search/jql" => match state.world.search_refused {
            Some(status) => error(status, "Not Found"),
            None => search(state, &params),
        },
        "/rest/agile/1.0/board" => boards(&state.world, &params),
        _ if path.starts_with("/rest/agile/1.0/board/") => sprints(&state.world, path, &params),
        _ => {
            let rest = path.strip_prefix("/rest/api/3/issue/").unwrap_or("");
            let (key, what) = rest.split_once('/').unwrap_or((rest, ""));
            if !state.world.issues.iter().any(|i| i.key == key) {
                return error(
                    404,
                    "Issue does not exist or you do not have permission to see it.",
                );
            }
            match state.world.unreadable.get(key) {
                Some(404) => {
                    return error(
                        404,
                        "Issue does not exist or you do not have permission to see it.",
                    );
                }
                Some(&status) => {
                    return error(
                        status,
                        "You do not have the permission to see the specified issue.",
                    );
                }
                None => {}
            }
            let start_at: usize = params
                .get("startAt")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let max: usize = params
                .get("maxResults")
                .and_then(|v| v.parse().ok())
                .unwrap_or(100)
                .min(state.page_cap);
            match what {
                "changelog" => changelog(&state.world, key, start_at, max),
                "comment" => comments(&state.world, key, start_at, max),
                "remotelink" => remote_links(&state.world, key),
                _ => error(404, "Not found"),
            }
        }
    }
}

fn projects(world: &JiraWorld) -> Vec<String> {
    let mut out: Vec<String> = world
        .issues
        .iter()
        .filter_map(|i| i.project.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// One scrum board per project (id: its index + 1), and a kanban board for the first.
fn boards(world: &JiraWorld, params: &BTreeMap<String, String>) -> Reply {
    if let Some(status) = world.boards_refused {
        return agile_refusal(status);
    }
    let project = params.get("projectKeyOrId").cloned().unwrap_or_default();
    let Some(index) = projects(world).iter().position(|p| *p == project) else {
        return error(
            400,
            &format!("No project could be found with key '{project}'."),
        );
    };
    let mut values = vec![json!({
        "id": index + 1,
        "name": format!("{project} board"),
        "type": "scrum",
        "location": {"projectKey": project},
    })];
    if index == 0 {
        values.push(json!({"id": 900, "name": "Support", "type": "kanban"}));
    }
    if !world.shared_board.is_empty() {
        values.push(json!({
            "id": SHARED_BOARD,
            "name": "Release train",
            "type": "scrum",
            "location": {"projectKey": projects(world)[0]},
        }));
    }
    json_reply(
        200,
        Vec::new(),
        &json!({"maxResults": 50, "startAt": 0, "total": values.len(), "isLast": true, "values": values}),
    )
}

/// The agile API refusing the account: 401 as some sites answer a token without the agile
/// scopes, 403 to an account without access to Jira Software's boards.
fn agile_refusal(status: u16) -> Reply {
    match status {
        401 => error(
            401,
            "You are not authenticated. Authentication required to perform this operation.",
        ),
        403 => error(
            403,
            "The user does not have permission to view boards and sprints.",
        ),
        other => error(other, "Not Found"),
    }
}

/// A board's sprints, two a page; a kanban board answers as Jira does.
fn sprints(world: &JiraWorld, path: &str, params: &BTreeMap<String, String>) -> Reply {
    let id: usize = path
        .trim_start_matches("/rest/agile/1.0/board/")
        .split('/')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    if let Some(status) = world.sprints_refused {
        return agile_refusal(status);
    }
    if id == 900 {
        return error(400, "The board does not support sprints");
    }
    if id == SHARED_BOARD {
        let values: Vec<Value> = world
            .shared_board
            .iter()
            .map(|s| {
                let date = |at: Option<DateTime<Utc>>| {
                    at.map(|at| at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                };
                json!({
                    "id": s.id.parse::<i64>().unwrap_or(0),
                    "name": s.name,
                    "state": if s.completed_at.is_some() { "closed" } else { "active" },
                    "startDate": date(s.started_at),
                    "endDate": date(s.ended_at),
                    "completeDate": date(s.completed_at),
                    "originBoardId": SHARED_BOARD,
                })
            })
            .collect();
        return json_reply(
            200,
            Vec::new(),
            &json!({"maxResults": 50, "startAt": 0, "isLast": true, "values": values}),
        );
    }
    let Some(project) = projects(world).get(id.wrapping_sub(1)).cloned() else {
        return error(
            404,
            "The requested board cannot be viewed because it either does not exist or you do not have permission to view it.",
        );
    };
    let mut names: Vec<String> = world
        .events
        .iter()
        .filter(|e| e.field == "sprint" && e.key.starts_with(&format!("{project}-")))
        .filter_map(|e| e.to.clone())
        .collect();
    names.sort();
    names.dedup();
    let start_at: usize = params
        .get("startAt")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = names
        .iter()
        .skip(start_at)
        .take(2)
        .map(|name| {
            let dates = world.sprints.get(name);
            let date = |at: Option<DateTime<Utc>>| at.map(|at| at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
            let mut sprint = json!({
                "id": sprint_id(name),
                "name": world.sprint_now(name),
                "state": if dates.is_some_and(|d| d.completed_at.is_none()) { "active" } else { "closed" },
                "originBoardId": id,
            });
            if let Some(d) = dates {
                for (field, at) in [
                    ("startDate", d.started_at),
                    ("endDate", d.ended_at),
                    ("completeDate", d.completed_at),
                ] {
                    if let Some(text) = date(at) {
                        sprint[field] = json!(text);
                    }
                }
            }
            sprint
        })
        .collect();
    let is_last = start_at + page.len() >= names.len();
    json_reply(
        200,
        Vec::new(),
        &json!({"maxResults": 2, "startAt": start_at, "isLast": is_last, "values": page}),
    )
}

fn user(world: &JiraWorld, person: &str) -> Value {
    if let Some((id, name)) = world.apps.get(person) {
        return json!({
            "accountId": id,
            "accountType": "app",
            "displayName": name,
            "active": true,
        });
    }
    let mut user = json!({
        "accountId": account_id(person),
        "accountType": "atlassian",
        "displayName": world.names.get(person).cloned().unwrap_or_else(|| person.to_string()),
        "active": true,
    });
    if let Some(email) = world.emails.get(person) {
        user["emailAddress"] = json!(email);
    }
    user
}

/// A person as the author of a change or a comment: their other account when they have one.
fn author(world: &JiraWorld, person: &str, other: &BTreeMap<String, (String, String)>) -> Value {
    if world.apps.contains_key(person) {
        return user(world, person);
    }
    match other.get(person) {
        Some((id, email)) => json!({
            "accountId": id,
            "accountType": "atlassian",
            "emailAddress": email,
            "displayName": world.names.get(person).cloned().unwrap_or_else(|| person.to_string()),
            "active": true,
        }),
        None => user(world, person),
    }
}

/// The `issuetype` of an issue as Jira Cloud gives it (`IssueTypeDetails`): the world's
/// choice for its type when it has one, else Jira's English default.
fn issue_type_json(world: &JiraWorld, issue: &Issue) -> Value {
    let kind = issue.issue_type.as_deref().unwrap_or("feature");
    if let Some(choices) = world.issue_types.get(kind).filter(|c| !c.is_empty()) {
        let number: usize = issue
            .key
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        return choices[number % choices.len()].clone();
    }
    let (id, name) = match kind {
        "bug" => ("10004", "Bug"),
        "incident" => ("10005", "Incident"),
        "chore" => ("10002", "Task"),
        _ => ("10001", "Story"),
    };
    json!({
        "id": id,
        "name": name,
        "description": "",
        "subtask": false,
        "hierarchyLevel": 0,
        "self": format!("/rest/api/3/issuetype/{id}"),
    })
}

/// A `statusCategory` object as Jira Cloud gives it inside an issue's status.
fn status_category_json(key: &str) -> Value {
    let (id, name, color) = match key {
        "new" => (2, "To Do", "blue-gray"),
        "done" => (3, "Done", "green"),
        _ => (4, "In Progress", "yellow"),
    };
    json!({
        "self": format!("/rest/api/3/statuscategory/{id}"),
        "id": id,
        "key": key,
        "colorName": color,
        "name": name,
    })
}

fn category(status: &str) -> &'static str {
    match status {
        "To Do" => "new",
        "Done" => "done",
        _ => "indeterminate",
    }
}

/// `project = "KEY" AND updated >= "YYYY-MM-DD HH:MM" ORDER BY …`, read in the account's zone.
fn parse_jql(jql: &str) -> Option<(String, DateTime<Utc>)> {
    let project = jql
        .split("project = \"")
        .nth(1)?
        .split('"')
        .next()?
        .to_string();
    // A search for every key of a project has no bound.
    let Some(since) = jql
        .split("updated >= \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
    else {
        return Some((project, DateTime::<Utc>::MIN_UTC));
    };
    let local = NaiveDateTime::parse_from_str(since, "%Y-%m-%d %H:%M").ok()?;
    let zone: chrono_tz::Tz = ACCOUNT_ZONE.parse().ok()?;
    let at = zone.from_local_datetime(&local).earliest()?;
    Some((project, at.with_timezone(&Utc)))
}

/// `POST /rest/api/3/search/approximate-count` with `{"jql": …}`: how many issues the JQL
/// matches (exact here), as Jira Cloud answers it.
fn approximate_count(state: &mut State, request: &Request) -> Reply {
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(_) => {
            return error(
                400,
                "Invalid request payload. Refer to the REST API documentation and try again.",
            );
        }
    };
    let Some(jql) = body.get("jql").and_then(Value::as_str).map(str::to_string) else {
        return error(400, "The JQL query is required.");
    };
    state.stats.jql.push(jql.clone());
    let Some((project, since)) = parse_jql(&jql) else {
        return error(
            400,
            &format!("Error in the JQL Query: cannot parse `{jql}`"),
        );
    };
    let world = &state.world;
    if !world
        .issues
        .iter()
        .any(|i| i.project.as_deref() == Some(project.as_str()))
    {
        return error(
            400,
            &format!("The value '{project}' does not exist for the field 'project'."),
        );
    }
    let count = world
        .issues
        .iter()
        .filter(|i| i.project.as_deref() == Some(project.as_str()))
        .filter(|i| world.updated(i) >= since)
        .count();
    json_reply(200, Vec::new(), &json!({ "count": count }))
}

fn search(state: &mut State, params: &BTreeMap<String, String>) -> Reply {
    let jql = params.get("jql").cloned().unwrap_or_default();
    state.stats.jql.push(jql.clone());
    let Some((project, since)) = parse_jql(&jql) else {
        return error(
            400,
            &format!("Error in the JQL Query: cannot parse `{jql}`"),
        );
    };
    let world = &state.world;
    if !world
        .issues
        .iter()
        .any(|i| i.project.as_deref() == Some(project.as_str()))
    {
        return error(
            400,
            &format!("The value '{project}' does not exist for the field 'project'."),
        );
    }
    let mut matching: Vec<(DateTime<Utc>, &Issue)> = world
        .issues
        .iter()
        .filter(|i| i.project.as_deref() == Some(project.as_str()))
        .map(|i| (world.updated(i), i))
        .filter(|(u, _)| *u >= since)
        .collect();
    matching.sort_by(|a, b| (a.0, &a.1.key).cmp(&(b.0, &b.1.key)));
    let offset: usize = params
        .get("nextPageToken")
        .and_then(|t| t.strip_prefix("Ch0KC"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let max: usize = params
        .get("maxResults")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
        .clamp(1, 5000);
    let fields: Vec<String> = params
        .get("fields")
        .map(|f| f.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max)
        .map(|(updated, issue)| {
            let mut json = issue_json(world, issue, *updated);
            if fields.iter().any(|f| f == "comment") {
                json["fields"]["comment"] = inline_comments(world, &issue.key);
            }
            json
        })
        .collect();
    let next = offset + page.len();
    let mut body = json!({ "issues": page, "isLast": next >= matching.len() });
    if next < matching.len() {
        body["nextPageToken"] = json!(format!("Ch0KC{next}"));
    }
    json_reply(200, Vec::new(), &body)
}

fn issue_json(world: &JiraWorld, issue: &Issue, updated: DateTime<Utc>) -> Value {
    let status = issue.status.clone().unwrap_or_else(|| "To Do".into());
    let sprint = issue.sprint.as_ref().map(|name| {
        json!([{
            "id": sprint_id(name),
            "name": world.sprint_now(name),
            "state": "closed",
            "boardId": 1,
        }])
    });
    json!({
        "id": issue.key.split('-').next_back().unwrap_or("0"),
        "key": issue.key,
        "self": format!("/rest/api/3/issue/{}", issue.key),
        "fields": {
            "summary": issue.title,
            "status": {
                "name": world.status_name(&status),
                "id": "3",
                "statusCategory": status_category_json(category(&status)),
            },
            "issuetype": issue_type_json(world, issue),
            "labels": issue.labels,
            "assignee": issue.assignee.as_deref().map(|p| user(world, p)),
            "reporter": issue.reporter.as_deref().map(|p| user(world, p)),
            "created": time(issue.created_at),
            "updated": time(updated),
            "project": {"key": issue.project, "name": issue.project},
            "priority": {"name": "Medium"},
            "customfield_10016": issue.estimate,
            "customfield_10020": sprint,
        }
    })
}

/// A sprint's id: stable for its name as the simulator wrote it, unique across projects.
pub fn sprint_id(name: &str) -> i64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in name.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    (hash % 900_000) as i64 + 100_000
}

fn item(world: &JiraWorld, event: &IssueEvent) -> Value {
    let text = |v: &Option<String>| v.clone();
    match event.field.as_str() {
        "status" => json!({
            "field": "status", "fieldtype": "jira", "fieldId": "status",
            "from": event.from.as_deref().map(|_| "1"),
            "fromString": event.from.as_deref().map(|s| world.status_name(s)),
            "to": event.to.as_deref().map(|_| "3"),
            "toString": event.to.as_deref().map(|s| world.status_name(s)),
        }),
        "assignee" => json!({
            "field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
            "from": event.from.as_deref().map(account_id),
            "fromString": event.from.as_deref().map(|p| world.names.get(p).cloned().unwrap_or_default()),
            "to": event.to.as_deref().map(account_id),
            "toString": event.to.as_deref().map(|p| world.names.get(p).cloned().unwrap_or_default()),
        }),
        "title" => json!({
            "field": "summary", "fieldtype": "jira", "fieldId": "summary",
            "from": null, "fromString": text(&event.from), "to": null, "toString": text(&event.to),
        }),
        "sprint" => json!({
            "field": "Sprint", "fieldtype": "custom", "fieldId": "customfield_10020",
            "from": event.from.as_deref().map(|s| sprint_id(s).to_string()).unwrap_or_default(),
            "fromString": event.from.clone().unwrap_or_default(),
            "to": event.to.as_deref().map(|s| sprint_id(s).to_string()).unwrap_or_default(),
            "toString": event.to.clone().unwrap_or_default(),
        }),
        "key" => json!({
            "field": "Key", "fieldtype": "jira", "fieldId": "issuekey",
            "from": null, "fromString": text(&event.from), "to": null, "toString": text(&event.to),
        }),
        "estimate" => json!({
            "field": "Story point estimate", "fieldtype": "custom", "fieldId": "customfield_10016",
            "from": null, "fromString": text(&event.from), "to": null, "toString": text(&event.to),
        }),
        other => json!({
            "field": other, "fieldtype": "jira", "fieldId": other,
            "from": null, "fromString": text(&event.from), "to": null, "toString": text(&event.to),
        }),
    }
}

fn changelog(world: &JiraWorld, key: &str, start_at: usize, max: usize) -> Reply {
    let mut events: Vec<&IssueEvent> = world.events.iter().filter(|e| e.key == key).collect();
    events.sort_by_key(|e| e.at);
    let total = events.len();
    let values: Vec<Value> = events
        .iter()
        .enumerate()
        .skip(start_at)
        .take(max)
        .map(|(i, e)| {
            json!({
                "id": (10_000 + i).to_string(),
                "author": author(world, &e.actor, &world.history_account),
                "created": time(e.at),
                "items": [item(world, e)],
            })
        })
        .collect();
    let is_last = start_at + values.len() >= total;
    json_reply(
        200,
        Vec::new(),
        &json!({
            "self": format!("/rest/api/3/issue/{key}/changelog"),
            "maxResults": max,
            "startAt": start_at,
            "total": total,
            "isLast": is_last,
            "values": values,
        }),
    )
}

/// The `comment` field of a search answer: the first few comments (the fake's page cap) and
/// the total, as Jira gives the first ones and the total.
fn inline_comments(world: &JiraWorld, key: &str) -> Value {
    let mut comments: Vec<&Comment> = world.comments.iter().filter(|c| c.item == key).collect();
    comments.sort_by_key(|c| c.created_at);
    let first: Vec<Value> = comments
        .iter()
        .take(INLINE_COMMENTS)
        .map(|c| {
            json!({
                "author": author(world, &c.author, &world.comment_account),
                "body": {"type": "doc", "version": 1, "content": []},
                "created": time(c.created_at),
            })
        })
        .collect();
    json!({
        "comments": first,
        "maxResults": INLINE_COMMENTS,
        "total": comments.len(),
        "startAt": 0,
    })
}

/// How many comments a search answer carries per issue (Jira's is larger; small here so that
/// the paged remainder is exercised).
const INLINE_COMMENTS: usize = 1;

fn comments(world: &JiraWorld, key: &str, start_at: usize, max: usize) -> Reply {
    let mut comments: Vec<&Comment> = world.comments.iter().filter(|c| c.item == key).collect();
    comments.sort_by_key(|c| c.created_at);
    let total = comments.len();
    let page: Vec<Value> = comments
        .iter()
        .enumerate()
        .skip(start_at)
        .take(max)
        .map(|(i, c)| {
            json!({
                "id": (20_000 + i).to_string(),
                "author": author(world, &c.author, &world.comment_account),
                "body": {"type": "doc", "version": 1, "content": []},
                "created": time(c.created_at),
                "updated": time(c.created_at),
            })
        })
        .collect();
    json_reply(
        200,
        Vec::new(),
        &json!({ "startAt": start_at, "maxResults": max, "total": total, "comments": page }),
    )
}

fn remote_links(world: &JiraWorld, key: &str) -> Reply {
    let links: Vec<Value> = world
        .issues
        .iter()
        .filter(|i| i.key == key)
        .flat_map(|i| i.linked_prs.iter())
        .enumerate()
        .filter_map(|(n, pr)| {
            let (repo, number) = pr.split_once('#')?;
            Some(json!({
                "id": 30_000 + n,
                "application": {"type": "com.github.integration", "name": "GitHub"},
                "object": {
                    "url": format!("https://github.com/{repo}/pull/{number}"),
                    "title": format!("{repo}#{number}"),
                }
            }))
        })
        .collect();
    json_reply(200, Vec::new(), &Value::Array(links))
}
