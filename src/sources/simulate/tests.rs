//! The simulated world must be deterministic, internally consistent (what a real fetch could
//! return) and must carry the patterns it claims to have planted.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Timelike};

use super::*;
use crate::model::Dataset;

fn org(seed: u64) -> (SimConfig, Simulation) {
    let config = SimConfig::default_org(seed, 6, 6, 1.0);
    let simulation = simulate(&config);
    (config, simulation)
}

fn team_of(data: &Dataset) -> BTreeMap<String, String> {
    data.people
        .iter()
        .map(|p| (p.person.clone(), p.team.clone()))
        .collect()
}

fn manager_of(data: &Dataset, team: &str) -> String {
    data.people
        .iter()
        .find(|p| p.team == team && p.role == "manager")
        .map(|p| p.person.clone())
        .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_world_and_another_seed_another() {
    let config = SimConfig::default_org(3, 3, 3, 1.0);
    let first = simulate(&config);
    let again = simulate(&config);
    assert_eq!(first.dataset, again.dataset);
    assert_eq!(first.ground_truth, again.ground_truth);
    let other = simulate(&SimConfig { seed: 4, ..config });
    assert_ne!(first.dataset.pull_requests, other.dataset.pull_requests);
}

#[test]
fn rows_are_consistent_and_nothing_happens_after_the_last_day() {
    let (config, simulation) = org(1);
    let data = &simulation.dataset;
    let cutoff = (config.until + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let prs: BTreeMap<(String, i64), &crate::model::PullRequest> = data
        .pull_requests
        .iter()
        .map(|p| ((p.repo.clone(), p.number), p))
        .collect();
    assert_eq!(
        prs.len(),
        data.pull_requests.len(),
        "PR numbers are unique per repository"
    );
    for pr in &data.pull_requests {
        assert!(pr.created_at < cutoff);
        if let Some(merged) = pr.merged_at {
            assert!(merged < cutoff && merged >= pr.created_at, "{pr:?}");
            assert_eq!(pr.state.as_deref(), Some("merged"));
            assert!(pr.first_commit_at.unwrap() <= merged);
        }
        if let Some(ready) = pr.ready_at {
            assert!(ready >= pr.created_at);
        }
    }
    for review in &data.reviews {
        let pr = prs[&(review.repo.clone(), review.number)];
        assert_ne!(review.reviewer, pr.author, "nobody reviews their own PR");
        assert!(review.submitted_at >= pr.created_at && review.submitted_at < cutoff);
    }
    for commit in &data.pr_commits {
        assert!(prs.contains_key(&(commit.repo.clone(), commit.number)));
        assert!(commit.authored_at < cutoff);
    }
    for event in &data.issue_events {
        assert!(event.at < cutoff);
    }
    let keys: BTreeSet<&str> = data.issues.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys.len(), data.issues.len(), "ticket keys are unique");
    for pr in &data.pull_requests {
        for key in &pr.linked_issues {
            assert!(
                keys.contains(key.as_str()),
                "{key} linked from {} is a ticket",
                pr.number
            );
        }
    }
    for deployment in &data.deployments {
        for number in &deployment.pr_numbers {
            let pr = prs[&(deployment.repo.clone(), number.parse().unwrap())];
            assert!(
                pr.merged_at.unwrap() <= deployment.at,
                "deployed after merging"
            );
        }
    }
    // Open PRs at the cut-off exist: work in flight is not silently completed.
    assert!(
        data.pull_requests
            .iter()
            .any(|p| p.state.as_deref() == Some("open"))
    );
}

#[test]
fn the_world_has_the_shapes_of_real_data() {
    let (_, simulation) = org(2);
    let data = &simulation.dataset;
    let zones: BTreeSet<&str> = data.people.iter().map(|p| p.timezone.as_str()).collect();
    assert!(
        zones.len() >= 4,
        "engineers in several time zones: {zones:?}"
    );
    assert!(
        data.pull_requests
            .iter()
            .any(|p| p.author == "dependabot[bot]"),
        "bots open PRs"
    );
    assert!(
        data.reviews.iter().any(|r| r.reviewer.ends_with("[bot]")),
        "bots review"
    );
    let drafts = data
        .pr_events
        .iter()
        .filter(|e| e.kind == "ready_for_review")
        .count();
    assert!(
        drafts * 12 > data.pull_requests.len(),
        "PRs opened as drafts: {drafts}"
    );
    let mut requests: BTreeMap<(&str, i64, &str), usize> = BTreeMap::new();
    for request in &data.review_requests {
        *requests
            .entry((&request.repo, request.number, &request.requested))
            .or_default() += 1;
    }
    assert!(
        requests.values().any(|&n| n > 1),
        "re-requests after changes"
    );
    assert!(
        data.pull_requests.iter().any(|p| p.is_revert == Some(true)),
        "reverts"
    );
    assert!(
        data.issues
            .iter()
            .any(|i| i.issue_type.as_deref() == Some("incident") && !i.linked_prs.is_empty())
    );
    assert!(
        data.pr_commits.iter().any(|c| c.is_merge == Some(true)),
        "update-branch merges"
    );

    // Log-normal sizes: a long right tail, the mean well above the median.
    let mut sizes: Vec<i64> = data
        .pull_requests
        .iter()
        .filter(|p| p.is_revert == Some(false) && !p.author.ends_with("[bot]"))
        .map(|p| p.additions.unwrap() + p.deletions.unwrap())
        .collect();
    sizes.sort();
    let median = sizes[sizes.len() / 2] as f64;
    let mean = sizes.iter().sum::<i64>() as f64 / sizes.len() as f64;
    assert!(mean > 1.3 * median, "mean {mean} median {median}");

    // Weekly rhythm and holidays: humans seldom open PRs on weekends, never on 1 May.
    let humans: Vec<_> = data
        .pull_requests
        .iter()
        .filter(|p| !p.author.ends_with("[bot]"))
        .collect();
    let weekend = humans
        .iter()
        .filter(|p| {
            matches!(
                p.created_at.weekday(),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            )
        })
        .count();
    assert!(
        weekend * 20 < humans.len(),
        "{weekend} of {} on weekends",
        humans.len()
    );
    let may_day = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let planned = humans
        .iter()
        .filter(|p| p.is_revert == Some(false) && !p.labels.iter().any(|l| l == "hotfix"));
    assert!(
        planned
            .into_iter()
            .all(|p| p.first_commit_at.unwrap().date_naive() != may_day)
    );
}

#[test]
fn the_bottleneck_manager_approves_nearly_every_merged_pr_of_their_team() {
    let (_, simulation) = org(3);
    let data = &simulation.dataset;
    let teams = team_of(data);
    let manager = manager_of(data, "payments");
    let merged: BTreeSet<(String, i64)> = data
        .pull_requests
        .iter()
        .filter(|p| {
            p.merged_at.is_some()
                && teams.get(&p.author).map(String::as_str) == Some("payments")
                && p.author != manager
        })
        .map(|p| (p.repo.clone(), p.number))
        .collect();
    let approved: BTreeSet<(String, i64)> = data
        .reviews
        .iter()
        .filter(|r| r.reviewer == manager && r.state == "approved")
        .map(|r| (r.repo.clone(), r.number))
        .filter(|k| merged.contains(k))
        .collect();
    let share = approved.len() as f64 / merged.len() as f64;
    assert!(share > 0.75, "{manager} approved {share:.2}");
    assert!(
        simulation
            .ground_truth
            .plants
            .iter()
            .any(|p| p.kind == "review_bottleneck" && p.subject == manager)
    );
}

#[test]
fn the_micromanager_overrides_peers_pushes_to_their_prs_and_rewrites_their_tickets() {
    let (_, simulation) = org(4);
    let data = &simulation.dataset;
    let manager = manager_of(data, "search");
    let prs: BTreeMap<(String, i64), &str> = data
        .pull_requests
        .iter()
        .map(|p| ((p.repo.clone(), p.number), p.author.as_str()))
        .collect();
    let mut after_peer_approval = 0;
    let mut by_pr: BTreeMap<(String, i64), Vec<&crate::model::Review>> = BTreeMap::new();
    for review in &data.reviews {
        by_pr
            .entry((review.repo.clone(), review.number))
            .or_default()
            .push(review);
    }
    for reviews in by_pr.values() {
        let peer_approved = reviews
            .iter()
            .filter(|r| r.reviewer != manager && r.state == "approved")
            .map(|r| r.submitted_at)
            .min();
        if reviews.iter().any(|r| {
            r.reviewer == manager
                && r.state == "changes_requested"
                && peer_approved.is_some_and(|at| r.submitted_at > at)
        }) {
            after_peer_approval += 1;
        }
    }
    assert!(after_peer_approval >= 20, "{after_peer_approval} PRs");
    let pushes = data
        .pr_commits
        .iter()
        .filter(|c| {
            c.author == manager
                && c.is_merge == Some(false)
                && prs[&(c.repo.clone(), c.number)] != manager
        })
        .count();
    assert!(pushes >= 10, "{pushes} commits on others' PRs");
    let assignees: BTreeMap<&str, &str> = data
        .issues
        .iter()
        .map(|i| (i.key.as_str(), i.assignee.as_deref().unwrap_or("")))
        .collect();
    let rewrites = data
        .issue_events
        .iter()
        .filter(|e| {
            e.actor == manager
                && e.field == "title"
                && assignees.get(e.key.as_str()) != Some(&manager.as_str())
        })
        .count();
    assert!(rewrites >= 20, "{rewrites} title rewrites");
}

/// Share of a person's commits made outside 08:00–20:00 local time or at weekends, in a month.
fn after_hours(data: &Dataset, person: &str, month: u32) -> f64 {
    let zone: chrono_tz::Tz = data
        .people
        .iter()
        .find(|p| p.person == person)
        .unwrap()
        .timezone
        .parse()
        .unwrap();
    let commits: Vec<_> = data
        .pr_commits
        .iter()
        .filter(|c| c.author == person && c.authored_at.month() == month)
        .map(|c| c.authored_at.with_timezone(&zone))
        .collect();
    let late = commits
        .iter()
        .filter(|t| t.hour() >= 20 || t.hour() < 8 || t.weekday().number_from_monday() > 5)
        .count();
    late as f64 / commits.len().max(1) as f64
}

#[test]
fn one_engineer_drifts_into_after_hours_work_and_another_leaves() {
    let (config, simulation) = org(5);
    let data = &simulation.dataset;
    let truth = &simulation.ground_truth;
    let drifting = &truth
        .plants
        .iter()
        .find(|p| p.kind == "burnout_risk")
        .unwrap()
        .subject;
    let early = after_hours(data, drifting, 6);
    let late = after_hours(data, drifting, 10);
    assert!(
        late > early + 0.2,
        "{drifting}: {early:.2} in June, {late:.2} in October"
    );
    let colleague = data
        .people
        .iter()
        .find(|p| p.team == "platform" && p.role == "engineer")
        .unwrap();
    assert!(after_hours(data, &colleague.person, 10) < 0.15);

    let leaving = &truth
        .plants
        .iter()
        .find(|p| p.kind == "attrition_risk")
        .unwrap()
        .subject;
    let last_day = NaiveDate::from_ymd_opt(2026, 10, 10)
        .unwrap()
        .and_hms_opt(23, 59, 59)
        .unwrap()
        .and_utc();
    assert!(
        data.pr_commits
            .iter()
            .filter(|c| &c.author == leaving)
            .all(|c| c.authored_at <= last_day)
    );
    assert!(
        data.reviews
            .iter()
            .filter(|r| &r.reviewer == leaving)
            .all(|r| r.submitted_at <= last_day)
    );
    assert_eq!(config.until, NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
}

#[test]
fn the_ground_truth_names_every_planted_pattern_and_the_healthy_teams() {
    let (config, simulation) = org(6);
    let truth = &simulation.ground_truth;
    let kinds: BTreeSet<&str> = truth.plants.iter().map(|p| p.kind.as_str()).collect();
    for kind in [
        "review_bottleneck",
        "micromanagement",
        "absentee_manager",
        "wont_let_go",
        "overload",
        "burnout_risk",
        "attrition_risk",
        "output_outcome_divergence",
    ] {
        assert!(kinds.contains(kind), "{kind} planted");
    }
    assert_eq!(truth.healthy_teams, vec!["team:platform".to_string()]);
    let divergence = truth
        .plants
        .iter()
        .find(|p| p.kind == "output_outcome_divergence")
        .unwrap();
    assert_eq!(divergence.months, vec!["2026-09", "2026-10"]);
    assert_eq!(
        config.month_names().first().map(String::as_str),
        Some("2026-05")
    );
}
