//! The JSON shapes of the Jira Cloud REST v3 answers the source reads. Only the fields used are
//! declared; Jira sends many more, which serde ignores.

use serde::Deserialize;
use serde_json::Value;

/// `GET /rest/api/3/search/jql`: a page of issues and the token of the next one.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    /// Required: a page without the key is a broken answer, not an empty project.
    pub issues: Vec<IssueNode>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub is_last: Option<bool>,
}

/// One issue of a search page, with the fields asked for.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueNode {
    pub key: String,
    pub fields: IssueFields,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IssueFields {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub issuetype: Option<IssueType>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignee: Option<User>,
    #[serde(default)]
    pub reporter: Option<User>,
    pub created: String,
    pub updated: String,
    #[serde(default)]
    pub project: Option<Project>,
    /// The first comments, when asked for (`fields=comment`); the rest are paged for.
    #[serde(default)]
    pub comment: Option<CommentPage>,
    /// Custom fields (story points, sprint) by id, read through the configured ids.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub name: String,
    #[serde(default)]
    pub status_category: Option<StatusCategory>,
}

/// `new`, `indeterminate` or `done`.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusCategory {
    pub key: String,
}

/// An issue's type as Jira Cloud describes it (`IssueTypeDetails`): its name, which a site may
/// have localized ("Tarefa", "Aufgabe"), and where it sits in the hierarchy, which it has not:
/// `hierarchyLevel` 1 (or more) for epics and above, 0 for base types, -1 for subtasks, and the
/// older `subtask` flag.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueType {
    pub name: String,
    #[serde(default)]
    pub subtask: Option<bool>,
    #[serde(default)]
    pub hierarchy_level: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    pub key: String,
}

/// A Jira user: an account id always, an e-mail address only when the user's privacy settings
/// allow it. `accountType` is `atlassian` for people, `app` for the system accounts of apps and
/// integrations ("Automation for Jira"), `customer` for Jira Service Management customers.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `GET /rest/api/3/issue/{key}/changelog`: a page of change groups.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangelogPage {
    #[serde(default)]
    pub start_at: i64,
    #[serde(default)]
    pub max_results: i64,
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default)]
    pub is_last: Option<bool>,
    #[serde(default)]
    pub values: Vec<History>,
}

/// One change group: who changed what, when.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    #[serde(default)]
    pub author: Option<HistoryUser>,
    pub created: String,
    #[serde(default)]
    pub items: Vec<ChangeItem>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryUser {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// One field's change. For user fields `from`/`to` hold account ids; for others the
/// `fromString`/`toString` texts are what a person reads.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeItem {
    pub field: String,
    #[serde(default)]
    pub field_id: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub from_string: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub to_string: Option<String>,
}

/// `GET /rest/api/3/issue/{key}/comment`: a page of comments.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentPage {
    #[serde(default)]
    pub start_at: i64,
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub comments: Vec<CommentNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommentNode {
    #[serde(default)]
    pub author: Option<User>,
    pub created: String,
}

/// One entry of `GET /rest/api/3/issue/{key}/remotelink`.
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteLink {
    #[serde(default)]
    pub object: Option<RemoteObject>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RemoteObject {
    #[serde(default)]
    pub url: Option<String>,
}

/// One entry of `GET /rest/api/3/status`: a workflow status and its category.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDefinition {
    pub name: String,
    #[serde(default)]
    pub status_category: Option<StatusCategory>,
}

/// `GET /rest/api/3/myself`: the account the token belongs to; its time zone is the one JQL
/// dates are read in.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Myself {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// `GET /rest/agile/1.0/board?projectKeyOrId=…`: a page of a project's boards.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardPage {
    #[serde(default)]
    pub start_at: i64,
    #[serde(default)]
    pub values: Vec<Board>,
    #[serde(default)]
    pub is_last: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Board {
    pub id: i64,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `GET /rest/agile/1.0/board/{id}/sprint`: a page of a board's sprints.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SprintPage {
    #[serde(default)]
    pub start_at: i64,
    #[serde(default)]
    pub values: Vec<Sprint>,
    #[serde(default)]
    pub is_last: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sprint {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub complete_date: Option<String>,
}

/// Jira's error body: `{"errorMessages":[…],"errors":{field: message}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub error_messages: Vec<String>,
    #[serde(default)]
    pub errors: serde_json::Map<String, Value>,
}

impl ErrorBody {
    /// The messages as one line.
    pub fn text(&self) -> String {
        let mut parts = self.error_messages.clone();
        for (field, message) in &self.errors {
            parts.push(format!("{field}: {}", message.as_str().unwrap_or_default()));
        }
        // An error page can be megabytes; the start says what is wrong.
        crate::sources::excerpt(&parts.join("; "))
    }
}
