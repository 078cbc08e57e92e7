//! The REST baseline under `/api/v3`: the per-PR endpoints a REST client walks.

use serde_json::{Value, json};

use super::graphql::{issue_event_type, noreply_email, pr_body};
use super::world::{GitHubWorld, Index, RepoIdx, is_bot};

/// A REST answer: status, extra headers, JSON body.
pub struct RestReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The route pattern, for the stats (`GET /repos/{o}/{n}/pulls`).
    pub route: String,
}

fn not_found(route: &str) -> RestReply {
    RestReply {
        status: 404,
        headers: Vec::new(),
        body: json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
        route: route.to_string(),
    }
}

fn ts(t: chrono::DateTime<chrono::Utc>) -> Value {
    json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn ts_opt(t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.map(ts).unwrap_or(Value::Null)
}

fn user(world: &GitHubWorld, person: Option<&str>) -> Value {
    match person {
        None => Value::Null,
        Some(p) => {
            let login = world.login(p);
            let kind = if is_bot(&login) { "Bot" } else { "User" };
            let html_url = match login.strip_suffix("[bot]") {
                Some(app) => format!("https://github.com/apps/{app}"),
                None => format!("https://github.com/{login}"),
            };
            json!({"login": login, "type": kind, "html_url": html_url})
        }
    }
}

/// Parses `a=1&b=2`.
pub fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.to_string(), String::new()),
        })
        .collect()
}

