//! `teamlens validate`: every detector's record on real histories.
//!
//! The simulator's ground truth says whether a detector finds what was planted; only real
//! teams say how often it speaks and whether what it says holds. For each store (one fetched
//! history each), every month is reported as the data stood at that month's end (`crate::asof`),
//! and the findings are counted against what the data can tell without anyone's judgement:
//!
//! - **base rates**: findings per 100 team-months (for the detectors that judge a team or its
//!   manager) or per 100 person-months (for the ones that judge a person), and, for detectors
//!   that could not judge, what they lacked;
//! - **attrition against real departures**: a person *left* when, after at least
//!   [`MIN_ACTIVE_MONTHS`] active months in the year up to their last activity, nothing of
//!   theirs appears for [`SILENT_MONTHS`] months. A flag is right when the person left within
//!   [`HORIZON_MONTHS`] months of it or stayed under a quarter of their baseline over them; a
//!   leaver is caught when flagged in the [`HORIZON_MONTHS`] months up to their last activity.
//!   Both with Wilson 95 % intervals. Flags too recent to be judged are left out and counted;
//! - **after hours**: each person's share of commits outside 09–18 on weekdays, in the UTC
//!   offset their own commits record (at least [`MIN_COMMITS`] commits).
//!
//! What a month's report cannot see (later months) it must not use: [`run_history`] makes one
//! analysis per month, as the data stood at its end, and the rest of this module only counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::AnalysisError;
use crate::config::Config;
use crate::detect::{FindingKind, NotJudged};
use crate::metrics::Metric;
use crate::period::{Month, MonthSpan};
use crate::store::{Store, StoreError};

/// Active months, in the year up to the last activity, that make someone a regular.
pub const MIN_ACTIVE_MONTHS: usize = 6;
/// Months with nothing of theirs after which a regular has left.
pub const SILENT_MONTHS: usize = 6;
/// How far a flag may look ahead: a leaver within this many months, or a flag this many months
/// before the last activity.
pub const HORIZON_MONTHS: usize = 3;
/// Commits a person needs for their after-hours share to say anything.
pub const MIN_COMMITS: usize = 20;

/// One month of one history, as reported at its end.
#[derive(Debug, Clone)]
pub struct MonthRun {
    pub month: Month,
    pub findings: Vec<Found>,
    pub not_judged: Vec<NotJudged>,
}

/// A finding, reduced to what the counts need and what a reviewer reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Found {
    pub kind: FindingKind,
    pub subject: String,
    pub headline: String,
}

/// One history: its monthly runs and the facts read from the whole store.
pub struct HistoryRun {
    pub name: String,
    pub months: Vec<MonthRun>,
    /// Per person, the number of things of theirs (commits, PRs, reviews, comments, ticket
    /// changes) per month, over the whole store.
    pub appearances: BTreeMap<String, BTreeMap<Month, usize>>,
    /// (team, month) with anyone active, and (person, month) active, over the judged months.
    pub team_months: BTreeSet<(String, Month)>,
    pub person_months: BTreeSet<(String, Month)>,
    /// Per person: commits and those outside working hours, in their own offset.
    pub commit_hours: BTreeMap<String, (usize, usize)>,
}

/// A share with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Proportion {
    pub hits: usize,
    pub of: usize,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Proportion {
    pub fn new(hits: usize, of: usize) -> Proportion {
        if of == 0 {
            return Proportion {
                hits,
                of,
                value: None,
                low: None,
                high: None,
            };
        }
        let (n, p, z) = (of as f64, hits as f64 / of as f64, 1.96f64);
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
        Proportion {
            hits,
            of,
            value: Some(p),
            low: Some((centre - half).max(0.0)),
            high: Some((centre + half).min(1.0)),
        }
    }

    fn text(&self) -> String {
        match (self.value, self.low, self.high) {
            (Some(v), Some(l), Some(h)) => {
                format!(
                    "{:.2} ({} of {}; 95 % {:.2}–{:.2})",
                    v, self.hits, self.of, l, h
                )
            }
            _ => "no case".to_string(),
        }
    }
}

/// What a detector judges: a team (or its manager) or a person.
fn unit(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::BurnoutRisk | FindingKind::AttritionRisk | FindingKind::RubberStampReview => {
            "person"
        }
        _ => "team",
    }
}

