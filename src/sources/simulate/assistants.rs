//! Coding assistants in the simulated organisation: some teams make part of their PRs with one,
//! written as the real sources write it — a `Co-authored-by:` trailer on a PR's commit, or the
//! tool's own line in the PR's description — never as a ready-made flag. The ground truth
//! records which PRs were made so and which teams' assisted PRs lag.
//!
//! Planted after the rest of the simulation, from a generator of its own, and without adding or
//! changing any other row: a team's assisted PRs are chosen among the PRs the simulation already
//! made. With the lag, the PRs that failed (reverted, or named by an incident) are chosen first,
//! so that the assisted PRs fail more than the team's others; without it, at random. So every
//! other detector sees the same organisation with or without assistants.

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
    /// The assisted PRs lag the others: of the PRs that failed, nine in ten are among them.
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
    for issue in &dataset.issues {
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
        let share = if late.contains(month.as_str()) {
            use_.share
        } else {
            use_.share / 4.0
        };
        let did_fail = failed.contains(&(pr.repo.clone(), pr.number));
        let chance = match (use_.lag, did_fail) {
            (true, true) => 0.9,
            _ => share,
        };
        // One draw per PR whatever the outcome, so the choices do not shift one another.
        let roll: f64 = rng.random();
        let evidence: u32 = rng.random_range(0..3);
        if roll >= chance {
            continue;
        }
        let key = (pr.repo.clone(), pr.number);
        if evidence == 2 {
            pr.attribution.push(DESCRIPTION_LINE.to_string());
        } else if !dataset
            .pr_commits
            .iter()
            .any(|c| c.repo == key.0 && c.number == key.1)
        {
            pr.attribution.push(DESCRIPTION_LINE.to_string());
        } else {
            chosen.insert(key.clone());
        }
        assisted.push((key, evidence));
    }
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
