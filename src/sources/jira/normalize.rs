//! From Jira's answers to the normalized `issues`, `issue_events` and `comments` rows.
//!
//! - **Status categories** (`todo`, `in_progress`, `done`) come from `[jira.status_categories]`
//!   (workflow status name → category) first, then from Jira's own category of the status
//!   (`new`, `indeterminate`, `done`), then from the usual names.
//! - **Dates from the changelog**: `started_at` is the first move into an in-progress status,
//!   `resolved_at` the last move into a done status (only while the ticket is done),
//!   `reopen_count` the moves from a done status back to an open one.
//! - **Type** (`bug`, `incident`, `feature`, `chore`): a label of `[jira.label_types]` first,
//!   then the issue type through `[jira.issue_types]`, then the usual names.
//! - **Every field change** becomes an `issue_events` row with its actor: status, assignee,
//!   summary (as `title`), description, sprint, story points (as `estimate`), priority, labels.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::wire::{ChangeItem, CommentNode, History, IssueNode, RemoteLink, User};
use crate::config::JiraConfig;
use crate::model::{Comment, Issue, IssueEvent};
use crate::sources::github::normalize::Identities;

/// The `source` column of every row this source writes.
pub const SOURCE: &str = "jira";

/// Who made a change Jira records without an author (automation, imports).
pub const NO_AUTHOR: &str = "jira-automation";

/// How statuses and types map to the normalized vocabulary, and which custom fields hold story
/// points and sprints.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Status name (lower case) → category, from the config and from Jira's status list.
    pub status_categories: BTreeMap<String, String>,
    /// Issue type name (lower case) → type.
    pub issue_types: BTreeMap<String, String>,
    /// Label (lower case) → type.
    pub label_types: BTreeMap<String, String>,
    pub story_points_field: String,
    pub sprint_field: String,
    /// Sprint id → its current name, from the agile API: the changelog keeps the name a sprint
    /// had at the time of the change, the issue's field its name now.
    pub sprint_names: BTreeMap<String, String>,
}

impl Mapping {
    /// The config's mapping; Jira's own status categories are added by [`Mapping::learn`].
    pub fn from_config(config: &JiraConfig) -> Mapping {
        let lower = |m: &BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| (k.to_lowercase(), v.clone()))
                .collect()
        };
        Mapping {
            status_categories: lower(&config.status_categories),
            issue_types: lower(&config.issue_types),
            label_types: lower(&config.label_types),
            story_points_field: config.story_points_field.clone(),
            sprint_field: config.sprint_field.clone(),
            sprint_names: BTreeMap::new(),
        }
    }

    /// Adds Jira's category of a status unless the config maps that status already.
    pub fn learn(&mut self, status: &str, jira_category: &str) {
        if let Some(category) = from_jira_category(jira_category) {
            self.status_categories
                .entry(status.to_lowercase())
                .or_insert_with(|| category.to_string());
        }
    }

    /// The category of a workflow status.
    pub fn category(&self, status: &str) -> &str {
        if let Some(category) = self.status_categories.get(&status.to_lowercase()) {
            return category;
        }
        match status.to_lowercase().as_str() {
            "to do" | "open" | "backlog" | "new" | "selected for development" => "todo",
            "done" | "closed" | "resolved" | "released" | "won't do" | "cancelled" => "done",
            _ => "in_progress",
        }
    }

    /// The ticket type from its labels and issue type.
    pub fn issue_type(&self, issue_type: Option<&str>, labels: &[String]) -> Option<String> {
        for label in labels {
            if let Some(t) = self.label_types.get(&label.to_lowercase()) {
                return Some(t.clone());
            }
        }
        let name = issue_type?.to_lowercase();
        if let Some(t) = self.issue_types.get(&name) {
            return Some(t.clone());
        }
        let t = match name.as_str() {
            "bug" | "defect" => "bug",
            "incident" | "outage" | "problem" => "incident",
            "story" | "epic" | "new feature" | "feature" | "improvement" => "feature",
            "task" | "sub-task" | "subtask" | "chore" | "technical debt" => "chore",
            _ => return None,
        };
        Some(t.to_string())
    }
}

fn from_jira_category(key: &str) -> Option<&'static str> {
    match key {
        "new" => Some("todo"),
        "indeterminate" => Some("in_progress"),
        "done" => Some("done"),
        _ => None,
    }
}

/// Parses Jira's timestamps (`2026-10-05T09:30:00.000+0000`, or RFC 3339) to UTC.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The person of a Jira user: the roster's person for the account id or e-mail, else the
/// account id.
pub fn person(who: &Identities, account_id: Option<&str>, email: Option<&str>) -> Option<String> {
    if let Some(id) = account_id {
        let resolved = who.resolve(id);
        if resolved != id {
            return Some(resolved);
        }
        if let Some(email) = email {
            let by_email = who.resolve(email);
            if by_email != email {
                return Some(by_email);
            }
        }
        return Some(id.to_string());
    }
    email.map(|e| who.resolve(e))
}