/// One detector's record over the histories.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaseRate {
    pub kind: FindingKind,
    /// `team` or `person`: what the rate is per 100 of (months).
    pub unit: String,
    pub findings: usize,
    pub subject_months: usize,
    /// Findings per 100 subject-months; none when the detector could not judge at all.
    pub per_100: Option<f64>,
    /// Months of the histories it could not judge at all, with why (the first reason said).
    pub months_not_judged: usize,
    pub not_judged_reason: Option<String>,
    /// Per history: findings and subject-months.
    pub by_history: BTreeMap<String, (usize, usize)>,
}

/// Attrition against the departures the histories show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attrition {
    pub leavers: usize,
    /// Flag episodes (a person's consecutive flagged months, judged at the first).
    pub episodes: usize,
    /// Episodes too close to the end of the data to know what followed.
    pub episodes_too_recent: usize,
    pub precision: Proportion,
    /// Leavers flagged in the months up to their last activity (the measure).
    pub recall: Proportion,
    /// Leavers flagged up to a month after their last activity (a stop said once the silence
    /// shows).
    pub recall_with_a_month_after: Proportion,
    /// Every episode and leaver, for review.
    #[serde(default)]
    pub cases: Vec<String>,
}

/// After-hours shares of people's own commits.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AfterHours {
    pub people: usize,
    pub quartiles: Option<[f64; 3]>,
    /// People with most of their commits in working hours.
    pub mostly_in_hours: Proportion,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Validation {
    pub histories: Vec<String>,
    pub months: usize,
    pub base_rates: Vec<BaseRate>,
    pub attrition: Attrition,
    pub after_hours: AfterHours,
    /// Every finding, by history and month, for the committed review of a sample (not in the
    /// JSON output, which is the track record `assets/track_record.json` keeps).
    #[serde(default, skip_serializing)]
    pub findings: Vec<(String, String, Found)>,
}

/// One history's runs: every month from the month after its first activity (or `from`) to its
/// last full month, each analysed as the data stood at that month's end, and the facts the
/// counts need from the whole store.
pub fn run_history(
    dir: &Path,
    config: &Config,
    from: Option<Month>,
) -> Result<HistoryRun, AnalysisError> {
    let store = Store::open(dir)?;
    if store.is_empty() {
        return Err(StoreError::NoData {
            dir: dir.to_path_buf(),
        }
        .into());
    }
    let last = crate::analysis::last_full_month(&store)?;
    let (first_day, _) = crate::analysis::activity_span(&store.scan_all()?)?;
    let first = first_day.map(Month::of).unwrap_or(last).next();
    let first = from.map_or(first, |f| f.max(first));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| dir.display().to_string());
    let mut months = Vec::new();
    let mut judged_any = false;
    let mut month = first;
    while month <= last {
        let analysis = crate::analysis::analyze(&store, config, MonthSpan::month(month), None)?;
        months.push(MonthRun {
            month,
            findings: analysis
                .outcome
                .findings
                .iter()
                .map(|f| Found {
                    kind: f.kind,
                    subject: f.subject.clone(),
                    headline: f.headline.clone(),
                })
                .collect(),
            not_judged: analysis.outcome.not_judged.clone(),
        });
        judged_any = true;
        month = month.next();
    }
    if !judged_any {
        return Ok(HistoryRun {
            name,
            months,
            appearances: BTreeMap::new(),
            team_months: BTreeSet::new(),
            person_months: BTreeSet::new(),
            commit_hours: BTreeMap::new(),
        });
    }
    // Each month above read its window; who was active when, commit hours and appearances are
    // facts of the whole store, so they come from one analysis over every month.
    let analysis = crate::analysis::analyze_whole_history(&store, config, MonthSpan::month(last))?;
    let judged: BTreeSet<Month> = months.iter().map(|m| m.month).collect();
    let monthly = analysis.metrics.get(Metric::PersonMonthly);
    let (mut team_months, mut person_months) = (BTreeSet::new(), BTreeSet::new());
    let teams = crate::common::frame::str_values(monthly, "team")?;
    let persons = crate::common::frame::str_values(monthly, "person")?;
    let month_names = crate::common::frame::str_values(monthly, "month")?;
    for ((team, person), month) in teams.into_iter().zip(persons).zip(month_names) {
        let (Some(team), Some(person), Some(Ok(month))) =
            (team, person, month.as_deref().map(str::parse::<Month>))
        else {
            continue;
        };
        if judged.contains(&month) && !analysis.roster.is_bot(&person) {
            team_months.insert((team, month));
            person_months.insert((person, month));
        }
    }
    let local = analysis.metrics.get(Metric::ActivityLocal);
    let mut commit_hours: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    if local.height() > 0 {
        let commits = local
            .clone()
            .lazy()
            .filter(col("kind").eq(lit("commit")))
            .group_by([col("person")])
            .agg([
                len().alias("all"),
                col("after_hours")
                    .cast(DataType::UInt32)
                    .sum()
                    .alias("after"),
            ])
            .collect()?;
        let people = crate::common::frame::str_values(&commits, "person")?;
        let all = commits.column("all")?.u32()?;
        let after = commits.column("after")?.u32()?;
        for ((person, all), after) in people.into_iter().zip(all.iter()).zip(after.iter()) {
            if let (Some(person), Some(all), Some(after)) = (person, all, after)
                && !analysis.roster.is_bot(&person)
            {
                commit_hours.insert(person, (all as usize, after as usize));
            }
        }
    }
    let mut appearances = appearances(&analysis.tables)?;
    appearances.retain(|person, _| !analysis.roster.is_bot(person));
    Ok(HistoryRun {
        name,
        months,
        appearances,
        team_months,
        person_months,
        commit_hours,
    })
}

