//! The JSON shapes of Linear's answers to the documents of `queries/linear/`, as far as the
//! source reads them. Optional everywhere Linear may send `null`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `pageInfo { hasNextPage endCursor }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A connection: its nodes and where the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    #[serde(default = "Vec::new")]
    pub nodes: Vec<T>,
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

impl<T> Default for Connection<T> {
    fn default() -> Self {
        Connection {
            nodes: Vec::new(),
            page_info: None,
        }
    }
}

impl<T> Connection<T> {
    /// The cursor of the next page, when there is one.
    pub fn next_cursor(&self) -> Option<&str> {
        self.page_info
            .as_ref()
            .filter(|p| p.has_next_page)
            .and_then(|p| p.end_cursor.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    pub id: String,
    pub number: f64,
    pub name: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelParent {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub id: String,
    pub name: String,
    pub parent: Option<LabelParent>,
}

/// A workflow state: its name and its `type` (triage, backlog, unstarted, started, completed,
/// canceled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One entry of an issue's history: any of its pairs may be set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub actor: Option<User>,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub from_assignee: Option<User>,
    pub to_assignee: Option<User>,
    pub from_title: Option<String>,
    pub to_title: Option<String>,
    pub updated_description: Option<bool>,
    pub from_cycle: Option<Cycle>,
    pub to_cycle: Option<Cycle>,
    pub from_estimate: Option<f64>,
    pub to_estimate: Option<f64>,
    pub from_priority: Option<f64>,
    pub to_priority: Option<f64>,
    pub added_labels: Option<Vec<Label>>,
    pub removed_labels: Option<Vec<Label>>,
    /// A move to another team (the issue keeps its id and gets a new identifier).
    pub from_team: Option<TeamRef>,
    pub to_team: Option<TeamRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub user: Option<User>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRef {
    pub key: String,
}

/// An issue with the first page of each of its connections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub id: String,
    pub identifier: String,
    pub title: String,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In the trash: deleted by a user, and removed from the store. Linear also sets
    /// `archivedAt` on a trashed issue and returns it while `includeArchived` is given.
    pub trashed: Option<bool>,
    /// Archived (by hand or by auto-archiving of closed issues): still the team's done work,
    /// so kept; read only to tell it from a trashed one.
    pub archived_at: Option<DateTime<Utc>>,
    /// The identifiers the issue had before it moved between teams, oldest first: its rows
    /// stored under them are replaced by those under `identifier`.
    #[serde(default)]
    pub previous_identifiers: Option<Vec<String>>,
    pub estimate: Option<f64>,
    pub priority: Option<f64>,
    pub team: Option<TeamRef>,
    pub creator: Option<User>,
    pub assignee: Option<User>,
    pub state: Option<State>,
    pub cycle: Option<Cycle>,
    pub labels: Option<Connection<Label>>,
    pub attachments: Option<Connection<Attachment>>,
    pub comments: Option<Connection<Comment>>,
    pub history: Option<Connection<History>>,
}

/// `TeamIssues`.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamIssuesData {
    pub issues: Connection<Issue>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: String,
    pub key: String,
    pub name: Option<String>,
    /// Every issue of the team, archived included (`TeamLookup` asks for it).
    pub issue_count: Option<i64>,
}

/// `TeamLookup`.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamLookupData {
    pub teams: Connection<Team>,
}

/// An issue as `TeamIssueIds` reads it: its id, identifier, whether it is in the trash, and
/// its last update.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueId {
    pub id: String,
    pub identifier: String,
    pub trashed: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TeamIssueIdsData {
    pub issues: Connection<IssueId>,
}
