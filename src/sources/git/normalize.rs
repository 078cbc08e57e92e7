//! From raw commits to rows: `commits`, `file_changes`, and for every landed change a
//! `pull_requests` row and its `reviews`.
//!
//! **People.** A commit's author and committer are taken after `.mailmap`; the roster's aliases
//! then map their e-mail (or, failing that, their name) to a person; someone the roster does not
//! know is their lower-cased e-mail. Logins in bors and GitHub merge messages go through the
//! roster too; Phabricator and Rietveld names (or e-mails) are read as trailer values are.
//!
//! **A PR's commits.** A merge that names a PR (`Auto merge of #N`, bors-ng's `Merge #N`,
//! `Merge pull request #N`, a merge-queue `title (#N)`) owns the commits it brought in: those
//! reachable from its second parent and not on the first-parent line of the branch read,
//! within the commits of this run. They get its `pr_number`, and their `file_changes` rows its
//! `number`, so that knowledge and review detectors see the PR's files. A squash (`(#N)` on
//! one parent), a Gerrit change, a Phabricator revision or a Rietveld CL is one commit.
//!
//! **A PR's author.** bors' `user:branch`, bors-ng's `a=`, the merge button's `from
//! user/branch` (when `user` is the GitHub repository's own owner, an organisation's branch,
//! the author of the PR's head, the merge's second parent, instead); for a merge-queue merge,
//! whose author is whoever queued it, the author of its second parent; else the commit's
//! author. A second parent this run did not read (a shallow clone's edge) leaves the merge's
//! author.
//!
//! **Reviews.** bors' and bors-ng's `r=` logins, Phabricator's `Reviewed By:` and Rietveld's
//! `LGTM=` names give `approved` reviews (without a `reviewer_name`: they are logins, not
//! signatures); trailers map to states by `[git] review_trailers` (default: `Reviewed-by` and
//! mergify's `Approved-by` approved, `Acked-by` and `Tested-by` commented), submitted at the
//! commit's commit time.
//!
//! **Every landed commit is a change.** A commit that is not a merge, is not brought in by a
//! PR's merge and names no change itself (kernel style, where patches are reviewed by mail and
//! the review is recorded in trailers; a direct push; a revert) becomes a `pull_requests` row of
//! its own, reviewed or not, so that "merged without review" can be seen: number
//! [`commit_change_number`] (negative, from the sha, so it never meets a GitHub, GitLab or
//! Gerrit number and a re-read replaces it), label [`COMMIT_CHANGE_LABEL`] when a review
//! trailer or approver names someone other than its author, else [`UNREVIEWED_COMMIT_LABEL`];
//! created when authored, merged when committed, by the committer. Its commit and file changes
//! carry that number, as a squashed PR's do. A squash history (one `(#N)` commit per PR) gets
//! one change per PR, never a second one per commit.
//!
//! **Links.** A change's `url` is its `Reviewed-on:` (Gerrit), its `Differential Revision:` when
//! that is a URL, its Rietveld CL line, or, for PR numbers (bors, bors-ng, merges, squashes,
//! the merge queue) when the clone's `origin` is on github.com ([`Links`]),
//! `https://github.com/owner/name/pull/N`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::SOURCE;
use super::message::{self, MergeKind, MessageFacts};
use super::read::RawCommit;
use crate::model::{Commit, Dataset, FileChange, PullRequest, Review};
use crate::sources::identities::Identities;

/// How people are named: the roster, and the repository's mailmap for people in trailers.
pub struct People<'a> {
    pub identities: &'a Identities,
    /// `(name, email)` → the canonical `(name, email)` from `.mailmap`.
    pub mailmap: &'a dyn Fn(&str, &str) -> (String, String),
    /// Trailer values already resolved. A project's reviewers sign thousands of commits with
    /// the same few lines, and each resolution parses the line and goes through the mailmap and
    /// the roster; a full read of a kernel-style history would do that several times a commit.
    in_trailers: RefCell<HashMap<String, Option<String>>>,
}

