//! From Linear's answers to the normalized tables: `issues`, `issue_events`, `comments`.
//!
//! - **Status category** from the workflow state's `type`: triage, backlog and unstarted are
//!   `todo`; started is `in_progress`; completed and canceled are `done`.
//! - **started_at**: the first move into a started state; **resolved_at**: for an issue done
//!   now, the last move into a done state; **reopen_count**: moves from a done state to an open
//!   one. All from the history, read to the end.
//! - **Type** from labels ([`TypeRules`]): a label of the `Type` label group (Linear's usual
//!   way to type issues; such labels are the type and are not listed among the issue's labels),
//!   else the first label named in `[linear] type_labels` (kept among the labels), else
//!   `default_type`. Names go through `type_labels` (`Improvement` → `feature`).
//! - **Events**: one row per changed field of each history entry, with the entry's actor:
//!   `status` (state names), `assignee` (people), `title`, `description` (no text: only that it
//!   changed), `sprint` (cycle names), `estimate`, `priority` (Linear's names: Urgent, High,
//!   Medium, Low, No priority), `labels` (removed names → added names, comma-separated), `team`
//!   (a move between teams, by team key; the issue's key is its identifier now).
//! - **People**: a Linear user is the roster person whose alias is their e-mail, user id, display
//!   name or name, in that order; otherwise their e-mail (or id when Linear hides it).
//! - **Linked PRs**: attachments whose URL is a GitHub pull request, as `owner/name#N`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::SOURCE;
use super::wire::{Cycle, History, Issue as WireIssue, Label, State, User};
use crate::config::LinearConfig;
use crate::model::{Comment, Issue, IssueEvent};
use crate::sources::identities::Identities;

/// Who did something no user did (an integration, an automation).
pub const AUTOMATION: &str = "linear-automation";

/// How labels give an issue's type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeRules {
    by_label: BTreeMap<String, String>,
    default_type: String,
}

impl TypeRules {
    pub fn from_config(config: &LinearConfig) -> TypeRules {
        TypeRules {
            by_label: config
                .type_labels
                .iter()
                .map(|(label, kind)| (label.to_lowercase(), kind.clone()))
                .collect(),
            default_type: config.default_type.clone(),
        }
    }

    /// A label of the `Type` label group.
    fn is_type_group(label: &Label) -> bool {
        label
            .parent
            .as_ref()
            .is_some_and(|p| p.name.eq_ignore_ascii_case("type"))
    }

    /// The issue's type: a label of the `Type` group first (mapped through `type_labels`, or the
    /// default), then the first label named in `type_labels`, then the default.
    fn type_of(&self, labels: &[Label]) -> String {
        let mapped = |label: &Label| self.by_label.get(&label.name.to_lowercase()).cloned();
        if let Some(label) = labels.iter().find(|l| Self::is_type_group(l)) {
            return mapped(label).unwrap_or_else(|| self.default_type.clone());
        }
        labels
            .iter()
            .find_map(mapped)
            .unwrap_or_else(|| self.default_type.clone())
    }
}

/// The rows of one issue.
#[derive(Debug, Default)]
pub struct IssueRows {
    pub issue: Option<Issue>,
    pub events: Vec<IssueEvent>,
    pub comments: Vec<Comment>,
    /// The cycles the issue is or was in, as `sprints` rows.
    pub sprints: Vec<crate::model::Sprint>,
}

/// A cycle as a `sprints` row (Linear gives no completion time here: `completed_at` is empty).
pub fn sprint_row(cycle: &Cycle, team: Option<&str>) -> crate::model::Sprint {
    crate::model::Sprint {
        source: SOURCE.into(),
        id: cycle.id.clone(),
        name: sprint_name(cycle, team),
        project: team.map(str::to_string),
        started_at: cycle.starts_at,
        ended_at: cycle.ends_at,
        completed_at: None,
    }
}

