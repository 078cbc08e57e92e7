//! The teams `teamlens init` proposes, from what an organisation shows, in this order: its GitHub
//! teams; else its repositories' CODEOWNERS; else its review graph (who reviews whose merged PRs).
//! Pure functions over what `org.rs` fetched; each proposed team says where it came from, and
//! [`super::org::starter_config`] writes them as a roster to confirm.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::org::{OrgMember, OrgTeam};
use crate::common::repo_name::RepoName;

/// Where the proposed teams came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    GitHubTeams,
    Codeowners,
    ReviewGraph,
    /// Nothing to propose teams from.
    Nothing,
}

/// A proposed team: its name, the comment that says where it came from, its members.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedTeam {
    pub name: String,
    /// Ends with "confirm or rename"; written as a comment above the team's people.
    pub origin: String,
    pub members: Vec<ProposedMember>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProposedMember {
    pub login: String,
    pub name: Option<String>,
    /// A GitHub team maintainer, proposed as manager.
    pub maintainer: bool,
}

impl From<&OrgMember> for ProposedMember {
    fn from(member: &OrgMember) -> Self {
        ProposedMember {
            login: member.login.clone(),
            name: member.name.as_deref().map(one_line),
            maintainer: member.maintainer,
        }
    }
}

/// What `init` proposes: the teams, and notes for what it could not place.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub method: Method,
    pub teams: Vec<ProposedTeam>,
    /// Comment lines: owners that could not be resolved, people left unplaced.
    pub notes: Vec<String>,
}

impl Proposal {
    /// Whether any proposed team has people.
    pub fn has_people(&self) -> bool {
        self.teams.iter().any(|t| !t.members.is_empty())
    }
}

fn member(login: &str) -> ProposedMember {
    ProposedMember {
        login: login.to_string(),
        name: None,
        maintainer: false,
    }
}

/// GitHub's teams, as the organisation has them (teams without visible members left out).
pub fn from_github_teams(org: &str, teams: &[OrgTeam]) -> Proposal {
    let mut notes = Vec::new();
    let proposed = teams
        .iter()
        .filter(|t| !t.members.is_empty())
        .map(|team| {
            if team.truncated {
                notes.push(format!(
                    "GitHub team {org}/{} has more members than one page lists: add the rest",
                    team.slug
                ));
            }
            ProposedTeam {
                name: team.slug.clone(),
                origin: format!(
                    "proposed from GitHub team {org}/{} ({}): confirm or rename",
                    team.slug,
                    one_line(&team.name)
                ),
                members: team.members.iter().map(ProposedMember::from).collect(),
            }
        })
        .collect();
    Proposal {
        method: Method::GitHubTeams,
        teams: proposed,
        notes,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where GitHub looks for a repository's CODEOWNERS, in its order: the first found is used.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// An owner named in a CODEOWNERS file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// `@org/slug`.
    Team { org: String, slug: String },
    /// `@login`.
    User(String),
}

/// One rule of a CODEOWNERS file: a pattern and its owners (e-mail owners left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub pattern: String,
    pub owners: Vec<Owner>,
}

/// Parses a CODEOWNERS file as GitHub reads it: one `pattern owner…` rule a line, `#` comments,
/// `\#` an escaped hash in a pattern. E-mail owners (GitHub accepts them) name no login and are
/// skipped; rules without owners are kept out (they only unset ownership).
pub fn parse_codeowners(text: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for line in text.lines() {
        let mut tokens: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'#') => {
                    current.push('#');
                    chars.next();
                }
                '#' => break,
                c if c.is_whitespace() => {
                    if !current.is_empty() {
                        tokens.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            tokens.push(current);
        }
        let mut tokens = tokens.into_iter();
        let Some(pattern) = tokens.next() else {
            continue;
        };
        let owners: Vec<Owner> = tokens
            .filter_map(|token| {
                let name = token.strip_prefix('@')?;
                match name.split_once('/') {
                    Some((org, slug)) if !org.is_empty() && !slug.is_empty() => Some(Owner::Team {
                        org: org.to_string(),
                        slug: slug.to_string(),
                    }),
                    Some(_) => None,
                    None if !name.is_empty() && !name.ends_with("[bot]") => {
                        Some(Owner::User(name.to_string()))
                    }
                    None => None,
                }
            })
            .collect();
        if !owners.is_empty() {
            rules.push(Rule { pattern, owners });
        }
    }
    rules
}

