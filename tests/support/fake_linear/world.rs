//! The simulator's tickets as Linear holds them: users, teams with their workflow states,
//! cycles, labels (the type as a label of the `Type` group), issues with their history entries,
//! comments and GitHub attachments.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use teamlens::model::{Dataset, IssueEvent};

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    /// triage, backlog, unstarted, started, completed, canceled.
    pub kind: &'static str,
}

#[derive(Debug, Clone)]
pub struct Cycle {
    pub id: String,
    pub number: i64,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Label {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
}

/// One history entry: the fields one change touched.
#[derive(Debug, Clone, Default)]
pub struct Hist {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: Option<usize>,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub from_assignee: Option<usize>,
    pub to_assignee: Option<usize>,
    pub from_title: Option<String>,
    pub to_title: Option<String>,
    pub updated_description: bool,
    pub from_cycle: Option<usize>,
    pub to_cycle: Option<usize>,
    pub from_estimate: Option<f64>,
    pub to_estimate: Option<f64>,
    pub from_priority: Option<f64>,
    pub to_priority: Option<f64>,
    pub added_labels: Vec<usize>,
    pub removed_labels: Vec<usize>,
    /// A move between teams: the team keys.
    pub from_team: Option<String>,
    pub to_team: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CommentW {
    pub id: String,
    pub at: DateTime<Utc>,
    pub user: usize,
}

#[derive(Debug, Clone)]
pub struct IssueW {
    pub id: String,
    pub identifier: String,
    pub team: String,
    pub title: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub estimate: Option<f64>,
    pub priority: f64,
    pub creator: Option<usize>,
    pub assignee: Option<usize>,
    pub state: State,
    pub cycle: Option<usize>,
    pub labels: Vec<usize>,
    pub attachments: Vec<String>,
    pub comments: Vec<CommentW>,
    pub history: Vec<Hist>,
    /// In the trash (Linear sets `archivedAt` too, and serves it only with `includeArchived`).
    pub trashed: bool,
    pub archived_at: Option<DateTime<Utc>>,
    /// Identifiers before moves between teams, oldest first.
    pub previous_identifiers: Vec<String>,
}

/// What the fake Linear serves.
#[derive(Debug, Clone, Default)]
pub struct LinearWorld {
    pub users: Vec<User>,
    pub teams: Vec<String>,
    pub cycles: Vec<Cycle>,
    pub labels: Vec<Label>,
    pub issues: Vec<IssueW>,
}

/// The workflow state type of the simulator's status names.
pub fn state_kind(name: &str) -> &'static str {
    match name {
        "To Do" => "unstarted",
        "Backlog" => "backlog",
        "Done" => "completed",
        "Canceled" => "canceled",
        _ => "started",
    }
}

/// The e-mail address a person's Linear account has (an alias of the simulator's roster).
pub fn email(person: &str) -> String {
    format!("{person}@acme.example")
}

/// The URL of an issue in the fake workspace.
pub fn issue_url(key: &str) -> String {
    format!("https://linear.app/acme/issue/{key}")
}

fn sprint_start(number: i64) -> DateTime<Utc> {
    let epoch = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let start = epoch + Duration::days((number - 1) * 14);
    Utc.from_utc_datetime(&start.and_time(NaiveTime::MIN)) + Duration::hours(8)
}

impl LinearWorld {
    pub fn user(&mut self, person: &str) -> usize {
        if let Some(i) = self.users.iter().position(|u| u.display_name == person) {
            return i;
        }
        self.users.push(User {
            id: format!("user-{person}"),
            email: email(person),
            display_name: person.to_string(),
            name: person.to_string(),
        });
        self.users.len() - 1
    }

    fn cycle(&mut self, name: &str) -> usize {
        if let Some(i) = self.cycles.iter().position(|c| c.name == name) {
            return i;
        }
        let number: i64 = name
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(self.cycles.len() as i64 + 1);
        let starts_at = sprint_start(number);
        self.cycles.push(Cycle {
            id: format!("cycle-{}", self.cycles.len() + 1),
            number,
            name: name.to_string(),
            starts_at,
            ends_at: starts_at + Duration::days(14),
        });
        self.cycles.len() - 1
    }

    fn label(&mut self, name: &str, parent: Option<&str>) -> usize {
        if let Some(i) = self
            .labels
            .iter()
            .position(|l| l.name == name && l.parent.as_deref() == parent)
        {
            return i;
        }
        self.labels.push(Label {
            id: format!("label-{}", self.labels.len() + 1),
            name: name.to_string(),
            parent: parent.map(str::to_string),
        });
        self.labels.len() - 1
    }

