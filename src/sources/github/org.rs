//! An organisation's repositories and teams: what `fetch --org` fetches and what `teamlens init`
//! proposes as a starting `teamlens.toml`.

use serde_json::json;

use super::RepoName;
use super::client::{ClientError, GitHubClient};
use super::documents::Document;
use super::wire::{OrganizationRepositories, OrganizationTeams};
use serde::de::DeserializeOwned;

/// Why an organisation could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("organisation {org}: {source}")]
    Client {
        org: String,
        #[source]
        source: ClientError,
    },
    #[error(
        "organisation {org} was not found on GitHub, or is not visible to the credentials from \
         {origin}"
    )]
    NotFound { org: String, origin: String },
    #[error(
        "organisation {org}: GitHub's answer did not have the expected shape: {message}; nothing from it was stored. Run the fetch again to resume; if this repeats, report it with the output of -vv"
    )]
    Shape { org: String, message: String },
}

/// A repository of an organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRepository {
    pub name: RepoName,
    pub archived: bool,
    pub fork: bool,
}

/// A team with its direct members; `maintainer` is GitHub's team role, which often (not always)
/// marks the team's lead or manager.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgTeam {
    pub slug: String,
    pub name: String,
    pub members: Vec<OrgMember>,
    /// GitHub had more members than one page; the list is cut.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrgMember {
    pub login: String,
    pub name: Option<String>,
    pub maintainer: bool,
}

/// One page of an organisation's repositories or teams: `data.organization` of `document`.
async fn organization_page<T: DeserializeOwned>(
    client: &GitHubClient,
    org: &str,
    document: Document,
    after: Option<&str>,
) -> Result<T, OrgError> {
    let answer = client
        .query(
            document,
            json!({ "login": org, "first": 50, "after": after }),
        )
        .await
        .map_err(|source| OrgError::Client {
            org: org.to_string(),
            source,
        })?;
    let organization = answer
        .data
        .get("organization")
        .filter(|o| !o.is_null())
        .cloned()
        .ok_or_else(|| OrgError::NotFound {
            org: org.to_string(),
            origin: client.origin().to_string(),
        })?;
    serde_json::from_value(organization).map_err(|e| OrgError::Shape {
        org: org.to_string(),
        message: e.to_string(),
    })
}

/// Every repository of the organisation, most recently pushed first.
pub async fn repositories(
    client: &GitHubClient,
    org: &str,
) -> Result<Vec<OrgRepository>, OrgError> {
    let mut after: Option<String> = None;
    let mut out = Vec::new();
    loop {
        let page: OrganizationRepositories = organization_page(
            client,
            org,
            Document::OrganizationRepositories,
            after.as_deref(),
        )
        .await?;
        after = page.repositories.next_cursor().map(str::to_string);
        for repository in page.repositories.into_items() {
            if let Ok(name) = RepoName::parse(&repository.name_with_owner) {
                out.push(OrgRepository {
                    name,
                    archived: repository.is_archived,
                    fork: repository.is_fork,
                });
            }
        }
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// Every team of the organisation with its direct members.
pub async fn teams(client: &GitHubClient, org: &str) -> Result<Vec<OrgTeam>, OrgError> {
    let mut after: Option<String> = None;
    let mut out = Vec::new();
    loop {
        let page: OrganizationTeams =
            organization_page(client, org, Document::OrganizationTeams, after.as_deref()).await?;
        after = page.teams.next_cursor().map(str::to_string);
        for team in page.teams.into_items() {
            let (edges, truncated) = match team.members {
                Some(members) => (
                    members.edges,
                    members.page_info.is_some_and(|p| p.has_next_page),
                ),
                None => (Vec::new(), false),
            };
            out.push(OrgTeam {
                slug: team.slug,
                name: team.name,
                truncated,
                members: edges
                    .into_iter()
                    .flatten()
                    .filter_map(|edge| {
                        let node = edge.node?;
                        Some(OrgMember {
                            login: node.login,
                            name: node.name,
                            maintainer: edge.role.as_deref() == Some("MAINTAINER"),
                        })
                    })
                    .collect(),
            });
        }
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// A starting `teamlens.toml` for an organisation: its active repositories and, as comments for
/// the user to confirm, its teams with a proposed role per member (team maintainers as managers).
pub fn starter_config(org: &str, repositories: &[OrgRepository], teams: &[OrgTeam]) -> String {
    let mut text = format!(
        "# teamlens.toml for the GitHub organisation {org}, written by `teamlens init`.\n\
         # Every setting has a default; `teamlens explain all` lists the detectors' thresholds.\n\
         # Credentials are never written here: teamlens uses GITHUB_TOKEN, then `gh auth token`.\n\n\
         [github]\n\
         # Archived repositories and forks are left out; delete the ones your teams do not work in.\n\
         repositories = [\n"
    );
    for repository in repositories.iter().filter(|r| !r.archived && !r.fork) {
        text.push_str(&format!(
            "    {},\n",
            toml_string(&repository.name.to_string())
        ));
    }
    text.push_str("]\n");
    if teams.is_empty() {
        return text;
    }
    text.push_str(
        "\n# The organisation's teams as GitHub knows them. Review the proposed roles: GitHub team\n\
         # maintainers are proposed as managers, everyone else as engineers. People in several\n\
         # teams appear under each.\n",
    );
    for team in teams {
        text.push_str(&format!("#\n# team {} ({})\n", team.slug, team.name));
        for member in &team.members {
            let role = if member.maintainer {
                "manager"
            } else {
                "engineer"
            };
            let name = member
                .name
                .as_deref()
                .map(|n| format!(" — {}", n.replace('\n', " ")))
                .unwrap_or_default();
            text.push_str(&format!("#   {} role = {role}{name}\n", member.login));
        }
        if team.truncated {
            text.push_str("#   (more members than GitHub lists on one page; add the rest)\n");
        }
    }
    text
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_config_parses_and_lists_active_repositories() {
        let repositories = vec![
            OrgRepository {
                name: RepoName::parse("acme/api").unwrap(),
                archived: false,
                fork: false,
            },
            OrgRepository {
                name: RepoName::parse("acme/old").unwrap(),
                archived: true,
                fork: false,
            },
        ];
        let teams = vec![OrgTeam {
            slug: "payments".into(),
            name: "Payments".into(),
            truncated: false,
            members: vec![OrgMember {
                login: "dana".into(),
                name: Some("Dana\nX".into()),
                maintainer: true,
            }],
        }];
        let text = starter_config("acme", &repositories, &teams);
        let config = crate::config::Config::parse(&text).unwrap();
        assert_eq!(config.github.repositories, vec!["acme/api".to_string()]);
        assert!(text.contains("dana role = manager — Dana X"), "{text}");
    }
}