/// A repository's CODEOWNERS: where it was found and its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Codeowners {
    pub repo: RepoName,
    pub path: String,
    pub rules: Vec<Rule>,
}

/// Teams from CODEOWNERS files. `resolve` gives a team owner's members (`None` when the team is
/// not visible). An `@org/team` owner that resolves is a team of its members; the individual
/// `@login` owners of a repository are grouped by the rules they share (people named together on
/// a line are a team), each group named after the repository, or after the repository and the
/// top folder of its rules when the repository has several groups; groups with the same people
/// in several repositories are one team.
pub fn from_codeowners(
    files: &[Codeowners],
    mut resolve: impl FnMut(&str, &str) -> Option<OrgTeam>,
) -> Proposal {
    let mut teams: Vec<ProposedTeam> = Vec::new();
    let mut notes = Vec::new();
    // Team owners: slug → (org, repositories).
    let mut team_owners: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    // People groups: members → (name, repositories with what they own).
    let mut groups: Vec<(BTreeSet<String>, String, Vec<String>)> = Vec::new();
    for file in files {
        let repo = file.repo.to_string();
        let mut owners_of_login: BTreeMap<String, String> = BTreeMap::new();
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        fn find(parent: &mut BTreeMap<String, String>, x: &str) -> String {
            let up = parent.get(x).cloned().unwrap_or_else(|| x.to_string());
            if up == x {
                return up;
            }
            let root = find(parent, &up);
            parent.insert(x.to_string(), root.clone());
            root
        }
        let mut patterns_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for rule in &file.rules {
            let mut logins = Vec::new();
            for owner in &rule.owners {
                match owner {
                    Owner::Team { org, slug } => {
                        team_owners
                            .entry((org.clone(), slug.clone()))
                            .or_default()
                            .insert(repo.clone());
                    }
                    Owner::User(login) => {
                        let key = login.to_lowercase();
                        owners_of_login.entry(key.clone()).or_insert(login.clone());
                        parent.entry(key.clone()).or_insert(key.clone());
                        patterns_of
                            .entry(key.clone())
                            .or_default()
                            .push(rule.pattern.clone());
                        logins.push(key);
                    }
                }
            }
            for pair in logins.windows(2) {
                let (a, b) = (find(&mut parent, &pair[0]), find(&mut parent, &pair[1]));
                if a != b {
                    parent.insert(a, b);
                }
            }
        }
        let mut by_root: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for key in owners_of_login.keys() {
            let root = find(&mut parent, key);
            by_root
                .entry(root)
                .or_default()
                .insert(owners_of_login[key].clone());
        }
        let several = by_root.len() > 1;
        for members in by_root.into_values() {
            let patterns: BTreeSet<String> = members
                .iter()
                .flat_map(|m| patterns_of[&m.to_lowercase()].iter().cloned())
                .collect();
            let name = if several {
                match top_folder(&patterns) {
                    Some(folder) => format!("{}-{folder}", file.repo.name),
                    None => file.repo.name.clone(),
                }
            } else {
                file.repo.name.clone()
            };
            let what = format!(
                "{repo} ({})",
                patterns.iter().cloned().collect::<Vec<_>>().join(" ")
            );
            let lowered: BTreeSet<String> = members.iter().map(|m| m.to_lowercase()).collect();
            match groups.iter_mut().find(|(m, _, _)| {
                m.iter().map(|x| x.to_lowercase()).collect::<BTreeSet<_>>() == lowered
            }) {
                Some((_, _, places)) => places.push(what),
                None => groups.push((members, name, vec![what])),
            }
        }
    }
    for ((org, slug), repos) in team_owners {
        let repos = repos.into_iter().collect::<Vec<_>>().join(", ");
        match resolve(&org, &slug).filter(|t| !t.members.is_empty()) {
            Some(team) => teams.push(ProposedTeam {
                name: team.slug.clone(),
                origin: format!(
                    "proposed from CODEOWNERS of {repos} (owner @{org}/{slug}): confirm or rename"
                ),
                members: team.members.iter().map(ProposedMember::from).collect(),
            }),
            None => notes.push(format!(
                "CODEOWNERS of {repos} name @{org}/{slug}, whose members these credentials cannot \
                 see: add them with team = \"{slug}\""
            )),
        }
    }
    for (members, name, places) in groups {
        teams.push(ProposedTeam {
            name,
            origin: format!(
                "proposed from CODEOWNERS of {}: confirm or rename",
                places.join(", ")
            ),
            members: members.iter().map(|m| member(m)).collect(),
        });
    }
    dedupe_names(&mut teams);
    Proposal {
        method: Method::Codeowners,
        teams,
        notes,
    }
}