fn user(who: &Identities, user: Option<&User>) -> Option<String> {
    let user = user?;
    person(
        who,
        user.account_id.as_deref(),
        user.email_address.as_deref(),
    )
}

/// The normalized name of a changed field, or `None` for fields the tables do not track.
fn field_name(item: &ChangeItem, mapping: &Mapping) -> Option<&'static str> {
    let id = item.field_id.as_deref().unwrap_or("");
    let name = item.field.to_lowercase();
    if id == mapping.sprint_field || name == "sprint" {
        return Some("sprint");
    }
    if id == mapping.story_points_field
        || matches!(
            name.as_str(),
            "story points" | "story point estimate" | "estimate"
        )
    {
        return Some("estimate");
    }
    match (id, name.as_str()) {
        ("status", _) | (_, "status") => Some("status"),
        ("assignee", _) | (_, "assignee") => Some("assignee"),
        ("summary", _) | (_, "summary") => Some("title"),
        ("description", _) | (_, "description") => Some("description"),
        ("priority", _) | (_, "priority") => Some("priority"),
        ("labels", _) | (_, "labels") => Some("labels"),
        // A move to another project gives the issue a new key; the old one is in `from`.
        ("issuekey", _) | (_, "key") => Some("key"),
        _ => None,
    }
}

fn text(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.is_empty())
}

/// The current name of the last sprint of a sprint change (by id through the agile API's
/// names, else as the changelog wrote it).
fn sprint_name(ids: &Option<String>, names: &Option<String>, mapping: &Mapping) -> Option<String> {
    let by_id = ids
        .as_deref()
        .and_then(|ids| ids.rsplit(',').map(str::trim).find(|s| !s.is_empty()))
        .and_then(|id| mapping.sprint_names.get(id))
        .cloned();
    by_id.or_else(|| last_sprint(names))
}

fn last_sprint(value: &Option<String>) -> Option<String> {
    value
        .as_deref()?
        .rsplit(", ")
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

/// The `issue_events` of an issue's changelog, oldest first.
pub fn events(
    key: &str,
    histories: &[History],
    mapping: &Mapping,
    who: &Identities,
) -> Vec<IssueEvent> {
    let mut out = Vec::new();
    for history in histories {
        let Some(at) = parse_time(&history.created) else {
            continue;
        };
        let actor = history
            .author
            .as_ref()
            .and_then(|a| person(who, a.account_id.as_deref(), a.email_address.as_deref()))
            .unwrap_or_else(|| NO_AUTHOR.to_string());
        for item in &history.items {
            let Some(field) = field_name(item, mapping) else {
                continue;
            };
            let (from, to) = if field == "assignee" {
                (
                    text(&item.from).map(|id| person(who, Some(&id), None).unwrap_or(id)),
                    text(&item.to).map(|id| person(who, Some(&id), None).unwrap_or(id)),
                )
            } else if field == "sprint" {
                // A carried-over issue lists every sprint it was in ("OPS Sprint 6, OPS Sprint
                // 7"): the sprint it is in is the last one.
                (
                    sprint_name(&item.from, &item.from_string, mapping),
                    sprint_name(&item.to, &item.to_string, mapping),
                )
            } else {
                (text(&item.from_string), text(&item.to_string))
            };
            out.push(IssueEvent {
                source: SOURCE.into(),
                key: key.to_string(),
                at,
                actor: actor.clone(),
                field: field.into(),
                from,
                to,
            });
        }
    }
    out.sort_by_key(|e| e.at);
    out
}

/// `owner/name#N` of a GitHub pull request URL.
pub fn pull_request_of(url: &str) -> Option<String> {
    let rest = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    let rest = rest.strip_prefix("github.com/")?;
    let mut parts = rest.split('/');
    let (owner, name, pull, number) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let number: i64 = number.split(['#', '?']).next()?.parse().ok()?;
    (pull == "pull").then(|| format!("{owner}/{name}#{number}"))
}

/// What Jira says about an account the roster does not know, kept in the manifest so that
/// `teamlens people --unmatched` can suggest who it is.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccountInfo {
    pub display_name: Option<String>,
    pub email: Option<String>,
}

