//! The GraphQL side: the schema, validation, GitHub's cost formula and an executor whose objects
//! are backed by the world's index.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use teamlens::model::{Comment, IssueEvent, PrCommit, Review};

use super::world::{
    GitHubWorld, Index, NodeRef, Release, TeamIdx, TimelineItem, b64, cursor, decode_cursor,
    graphql_login, is_bot,
};

/// GitHub's published schema, parsed once (tolerating its duplicated fields).
pub fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/github.graphql");
        let sdl = std::fs::read_to_string(path).expect("read github.graphql");
        let schema = match Schema::parse(sdl, "github.graphql") {
            Ok(schema) => schema,
            Err(with_errors) => with_errors.partial,
        };
        Valid::assume_valid(schema)
    })
}

/// The rate-limit numbers a query sees.
#[derive(Debug, Clone, Copy)]
pub struct RateInfo {
    pub cost: u64,
    pub remaining: u64,
    pub limit: u64,
    pub used: u64,
    pub reset_at: DateTime<Utc>,
    pub node_count: u64,
}

/// A validated request, with its cost computed.
pub struct Prepared {
    pub document: Arc<Valid<ExecutableDocument>>,
    pub operation_name: Option<String>,
    pub variables: Valid<JsonMap>,
    pub cost: u64,
    pub node_count: u64,
    pub dry_run: bool,
}

fn error_body(messages: Vec<String>) -> Value {
    json!({"errors": messages.into_iter().map(|m| json!({"message": m})).collect::<Vec<_>>()})
}

/// Parses, validates, coerces variables and prices a request; `Err` is the response body.
pub fn prepare(
    query: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Map<String, Value>,
) -> Result<Prepared, Value> {
    let schema = schema();
    // Clients send the same few documents over and over: keep them parsed and validated.
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Valid<ExecutableDocument>>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let cached = cache.lock().expect("document cache").get(query).cloned();
    let document = match cached {
        Some(document) => document,
        None => {
            let document = ExecutableDocument::parse_and_validate(schema, query, "query.graphql")
                .map_err(|e| {
                error_body(
                    e.errors
                        .iter()
                        .map(|d| d.error.to_string())
                        .collect::<Vec<_>>(),
                )
            })?;
            let document = Arc::new(document);
            let mut cache = cache.lock().expect("document cache");
            if cache.len() > 256 {
                cache.clear();
            }
            cache.insert(query.to_string(), document.clone());
            document
        }
    };
    let operation = document
        .operations
        .get(operation_name)
        .map_err(|e| error_body(vec![e.message().to_string()]))?;
    let raw = match JsonValue::from(Value::Object(variables.clone())) {
        JsonValue::Object(map) => map,
        _ => JsonMap::new(),
    };
    let coerced = apollo_compiler::request::coerce_variable_values(schema, operation, &raw)
        .map_err(|e| error_body(vec![e.message().to_string()]))?;
    let mut walk = CostWalk {
        document: &document,
        variables: &coerced,
        requests: 0,
        nodes: 0,
        errors: Vec::new(),
        dry_run: false,
    };
    walk.walk(&operation.selection_set, 1, true);
    if walk.nodes > 500_000 {
        walk.errors.push(format!(
            "By the time this query traverses to the nodes connection, it is requesting up to {} possible nodes which exceeds the maximum limit of 500,000.",
            walk.nodes
        ));
    }
    if !walk.errors.is_empty() {
        return Err(error_body(walk.errors));
    }
    let cost = ((walk.requests as f64) / 100.0).round().max(1.0) as u64;
    let (nodes, dry_run) = (walk.nodes, walk.dry_run);
    let operation_name = operation.name.as_ref().map(|n| n.to_string());
    Ok(Prepared {
        document,
        operation_name,
        variables: coerced,
        cost,
        node_count: nodes,
        dry_run,
    })
}

struct CostWalk<'d> {
    document: &'d Valid<ExecutableDocument>,
    variables: &'d Valid<JsonMap>,
    requests: u64,
    nodes: u64,
    errors: Vec<String>,
    dry_run: bool,
}

