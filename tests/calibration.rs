//! The simulator against the real corpus (issue #21, part 3): the quantities
//! `tests/data/real/distributions.py` measured on eleven public histories, measured the same way
//! on the simulator's healthy teams, compared by the Kolmogorov–Smirnov distance (the largest gap
//! between the two cumulative distributions).
//!
//! The real figures come from open-source projects (volunteers, maintainers, mailing lists), the
//! simulated ones from a company's teams of four to seven, so the distributions are not expected
//! to match everywhere; the test holds each quantity to [`TOLERANCE`], or, where the simulator
//! cannot get that close, to the gap recorded in [`KNOWN_GAPS`] with its reason, so that a change
//! that moves the simulator away from real data fails; it prints every distance
//! (`cargo test --test calibration -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, Timelike, Weekday};
use teamlens::model::Dataset;
use teamlens::sources::simulate::{SimConfig, simulate};

/// The distance every quantity not in [`KNOWN_GAPS`] is held to (today only
/// reviewers_per_change, at 0.10). A two-sample KS test on samples of
/// a few hundred rejects "same distribution" at about 0.1; the simulator is not the same
/// population (a company team, not an open-source project), so the requirement is looser: the
/// shape is right (the median within a few percentiles, the tails present) when the distance is
/// at most 0.2.
const TOLERANCE: f64 = 0.2;

/// Quantities the simulator does not reach, each with the distance it is held under (what it
/// is now, rounded up, so that a change that moves the simulator further away fails) and why.
/// The distances before the habits (`Habits::REAL`) were: after-hours 0.85, module authorship
/// 0.53, top reviewer's share 0.59; the others did not move.
const KNOWN_GAPS: &[(&str, f64, &str)] = &[
    (
        "after_hours_share",
        0.75,
        "the corpus is open source: volunteers commit in evenings and at weekends (median 0.46 in \
         the offset git recorded); the simulated company team's evening committers (a third of \
         the engineers) bring its median from 0.05 to 0.12, not to a volunteer's",
    ),
    (
        "author_to_merge_hours",
        0.45,
        "real changes land in minutes (a maintainer's own fix) to months (p90 74 days); simulated \
         waits are log-normal in working hours around three days, without the fast or the stale",
    ),
    (
        "change_size_lines",
        0.35,
        "real changes are smaller (median 30 lines, a quarter under 8); simulated PRs are \
         log-normal around 70 lines, and sizes drive coding time, files, commits and the \
         splitting plant, so shrinking them moves every detector: not a cheap change",
    ),
    (
        "module_author_concentration",
        0.35,
        "specialists bring the median from 0.24 to 0.33 (real 0.38); real directories spread \
         wider, up to one maintainer's (0.7 and more), which one home share for all does not give",
    ),
    (
        "monthly_variation",
        0.85,
        "real contributors are bursty (coefficient of variation 0.91 over six months); simulated \
         work is Poisson at a steady rate (0.35). Bursts would make attrition_risk fire on \
         healthy people, which is real, but that detector is being reworked: not done",
    ),
    (
        "top_reviewer_share",
        0.40,
        "the senior reviewer brings the median from 0.31 to 0.38; real repository-months are \
         higher (0.49), a project's one or two maintainers approving most changes",
    ),
];