impl<'a> People<'a> {
    pub fn new(
        identities: &'a Identities,
        mailmap: &'a dyn Fn(&str, &str) -> (String, String),
    ) -> People<'a> {
        People {
            identities,
            mailmap,
            in_trailers: RefCell::default(),
        }
    }

    /// The person of a name and e-mail (already through the mailmap).
    pub fn person(&self, name: &str, email: &str) -> String {
        let email = email.trim();
        if !email.is_empty() {
            let resolved = self.identities.resolve(email);
            if resolved != email {
                return resolved;
            }
        }
        let name = name.trim();
        if !name.is_empty() {
            let resolved = self.identities.resolve(name);
            if resolved != name {
                return resolved;
            }
        }
        if email.is_empty() {
            name.to_string()
        } else {
            email.to_lowercase()
        }
    }

    /// The person a trailer value names (`Name <email>`), through the mailmap and the roster.
    pub fn in_trailer(&self, value: &str) -> Option<String> {
        if let Some(known) = self.in_trailers.borrow().get(value) {
            return known.clone();
        }
        let person = self.resolve_trailer(value);
        self.in_trailers
            .borrow_mut()
            .insert(value.to_string(), person.clone());
        person
    }

    /// The name a trailer value signs with (`Name <email>`), through the mailmap.
    pub fn name_in_trailer(&self, value: &str) -> Option<String> {
        let named = message::named_person(value)?;
        let email = named.email.unwrap_or_default();
        let (name, _) = (self.mailmap)(&named.name, &email);
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_string())
    }

    fn resolve_trailer(&self, value: &str) -> Option<String> {
        let named = message::named_person(value)?;
        let email = named.email.unwrap_or_default();
        let (name, email) = (self.mailmap)(&named.name, &email);
        let person = self.person(&name, &email);
        (!person.is_empty()).then_some(person)
    }
}

/// What the reviews are made of.
pub struct ReviewRules<'a> {
    /// Trailer key (any case) → review state.
    pub trailers: &'a BTreeMap<String, String>,
}

impl ReviewRules<'_> {
    fn state(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// The label of a `pull_requests` row that stands for one reviewed commit without a PR.
pub const COMMIT_CHANGE_LABEL: &str = "git:reviewed-commit";

/// The label of a `pull_requests` row that stands for one commit without a PR and without a
/// review in its message: landed without review, as far as git records.
pub const UNREVIEWED_COMMIT_LABEL: &str = "git:commit";

/// Where a repository's changes can be linked to.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// `https://github.com/owner/name` when the clone's `origin` is on github.com: the PRs of
    /// merges, squashes and bors name their page there (`…/pull/N`).
    pub github: Option<String>,
}

impl Links {
    /// The owner of the GitHub repository (`owner` of `owner/name`).
    fn github_owner(&self) -> Option<&str> {
        let base = self.github.as_deref()?;
        base.trim_end_matches('/').rsplit('/').nth(1)
    }
}

/// The number of the change a commit without a PR stands for: minus one minus the
/// value of the sha's first 15 hex digits (60 bits), so always negative and fixed by the sha.
pub fn commit_change_number(sha: &str) -> Option<i64> {
    let prefix = sha.get(..15)?;
    i64::from_str_radix(prefix, 16).ok().map(|n| -n - 1)
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// Each commit's position in `commits`, by sha.
fn index_of(commits: &[(RawCommit, MessageFacts)]) -> HashMap<&str, usize> {
    commits
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.sha.as_str(), i))
        .collect()
}

/// The branch's first-parent line from `tip`, newest first, within the commits read.
fn mainline<'a>(
    commits: &'a [(RawCommit, MessageFacts)],
    index: &HashMap<&str, usize>,
    tip: &'a str,
) -> Vec<&'a str> {
    let mut line = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(tip);
    while let Some(sha) = next {
        let Some(&i) = index.get(sha) else { break };
        if !seen.insert(sha) {
            break;
        }
        line.push(commits[i].0.sha.as_str());
        next = commits[i].0.parents.first().map(String::as_str);
    }
    line
}