/// The accounts of an issue's people that resolve to no person of the roster.
pub fn unknown_accounts(
    parts: &IssueParts<'_>,
    who: &Identities,
    out: &mut BTreeMap<String, AccountInfo>,
) {
    let mut note = |id: Option<&str>, name: Option<&str>, email: Option<&str>| {
        let Some(id) = id else { return };
        if person(who, Some(id), email).as_deref() != Some(id) {
            return;
        }
        let entry = out.entry(id.to_string()).or_default();
        if entry.display_name.is_none() {
            entry.display_name = name.map(str::to_string);
        }
        if entry.email.is_none() {
            entry.email = email.map(str::to_string);
        }
    };
    let fields = &parts.node.fields;
    for user in [fields.assignee.as_ref(), fields.reporter.as_ref()]
        .into_iter()
        .flatten()
        .chain(parts.comments.iter().filter_map(|c| c.author.as_ref()))
    {
        note(
            user.account_id.as_deref(),
            user.display_name.as_deref(),
            user.email_address.as_deref(),
        );
    }
    for history in parts.histories {
        if let Some(author) = &history.author {
            note(
                author.account_id.as_deref(),
                author.display_name.as_deref(),
                author.email_address.as_deref(),
            );
        }
        for item in history.items.iter().filter(|i| i.field == "assignee") {
            note(item.from.as_deref(), item.from_string.as_deref(), None);
            note(item.to.as_deref(), item.to_string.as_deref(), None);
        }
    }
}

/// Everything fetched about one issue.
pub struct IssueParts<'a> {
    pub node: &'a IssueNode,
    pub histories: &'a [History],
    pub comments: &'a [CommentNode],
    pub links: &'a [RemoteLink],
}

/// The rows of one issue.
pub struct IssueRows {
    pub issue: Option<Issue>,
    pub events: Vec<IssueEvent>,
    pub comments: Vec<Comment>,
}