/// Counts everything over `runs`.
pub fn summarise(runs: &[HistoryRun]) -> Validation {
    let mut base_rates = Vec::new();
    for kind in FindingKind::ALL {
        let mut rate = BaseRate {
            kind,
            unit: unit(kind).to_string(),
            findings: 0,
            subject_months: 0,
            per_100: None,
            months_not_judged: 0,
            not_judged_reason: None,
            by_history: BTreeMap::new(),
        };
        for run in runs {
            let mut found = 0;
            let mut judged_months = BTreeSet::new();
            for month in &run.months {
                let blanket = month
                    .not_judged
                    .iter()
                    .find(|n| n.kind == kind && n.subject == crate::detect::EVERYONE);
                if let Some(n) = blanket {
                    rate.months_not_judged += 1;
                    rate.not_judged_reason
                        .get_or_insert_with(|| n.reason.clone());
                    continue;
                }
                judged_months.insert(month.month);
                found += month.findings.iter().filter(|f| f.kind == kind).count();
            }
            let subjects = if rate.unit == "person" {
                run.person_months
                    .iter()
                    .filter(|(_, m)| judged_months.contains(m))
                    .count()
            } else {
                run.team_months
                    .iter()
                    .filter(|(_, m)| judged_months.contains(m))
                    .count()
            };
            rate.findings += found;
            rate.subject_months += subjects;
            rate.by_history.insert(run.name.clone(), (found, subjects));
        }
        if rate.subject_months > 0 {
            rate.per_100 = Some(100.0 * rate.findings as f64 / rate.subject_months as f64);
        }
        base_rates.push(rate);
    }
    let findings = runs
        .iter()
        .flat_map(|run| {
            run.months.iter().flat_map(move |m| {
                m.findings
                    .iter()
                    .map(move |f| (run.name.clone(), m.month.to_string(), f.clone()))
            })
        })
        .collect();
    Validation {
        histories: runs.iter().map(|r| r.name.clone()).collect(),
        months: runs.iter().map(|r| r.months.len()).sum(),
        base_rates,
        attrition: attrition(runs),
        after_hours: after_hours(runs),
        findings,
    }
}

/// A regular's departure: their last active month.
fn departures(
    appearances: &BTreeMap<String, BTreeMap<Month, usize>>,
    last: Month,
) -> Vec<(String, Month)> {
    let mut out = Vec::new();
    for (person, months) in appearances {
        let Some((&last_active, _)) = months.iter().next_back() else {
            continue;
        };
        // Silent for SILENT_MONTHS months that the data covers.
        let silent_until = (0..SILENT_MONTHS).fold(last_active, |m, _| m.next());
        if silent_until > last {
            continue;
        }
        let year = last_active.trailing(12);
        let active = year.iter().filter(|m| months.contains_key(m)).count();
        if active >= MIN_ACTIVE_MONTHS {
            out.push((person.clone(), last_active));
        }
    }
    out
}

fn add(month: Month, n: usize) -> Month {
    (0..n).fold(month, |m, _| m.next())
}