/// Answers `GET path?query` (path relative to `/api/v3`).
pub fn handle(
    world: &GitHubWorld,
    index: &Index,
    base_url: &str,
    path: &str,
    query: &str,
) -> RestReply {
    let params = query_params(query);
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (route, owner, name, rest): (String, &str, &str, &[&str]) = match segments.as_slice() {
        ["repos", o, n, rest @ ..] => {
            let pattern: Vec<String> = rest
                .iter()
                .map(|s| {
                    if s.parse::<i64>().is_ok() {
                        "{number}".to_string()
                    } else {
                        s.to_string()
                    }
                })
                .collect();
            let mut route = "GET /repos/{o}/{n}".to_string();
            for p in pattern {
                route.push('/');
                route.push_str(&p);
            }
            (route, o, n, rest)
        }
        _ => return not_found(&format!("GET {path}")),
    };
    let Some(ri) = index.repo(&format!("{owner}/{name}")) else {
        return not_found(&route);
    };
    let repo = &index.repos[ri];
    let per_page = param("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = param("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    if let ["contents", path @ ..] = rest {
        // GET /repos/{o}/{n}/contents/{path}: a file of the default branch, base64 in lines of
        // 60 characters as GitHub sends it; 404 when there is no such file.
        let path = path.join("/");
        let Some(text) = world
            .files
            .get(&(repo.name_with_owner.clone(), path.clone()))
        else {
            return not_found("GET /repos/{o}/{n}/contents/{path}");
        };
        let encoded = super::world::b64(text);
        let mut content = String::new();
        for chunk in encoded.as_bytes().chunks(60) {
            content.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            content.push('\n');
        }
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        return RestReply {
            status: 200,
            headers: Vec::new(),
            body: json!({
                "type": "file",
                "encoding": "base64",
                "size": text.len(),
                "name": name,
                "path": path,
                "content": content,
                "sha": format!("{:040x}", text.len()),
                "url": format!("{base_url}/repos/{}/contents/{path}", repo.name_with_owner),
                "html_url": format!("https://github.com/{}/blob/main/{path}", repo.name_with_owner),
                "download_url": format!("https://raw.githubusercontent.com/{}/main/{path}", repo.name_with_owner),
            }),
            route: "GET /repos/{o}/{n}/contents/{path}".into(),
        };
    }
    let items: Vec<Value> = match rest {
        ["pulls"] => {
            let state = param("state").unwrap_or("open");
            let sort = param("sort").unwrap_or("created");
            let desc = param("direction").unwrap_or("desc") == "desc";
            let mut prs: Vec<usize> = (0..repo.prs.len())
                .filter(|&pi| {
                    let row = &world.data.pull_requests[repo.prs[pi].row];
                    let open = row.state.as_deref().unwrap_or("open") == "open";
                    match state {
                        "all" => true,
                        "closed" => !open,
                        _ => open,
                    }
                })
                .collect();
            prs.sort_by(|&a, &b| {
                let (pa, pb) = (&repo.prs[a], &repo.prs[b]);
                let ord = if sort == "updated" {
                    (pa.updated_at, pa.number).cmp(&(pb.updated_at, pb.number))
                } else {
                    pa.number.cmp(&pb.number)
                };
                if desc { ord.reverse() } else { ord }
            });
            prs.iter()
                .map(|&pi| pull_json(world, repo, pi, false))
                .collect()
        }
        ["pulls", n] | ["pulls", n, _] | ["issues", n, _] => {
            let Ok(number) = n.parse::<i64>() else {
                return not_found(&route);
            };
            let pr = repo.pr_by_number.get(&number).copied();
            let issue = repo.issue_by_number.get(&number).copied();
            match (rest, pr, issue) {
                (["pulls", _], Some(pi), _) => {
                    return RestReply {
                        status: 200,
                        headers: Vec::new(),
                        body: pull_json(world, repo, pi, true),
                        route,
                    };
                }
                (["pulls", _, "reviews"], Some(pi), _) => repo.prs[pi]
                    .reviews
                    .iter()
                    .map(|&r| {
                        let r = &world.data.reviews[r];
                        json!({
                            "id": 1,
                            "user": user(world, Some(&r.reviewer)),
                            "body": "",
                            "state": r.state.to_uppercase(),
                            "submitted_at": ts(r.submitted_at),
                        })
                    })
                    .collect(),
                (["pulls", _, "commits"], Some(pi), _) => repo.prs[pi]
                    .commits
                    .iter()
                    .map(|&c| {
                        let c = &world.data.pr_commits[c];
                        let author = world.login(&c.author);
                        let committer_person = c.committer.as_deref().unwrap_or(&c.author);
                        let committer = world.login(committer_person);
                        let parents: Vec<Value> = (0..if c.is_merge == Some(true) { 2 } else { 1 })
                            .map(|i| json!({"sha": format!("{}{i}", c.sha)}))
                            .collect();
                        json!({
                            "sha": c.sha,
                            "commit": {
                                "author": {"name": author, "email": noreply_email(&author), "date": ts(c.authored_at)},
                                "committer": {"name": committer, "email": noreply_email(&committer), "date": ts(c.authored_at)},
                                "message": c.message_headline.clone().unwrap_or_default(),
                            },
                            "author": user(world, Some(&c.author)),
                            "committer": user(world, Some(committer_person)),
                            "parents": parents,
                        })
                    })
                    .collect(),
                (["pulls", _, "files"], Some(pi), _) => repo.prs[pi]
                    .files
                    .iter()
                    .map(|&f| {
                        let f = &world.data.file_changes[f];
                        let (a, d) = (f.additions.unwrap_or(0), f.deletions.unwrap_or(0));
                        json!({"filename": f.path, "status": "modified", "additions": a, "deletions": d, "changes": a + d})
                    })
                    .collect(),
                (["pulls", _, "comments"], Some(pi), _) => repo.prs[pi]
                    .threads
                    .iter()
                    .flatten()
                    .map(|&c| comment_json(world, c))
                    .collect(),
                (["issues", _, "comments"], Some(pi), _) => repo.prs[pi]
                    .comments
                    .iter()
                    .map(|&c| comment_json(world, c))
                    .collect(),
                (["issues", _, "comments"], None, Some(ii)) => repo.issues[ii]
                    .comments
                    .iter()
                    .map(|&c| comment_json(world, c))
                    .collect(),
                (["issues", _, "timeline"], Some(pi), _) => repo.prs[pi]
                    .timeline
                    .iter()
                    .map(|t| {
                        let event = match t.kind.as_str() {
                            "converted_to_draft" => "convert_to_draft",
                            k => k,
                        };
                        let mut v = json!({
                            "event": event,
                            "actor": user(world, t.actor.as_deref()),
                            "created_at": ts(t.at),
                        });
                        if let Some(r) = &t.requested {
                            match r.strip_prefix("team:") {
                                Some(slug) => v["requested_team"] = json!({"slug": slug, "name": slug}),
                                None => v["requested_reviewer"] = user(world, Some(r)),
                            }
                        }
                        v
                    })
                    .collect(),
                (["issues", _, "timeline"], None, Some(ii)) => repo.issues[ii]
                    .events
                    .iter()
                    .map(|&e| &world.data.issue_events[e])
                    .filter_map(|e| {
                        let ty = issue_event_type(e)?;
                        let mut v = json!({"actor": user(world, Some(&e.actor)), "created_at": ts(e.at)});
                        match ty {
                            "AssignedEvent" => {
                                v["event"] = json!("assigned");
                                v["assignee"] = user(world, e.to.as_deref());
                            }
                            "UnassignedEvent" => {
                                v["event"] = json!("unassigned");
                                v["assignee"] = user(world, e.from.as_deref());
                            }
                            "LabeledEvent" => {
                                v["event"] = json!("labeled");
                                v["label"] = json!({"name": e.to});
                            }
                            "UnlabeledEvent" => {
                                v["event"] = json!("unlabeled");
                                v["label"] = json!({"name": e.from});
                            }
                            "RenamedTitleEvent" => {
                                v["event"] = json!("renamed");
                                v["rename"] = json!({"from": e.from, "to": e.to});
                            }
                            "ClosedEvent" => v["event"] = json!("closed"),
                            _ => v["event"] = json!("reopened"),
                        }
                        Some(v)
                    })
                    .collect(),
                _ => return not_found(&route),
            }
        }
        _ => return not_found(&route),
    };
    let total = items.len();
    let last_page = total.div_ceil(per_page).max(1);
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
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", url_of(page - 1)));
    }
    if page < last_page {
        links.push(format!("{}; rel=\"next\"", url_of(page + 1)));
        links.push(format!("{}; rel=\"last\"", url_of(last_page)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", url_of(1)));
    }
    let mut headers = Vec::new();
    if !links.is_empty() {
        headers.push(("link".to_string(), links.join(", ")));
    }
    RestReply {
        status: 200,
        headers,
        body: Value::Array(body),
        route,
    }
}

fn comment_json(world: &GitHubWorld, c: usize) -> Value {
    let c = &world.data.comments[c];
    json!({
        "id": 1,
        "user": user(world, Some(&c.author)),
        "body": "",
        "created_at": ts(c.created_at),
        "updated_at": ts(c.created_at),
    })
}

fn pull_json(world: &GitHubWorld, repo: &RepoIdx, pi: usize, full: bool) -> Value {
    let idx = &repo.prs[pi];
    let pr = &world.data.pull_requests[idx.row];
    let merged = pr.state.as_deref() == Some("merged");
    let open = pr.state.as_deref().unwrap_or("open") == "open";
    let html_url = pr
        .url
        .clone()
        .unwrap_or_else(|| format!("https://github.com/{}/pull/{}", pr.repo, pr.number));
    let mut v = json!({
        "id": idx.row as i64 + 1,
        "node_id": idx.id,
        "number": pr.number,
        "state": if open { "open" } else { "closed" },
        "title": pr.title.clone().unwrap_or_default(),
        "body": pr_body(pr),
        "html_url": html_url,
        "user": user(world, Some(&pr.author)),
        "created_at": ts(pr.created_at),
        "updated_at": ts(idx.updated_at),
        "closed_at": ts_opt(pr.closed_at),
        "merged_at": ts_opt(pr.merged_at),
        "draft": pr.draft == Some(true) || pr.ready_at.is_none(),
        "labels": pr.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        "base": {"ref": pr.base_ref.clone().unwrap_or_else(|| "main".into())},
        "head": {"ref": format!("feature/{}", pr.number)},
    });
    if full {
        v["merged"] = json!(merged);
        v["merged_by"] = user(world, pr.merged_by.as_deref());
        v["additions"] = json!(pr.additions.unwrap_or(0));
        v["deletions"] = json!(pr.deletions.unwrap_or(0));
        v["changed_files"] = json!(pr.changed_files.unwrap_or(0));
        v["commits"] = json!(idx.commits.len());
        v["comments"] = json!(idx.comments.len());
        v["review_comments"] = json!(idx.threads.iter().map(Vec::len).sum::<usize>());
    }
    v
}
