//! An organisation's repositories and teams: what `fetch --org` fetches and what `teamlens init`
//! proposes as a starting `teamlens.toml`.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::client::{ClientError, GitHubClient};
use super::documents::Document;
use super::proposals::{
    CODEOWNERS_PATHS, Codeowners, Method, Owner, Proposal, REVIEW_WINDOW_DAYS, ReviewedPr,
    from_codeowners, from_github_teams, from_review_graph, parse_codeowners,
};
use super::wire::{
    Actor, OrganizationRepositories, OrganizationTeam, OrganizationTeams, RecentReviewsRepository,
    TeamNode,
};
use crate::common::repo_name::RepoName;

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
        out.extend(page.teams.into_items().map(org_team));
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// One team by slug with its members, or `None` when the credentials cannot see it.
pub async fn team(
    client: &GitHubClient,
    org: &str,
    slug: &str,
) -> Result<Option<OrgTeam>, OrgError> {
    let answer = client
        .query(
            Document::OrganizationTeam,
            json!({ "login": org, "slug": slug }),
        )
        .await
        .map_err(|source| OrgError::Client {
            org: org.to_string(),
            source,
        })?;
    let Some(organization) = answer.data.get("organization").filter(|o| !o.is_null()) else {
        return Ok(None);
    };
    let found: OrganizationTeam =
        serde_json::from_value(organization.clone()).map_err(|e| OrgError::Shape {
            org: org.to_string(),
            message: e.to_string(),
        })?;
    Ok(found.team.map(org_team))
}

fn org_team(team: TeamNode) -> OrgTeam {
    let (edges, truncated) = match team.members {
        Some(members) => (
            members.edges,
            members.page_info.is_some_and(|p| p.has_next_page),
        ),
        None => (Vec::new(), false),
    };
    OrgTeam {
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
    }
}

/// A repository's CODEOWNERS through the REST contents API, looked up where GitHub looks
/// (`.github/`, the root, `docs/`, the first found), or `None` when it has none.
pub async fn codeowners(
    client: &GitHubClient,
    repo: &RepoName,
) -> Result<Option<Codeowners>, OrgError> {
    for path in CODEOWNERS_PATHS {
        let body = client
            .rest_get(
                "GET /repos/{owner}/{repo}/contents/{path}",
                &format!("/repos/{}/{}/contents/{path}", repo.owner, repo.name),
            )
            .await
            .map_err(|source| OrgError::Client {
                org: repo.owner.clone(),
                source,
            })?;
        let Some(body) = body else {
            continue;
        };
        let shape = |message: String| OrgError::Shape {
            org: repo.owner.clone(),
            message: format!("{repo} {path}: {message}"),
        };
        // A folder of that name is a list, not a file: GitHub would not read it either.
        if body.get("type").and_then(|t| t.as_str()) != Some("file") {
            continue;
        }
        let content = body
            .get("content")
            .and_then(|c| c.as_str())
            .ok_or_else(|| shape("no `content`".into()))?;
        let encoding = body.get("encoding").and_then(|e| e.as_str());
        let text = match encoding {
            Some("base64") => {
                let compact: String = content.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|e| shape(format!("content is not base64: {e}")))?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => content.to_string(),
        };
        return Ok(Some(Codeowners {
            repo: repo.clone(),
            path: path.to_string(),
            rules: parse_codeowners(&text),
        }));
    }
    Ok(None)
}

/// A repository's PRs merged since `since`, each with its author and reviewers (bots left out).
pub async fn recent_reviews(
    client: &GitHubClient,
    repo: &RepoName,
    since: DateTime<Utc>,
) -> Result<Vec<ReviewedPr>, OrgError> {
    let mut after: Option<String> = None;
    let mut out = Vec::new();
    let human = |actor: &Option<Actor>| {
        actor
            .as_ref()
            .filter(|a| a.typename != "Bot" && !a.login.ends_with("[bot]"))
            .map(Actor::id)
    };
    loop {
        let answer = client
            .query(
                Document::RecentReviews,
                json!({ "owner": repo.owner, "name": repo.name, "first": 50, "after": after }),
            )
            .await
            .map_err(|source| OrgError::Client {
                org: repo.owner.clone(),
                source,
            })?;
        let Some(repository) = answer.data.get("repository").filter(|r| !r.is_null()) else {
            return Ok(out);
        };
        let page: RecentReviewsRepository =
            serde_json::from_value(repository.clone()).map_err(|e| OrgError::Shape {
                org: repo.owner.clone(),
                message: format!("{repo}: {e}"),
            })?;
        after = page.pull_requests.next_cursor().map(str::to_string);
        let mut older = false;
        for pr in page.pull_requests.into_items() {
            if pr.updated_at < since {
                older = true;
                continue;
            }
            let (Some(merged_at), Some(author)) = (pr.merged_at, human(&pr.author)) else {
                continue;
            };
            if merged_at < since {
                continue;
            }
            let reviewers = pr
                .reviews
                .map(|r| r.into_items().filter_map(|r| human(&r.author)).collect())
                .unwrap_or_default();
            out.push(ReviewedPr {
                repo: repo.clone(),
                author,
                reviewers,
            });
        }
        if older || after.is_none() {
            return Ok(out);
        }
    }
}

