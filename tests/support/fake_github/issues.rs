//! The REST issue endpoints `teamlens publish github-issue` uses, on repositories the test
//! registers ([`super::FakeGitHub::add_repository`]), in GitHub's wire format:
//!
//! - `GET /repos/{o}/{n}/issues` (`labels` — every one listed must be on the issue —, `state`
//!   `open`|`closed`|`all`, `sort` `created`|`updated`, `direction`, `per_page` ≤ 100, `page`,
//!   a `Link` header); pull requests are listed too, with a `pull_request` key, as GitHub does;
//! - `POST /repos/{o}/{n}/issues`, `PATCH /repos/{o}/{n}/issues/{number}` (201/200 with the
//!   issue; labels not in the repository are created, as GitHub does for a writer);
//! - `GET /repos/{o}/{n}/issues/{number}/comments` (oldest first, paginated),
//!   `POST` to it, `PATCH` and `DELETE /repos/{o}/{n}/issues/comments/{id}` (204);
//! - `GET /repos/{o}/{n}/labels/{name}`, `POST /repos/{o}/{n}/labels`.
//!
//! Errors as GitHub gives them: 404 `Not Found` for an unknown repository, issue or comment; 410
//! `Issues are disabled for this repo`; 422 `Validation Failed` with its `errors` array (a body
//! over 65,536 characters — `Issue`/`custom`/`body` for an issue, `IssueComment`/
//! `unprocessable`/`data` for a comment —, a missing title, a label that exists); 403 `Resource
//! not accessible by personal access token` for a write with a read-only token; 400 `Problems
//! parsing JSON`. Authentication, rate limits and faults are the server's (`mod.rs`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::rest::query_params;

/// GitHub's limit on a body, in characters.
pub const BODY_LIMIT: usize = 65_536;

#[derive(Debug, Clone, Default)]
pub struct Tracker {
    /// Lower-cased `owner/name` → repository.
    pub repos: BTreeMap<String, TrackedRepo>,
    next_id: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrackedRepo {
    pub name_with_owner: String,
    pub issues_enabled: bool,
    /// Labels a writer sets on a new issue are dropped silently, and creating one is refused,
    /// as for a user without triage access.
    pub drop_labels: bool,
    pub labels: Vec<Label>,
    pub issues: Vec<TrackedIssue>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrackedIssue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub state: String,
    pub pull_request: bool,
    pub comments: Vec<TrackedComment>,
    /// A clock of the fake's own: creation order.
    pub created: u64,
    pub updated: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrackedComment {
    pub id: u64,
    pub body: String,
    pub author: String,
}

/// What the tracker answers.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// `None` for 204 No Content.
    pub body: Option<Value>,
    /// The route pattern, for the stats (`POST /repos/{o}/{n}/issues`).
    pub route: String,
}

fn answer(status: u16, body: Value, route: &str) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: Some(body),
        route: route.to_string(),
    }
}

fn not_found(route: &str) -> Answer {
    answer(
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        route,
    )
}

fn disabled(route: &str) -> Answer {
    answer(
        410,
        json!({"message": "Issues are disabled for this repo", "documentation_url": "https://docs.github.com/v3/issues/", "status": "410"}),
        route,
    )
}

fn invalid(resource: &str, code: &str, field: &str, message: Option<&str>, route: &str) -> Answer {
    let mut error = json!({"resource": resource, "code": code, "field": field});
    if let Some(message) = message {
        error["message"] = json!(message);
    }
    answer(
        422,
        json!({
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": "https://docs.github.com/rest/issues",
            "status": "422",
        }),
        route,
    )
}

/// `%20` and `+` decoded in a query value or path segment.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

impl Tracker {
    pub fn add(&mut self, name_with_owner: &str) -> &mut TrackedRepo {
        self.repos
            .entry(name_with_owner.to_lowercase())
            .or_insert_with(|| TrackedRepo {
                name_with_owner: name_with_owner.to_string(),
                issues_enabled: true,
                drop_labels: false,
                labels: Vec::new(),
                issues: Vec::new(),
            })
    }