/// The first folder all patterns share (`/billing/`, `billing/**` → `billing`), if any.
fn top_folder(patterns: &BTreeSet<String>) -> Option<String> {
    let mut folders = patterns.iter().map(|p| {
        let p = p.trim_start_matches('/');
        let first = p.split('/').next().unwrap_or_default();
        if first.is_empty() || first.contains('*') || !p.contains('/') {
            None
        } else {
            Some(first.to_string())
        }
    });
    let first = folders.next()??;
    folders
        .all(|f| f.as_deref() == Some(&first))
        .then_some(first)
}

/// Makes team names unique: a second `ledger` becomes `ledger-2`.
fn dedupe_names(teams: &mut [ProposedTeam]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for team in teams.iter_mut() {
        let count = seen.entry(team.name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            team.name = format!("{}-{count}", team.name);
        }
    }
}

/// A merged PR of the review window: where, who wrote it, who reviewed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewedPr {
    pub repo: RepoName,
    pub author: String,
    pub reviewers: Vec<String>,
}

/// The review graph's window: PRs merged in the last this many days.
pub const REVIEW_WINDOW_DAYS: i64 = 90;
/// An edge is strong when the two reviewed each other's PRs at least this many times…
pub const MIN_EDGE_REVIEWS: usize = 2;
/// …and that is at least this share of the review exchanges of each of them.
pub const STRONG_EDGE_SHARE: f64 = 0.1;