pub fn issue(
    parts: IssueParts<'_>,
    base_url: &str,
    mapping: &Mapping,
    who: &Identities,
) -> IssueRows {
    let node = parts.node;
    let fields = &node.fields;
    let events = events(&node.key, parts.histories, mapping, who);
    let project = fields
        .project
        .as_ref()
        .map(|p| p.key.clone())
        .or_else(|| node.key.rsplit_once('-').map(|(p, _)| p.to_string()));
    let comments = parts
        .comments
        .iter()
        .filter_map(|c| {
            Some(Comment {
                source: SOURCE.into(),
                target: "issue".into(),
                container: project.clone().unwrap_or_default(),
                item: node.key.clone(),
                author: user(who, c.author.as_ref()).unwrap_or_else(|| NO_AUTHOR.into()),
                created_at: parse_time(&c.created)?,
                is_review_thread: Some(false),
            })
        })
        .collect();
    let Some(created_at) = parse_time(&fields.created) else {
        return IssueRows {
            issue: None,
            events,
            comments,
        };
    };
    let status = fields.status.as_ref().map(|s| s.name.clone());
    let category = status.as_deref().map(|s| mapping.category(s).to_string());
    let moves: Vec<&IssueEvent> = events.iter().filter(|e| e.field == "status").collect();
    let category_of = |s: &Option<String>| s.as_deref().map(|s| mapping.category(s));
    let started_at = moves
        .iter()
        .find(|e| category_of(&e.to) == Some("in_progress"))
        .map(|e| e.at);
    let resolved_at = if category.as_deref() == Some("done") {
        moves
            .iter()
            .rev()
            .find(|e| category_of(&e.to) == Some("done"))
            .map(|e| e.at)
    } else {
        None
    };
    let reopen_count = moves
        .iter()
        .filter(|e| category_of(&e.from) == Some("done") && category_of(&e.to) != Some("done"))
        .count() as i64;
    let sprint = fields
        .other
        .get(&mapping.sprint_field)
        .and_then(|v| v.as_array())
        .and_then(|sprints| sprints.last())
        .and_then(|s| {
            let id = s.get("id").map(|id| match id {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            });
            id.and_then(|id| mapping.sprint_names.get(&id).cloned())
                .or_else(|| s.get("name").and_then(|n| n.as_str()).map(str::to_string))
        });
    let estimate = fields
        .other
        .get(&mapping.story_points_field)
        .and_then(|v| v.as_f64());
    let mut linked_prs: Vec<String> = parts
        .links
        .iter()
        .filter_map(|l| l.object.as_ref()?.url.as_deref().and_then(pull_request_of))
        .collect();
    linked_prs.dedup();
    IssueRows {
        issue: Some(Issue {
            source: SOURCE.into(),
            key: node.key.clone(),
            project,
            title: fields.summary.clone(),
            issue_type: mapping.issue_type(
                fields.issuetype.as_ref().map(|t| t.name.as_str()),
                &fields.labels,
            ),
            reporter: user(who, fields.reporter.as_ref()),
            assignee: user(who, fields.assignee.as_ref()),
            status,
            status_category: category,
            created_at,
            started_at,
            resolved_at,
            reopen_count: Some(reopen_count),
            sprint,
            estimate,
            labels: fields.labels.clone(),
            url: Some(format!("{base_url}/browse/{}", node.key)),
            linked_prs,
        }),
        events,
        comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_times_parse_to_utc() {
        let t = parse_time("2026-10-05T11:30:00.123+0200").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-05T09:30:00.123+00:00");
        assert!(parse_time("2026-10-05T09:30:00Z").is_some());
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn statuses_map_through_config_then_jira_then_names() {
        let mut mapping = Mapping::default();
        mapping
            .status_categories
            .insert("ready for qa".into(), "in_progress".into());
        mapping.learn("Ready for QA", "done");
        mapping.learn("Shipped", "done");
        assert_eq!(mapping.category("Ready for QA"), "in_progress");
        assert_eq!(mapping.category("shipped"), "done");
        assert_eq!(mapping.category("Backlog"), "todo");
        assert_eq!(mapping.category("In Review"), "in_progress");
    }

    #[test]
    fn labels_win_over_issue_types() {
        let mut mapping = Mapping::default();
        mapping
            .label_types
            .insert("incident".into(), "incident".into());
        assert_eq!(
            mapping
                .issue_type(Some("Task"), &["incident".into()])
                .as_deref(),
            Some("incident")
        );
        assert_eq!(
            mapping.issue_type(Some("Story"), &[]).as_deref(),
            Some("feature")
        );
        assert_eq!(mapping.issue_type(Some("Spike"), &[]), None);
    }

    #[test]
    fn pull_request_urls_become_keys() {
        assert_eq!(
            pull_request_of("https://github.com/acme/api/pull/42").as_deref(),
            Some("acme/api#42")
        );
        assert_eq!(
            pull_request_of("https://github.com/acme/api/issues/42"),
            None
        );
        assert_eq!(pull_request_of("https://example.com/x"), None);
    }

    #[test]
    fn changelog_items_become_events_with_people_resolved() {
        use super::super::wire::HistoryUser;
        let who = Identities::from_people(&[crate::model::Person {
            person: "ada".into(),
            display_name: None,
            team: "core".into(),
            teams: Vec::new(),
            role: "engineer".into(),
            timezone: "UTC".into(),
            work_start_hour: None,
            work_end_hour: None,
            aliases: vec!["712020:ada".into(), "ada@home.example".into()],
        }]);
        let item =
            |field: &str, id: Option<&str>, from: Option<&str>, to: Option<&str>| ChangeItem {
                field: field.into(),
                field_id: id.map(str::to_string),
                from: from.map(str::to_string),
                from_string: from.map(|f| format!("{f}!")),
                to: to.map(str::to_string),
                to_string: to.map(|t| format!("{t}!")),
            };
        let histories = vec![
            History {
                author: Some(HistoryUser {
                    account_id: Some("712020:other-ada-account".into()),
                    email_address: Some("ADA@home.example".into()),
                    display_name: None,
                }),
                created: "2026-10-05T11:00:00.000+0200".into(),
                items: vec![
                    item("assignee", Some("assignee"), None, Some("712020:ada")),
                    item("Rank", Some("customfield_10019"), None, Some("x")),
                    ChangeItem {
                        field: "Sprint".into(),
                        field_id: Some("customfield_10020".into()),
                        from: Some(String::new()),
                        from_string: Some(String::new()),
                        to: Some("7".into()),
                        to_string: Some("OPS Sprint 7".into()),
                    },
                    ChangeItem {
                        field: "Sprint".into(),
                        field_id: Some("customfield_10020".into()),
                        from: Some("7".into()),
                        from_string: Some("OPS Sprint 7".into()),
                        to: Some("7, 8".into()),
                        to_string: Some("OPS Sprint 7, OPS Sprint 8".into()),
                    },
                ],
            },
            History {
                author: None,
                created: "2026-10-04T09:00:00.000+0000".into(),
                items: vec![item("status", Some("status"), Some("1"), Some("3"))],
            },
        ];
        let mapping = Mapping {
            sprint_field: "customfield_10020".into(),
            story_points_field: "customfield_10016".into(),
            ..Mapping::default()
        };
        let events = events("OPS-1", &histories, &mapping, &who);
        let got: Vec<(String, String, Option<String>, Option<String>)> = events
            .iter()
            .map(|e| {
                (
                    e.actor.clone(),
                    e.field.clone(),
                    e.from.clone(),
                    e.to.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    NO_AUTHOR.into(),
                    "status".into(),
                    Some("1!".into()),
                    Some("3!".into())
                ),
                ("ada".into(), "assignee".into(), None, Some("ada".into())),
                (
                    "ada".into(),
                    "sprint".into(),
                    None,
                    Some("OPS Sprint 7".into())
                ),
                (
                    "ada".into(),
                    "sprint".into(),
                    Some("OPS Sprint 7".into()),
                    Some("OPS Sprint 8".into())
                ),
            ]
        );
    }
}