/// When each commit reached the branch read: the commit time of the first-parent commit that
/// brought it in (itself, for a commit on the first-parent line). A commit written in 2014 on a
/// side branch, or in another repository a subtree merge imported, did not exist on the branch
/// until that merge; a report for an earlier month must not see it (`crate::asof`). A commit no
/// first-parent commit of this run brought in (unreachable from the tip) keeps its own time.
pub fn landed_times(commits: &[(RawCommit, MessageFacts)], tip: &str) -> HashMap<String, i64> {
    let index = index_of(commits);
    let mut landed: HashMap<String, i64> = HashMap::new();
    // Oldest first, so a merge only claims what no earlier first-parent commit brought in.
    for sha in mainline(commits, &index, tip).into_iter().rev() {
        let commit = &commits[index[sha]].0;
        landed.insert(sha.to_string(), commit.committer_time);
        let mut pending: Vec<&str> = commit.parents.iter().skip(1).map(String::as_str).collect();
        while let Some(sha) = pending.pop() {
            let Some(&i) = index.get(sha) else { continue };
            if landed.contains_key(sha) {
                continue;
            }
            landed.insert(sha.to_string(), commit.committer_time);
            pending.extend(commits[i].0.parents.iter().map(String::as_str));
        }
    }
    for (commit, _) in commits {
        landed
            .entry(commit.sha.clone())
            .or_insert(commit.committer_time);
    }
    landed
}

/// The PR each commit belongs to: its own, or that of the merge that brought it in.
/// `commits` are newest first, `tip` the branch's tip.
pub fn pr_of_commits(commits: &[(RawCommit, MessageFacts)], tip: &str) -> HashMap<String, i64> {
    let index = index_of(commits);
    let mainline: HashSet<&str> = mainline(commits, &index, tip).into_iter().collect();
    let mut out: HashMap<String, i64> = HashMap::new();
    for (commit, facts) in commits {
        if let Some(number) = facts.pr_number {
            out.insert(commit.sha.clone(), number);
        }
    }
    // Oldest merges first, so that a merge of a branch that itself merged a PR keeps the inner
    // PR's commits with the inner PR.
    for (commit, facts) in commits.iter().rev() {
        let (Some(number), true) = (facts.pr_number, commit.parents.len() > 1) else {
            continue;
        };
        let mut pending: Vec<&str> = commit.parents[1..].iter().map(String::as_str).collect();
        while let Some(sha) = pending.pop() {
            if mainline.contains(sha) || out.contains_key(sha) {
                continue;
            }
            let Some(&i) = index.get(sha) else { continue };
            out.insert(sha.to_string(), number);
            pending.extend(commits[i].0.parents.iter().map(String::as_str));
        }
    }
    out
}