    /// The simulator's tickets (`issues`, `issue_events`, `comments` of any source) as Linear
    /// issues; its people as Linear users.
    pub fn from_dataset(data: &Dataset) -> LinearWorld {
        let mut world = LinearWorld::default();
        for person in &data.people {
            world.user(&person.person);
        }
        let mut events: BTreeMap<&str, Vec<&IssueEvent>> = BTreeMap::new();
        for event in &data.issue_events {
            events.entry(event.key.as_str()).or_default().push(event);
        }
        for (n, issue) in data.issues.iter().enumerate() {
            let team = issue
                .project
                .clone()
                .unwrap_or_else(|| issue.key.split('-').next().unwrap_or("T").to_string());
            if !world.teams.contains(&team) {
                world.teams.push(team.clone());
            }
            let mut history = Vec::new();
            let mut these: Vec<&IssueEvent> =
                events.get(issue.key.as_str()).cloned().unwrap_or_default();
            these.sort_by_key(|e| e.at);
            let mut updated_at = issue.created_at;
            for (h, e) in these.iter().enumerate() {
                updated_at = updated_at.max(e.at);
                let actor = Some(world.user(&e.actor));
                let mut entry = Hist {
                    id: format!("hist-{n}-{h}"),
                    at: e.at,
                    actor,
                    ..Hist::default()
                };
                let state = |name: &Option<String>| {
                    name.as_ref().map(|n| State {
                        name: n.clone(),
                        kind: state_kind(n),
                    })
                };
                match e.field.as_str() {
                    "status" => {
                        entry.from_state = state(&e.from);
                        entry.to_state = state(&e.to);
                    }
                    "assignee" => {
                        entry.from_assignee = e.from.as_deref().map(|p| world.user(p));
                        entry.to_assignee = e.to.as_deref().map(|p| world.user(p));
                    }
                    "title" => {
                        entry.from_title = e.from.clone();
                        entry.to_title = e.to.clone();
                    }
                    "description" => entry.updated_description = true,
                    "sprint" => {
                        entry.from_cycle = e.from.as_deref().map(|c| world.cycle(c));
                        entry.to_cycle = e.to.as_deref().map(|c| world.cycle(c));
                    }
                    "estimate" => {
                        entry.from_estimate = e.from.as_deref().and_then(|v| v.parse().ok());
                        entry.to_estimate = e.to.as_deref().and_then(|v| v.parse().ok());
                    }
                    "team" => {
                        entry.from_team = e.from.clone();
                        entry.to_team = e.to.clone();
                    }
                    "labels" => {
                        entry.removed_labels =
                            e.from.iter().map(|l| world.label(l, None)).collect();
                        entry.added_labels = e.to.iter().map(|l| world.label(l, None)).collect();
                    }
                    other => panic!("the fake Linear cannot serve a `{other}` change"),
                }
                history.push(entry);
            }
            let mut comments = Vec::new();
            for (c, comment) in data
                .comments
                .iter()
                .filter(|c| c.target == "issue" && c.item == issue.key)
                .enumerate()
            {
                updated_at = updated_at.max(comment.created_at);
                comments.push(CommentW {
                    id: format!("comment-{n}-{c}"),
                    at: comment.created_at,
                    user: world.user(&comment.author),
                });
            }
            let mut labels = Vec::new();
            if let Some(kind) = &issue.issue_type {
                let mut name = kind.clone();
                name[..1].make_ascii_uppercase();
                labels.push(world.label(&name, Some("Type")));
            }
            for label in &issue.labels {
                labels.push(world.label(label, None));
            }
            let creator = issue.reporter.as_deref().map(|p| world.user(p));
            let assignee = issue.assignee.as_deref().map(|p| world.user(p));
            let cycle = issue.sprint.as_deref().map(|s| world.cycle(s));
            let status = issue.status.clone().unwrap_or_else(|| "To Do".into());
            world.issues.push(IssueW {
                id: format!("issue-{n}"),
                identifier: issue.key.clone(),
                team,
                title: issue.title.clone().unwrap_or_default(),
                url: issue_url(&issue.key),
                created_at: issue.created_at,
                updated_at,
                estimate: issue.estimate,
                priority: 0.0,
                creator,
                assignee,
                state: State {
                    kind: state_kind(&status),
                    name: status,
                },
                cycle,
                labels,
                attachments: issue
                    .linked_prs
                    .iter()
                    .filter_map(|r| {
                        let (repo, number) = r.split_once('#')?;
                        Some(format!("https://github.com/{repo}/pull/{number}"))
                    })
                    .collect(),
                comments,
                history,
                trashed: false,
                archived_at: None,
                previous_identifiers: Vec::new(),
            });
        }
        world
    }

    fn issue_mut(&mut self, identifier: &str) -> &mut IssueW {
        self.issues
            .iter_mut()
            .find(|i| i.identifier == identifier)
            .unwrap_or_else(|| panic!("no issue {identifier} in the fake Linear"))
    }

    /// Moves an issue to the trash at `at`, as deleting it in Linear does: `trashed` and
    /// `archivedAt` set; `updatedAt` raised only with `touch` (Linear does not say).
    pub fn trash(&mut self, identifier: &str, at: DateTime<Utc>, touch: bool) {
        let issue = self.issue_mut(identifier);
        issue.trashed = true;
        issue.archived_at = Some(at);
        if touch {
            issue.updated_at = at;
        }
    }

    /// Archives an issue at `at` (`archivedAt` and `updatedAt`), as auto-archiving does.
    pub fn archive(&mut self, identifier: &str, at: DateTime<Utc>) {
        let issue = self.issue_mut(identifier);
        issue.archived_at = Some(at);
        issue.updated_at = at;
    }

    /// The identifiers an issue (under its identifier now) had before its moves.
    pub fn set_previous_identifiers(&mut self, identifier: &str, previous: &[&str]) {
        self.issue_mut(identifier).previous_identifiers =
            previous.iter().map(|p| p.to_string()).collect();
    }

    /// Sets an issue's `updatedAt` (to serve a change Linear did not count as an update).
    pub fn set_updated_at(&mut self, identifier: &str, at: DateTime<Utc>) {
        self.issue_mut(identifier).updated_at = at;
    }
}
