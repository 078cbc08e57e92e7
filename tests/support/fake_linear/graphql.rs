//! The GraphQL side of the fake Linear: Linear's published schema, validation of every document
//! received, and an executor (`apollo_compiler::resolvers`) whose objects are the world's.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::world::{Hist, LinearWorld, State};

/// Linear's published schema, parsed once.
pub fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/linear.graphql");
        let sdl = std::fs::read_to_string(path).expect("read linear.graphql");
        let schema = match Schema::parse(sdl, "linear.graphql") {
            Ok(schema) => schema,
            Err(with_errors) => with_errors.partial,
        };
        Valid::assume_valid(schema)
    })
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

/// Linear's error shape: `extensions.code` and a message meant for people.
pub fn linear_error(message: &str, code: &str) -> Value {
    json!({
        "message": message,
        "extensions": {
            "type": code.to_lowercase(),
            "code": code,
            "statusCode": 400,
            "userError": true,
            "userPresentableMessage": message,
        }
    })
}

/// A validated request.
pub struct Prepared {
    pub document: Arc<Valid<ExecutableDocument>>,
    pub operation_name: Option<String>,
    pub variables: Valid<JsonMap>,
}

/// Parses, validates and coerces; `Err` is the answer's body (Linear answers 400 to these).
pub fn prepare(
    query: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Map<String, Value>,
) -> Result<Prepared, Value> {
    let schema = schema();
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Valid<ExecutableDocument>>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let cached = cache.lock().expect("document cache").get(query).cloned();
    let invalid = |messages: Vec<String>| json!({"errors": messages.iter().map(|m| linear_error(m, "GRAPHQL_VALIDATION_FAILED")).collect::<Vec<_>>()});
    let document = match cached {
        Some(document) => document,
        None => {
            let document =
                ExecutableDocument::parse_and_validate(schema, query, "query.graphql")
                    .map_err(|e| invalid(e.errors.iter().map(|d| d.error.to_string()).collect()))?;
            let document = Arc::new(document);
            cache
                .lock()
                .expect("document cache")
                .insert(query.to_string(), document.clone());
            document
        }
    };
    let operation = document
        .operations
        .get(operation_name)
        .map_err(|e| invalid(vec![e.message().to_string()]))?;
    let raw = match JsonValue::from(Value::Object(variables.clone())) {
        JsonValue::Object(map) => map,
        _ => JsonMap::new(),
    };
    let coerced = apollo_compiler::request::coerce_variable_values(schema, operation, &raw)
        .map_err(|e| invalid(vec![e.message().to_string()]))?;
    Ok(Prepared {
        operation_name: operation.name.as_ref().map(|n| n.to_string()),
        document,
        variables: coerced,
    })
}

/// What executing a request needs.
pub struct Cx<'w> {
    pub world: &'w LinearWorld,
    /// Objects served, as a stand-in for Linear's complexity.
    pub served: Cell<u64>,
}

/// Executes a prepared request; the answer's body.
pub fn execute(prepared: &Prepared, cx: &Cx<'_>) -> Value {
    let execution = match Execution::new(schema(), &prepared.document)
        .implementers_map(implementers())
        .operation_name(prepared.operation_name.as_deref())
    {
        Ok(e) => e.coerced_variable_values(&prepared.variables),
        Err(e) => {
            return json!({"errors": [linear_error(&e.message().to_string(), "INVALID_INPUT")]});
        }
    };
    let root = O { cx, k: K::Query };
    let response = match execution.execute_sync(&root) {
        Ok(r) => r,
        Err(e) => {
            return json!({"errors": [linear_error(&e.message().to_string(), "INVALID_INPUT")]});
        }
    };
    let mut body = json!({ "data": serde_json::to_value(&response.data).unwrap_or(Value::Null) });
    if !response.errors.is_empty() {
        body["errors"] = response
            .errors
            .iter()
            .map(|e| {
                let message = e
                    .message
                    .strip_prefix("resolver error: ")
                    .unwrap_or(&e.message);
                linear_error(message, "INVALID_INPUT")
            })
            .collect();
    }
    body
}

fn ts(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn leaf<'a>(v: Value) -> Result<ResolvedValue<'a>, FieldError> {
    Ok(ResolvedValue::Leaf(JsonValue::from(v)))
}

fn field_error(message: String) -> FieldError {
    FieldError { message }
}

/// One page of a connection.
struct Page<'w> {
    type_name: String,
    items: Vec<K<'w>>,
    has_next: bool,
    end_cursor: Option<String>,
}