/// Turns one run's commits (newest first) of repository `repo` into rows.
pub fn rows(
    repo: &str,
    tip: &str,
    raw: Vec<RawCommit>,
    people: &People<'_>,
    rules: &ReviewRules<'_>,
    links: &Links,
) -> Dataset {
    let commits: Vec<(RawCommit, MessageFacts)> = raw
        .into_iter()
        .map(|c| {
            let facts = message::parse_commit(&c.message, c.parents.len());
            (c, facts)
        })
        .collect();
    let index: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.sha.as_str(), i))
        .collect();
    let mut pr_of = pr_of_commits(&commits, tip);
    let landed = landed_times(&commits, tip);
    let landed_at = |commit: &RawCommit| {
        at(landed
            .get(&commit.sha)
            .copied()
            .unwrap_or(commit.committer_time))
    };
    // Each commit's author and committer, resolved once.
    let who: Vec<(String, String)> = commits
        .iter()
        .map(|(c, _)| {
            (
                people.person(&c.author_name, &c.author_email),
                people.person(&c.committer_name, &c.committer_email),
            )
        })
        .collect();
    // Approvers named outside the trailers: bors logins through the roster, Phabricator and
    // Rietveld names (or e-mails) as trailer values are read.
    let approvers: Vec<Vec<String>> = commits
        .iter()
        .map(|(_, facts)| {
            let bors = matches!(facts.merge_kind, Some(MergeKind::Bors | MergeKind::BorsNg));
            facts
                .approvers
                .iter()
                .filter_map(|name| {
                    if bors {
                        Some(people.identities.resolve(name))
                    } else {
                        people.in_trailer(name)
                    }
                })
                .collect()
        })
        .collect();
    // Every other landed commit (not a merge, not brought in by a PR's merge, naming no change)
    // is its own change, reviewed or not.
    let mut own_change: HashMap<&str, (i64, bool)> = HashMap::new();
    for (((commit, facts), (author, _)), approved_by) in commits.iter().zip(&who).zip(&approvers) {
        if pr_of.contains_key(&commit.sha) || commit.parents.len() > 1 {
            continue;
        }
        let reviewed = approved_by.iter().any(|a| a != author)
            || facts.trailers.iter().any(|t| {
                rules.state(&t.key).is_some()
                    && people
                        .in_trailer(&t.value)
                        .is_some_and(|reviewer| reviewer != *author)
            });
        if let Some(number) = commit_change_number(&commit.sha) {
            pr_of.insert(commit.sha.clone(), number);
            own_change.insert(commit.sha.as_str(), (number, reviewed));
        }
    }
    let mut out = Dataset::default();

    /// What the PR's commits add up to.
    #[derive(Default)]
    struct Members {
        first_authored: Option<i64>,
        additions: i64,
        deletions: i64,
        files: BTreeSet<String>,
    }
    let mut members: BTreeMap<i64, Members> = BTreeMap::new();

    for ((commit, facts), (author, committer)) in commits.iter().zip(&who) {
        let pr_number = pr_of.get(&commit.sha).copied();
        let (files, additions, deletions) = match &commit.files {
            Some(files) => (
                Some(files.len() as i64),
                Some(files.iter().filter_map(|f| f.additions).sum::<i64>()),
                Some(files.iter().filter_map(|f| f.deletions).sum::<i64>()),
            ),
            None => (None, None, None),
        };
        if let Some(number) = pr_number {
            let m = members.entry(number).or_default();
            m.first_authored = Some(
                m.first_authored
                    .map_or(commit.author_time, |t| t.min(commit.author_time)),
            );
            m.additions += additions.unwrap_or(0);
            m.deletions += deletions.unwrap_or(0);
            if let Some(files) = &commit.files {
                m.files.extend(files.iter().map(|f| f.path.clone()));
            }
        }
        for file in commit.files.iter().flatten() {
            out.file_changes.push(FileChange {
                source: SOURCE.into(),
                repo: repo.to_string(),
                sha: Some(commit.sha.clone()),
                number: pr_number,
                path: file.path.clone(),
                additions: file.additions,
                deletions: file.deletions,
            });
        }
        out.commits.push(Commit {
            source: SOURCE.into(),
            repo: repo.to_string(),
            sha: commit.sha.clone(),
            author: author.clone(),
            author_name: Some(commit.author_name.clone()).filter(|n| !n.trim().is_empty()),
            authored_at: at(commit.author_time),
            landed_at: Some(landed_at(commit)),
            author_tz_offset_minutes: Some(i64::from(commit.author_offset) / 60),
            committer: Some(committer.clone()),
            committer_name: Some(commit.committer_name.clone()).filter(|n| !n.trim().is_empty()),
            files,
            additions,
            deletions,
            trailers: facts
                .trailers
                .iter()
                .map(|t| format!("{}: {}", t.key, t.value))
                .collect(),
            pr_number,
            message_headline: commit
                .message
                .lines()
                .next()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty()),
            attribution: {
                let body = commit.message.split_once('\n').map_or("", |(_, body)| body);
                let mut lines = crate::common::attribution::attribution_lines(body);
                lines.retain(|l| {
                    !facts
                        .trailers
                        .iter()
                        .any(|t| *l == format!("{}: {}", t.key, t.value))
                });
                lines
            },
        });
    }

    // One PR (or Gerrit, Phabricator, Rietveld change) per commit that names one itself, and
    // one per commit that is its own change.
    let mut reviewed: BTreeSet<(i64, String, String)> = BTreeSet::new();
    let mut numbered: HashSet<i64> = HashSet::new();
    let owner = links.github_owner();
    for (((commit, facts), (commit_author, committer)), approved_by) in
        commits.iter().zip(&who).zip(&approvers)
    {
        let own = own_change.get(commit.sha.as_str()).copied();
        let Some(number) = facts.pr_number.or(own.map(|(n, _)| n)) else {
            continue;
        };
        // The author of the PR's head (the merge's second parent), when this run read it.
        let head_author = || {
            commit
                .parents
                .get(1)
                .and_then(|p| index.get(p.as_str()))
                .map(|&i| who[i].0.clone())
        };
        let author = match (facts.merge_kind, &facts.pr_author) {
            // A branch of the repository's own organisation names no person: its head does.
            (Some(MergeKind::GitHubMerge), Some(login))
                if owner.is_some_and(|o| o.eq_ignore_ascii_case(login)) =>
            {
                head_author().unwrap_or_else(|| commit_author.clone())
            }
            (Some(MergeKind::Bors | MergeKind::BorsNg | MergeKind::GitHubMerge), Some(login)) => {
                people.identities.resolve(login)
            }
            // The merge queue's merge is authored by whoever queued the PR.
            (Some(MergeKind::MergeQueue), _) => {
                head_author().unwrap_or_else(|| commit_author.clone())
            }
            _ => commit_author.clone(),
        };
        let m = members.get(&number);
        // Merged into the branch read when it reached its first-parent line.
        let merged_at = landed_at(commit);
        let created_at = at(m
            .and_then(|m| m.first_authored)
            .unwrap_or(commit.author_time)
            .min(commit.committer_time));
        let subject = commit.message.lines().next().unwrap_or("").trim();
        let title = match facts.merge_kind {
            Some(MergeKind::BorsNg) => facts.title.as_deref().unwrap_or(subject),
            // The PR's title is the merge's body's first line.
            Some(MergeKind::Bors | MergeKind::GitHubMerge) => commit
                .message
                .lines()
                .skip(1)
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or(subject),
            _ => subject,
        };
        let url = facts.url.clone().or_else(|| {
            let github = links.github.as_deref()?;
            facts
                .merge_kind
                .filter(|k| k.is_github_pr())
                .map(|_| format!("{}/pull/{number}", github.trim_end_matches('/')))
        });
        let labels = match own {
            Some((_, true)) => vec![COMMIT_CHANGE_LABEL.to_string()],
            Some((_, false)) => vec![UNREVIEWED_COMMIT_LABEL.to_string()],
            None => Vec::new(),
        };
        // A change number seen twice (a cherry-pick of a Gerrit change) is one PR: the newest.
        if numbered.insert(number) {
            out.pull_requests.push(PullRequest {
                source: SOURCE.into(),
                repo: repo.to_string(),
                number,
                author: author.clone(),
                title: Some(title.to_string()),
                url,
                created_at,
                ready_at: Some(created_at),
                first_commit_at: Some(created_at),
                merged_at: Some(merged_at),
                closed_at: Some(merged_at),
                merged_by: Some(committer.clone()),
                state: Some("merged".into()),
                draft: Some(false),
                additions: m.map(|m| m.additions),
                deletions: m.map(|m| m.deletions),
                changed_files: m.map(|m| m.files.len() as i64),
                labels,
                base_ref: None,
                is_revert: Some(title.starts_with("Revert \"")),
                reverts_number: None,
                linked_issues: Vec::new(),
                updated_at: Some(merged_at),
                attribution: Vec::new(),
            });
        }
        let mut review = |reviewer: String, reviewer_name: Option<String>, state: &str| {
            if reviewed.insert((number, reviewer.clone(), state.to_string())) {
                out.reviews.push(Review {
                    source: SOURCE.into(),
                    repo: repo.to_string(),
                    number,
                    reviewer,
                    reviewer_name,
                    state: state.to_string(),
                    submitted_at: merged_at,
                    comment_count: None,
                });
            }
        };
        // Logins and usernames are no signed names: `reviewer_name` stays empty.
        for approver in approved_by {
            review(approver.clone(), None, "approved");
        }
        for trailer in &facts.trailers {
            if let Some(state) = rules.state(&trailer.key)
                && let Some(reviewer) = people.in_trailer(&trailer.value)
            {
                review(reviewer, people.name_in_trailer(&trailer.value), state);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Person;

    fn raw(sha: &str, parents: &[&str], email: &str, message: &str, files: bool) -> RawCommit {
        RawCommit {
            sha: sha.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            author_name: "X".into(),
            author_email: email.into(),
            author_time: 1_700_000_000,
            author_offset: 5 * 3600 + 1800,
            committer_name: "X".into(),
            committer_email: email.into(),
            committer_time: 1_700_000_100,
            message: message.into(),
            files: files.then(|| {
                vec![super::super::read::RawFile {
                    path: format!("src/{sha}.rs"),
                    previous_path: None,
                    additions: Some(3),
                    deletions: Some(1),
                }]
            }),
            renames_not_detected: false,
        }
    }

    #[test]
    fn review_trailers_that_name_no_one_give_no_reviewer() {
        let identities = Identities::from_people(&[]);
        let mailmap = |n: &str, e: &str| (n.to_string(), e.to_string());
        let people = People::new(&identities, &mailmap);
        // git/git a74c0686fa3b: git unfolds a `---` and a diffstat into the sign-off.
        assert_eq!(
            people
                .in_trailer(
                    "Junio C Hamano <gitster@pobox.com> --- builtin/add.c | 6 +----- 1 file changed"
                )
                .as_deref(),
            Some("gitster@pobox.com")
        );
        assert_eq!(people.in_trailer("https://example.org/review/1"), None);
        assert_eq!(people.in_trailer("- one - two"), None);
        assert_eq!(people.in_trailer(""), None);
        assert_eq!(
            people.in_trailer("Lars Shneider").as_deref(),
            Some("Lars Shneider")
        );
    }

    #[test]
    fn a_commit_lands_when_the_first_parent_commit_that_brought_it_in_was_committed() {
        // t ← n (merge of old into m) ← m ← a0; old ← side2 (merge of v into side1) ← side1 ← a0
        let at = |sha: &str, parents: &[&str], time: i64| {
            let mut c = raw(sha, parents, "x@x", sha, true);
            c.committer_time = time;
            (c, message::parse_commit(sha, parents.len()))
        };
        let commits = vec![
            at("t", &["n"], 900),
            at("n", &["m", "side2"], 800),
            at("m", &["a0"], 500),
            at("side2", &["side1", "v"], 300),
            at("v", &[], 10),
            at("side1", &["a0"], 200),
            at("a0", &[], 100),
        ];
        let landed = landed_times(&commits, "t");
        let of = |sha: &str| landed[sha];
        assert_eq!((of("t"), of("n"), of("m"), of("a0")), (900, 800, 500, 100));
        // Written earlier on a branch, or in another project, they reached main with n.
        assert_eq!((of("side2"), of("side1"), of("v")), (800, 800, 800));
    }

    #[test]
    fn a_merge_owns_the_commits_it_brought_in_and_its_reviewers_approve() {
        // m (merge of b2 into a1) ← a1 ← a0; b2 ← b1 ← a0
        let commits = vec![
            raw(
                "m",
                &["a1", "b2"],
                "bors@x",
                "Auto merge of #7 - ana:fix, r=leo\n\nFix it\n",
                false,
            ),
            raw("b2", &["b1"], "ana@x", "two", true),
            raw("a1", &["a0"], "mei@x", "main", true),
            raw("b1", &["a0"], "ana@x", "one", true),
            raw("a0", &[], "mei@x", "root", true),
        ];
        let identities = Identities::from_people(&[Person {
            person: "ana".into(),
            display_name: None,
            team: "t".into(),
            teams: Vec::new(),
            role: "engineer".into(),
            timezone: "UTC".into(),
            work_start_hour: None,
            work_end_hour: None,
            aliases: vec!["ana@x".into()],
        }]);
        let mailmap = |n: &str, e: &str| (n.to_string(), e.to_string());
        let people = People::new(&identities, &mailmap);
        let trailers = crate::config::default_review_trailers();
        let rules = ReviewRules {
            trailers: &trailers,
        };
        let data = rows("demo", "m", commits, &people, &rules, &Links::default());
        let pr: BTreeMap<&str, Option<i64>> = data
            .commits
            .iter()
            .map(|c| (c.sha.as_str(), c.pr_number))
            .collect();
        assert_eq!(pr["m"], Some(7));
        assert_eq!(pr["b2"], Some(7));
        assert_eq!(pr["b1"], Some(7));
        // (Shas too short to number a change of their own.)
        assert_eq!(pr["a1"], None);
        assert_eq!(pr["a0"], None);
        assert_eq!(data.commits[1].author, "ana");
        assert_eq!(data.commits[2].author, "mei@x");
        assert_eq!(data.commits[0].author_tz_offset_minutes, Some(330));
        assert_eq!(data.pull_requests.len(), 1);
        let p = &data.pull_requests[0];
        assert_eq!(
            (p.author.as_str(), p.title.as_deref()),
            ("ana", Some("Fix it"))
        );
        assert_eq!((p.additions, p.changed_files), (Some(6), Some(2)));
        assert_eq!(data.reviews.len(), 1);
        assert_eq!(
            (
                data.reviews[0].reviewer.as_str(),
                data.reviews[0].state.as_str()
            ),
            ("leo", "approved")
        );
        let numbered = data.file_changes.iter().filter(|f| f.number == Some(7));
        assert_eq!(numbered.count(), 2);
    }

    fn people_of(identities: &Identities) -> People<'_> {
        static SAME: fn(&str, &str) -> (String, String) = |n, e| (n.to_string(), e.to_string());
        People::new(identities, &SAME)
    }

    fn sha(c: char) -> String {
        c.to_string().repeat(40)
    }

    fn by(mut commit: RawCommit, name: &str, email: &str) -> RawCommit {
        commit.author_name = name.into();
        commit.author_email = email.into();
        commit
    }

    /// rust-lang/cargo af373f761aa4: a merge-queue merge authored by whoever queued it (Ed
    /// Page), the PR's head by its author (Weihang Lo). The PR is Weihang's, owns the head, and
    /// links to its page on GitHub.
    #[test]
    fn a_merge_queue_merge_is_the_pr_of_its_second_parents_author() {
        let (m, base, head) = (sha('a'), sha('b'), sha('c'));
        let commits = vec![
            by(
                raw(
                    &m,
                    &[&base, &head],
                    "eopage@gmail.com",
                    "chore(ci): exclude resolver-tests from intra doc link checks (#17385)\n\n\
                     ### What does this PR try to resolve?\n",
                    false,
                ),
                "Ed Page",
                "eopage@gmail.com",
            ),
            by(
                raw(&head, &[&base], "me@weihanglo.tw", "exclude", true),
                "Weihang Lo",
                "me@weihanglo.tw",
            ),
            raw(&base, &[], "eopage@gmail.com", "root", true),
        ];
        let identities = Identities::from_people(&[]);
        let people = people_of(&identities);
        let trailers = crate::config::default_review_trailers();
        let rules = ReviewRules {
            trailers: &trailers,
        };
        let links = Links {
            github: Some("https://github.com/rust-lang/cargo".into()),
        };
        let data = rows("rust-lang/cargo", &m, commits, &people, &rules, &links);
        let pr = data
            .pull_requests
            .iter()
            .find(|p| p.number == 17385)
            .expect("the PR");
        assert_eq!(pr.author, "me@weihanglo.tw");
        assert_eq!(
            pr.url.as_deref(),
            Some("https://github.com/rust-lang/cargo/pull/17385")
        );
        assert_eq!(pr.merged_by.as_deref(), Some("eopage@gmail.com"));
        let head_row = data.commits.iter().find(|c| c.sha == head).unwrap();
        assert_eq!(head_row.pr_number, Some(17385));
        // The root, pushed to the branch, is a change of its own, unreviewed.
        let root = data
            .pull_requests
            .iter()
            .find(|p| p.number == commit_change_number(&base).unwrap())
            .expect("the root's change");
        assert_eq!(root.labels, [UNREVIEWED_COMMIT_LABEL]);
        assert_eq!(data.pull_requests.len(), 2);
    }

    /// Every landed commit is a change: reviewed by mail or not; but a squash is its PR only.
    #[test]
    fn every_landed_commit_is_one_change() {
        let (squash, reviewed, plain) = (sha('1'), sha('2'), sha('3'));
        let commits = vec![
            raw(
                &squash,
                &[&reviewed],
                "ana@x",
                "Speed up the parser (#345)",
                true,
            ),
            raw(
                &reviewed,
                &[&plain],
                "ana@x",
                "mm: fix\n\nSigned-off-by: Ana <ana@x>\nReviewed-by: Leo <leo@x>\n",
                true,
            ),
            raw(
                &plain,
                &[],
                "ana@x",
                "mm: init\n\nSigned-off-by: Ana <ana@x>\n",
                true,
            ),
        ];
        let identities = Identities::from_people(&[]);
        let people = people_of(&identities);
        let trailers = crate::config::default_review_trailers();
        let rules = ReviewRules {
            trailers: &trailers,
        };
        let data = rows("k", &squash, commits, &people, &rules, &Links::default());
        let labels: BTreeMap<i64, Vec<String>> = data
            .pull_requests
            .iter()
            .map(|p| (p.number, p.labels.clone()))
            .collect();
        let own = |s: &str| commit_change_number(s).unwrap();
        assert_eq!(labels.len(), 3, "{labels:?}");
        assert!(labels[&345].is_empty());
        assert_eq!(labels[&own(&reviewed)], [COMMIT_CHANGE_LABEL]);
        assert_eq!(labels[&own(&plain)], [UNREVIEWED_COMMIT_LABEL]);
        assert!(data.pull_requests.iter().all(|p| p.url.is_none()));
        let reviews: Vec<(i64, &str)> = data
            .reviews
            .iter()
            .map(|r| (r.number, r.reviewer.as_str()))
            .collect();
        assert_eq!(reviews, [(own(&reviewed), "leo@x")]);
    }

    /// facebook/folly 0e753e5bd178 (Phabricator, an imported GitHub PR) and golang/tools
    /// 289e96cc2682 (Rietveld): the revision or CL is the change, its approvers its reviews.
    #[test]
    fn phabricator_and_rietveld_changes_are_reviewed_by_their_approvers() {
        let (folly, go) = (sha('d'), sha('e'));
        let commits = vec![
            raw(
                &folly,
                &[&go],
                "meyering@meta.com",
                "Update x86 Arch Detection (#1944)\n\nSummary:\nThe old detection.\n\n\
                 Pull Request resolved: https://github.com/facebook/folly/pull/1944\n\n\
                 Reviewed By: kgpai, @Orvid\n\nDifferential Revision: D43881351\n\n\
                 Pulled By: Orvid\n\nfbshipit-source-id: 87b591a13b1498f957d648b3121f4ea37e92f96b\n",
                true,
            ),
            raw(
                &go,
                &[],
                "gri@golang.org",
                "go.tools/go/types: no errors for x.(T) where T is an interface\n\n\
                 Fixes golang/go#8561.\n\nLGTM=adonovan\nR=adonovan\nCC=golang-codereviews\n\
                 https://golang.org/cl/134050043\n",
                true,
            ),
        ];
        let identities = Identities::from_people(&[]);
        let people = people_of(&identities);
        let trailers = crate::config::default_review_trailers();
        let rules = ReviewRules {
            trailers: &trailers,
        };
        let links = Links {
            github: Some("https://github.com/facebook/folly".into()),
        };
        let data = rows("facebook/folly", &folly, commits, &people, &rules, &links);
        let numbers: BTreeSet<i64> = data.pull_requests.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [43881351, 134050043].into());
        let url = |n: i64| {
            data.pull_requests
                .iter()
                .find(|p| p.number == n)
                .and_then(|p| p.url.clone())
        };
        // A bare D number has no address; a Phabricator number is no GitHub PR's.
        assert_eq!(url(43881351), None);
        assert_eq!(
            url(134050043).as_deref(),
            Some("https://golang.org/cl/134050043")
        );
        let reviews: BTreeSet<(i64, &str, Option<&str>)> = data
            .reviews
            .iter()
            .map(|r| (r.number, r.reviewer.as_str(), r.reviewer_name.as_deref()))
            .collect();
        assert_eq!(
            reviews,
            [
                (43881351, "kgpai", None),
                (43881351, "Orvid", None),
                (134050043, "adonovan", None)
            ]
            .into()
        );
    }
}
