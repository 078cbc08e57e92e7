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
fn every_team_has_its_own_project_and_every_ticket_its_own_key() {
    // Beyond the sixteen names, `payments2` once took `payments`' project key, PAYM, and the two
    // teams numbered their tickets over each other: the 500-person benchmark store held 167,145
    // tickets under 147,840 keys.
    let config = SimConfig::default_org(5, 40, 1, 0.3);
    let world = world::World::build(&config, &mut ChaCha8Rng::seed_from_u64(config.seed));
    let projects: BTreeSet<&str> = world.teams.iter().map(|t| t.project.as_str()).collect();
    assert_eq!(projects.len(), 40, "{projects:?}");
    assert!(projects.contains("PAYM") && projects.contains("PAYM16"));

    let config = SimConfig::default_org(5, 20, 1, 0.3);
    let data = simulate(&config).dataset;
    let mut keys = BTreeSet::new();
    for issue in &data.issues {
        assert!(
            keys.insert(issue.key.as_str()),
            "two tickets are {}",
            issue.key
        );
    }
    let projects: BTreeSet<&str> = data
        .issues
        .iter()
        .filter_map(|i| i.project.as_deref())
        .collect();
    assert!(projects.len() > 16, "{projects:?}");
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
    // (In the author's own time zone: 30 April in the evening in Los Angeles is 1 May in UTC.)
    let may_day = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let zones: BTreeMap<&str, chrono_tz::Tz> = data
        .people
        .iter()
        .map(|p| (p.person.as_str(), p.timezone.parse().unwrap()))
        .collect();
    let planned = humans
        .iter()
        .filter(|p| p.is_revert == Some(false) && !p.labels.iter().any(|l| l == "hotfix"));
    for pr in planned {
        let local = pr
            .first_commit_at
            .unwrap()
            .with_timezone(&zones[pr.author.as_str()])
            .date_naive();
        assert_ne!(local, may_day, "{pr:?}");
    }
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

/// A small organisation of healthy teams with one special team added.
fn with_team(seed: u64, special: TeamPlan) -> Simulation {
    let config = SimConfig {
        teams: vec![
            TeamPlan::healthy("alpha", 5),
            TeamPlan::healthy("beta", 5),
            special,
        ],
        ..SimConfig::default_org(seed, 0, 4, 1.0)
    };
    simulate(&config)
}

#[test]
fn the_rubber_stamper_approves_within_minutes_without_a_comment() {
    let mut plan = TeamPlan::healthy("stamp", 5);
    plan.rubber_stamper = true;
    let simulation = with_team(21, plan);
    let data = &simulation.dataset;
    let stamper = &simulation
        .ground_truth
        .plants
        .iter()
        .find(|p| p.kind == "rubber_stamp_review")
        .unwrap()
        .subject;
    let requested: BTreeMap<(String, i64), chrono::DateTime<chrono::Utc>> = data
        .review_requests
        .iter()
        .filter(|r| &r.requested == stamper)
        .map(|r| ((r.repo.clone(), r.number), r.requested_at))
        .collect();
    let sizes: BTreeMap<(String, i64), i64> = data
        .pull_requests
        .iter()
        .map(|p| {
            (
                (p.repo.clone(), p.number),
                p.additions.unwrap_or(0) + p.deletions.unwrap_or(0),
            )
        })
        .collect();
    let theirs: Vec<_> = data
        .reviews
        .iter()
        .filter(|r| &r.reviewer == stamper)
        .collect();
    let quick = theirs
        .iter()
        .filter(|r| {
            requested
                .get(&(r.repo.clone(), r.number))
                .is_some_and(|asked| r.submitted_at - *asked <= chrono::Duration::minutes(15))
        })
        .count();
    let silent = theirs
        .iter()
        .filter(|r| r.state == "approved" && r.comment_count == Some(0))
        .count();
    // (Besides reviews asked of them, they look at PRs that are later given up, with comments.)
    assert!(
        silent * 10 >= theirs.len() * 9,
        "{silent} of {} silent",
        theirs.len()
    );
    assert!(
        quick * 10 >= theirs.len() * 7,
        "{quick} of {} quick",
        theirs.len()
    );
    assert!(
        theirs
            .iter()
            .any(|r| sizes[&(r.repo.clone(), r.number)] > 300),
        "large PRs stamped too"
    );
}

#[test]
fn only_the_silo_owner_ever_changes_the_silo_module() {
    let mut plan = TeamPlan::healthy("silo", 5);
    plan.silo_module = true;
    let simulation = with_team(22, plan);
    let data = &simulation.dataset;
    let authors: BTreeMap<(String, i64), String> = data
        .pull_requests
        .iter()
        .map(|p| ((p.repo.clone(), p.number), p.author.clone()))
        .collect();
    let touching: BTreeSet<String> = data
        .file_changes
        .iter()
        .filter(|f| f.repo == "acme/silo-api" && f.path.starts_with(world::SILO_MODULE))
        .map(|f| authors[&(f.repo.clone(), f.number.unwrap())].clone())
        .filter(|author| !author.ends_with("[bot]"))
        .collect();
    assert_eq!(touching.len(), 1, "{touching:?}");
    assert!(
        simulation
            .ground_truth
            .plants
            .iter()
            .any(|p| p.kind == "knowledge_silo" && p.subject == "team:silo")
    );
}

#[test]
fn hard_case_teams_have_their_shapes_and_nothing_planted() {
    let cases = [
        (HardCaseKind::BusyReviewer, 10),
        (HardCaseKind::TwoPerson, 1),
        (HardCaseKind::SpreadZones, 5),
        (HardCaseKind::ManagerMonthAway, 5),
    ];
    for (kind, engineers) in cases {
        let mut plan = TeamPlan::healthy("hard", engineers);
        plan.hard_case = Some(kind);
        let simulation = with_team(23, plan);
        let data = &simulation.dataset;
        let truth = &simulation.ground_truth;
        // Nothing planted; a module someone else's team held by chance (half its changes over
        // six months) is in the truth by knowledge_silo's definition, and on no hard case.
        assert!(
            truth
                .plants
                .iter()
                .all(|p| p.kind == "knowledge_silo" && p.subject != "team:hard"),
            "{kind:?}: {:?}",
            truth.plants
        );
        assert!(truth.healthy_teams.contains(&"team:hard".to_string()));
        assert_eq!(truth.hard_cases[0].kind, kind);
        let members: Vec<&crate::model::Person> =
            data.people.iter().filter(|p| p.team == "hard").collect();
        let manager = manager_of(data, "hard");
        let theirs = |person: &str| {
            data.pull_requests
                .iter()
                .filter(|p| p.repo == "acme/hard-api" && p.author == person)
                .count()
        };
        match kind {
            HardCaseKind::BusyReviewer => {
                let mut approvals: BTreeMap<&str, usize> = BTreeMap::new();
                for r in data.reviews.iter().filter(|r| r.repo == "acme/hard-api") {
                    if r.state == "approved" {
                        *approvals.entry(r.reviewer.as_str()).or_default() += 1;
                    }
                }
                let total: usize = approvals.values().sum();
                let mut counts: Vec<usize> = approvals.values().copied().collect();
                counts.sort();
                let (top, second) = (counts[counts.len() - 1], counts[counts.len() - 2]);
                assert!(top * 2 < total, "busy, not dominant: {top} of {total}");
                assert!(top as f64 > 1.3 * second as f64, "{top} vs {second}");
            }
            HardCaseKind::TwoPerson => {
                let engineer = members.iter().find(|p| p.role == "engineer").unwrap();
                let merged: Vec<_> = data
                    .pull_requests
                    .iter()
                    .filter(|p| p.author == engineer.person && p.merged_at.is_some())
                    .collect();
                assert!(!merged.is_empty() && theirs(&engineer.person) > 0);
                for pr in merged {
                    assert!(
                        data.reviews.iter().any(|r| r.repo == pr.repo
                            && r.number == pr.number
                            && r.reviewer == manager
                            && r.state == "approved"),
                        "{pr:?}"
                    );
                }
            }
            HardCaseKind::SpreadZones => {
                let zones: BTreeSet<&str> = members.iter().map(|p| p.timezone.as_str()).collect();
                assert_eq!(zones.len(), 3, "{zones:?}");
            }
            HardCaseKind::ManagerMonthAway => {
                let away = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
                let in_away_month = |at: chrono::DateTime<chrono::Utc>| {
                    at.date_naive() >= away && at.date_naive() < away + chrono::Duration::days(31)
                };
                assert!(
                    !data
                        .reviews
                        .iter()
                        .any(|r| r.reviewer == manager && in_away_month(r.submitted_at))
                );
                assert!(
                    !data
                        .pr_commits
                        .iter()
                        .any(|c| c.author == manager && in_away_month(c.authored_at))
                );
                assert!(
                    data.reviews
                        .iter()
                        .any(|r| r.reviewer == manager && r.submitted_at.date_naive() > away)
                        || theirs(&manager) > 0,
                    "the manager is active outside their month away"
                );
            }
        }
    }
}

#[test]
fn eval_organisations_are_deterministic_and_vary_every_pattern() {
    assert_eq!(SimConfig::eval_org(5), SimConfig::eval_org(5));
    let configs: Vec<SimConfig> = (1..=36).map(SimConfig::eval_org).collect();
    type Check = fn(&TeamPlan) -> bool;
    let count = |f: Check| configs.iter().filter(|c| c.teams.iter().any(f)).count();
    let checks: Vec<(&str, Check)> = vec![
        ("bottleneck", |t| t.manager == ManagerPersona::Bottleneck),
        ("micromanager", |t| {
            t.manager == ManagerPersona::Micromanager
        }),
        ("absentee", |t| t.manager == ManagerPersona::Absentee),
        ("won't let go", |t| t.manager == ManagerPersona::WontLetGo),
        ("splits", |t| t.splits_prs),
        ("overloaded", |t| t.overloaded),
        ("burnout", |t| t.burnout_engineer),
        ("leaving", |t| t.leaving_engineer),
        ("rubber stamper", |t| t.rubber_stamper),
        ("silo", |t| t.silo_module),
        ("busy reviewer", |t| {
            t.hard_case == Some(HardCaseKind::BusyReviewer)
        }),
        ("two person", |t| {
            t.hard_case == Some(HardCaseKind::TwoPerson)
        }),
        ("spread zones", |t| {
            t.hard_case == Some(HardCaseKind::SpreadZones)
        }),
        ("manager away", |t| {
            t.hard_case == Some(HardCaseKind::ManagerMonthAway)
        }),
    ];
    for (name, check) in &checks {
        let present = count(*check);
        assert!(
            present > 0 && present < configs.len(),
            "{name}: present in {present} of {}",
            configs.len()
        );
    }
    let controls: Vec<&SimConfig> = configs.iter().filter(|c| c.seed % 6 == 0).collect();
    assert_eq!(controls.len(), 6);
    for control in controls {
        assert!(
            control
                .teams
                .iter()
                .all(|t| *t == TeamPlan::healthy(&t.name, t.engineers))
        );
    }
}

/// The `time_off` table is the HR calendar the world was built with: everyone's vacations and
/// sick days, nothing after `until` or after a person's last day, and nothing that gives away a
/// planted pattern (a fading engineer's decline is not time off).
#[test]
fn time_off_lists_the_days_people_were_away_and_nothing_else() {
    let (config, simulation) = org(5);
    let data = &simulation.dataset;
    let people: BTreeSet<&str> = data.people.iter().map(|p| p.person.as_str()).collect();
    assert!(!data.time_off.is_empty());
    for row in &data.time_off {
        let (first, last) = (row.first_day.date_naive(), row.last_day.date_naive());
        assert!(people.contains(row.person.as_str()), "{row:?}");
        assert!(first <= last && last <= config.until, "{row:?}");
        assert!(first >= config.warm_up_from(), "{row:?}");
        // A summer vacation or a week away at most (the default organisation has no month away).
        assert!((last - first).num_days() <= 11, "{row:?}");
    }
    // Everyone who was here all along has a summer vacation of ten working days or more.
    let leaving = &simulation
        .ground_truth
        .plants
        .iter()
        .find(|p| p.kind == "attrition_risk")
        .unwrap()
        .subject;
    for person in data.people.iter().filter(|p| p.role != "bot") {
        let summer = data
            .time_off
            .iter()
            .filter(|r| r.person == person.person && (6..=9).contains(&r.first_day.month()))
            .map(|r| (r.last_day - r.first_day).num_days() + 1)
            .max()
            .unwrap_or(0);
        assert!(summer >= 12, "{}: {summer} days", person.person);
    }
    // Nothing after the leaving engineer's last day (the checks above also keep their two months
    // of fading out of the table).
    let last_day = NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
    assert!(
        data.time_off
            .iter()
            .filter(|r| &r.person == leaving)
            .all(|r| r.last_day.date_naive() <= last_day)
    );
    // On a day of known time off, a person opens no PR and submits no review.
    for row in &data.time_off {
        let away = |at: chrono::DateTime<chrono::Utc>| {
            let tz: chrono_tz::Tz = data
                .people
                .iter()
                .find(|p| p.person == row.person)
                .and_then(|p| p.timezone.parse().ok())
                .unwrap_or(chrono_tz::UTC);
            let day = at.with_timezone(&tz).date_naive();
            day >= row.first_day.date_naive() && day <= row.last_day.date_naive()
        };
        assert!(
            !data
                .pull_requests
                .iter()
                .any(|p| p.author == row.person && away(p.created_at)),
            "{row:?}"
        );
    }
}

#[test]
fn unseen_organisations_shift_the_parameters_and_leave_gaps_in_the_roster() {
    assert_eq!(SimConfig::unseen_org(1005), SimConfig::unseen_org(1005));
    let configs: Vec<SimConfig> = (1001..=1036).map(SimConfig::unseen_org).collect();
    let sizes: BTreeSet<usize> = configs
        .iter()
        .flat_map(|c| c.teams.iter().filter(|t| t.hard_case.is_none()))
        .map(|t| t.engineers)
        .collect();
    assert!(
        sizes.contains(&3) && sizes.iter().any(|&s| s > 7),
        "{sizes:?}"
    );
    assert!(configs.iter().any(|c| c.scale < 0.8) && configs.iter().any(|c| c.scale > 1.3));
    let config = &configs[0];
    let simulation = simulate(config);
    let people = &simulation.dataset.people;
    let engineers: Vec<_> = people.iter().filter(|p| p.role != "bot").collect();
    let unzoned = engineers
        .iter()
        .filter(|p| p.timezone == "UTC" && p.work_start_hour.is_none())
        .count();
    let with_time_off: BTreeSet<&str> = simulation
        .dataset
        .time_off
        .iter()
        .map(|t| t.person.as_str())
        .collect();
    assert!(unzoned > 0 && unzoned < engineers.len(), "{unzoned}");
    assert!(with_time_off.len() < engineers.len() && !with_time_off.is_empty());
    // The gaps change only what the roster says: every PR and commit is the same without them.
    let mut complete = config.clone();
    for team in &mut complete.teams {
        team.roster_gaps = RosterGaps::default();
    }
    let without = simulate(&complete).dataset;
    assert_eq!(without.pull_requests, simulation.dataset.pull_requests);
    assert_eq!(without.commits, simulation.dataset.commits);
    assert!(without.time_off.len() > simulation.dataset.time_off.len());
}

/// A module is in the truth as held when, in the rows the simulator made, one person made at
/// least half of its changes over the six months to a month: a specialist's module on a team of
/// three engineers, not on a large team where the others' changes outweigh theirs, nor on a team
/// of two; the former lead's core too. A healthy control is one whose plan planted nothing,
/// whatever its people's habits hold.
#[test]
fn a_module_one_person_made_most_of_the_changes_to_is_held() {
    let with_habits = |name: &str, engineers: usize| TeamPlan {
        habits: Habits::REAL,
        ..TeamPlan::healthy(name, engineers)
    };
    let mut pair = with_habits("pair", 1);
    pair.hard_case = Some(HardCaseKind::TwoPerson);
    let mut lead = with_habits("lead", 5);
    lead.manager = ManagerPersona::WontLetGo;
    let teams = vec![with_habits("small", 3), with_habits("large", 9), pair, lead];
    let config = SimConfig {
        teams: teams.clone(),
        ..SimConfig::default_org(11, 0, 6, 1.0)
    };
    let simulation = simulate(&config);
    let truth = &simulation.ground_truth;
    let silos = |team: &str| -> Vec<&Plant> {
        truth
            .plants
            .iter()
            .filter(|p| p.kind == "knowledge_silo" && p.subject == format!("team:{team}"))
            .collect()
    };
    let small = silos("small");
    assert!(!small.is_empty(), "{:?}", truth.plants);
    assert!(small.iter().any(|p| p.detail.contains("specialises in")));
    assert!(silos("large").is_empty(), "{:?}", silos("large"));
    assert!(silos("pair").is_empty(), "{:?}", silos("pair"));
    assert!(
        silos("lead")
            .iter()
            .any(|p| p.detail.contains("the former lead")
                && p.detail.contains("changes to src/core of lead")),
        "{:?}",
        silos("lead")
    );
    assert!(truth.healthy_teams.contains(&"team:large".to_string()));
    assert!(!truth.healthy_teams.contains(&"team:small".to_string()));
    assert!(!truth.control, "a former lead's team is planted");

    // The holder named made more changes to the module than anyone over the six months.
    let data = &simulation.dataset;
    for plant in small {
        let holder = plant.detail.split(' ').next().unwrap_or_default();
        let module = plant
            .detail
            .split_once("changes to ")
            .and_then(|(_, rest)| rest.split(' ').next())
            .unwrap_or_default();
        // Over the six months to the first month it was held in (the whole history before).
        let first = plant.months[0].parse::<crate::period::Month>().unwrap();
        let authors: BTreeMap<(&str, i64), &str> = data
            .pull_requests
            .iter()
            .filter(|p| p.repo == "acme/small-api")
            .filter(|p| {
                p.merged_at
                    .is_some_and(|at| at.date_naive() <= first.last_day())
            })
            .map(|p| ((p.repo.as_str(), p.number), p.author.as_str()))
            .collect();
        let mut changes: BTreeMap<&str, usize> = BTreeMap::new();
        for change in data
            .file_changes
            .iter()
            .filter(|f| f.path.starts_with(&format!("{module}/")))
        {
            if let Some(author) = change
                .number
                .and_then(|n| authors.get(&(change.repo.as_str(), n)))
            {
                *changes.entry(author).or_default() += 1;
            }
        }
        let top = changes.iter().max_by_key(|(_, n)| **n).map(|(p, _)| *p);
        assert_eq!(top, Some(holder), "{changes:?}");
    }

    // Only healthy teams with habits: a control, though a specialist holds a module.
    let control = SimConfig {
        teams: vec![with_habits("small", 3)],
        ..SimConfig::default_org(11, 0, 6, 1.0)
    };
    let truth = simulate(&control).ground_truth;
    assert!(truth.control && !truth.plants.is_empty(), "{truth:?}");
}