fn attrition(runs: &[HistoryRun]) -> Attrition {
    let (mut leavers, mut episodes, mut too_recent) = (0, 0, 0);
    let (mut right, mut caught, mut caught_after) = (0, 0, 0);
    let mut judged = 0;
    let mut cases = Vec::new();
    for run in runs {
        let Some(last) = run.months.last().map(|m| m.month) else {
            continue;
        };
        let first = run.months.first().map(|m| m.month).unwrap_or(last);
        let flagged: BTreeSet<(String, Month)> = run
            .months
            .iter()
            .flat_map(|m| {
                m.findings
                    .iter()
                    .filter(|f| f.kind == FindingKind::AttritionRisk)
                    .map(move |f| (f.subject.clone(), m.month))
            })
            .collect();
        let gone: BTreeMap<String, Month> =
            departures(&run.appearances, last).into_iter().collect();
        // Episodes: a flagged month whose previous month was not flagged.
        for (person, month) in &flagged {
            if flagged.contains(&(person.clone(), month.previous())) {
                continue;
            }
            episodes += 1;
            let seen = run.appearances.get(person);
            let count = |m: Month| seen.and_then(|s| s.get(&m)).copied().unwrap_or(0);
            let left = gone
                .get(person)
                .is_some_and(|l| *l >= month.previous() && *l <= add(*month, HORIZON_MONTHS));
            if add(*month, HORIZON_MONTHS) > last && !left {
                too_recent += 1;
                continue;
            }
            judged += 1;
            let baseline: Vec<usize> = month
                .trailing(7)
                .iter()
                .take(6)
                .map(|m| count(*m))
                .collect();
            let base = baseline.iter().sum::<usize>() as f64 / baseline.len().max(1) as f64;
            let after = (1..=HORIZON_MONTHS)
                .map(|k| count(add(*month, k)))
                .sum::<usize>() as f64
                / HORIZON_MONTHS as f64;
            let faded = base > 0.0 && after < 0.25 * base;
            let ok = left || faded;
            right += usize::from(ok);
            cases.push(format!(
                "{} {} {person}: {} (baseline {:.1}/month, next {} months {:.1}/month)",
                run.name,
                month,
                if left {
                    "left"
                } else if faded {
                    "stayed under a quarter"
                } else {
                    "stayed"
                },
                base,
                HORIZON_MONTHS,
                after
            ));
        }
        for (person, last_active) in &gone {
            // A leaver the runs could have flagged: their last activity after the first month
            // judged plus the detector's baseline.
            if *last_active < add(first, HORIZON_MONTHS) {
                continue;
            }
            leavers += 1;
            let window: Vec<Month> = last_active.trailing(HORIZON_MONTHS + 1);
            let before = window
                .iter()
                .any(|m| flagged.contains(&(person.clone(), *m)));
            let after = before || flagged.contains(&(person.clone(), last_active.next()));
            caught += usize::from(before);
            caught_after += usize::from(after);
            cases.push(format!(
                "{} leaver {person}, last active {last_active}: {}",
                run.name,
                if before {
                    "flagged before"
                } else if after {
                    "flagged the month after"
                } else {
                    "not flagged"
                }
            ));
        }
    }
    Attrition {
        leavers,
        episodes,
        episodes_too_recent: too_recent,
        precision: Proportion::new(right, judged),
        recall: Proportion::new(caught, leavers),
        recall_with_a_month_after: Proportion::new(caught_after, leavers),
        cases,
    }
}

fn after_hours(runs: &[HistoryRun]) -> AfterHours {
    let mut shares: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.commit_hours.values())
        .filter(|(all, _)| *all >= MIN_COMMITS)
        .map(|(all, after)| *after as f64 / *all as f64)
        .collect();
    shares.sort_by(f64::total_cmp);
    let quantile = |q: f64| shares[((shares.len() - 1) as f64 * q).round() as usize];
    AfterHours {
        people: shares.len(),
        quartiles: (!shares.is_empty()).then(|| [quantile(0.25), quantile(0.5), quantile(0.75)]),
        mostly_in_hours: Proportion::new(shares.iter().filter(|s| **s < 0.5).count(), shares.len()),
    }
}