/// Teams from who reviews whom: people are nodes, an edge counts the PRs one of a pair reviewed
/// for the other. Strong edges (at least [`MIN_EDGE_REVIEWS`], and [`STRONG_EDGE_SHARE`] of each
/// end's exchanges, so one reviewer of everything does not join every team into one) make
/// connected groups; someone with no strong edge joins the group they exchange most reviews with.
/// Each group is named after the repository most of its members' PRs land in.
pub fn from_review_graph(prs: &[ReviewedPr], since: DateTime<Utc>) -> Proposal {
    let mut weight: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut people: BTreeSet<String> = BTreeSet::new();
    for pr in prs {
        people.insert(pr.author.clone());
        let reviewers: BTreeSet<&String> =
            pr.reviewers.iter().filter(|r| **r != pr.author).collect();
        for reviewer in reviewers {
            people.insert(reviewer.clone());
            let key = if *reviewer < pr.author {
                (reviewer.clone(), pr.author.clone())
            } else {
                (pr.author.clone(), reviewer.clone())
            };
            *weight.entry(key).or_default() += 1;
        }
    }
    let mut total: BTreeMap<&str, usize> = BTreeMap::new();
    for ((a, b), w) in &weight {
        *total.entry(a).or_default() += w;
        *total.entry(b).or_default() += w;
    }
    let mut parent: BTreeMap<String, String> =
        people.iter().map(|p| (p.clone(), p.clone())).collect();
    fn find(parent: &mut BTreeMap<String, String>, x: &str) -> String {
        let up = parent[x].clone();
        if up == x {
            return up;
        }
        let root = find(parent, &up);
        parent.insert(x.to_string(), root.clone());
        root
    }
    let mut strong: BTreeSet<&str> = BTreeSet::new();
    for ((a, b), &w) in &weight {
        let most = total[a.as_str()].max(total[b.as_str()]) as f64;
        if w >= MIN_EDGE_REVIEWS && w as f64 >= STRONG_EDGE_SHARE * most {
            strong.insert(a);
            strong.insert(b);
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent.insert(ra, rb);
            }
        }
    }
    // Someone without a strong edge joins the group they exchange most reviews with.
    let loose: Vec<String> = people
        .iter()
        .filter(|p| !strong.contains(p.as_str()))
        .cloned()
        .collect();
    let mut unplaced = Vec::new();
    for person in loose {
        let mut by_group: BTreeMap<String, usize> = BTreeMap::new();
        for ((a, b), &w) in &weight {
            let other = if *a == person {
                b
            } else if *b == person {
                a
            } else {
                continue;
            };
            if strong.contains(other.as_str()) {
                *by_group.entry(find(&mut parent, other)).or_default() += w;
            }
        }
        match by_group
            .into_iter()
            .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
        {
            Some((root, _)) => {
                parent.insert(person, root);
            }
            None => unplaced.push(person),
        }
    }
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for person in &people {
        if unplaced.contains(person) {
            continue;
        }
        let root = find(&mut parent, person);
        groups.entry(root).or_default().insert(person.clone());
    }
    let mut teams: Vec<(usize, ProposedTeam)> = groups
        .into_values()
        .map(|members| {
            let mut by_repo: BTreeMap<String, (usize, String)> = BTreeMap::new();
            let mut authored = 0;
            for pr in prs.iter().filter(|pr| members.contains(&pr.author)) {
                authored += 1;
                by_repo
                    .entry(pr.repo.to_string())
                    .or_insert((0, pr.repo.name.clone()))
                    .0 += 1;
            }
            let (repo, (count, short)) = by_repo
                .into_iter()
                .max_by(|x, y| x.1.0.cmp(&y.1.0).then(y.0.cmp(&x.0)))
                .unwrap_or_else(|| ("(none)".into(), (0, "reviewers".into())));
            let origin = format!(
                "proposed from the review graph: {} people who reviewed each other's PRs merged \
                 since {}; {count} of their {authored} PRs in {repo}: confirm or rename",
                members.len(),
                since.format("%Y-%m-%d"),
            );
            (
                members.len(),
                ProposedTeam {
                    name: short,
                    origin,
                    members: members.iter().map(|m| member(m)).collect(),
                },
            )
        })
        .collect();
    teams.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
    let mut teams: Vec<ProposedTeam> = teams.into_iter().map(|(_, t)| t).collect();
    dedupe_names(&mut teams);
    let mut notes = Vec::new();
    if !unplaced.is_empty() {
        notes.push(format!(
            "not placed (no review exchanged with anyone since {}): {}",
            since.format("%Y-%m-%d"),
            unplaced.join(", ")
        ));
    }
    Proposal {
        method: if teams.is_empty() {
            Method::Nothing
        } else {
            Method::ReviewGraph
        },
        teams,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::github::org::OrgMember;

    /// Each proposed team's name and members' logins, in order.
    fn team_names(proposal: &Proposal) -> Vec<(&str, Vec<&str>)> {
        proposal
            .teams
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.members.iter().map(|m| m.login.as_str()).collect(),
                )
            })
            .collect()
    }

    fn repo(name: &str) -> RepoName {
        RepoName::parse(name).unwrap()
    }

    #[test]
    fn codeowners_lines_as_github_reads_them() {
        let rules = parse_codeowners(
            "# owners\n\
             *       @acme/platform\n\
             /billing/   @Ann @bob  # the billing folder\n\
             docs/\\#notes  ann@acme.example @cem\n\
             /vendor/\n",
        );
        assert_eq!(
            rules,
            vec![
                Rule {
                    pattern: "*".into(),
                    owners: vec![Owner::Team {
                        org: "acme".into(),
                        slug: "platform".into()
                    }]
                },
                Rule {
                    pattern: "/billing/".into(),
                    owners: vec![Owner::User("Ann".into()), Owner::User("bob".into())]
                },
                Rule {
                    pattern: "docs/#notes".into(),
                    owners: vec![Owner::User("cem".into())]
                },
            ]
        );
    }

    #[test]
    fn codeowners_group_co_owners_and_resolve_teams() {
        let files = vec![
            Codeowners {
                repo: repo("acme/ledger"),
                path: ".github/CODEOWNERS".into(),
                rules: parse_codeowners(
                    "/billing/ @ann @bob\n/billing/tax/ @bob\n/web/ @cem @dan\n* @acme/platform\n",
                ),
            },
            Codeowners {
                repo: repo("acme/ui"),
                path: "CODEOWNERS".into(),
                rules: parse_codeowners("* @cem @Dan\n* @acme/ghosts\n"),
            },
        ];
        let proposal = from_codeowners(&files, |_, slug| {
            (slug == "platform").then(|| OrgTeam {
                slug: "platform".into(),
                name: "Platform".into(),
                truncated: false,
                members: vec![OrgMember {
                    login: "eve".into(),
                    name: None,
                    maintainer: true,
                }],
            })
        });
        let names = team_names(&proposal);
        assert_eq!(
            names,
            vec![
                ("platform", vec!["eve"]),
                ("ledger-billing", vec!["ann", "bob"]),
                ("ledger-web", vec!["cem", "dan"]),
            ]
        );
        assert!(
            proposal.teams[2]
                .origin
                .contains("acme/ledger (/web/), acme/ui (*)"),
            "{:?}",
            proposal.teams[2]
        );
        assert_eq!(proposal.notes.len(), 1);
        assert!(
            proposal.notes[0].contains("@acme/ghosts"),
            "{:?}",
            proposal.notes
        );
    }

    #[test]
    fn the_review_graph_keeps_strong_edges_and_names_teams_by_repository() {
        let pr = |r: &str, author: &str, reviewers: &[&str]| ReviewedPr {
            repo: repo(r),
            author: author.into(),
            reviewers: reviewers.iter().map(|s| s.to_string()).collect(),
        };
        let mut prs = Vec::new();
        for _ in 0..3 {
            prs.push(pr("acme/ledger", "ann", &["bob"]));
            prs.push(pr("acme/ledger", "bob", &["cem"]));
            prs.push(pr("acme/ledger", "cem", &["ann"]));
            prs.push(pr("acme/ui", "dan", &["eve"]));
            prs.push(pr("acme/ui", "eve", &["fay", "eve"]));
            prs.push(pr("acme/ui", "fay", &["dan"]));
        }
        // One review across: a weak edge, which must not join the two teams.
        prs.push(pr("acme/ui", "dan", &["ann"]));
        // Someone who reviewed once, for the ledger team: joins it.
        prs.push(pr("acme/ledger", "gus", &["bob"]));
        // Someone nobody reviewed: not placed.
        prs.push(pr("acme/tools", "hal", &[]));
        let since = Utc::now() - chrono::Duration::days(90);
        let proposal = from_review_graph(&prs, since);
        let names = team_names(&proposal);
        assert_eq!(
            names,
            vec![
                ("ledger", vec!["ann", "bob", "cem", "gus"]),
                ("ui", vec!["dan", "eve", "fay"]),
            ]
        );
        assert!(
            proposal.teams[1]
                .origin
                .contains("10 of their 10 PRs in acme/ui")
        );
        assert_eq!(proposal.method, Method::ReviewGraph);
        assert!(proposal.notes[0].contains("hal"), "{:?}", proposal.notes);
    }
}