/// The teams `init` proposes for an organisation: its GitHub teams if it has any with members;
/// else from the CODEOWNERS of its active repositories; else from the review graph of their PRs
/// merged in the last [`REVIEW_WINDOW_DAYS`] days. `now` is the end of that window.
pub async fn propose_teams(
    client: &GitHubClient,
    org: &str,
    repositories: &[OrgRepository],
    now: DateTime<Utc>,
) -> Result<Proposal, OrgError> {
    let github = from_github_teams(org, &teams(client, org).await?);
    if github.has_people() {
        return Ok(github);
    }
    let active: Vec<&OrgRepository> = repositories
        .iter()
        .filter(|r| !r.archived && !r.fork)
        .collect();
    let mut files = Vec::new();
    for repository in &active {
        if let Some(file) = codeowners(client, &repository.name).await? {
            files.push(file);
        }
    }
    let mut slugs = std::collections::BTreeMap::new();
    for file in &files {
        for rule in &file.rules {
            for owner in &rule.owners {
                if let Owner::Team {
                    org: owner_org,
                    slug,
                } = owner
                {
                    slugs
                        .entry((owner_org.clone(), slug.clone()))
                        .or_insert(None);
                }
            }
        }
    }
    for ((owner_org, slug), found) in slugs.iter_mut() {
        // Only the organisation's own teams can be looked up.
        if owner_org.eq_ignore_ascii_case(org) {
            *found = team(client, org, slug).await?;
        }
    }
    let codeowners = from_codeowners(&files, |o, s| {
        slugs
            .get(&(o.to_string(), s.to_string()))
            .cloned()
            .flatten()
    });
    if codeowners.has_people() {
        return Ok(codeowners);
    }
    let since = now - chrono::Duration::days(REVIEW_WINDOW_DAYS);
    let mut prs = Vec::new();
    for repository in &active {
        prs.extend(recent_reviews(client, &repository.name, since).await?);
    }
    let mut proposal = from_review_graph(&prs, since);
    // What CODEOWNERS named but could not resolve is still worth telling.
    let mut notes = codeowners.notes;
    notes.append(&mut proposal.notes);
    proposal.notes = notes;
    Ok(proposal)
}

