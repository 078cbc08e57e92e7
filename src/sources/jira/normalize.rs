//! From Jira's answers to the normalized `issues`, `issue_events` and `comments` rows.
//!
//! - **Status categories** (`todo`, `in_progress`, `done`) come from `[jira.status_categories]`
//!   (workflow status name → category) first, then from Jira's own category of the status
//!   (`new`, `indeterminate`, `done`) in the site's status list, else as an issue in that status
//!   carries it (`fields.status.statusCategory`), then from the usual names.
//! - **Dates from the changelog**: `started_at` is the first move into an in-progress status,
//!   `resolved_at` the last move into a done status (only while the ticket is done),
//!   `reopen_count` the moves from a done status back to an open one.
//! - **Type** (`bug`, `incident`, `feature`, `chore`): a label of `[jira.label_types]` first,
//!   then the issue type through `[jira.issue_types]`, then its place in the hierarchy (epics
//!   and above are features, subtasks chores), then its name in [`ISSUE_TYPE_NAMES`] (English
//!   and the names localized sites give the default types).
//! - **Automation accounts are bots**: an account Jira reports with `accountType: "app"`
//!   ("Automation for Jira") that the roster does not name is stored as `<display name>[bot]`,
//!   the suffix every bot filter of the analysis reads (as GitHub's `name[bot]`); so is a change
//!   Jira records without an author ([`NO_AUTHOR`]).
//! - **Every field change** becomes an `issue_events` row with its actor: status, assignee,
//!   summary (as `title`), description, sprint, story points (as `estimate`), priority, labels.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::wire::{ChangeItem, CommentNode, History, IssueNode, IssueType, RemoteLink, User};
use crate::config::JiraConfig;
use crate::model::{Comment, Issue, IssueEvent};
use crate::sources::identities::Identities;

/// The `source` column of every row this source writes.
pub const SOURCE: &str = "jira";

/// Who made a change Jira records without an author (automation, imports): a bot.
pub const NO_AUTHOR: &str = "jira-automation[bot]";

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
    /// Account id of an app (automation) account the roster does not name → the id its rows
    /// carry ([`bot_id`]): known from earlier fetches (the manifest's accounts) and from the
    /// issues read so far, so that a changelog naming it by id alone (an assignee change) says
    /// the same.
    pub app_accounts: BTreeMap<String, String>,
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
            app_accounts: BTreeMap::new(),
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

    /// The category of a status from the config or Jira (the status list, or an issue in it),
    /// if either has said.
    pub fn known_category(&self, status: &str) -> Option<&str> {
        self.status_categories
            .get(&status.to_lowercase())
            .map(String::as_str)
    }

    /// The category of a workflow status.
    pub fn category(&self, status: &str) -> &str {
        if let Some(category) = self.known_category(status) {
            return category;
        }
        match status.to_lowercase().as_str() {
            "to do" | "open" | "backlog" | "new" | "selected for development" => "todo",
            "done" | "closed" | "resolved" | "released" | "won't do" | "cancelled" => "done",
            _ => "in_progress",
        }
    }

    /// The ticket type from its labels and issue type: a label of `[jira.label_types]`, the
    /// type's name in `[jira.issue_types]`, its place in Jira's hierarchy (epics and above are
    /// features, subtasks chores: facts no translation changes), then its name in
    /// [`ISSUE_TYPE_NAMES`].
    pub fn issue_type(&self, issue_type: Option<&IssueType>, labels: &[String]) -> Option<String> {
        for label in labels {
            if let Some(t) = self.label_types.get(&label.to_lowercase()) {
                return Some(t.clone());
            }
        }
        let issue_type = issue_type?;
        let name = issue_type.name.trim().to_lowercase();
        if let Some(t) = self.issue_types.get(&name) {
            return Some(t.clone());
        }
        let level = issue_type.hierarchy_level;
        if level.is_some_and(|l| l >= 1) {
            return Some("feature".into());
        }
        if issue_type.subtask == Some(true) || level == Some(-1) {
            return Some("chore".into());
        }
        ISSUE_TYPE_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
    }
}