    pub fn repo(&self, name_with_owner: &str) -> Option<&TrackedRepo> {
        self.repos.get(&name_with_owner.to_lowercase())
    }

    pub fn repo_mut(&mut self, name_with_owner: &str) -> Option<&mut TrackedRepo> {
        self.repos.get_mut(&name_with_owner.to_lowercase())
    }

    /// The next id, which is also the fake's clock (creation and update order).
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Whether `path` (relative to the API root) is one of the tracker's.
    pub fn serves(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["repos", o, n, kind, ..] if *kind == "issues" || *kind == "labels" => {
                self.repo(&format!("{o}/{n}")).is_some()
            }
            _ => false,
        }
    }

    /// Answers `method path?query` with `body`; `writer` is false for a read-only token.
    pub fn handle(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
        base_url: &str,
        writer: bool,
    ) -> Answer {
        let segments: Vec<String> = path.trim_matches('/').split('/').map(decode).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let ["repos", owner, name, rest @ ..] = segments.as_slice() else {
            return not_found(&format!("{method} {path}"));
        };
        let pattern: Vec<String> = rest
            .iter()
            .enumerate()
            .map(|(i, s)| match (i, rest.first()) {
                (0, _) => s.to_string(),
                (_, Some(&"labels")) => "{name}".to_string(),
                _ if s.parse::<u64>().is_ok() => "{number}".to_string(),
                _ => s.to_string(),
            })
            .collect();
        let route = format!("{method} /repos/{{o}}/{{n}}/{}", pattern.join("/"));
        let full = format!("{owner}/{name}");
        let Some(repo) = self.repo(&full) else {
            return not_found(&route);
        };
        if rest.first() == Some(&"issues") && !repo.issues_enabled {
            return disabled(&route);
        }
        let write = method != "GET";
        if write && !writer {
            return answer(
                403,
                json!({
                    "message": "Resource not accessible by personal access token",
                    "documentation_url": "https://docs.github.com/rest/issues",
                    "status": "403",
                }),
                &route,
            );
        }
        let input: Value = if write && method != "DELETE" {
            match serde_json::from_slice(body) {
                Ok(value @ Value::Object(_)) => value,
                _ => {
                    return answer(
                        400,
                        json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/rest", "status": "400"}),
                        &route,
                    );
                }
            }
        } else {
            Value::Null
        };
        let params = query_params(query);
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| decode(v));
        match (method, rest) {
            ("GET", ["issues"]) => {
                let repo = self.repo(&full).expect("checked");
                let wanted: Vec<String> = param("labels")
                    .map(|l| {
                        l.split(',')
                            .map(|s| s.trim().to_lowercase())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                let state = param("state").unwrap_or_else(|| "open".into());
                let sort = param("sort").unwrap_or_else(|| "created".into());
                let ascending = param("direction").as_deref() == Some("asc");
                let mut items: Vec<&TrackedIssue> = repo
                    .issues
                    .iter()
                    .filter(|i| state == "all" || i.state == state)
                    .filter(|i| {
                        wanted
                            .iter()
                            .all(|w| i.labels.iter().any(|l| l.to_lowercase() == *w))
                    })
                    .collect();
                items.sort_by_key(|i| {
                    if sort == "updated" {
                        i.updated
                    } else {
                        i.created
                    }
                });
                if !ascending {
                    items.reverse();
                }
                let items: Vec<Value> = items
                    .into_iter()
                    .map(|i| issue_json(repo, i, base_url))
                    .collect();
                page(items, &params, base_url, path, &route)
            }
            ("GET", ["issues", number]) => {
                let repo = self.repo(&full).expect("checked");
                match find_issue(repo, number) {
                    Some(issue) => answer(200, issue_json(repo, issue, base_url), &route),
                    None => not_found(&route),
                }
            }
            ("POST", ["issues"]) => {
                let title = input["title"].as_str().unwrap_or_default().to_string();
                if title.trim().is_empty() {
                    return invalid("Issue", "missing_field", "title", None, &route);
                }
                let body = input["body"].as_str().unwrap_or_default().to_string();
                if body.chars().count() > BODY_LIMIT {
                    return too_long_issue(&route);
                }
                let id = self.id();
                let repo = self.repo_mut(&full).expect("checked");
                let labels = if repo.drop_labels {
                    Vec::new()
                } else {
                    label_names(&input)
                };
                ensure_labels(repo, &labels, id);
                let number = repo.issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
                repo.issues.push(TrackedIssue {
                    id,
                    number,
                    title,
                    body,
                    labels,
                    state: "open".into(),
                    pull_request: false,
                    comments: Vec::new(),
                    created: id,
                    updated: id,
                });
                let repo = self.repo(&full).expect("checked");
                let issue = repo.issues.last().expect("just added");
                answer(201, issue_json(repo, issue, base_url), &route)
            }
            ("PATCH", ["issues", number]) => {
                if let Some(body) = input.get("body").and_then(Value::as_str)
                    && body.chars().count() > BODY_LIMIT
                {
                    return too_long_issue(&route);
                }
                let clock = self.id();
                let repo = self.repo_mut(&full).expect("checked");
                let labels = input.get("labels").map(|_| label_names(&input));
                if let Some(labels) = &labels {
                    ensure_labels(repo, labels, clock);
                }
                let Some(issue) = find_issue_mut(repo, number) else {
                    return not_found(&route);
                };
                if let Some(title) = input.get("title").and_then(Value::as_str) {
                    issue.title = title.to_string();
                }
                if let Some(body) = input.get("body").and_then(Value::as_str) {
                    issue.body = body.to_string();
                }
                if let Some(state) = input.get("state").and_then(Value::as_str) {
                    issue.state = state.to_string();
                }
                if let Some(labels) = labels {
                    issue.labels = labels;
                }
                issue.updated = clock;
                let number = issue.number;
                let repo = self.repo(&full).expect("checked");
                let issue = repo
                    .issues
                    .iter()
                    .find(|i| i.number == number)
                    .expect("found");
                answer(200, issue_json(repo, issue, base_url), &route)
            }
            ("GET", ["issues", number, "comments"]) => {
                let repo = self.repo(&full).expect("checked");
                let Some(issue) = find_issue(repo, number) else {
                    return not_found(&route);
                };
                let items: Vec<Value> = issue
                    .comments
                    .iter()
                    .map(|c| comment_json(repo, issue, c, base_url))
                    .collect();
                page(items, &params, base_url, path, &route)
            }
            ("POST", ["issues", number, "comments"]) => {
                let body = input["body"].as_str().unwrap_or_default().to_string();
                if body.is_empty() {
                    return invalid("IssueComment", "missing_field", "body", None, &route);
                }
                if body.chars().count() > BODY_LIMIT {
                    return invalid(
                        "IssueComment",
                        "unprocessable",
                        "data",
                        Some("Body is too long (maximum is 65536 characters)"),
                        &route,
                    );
                }
                let id = self.id();
                let repo = self.repo_mut(&full).expect("checked");
                let Some(issue) = find_issue_mut(repo, number) else {
                    return not_found(&route);
                };
                issue.comments.push(TrackedComment {
                    id,
                    body,
                    author: "teamlens-bot".into(),
                });
                issue.updated = id;
                let number = issue.number;
                let repo = self.repo(&full).expect("checked");
                let issue = repo
                    .issues
                    .iter()
                    .find(|i| i.number == number)
                    .expect("found");
                let comment = issue.comments.last().expect("just added");
                answer(201, comment_json(repo, issue, comment, base_url), &route)
            }
            ("PATCH", ["issues", "comments", id]) => {
                let body = input["body"].as_str().unwrap_or_default().to_string();
                if body.chars().count() > BODY_LIMIT {
                    return invalid(
                        "IssueComment",
                        "unprocessable",
                        "data",
                        Some("Body is too long (maximum is 65536 characters)"),
                        &route,
                    );
                }
                let repo = self.repo_mut(&full).expect("checked");
                let Some((number, comment)) = find_comment_mut(repo, id) else {
                    return not_found(&route);
                };
                comment.body = body;
                let id = comment.id;
                let repo = self.repo(&full).expect("checked");
                let issue = repo
                    .issues
                    .iter()
                    .find(|i| i.number == number)
                    .expect("found");
                let comment = issue.comments.iter().find(|c| c.id == id).expect("found");
                answer(200, comment_json(repo, issue, comment, base_url), &route)
            }
            ("DELETE", ["issues", "comments", id]) => {
                let repo = self.repo_mut(&full).expect("checked");
                let Ok(id) = id.parse::<u64>() else {
                    return not_found(&route);
                };
                for issue in &mut repo.issues {
                    if let Some(at) = issue.comments.iter().position(|c| c.id == id) {
                        issue.comments.remove(at);
                        return Answer {
                            status: 204,
                            headers: Vec::new(),
                            body: None,
                            route,
                        };
                    }
                }
                not_found(&route)
            }
            ("GET", ["labels", label]) => {
                let repo = self.repo(&full).expect("checked");
                match repo
                    .labels
                    .iter()
                    .find(|l| l.name.eq_ignore_ascii_case(label))
                {
                    Some(label) => answer(200, label_json(repo, label, base_url), &route),
                    None => not_found(&route),
                }
            }
            ("POST", ["labels"]) => {
                let name = input["name"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                if name.is_empty() {
                    return invalid("Label", "missing_field", "name", None, &route);
                }
                let id = self.id();
                let repo = self.repo_mut(&full).expect("checked");
                if repo.drop_labels {
                    return answer(
                        403,
                        json!({"message": "Must have push access to repository", "documentation_url": "https://docs.github.com/rest/issues/labels#create-a-label", "status": "403"}),
                        &route,
                    );
                }
                if repo
                    .labels
                    .iter()
                    .any(|l| l.name.eq_ignore_ascii_case(&name))
                {
                    return invalid("Label", "already_exists", "name", None, &route);
                }
                repo.labels.push(Label {
                    id,
                    name,
                    color: input["color"].as_str().unwrap_or("ededed").to_string(),
                    description: input["description"].as_str().map(str::to_string),
                });
                let repo = self.repo(&full).expect("checked");
                let label = repo.labels.last().expect("just added");
                answer(201, label_json(repo, label, base_url), &route)
            }
            _ => not_found(&route),
        }
    }
}

fn too_long_issue(route: &str) -> Answer {
    invalid(
        "Issue",
        "custom",
        "body",
        Some("body is too long (maximum is 65536 characters)"),
        route,
    )
}

fn label_names(input: &Value) -> Vec<String> {
    input["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().or_else(|| l["name"].as_str()))
        .map(str::to_string)
        .collect()
}

/// Labels a writer names that the repository lacks are created (GitHub does so).
fn ensure_labels(repo: &mut TrackedRepo, names: &[String], id: u64) {
    for (i, name) in names.iter().enumerate() {
        if !repo
            .labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name))
        {
            repo.labels.push(Label {
                id: id * 1000 + i as u64,
                name: name.clone(),
                color: "ededed".into(),
                description: None,
            });
        }
    }
}