impl CostWalk<'_> {
    fn int_arg(&self, field: &apollo_compiler::executable::Field, name: &str) -> Option<i64> {
        let arg = field.arguments.iter().find(|a| a.name == name)?;
        match arg.value.as_ref() {
            apollo_compiler::ast::Value::Int(i) => i.try_to_i32().ok().map(i64::from),
            apollo_compiler::ast::Value::Variable(v) => {
                self.variables.get(v.as_str()).and_then(|v| v.as_i64())
            }
            _ => None,
        }
    }

    fn bool_arg(&self, field: &apollo_compiler::executable::Field, name: &str) -> bool {
        let Some(arg) = field.arguments.iter().find(|a| a.name == name) else {
            return false;
        };
        match arg.value.as_ref() {
            apollo_compiler::ast::Value::Boolean(b) => *b,
            apollo_compiler::ast::Value::Variable(v) => self
                .variables
                .get(v.as_str())
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            _ => false,
        }
    }

    /// Whether `@include(if:)` / `@skip(if:)` keep a selection.
    fn included(&self, directives: &apollo_compiler::executable::DirectiveList) -> bool {
        let flag = |name: &str| {
            let directive = directives.get(name)?;
            let arg = directive.arguments.iter().find(|a| a.name == "if")?;
            Some(match arg.value.as_ref() {
                apollo_compiler::ast::Value::Boolean(b) => *b,
                apollo_compiler::ast::Value::Variable(v) => self
                    .variables
                    .get(v.as_str())
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                _ => false,
            })
        };
        flag("include") != Some(false) && flag("skip") != Some(true)
    }

    fn walk(&mut self, set: &SelectionSet, multiplier: u64, root: bool) {
        for selection in &set.selections {
            let directives = match selection {
                Selection::Field(f) => &f.directives,
                Selection::InlineFragment(i) => &i.directives,
                Selection::FragmentSpread(s) => &s.directives,
            };
            if !self.included(directives) {
                continue;
            }
            match selection {
                Selection::Field(field) => {
                    if root && field.name == "rateLimit" && self.bool_arg(field, "dryRun") {
                        self.dry_run = true;
                    }
                    let ty = field.definition.ty.inner_named_type().as_str();
                    if !ty.ends_with("Connection") {
                        self.walk(&field.selection_set, multiplier, false);
                        continue;
                    }
                    let count = self
                        .int_arg(field, "first")
                        .or_else(|| self.int_arg(field, "last"));
                    let lists_items = field.selection_set.selections.iter().any(|s| match s {
                        Selection::Field(f) => f.name == "nodes" || f.name == "edges",
                        _ => true,
                    });
                    match count {
                        None if lists_items => self.errors.push(format!(
                            "You must provide a `first` or `last` value to properly paginate the `{}` connection.",
                            field.name
                        )),
                        None => {}
                        Some(n) if !(0..=100).contains(&n) => {
                            let which = if self.int_arg(field, "first").is_some() {
                                "first"
                            } else {
                                "last"
                            };
                            self.errors.push(format!(
                                "Requesting {n} records on the `{}` connection exceeds the `{which}` limit of 100 records.",
                                field.name
                            ))
                        }
                        Some(n) => {
                            let n = n as u64;
                            self.requests += multiplier;
                            self.nodes += multiplier * n;
                            self.walk(&field.selection_set, multiplier * n, false);
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.walk(&inline.selection_set, multiplier, root)
                }
                Selection::FragmentSpread(spread) => {
                    let document = self.document;
                    if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                        self.walk(&fragment.selection_set, multiplier, root);
                    }
                }
            }
        }
    }
}

/// What one execution shares: the world and the side errors (NOT_FOUND …).
pub struct Cx<'w> {
    pub world: &'w GitHubWorld,
    pub index: &'w Index,
    pub rate: RateInfo,
    pub dry_run: bool,
    pub errors: RefCell<Vec<Value>>,
}

fn implementers() -> &'static apollo_compiler::collections::HashMap<
    apollo_compiler::Name,
    apollo_compiler::schema::Implementers,
> {
    static MAP: OnceLock<
        apollo_compiler::collections::HashMap<
            apollo_compiler::Name,
            apollo_compiler::schema::Implementers,
        >,
    > = OnceLock::new();
    MAP.get_or_init(|| schema().implementers_map())
}

/// The response body, serialized straight from the executor's data.
#[derive(serde::Serialize)]
struct Body<'a> {
    data: Option<&'a JsonMap>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Value>,
}

/// Executes a prepared request; returns the response body as JSON text.
pub fn execute(prepared: &Prepared, cx: &Cx<'_>) -> Vec<u8> {
    let schema = schema();
    let execution = match Execution::new(schema, &prepared.document)
        .implementers_map(implementers())
        .operation_name(prepared.operation_name.as_deref())
    {
        Ok(e) => e.coerced_variable_values(&prepared.variables),
        Err(e) => {
            return error_body(vec![e.message().to_string()])
                .to_string()
                .into_bytes();
        }
    };
    let root = O { cx, k: K::Query };
    let response = match execution.execute_sync(&root) {
        Ok(r) => r,
        Err(e) => {
            return error_body(vec![e.message().to_string()])
                .to_string()
                .into_bytes();
        }
    };
    let mut errors: Vec<Value> = cx.errors.borrow().clone();
    for e in &response.errors {
        let mut error = serde_json::to_value(e).unwrap_or_else(|_| json!({"message": e.message}));
        if let Some(message) = e.message.strip_prefix("resolver error: ") {
            error["message"] = json!(message);
        }
        errors.push(error);
    }
    let body = Body {
        data: response.data.as_ref(),
        errors,
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

fn ts(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn ts_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map(ts).unwrap_or(Value::Null)
}

fn leaf<'a>(v: Value) -> Result<ResolvedValue<'a>, FieldError> {
    Ok(ResolvedValue::Leaf(JsonValue::from(v)))
}

fn field_error(message: String) -> FieldError {
    FieldError { message }
}

/// `ReadyForReviewEvent` → `READY_FOR_REVIEW_EVENT`.
fn screaming(type_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in type_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn pr_event_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "ready_for_review" => "ReadyForReviewEvent",
        "converted_to_draft" => "ConvertToDraftEvent",
        "review_requested" => "ReviewRequestedEvent",
        "review_request_removed" => "ReviewRequestRemovedEvent",
        "review_dismissed" => "ReviewDismissedEvent",
        "merged" => "MergedEvent",
        "closed" => "ClosedEvent",
        "reopened" => "ReopenedEvent",
        "head_ref_force_pushed" => "HeadRefForcePushedEvent",
        "assigned" => "AssignedEvent",
        _ => return None,
    })
}

/// The timeline type of an issue event, when it has one (`description` edits do not).
pub fn issue_event_type(e: &IssueEvent) -> Option<&'static str> {
    Some(match e.field.as_str() {
        "assignee" if e.to.is_some() => "AssignedEvent",
        "assignee" if e.from.is_some() => "UnassignedEvent",
        "labels" if e.to.is_some() => "LabeledEvent",
        "labels" if e.from.is_some() => "UnlabeledEvent",
        "title" => "RenamedTitleEvent",
        "status" if e.to.as_deref().map(str::to_lowercase).as_deref() == Some("closed") => {
            "ClosedEvent"
        }
        "status" if e.to.as_deref().map(str::to_lowercase).as_deref() == Some("open") => {
            "ReopenedEvent"
        }
        _ => return None,
    })
}