/// Issue type names → ticket type, lower case: Jira's default types in English and as sites in
/// other languages name them (Portuguese, Spanish, French, German, Italian), and the usual
/// extras. A name not here, of a base-level type, has no type unless `[jira.issue_types]` gives
/// one. Keep it sorted by ticket type, then language.
pub const ISSUE_TYPE_NAMES: &[(&str, &str)] = &[
    // bug
    ("bug", "bug"),
    ("defect", "bug"),
    ("erro", "bug"),
    ("defeito", "bug"),
    ("error", "bug"),
    ("defecto", "bug"),
    ("bogue", "bug"),
    ("anomalie", "bug"),
    ("fehler", "bug"),
    ("difetto", "bug"),
    // incident
    ("incident", "incident"),
    ("outage", "incident"),
    ("problem", "incident"),
    ("incidente", "incident"),
    ("problema", "incident"),
    ("incidencia", "incident"),
    ("problème", "incident"),
    ("vorfall", "incident"),
    ("störung", "incident"),
    // feature
    ("story", "feature"),
    ("user story", "feature"),
    ("epic", "feature"),
    ("new feature", "feature"),
    ("feature", "feature"),
    ("improvement", "feature"),
    ("história", "feature"),
    ("historia", "feature"),
    ("épico", "feature"),
    ("nova funcionalidade", "feature"),
    ("melhoria", "feature"),
    ("épica", "feature"),
    ("nueva función", "feature"),
    ("mejora", "feature"),
    ("récit", "feature"),
    ("épopée", "feature"),
    ("nouvelle fonctionnalité", "feature"),
    ("amélioration", "feature"),
    ("epos", "feature"),
    ("neue funktion", "feature"),
    ("verbesserung", "feature"),
    ("storia", "feature"),
    ("miglioramento", "feature"),
    // chore
    ("task", "chore"),
    ("sub-task", "chore"),
    ("subtask", "chore"),
    ("chore", "chore"),
    ("technical debt", "chore"),
    ("tarefa", "chore"),
    ("subtarefa", "chore"),
    ("sub-tarefa", "chore"),
    ("tarea", "chore"),
    ("subtarea", "chore"),
    ("tâche", "chore"),
    ("sous-tâche", "chore"),
    ("aufgabe", "chore"),
    ("unteraufgabe", "chore"),
    ("attività", "chore"),
    ("sottoattività", "chore"),
    ("sotto-attività", "chore"),
];

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

/// The id an app (automation) account's rows carry: its display name with GitHub's `[bot]`
/// suffix, which every bot filter of the analysis reads (`Automation for Jira[bot]`); its
/// account id with the suffix when Jira gives no name.
pub fn bot_id(display_name: Option<&str>, account_id: &str) -> String {
    let name = display_name.map(str::trim).filter(|n| !n.is_empty());
    match name {
        Some(name) if name.ends_with("[bot]") => name.to_string(),
        Some(name) => format!("{name}[bot]"),
        None => format!("{account_id}[bot]"),
    }
}

/// Whether Jira says an account belongs to an app (`accountType: "app"`): automation rules,
/// integrations, Connect and Forge apps; never a person.
pub fn is_app(account_type: Option<&str>) -> bool {
    account_type == Some("app")
}

/// [`person`], except that an account of `apps` the roster does not name is that app's bot.
fn resolve(
    who: &Identities,
    apps: &BTreeMap<String, String>,
    account_id: Option<&str>,
    email: Option<&str>,
) -> Option<String> {
    let found = person(who, account_id, email)?;
    match account_id {
        Some(id) if found == id => Some(apps.get(id).cloned().unwrap_or(found)),
        _ => Some(found),
    }
}

fn user(who: &Identities, apps: &BTreeMap<String, String>, user: Option<&User>) -> Option<String> {
    let user = user?;
    resolve(
        who,
        apps,
        user.account_id.as_deref(),
        user.email_address.as_deref(),
    )
}

