//! GitHub's answers as they arrive: the JSON shapes of the documents in `queries/github/`.
//!
//! Every field that GitHub may null (a deleted account, a field hidden by a partial error) is an
//! `Option`, so a partial answer still decodes; [`super::normalize`] decides what a missing value
//! means. Nothing here interprets data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who acted: a user, a bot, an organisation or a mannequin (an imported account).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Actor {
    #[serde(rename = "__typename", default)]
    pub typename: String,
    pub login: String,
}

impl Actor {
    /// The login as REST and the rest of teamlens spell it: GraphQL calls Dependabot
    /// `dependabot`, REST and git call it `dependabot[bot]`.
    pub fn id(&self) -> String {
        if self.typename == "Bot" && !self.login.ends_with("[bot]") {
            format!("{}[bot]", self.login)
        } else {
            self.login.clone()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A page of a connection. GitHub may put `null` among the nodes (an item it could not load).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    #[serde(default)]
    pub page_info: Option<PageInfo>,
    #[serde(default = "Vec::new")]
    pub nodes: Vec<Option<T>>,
    #[serde(default)]
    pub total_count: Option<i64>,
}

impl<T> Default for Connection<T> {
    fn default() -> Self {
        Connection {
            page_info: None,
            nodes: Vec::new(),
            total_count: None,
        }
    }
}

impl<T> Connection<T> {
    /// The cursor to continue from, when GitHub says there is more.
    pub fn next_cursor(&self) -> Option<&str> {
        self.page_info
            .as_ref()
            .filter(|p| p.has_next_page)
            .and_then(|p| p.end_cursor.as_deref())
    }

    pub fn into_items(self) -> impl Iterator<Item = T> {
        self.nodes.into_iter().flatten()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub cost: i64,
    pub remaining: i64,
    pub reset_at: DateTime<Utc>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Named {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Login {
    pub login: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalCount {
    pub total_count: i64,
}

/// `data` of `RepositorySync`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositorySyncData {
    pub rate_limit: Option<RateLimit>,
    pub repository: Option<RepositorySync>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositorySync {
    pub name_with_owner: String,
    pub default_branch_ref: Option<Named>,
    pub pull_requests: Option<Connection<PullRequestNode>>,
    pub issues: Option<Connection<IssueNode>>,
    pub deployments: Option<Connection<DeploymentNode>>,
    pub releases: Option<Connection<ReleaseNode>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueReference {
    pub number: i64,
    pub repository: NameWithOwner,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NameWithOwner {
    pub name_with_owner: String,
}

/// A pull request with the first page of each of its connections. The fetcher follows the
/// connections that overflow and appends their items before normalizing, so by then each
/// connection holds every item.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestNode {
    pub id: String,
    pub number: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub merged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_draft: bool,
    pub state: Option<String>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub changed_files: Option<i64>,
    pub base_ref_name: Option<String>,
    pub head_ref_name: Option<String>,
    pub author: Option<Actor>,
    pub merged_by: Option<Actor>,
    pub labels: Option<Connection<Named>>,
    pub closing_issues_references: Option<Connection<IssueReference>>,
    pub reviews: Option<Connection<ReviewNode>>,
    pub review_threads: Option<Connection<ReviewThreadNode>>,
    pub comments: Option<Connection<CommentNode>>,
    pub timeline_items: Option<Connection<TimelineNode>>,
    pub commits: Option<Connection<CommitNode>>,
    pub files: Option<Connection<FileNode>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewNode {
    pub author: Option<Actor>,
    pub state: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub comments: Option<TotalCount>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewThreadNode {
    pub id: String,
    pub comments: Option<Connection<CommentNode>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentNode {
    pub author: Option<Actor>,
    pub created_at: DateTime<Utc>,
}

/// The person or team a review was requested from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RequestedReviewer {
    #[serde(rename = "__typename", default)]
    pub typename: String,
    pub login: Option<String>,
    pub slug: Option<String>,
}

/// One timeline item of a PR or an issue; which fields are set depends on `typename`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineNode {
    #[serde(rename = "__typename")]
    pub typename: String,
    pub created_at: Option<DateTime<Utc>>,
    pub actor: Option<Actor>,
    pub requested_reviewer: Option<RequestedReviewer>,
    pub assignee: Option<RequestedReviewer>,
    pub label: Option<Named>,
    pub previous_title: Option<String>,
    pub current_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CommitNode {
    pub commit: GitCommit,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitCommit {
    pub oid: String,
    pub message_headline: Option<String>,
    /// The message after its first line; absent in answers recorded before it was asked for.
    #[serde(default)]
    pub message_body: Option<String>,
    pub authored_date: DateTime<Utc>,
    pub author: Option<GitActor>,
    pub committer: Option<GitActor>,
    pub parents: Option<TotalCount>,
}

/// A commit's author or committer as git recorded them; `user` is the GitHub account the e-mail
/// belongs to, when GitHub knows one.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GitActor {
    /// The git timestamp with the author's own UTC offset, e.g. `2026-10-05T11:30:00+02:00`.
    pub date: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub user: Option<Login>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct FileNode {
    pub path: String,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueNode {
    pub id: String,
    pub number: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub state: Option<String>,
    pub author: Option<Actor>,
    pub assignees: Option<Connection<Login>>,
    pub labels: Option<Connection<Named>>,
    pub user_content_edits: Option<Connection<EditNode>>,
    pub timeline_items: Option<Connection<TimelineNode>>,
    pub comments: Option<Connection<CommentNode>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditNode {
    pub edited_at: Option<DateTime<Utc>>,
    pub editor: Option<Actor>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentNode {
    pub environment: Option<String>,
    pub commit_oid: Option<String>,
    pub created_at: DateTime<Utc>,
    pub latest_status: Option<DeploymentStatus>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DeploymentStatus {
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseNode {
    pub tag_name: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_draft: bool,
    pub tag_commit: Option<Oid>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Oid {
    pub oid: String,
}

/// `data` of the follow-up documents: `node(id:)` holding one connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeData {
    pub rate_limit: Option<RateLimit>,
    pub node: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `data.organization` of `OrganizationRepositories`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRepositories {
    pub repositories: Connection<RepositorySummary>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositorySummary {
    pub name_with_owner: String,
    #[serde(default)]
    pub is_archived: bool,
    #[serde(default)]
    pub is_fork: bool,
    pub pushed_at: Option<DateTime<Utc>>,
}

/// `data.organization` of `OrganizationTeams`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationTeams {
    pub teams: Connection<TeamNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TeamNode {
    pub slug: String,
    pub name: String,
    pub members: Option<MemberConnection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberConnection {
    pub page_info: Option<PageInfo>,
    #[serde(default)]
    pub edges: Vec<Option<MemberEdge>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MemberEdge {
    pub role: Option<String>,
    pub node: Option<Member>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub login: String,
    pub name: Option<String>,
}

/// `data.organization` of `OrganizationTeam`: `None` when the team is not visible.
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationTeam {
    pub team: Option<TeamNode>,
}

/// `data.repository` of `RecentReviews`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentReviewsRepository {
    pub pull_requests: Connection<ReviewedPullRequest>,
}

/// A merged PR with who reviewed it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewedPullRequest {
    pub number: i64,
    pub merged_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub author: Option<Actor>,
    pub reviews: Option<Connection<ReviewAuthor>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReviewAuthor {
    pub author: Option<Actor>,
}

/// `data` of `SearchCount`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCountData {
    pub rate_limit: Option<RateLimit>,
    pub search: SearchCount,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCount {
    pub issue_count: i64,
}