#[derive(Clone)]
enum K<'w> {
    Query,
    Team(&'w str),
    Issue(usize),
    TeamRef(&'w str),
    Hist(&'w Hist),
    User(usize),
    State(&'w State),
    Cycle(usize),
    Label(usize),
    LabelParent(&'w str),
    Attachment(usize, usize),
    Comment(usize, usize),
    Conn(Rc<Page<'w>>),
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
        self.cx.served.set(self.cx.served.get() + 1);
        Ok(ResolvedValue::object(O { cx: self.cx, k }))
    }

    fn opt<'a>(&self, k: Option<K<'w>>) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        match k {
            Some(k) => self.obj(k),
            None => leaf(Value::Null),
        }
    }

    fn list<'a>(&self, items: Vec<K<'w>>) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        let cx = self.cx;
        cx.served.set(cx.served.get() + items.len() as u64);
        Ok(ResolvedValue::list(
            items
                .into_iter()
                .map(move |k| ResolvedValue::object(O { cx, k })),
        ))
    }

    /// Pages `items` by `first` (Linear's default 50, at most 250) and `after`, a cursor made
    /// by `key` of the item it follows.
    fn conn<'a>(
        &self,
        info: &ResolveInfo<'_>,
        items: Vec<(String, K<'w>)>,
    ) -> Result<ResolvedValue<'a>, FieldError>
    where
        'w: 'a,
    {
        let args = info.arguments();
        let first = args.get("first").and_then(JsonValue::as_i64).unwrap_or(50);
        if !(0..=250).contains(&first) {
            return Err(field_error(format!(
                "Argument Validation Error: first must not be greater than 250 ({first})"
            )));
        }
        let start = match args.get("after").and_then(JsonValue::as_str) {
            None => 0,
            Some(after) => match items.iter().position(|(key, _)| key == after) {
                Some(at) => at + 1,
                None => return Err(field_error(format!("Invalid cursor: {after}"))),
            },
        };
        let end = (start + first as usize).min(items.len());
        let window: Vec<(String, K<'w>)> = items[start..end].to_vec();
        let page = Page {
            type_name: info.field_definition().ty.inner_named_type().to_string(),
            end_cursor: window.last().map(|(key, _)| key.clone()),
            items: window.into_iter().map(|(_, k)| k).collect(),
            has_next: end < items.len(),
        };
        self.obj(K::Conn(Rc::new(page)))
    }
}

/// The `eq` of a string comparator, and the `gt`/`gte` of a date comparator, in a filter.
fn filter_arg(info: &ResolveInfo<'_>) -> Value {
    info.arguments()
        .get("filter")
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or(Value::Null)
}

fn date_of(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

impl<'w> ObjectValue for O<'w> {
    fn type_name(&self) -> &str {
        match &self.k {
            K::Query => "Query",
            K::Team(_) | K::TeamRef(_) => "Team",
            K::Issue(_) => "Issue",
            K::Hist(_) => "IssueHistory",
            K::User(_) => "User",
            K::State(_) => "WorkflowState",
            K::Cycle(_) => "Cycle",
            K::Label(_) | K::LabelParent(_) => "IssueLabel",
            K::Attachment(..) => "Attachment",
            K::Comment(..) => "Comment",
            K::Conn(page) => &page.type_name,
            K::PageInfo(_) => "PageInfo",
        }
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let world = self.cx.world;
        let field = info.field_name();
        let unknown = || Err(self.unknown_field_error(info));
        match &self.k {
            K::Query => match field {
                "issues" => {
                    let filter = filter_arg(info);
                    let team = filter["team"]["key"]["eq"].as_str();
                    let updated = &filter["updatedAt"];
                    let (gt, gte) = (date_of(&updated["gt"]), date_of(&updated["gte"]));
                    let ids: Option<Vec<&str>> = filter["id"]["in"]
                        .as_array()
                        .map(|ids| ids.iter().filter_map(Value::as_str).collect());
                    // Archived issues (trashed ones are archived too) only when asked for.
                    let archived = info
                        .arguments()
                        .get("includeArchived")
                        .and_then(JsonValue::as_bool)
                        .unwrap_or(false);
                    let mut order: Vec<usize> = (0..world.issues.len())
                        .filter(|&i| {
                            let issue = &world.issues[i];
                            team.is_none_or(|t| issue.team == t)
                                && gt.is_none_or(|b| issue.updated_at > b)
                                && gte.is_none_or(|b| issue.updated_at >= b)
                                && ids
                                    .as_ref()
                                    .is_none_or(|ids| ids.contains(&issue.id.as_str()))
                                && (archived || issue.archived_at.is_none())
                        })
                        .collect();
                    // orderBy: updatedAt, newest first, as Linear does.
                    order.sort_by(|&a, &b| {
                        let (a, b) = (&world.issues[a], &world.issues[b]);
                        b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id))
                    });
                    let items = order
                        .into_iter()
                        .map(|i| (world.issues[i].id.clone(), K::Issue(i)))
                        .collect();
                    self.conn(info, items)
                }
                "teams" => {
                    let filter = filter_arg(info);
                    let key = filter["key"]["eq"].as_str();
                    let items = world
                        .teams
                        .iter()
                        .filter(|t| key.is_none_or(|k| k == t.as_str()))
                        .map(|t| (t.clone(), K::Team(t.as_str())))
                        .collect();
                    self.conn(info, items)
                }
                "issue" => {
                    let id = info.arguments().get("id").and_then(JsonValue::as_str);
                    match world.issues.iter().position(|i| {
                        Some(i.id.as_str()) == id || Some(i.identifier.as_str()) == id
                    }) {
                        Some(i) => self.obj(K::Issue(i)),
                        None => Err(field_error("Entity not found: Issue".into())),
                    }
                }
                _ => unknown(),
            },
            K::Team(key) | K::TeamRef(key) => match field {
                "id" => leaf(json!(format!("team-{key}"))),
                "key" => leaf(json!(key)),
                "name" => leaf(json!(format!("Team {key}"))),
                // Archived issues only when asked for, as `issues` counts them.
                "issueCount" => {
                    let archived = info
                        .arguments()
                        .get("includeArchived")
                        .and_then(JsonValue::as_bool)
                        .unwrap_or(false);
                    let count = world
                        .issues
                        .iter()
                        .filter(|i| i.team == *key && (archived || i.archived_at.is_none()))
                        .count();
                    leaf(json!(count))
                }
                _ => unknown(),
            },
            K::Issue(i) => {
                let issue = &world.issues[*i];
                let i = *i;
                match field {
                    "id" => leaf(json!(issue.id)),
                    "identifier" => leaf(json!(issue.identifier)),
                    "title" => leaf(json!(issue.title)),
                    "url" => leaf(json!(issue.url)),
                    "createdAt" => leaf(ts(issue.created_at)),
                    "updatedAt" => leaf(ts(issue.updated_at)),
                    "trashed" => leaf(json!(issue.trashed.then_some(true))),
                    "archivedAt" => leaf(issue.archived_at.map_or(Value::Null, ts)),
                    "previousIdentifiers" => Ok(ResolvedValue::list(
                        issue
                            .previous_identifiers
                            .iter()
                            .map(|p| ResolvedValue::Leaf(JsonValue::from(p.as_str()))),
                    )),
                    "estimate" => leaf(json!(issue.estimate)),
                    "priority" => leaf(json!(issue.priority)),
                    "team" => self.obj(K::TeamRef(issue.team.as_str())),
                    "creator" => self.opt(issue.creator.map(K::User)),
                    "assignee" => self.opt(issue.assignee.map(K::User)),
                    "state" => self.obj(K::State(&issue.state)),
                    "cycle" => self.opt(issue.cycle.map(K::Cycle)),
                    "labels" => self.conn(
                        info,
                        issue
                            .labels
                            .iter()
                            .enumerate()
                            .map(|(n, &l)| (format!("l{n}"), K::Label(l)))
                            .collect(),
                    ),
                    "attachments" => self.conn(
                        info,
                        (0..issue.attachments.len())
                            .map(|n| (format!("a{n}"), K::Attachment(i, n)))
                            .collect(),
                    ),
                    "comments" => self.conn(
                        info,
                        (0..issue.comments.len())
                            .map(|n| (format!("c{n}"), K::Comment(i, n)))
                            .collect(),
                    ),
                    "history" => {
                        // Linear lists history newest first.
                        let items = issue
                            .history
                            .iter()
                            .rev()
                            .map(|h| (h.id.clone(), K::Hist(h)))
                            .collect();
                        self.conn(info, items)
                    }
                    _ => unknown(),
                }
            }
            K::Hist(h) => match field {
                "id" => leaf(json!(h.id)),
                "createdAt" => leaf(ts(h.at)),
                "actor" => self.opt(h.actor.map(K::User)),
                "fromState" => self.opt(h.from_state.as_ref().map(K::State)),
                "toState" => self.opt(h.to_state.as_ref().map(K::State)),
                "fromAssignee" => self.opt(h.from_assignee.map(K::User)),
                "toAssignee" => self.opt(h.to_assignee.map(K::User)),
                "fromTitle" => leaf(json!(h.from_title)),
                "toTitle" => leaf(json!(h.to_title)),
                "updatedDescription" => leaf(json!(h.updated_description.then_some(true))),
                "fromCycle" => self.opt(h.from_cycle.map(K::Cycle)),
                "toCycle" => self.opt(h.to_cycle.map(K::Cycle)),
                "fromEstimate" => leaf(json!(h.from_estimate)),
                "toEstimate" => leaf(json!(h.to_estimate)),
                "fromPriority" => leaf(json!(h.from_priority)),
                "toPriority" => leaf(json!(h.to_priority)),
                "addedLabels" if h.added_labels.is_empty() => leaf(Value::Null),
                "addedLabels" => self.list(h.added_labels.iter().map(|&l| K::Label(l)).collect()),
                "removedLabels" if h.removed_labels.is_empty() => leaf(Value::Null),
                "removedLabels" => {
                    self.list(h.removed_labels.iter().map(|&l| K::Label(l)).collect())
                }
                "fromTeam" => self.opt(h.from_team.as_deref().map(K::TeamRef)),
                "toTeam" => self.opt(h.to_team.as_deref().map(K::TeamRef)),
                _ => unknown(),
            },
            K::User(u) => {
                let user = &world.users[*u];
                match field {
                    "id" => leaf(json!(user.id)),
                    "email" => leaf(json!(user.email)),
                    "displayName" => leaf(json!(user.display_name)),
                    "name" => leaf(json!(user.name)),
                    _ => unknown(),
                }
            }
            K::State(state) => match field {
                "name" => leaf(json!(state.name)),
                "type" => leaf(json!(state.kind)),
                _ => unknown(),
            },
            K::Cycle(c) => {
                let cycle = &world.cycles[*c];
                match field {
                    "id" => leaf(json!(cycle.id)),
                    "number" => leaf(json!(cycle.number as f64)),
                    "name" => leaf(json!(cycle.name)),
                    "startsAt" => leaf(ts(cycle.starts_at)),
                    "endsAt" => leaf(ts(cycle.ends_at)),
                    _ => unknown(),
                }
            }
            K::Label(l) => {
                let label = &world.labels[*l];
                match field {
                    "id" => leaf(json!(label.id)),
                    "name" => leaf(json!(label.name)),
                    "parent" => self.opt(label.parent.as_deref().map(K::LabelParent)),
                    _ => unknown(),
                }
            }
            K::LabelParent(name) => match field {
                "name" => leaf(json!(name)),
                "id" => leaf(json!(format!("group-{name}"))),
                _ => unknown(),
            },
            K::Attachment(i, n) => match field {
                "id" => leaf(json!(format!("{}-attachment-{n}", world.issues[*i].id))),
                "url" => leaf(json!(world.issues[*i].attachments[*n])),
                _ => unknown(),
            },
            K::Comment(i, n) => {
                let comment = &world.issues[*i].comments[*n];
                match field {
                    "id" => leaf(json!(comment.id)),
                    "createdAt" => leaf(ts(comment.at)),
                    "user" => self.obj(K::User(comment.user)),
                    _ => unknown(),
                }
            }
            K::Conn(page) => match field {
                "nodes" => self.list(page.items.clone()),
                "pageInfo" => self.obj(K::PageInfo(page.clone())),
                _ => unknown(),
            },
            K::PageInfo(page) => match field {
                "hasNextPage" => leaf(json!(page.has_next)),
                "hasPreviousPage" => leaf(json!(false)),
                "endCursor" => leaf(json!(page.end_cursor)),
                "startCursor" => leaf(Value::Null),
                _ => unknown(),
            },
        }
    }
}
