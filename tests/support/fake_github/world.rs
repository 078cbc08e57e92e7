//! The world the fake serves (normalized rows) and its index by repository and number.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use teamlens::model::Dataset;

/// A release of a repository (GitHub releases have no normalized table).
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// `owner/name`.
    pub repo: String,
    pub tag: String,
    pub at: DateTime<Utc>,
    pub sha: String,
}

/// What the fake GitHub serves: normalized rows (those whose `source` is `"github"`) plus the
/// little GitHub knows that the tables do not.
#[derive(Debug, Clone, Default)]
pub struct GitHubWorld {
    pub data: Dataset,
    /// Person id → GitHub login; a person absent from the map has their id as login.
    pub login_of: HashMap<String, String>,
    pub releases: Vec<Release>,
    /// PR `(repo, number)` → issues `(repo, number)` it closes (`closingIssuesReferences`).
    pub closing_issues: HashMap<(String, i64), Vec<(String, i64)>>,
    /// Files of the default branch, `(repo, path)` → text, served by the REST contents API
    /// (CODEOWNERS for `teamlens init`).
    pub files: BTreeMap<(String, String), String>,
    /// An organisation without GitHub teams: `organization.teams` is empty and `team(slug)` null.
    /// Otherwise every team of `data.people` is a GitHub team.
    pub no_teams: bool,
}

impl GitHubWorld {
    pub fn from_dataset(data: Dataset) -> Self {
        GitHubWorld {
            data,
            ..GitHubWorld::default()
        }
    }

    /// The REST login of a person (a bot keeps its `[bot]` suffix).
    pub fn login(&self, person: &str) -> String {
        self.login_ref(person).to_string()
    }

    pub fn login_ref<'a>(&'a self, person: &'a str) -> &'a str {
        if self.login_of.is_empty() {
            return person;
        }
        self.login_of.get(person).map_or(person, String::as_str)
    }
}

/// Whether a REST login is a bot's.
pub fn is_bot(login: &str) -> bool {
    login.ends_with("[bot]")
}

/// The GraphQL login of a REST login (`dependabot[bot]` → `dependabot`).
pub fn graphql_login(login: &str) -> &str {
    login.strip_suffix("[bot]").unwrap_or(login)
}

