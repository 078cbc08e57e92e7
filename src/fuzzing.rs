//! Entry points for the cargo-fuzz targets under `fuzz/`: each takes arbitrary bytes and runs
//! one parser the way the product runs it on input it does not control (a configuration file,
//! an API answer, a commit message, an import file). They exist so the fuzz crate reaches the
//! parsers through one small, stable API instead of the modules' internals; a panic in any of
//! them is a bug, whatever the bytes.

use crate::config::{Config, JiraConfig, LinearConfig};
use crate::sources::github::normalize as github;
use crate::sources::github::wire::RepositorySyncData;
use crate::sources::identities::Identities;
use crate::sources::jira::normalize::{self as jira, IssueParts, Mapping};
use crate::sources::jira::wire::SearchPage;
use crate::sources::linear::normalize::{self as linear, TypeRules};
use crate::sources::linear::wire::TeamIssuesData;
use crate::sources::{Source, import::FileImport};

/// Parses and validates `teamlens.toml` text; true when it is a valid configuration.
pub fn config(data: &[u8]) -> bool {
    std::str::from_utf8(data).is_ok_and(|text| Config::parse(text).is_ok())
}

/// Decodes the `data` of a GitHub `RepositorySync` answer and normalizes every node in it;
/// true when it decoded and held a repository.
pub fn github_repository_page(data: &[u8]) -> bool {
    let Ok(page) = serde_json::from_slice::<RepositorySyncData>(data) else {
        return false;
    };
    let Some(repository) = page.repository else {
        return false;
    };
    let who = Identities::from_people(&[]);
    let repo = repository.name_with_owner.clone();
    let mut merged = Vec::new();
    for node in repository.pull_requests.unwrap_or_default().into_items() {
        let rows = github::pull_request(&repo, node, &who);
        if let Some(mut pr) = rows.pull_request {
            github::repair_times(&mut pr, chrono::Utc::now());
            if let Some(at) = pr.merged_at {
                merged.push((pr.number, at));
            }
        }
    }
    for node in repository.issues.unwrap_or_default().into_items() {
        github::issue(&repo, node, &who);
    }
    let mut deployments: Vec<_> = repository
        .deployments
        .unwrap_or_default()
        .into_items()
        .map(|node| github::deployment(&repo, node))
        .collect();
    deployments.extend(
        repository
            .releases
            .unwrap_or_default()
            .into_items()
            .filter_map(|node| github::release(&repo, node)),
    );
    github::ship_merged_prs(&mut deployments, &merged);
    true
}

/// Decodes a Jira `search/jql` page and normalizes every issue with its embedded comments;
/// true when it decoded.
pub fn jira_search_page(data: &[u8]) -> bool {
    let Ok(page) = serde_json::from_slice::<SearchPage>(data) else {
        return false;
    };
    let who = Identities::from_people(&[]);
    let mapping = Mapping::from_config(&JiraConfig::default());
    for node in &page.issues {
        let comments = node
            .fields
            .comment
            .as_ref()
            .map(|page| page.comments.clone())
            .unwrap_or_default();
        jira::issue(
            IssueParts {
                node,
                histories: &[],
                comments: &comments,
                links: &[],
            },
            "https://example.atlassian.net",
            &mapping,
            &who,
        );
    }
    true
}

/// Decodes the `data` of a Linear `TeamIssues` answer and normalizes every issue; true when it
/// decoded.
pub fn linear_team_issues(data: &[u8]) -> bool {
    let Ok(page) = serde_json::from_slice::<TeamIssuesData>(data) else {
        return false;
    };
    let who = Identities::from_people(&[]);
    let types = TypeRules::from_config(&LinearConfig::default());
    for node in page.issues.nodes {
        linear::issue(node, &who, &types);
    }
    true
}

/// Parses a commit message: trailers, merge kind, PR number, named people.
pub fn git_message(data: &[u8]) {
    let message = String::from_utf8_lossy(data);
    crate::sources::git::message::parse(&message);
    for trailer in crate::sources::git::message::trailers(&message) {
        crate::sources::git::message::named_person(&trailer.value);
    }
}

/// The file formats [`import_file`] can write the fuzzer's bytes as.
const IMPORT_FORMATS: &[&str] = &["csv", "jsonl", "parquet"];

/// Writes `data` (after a first byte choosing the table and a second the format) as one import
/// file in a fresh folder and imports it, as `teamlens import` reads a user's file; true when
/// the import succeeded.
pub fn import_file(data: &[u8]) -> bool {
    let [table, format, body @ ..] = data else {
        return false;
    };
    let spec = &crate::model::TABLES[usize::from(*table) % crate::model::TABLES.len()];
    let extension = IMPORT_FORMATS[usize::from(*format) % IMPORT_FORMATS.len()];
    let Ok(folder) = tempfile::tempdir() else {
        return false;
    };
    let path = folder.path().join(format!("{}.{extension}", spec.name));
    std::fs::write(&path, body).is_ok() && FileImport::new(folder.path()).load().is_ok()
}