/// A page of a connection.
struct Page<'w> {
    type_name: String,
    items: Vec<K<'w>>,
    start: usize,
    total: usize,
    has_next: bool,
    has_previous: bool,
}

/// The kinds of object the fake serves.
#[derive(Clone)]
enum K<'w> {
    Query,
    RateLimit,
    Repo(usize),
    Org(&'w (String, Vec<usize>)),
    OrgTeam(&'w TeamIdx),
    /// A team member: person id and team role.
    Member(&'w str, &'static str),
    Pr(usize, usize),
    Review(&'w Review),
    Thread(usize, usize, usize),
    Comment(&'w Comment, &'static str),
    Actor(&'w str),
    TeamRef(&'w str),
    PrEvent(&'w TimelineItem, &'static str),
    PrCommit(&'w PrCommit),
    Commit(&'w PrCommit),
    GitActor(&'w PrCommit, bool),
    File(usize),
    Label(&'w str),
    Deployment(usize),
    DeploymentStatus(usize),
    Release(&'w Release),
    Oid(&'w str),
    /// A git ref, by name.
    Ref(&'w str),
    Issue(usize, usize),
    IssueEvent(&'w IssueEvent, &'static str),
    Edit(&'w IssueEvent),
    Conn(Rc<Page<'w>>),
    Edge(Rc<Page<'w>>, usize, String),
    PageInfo(Rc<Page<'w>>),
}

struct O<'w> {
    cx: &'w Cx<'w>,
    k: K<'w>,
}

impl<'w> O<'w> {
    fn obj<'a>(&self, k: K<'w>) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        Ok(ResolvedValue::object(O { cx: self.cx, k }))
    }

    fn actor<'a>(&self, person: Option<&'w str>) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        match person {
            Some(p) => self.obj(K::Actor(p)),
            None => leaf(Value::Null),
        }
    }

    fn list<'a>(&self, items: Vec<K<'w>>) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        let cx = self.cx;
        Ok(ResolvedValue::list(
            items
                .into_iter()
                .map(move |k| ResolvedValue::object(O { cx, k })),
        ))
    }

    /// Pages `items` by the field's `first`/`after`/`last`/`before`.
    fn conn<'a>(
        &self,
        info: &ResolveInfo<'_>,
        mut items: Vec<K<'w>>,
        total: Option<usize>,
    ) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        let args = info.arguments();
        let int = |name: &str| args.get(name).and_then(JsonValue::as_i64);
        let pos = |name: &str| -> Result<Option<usize>, FieldError> {
            match args.get(name).and_then(JsonValue::as_str) {
                None => Ok(None),
                Some(c) => decode_cursor(c).map(Some).ok_or_else(|| {
                    field_error(format!("`{c}` does not appear to be a valid cursor."))
                }),
            }
        };
        let n = items.len();
        let mut start = 0;
        let mut end = n;
        if let Some(a) = pos("after")? {
            start = (a + 1).min(n);
        }
        if let Some(b) = pos("before")? {
            end = b.min(n).max(start);
        }
        for (name, value) in [("first", int("first")), ("last", int("last"))] {
            if let Some(v) = value
                && !(0..=100).contains(&v)
            {
                return Err(field_error(format!(
                    "Requesting {v} records on the `{}` connection exceeds the `{name}` limit of 100 records.",
                    info.field_name()
                )));
            }
        }
        if let Some(f) = int("first") {
            end = end.min(start + f as usize);
        }
        if let Some(l) = int("last") {
            start = start.max(end.saturating_sub(l as usize));
        }
        let window: Vec<K<'w>> = items.drain(start..end).collect();
        let page = Page {
            type_name: info.field_definition().ty.inner_named_type().to_string(),
            items: window,
            start,
            total: total.unwrap_or(n),
            has_next: end < n,
            has_previous: start > 0,
        };
        self.obj(K::Conn(Rc::new(page)))
    }

    fn pr_items(&self, ri: usize, info: &ResolveInfo<'_>) -> Vec<K<'w>> {
        let index = self.cx.index;
        let data = &self.cx.world.data;
        let repo = &index.repos[ri];
        let states = string_list(info, "states");
        let mut order: Vec<usize> = (0..repo.prs.len())
            .filter(|&pi| {
                let row = &data.pull_requests[repo.prs[pi].row];
                states.is_empty() || states.contains(&pr_state(row.state.as_deref()).to_string())
            })
            .collect();
        apply_order(info, &mut order, |pi| {
            let pr = &repo.prs[pi];
            (
                data.pull_requests[pr.row].created_at,
                pr.updated_at,
                pr.number,
            )
        });
        order.into_iter().map(|pi| K::Pr(ri, pi)).collect()
    }

    fn issue_items(&self, ri: usize, info: &ResolveInfo<'_>) -> Vec<K<'w>> {
        let data = &self.cx.world.data;
        let repo = &self.cx.index.repos[ri];
        let states = string_list(info, "states");
        let mut order: Vec<usize> = (0..repo.issues.len())
            .filter(|&ii| {
                let row = &data.issues[repo.issues[ii].row];
                states.is_empty() || states.contains(&issue_state(row).to_string())
            })
            .collect();
        apply_order(info, &mut order, |ii| {
            let issue = &repo.issues[ii];
            (
                data.issues[issue.row].created_at,
                issue.updated_at,
                issue.number,
            )
        });
        order.into_iter().map(|ii| K::Issue(ri, ii)).collect()
    }

    fn search(&self, query: &str) -> Vec<K<'w>> {
        let index = self.cx.index;
        let data = &self.cx.world.data;
        let mut repos: Option<Vec<usize>> = None;
        let (mut prs, mut issues) = (true, true);
        let mut updated: Vec<(String, DateTime<Utc>)> = Vec::new();
        for token in query.split_whitespace() {
            if let Some(name) = token.strip_prefix("repo:") {
                repos.get_or_insert_with(Vec::new).extend(index.repo(name));
            } else if let Some(org) = token.strip_prefix("org:") {
                if let Some((_, rs)) = index.orgs.get(&org.to_lowercase()) {
                    repos.get_or_insert_with(Vec::new).extend(rs);
                } else {
                    repos.get_or_insert_with(Vec::new);
                }
            } else if token == "is:pr" || token == "type:pr" {
                issues = false;
            } else if token == "is:issue" || token == "type:issue" {
                prs = false;
            } else if let Some(cond) = token.strip_prefix("updated:") {
                let (op, date) = [">=", "<=", ">", "<"]
                    .iter()
                    .find_map(|op| cond.strip_prefix(op).map(|d| (op.to_string(), d)))
                    .unwrap_or(("=".to_string(), cond));
                if let Some(at) = parse_when(date) {
                    updated.push((op, at));
                }
            }
        }
        let keep = |t: DateTime<Utc>| {
            updated.iter().all(|(op, at)| match op.as_str() {
                ">=" => t >= *at,
                ">" => t > *at,
                "<=" => t <= *at,
                "<" => t < *at,
                _ => t.date_naive() == at.date_naive(),
            })
        };
        let repos = repos.unwrap_or_else(|| (0..index.repos.len()).collect());
        let mut out = Vec::new();
        for ri in repos {
            let repo = &index.repos[ri];
            if prs {
                for (pi, pr) in repo.prs.iter().enumerate() {
                    if keep(pr.updated_at) {
                        out.push((pr.updated_at, K::Pr(ri, pi)));
                    }
                }
            }
            if issues {
                for (ii, issue) in repo.issues.iter().enumerate() {
                    if keep(issue.updated_at) {
                        out.push((issue.updated_at, K::Issue(ri, ii)));
                    }
                }
            }
        }
        let _ = data;
        out.sort_by_key(|item| std::cmp::Reverse(item.0));
        out.into_iter().map(|(_, k)| k).collect()
    }
}

fn parse_when(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn string_list(info: &ResolveInfo<'_>, name: &str) -> Vec<String> {
    info.arguments()
        .get(name)
        .and_then(JsonValue::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Orders by `orderBy: {field, direction}` (CREATED_AT or UPDATED_AT; ties by number); without
/// `orderBy`, by number ascending.
fn apply_order(
    info: &ResolveInfo<'_>,
    order: &mut [usize],
    key: impl Fn(usize) -> (DateTime<Utc>, DateTime<Utc>, i64),
) {
    let order_by = info
        .arguments()
        .get("orderBy")
        .and_then(JsonValue::as_object);
    let field = order_by
        .and_then(|o| o.get("field"))
        .and_then(JsonValue::as_str)
        .unwrap_or("");
    let desc = order_by
        .and_then(|o| o.get("direction"))
        .and_then(JsonValue::as_str)
        == Some("DESC");
    order.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        let ord = match field {
            "UPDATED_AT" => (ka.1, ka.2).cmp(&(kb.1, kb.2)),
            "CREATED_AT" => (ka.0, ka.2).cmp(&(kb.0, kb.2)),
            _ => ka.2.cmp(&kb.2),
        };
        if desc { ord.reverse() } else { ord }
    });
}

fn pr_state(state: Option<&str>) -> &'static str {
    match state {
        Some("merged") => "MERGED",
        Some("closed") => "CLOSED",
        _ => "OPEN",
    }
}

fn issue_state(issue: &teamlens::model::Issue) -> &'static str {
    if issue.status_category.as_deref() == Some("done") {
        "CLOSED"
    } else {
        "OPEN"
    }
}

/// The body GitHub shows for a PR row: a revert line, then one `Closes KEY` per linked issue.
pub fn pr_body(pr: &teamlens::model::PullRequest) -> String {
    let mut lines = Vec::new();
    if let Some(n) = pr.reverts_number {
        lines.push(format!("Reverts {}#{n}", pr.repo));
    }
    for key in &pr.linked_issues {
        lines.push(format!("Closes {key}"));
    }
    lines.extend(pr.attribution.iter().cloned());
    lines.join("\n")
}

/// A commit's message after its first line, as GitHub holds it: the attribution lines, then
/// the trailers as the last paragraph.
pub fn commit_body(c: &PrCommit) -> String {
    let mut parts = Vec::new();
    if !c.attribution.is_empty() {
        parts.push(c.attribution.join("\n"));
    }
    if !c.trailers.is_empty() {
        parts.push(c.trailers.join("\n"));
    }
    parts.join("\n\n")
}

/// The e-mail address GitHub shows for a commit author or committer login.
pub fn noreply_email(login: &str) -> String {
    if is_bot(login) {
        format!("49699333+{login}@users.noreply.github.com")
    } else {
        format!("{login}@users.noreply.github.com")
    }
}

/// A commit's author date in the author's offset.
pub fn authored_local(c: &PrCommit) -> String {
    let offset = FixedOffset::east_opt((c.author_tz_offset_minutes.unwrap_or(0) * 60) as i32)
        .unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
    c.authored_at
        .with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl<'w> ObjectValue for O<'w> {
    fn type_name(&self) -> &str {
        match &self.k {
            K::Query => "Query",
            K::RateLimit => "RateLimit",
            K::Repo(_) => "Repository",
            K::Org(_) => "Organization",
            K::OrgTeam(_) | K::TeamRef(_) => "Team",
            K::Member(..) => "User",
            K::Pr(..) => "PullRequest",
            K::Review(_) => "PullRequestReview",
            K::Thread(..) => "PullRequestReviewThread",
            K::Comment(_, t) => t,
            K::Actor(p) => {
                if is_bot(self.cx.world.login_ref(p)) {
                    "Bot"
                } else {
                    "User"
                }
            }
            K::PrEvent(_, t) | K::IssueEvent(_, t) => t,
            K::PrCommit(_) => "PullRequestCommit",
            K::Commit(_) | K::Oid(_) => "Commit",
            K::Ref(_) => "Ref",
            K::GitActor(..) => "GitActor",
            K::File(_) => "PullRequestChangedFile",
            K::Label(_) => "Label",
            K::Deployment(_) => "Deployment",
            K::DeploymentStatus(_) => "DeploymentStatus",
            K::Release(_) => "Release",
            K::Issue(..) => "Issue",
            K::Edit(_) => "UserContentEdit",
            K::Conn(page) => &page.type_name,
            K::Edge(_, _, t) => t,
            K::PageInfo(_) => "PageInfo",
        }
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let cx = self.cx;
        let world = cx.world;
        let data = &world.data;
        let index = cx.index;
        let field = info.field_name();
        let args = info.arguments();
        let arg_str = |name: &str| args.get(name).and_then(JsonValue::as_str);
        let unknown = || Err(self.unknown_field_error(info));
        let response_key = || info.field_selections()[0].response_key().to_string();
        match &self.k {
            K::Query => {
                if cx.dry_run && field != "rateLimit" {
                    return Ok(ResolvedValue::SkipForPartialExecution);
                }
                match field {
                    "rateLimit" => self.obj(K::RateLimit),
                    "repository" => {
                        let name = format!(
                            "{}/{}",
                            arg_str("owner").unwrap_or(""),
                            arg_str("name").unwrap_or("")
                        );
                        match index.repo(&name) {
                            Some(ri) => self.obj(K::Repo(ri)),
                            None => {
                                cx.errors.borrow_mut().push(json!({
                                    "type": "NOT_FOUND",
                                    "path": [response_key()],
                                    "locations": [],
                                    "message": format!("Could not resolve to a Repository with the name '{name}'."),
                                }));
                                leaf(Value::Null)
                            }
                        }
                    }
                    "organization" => {
                        let login = arg_str("login").unwrap_or("");
                        match index.orgs.get(&login.to_lowercase()) {
                            Some(org) => self.obj(K::Org(org)),
                            None => {
                                cx.errors.borrow_mut().push(json!({
                                    "type": "NOT_FOUND",
                                    "path": [response_key()],
                                    "locations": [],
                                    "message": format!("Could not resolve to an Organization with the login of '{login}'."),
                                }));
                                leaf(Value::Null)
                            }
                        }
                    }
                    "node" => {
                        let id = arg_str("id").unwrap_or("");
                        match index.nodes.get(id) {
                            Some(NodeRef::Pr(r, p)) => self.obj(K::Pr(*r, *p)),
                            Some(NodeRef::Issue(r, i)) => self.obj(K::Issue(*r, *i)),
                            Some(NodeRef::Thread(r, p, t)) => self.obj(K::Thread(*r, *p, *t)),
                            None => {
                                cx.errors.borrow_mut().push(json!({
                                    "type": "NOT_FOUND",
                                    "path": [response_key()],
                                    "locations": [],
                                    "message": format!("Could not resolve to a node with the global id of '{id}'"),
                                }));
                                leaf(Value::Null)
                            }
                        }
                    }
                    "search" => {
                        let items = self.search(arg_str("query").unwrap_or(""));
                        self.conn(info, items, None)
                    }
                    _ => unknown(),
                }
            }
            K::RateLimit => {
                let r = cx.rate;
                match field {
                    "cost" => leaf(json!(r.cost)),
                    "remaining" => leaf(json!(r.remaining)),
                    "limit" => leaf(json!(r.limit)),
                    "used" => leaf(json!(r.used)),
                    "nodeCount" => leaf(json!(r.node_count)),
                    "resetAt" => leaf(ts(r.reset_at)),
                    _ => unknown(),
                }
            }
            K::Repo(ri) => {
                let ri = *ri;
                let repo = &index.repos[ri];
                let name = repo.name_with_owner.as_str();
                match field {
                    "id" => leaf(json!(format!("R_{}", b64(name)))),
                    "name" => leaf(json!(name.split_once('/').map_or(name, |(_, n)| n))),
                    "nameWithOwner" => leaf(json!(name)),
                    "url" => leaf(json!(format!("https://github.com/{name}"))),
                    "hasIssuesEnabled" => leaf(json!(true)),
                    "isArchived" | "isFork" | "isPrivate" => leaf(json!(false)),
                    "pushedAt" => leaf(ts_opt(repo.pushed_at)),
                    "defaultBranchRef" => self.obj(K::Ref("main")),
                    "pullRequests" => {
                        let items = self.pr_items(ri, info);
                        self.conn(info, items, None)
                    }
                    "issues" => {
                        let items = self.issue_items(ri, info);
                        self.conn(info, items, None)
                    }
                    "pullRequest" => {
                        let n = args.get("number").and_then(JsonValue::as_i64).unwrap_or(0);
                        match repo.pr_by_number.get(&n) {
                            Some(&pi) => self.obj(K::Pr(ri, pi)),
                            None => leaf(Value::Null),
                        }
                    }
                    "issue" => {
                        let n = args.get("number").and_then(JsonValue::as_i64).unwrap_or(0);
                        match repo.issue_by_number.get(&n) {
                            Some(&ii) => self.obj(K::Issue(ri, ii)),
                            None => leaf(Value::Null),
                        }
                    }
                    "deployments" => {
                        let envs = string_list(info, "environments");
                        let items = repo
                            .deployments
                            .iter()
                            .filter(|&&d| {
                                envs.is_empty()
                                    || data.deployments[d]
                                        .environment
                                        .as_ref()
                                        .is_some_and(|e| envs.contains(e))
                            })
                            .map(|&d| K::Deployment(d))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "releases" => {
                        let items = repo
                            .releases
                            .iter()
                            .map(|&r| K::Release(&world.releases[r]))
                            .collect();
                        self.conn(info, items, None)
                    }
                    _ => unknown(),
                }
            }
            K::Org((login, repos)) => match field {
                "login" | "name" => leaf(json!(login)),
                "id" => leaf(json!(format!("O_{}", b64(login)))),
                "url" => leaf(json!(format!("https://github.com/{login}"))),
                "repositories" => {
                    let items = repos.iter().map(|&r| K::Repo(r)).collect();
                    self.conn(info, items, None)
                }
                "teams" => {
                    let items = index.teams.iter().map(K::OrgTeam).collect();
                    self.conn(info, items, None)
                }
                "team" => {
                    let slug = arg_str("slug").unwrap_or("");
                    match index.teams.iter().find(|t| t.slug == slug) {
                        Some(t) => self.obj(K::OrgTeam(t)),
                        None => leaf(Value::Null),
                    }
                }
                _ => unknown(),
            },
            K::OrgTeam(team) => match field {
                "slug" => leaf(json!(team.slug)),
                "name" => leaf(json!(team.name)),
                "id" => leaf(json!(format!("T_{}", b64(&team.slug)))),
                "members" => {
                    let items = team
                        .members
                        .iter()
                        .map(|(p, role)| K::Member(p.as_str(), role))
                        .collect();
                    self.conn(info, items, None)
                }
                _ => unknown(),
            },
            K::TeamRef(slug) => match field {
                "slug" | "name" => leaf(json!(slug)),
                "id" => leaf(json!(format!("T_{}", b64(slug)))),
                _ => unknown(),
            },
            K::Actor(person) | K::Member(person, _) => {
                let login = world.login(person);
                match field {
                    "login" => leaf(json!(graphql_login(&login))),
                    "id" => leaf(json!(format!("U_{}", b64(&login)))),
                    "url" => leaf(json!(format!(
                        "https://github.com/{}",
                        graphql_login(&login)
                    ))),
                    "name" => {
                        let name = data
                            .people
                            .iter()
                            .find(|p| p.person == *person)
                            .and_then(|p| p.display_name.clone());
                        leaf(json!(name))
                    }
                    _ => unknown(),
                }
            }
            K::Pr(ri, pi) => {
                let (ri, pi) = (*ri, *pi);
                let idx = &index.repos[ri].prs[pi];
                let pr = &data.pull_requests[idx.row];
                match field {
                    "id" => leaf(json!(idx.id)),
                    "number" => leaf(json!(pr.number)),
                    "title" => leaf(json!(pr.title.clone().unwrap_or_default())),
                    "url" | "permalink" => leaf(json!(pr.url.clone().unwrap_or_else(|| format!(
                        "https://github.com/{}/pull/{}",
                        pr.repo, pr.number
                    )))),
                    "body" => leaf(json!(pr_body(pr))),
                    "createdAt" => leaf(ts(pr.created_at)),
                    "updatedAt" => leaf(ts(idx.updated_at)),
                    "mergedAt" => leaf(ts_opt(pr.merged_at)),
                    "closedAt" => leaf(ts_opt(pr.closed_at)),
                    "isDraft" => leaf(json!(pr.draft == Some(true) || pr.ready_at.is_none())),
                    "state" => leaf(json!(pr_state(pr.state.as_deref()))),
                    "merged" => leaf(json!(pr.state.as_deref() == Some("merged"))),
                    "additions" => leaf(json!(pr.additions.unwrap_or(0))),
                    "deletions" => leaf(json!(pr.deletions.unwrap_or(0))),
                    "changedFiles" => leaf(json!(pr.changed_files.unwrap_or(0))),
                    "baseRefName" => leaf(json!(pr.base_ref.clone().unwrap_or("main".into()))),
                    "headRefName" => leaf(json!(format!("feature/{}", pr.number))),
                    "author" => self.actor(Some(pr.author.as_str())),
                    "mergedBy" => self.actor(pr.merged_by.as_deref()),
                    "repository" => self.obj(K::Repo(ri)),
                    "labels" => {
                        let items = pr.labels.iter().map(|l| K::Label(l.as_str())).collect();
                        self.conn(info, items, None)
                    }
                    "closingIssuesReferences" => {
                        let items = world
                            .closing_issues
                            .get(&(pr.repo.clone(), pr.number))
                            .into_iter()
                            .flatten()
                            .filter_map(|(repo, n)| {
                                let r = index.repo(repo)?;
                                let i = *index.repos[r].issue_by_number.get(n)?;
                                Some(K::Issue(r, i))
                            })
                            .collect();
                        self.conn(info, items, None)
                    }
                    "reviews" => {
                        let items = idx
                            .reviews
                            .iter()
                            .map(|&r| K::Review(&data.reviews[r]))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "reviewThreads" => {
                        let items = (0..idx.threads.len())
                            .map(|t| K::Thread(ri, pi, t))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "comments" => {
                        let items = idx
                            .comments
                            .iter()
                            .map(|&c| K::Comment(&data.comments[c], "IssueComment"))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "timelineItems" => {
                        let types = string_list(info, "itemTypes");
                        let items = idx
                            .timeline
                            .iter()
                            .filter_map(|t| Some((t, pr_event_type(&t.kind)?)))
                            .filter(|(_, ty)| types.is_empty() || types.contains(&screaming(ty)))
                            .map(|(t, ty)| K::PrEvent(t, ty))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "commits" => {
                        let items = idx
                            .commits
                            .iter()
                            .map(|&c| K::PrCommit(&data.pr_commits[c]))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "files" => {
                        let items = idx.files.iter().map(|&f| K::File(f)).collect();
                        self.conn(info, items, None)
                    }
                    _ => unknown(),
                }
            }
            K::Review(r) => match field {
                "author" => self.actor(Some(r.reviewer.as_str())),
                "state" => leaf(json!(r.state.to_uppercase())),
                "submittedAt" | "createdAt" => leaf(ts(r.submitted_at)),
                "body" => leaf(json!("")),
                "comments" => self.conn(
                    info,
                    Vec::new(),
                    Some(r.comment_count.unwrap_or(0).max(0) as usize),
                ),
                _ => unknown(),
            },
            K::Thread(ri, pi, t) => match field {
                "id" => leaf(json!(index.thread_id(*ri, *pi, *t))),
                "isResolved" | "isOutdated" | "isCollapsed" => leaf(json!(false)),
                "comments" => {
                    let items = index.repos[*ri].prs[*pi].threads[*t]
                        .iter()
                        .map(|&c| K::Comment(&data.comments[c], "PullRequestReviewComment"))
                        .collect();
                    self.conn(info, items, None)
                }
                _ => unknown(),
            },
            K::Comment(c, _) => match field {
                "author" => self.actor(Some(c.author.as_str())),
                "createdAt" | "publishedAt" | "updatedAt" => leaf(ts(c.created_at)),
                "body" => leaf(json!("")),
                _ => unknown(),
            },
            K::PrEvent(t, _) => match field {
                "createdAt" => leaf(ts(t.at)),
                "actor" => self.actor(t.actor.as_deref()),
                "requestedReviewer" => match t.requested.as_deref() {
                    Some(r) => match r.strip_prefix("team:") {
                        Some(slug) => self.obj(K::TeamRef(slug)),
                        None => self.obj(K::Actor(r)),
                    },
                    None => leaf(Value::Null),
                },
                _ => unknown(),
            },
            K::PrCommit(c) => match field {
                "commit" => self.obj(K::Commit(c)),
                "id" => leaf(json!(format!("PURC_{}", b64(&c.sha)))),
                _ => unknown(),
            },
            K::Commit(c) => match field {
                "oid" => leaf(json!(c.sha)),
                "abbreviatedOid" => leaf(json!(c.sha.chars().take(7).collect::<String>())),
                "messageHeadline" => leaf(json!(c.message_headline.clone().unwrap_or_default())),
                "messageBody" => leaf(json!(commit_body(c))),
                "message" => leaf(json!(format!(
                    "{}\n\n{}",
                    c.message_headline.clone().unwrap_or_default(),
                    commit_body(c)
                ))),
                "authoredDate" | "committedDate" => leaf(ts(c.authored_at)),
                "author" => self.obj(K::GitActor(c, true)),
                "committer" => self.obj(K::GitActor(c, false)),
                "parents" => {
                    let n = if c.is_merge == Some(true) { 2 } else { 1 };
                    self.conn(info, Vec::new(), Some(n))
                }
                _ => unknown(),
            },
            K::Ref(name) => match field {
                "name" => leaf(json!(name)),
                "prefix" => leaf(json!("refs/heads/")),
                _ => unknown(),
            },
            K::Oid(sha) => match field {
                "oid" => leaf(json!(sha)),
                _ => unknown(),
            },
            K::GitActor(c, is_author) => {
                let person = if *is_author {
                    c.author.as_str()
                } else {
                    c.committer.as_deref().unwrap_or(c.author.as_str())
                };
                let login = world.login(person);
                match field {
                    "date" => leaf(json!(authored_local(c))),
                    "email" => leaf(json!(noreply_email(&login))),
                    "name" => leaf(json!(login)),
                    "user" => {
                        if is_bot(&login) {
                            leaf(Value::Null)
                        } else {
                            self.obj(K::Actor(person))
                        }
                    }
                    _ => unknown(),
                }
            }
            K::File(f) => {
                let f = &data.file_changes[*f];
                match field {
                    "path" => leaf(json!(f.path)),
                    "additions" => leaf(json!(f.additions.unwrap_or(0))),
                    "deletions" => leaf(json!(f.deletions.unwrap_or(0))),
                    "changeType" => leaf(json!("MODIFIED")),
                    _ => unknown(),
                }
            }
            K::Label(name) => match field {
                "name" => leaf(json!(name)),
                _ => unknown(),
            },
            K::Deployment(d) => {
                let dep = &data.deployments[*d];
                match field {
                    "databaseId" => leaf(json!(*d as i64 + 1)),
                    "id" => leaf(json!(format!("DE_{}", b64(&d.to_string())))),
                    "environment" => leaf(json!(dep.environment)),
                    "commitOid" => leaf(json!(dep.sha.clone().unwrap_or_default())),
                    "createdAt" | "updatedAt" => leaf(ts(dep.at)),
                    "latestStatus" => self.obj(K::DeploymentStatus(*d)),
                    _ => unknown(),
                }
            }
            K::DeploymentStatus(d) => {
                let dep = &data.deployments[*d];
                match field {
                    "state" => leaf(json!(
                        dep.status.as_deref().unwrap_or("success").to_uppercase()
                    )),
                    "createdAt" | "updatedAt" => leaf(ts(dep.at)),
                    _ => unknown(),
                }
            }
            K::Release(r) => match field {
                "tagName" | "name" => leaf(json!(r.tag)),
                "createdAt" | "publishedAt" => leaf(ts(r.at)),
                "isDraft" | "isPrerelease" => leaf(json!(false)),
                "tagCommit" => self.obj(K::Oid(r.sha.as_str())),
                "url" => leaf(json!(format!(
                    "https://github.com/{}/releases/tag/{}",
                    r.repo, r.tag
                ))),
                _ => unknown(),
            },
            K::Issue(ri, ii) => {
                let idx = &index.repos[*ri].issues[*ii];
                let issue = &data.issues[idx.row];
                match field {
                    "id" => leaf(json!(idx.id)),
                    "number" => leaf(json!(idx.number)),
                    "title" => leaf(json!(issue.title.clone().unwrap_or_default())),
                    "url" => leaf(json!(issue.url.clone().unwrap_or_else(|| format!(
                        "https://github.com/{}/issues/{}",
                        index.repos[*ri].name_with_owner, idx.number
                    )))),
                    "body" => leaf(json!("")),
                    "createdAt" => leaf(ts(issue.created_at)),
                    "updatedAt" => leaf(ts(idx.updated_at)),
                    "closedAt" => leaf(ts_opt(if issue_state(issue) == "CLOSED" {
                        issue.resolved_at
                    } else {
                        None
                    })),
                    "state" => leaf(json!(issue_state(issue))),
                    "author" => self.actor(issue.reporter.as_deref()),
                    "repository" => self.obj(K::Repo(*ri)),
                    "assignees" => {
                        let items = issue
                            .assignee
                            .iter()
                            .map(|a| K::Actor(a.as_str()))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "labels" => {
                        let items = issue.labels.iter().map(|l| K::Label(l.as_str())).collect();
                        self.conn(info, items, None)
                    }
                    "userContentEdits" => {
                        let items = idx
                            .edits
                            .iter()
                            .map(|&e| K::Edit(&data.issue_events[e]))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "timelineItems" => {
                        let types = string_list(info, "itemTypes");
                        let items = idx
                            .events
                            .iter()
                            .map(|&e| &data.issue_events[e])
                            .filter_map(|e| Some((e, issue_event_type(e)?)))
                            .filter(|(_, ty)| types.is_empty() || types.contains(&screaming(ty)))
                            .map(|(e, ty)| K::IssueEvent(e, ty))
                            .collect();
                        self.conn(info, items, None)
                    }
                    "comments" => {
                        let items = idx
                            .comments
                            .iter()
                            .map(|&c| K::Comment(&data.comments[c], "IssueComment"))
                            .collect();
                        self.conn(info, items, None)
                    }
                    _ => unknown(),
                }
            }
            K::IssueEvent(e, ty) => match field {
                "createdAt" => leaf(ts(e.at)),
                "actor" => self.actor(Some(e.actor.as_str())),
                "assignee" => {
                    let who = if *ty == "AssignedEvent" {
                        &e.to
                    } else {
                        &e.from
                    };
                    self.actor(who.as_deref())
                }
                "label" => {
                    let name = if *ty == "LabeledEvent" {
                        &e.to
                    } else {
                        &e.from
                    };
                    match name {
                        Some(n) => self.obj(K::Label(n.as_str())),
                        None => leaf(Value::Null),
                    }
                }
                "previousTitle" => leaf(json!(e.from.clone().unwrap_or_default())),
                "currentTitle" => leaf(json!(e.to.clone().unwrap_or_default())),
                _ => unknown(),
            },
            K::Edit(e) => match field {
                "editedAt" | "createdAt" | "updatedAt" => leaf(ts(e.at)),
                "editor" => self.actor(Some(e.actor.as_str())),
                _ => unknown(),
            },
            K::Conn(page) => match field {
                "totalCount" | "issueCount" => leaf(json!(page.total)),
                "nodes" => self.list(page.items.clone()),
                "edges" => {
                    let ty = info.field_definition().ty.inner_named_type().to_string();
                    let items = (0..page.items.len())
                        .map(|i| K::Edge(page.clone(), i, ty.clone()))
                        .collect();
                    self.list(items)
                }
                "pageInfo" => self.obj(K::PageInfo(page.clone())),
                _ => unknown(),
            },
            K::Edge(page, i, _) => match field {
                "node" => self.obj(page.items[*i].clone()),
                "cursor" => leaf(json!(cursor(page.start + i))),
                "role" => match &page.items[*i] {
                    K::Member(_, role) => leaf(json!(role)),
                    _ => unknown(),
                },
                _ => unknown(),
            },
            K::PageInfo(page) => {
                let last = page.start + page.items.len();
                match field {
                    "hasNextPage" => leaf(json!(page.has_next)),
                    "hasPreviousPage" => leaf(json!(page.has_previous)),
                    "endCursor" => leaf(if page.items.is_empty() {
                        Value::Null
                    } else {
                        json!(cursor(last - 1))
                    }),
                    "startCursor" => leaf(if page.items.is_empty() {
                        Value::Null
                    } else {
                        json!(cursor(page.start))
                    }),
                    _ => unknown(),
                }
            }
        }
    }
}