/// `todo`, `in_progress` or `done`, from a workflow state's type.
pub fn status_category(state_type: &str) -> &'static str {
    match state_type {
        "started" => "in_progress",
        "completed" | "canceled" => "done",
        _ => "todo",
    }
}

fn is_done(state: &State) -> bool {
    status_category(&state.kind) == "done"
}

/// The roster's person for a Linear user.
pub fn person(identities: &Identities, user: &User) -> String {
    let candidates = [
        user.email.as_deref(),
        Some(user.id.as_str()),
        user.display_name.as_deref(),
        user.name.as_deref(),
    ];
    for candidate in candidates.into_iter().flatten() {
        if identities.knows(candidate) {
            return identities.resolve(candidate);
        }
    }
    user.email
        .clone()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| user.id.clone())
}

/// A cycle as a sprint name unique across teams (the overload detector groups by it): its
/// name when that names the team already, else the team key before its name, or before
/// `Cycle N` when it has none (most Linear cycles are unnamed and numbered per team).
pub fn sprint_name(cycle: &Cycle, team: Option<&str>) -> String {
    let name = cycle
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("Cycle {}", cycle.number));
    match team {
        Some(team) if !name.split_whitespace().any(|word| word == team) => {
            format!("{team} {name}")
        }
        _ => name,
    }
}

/// Linear's priority numbers by name.
pub fn priority_name(priority: f64) -> &'static str {
    match priority as i64 {
        1 => "Urgent",
        2 => "High",
        3 => "Medium",
        4 => "Low",
        _ => "No priority",
    }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// `owner/name#N` for a GitHub pull request URL.
pub fn pull_request_reference(url: &str) -> Option<String> {
    let rest = url
        .trim()
        .strip_prefix("https://github.com/")
        .or_else(|| url.trim().strip_prefix("http://github.com/"))?;
    let mut parts = rest.split('/');
    let (owner, name, kind, number) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let number: u64 = number.split(['#', '?']).next()?.parse().ok()?;
    (kind == "pull" && !owner.is_empty() && !name.is_empty())
        .then(|| format!("{owner}/{name}#{number}"))
}