/// A starting `teamlens.toml` for an organisation: its active repositories and the proposed
/// teams as a `[[people]]` roster, each team under a comment saying where it came from, for the
/// user to confirm or rename. A person in several teams is written once, with `teams`.
pub fn starter_config(org: &str, repositories: &[OrgRepository], proposal: &Proposal) -> String {
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
    let source = match proposal.method {
        Method::GitHubTeams => "the organisation's GitHub teams",
        Method::Codeowners => {
            "the repositories' CODEOWNERS (the organisation has no GitHub teams these credentials \
             can see)"
        }
        Method::ReviewGraph => {
            "who reviews whose pull requests (the organisation has no GitHub teams these \
             credentials can see, and no CODEOWNERS naming people)"
        }
        Method::Nothing => {
            "nothing: the organisation has no GitHub teams these credentials can see, no \
             CODEOWNERS naming people and no reviewed PRs merged in the last 90 days"
        }
    };
    text.push_str(&format!(
        "\n# PROPOSED TEAMS, from {source}.\n\
         # These are proposals: confirm or rename each team, move people between teams, and check\n\
         # the roles (GitHub team maintainers are proposed as managers, everyone else as\n\
         # engineers) and time zones (UTC until you set them; after-hours findings read them).\n\
         # A fetch writes this roster to the people table as it stands.\n"
    ));
    for note in &proposal.notes {
        text.push_str(&format!("# Note: {}\n", one_line(note)));
    }
    // Each person once: under their first team, with every team they are in.
    let mut teams_of: Vec<(String, Vec<String>)> = Vec::new();
    let mut first_seen: std::collections::BTreeMap<String, usize> = Default::default();
    for team in &proposal.teams {
        for member in &team.members {
            let key = member.login.to_lowercase();
            match first_seen.get(&key) {
                Some(&i) => {
                    if !teams_of[i].1.contains(&team.name) {
                        teams_of[i].1.push(team.name.clone());
                    }
                }
                None => {
                    first_seen.insert(key, teams_of.len());
                    teams_of.push((member.login.clone(), vec![team.name.clone()]));
                }
            }
        }
    }
    for team in &proposal.teams {
        text.push_str(&format!(
            "\n# team \"{}\": {}\n",
            team.name,
            one_line(&team.origin)
        ));
        let elsewhere: Vec<&str> = team
            .members
            .iter()
            .filter(|m| teams_of[first_seen[&m.login.to_lowercase()]].1[0] != team.name)
            .map(|m| m.login.as_str())
            .collect();
        if !elsewhere.is_empty() {
            text.push_str(&format!(
                "# also in this team, written under their first team: {}\n",
                elsewhere.join(", ")
            ));
        }
        let mut written = std::collections::BTreeSet::new();
        for member in &team.members {
            let (login, teams) = &teams_of[first_seen[&member.login.to_lowercase()]];
            if teams[0] != team.name || !written.insert(login.to_lowercase()) {
                continue;
            }
            let maintainer = proposal
                .teams
                .iter()
                .flat_map(|t| &t.members)
                .any(|m| m.maintainer && m.login.eq_ignore_ascii_case(login));
            text.push_str("[[people]]\n");
            text.push_str(&format!("person = {}\n", toml_string(login)));
            if let Some(name) = &member.name {
                text.push_str(&format!(
                    "display_name = {}\n",
                    toml_string(&one_line(name))
                ));
            }
            if teams.len() == 1 {
                text.push_str(&format!("team = {}\n", toml_string(&teams[0])));
            } else {
                let list: Vec<String> = teams.iter().map(|t| toml_string(t)).collect();
                text.push_str(&format!("teams = [{}]\n", list.join(", ")));
            }
            text.push_str(&format!(
                "role = {}\n",
                toml_string(if maintainer { "manager" } else { "engineer" })
            ));
        }
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
        let member = |login: &str, name: Option<&str>, maintainer: bool| OrgMember {
            login: login.into(),
            name: name.map(str::to_string),
            maintainer,
        };
        let teams = vec![
            OrgTeam {
                slug: "payments".into(),
                name: "Payments".into(),
                truncated: false,
                members: vec![
                    member("dana", Some("Dana\nX"), true),
                    member("ali", None, false),
                ],
            },
            OrgTeam {
                slug: "web".into(),
                name: "Web \"UI\"".into(),
                truncated: true,
                members: vec![member("Ali", None, false), member("bo", None, true)],
            },
            OrgTeam {
                slug: "empty".into(),
                name: "Nobody".into(),
                truncated: false,
                members: Vec::new(),
            },
        ];
        let proposal = from_github_teams("acme", &teams);
        let text = starter_config("acme", &repositories, &proposal);
        let config = crate::config::Config::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(config.github.repositories, vec!["acme/api".to_string()]);
        assert!(
            text.contains("# team \"payments\": proposed from GitHub team acme/payments (Payments): confirm or rename"),
            "{text}"
        );
        let people: Vec<(String, Vec<String>, String, Option<String>)> = config
            .people
            .iter()
            .map(|p| {
                (
                    p.person.clone(),
                    p.memberships(),
                    p.role.clone(),
                    p.display_name.clone(),
                )
            })
            .collect();
        assert_eq!(
            people,
            vec![
                (
                    "dana".into(),
                    vec!["payments".into()],
                    "manager".into(),
                    Some("Dana X".into())
                ),
                (
                    "ali".into(),
                    vec!["payments".into(), "web".into()],
                    "engineer".into(),
                    None
                ),
                ("bo".into(), vec!["web".into()], "manager".into(), None),
            ]
        );
        assert!(
            text.contains("also in this team, written under their first team: Ali"),
            "{text}"
        );
        assert!(text.contains("more members than one page lists"), "{text}");
    }

    #[test]
    fn a_starter_config_without_teams_says_so_and_parses() {
        let proposal = from_review_graph(&[], Utc::now());
        let text = starter_config("acme", &[], &proposal);
        let config = crate::config::Config::parse(&text).unwrap();
        assert!(config.people.is_empty());
        assert!(text.contains("PROPOSED TEAMS, from nothing"), "{text}");
    }
}