/// The app accounts among an issue's people (any user Jira sends with `accountType: "app"`),
/// added to those `known` already: account id → [`bot_id`].
pub fn app_accounts(
    parts: &IssueParts<'_>,
    known: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = known.clone();
    let mut add = |id: Option<&str>, kind: Option<&str>, name: Option<&str>| {
        if let Some(id) = id.filter(|_| is_app(kind)) {
            out.entry(id.to_string())
                .or_insert_with(|| bot_id(name, id));
        }
    };
    let fields = &parts.node.fields;
    for user in [fields.assignee.as_ref(), fields.reporter.as_ref()]
        .into_iter()
        .flatten()
        .chain(parts.comments.iter().filter_map(|c| c.author.as_ref()))
    {
        add(
            user.account_id.as_deref(),
            user.account_type.as_deref(),
            user.display_name.as_deref(),
        );
    }
    for author in parts.histories.iter().filter_map(|h| h.author.as_ref()) {
        add(
            author.account_id.as_deref(),
            author.account_type.as_deref(),
            author.display_name.as_deref(),
        );
    }
    out
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
    let mut apps = mapping.app_accounts.clone();
    for author in histories.iter().filter_map(|h| h.author.as_ref()) {
        if let Some(id) = author.account_id.as_deref()
            && is_app(author.account_type.as_deref())
        {
            apps.entry(id.to_string())
                .or_insert_with(|| bot_id(author.display_name.as_deref(), id));
        }
    }
    events_with(key, histories, mapping, who, &apps)
}

