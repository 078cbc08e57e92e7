//! The GraphQL documents sent to Linear, kept as files under `queries/linear/` and embedded.
//!
//! As for GitHub, each file holds one operation and the shared fragments live in
//! `fragments.graphql`; [`Document::text`] appends only the fragments an operation reaches.
//! `tests/linear_queries.rs` validates every assembled document against Linear's published
//! schema (`schemas/linear.graphql`).

const FRAGMENTS: &str = include_str!("../../../queries/linear/fragments.graphql");

/// One operation the Linear source sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Document {
    /// A page of a team's issues updated since a bound.
    TeamIssues,
    /// Whether a team key exists.
    TeamLookup,
    /// The ids of a team's issues updated since a bound: what `--dry-run` counts.
    TeamIssueIds,
    /// The rest of an issue's history, labels, attachments or comments.
    IssueHistory,
    IssueLabels,
    IssueAttachments,
    IssueComments,
}

impl Document {
    /// Every document, for validation.
    pub const ALL: [Document; 7] = [
        Document::TeamIssues,
        Document::TeamLookup,
        Document::TeamIssueIds,
        Document::IssueHistory,
        Document::IssueLabels,
        Document::IssueAttachments,
        Document::IssueComments,
    ];

    /// The operation's name, as the documents declare it.
    pub fn operation_name(self) -> &'static str {
        match self {
            Document::TeamIssues => "TeamIssues",
            Document::TeamLookup => "TeamLookup",
            Document::TeamIssueIds => "TeamIssueIds",
            Document::IssueHistory => "IssueHistory",
            Document::IssueLabels => "IssueLabels",
            Document::IssueAttachments => "IssueAttachments",
            Document::IssueComments => "IssueComments",
        }
    }

    /// The file under `queries/linear/` holding the operation.
    pub fn file_name(self) -> &'static str {
        match self {
            Document::TeamIssues => "team_issues.graphql",
            Document::TeamLookup => "team_lookup.graphql",
            Document::TeamIssueIds => "team_issue_ids.graphql",
            Document::IssueHistory => "issue_history.graphql",
            Document::IssueLabels => "issue_labels.graphql",
            Document::IssueAttachments => "issue_attachments.graphql",
            Document::IssueComments => "issue_comments.graphql",
        }
    }

    fn operation(self) -> &'static str {
        match self {
            Document::TeamIssues => include_str!("../../../queries/linear/team_issues.graphql"),
            Document::TeamLookup => include_str!("../../../queries/linear/team_lookup.graphql"),
            Document::TeamIssueIds => {
                include_str!("../../../queries/linear/team_issue_ids.graphql")
            }
            Document::IssueHistory => {
                include_str!("../../../queries/linear/issue_history.graphql")
            }
            Document::IssueLabels => include_str!("../../../queries/linear/issue_labels.graphql"),
            Document::IssueAttachments => {
                include_str!("../../../queries/linear/issue_attachments.graphql")
            }
            Document::IssueComments => {
                include_str!("../../../queries/linear/issue_comments.graphql")
            }
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