pub fn b64(input: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn unb64(input: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in input.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        bits = bits << 6 | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}

/// An opaque connection cursor for position `index`.
pub fn cursor(index: usize) -> String {
    b64(&format!("cursor:v2:{index}"))
}

pub fn decode_cursor(cursor: &str) -> Option<usize> {
    unb64(cursor)?.strip_prefix("cursor:v2:")?.parse().ok()
}

/// One timeline item of a PR.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// The `pr_events` kind.
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    /// The requested reviewer of a review request (or its removal).
    pub requested: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PrIdx {
    pub row: usize,
    pub id: String,
    pub number: i64,
    pub updated_at: DateTime<Utc>,
    pub reviews: Vec<usize>,
    /// Review threads: each a list of `comments` rows.
    pub threads: Vec<Vec<usize>>,
    pub comments: Vec<usize>,
    pub timeline: Vec<TimelineItem>,
    pub commits: Vec<usize>,
    pub files: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct IssueIdx {
    pub row: usize,
    pub id: String,
    pub number: i64,
    pub updated_at: DateTime<Utc>,
    /// `issue_events` rows in `at` order, without `description` edits.
    pub events: Vec<usize>,
    /// `issue_events` rows of `description` edits, newest first.
    pub edits: Vec<usize>,
    pub comments: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct RepoIdx {
    pub name_with_owner: String,
    /// Updated DESC, number DESC.
    pub prs: Vec<PrIdx>,
    pub pr_by_number: HashMap<i64, usize>,
    /// Updated DESC, number DESC.
    pub issues: Vec<IssueIdx>,
    pub issue_by_number: HashMap<i64, usize>,
    /// `deployments` rows, newest first.
    pub deployments: Vec<usize>,
    /// `releases` entries, newest first.
    pub releases: Vec<usize>,
    pub pushed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct TeamIdx {
    pub slug: String,
    pub name: String,
    /// (person id, role MAINTAINER|MEMBER).
    pub members: Vec<(String, &'static str)>,
}

#[derive(Debug, Clone, Copy)]
pub enum NodeRef {
    Pr(usize, usize),
    Issue(usize, usize),
    Thread(usize, usize, usize),
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub repos: Vec<RepoIdx>,
    /// Lower-cased `owner/name` → position in `repos`.
    pub repo_by_name: HashMap<String, usize>,
    /// Lower-cased owner → its repos, pushed last first.
    pub orgs: BTreeMap<String, (String, Vec<usize>)>,
    pub teams: Vec<TeamIdx>,
    pub nodes: HashMap<String, NodeRef>,
}

pub fn team_slug(team: &str) -> String {
    team.to_lowercase().replace([' ', '_'], "-")
}

impl Index {
    pub fn build(world: &GitHubWorld) -> Index {
        let d = &world.data;
        let gh = |s: &str| s == "github";
        let mut repos: BTreeMap<String, RepoIdx> = BTreeMap::new();
        let repo = |repos: &mut BTreeMap<String, RepoIdx>, name: &str| {
            repos.entry(name.to_string()).or_insert_with(|| RepoIdx {
                name_with_owner: name.to_string(),
                ..RepoIdx::default()
            });
        };
        for pr in d.pull_requests.iter().filter(|r| gh(&r.source)) {
            repo(&mut repos, &pr.repo);
        }
        for issue in d.issues.iter().filter(|r| gh(&r.source)) {
            if let Some((name, _)) = issue.key.split_once('#') {
                repo(&mut repos, name);
            }
        }
        for dep in d.deployments.iter().filter(|r| gh(&r.source)) {
            repo(&mut repos, &dep.repo);
        }
        for rel in &world.releases {
            repo(&mut repos, &rel.repo);
        }

        // Per-PR children, keyed by (repo, number).
        type Key = (String, i64);
        let mut reviews: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, r) in d.reviews.iter().enumerate().filter(|(_, r)| gh(&r.source)) {
            reviews
                .entry((r.repo.clone(), r.number))
                .or_default()
                .push(i);
        }
        let mut requests: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, r) in d
            .review_requests
            .iter()
            .enumerate()
            .filter(|(_, r)| gh(&r.source))
        {
            requests
                .entry((r.repo.clone(), r.number))
                .or_default()
                .push(i);
        }
        let mut events: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, r) in d
            .pr_events
            .iter()
            .enumerate()
            .filter(|(_, r)| gh(&r.source))
        {
            events
                .entry((r.repo.clone(), r.number))
                .or_default()
                .push(i);
        }
        let mut commits: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, r) in d
            .pr_commits
            .iter()
            .enumerate()
            .filter(|(_, r)| gh(&r.source))
        {
            commits
                .entry((r.repo.clone(), r.number))
                .or_default()
                .push(i);
        }
        let mut files: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, r) in d
            .file_changes
            .iter()
            .enumerate()
            .filter(|(_, r)| gh(&r.source))
        {
            if let Some(n) = r.number {
                files.entry((r.repo.clone(), n)).or_default().push(i);
            }
        }
        let mut pr_comments: HashMap<Key, Vec<usize>> = HashMap::new();
        let mut issue_comments: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, c) in d.comments.iter().enumerate().filter(|(_, r)| gh(&r.source)) {
            let Ok(n) = c.item.parse::<i64>() else {
                continue;
            };
            let map = match c.target.as_str() {
                "pr" => &mut pr_comments,
                "issue" => &mut issue_comments,
                _ => continue,
            };
            map.entry((c.container.clone(), n)).or_default().push(i);
        }
        let mut issue_events: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in d
            .issue_events
            .iter()
            .enumerate()
            .filter(|(_, r)| gh(&r.source))
        {
            issue_events.entry(e.key.as_str()).or_default().push(i);
        }

        for (row, pr) in d.pull_requests.iter().enumerate() {
            if !gh(&pr.source) {
                continue;
            }
            let key = (pr.repo.clone(), pr.number);
            let mut rv = reviews.remove(&key).unwrap_or_default();
            rv.sort_by_key(|&i| d.reviews[i].submitted_at);
            let mut all_comments = pr_comments.remove(&key).unwrap_or_default();
            all_comments.sort_by_key(|&i| d.comments[i].created_at);
            let (thread_comments, comments): (Vec<usize>, Vec<usize>) = all_comments
                .into_iter()
                .partition(|&i| d.comments[i].is_review_thread == Some(true));
            let threads: Vec<Vec<usize>> =
                thread_comments.chunks(3).map(<[usize]>::to_vec).collect();
            let mut ev = events.remove(&key).unwrap_or_default();
            ev.sort_by_key(|&i| d.pr_events[i].at);
            // Each request row yields one requested event and, when removed, one removal event.
            let mut req = requests.remove(&key).unwrap_or_default();
            let mut removable = req.clone();
            let mut timeline = Vec::new();
            for i in ev {
                let e = &d.pr_events[i];
                let mut requested = None;
                let take = |req: &mut Vec<usize>, f: &dyn Fn(usize) -> bool| -> Option<String> {
                    let pos = req.iter().position(|&r| f(r))?;
                    Some(d.review_requests[req.remove(pos)].requested.clone())
                };
                if e.kind == "review_requested" {
                    requested = take(&mut req, &|r| {
                        let r = &d.review_requests[r];
                        r.requested_at == e.at && r.requested_by == e.actor
                    });
                } else if e.kind == "review_request_removed" {
                    requested = take(&mut removable, &|r| {
                        let r = &d.review_requests[r];
                        r.removed_at == Some(e.at) && r.requested_by == e.actor
                    })
                    .or_else(|| {
                        take(&mut removable, &|r| {
                            d.review_requests[r].removed_at == Some(e.at)
                        })
                    });
                }
                timeline.push(TimelineItem {
                    kind: e.kind.clone(),
                    at: e.at,
                    actor: e.actor.clone(),
                    requested,
                });
            }
            let mut cm = commits.remove(&key).unwrap_or_default();
            cm.sort_by_key(|&i| d.pr_commits[i].authored_at);
            let fl = files.remove(&key).unwrap_or_default();
            let r = repos.get_mut(&pr.repo).expect("repo indexed");
            let updated_at = pr.updated_at.unwrap_or(pr.created_at);
            r.pushed_at = r.pushed_at.max(Some(updated_at));
            r.prs.push(PrIdx {
                row,
                id: format!("PR_{}", b64(&format!("{}#{}", pr.repo, pr.number))),
                number: pr.number,
                updated_at,
                reviews: rv,
                threads,
                comments,
                timeline,
                commits: cm,
                files: fl,
            });
        }

        for (row, issue) in d.issues.iter().enumerate() {
            if !gh(&issue.source) {
                continue;
            }
            let Some((name, number)) = issue.key.split_once('#') else {
                continue;
            };
            let Ok(number) = number.parse::<i64>() else {
                continue;
            };
            let mut ev = issue_events.remove(issue.key.as_str()).unwrap_or_default();
            ev.sort_by_key(|&i| d.issue_events[i].at);
            let updated_at = ev
                .iter()
                .map(|&i| d.issue_events[i].at)
                .fold(issue.created_at, DateTime::max);
            let (mut edits, events): (Vec<usize>, Vec<usize>) = ev
                .into_iter()
                .partition(|&i| d.issue_events[i].field == "description");
            edits.reverse();
            let mut comments = issue_comments
                .remove(&(name.to_string(), number))
                .unwrap_or_default();
            comments.sort_by_key(|&i| d.comments[i].created_at);
            let r = repos.get_mut(name).expect("repo indexed");
            r.issues.push(IssueIdx {
                row,
                id: format!("I_{}", b64(&issue.key)),
                number,
                updated_at,
                events,
                edits,
                comments,
            });
        }
        for (row, dep) in d.deployments.iter().enumerate() {
            if gh(&dep.source) {
                repos
                    .get_mut(&dep.repo)
                    .expect("repo")
                    .deployments
                    .push(row);
            }
        }
        for (i, rel) in world.releases.iter().enumerate() {
            repos.get_mut(&rel.repo).expect("repo").releases.push(i);
        }

        let mut index = Index::default();
        for (_, mut r) in repos {
            r.prs
                .sort_by_key(|p| std::cmp::Reverse((p.updated_at, p.number)));
            r.issues
                .sort_by_key(|i| std::cmp::Reverse((i.updated_at, i.number)));
            r.deployments
                .sort_by(|&a, &b| d.deployments[b].at.cmp(&d.deployments[a].at));
            r.releases
                .sort_by(|&a, &b| world.releases[b].at.cmp(&world.releases[a].at));
            let ri = index.repos.len();
            for (pi, pr) in r.prs.iter().enumerate() {
                r.pr_by_number.insert(pr.number, pi);
                index.nodes.insert(pr.id.clone(), NodeRef::Pr(ri, pi));
                for t in 0..pr.threads.len() {
                    let id = format!(
                        "PRRT_{}",
                        b64(&format!("{}#{}#{}", r.name_with_owner, pr.number, t))
                    );
                    index.nodes.insert(id, NodeRef::Thread(ri, pi, t));
                }
            }
            for (ii, issue) in r.issues.iter().enumerate() {
                r.issue_by_number.insert(issue.number, ii);
                index.nodes.insert(issue.id.clone(), NodeRef::Issue(ri, ii));
            }
            index
                .repo_by_name
                .insert(r.name_with_owner.to_lowercase(), ri);
            if let Some((owner, _)) = r.name_with_owner.split_once('/') {
                index
                    .orgs
                    .entry(owner.to_lowercase())
                    .or_insert_with(|| (owner.to_string(), Vec::new()))
                    .1
                    .push(ri);
            }
            index.repos.push(r);
        }
        for (_, repos_of) in index.orgs.values_mut() {
            let all = &index.repos;
            repos_of.sort_by(|&a, &b| all[b].pushed_at.cmp(&all[a].pushed_at));
        }
        let mut teams: BTreeMap<String, TeamIdx> = BTreeMap::new();
        for p in &d.people {
            if world.no_teams || p.role == "bot" || p.role == "external" {
                continue;
            }
            let team = teams.entry(p.team.clone()).or_insert_with(|| TeamIdx {
                slug: team_slug(&p.team),
                name: p.team.clone(),
                members: Vec::new(),
            });
            let role = if p.role == "manager" {
                "MAINTAINER"
            } else {
                "MEMBER"
            };
            team.members.push((p.person.clone(), role));
        }
        index.teams = teams.into_values().collect();
        index
    }

    /// The id of review thread `t` of a PR.
    pub fn thread_id(&self, repo: usize, pr: usize, t: usize) -> String {
        let r = &self.repos[repo];
        format!(
            "PRRT_{}",
            b64(&format!("{}#{}#{}", r.name_with_owner, r.prs[pr].number, t))
        )
    }

    pub fn repo(&self, name_with_owner: &str) -> Option<usize> {
        self.repo_by_name
            .get(&name_with_owner.to_lowercase())
            .copied()
    }
}