/// Normalizes one issue whose connections were all read to the end.
pub fn issue(node: WireIssue, identities: &Identities, types: &TypeRules) -> IssueRows {
    let key = node.identifier.clone();
    let project = node
        .team
        .as_ref()
        .map(|t| t.key.clone())
        .or_else(|| key.rsplit_once('-').map(|(team, _)| team.to_string()));
    let who = |user: &Option<User>| user.as_ref().map(|u| person(identities, u));

    let mut history: Vec<History> = node.history.map(|h| h.nodes).unwrap_or_default();
    history.sort_by_key(|h| h.created_at);
    let mut events = Vec::new();
    let mut started_at: Option<DateTime<Utc>> = None;
    let mut resolved_at: Option<DateTime<Utc>> = None;
    let mut reopen_count = 0i64;
    for entry in &history {
        let actor = who(&entry.actor).unwrap_or_else(|| AUTOMATION.to_string());
        let mut push = |field: &str, from: Option<String>, to: Option<String>| {
            events.push(IssueEvent {
                source: SOURCE.into(),
                key: key.clone(),
                at: entry.created_at,
                actor: actor.clone(),
                field: field.to_string(),
                from,
                to,
            });
        };
        if entry.from_state.is_some() || entry.to_state.is_some() {
            if let Some(to) = &entry.to_state {
                if to.kind == "started" && started_at.is_none() {
                    started_at = Some(entry.created_at);
                }
                if is_done(to) {
                    resolved_at = Some(entry.created_at);
                }
                if entry.from_state.as_ref().is_some_and(is_done) && !is_done(to) {
                    reopen_count += 1;
                }
            }
            push(
                "status",
                entry.from_state.as_ref().map(|s| s.name.clone()),
                entry.to_state.as_ref().map(|s| s.name.clone()),
            );
        }
        if entry.from_assignee.is_some() || entry.to_assignee.is_some() {
            push(
                "assignee",
                who(&entry.from_assignee),
                who(&entry.to_assignee),
            );
        }
        if entry.from_title.is_some() || entry.to_title.is_some() {
            push("title", entry.from_title.clone(), entry.to_title.clone());
        }
        if entry.updated_description == Some(true) {
            push("description", None, None);
        }
        if entry.from_cycle.is_some() || entry.to_cycle.is_some() {
            push(
                "sprint",
                entry
                    .from_cycle
                    .as_ref()
                    .map(|c| sprint_name(c, project.as_deref())),
                entry
                    .to_cycle
                    .as_ref()
                    .map(|c| sprint_name(c, project.as_deref())),
            );
        }
        if entry.from_estimate.is_some() || entry.to_estimate.is_some() {
            push(
                "estimate",
                entry.from_estimate.map(number),
                entry.to_estimate.map(number),
            );
        }
        if entry.from_priority.is_some() || entry.to_priority.is_some() {
            push(
                "priority",
                entry.from_priority.map(|p| priority_name(p).to_string()),
                entry.to_priority.map(|p| priority_name(p).to_string()),
            );
        }
        let names = |labels: &Option<Vec<Label>>| {
            labels.as_ref().filter(|l| !l.is_empty()).map(|l| {
                l.iter()
                    .map(|l| l.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        let (removed, added) = (names(&entry.removed_labels), names(&entry.added_labels));
        if removed.is_some() || added.is_some() {
            push("labels", removed, added);
        }
        if entry.from_team.is_some() || entry.to_team.is_some() {
            push(
                "team",
                entry.from_team.as_ref().map(|t| t.key.clone()),
                entry.to_team.as_ref().map(|t| t.key.clone()),
            );
        }
    }

    let category = node
        .state
        .as_ref()
        .map_or("todo", |s| status_category(&s.kind));
    let labels: Vec<Label> = node.labels.map(|l| l.nodes).unwrap_or_default();
    let issue_type = types.type_of(&labels);
    let label_names: Vec<String> = labels
        .iter()
        .filter(|l| !TypeRules::is_type_group(l))
        .map(|l| l.name.clone())
        .collect();
    let linked_prs: Vec<String> = node
        .attachments
        .map(|a| a.nodes)
        .unwrap_or_default()
        .iter()
        .filter_map(|a| pull_request_reference(&a.url))
        .collect();
    let comments = node
        .comments
        .map(|c| c.nodes)
        .unwrap_or_default()
        .into_iter()
        .map(|c| Comment {
            source: SOURCE.into(),
            target: "issue".into(),
            container: project.clone().unwrap_or_default(),
            item: key.clone(),
            author: who(&c.user).unwrap_or_else(|| AUTOMATION.to_string()),
            created_at: c.created_at,
            is_review_thread: Some(false),
        })
        .collect();

    let sprint = node
        .cycle
        .as_ref()
        .map(|c| sprint_name(c, project.as_deref()));
    let mut sprints: Vec<crate::model::Sprint> = Vec::new();
    for cycle in node.cycle.iter().chain(
        history
            .iter()
            .flat_map(|h| h.from_cycle.iter().chain(h.to_cycle.iter())),
    ) {
        if !sprints.iter().any(|s| s.id == cycle.id) {
            sprints.push(sprint_row(cycle, project.as_deref()));
        }
    }
    let issue = Issue {
        source: SOURCE.into(),
        key: key.clone(),
        project,
        title: Some(node.title),
        issue_type: Some(issue_type),
        reporter: who(&node.creator),
        assignee: who(&node.assignee),
        status: node.state.as_ref().map(|s| s.name.clone()),
        status_category: Some(category.to_string()),
        created_at: node.created_at,
        started_at,
        resolved_at: resolved_at.filter(|_| category == "done"),
        reopen_count: Some(reopen_count),
        sprint,
        estimate: node.estimate,
        labels: label_names,
        url: node.url,
        linked_prs,
    };
    IssueRows {
        issue: Some(issue),
        events,
        comments,
        sprints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::linear::wire::{Connection, LabelParent};

    fn user(id: &str) -> User {
        User {
            id: format!("u-{id}"),
            email: Some(format!("{id}@acme.example")),
            display_name: Some(id.into()),
            name: None,
        }
    }

    fn state(name: &str, kind: &str) -> State {
        State {
            name: name.into(),
            kind: kind.into(),
        }
    }

    fn at(minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 3, 2, 9, minute, 0).unwrap()
    }

    fn moved(id: &str, minute: u32, from: (&str, &str), to: (&str, &str)) -> History {
        History {
            id: id.into(),
            created_at: at(minute),
            actor: Some(user("ada")),
            from_state: Some(state(from.0, from.1)),
            to_state: Some(state(to.0, to.1)),
            from_assignee: None,
            to_assignee: None,
            from_title: None,
            to_title: None,
            updated_description: None,
            from_cycle: None,
            to_cycle: None,
            from_estimate: None,
            to_estimate: None,
            from_priority: None,
            to_priority: None,
            added_labels: None,
            removed_labels: None,
            from_team: None,
            to_team: None,
        }
    }

    #[test]
    fn dates_and_reopens_come_from_the_state_types() {
        let history = vec![
            moved("4", 40, ("Done", "completed"), ("In Progress", "started")),
            moved("1", 10, ("Todo", "unstarted"), ("In Progress", "started")),
            moved("5", 50, ("In Progress", "started"), ("Done", "completed")),
            moved("3", 30, ("In Review", "started"), ("Done", "completed")),
            moved(
                "2",
                20,
                ("In Progress", "started"),
                ("In Review", "started"),
            ),
        ];
        let label = |name: &str, parent: Option<&str>| Label {
            id: name.into(),
            name: name.into(),
            parent: parent.map(|p| LabelParent { name: p.into() }),
        };
        let node = WireIssue {
            id: "i1".into(),
            identifier: "PAY-12".into(),
            title: "Refunds".into(),
            url: None,
            created_at: at(0),
            updated_at: at(50),
            trashed: None,
            archived_at: None,
            previous_identifiers: None,
            estimate: Some(3.0),
            priority: Some(2.0),
            team: None,
            creator: Some(user("bo")),
            assignee: Some(user("ada")),
            state: Some(state("Done", "completed")),
            cycle: None,
            labels: Some(Connection {
                nodes: vec![label("Bug", Some("Type")), label("unplanned", None)],
                page_info: None,
            }),
            attachments: None,
            comments: None,
            history: Some(Connection {
                nodes: history,
                page_info: None,
            }),
        };
        let types = TypeRules::from_config(&LinearConfig::default());
        let rows = issue(node, &Identities::from_people(&[]), &types);
        let issue = rows.issue.unwrap();
        assert_eq!(issue.started_at, Some(at(10)));
        assert_eq!(issue.resolved_at, Some(at(50)));
        assert_eq!(issue.reopen_count, Some(1));
        assert_eq!(issue.status_category.as_deref(), Some("done"));
        assert_eq!(issue.issue_type.as_deref(), Some("bug"));
        assert_eq!(issue.labels, vec!["unplanned".to_string()]);
        assert_eq!(issue.project.as_deref(), Some("PAY"));
        assert_eq!(issue.assignee.as_deref(), Some("ada@acme.example"));
        assert_eq!(rows.events.len(), 5);
        assert!(rows.events.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn every_changed_field_of_an_entry_is_an_event_with_its_actor() {
        let label = |name: &str| Label {
            id: name.into(),
            name: name.into(),
            parent: None,
        };
        let cycle = Cycle {
            id: "c".into(),
            number: 3.0,
            name: None,
            starts_at: None,
            ends_at: None,
        };
        let mut entry = moved("1", 5, ("Todo", "unstarted"), ("In Progress", "started"));
        entry.actor = None;
        entry.from_assignee = Some(user("bo"));
        entry.to_assignee = Some(user("ada"));
        entry.from_title = Some("Old".into());
        entry.to_title = Some("New".into());
        entry.updated_description = Some(true);
        entry.to_cycle = Some(cycle);
        entry.from_estimate = Some(2.0);
        entry.to_estimate = Some(3.5);
        entry.from_team = Some(crate::sources::linear::wire::TeamRef { key: "WEB".into() });
        entry.to_team = Some(crate::sources::linear::wire::TeamRef { key: "PAY".into() });
        entry.from_priority = Some(0.0);
        entry.to_priority = Some(1.0);
        entry.added_labels = Some(vec![label("urgent"), label("api")]);
        entry.removed_labels = Some(vec![]);
        let node = WireIssue {
            id: "i2".into(),
            identifier: "PAY-13".into(),
            title: "New".into(),
            url: None,
            created_at: at(0),
            updated_at: at(5),
            trashed: None,
            archived_at: None,
            previous_identifiers: Some(vec!["WEB-40".into()]),
            estimate: Some(3.5),
            priority: Some(1.0),
            team: Some(crate::sources::linear::wire::TeamRef { key: "PAY".into() }),
            creator: None,
            assignee: Some(user("ada")),
            state: Some(state("In Progress", "started")),
            cycle: None,
            labels: None,
            attachments: None,
            comments: None,
            history: Some(Connection {
                nodes: vec![entry],
                page_info: None,
            }),
        };
        let types = TypeRules::from_config(&LinearConfig::default());
        let rows = issue(node, &Identities::from_people(&[]), &types);
        let events: Vec<(String, Option<String>, Option<String>)> = rows
            .events
            .iter()
            .map(|e| (e.field.clone(), e.from.clone(), e.to.clone()))
            .collect();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            events,
            vec![
                ("status".into(), some("Todo"), some("In Progress")),
                (
                    "assignee".into(),
                    some("bo@acme.example"),
                    some("ada@acme.example")
                ),
                ("title".into(), some("Old"), some("New")),
                ("description".into(), None, None),
                ("sprint".into(), None, some("PAY Cycle 3")),
                ("estimate".into(), some("2"), some("3.5")),
                ("priority".into(), some("No priority"), some("Urgent")),
                ("labels".into(), None, some("urgent, api")),
                ("team".into(), some("WEB"), some("PAY")),
            ]
        );
        assert!(rows.events.iter().all(|e| e.actor == AUTOMATION));
        assert_eq!(rows.issue.unwrap().issue_type.as_deref(), Some("feature"));
    }

    #[test]
    fn cycles_are_named_per_team() {
        let cycle = |name: Option<&str>| Cycle {
            id: "c".into(),
            number: 7.0,
            name: name.map(str::to_string),
            starts_at: None,
            ends_at: None,
        };
        assert_eq!(sprint_name(&cycle(None), Some("PAY")), "PAY Cycle 7");
        assert_eq!(
            sprint_name(&cycle(Some("Sprint 7")), Some("PAY")),
            "PAY Sprint 7"
        );
        assert_eq!(
            sprint_name(&cycle(Some("PAY Sprint 7")), Some("PAY")),
            "PAY Sprint 7"
        );
    }

    #[test]
    fn state_types_map_to_categories() {
        for (kind, category) in [
            ("triage", "todo"),
            ("backlog", "todo"),
            ("unstarted", "todo"),
            ("started", "in_progress"),
            ("completed", "done"),
            ("canceled", "done"),
        ] {
            assert_eq!(status_category(kind), category);
        }
    }

    #[test]
    fn github_pull_request_links_become_references() {
        assert_eq!(
            pull_request_reference("https://github.com/acme/api/pull/42").as_deref(),
            Some("acme/api#42")
        );
        assert_eq!(
            pull_request_reference("https://github.com/acme/api/issues/42"),
            None
        );
        assert_eq!(pull_request_reference("https://figma.com/x"), None);
    }
}
