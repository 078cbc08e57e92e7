//! Coding assistants in the simulated organisation: some teams make part of their PRs with one,
//! written as the real sources write it — a `Co-authored-by:` trailer on a PR's commit, or the
//! tool's own line in the PR's description — never as a ready-made flag. The ground truth
//! records which PRs were made so and which teams' assisted PRs lag.
//!
//! Planted after the rest of the simulation, from a generator of its own: a team's assisted PRs
//! are chosen among the PRs the simulation already made. Without the lag they are chosen at
//! random and no other row changes, so every other detector sees the same organisation. With
//! it, the PRs that failed (reverted, or named by an incident) are chosen first, and one in six
//! assisted PRs of the last two months is reverted a day or two after its merge (a revert PR by
//! its author): the assisted PRs fail more than the team's others.

use std::collections::BTreeSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::SimConfig;
use crate::model::Dataset;

/// How one team uses coding assistants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AiUse {
    /// The share of the team's merged PRs made with an assistant in the last two months; a
    /// quarter of it before, so that assisted output rises.
    pub share: f64,
    /// The assisted PRs of the last two months lag the others: of the PRs that failed, nine in
    /// ten are among them, and one in six of them is reverted within days.
    pub lag: bool,
}

/// The evidence planted on an assisted PR, in turn: what Claude Code, Cursor and Copilot write.
const TRAILERS: &[&str] = &[
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Co-authored-by: Cursor <cursoragent@cursor.com>",
];
const DESCRIPTION_LINE: &str = "🤖 Generated with [Claude Code](https://claude.com/claude-code)";

/// Plants the teams' assistant use into `dataset`; returns the assisted PRs (`repo#number`).
pub fn plant(
    config: &SimConfig,
    repos: &[(String, Option<AiUse>)],
    dataset: &mut Dataset,
) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x00a1_a551_57ed);
    let months = config.month_names();
    let late: BTreeSet<&str> = months[months.len().saturating_sub(2)..]
        .iter()
        .map(String::as_str)
        .collect();
    let mut failed: BTreeSet<(String, i64)> = dataset
        .pull_requests
        .iter()
        .filter_map(|p| p.reverts_number.map(|n| (p.repo.clone(), n)))
        .collect();
    for issue in dataset
        .issues
        .iter()
        .filter(|i| i.issue_type.as_deref() == Some("incident"))
    {
        for link in &issue.linked_prs {
            if let Some((repo, number)) = link.rsplit_once('#')
                && let Ok(number) = number.parse::<i64>()
            {
                failed.insert((repo.to_string(), number));
            }
        }
    }
    let mut assisted = Vec::new();
    let mut chosen: BTreeSet<(String, i64)> = BTreeSet::new();
    for pr in &mut dataset.pull_requests {
        let Some(use_) = repos
            .iter()
            .find(|(repo, _)| *repo == pr.repo)
            .and_then(|(_, u)| *u)
        else {
            continue;
        };
        let Some(merged_at) = pr.merged_at else {
            continue;
        };
        if pr.author.ends_with("[bot]") {
            continue;
        }
        let month = merged_at.format("%Y-%m").to_string();
        let recent = late.contains(month.as_str());
        let share = if recent { use_.share } else { use_.share / 4.0 };
        let did_fail = failed.contains(&(pr.repo.clone(), pr.number));
        let chance = if use_.lag && recent && did_fail {
            0.9
        } else {
            share
        };
        // One draw per PR whatever the outcome, so the choices do not shift one another.
        let roll: f64 = rng.random();
        let evidence: u32 = rng.random_range(0..3);
        if roll >= chance {
            continue;
        }
        let key = (pr.repo.clone(), pr.number);
        let has_commits = dataset
            .pr_commits
            .iter()
            .any(|c| c.repo == key.0 && c.number == key.1);
        if evidence == 2 || !has_commits {
            pr.attribution.push(DESCRIPTION_LINE.to_string());
        } else {
            chosen.insert(key.clone());
        }
        assisted.push((key, evidence));
    }
    plant_reverts(&mut rng, repos, &late, &assisted, dataset);
    for commit in &mut dataset.pr_commits {
        let key = (commit.repo.clone(), commit.number);
        if chosen.remove(&key)
            && let Some((_, evidence)) = assisted.iter().find(|(k, _)| *k == key)
        {
            commit
                .trailers
                .push(TRAILERS[*evidence as usize % TRAILERS.len()].to_string());
        }
    }
    assisted
        .into_iter()
        .map(|((repo, number), _)| format!("{repo}#{number}"))
        .collect()
}

/// Reverts one in six of a lagging team's assisted PRs merged in the last two months.
fn plant_reverts(
    rng: &mut ChaCha8Rng,
    repos: &[(String, Option<AiUse>)],
    late: &BTreeSet<&str>,
    assisted: &[((String, i64), u32)],
    dataset: &mut Dataset,
) {
    let lagging: BTreeSet<&str> = repos
        .iter()
        .filter(|(_, u)| u.is_some_and(|u| u.lag))
        .map(|(repo, _)| repo.as_str())
        .collect();
    let chosen: BTreeSet<&(String, i64)> = assisted.iter().map(|(k, _)| k).collect();
    let mut next: std::collections::BTreeMap<String, i64> = Default::default();
    for pr in &dataset.pull_requests {
        let n = next.entry(pr.repo.clone()).or_insert(0);
        *n = (*n).max(pr.number + 1);
    }
    let mut reverts = Vec::new();
    for pr in &dataset.pull_requests {
        let Some(merged_at) = pr.merged_at else {
            continue;
        };
        if !lagging.contains(pr.repo.as_str()) || !chosen.contains(&(pr.repo.clone(), pr.number)) {
            continue;
        }
        let roll: f64 = rng.random();
        let hours: i64 = rng.random_range(6..60);
        if !late.contains(merged_at.format("%Y-%m").to_string().as_str()) || roll >= 1.0 / 6.0 {
            continue;
        }
        let Some(number) = next.get_mut(&pr.repo) else {
            continue;
        };
        let at = merged_at + chrono::Duration::hours(hours);
        let mut revert = pr.clone();
        revert.number = *number;
        *number += 1;
        revert.title = Some(format!(
            "Revert \"{}\"",
            pr.title.clone().unwrap_or_default()
        ));
        revert.url = pr.url.as_ref().map(|u| {
            format!(
                "{}/{}",
                u.rsplit_once('/').map_or(u.as_str(), |(b, _)| b),
                revert.number
            )
        });
        revert.created_at = at;
        revert.ready_at = Some(at);
        revert.first_commit_at = Some(at);
        revert.merged_at = Some(at + chrono::Duration::hours(1));
        revert.closed_at = revert.merged_at;
        revert.updated_at = revert.merged_at;
        revert.additions = pr.deletions;
        revert.deletions = pr.additions;
        revert.labels = Vec::new();
        revert.is_revert = Some(true);
        revert.reverts_number = Some(pr.number);
        revert.linked_issues = Vec::new();
        revert.attribution = Vec::new();
        reverts.push(revert);
    }
    dataset.pull_requests.extend(reverts);
}