fn real() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/real/distributions.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The real distribution's 101 quantiles.
fn quantiles(real: &serde_json::Value, quantity: &str) -> Vec<f64> {
    real["quantities"][quantity]["quantiles"]
        .as_array()
        .unwrap_or_else(|| panic!("distributions.json has no {quantity}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// The KS distance between a sample and a distribution given by its percentiles (a step
/// function: the share of percentiles at or below x), at every jump of either and just before it.
fn ks(sample: &[f64], percentiles: &[f64]) -> f64 {
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let below = |values: &[f64], x: f64, strict: bool| {
        values.partition_point(|&v| if strict { v < x } else { v <= x })
    };
    let steps = (percentiles.len() - 1) as f64;
    let real_cdf = |x: f64, strict: bool| {
        let at_or_below = below(percentiles, x, strict);
        (at_or_below.saturating_sub(1) as f64 / steps).min(1.0) * f64::from(at_or_below > 0)
    };
    let mut distance: f64 = 0.0;
    for &x in sorted.iter().chain(percentiles) {
        for strict in [false, true] {
            let sim = below(&sorted, x, strict) as f64 / n;
            distance = distance.max((sim - real_cdf(x, strict)).abs());
        }
    }
    distance
}

fn quantile(sample: &[f64], p: f64) -> f64 {
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The quantities of `distributions.py`, measured on simulated data.
fn measure(data: &Dataset, months: &[String]) -> BTreeMap<&'static str, Vec<f64>> {
    let bot = |who: &str| who.ends_with("[bot]");
    let mut out: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let merged: Vec<_> = data
        .pull_requests
        .iter()
        .filter(|pr| !bot(&pr.author))
        .filter_map(|pr| pr.merged_at.map(|at| (pr, at)))
        .filter(|(_, at)| months.contains(&at.format("%Y-%m").to_string()))
        .collect();
    let mut approvers: BTreeMap<(&str, i64), BTreeSet<&str>> = BTreeMap::new();
    for review in &data.reviews {
        if review.state == "approved" && !bot(&review.reviewer) {
            approvers
                .entry((review.repo.as_str(), review.number))
                .or_default()
                .insert(review.reviewer.as_str());
        }
    }
    let mut month_approvals: BTreeMap<(&str, String), Vec<&BTreeSet<&str>>> = BTreeMap::new();
    let empty = BTreeSet::new();
    for (pr, at) in &merged {
        let mut set = approvers
            .get(&(pr.repo.as_str(), pr.number))
            .unwrap_or(&empty)
            .clone();
        set.remove(pr.author.as_str());
        out.entry("reviewers_per_change")
            .or_default()
            .push(set.len() as f64);
        out.entry("change_size_lines")
            .or_default()
            .push((pr.additions.unwrap_or(0) + pr.deletions.unwrap_or(0)) as f64);
        if let Some(first) = pr.first_commit_at {
            out.entry("author_to_merge_hours")
                .or_default()
                .push((*at - first).num_seconds() as f64 / 3600.0);
        }
        if !set.is_empty() {
            month_approvals
                .entry((pr.repo.as_str(), at.format("%Y-%m").to_string()))
                .or_default()
                .push(approvers.get(&(pr.repo.as_str(), pr.number)).unwrap());
        }
    }
    // Top reviewer's share per team-month, at least 10 changes with an approver.
    for sets in month_approvals.values() {
        if sets.len() < 10 {
            continue;
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for set in sets {
            for who in *set {
                *counts.entry(who).or_default() += 1;
            }
        }
        let top = counts.values().max().copied().unwrap_or(0);
        out.entry("top_reviewer_share")
            .or_default()
            .push(top as f64 / sets.len() as f64);
    }
    // Authorship concentration per module (src/<x>) over the simulated months.
    let author_of: BTreeMap<(&str, i64), &str> = merged
        .iter()
        .map(|(pr, _)| ((pr.repo.as_str(), pr.number), pr.author.as_str()))
        .collect();
    let mut module_changes: BTreeMap<(&str, String), BTreeMap<i64, &str>> = BTreeMap::new();
    for change in &data.file_changes {
        let Some(number) = change.number else {
            continue;
        };
        let Some(&author) = author_of.get(&(change.repo.as_str(), number)) else {
            continue;
        };
        let module: String = change.path.split('/').take(2).collect::<Vec<_>>().join("/");
        module_changes
            .entry((change.repo.as_str(), module))
            .or_default()
            .insert(number, author);
    }
    for changes in module_changes.values() {
        if changes.len() < 10 {
            continue;
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for author in changes.values() {
            *counts.entry(author).or_default() += 1;
        }
        let top = counts.values().max().copied().unwrap_or(0);
        out.entry("module_author_concentration")
            .or_default()
            .push(top as f64 / changes.len() as f64);
    }
    // After-hours share per person with at least 30 commits, in the commit's own offset.
    let mut per_person: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for commit in &data.pr_commits {
        if bot(&commit.author)
            || commit.is_merge == Some(true)
            || !months.contains(&commit.authored_at.format("%Y-%m").to_string())
        {
            continue;
        }
        let local = commit.authored_at.naive_utc()
            + Duration::minutes(commit.author_tz_offset_minutes.unwrap_or(0));
        let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        let after = weekend || !(9..18).contains(&local.hour());
        let entry = per_person.entry(commit.author.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(after);
    }
    for (n, after) in per_person.values() {
        if *n >= 30 {
            out.entry("after_hours_share")
                .or_default()
                .push(*after as f64 / *n as f64);
        }
    }
    // Month-to-month variation of a person's merged PRs over the six months.
    let mut monthly: BTreeMap<&str, BTreeMap<String, f64>> = BTreeMap::new();
    for (pr, at) in &merged {
        *monthly
            .entry(pr.author.as_str())
            .or_default()
            .entry(at.format("%Y-%m").to_string())
            .or_default() += 1.0;
    }
    for counts in monthly.values() {
        let series: Vec<f64> = months
            .iter()
            .map(|m| counts.get(m).copied().unwrap_or(0.0))
            .collect();
        let total: f64 = series.iter().sum();
        if total >= 12.0 {
            let mean = total / series.len() as f64;
            let variance =
                series.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / series.len() as f64;
            out.entry("monthly_variation")
                .or_default()
                .push(variance.sqrt() / mean);
        }
    }
    out
}

/// The healthy controls of the tuning seeds (6, 12, …, 36) with the real corpus's habits
/// ([`teamlens::sources::simulate::Habits::REAL`]): every team healthy, four to seven engineers,
/// six months.
fn simulated() -> BTreeMap<&'static str, Vec<f64>> {
    let mut all: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for seed in (6..=36).step_by(6) {
        let config = SimConfig::eval_org_with_habits(seed);
        let months = config.month_names();
        let data = simulate(&config).dataset;
        for (quantity, values) in measure(&data, &months) {
            all.entry(quantity).or_default().extend(values);
        }
    }
    all
}

#[test]
fn the_simulator_is_close_to_the_real_corpus() {
    let real = real();
    let simulated = simulated();
    let names: Vec<String> = real["quantities"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut failures = Vec::new();
    eprintln!("| quantity | real p25 / p50 / p75 | simulated p25 / p50 / p75 | n simulated | KS |");
    eprintln!("|---|---|---|---:|---:|");
    for name in &names {
        let percentiles = quantiles(&real, name);
        let sample = simulated
            .get(name.as_str())
            .unwrap_or_else(|| panic!("the simulation gives no {name}"));
        let distance = ks(sample, &percentiles);
        eprintln!(
            "| {name} | {:.2} / {:.2} / {:.2} | {:.2} / {:.2} / {:.2} | {} | {distance:.2} |",
            percentiles[25],
            percentiles[50],
            percentiles[75],
            quantile(sample, 0.25),
            quantile(sample, 0.5),
            quantile(sample, 0.75),
            sample.len(),
        );
        let limit = KNOWN_GAPS
            .iter()
            .find(|(gap, _, _)| gap == name)
            .map_or(TOLERANCE, |(_, limit, _)| *limit);
        if distance > limit {
            failures.push(format!("{name}: KS {distance:.3} > {limit}"));
        }
    }
    for (name, limit, why) in KNOWN_GAPS {
        eprintln!("- {name} (held under {limit}): {why}");
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn ks_is_zero_for_the_same_distribution_and_one_for_disjoint_ones() {
    let percentiles: Vec<f64> = (0..=100).map(f64::from).collect();
    let same: Vec<f64> = (0..=100).map(f64::from).collect();
    assert!(
        ks(&same, &percentiles) <= 0.011,
        "{}",
        ks(&same, &percentiles)
    );
    let far: Vec<f64> = vec![1000.0; 10];
    assert!((ks(&far, &percentiles) - 1.0).abs() < 1e-9);
}