fn events_with(
    key: &str,
    histories: &[History],
    mapping: &Mapping,
    who: &Identities,
    apps: &BTreeMap<String, String>,
) -> Vec<IssueEvent> {
    let mut out = Vec::new();
    for history in histories {
        let Some(at) = parse_time(&history.created) else {
            continue;
        };
        let actor = history
            .author
            .as_ref()
            .and_then(|a| {
                resolve(
                    who,
                    apps,
                    a.account_id.as_deref(),
                    a.email_address.as_deref(),
                )
            })
            .unwrap_or_else(|| NO_AUTHOR.to_string());
        for item in &history.items {
            let Some(field) = field_name(item, mapping) else {
                continue;
            };
            let (from, to) = if field == "assignee" {
                (
                    text(&item.from).map(|id| resolve(who, apps, Some(&id), None).unwrap_or(id)),
                    text(&item.to).map(|id| resolve(who, apps, Some(&id), None).unwrap_or(id)),
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
    /// An app's account (`accountType: "app"`), stored as its [`bot_id`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
}

/// The accounts of an issue's people that resolve to no person of the roster.
pub fn unknown_accounts(
    parts: &IssueParts<'_>,
    who: &Identities,
    out: &mut BTreeMap<String, AccountInfo>,
) {
    let mut note =
        |id: Option<&str>, name: Option<&str>, email: Option<&str>, kind: Option<&str>| {
            let Some(id) = id else { return };
            if person(who, Some(id), email).as_deref() != Some(id) {
                return;
            }
            let entry = out.entry(id.to_string()).or_default();
            entry.bot |= is_app(kind);
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
            user.account_type.as_deref(),
        );
    }
    for history in parts.histories {
        if let Some(author) = &history.author {
            note(
                author.account_id.as_deref(),
                author.display_name.as_deref(),
                author.email_address.as_deref(),
                author.account_type.as_deref(),
            );
        }
        for item in history.items.iter().filter(|i| i.field == "assignee") {
            note(
                item.from.as_deref(),
                item.from_string.as_deref(),
                None,
                None,
            );
            note(item.to.as_deref(), item.to_string.as_deref(), None, None);
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
    let apps = app_accounts(&parts, &mapping.app_accounts);
    let events = events_with(&node.key, parts.histories, mapping, who, &apps);
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
                author: user(who, &apps, c.author.as_ref()).unwrap_or_else(|| NO_AUTHOR.into()),
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
    // The issue's own category of its status, for a status the config and the site's status
    // list do not know (team-managed projects' statuses can be missing from it).
    let own = fields.status.as_ref().and_then(|s| {
        let key = s.status_category.as_ref()?.key.as_str();
        Some((s.name.to_lowercase(), from_jira_category(key)?))
    });
    let category_of_name = |name: &str| -> String {
        match (mapping.known_category(name), &own) {
            (Some(known), _) => known.to_string(),
            (None, Some((status, category))) if *status == name.to_lowercase() => {
                category.to_string()
            }
            _ => mapping.category(name).to_string(),
        }
    };
    let category = status.as_deref().map(category_of_name);
    let moves: Vec<&IssueEvent> = events.iter().filter(|e| e.field == "status").collect();
    let category_of = |s: &Option<String>| s.as_deref().map(category_of_name);
    let started_at = moves
        .iter()
        .find(|e| category_of(&e.to).as_deref() == Some("in_progress"))
        .map(|e| e.at);
    let resolved_at = if category.as_deref() == Some("done") {
        moves
            .iter()
            .rev()
            .find(|e| category_of(&e.to).as_deref() == Some("done"))
            .map(|e| e.at)
    } else {
        None
    };
    let reopen_count = moves
        .iter()
        .filter(|e| {
            category_of(&e.from).as_deref() == Some("done")
                && category_of(&e.to).as_deref() != Some("done")
        })
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
            issue_type: mapping.issue_type(fields.issuetype.as_ref(), &fields.labels),
            reporter: user(who, &apps, fields.reporter.as_ref()),
            assignee: user(who, &apps, fields.assignee.as_ref()),
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

    fn kind(name: &str, level: Option<i64>, subtask: Option<bool>) -> IssueType {
        IssueType {
            name: name.into(),
            subtask,
            hierarchy_level: level,
        }
    }

    #[test]
    fn labels_win_over_issue_types() {
        let mut mapping = Mapping::default();
        mapping
            .label_types
            .insert("incident".into(), "incident".into());
        let task = kind("Task", Some(0), Some(false));
        assert_eq!(
            mapping
                .issue_type(Some(&task), &["incident".into()])
                .as_deref(),
            Some("incident")
        );
        assert_eq!(
            mapping
                .issue_type(Some(&kind("Story", None, None)), &[])
                .as_deref(),
            Some("feature")
        );
        assert_eq!(
            mapping.issue_type(Some(&kind("Spike", Some(0), Some(false))), &[]),
            None
        );
    }

    #[test]
    fn issue_types_by_config_then_hierarchy_then_localized_names() {
        let mut mapping = Mapping::default();
        mapping
            .issue_types
            .insert("initiative".into(), "chore".into());
        let t = |name: &str, level: Option<i64>, subtask: Option<bool>| {
            mapping.issue_type(Some(&kind(name, level, subtask)), &[])
        };
        // The config's word first, even against the hierarchy.
        assert_eq!(
            t("Initiative", Some(2), Some(false)).as_deref(),
            Some("chore")
        );
        // Structure: epics and above are features, subtasks chores, whatever their name.
        assert_eq!(
            t("Iniciativa estratégica", Some(1), Some(false)).as_deref(),
            Some("feature")
        );
        assert_eq!(
            t("Subtarefa técnica", Some(-1), Some(true)).as_deref(),
            Some("chore")
        );
        assert_eq!(t("Teilaufgabe", None, Some(true)).as_deref(), Some("chore"));
        assert_eq!(t("Bug", Some(-1), Some(true)).as_deref(), Some("chore"));
        // Base types by name, as localized sites call Jira's defaults.
        for (name, want) in [
            ("Tarefa", "chore"),
            ("História", "feature"),
            ("Bug", "bug"),
            ("Épico", "feature"),
            ("Aufgabe", "chore"),
            ("Fehler", "bug"),
            ("Tâche", "chore"),
            ("Bogue", "bug"),
            ("Tarea", "chore"),
            ("Error", "bug"),
            ("Incidente", "incident"),
            ("  Task ", "chore"),
        ] {
            assert_eq!(
                t(name, Some(0), Some(false)).as_deref(),
                Some(want),
                "{name}"
            );
        }
        assert_eq!(t("Spike", Some(0), Some(false)), None);
        assert_eq!(mapping.issue_type(None, &[]), None);
        // The table is lower case, so that a lower-cased name finds it.
        for (name, _) in ISSUE_TYPE_NAMES {
            assert_eq!(*name, name.to_lowercase());
        }
    }

    #[test]
    fn an_issues_own_status_category_is_used_when_the_site_list_lacks_it() {
        let node: IssueNode = serde_json::from_value(serde_json::json!({
            "key": "OPS-1",
            "fields": {
                "status": {"name": "Concluído", "statusCategory": {"key": "done"}},
                "created": "2026-10-01T09:00:00.000+0000",
                "updated": "2026-10-03T09:00:00.000+0000",
            }
        }))
        .unwrap();
        let histories: Vec<History> = serde_json::from_value(serde_json::json!([
            {"created": "2026-10-02T09:00:00.000+0000", "items": [
                {"field": "status", "fieldId": "status", "fromString": "A fazer", "toString": "Concluído"}
            ]}
        ]))
        .unwrap();
        let mut mapping = Mapping::default();
        mapping.learn("In Progress", "indeterminate");
        let who = Identities::from_people(&[]);
        let parts = || IssueParts {
            node: &node,
            histories: &histories,
            comments: &[],
            links: &[],
        };
        let rows = issue(parts(), "https://x", &mapping, &who);
        let got = rows.issue.unwrap();
        assert_eq!(got.status_category.as_deref(), Some("done"));
        assert!(got.resolved_at.is_some());
        // The config still wins over the issue's own category.
        mapping
            .status_categories
            .insert("concluído".into(), "in_progress".into());
        let got = issue(parts(), "https://x", &mapping, &who).issue.unwrap();
        assert_eq!(got.status_category.as_deref(), Some("in_progress"));
        assert_eq!(got.resolved_at, None);
    }

    #[test]
    fn app_accounts_are_bots_unless_the_roster_names_them() {
        let automation = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077";
        let node: IssueNode = serde_json::from_value(serde_json::json!({
            "key": "OPS-2",
            "fields": {
                "reporter": {"accountId": automation, "accountType": "app", "displayName": "Automation for Jira"},
                "assignee": {"accountId": "712020:ada", "accountType": "atlassian", "displayName": "Ada"},
                "created": "2026-10-01T09:00:00.000+0000",
                "updated": "2026-10-03T09:00:00.000+0000",
            }
        }))
        .unwrap();
        let histories: Vec<History> = serde_json::from_value(serde_json::json!([
            {"author": {"accountId": automation, "accountType": "app", "displayName": "Automation for Jira"},
             "created": "2026-10-02T09:00:00.000+0000",
             "items": [{"field": "assignee", "fieldId": "assignee", "from": "712020:ada", "to": automation}]},
            {"author": {"accountId": "712020:cust", "accountType": "customer", "displayName": "A Customer"},
             "created": "2026-10-02T10:00:00.000+0000",
             "items": [{"field": "labels", "fieldId": "labels", "toString": "x"}]}
        ]))
        .unwrap();
        let parts = IssueParts {
            node: &node,
            histories: &histories,
            comments: &[],
            links: &[],
        };
        let who = Identities::from_people(&[]);
        let rows = issue(parts, "https://x", &Mapping::default(), &who);
        let got = rows.issue.unwrap();
        assert_eq!(got.reporter.as_deref(), Some("Automation for Jira[bot]"));
        assert_eq!(got.assignee.as_deref(), Some("712020:ada"));
        let actors: Vec<(&str, Option<&str>)> = rows
            .events
            .iter()
            .map(|e| (e.actor.as_str(), e.to.as_deref()))
            .collect();
        assert_eq!(
            actors,
            [
                ("Automation for Jira[bot]", Some("Automation for Jira[bot]")),
                ("712020:cust", Some("x")),
            ]
        );
        let mut accounts = BTreeMap::new();
        let parts = IssueParts {
            node: &node,
            histories: &histories,
            comments: &[],
            links: &[],
        };
        unknown_accounts(&parts, &who, &mut accounts);
        assert!(accounts[automation].bot);
        assert!(!accounts["712020:cust"].bot);
        assert!(!accounts["712020:ada"].bot);
        // A roster that names the account wins: it is whoever the roster says.
        let roster = Identities::from_people(&[crate::model::Person {
            person: "automation".into(),
            display_name: None,
            team: "bots".into(),
            teams: Vec::new(),
            role: "bot".into(),
            timezone: "UTC".into(),
            work_start_hour: None,
            work_end_hour: None,
            aliases: vec![automation.into()],
        }]);
        let rows = issue(parts, "https://x", &Mapping::default(), &roster);
        assert_eq!(rows.issue.unwrap().reporter.as_deref(), Some("automation"));
        assert_eq!(bot_id(None, "557058:x"), "557058:x[bot]");
        assert_eq!(bot_id(Some("ci[bot]"), "1"), "ci[bot]");
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
                    account_type: Some("atlassian".into()),
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
