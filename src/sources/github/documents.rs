//! The GraphQL documents sent to GitHub, kept as files under `queries/github/` and embedded.
//!
//! Each file holds one operation; fragments shared between operations live in
//! `fragments.graphql`. GraphQL rejects a document that defines a fragment it does not use, so
//! [`Document::text`] appends only the fragments an operation reaches (directly or through other
//! fragments). `tests/github_queries.rs` validates every assembled document against GitHub's
//! published schema.

const FRAGMENTS: &str = include_str!("../../../queries/github/fragments.graphql");

/// One operation the GitHub source sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Document {
    RepositorySync,
    PullRequestReviews,
    PullRequestReviewThreads,
    ReviewThreadComments,
    PullRequestComments,
    PullRequestTimeline,
    PullRequestCommits,
    PullRequestFiles,
    IssueTimeline,
    IssueEdits,
    IssueComments,
    OrganizationRepositories,
    OrganizationTeams,
    OrganizationTeam,
    RecentReviews,
    SearchCount,
}

impl Document {
    /// Every document, for validation.
    pub const ALL: [Document; 16] = [
        Document::RepositorySync,
        Document::PullRequestReviews,
        Document::PullRequestReviewThreads,
        Document::ReviewThreadComments,
        Document::PullRequestComments,
        Document::PullRequestTimeline,
        Document::PullRequestCommits,
        Document::PullRequestFiles,
        Document::IssueTimeline,
        Document::IssueEdits,
        Document::IssueComments,
        Document::OrganizationRepositories,
        Document::OrganizationTeams,
        Document::OrganizationTeam,
        Document::RecentReviews,
        Document::SearchCount,
    ];

    /// The operation's name, as the documents declare it and GitHub logs it.
    pub fn operation_name(self) -> &'static str {
        match self {
            Document::RepositorySync => "RepositorySync",
            Document::PullRequestReviews => "PullRequestReviews",
            Document::PullRequestReviewThreads => "PullRequestReviewThreads",
            Document::ReviewThreadComments => "ReviewThreadComments",
            Document::PullRequestComments => "PullRequestComments",
            Document::PullRequestTimeline => "PullRequestTimeline",
            Document::PullRequestCommits => "PullRequestCommits",
            Document::PullRequestFiles => "PullRequestFiles",
            Document::IssueTimeline => "IssueTimeline",
            Document::IssueEdits => "IssueEdits",
            Document::IssueComments => "IssueComments",
            Document::OrganizationRepositories => "OrganizationRepositories",
            Document::OrganizationTeams => "OrganizationTeams",
            Document::OrganizationTeam => "OrganizationTeam",
            Document::RecentReviews => "RecentReviews",
            Document::SearchCount => "SearchCount",
        }
    }

    /// The file under `queries/github/` holding the operation.
    pub fn file_name(self) -> &'static str {
        match self {
            Document::RepositorySync => "repository_sync.graphql",
            Document::PullRequestReviews => "pr_reviews.graphql",
            Document::PullRequestReviewThreads => "pr_review_threads.graphql",
            Document::ReviewThreadComments => "thread_comments.graphql",
            Document::PullRequestComments => "pr_comments.graphql",
            Document::PullRequestTimeline => "pr_timeline.graphql",
            Document::PullRequestCommits => "pr_commits.graphql",
            Document::PullRequestFiles => "pr_files.graphql",
            Document::IssueTimeline => "issue_timeline.graphql",
            Document::IssueEdits => "issue_edits.graphql",
            Document::IssueComments => "issue_comments.graphql",
            Document::OrganizationRepositories => "org_repositories.graphql",
            Document::OrganizationTeams => "org_teams.graphql",
            Document::OrganizationTeam => "org_team.graphql",
            Document::RecentReviews => "recent_reviews.graphql",
            Document::SearchCount => "search_count.graphql",
        }
    }

    fn operation(self) -> &'static str {
        match self {
            Document::RepositorySync => {
                include_str!("../../../queries/github/repository_sync.graphql")
            }
            Document::PullRequestReviews => {
                include_str!("../../../queries/github/pr_reviews.graphql")
            }
            Document::PullRequestReviewThreads => {
                include_str!("../../../queries/github/pr_review_threads.graphql")
            }
            Document::ReviewThreadComments => {
                include_str!("../../../queries/github/thread_comments.graphql")
            }
            Document::PullRequestComments => {
                include_str!("../../../queries/github/pr_comments.graphql")
            }
            Document::PullRequestTimeline => {
                include_str!("../../../queries/github/pr_timeline.graphql")
            }
            Document::PullRequestCommits => {
                include_str!("../../../queries/github/pr_commits.graphql")
            }
            Document::PullRequestFiles => include_str!("../../../queries/github/pr_files.graphql"),
            Document::IssueTimeline => {
                include_str!("../../../queries/github/issue_timeline.graphql")
            }
            Document::IssueEdits => include_str!("../../../queries/github/issue_edits.graphql"),
            Document::IssueComments => {
                include_str!("../../../queries/github/issue_comments.graphql")
            }
            Document::OrganizationRepositories => {
                include_str!("../../../queries/github/org_repositories.graphql")
            }
            Document::OrganizationTeams => {
                include_str!("../../../queries/github/org_teams.graphql")
            }
            Document::OrganizationTeam => include_str!("../../../queries/github/org_team.graphql"),
            Document::RecentReviews => {
                include_str!("../../../queries/github/recent_reviews.graphql")
            }
            Document::SearchCount => include_str!("../../../queries/github/search_count.graphql"),
        }
    }

    /// The full text sent: the operation followed by the fragments it reaches.
    pub fn text(self) -> String {
        crate::sources::graphql::assemble(self.operation(), FRAGMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_names_its_operation_and_carries_only_what_it_uses() {
        for document in Document::ALL {
            crate::sources::graphql::assert_self_contained(
                &document.text(),
                document.operation_name(),
                document.file_name(),
            );
        }
    }
}