fn find_issue<'a>(repo: &'a TrackedRepo, number: &str) -> Option<&'a TrackedIssue> {
    let number = number.parse::<u64>().ok()?;
    repo.issues.iter().find(|i| i.number == number)
}

fn find_issue_mut<'a>(repo: &'a mut TrackedRepo, number: &str) -> Option<&'a mut TrackedIssue> {
    let number = number.parse::<u64>().ok()?;
    repo.issues.iter_mut().find(|i| i.number == number)
}

fn find_comment_mut<'a>(
    repo: &'a mut TrackedRepo,
    id: &str,
) -> Option<(u64, &'a mut TrackedComment)> {
    let id = id.parse::<u64>().ok()?;
    repo.issues.iter_mut().find_map(|issue| {
        let number = issue.number;
        issue
            .comments
            .iter_mut()
            .find(|c| c.id == id)
            .map(|c| (number, c))
    })
}

fn timestamp(clock: u64) -> String {
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp(1_780_000_000 + clock as i64 * 60, 0)
        .expect("a time");
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn label_json(repo: &TrackedRepo, label: &Label, base_url: &str) -> Value {
    json!({
        "id": label.id,
        "node_id": format!("LA_{}", label.id),
        "url": format!("{base_url}/repos/{}/labels/{}", repo.name_with_owner, label.name),
        "name": label.name,
        "color": label.color,
        "default": false,
        "description": label.description,
    })
}

fn issue_json(repo: &TrackedRepo, issue: &TrackedIssue, base_url: &str) -> Value {
    let labels: Vec<Value> = issue
        .labels
        .iter()
        .filter_map(|name| repo.labels.iter().find(|l| &l.name == name))
        .map(|label| label_json(repo, label, base_url))
        .collect();
    let kind = if issue.pull_request { "pull" } else { "issues" };
    let mut value = json!({
        "id": issue.id,
        "node_id": format!("I_{}", issue.id),
        "url": format!("{base_url}/repos/{}/issues/{}", repo.name_with_owner, issue.number),
        "html_url": format!("https://github.com/{}/{kind}/{}", repo.name_with_owner, issue.number),
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "state_reason": if issue.state == "closed" { json!("completed") } else { Value::Null },
        "labels": labels,
        "comments": issue.comments.len(),
        "user": {"login": "teamlens-bot", "type": "User"},
        "created_at": timestamp(issue.created),
        "updated_at": timestamp(issue.updated),
        "closed_at": if issue.state == "closed" { json!(timestamp(issue.updated)) } else { Value::Null },
        "author_association": "MEMBER",
    });
    if issue.pull_request {
        value["pull_request"] = json!({
            "url": format!("{base_url}/repos/{}/pulls/{}", repo.name_with_owner, issue.number),
            "html_url": format!("https://github.com/{}/pull/{}", repo.name_with_owner, issue.number),
        });
    }
    value
}

fn comment_json(
    repo: &TrackedRepo,
    issue: &TrackedIssue,
    comment: &TrackedComment,
    base_url: &str,
) -> Value {
    json!({
        "id": comment.id,
        "node_id": format!("IC_{}", comment.id),
        "url": format!("{base_url}/repos/{}/issues/comments/{}", repo.name_with_owner, comment.id),
        "html_url": format!("https://github.com/{}/issues/{}#issuecomment-{}", repo.name_with_owner, issue.number, comment.id),
        "issue_url": format!("{base_url}/repos/{}/issues/{}", repo.name_with_owner, issue.number),
        "body": comment.body,
        "user": {"login": comment.author, "type": "User"},
        "created_at": timestamp(comment.id),
        "updated_at": timestamp(comment.id),
        "author_association": "MEMBER",
    })
}

/// One page of `items` with GitHub's `Link` header (`per_page` ≤ 100, default 30).
fn page(
    items: Vec<Value>,
    params: &[(String, String)],
    base_url: &str,
    path: &str,
    route: &str,
) -> Answer {
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let per_page = param("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = param("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let url_of = |p: usize| {
        let mut kept: Vec<String> = params
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        kept.push(format!("page={p}"));
        format!("<{base_url}{path}?{}>", kept.join("&"))
    };
    let mut links = Vec::new();
    if page < last {
        links.push(format!("{}; rel=\"next\"", url_of(page + 1)));
        links.push(format!("{}; rel=\"last\"", url_of(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", url_of(page - 1)));
        links.push(format!("{}; rel=\"first\"", url_of(1)));
    }
    let mut headers = Vec::new();
    if !links.is_empty() {
        headers.push(("link".to_string(), links.join(", ")));
    }
    Answer {
        status: 200,
        headers,
        body: Some(Value::Array(body)),
        route: route.to_string(),
    }
}