impl Validation {
    /// The table `teamlens validate` prints, in Markdown.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{} histories, {} monthly reports, each as the data stood at the month's end.\n\n\
             | detector | findings | per 100 | of | not judged |\n|---|---:|---:|---|---|\n",
            self.histories.len(),
            self.months
        );
        for rate in &self.base_rates {
            let per_100 = rate.per_100.map_or("—".to_string(), |r| format!("{r:.1}"));
            let not_judged = match (&rate.not_judged_reason, rate.months_not_judged) {
                (Some(reason), n) => format!("{n} months: {reason}"),
                _ => String::new(),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} {}-months | {} |\n",
                rate.kind.name(),
                rate.findings,
                per_100,
                rate.subject_months,
                rate.unit,
                not_judged.replace('|', "\\|")
            ));
        }
        let a = &self.attrition;
        out.push_str(&format!(
            "\nattrition_risk against real departures ({} leavers; a regular is {} active months \
             in a year, gone after {} silent ones): precision {}, recall {}, recall counting \
             the month after the last activity {}; {} flag episodes, {} too recent to judge.\n",
            a.leavers,
            MIN_ACTIVE_MONTHS,
            SILENT_MONTHS,
            a.precision.text(),
            a.recall.text(),
            a.recall_with_a_month_after.text(),
            a.episodes,
            a.episodes_too_recent
        ));
        let h = &self.after_hours;
        out.push_str(&format!(
            "\nafter hours, commits in their author's own offset ({} people with {}+ commits): \
             quartiles {}; mostly in working hours {}.\n",
            h.people,
            MIN_COMMITS,
            h.quartiles.map_or("—".to_string(), |q| format!(
                "{:.2} / {:.2} / {:.2}",
                q[0], q[1], q[2]
            )),
            h.mostly_in_hours.text()
        ));
        out
    }
}

/// Per person and month, how many things of theirs the tables hold: commits, PRs opened,
/// reviews, comments and ticket changes.
pub fn appearances(
    tables: &BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<BTreeMap<String, BTreeMap<Month, usize>>> {
    let mut parts = Vec::new();
    for (table, person, at) in [
        ("commits", "author", "authored_at"),
        ("pull_requests", "author", "created_at"),
        ("reviews", "reviewer", "submitted_at"),
        ("comments", "author", "created_at"),
        ("issue_events", "actor", "at"),
    ] {
        if let Some(frame) = tables.get(table) {
            parts.push(
                frame.clone().select([
                    col(person).cast(DataType::String).alias("person"),
                    col(at)
                        .cast(crate::model::TIMESTAMP)
                        .dt()
                        .strftime("%Y-%m")
                        .alias("month"),
                ]),
            );
        }
    }
    let mut out: BTreeMap<String, BTreeMap<Month, usize>> = BTreeMap::new();
    if parts.is_empty() {
        return Ok(out);
    }
    let counted = concat(parts, UnionArgs::default())?
        .group_by([col("person"), col("month")])
        .agg([len().alias("n")])
        .collect()?;
    let persons = counted.column("person")?.str()?;
    let months = counted.column("month")?.str()?;
    let counts = counted.column("n")?.u32()?;
    for ((person, month), n) in persons.iter().zip(months.iter()).zip(counts.iter()) {
        if let (Some(person), Some(Ok(month)), Some(n)) = (person, month.map(str::parse), n) {
            out.entry(person.to_string())
                .or_default()
                .insert(month, n as usize);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn a_wilson_interval_brackets_the_share() {
        let p = Proportion::new(6, 22);
        assert!((p.value.unwrap() - 0.2727).abs() < 1e-3);
        assert!((p.low.unwrap() - 0.1315).abs() < 1e-3, "{p:?}");
        assert!((p.high.unwrap() - 0.4815).abs() < 1e-3, "{p:?}");
        assert_eq!(Proportion::new(0, 0).value, None);
    }

    #[test]
    fn a_regular_who_falls_silent_for_six_months_has_left() {
        let mut appearances = BTreeMap::new();
        let regular: BTreeMap<Month, usize> = month("2024-01")
            .trailing(1)
            .into_iter()
            .chain((1..=7).map(|k| add(month("2023-06"), k)))
            .map(|m| (m, 3))
            .collect();
        appearances.insert("ana".to_string(), regular);
        // Three active months: not a regular.
        appearances.insert(
            "ben".to_string(),
            [("2023-10", 1), ("2023-11", 1), ("2023-12", 1)]
                .into_iter()
                .map(|(m, n)| (month(m), n))
                .collect(),
        );
        let gone = departures(&appearances, month("2024-07"));
        assert_eq!(gone, vec![("ana".to_string(), month("2024-01"))]);
        // The data must cover the six silent months.
        assert!(departures(&appearances, month("2024-06")).is_empty());
    }
}
