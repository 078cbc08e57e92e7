//! The retro pack: `retro.md`, three to five talking points for the team's retrospective, each a
//! question with the evidence behind it, what improved since the last retro, and what to watch.
//!
//! It is made from the same [`ReportData`] as the report (so the audience and pseudonyms apply
//! the same way). What "improved" means needs a baseline: the headline figures and findings kept
//! in the data directory by the last retro (`retro_state.json`), or, when there was none, the
//! month before the retro's period.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::present::ReportFinding;
use super::writer::{HEALTH_KINDS, ReportData, ReportError, Trend};
use crate::detect::{Finding, FindingKind, Severity};

const TEMPLATE: &str = include_str!("../../reports/templates/retro.md.j2");
/// The file in the data directory that remembers the last retro.
pub const STATE_FILE: &str = "retro_state.json";
/// Months before the retro's period it reads (`analysis::Window`): with no earlier retro, the
/// month before the period is its baseline.
pub const LOOKBACK_MONTHS: usize = 1;
const MOST_POINTS: usize = 5;
const FEWEST_POINTS: usize = 3;

/// Why the retro could not be written or its state read.
#[derive(Debug, thiserror::Error)]
pub enum RetroError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a retro state ({message}); delete it and the next retro compares with \
         the month before its period"
    )]
    BadState { path: PathBuf, message: String },
    #[error(
        "{} is a file, not a folder: give --out a folder for retro.md (the file is left as it is)",
        path.display()
    )]
    OutIsFile { path: PathBuf },
    #[error(
        "{} exists and teamlens did not write it: give --out another folder (the file is left \
         as it is)",
        path.display()
    )]
    NotOurs { path: PathBuf },
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// A finding by what it is about, to tell whether it is still raised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingKey {
    pub kind: FindingKind,
    pub subject: String,
}

impl From<&Finding> for FindingKey {
    fn from(finding: &Finding) -> Self {
        FindingKey {
            kind: finding.kind,
            subject: finding.subject.clone(),
        }
    }
}

/// What the last retro saw, kept in the data directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetroState {
    /// The day the retro was written.
    pub written: chrono::NaiveDate,
    /// The last month it judged.
    pub last_month: String,
    /// Headline metric → its value in `last_month`.
    pub figures: BTreeMap<String, f64>,
    /// The findings raised then (person ids as stored, never shown).
    pub findings: Vec<FindingKey>,
    /// The report.json schema its figures are in (0: before the state said): a figure whose
    /// meaning changed since is not compared.
    #[serde(default)]
    pub schema_version: u32,
}

/// The state of the organisation's retros (`retro_state.json`), or of a team's
/// (`retro_state.<team>.json`), so that each compares with its own last retro.
pub fn state_file(teams: &[String]) -> String {
    match teams {
        [] => STATE_FILE.to_string(),
        teams => {
            let names: Vec<String> = teams.iter().map(|t| super::team_file_name(t)).collect();
            format!("retro_state.{}.json", names.join("+"))
        }
    }
}

/// Reads the last retro's state; `None` when there was no retro yet.
pub fn load_state(data_dir: &Path, teams: &[String]) -> Result<Option<RetroState>, RetroError> {
    let path = data_dir.join(state_file(teams));
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(|state: RetroState| Some(comparable(state, teams.len() == 1)))
            .map_err(|e| RetroError::BadState {
                path,
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(RetroError::Io { path, source }),
    }
}

/// A state without the figures that meant something else when it was written: before schema
/// 5, `change_failure_rate` was the share of merged PRs that failed, not DORA's rate; before
/// schema 7, a team's retro (`one_team`) kept the organisation's figures, not the team's own.
fn comparable(mut state: RetroState, one_team: bool) -> RetroState {
    if one_team && state.schema_version < 7 {
        state.figures.clear();
    }
    if state.schema_version < 5 {
        state.figures.remove("change_failure_rate");
    }
    state
}

/// Keeps this retro's state for the next one.
pub fn save_state(data_dir: &Path, teams: &[String], state: &RetroState) -> Result<(), RetroError> {
    let path = data_dir.join(state_file(teams));
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| RetroError::BadState {
        path: path.clone(),
        message: e.to_string(),
    })?;
    crate::store::write_atomically(&path, &bytes).map_err(|e| RetroError::Io {
        path,
        source: std::io::Error::other(e.to_string()),
    })
}

/// What the retro compares with.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// `the last retro (2026-09-30)` or `2026-08`.
    pub label: String,
    pub figures: BTreeMap<String, f64>,
    /// The findings raised then, when a retro was kept.
    pub findings: Option<Vec<FindingKey>>,
}

/// One talking point: a question for the team and what it rests on.
#[derive(Debug, Clone, Serialize)]
struct TalkingPoint {
    title: String,
    question: String,
    evidence: Vec<String>,
    links: Vec<String>,
}

/// A headline metric compared with the baseline.
#[derive(Debug, Clone, Serialize)]
struct Movement {
    label: String,
    from: String,
    to: String,
    change: String,
}

/// Each trend's value in `month`, by its metric: what a team's first retro compares with (the
/// team's own month before, as its trends show it; nothing when they do not reach back so far).
pub fn figures_in(trends: &[super::Trend], month: &str) -> BTreeMap<String, f64> {
    trends
        .iter()
        .filter_map(|t| {
            let at = t.months.iter().position(|m| m == month)?;
            Some((t.metric.clone(), (*t.values.get(at)?)?))
        })
        .collect()
}

/// This retro's state, to save once retro.md is written.
pub fn state_of(data: &ReportData, raw_findings: &[FindingKey]) -> RetroState {
    RetroState {
        written: chrono::Utc::now().date_naive(),
        last_month: data.month.clone(),
        figures: data
            .trends
            .iter()
            .filter_map(|t| t.current.map(|v| (t.metric.clone(), v)))
            .collect(),
        findings: raw_findings.to_vec(),
        schema_version: super::SCHEMA_VERSION,
    }
}

/// Renders retro.md and writes it into `out_dir`; returns its path.
pub fn write(
    data: &ReportData,
    baseline: &Baseline,
    raw_findings: &[FindingKey],
    out_dir: &Path,
) -> Result<PathBuf, RetroError> {
    let points = talking_points(data);
    let (improved, worse) = movements(&data.trends, baseline);
    let resolved: Vec<String> = resolved_findings(baseline, raw_findings)
        .into_iter()
        // A team hears of no one's health signals, resolved or not.
        .filter(|(kind, _)| {
            data.audience == super::Audience::Manager || !HEALTH_KINDS.contains(kind)
        })
        .map(|(_, line)| line)
        .collect();
    let watch: Vec<String> = worse
        .iter()
        .map(|m| {
            format!(
                "{} went from {} to {} ({}).",
                m.label, m.from, m.to, m.change
            )
        })
        .chain(
            latest_per_subject(&data.findings)
                .into_iter()
                .skip(MOST_POINTS)
                .map(|f| format!("{}: {}", f.title, f.finding.headline)),
        )
        .collect();
    let env = super::filters::environment();
    let context = minijinja::context! {
        label => &data.label,
        scope => &data.scope,
        period => &data.period,
        version => data.version,
        audience => &data.audience,
        anonymized => data.anonymized,
        baseline => &baseline.label,
        points => &points,
        improved => &improved,
        resolved => &resolved,
        watch => &watch,
        expiring => &data.expiring,
        trends => &data.trends,
        trends_label => data.trends_label(),
    };
    let text = env
        .template_from_named_str("retro.md", TEMPLATE)
        .and_then(|t| t.render(context))
        .map_err(|e| ReportError::Template {
            name: "retro.md".into(),
            message: format!("{e:#}"),
        })?;
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(RetroError::OutIsFile {
            path: out_dir.to_path_buf(),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| RetroError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let path = out_dir.join("retro.md");
    // A retro replaces the retro.md it wrote before, never a file of the team's own.
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.lines().take(3).any(|l| l.contains("· teamlens "))
    {
        return Err(RetroError::NotOurs { path });
    }
    crate::store::write_atomically(&path, text.as_bytes()).map_err(|e| RetroError::Io {
        path: path.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(path)
}

/// The findings first (most severe first), then team health signals, then the headline metrics
/// that moved the wrong way, until there are three to five points.
fn talking_points(data: &ReportData) -> Vec<TalkingPoint> {
    // A finding raised in several months of the period is one point: the latest, with the months.
    let mut months_of: BTreeMap<(FindingKind, &str), Vec<String>> = BTreeMap::new();
    for f in data.findings.iter().map(|f| &f.finding) {
        months_of
            .entry((f.kind, f.subject.as_str()))
            .or_default()
            .push(f.period.from.format("%Y-%m").to_string());
    }
    let mut points: Vec<(Severity, TalkingPoint)> = Vec::new();
    for shown in latest_per_subject(&data.findings) {
        let f = &shown.finding;
        let mut evidence = vec![f.headline.clone()];
        let mut months = months_of[&(f.kind, f.subject.as_str())].clone();
        if months.len() > 1 {
            months.sort();
            evidence.push(format!("Raised in {} of the period.", months.join(", ")));
        }
        // The figures as the report words them: label, unit, threshold and usual level.
        evidence.extend(shown.figures_shown.iter().take(4).map(|r| r.sentence()));
        evidence.extend(shown.notes.iter().cloned());
        // Only the manager sees one person's health signals: as a check-in, not a verdict.
        let personal = HEALTH_KINDS.contains(&f.kind) && !f.subject.starts_with("team:");
        points.push((
            f.severity,
            TalkingPoint {
                title: if personal {
                    format!(
                        "Check in with {} ({} signals)",
                        f.subject,
                        f.kind.title().to_lowercase()
                    )
                } else {
                    format!("{} ({})", shown.title, f.kind.title().to_lowercase())
                },
                question: if personal {
                    format!(
                        "How is {} doing? Ask in a one-to-one, openly: the figures below are \
                         signals that can have many causes, not a verdict.",
                        f.subject
                    )
                } else {
                    f.question.clone()
                },
                evidence,
                links: f.evidence.links.iter().take(3).cloned().collect(),
            },
        ));
    }
    // Health signals counted per team are never a talking point: in front of the team, even a
    // count of people showing burnout or attrition signals points at someone.
    points.sort_by_key(|p| std::cmp::Reverse(p.0));
    let mut points: Vec<TalkingPoint> = points.into_iter().map(|(_, p)| p).collect();
    points.truncate(MOST_POINTS);
    let mut worse: Vec<&Trend> = data.trends.iter().filter(|t| t.signal == "worse").collect();
    worse.sort_by(|a, b| relative_change(b).total_cmp(&relative_change(a)));
    for trend in worse {
        if points.len() >= FEWEST_POINTS {
            break;
        }
        points.push(TalkingPoint {
            title: trend.label.clone(),
            question: format!(
                "{} went from {} to {} last month. What changed in how we work, and is it \
                 something we want to keep?",
                trend.label, trend.previous_text, trend.current_text
            ),
            evidence: vec![format!(
                "{}: {} over the last {} months ({}){}.",
                trend.label,
                trend.spark,
                trend.months.len(),
                trend.change_text,
                if data.scope.is_empty() {
                    String::new()
                } else {
                    format!(", {}", data.trends_label())
                }
            )],
            links: Vec::new(),
        });
    }
    // AI-assisted work, when a good part of the month's PRs were and no finding already asks.
    let asked = data
        .findings
        .iter()
        .any(|f| f.finding.kind == FindingKind::AiOutputWithoutOutcome);
    if points.len() < MOST_POINTS
        && !asked
        && let Some((title, question, evidence)) =
            super::ai::retro_point(data.ai_months(), &data.month.to_string())
    {
        points.push(TalkingPoint {
            title,
            question,
            evidence,
            links: Vec::new(),
        });
    }
    points
}

/// Each (kind, subject) once, its first finding in the report's order (most severe, latest first).
fn latest_per_subject(findings: &[ReportFinding]) -> Vec<&ReportFinding> {
    let mut seen = std::collections::BTreeSet::new();
    findings
        .iter()
        .filter(|f| seen.insert((f.finding.kind, f.finding.subject.as_str())))
        .collect()
}

fn relative_change(trend: &Trend) -> f64 {
    match (trend.current, trend.previous) {
        (Some(c), Some(p)) if p.abs() > 1e-9 => ((c - p) / p).abs(),
        _ => 0.0,
    }
}

/// Headline metrics that moved by more than 5 % against the baseline: (better, worse).
fn movements(trends: &[Trend], baseline: &Baseline) -> (Vec<Movement>, Vec<Movement>) {
    let mut better = Vec::new();
    let mut worse = Vec::new();
    for trend in trends {
        let (Some(now), Some(&then)) = (trend.current, baseline.figures.get(&trend.metric)) else {
            continue;
        };
        if (now - then).abs() <= then.abs() * 0.05 + 1e-9 {
            continue;
        }
        let show = |v: f64| match trend.unit.as_str() {
            "hours" => format!("{v:.1} h"),
            "%" => format!("{:.1} %", v * 100.0),
            _ => format!("{v:.0}"),
        };
        let delta = now - then;
        let sign = if delta > 0.0 { "+" } else { "−" };
        let change = match trend.unit.as_str() {
            "hours" => format!("{sign}{:.1} h", delta.abs()),
            "%" => format!("{sign}{:.1} pp", delta.abs() * 100.0),
            _ => format!("{sign}{:.0}", delta.abs()),
        };
        let movement = Movement {
            label: trend.label.clone(),
            from: show(then),
            to: show(now),
            change,
        };
        // Output (PRs merged) has no better direction: it is neither praised nor watched.
        match trend.metric.as_str() {
            "prs_merged" => {}
            _ if delta < 0.0 => better.push(movement),
            _ => worse.push(movement),
        }
    }
    (better, worse)
}

/// Findings the last retro raised that are no longer raised, as sentences without names for
/// per-person health kinds.
fn resolved_findings(baseline: &Baseline, now: &[FindingKey]) -> Vec<(FindingKind, String)> {
    let Some(before) = &baseline.findings else {
        return Vec::new();
    };
    let mut counts: BTreeMap<FindingKind, usize> = BTreeMap::new();
    for key in before.iter().filter(|k| !now.contains(k)) {
        *counts.entry(key.kind).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(kind, n)| {
            let line = format!(
                "{}: raised {} {} at the last retro, no longer raised.",
                kind.title(),
                n,
                if n == 1 { "time" } else { "times" }
            );
            (kind, line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend(metric: &str, unit: &str, previous: f64, current: f64) -> Trend {
        Trend {
            metric: metric.into(),
            label: metric.into(),
            unit: unit.into(),
            months: vec!["2026-09".into(), "2026-10".into()],
            values: vec![Some(previous), Some(current)],
            current: Some(current),
            previous: Some(previous),
            current_text: String::new(),
            previous_text: String::new(),
            change_text: String::new(),
            direction: String::new(),
            usual_change: None,
            usual_change_text: String::new(),
            signal: String::new(),
            spark: String::new(),
            dora_band: String::new(),
            source: String::new(),
        }
    }

    #[test]
    fn a_state_from_before_dora_does_not_compare_the_change_failure_rate() {
        let old = r#"{"written": "2026-09-30", "last_month": "2026-09",
            "figures": {"change_failure_rate": 0.04, "cycle_p50_h": 40.0}, "findings": []}"#;
        let state = comparable(serde_json::from_str(old).unwrap(), false);
        assert_eq!(state.figures.len(), 1, "{:?}", state.figures);
        assert!(state.figures.contains_key("cycle_p50_h"));
        let new = RetroState {
            schema_version: crate::report::SCHEMA_VERSION,
            ..state
        };
        let mut figures = new.figures.clone();
        figures.insert("change_failure_rate".into(), 0.2);
        let kept = comparable(RetroState { figures, ..new }, false);
        assert!(kept.figures.contains_key("change_failure_rate"));
    }

    #[test]
    fn a_teams_state_from_before_its_own_trends_compares_nothing() {
        let old = r#"{"written": "2026-09-30", "last_month": "2026-09", "schema_version": 6,
            "figures": {"cycle_p50_h": 40.0}, "findings": []}"#;
        let state: RetroState = serde_json::from_str(old).unwrap();
        assert!(comparable(state.clone(), true).figures.is_empty());
        assert_eq!(comparable(state.clone(), false).figures.len(), 1);
        let now = RetroState {
            schema_version: crate::report::SCHEMA_VERSION,
            ..state
        };
        assert_eq!(comparable(now, true).figures.len(), 1);
    }

    #[test]
    fn movements_against_the_baseline_split_into_better_and_worse() {
        let baseline = Baseline {
            label: "2026-09".into(),
            figures: BTreeMap::from([
                ("cycle_p50_h".to_string(), 40.0),
                ("reopen_rate".to_string(), 0.05),
                ("prs_merged".to_string(), 100.0),
                ("pickup_p50_h".to_string(), 10.0),
            ]),
            findings: None,
        };
        let trends = vec![
            trend("cycle_p50_h", "hours", 0.0, 30.0),
            trend("reopen_rate", "%", 0.0, 0.08),
            trend("prs_merged", "count", 0.0, 150.0),
            trend("pickup_p50_h", "hours", 0.0, 10.2),
        ];
        let (better, worse) = movements(&trends, &baseline);
        assert_eq!(better.len(), 1);
        assert_eq!(better[0].change, "−10.0 h");
        assert_eq!(worse.len(), 1);
        assert_eq!(worse[0].change, "+3.0 pp");
    }

    #[test]
    fn findings_no_longer_raised_are_counted_without_names() {
        let key = |kind, subject: &str| FindingKey {
            kind,
            subject: subject.into(),
        };
        let baseline = Baseline {
            label: "the last retro".into(),
            figures: BTreeMap::new(),
            findings: Some(vec![
                key(FindingKind::BurnoutRisk, "nora"),
                key(FindingKind::BurnoutRisk, "ali"),
                key(FindingKind::Overload, "team:mobile"),
            ]),
        };
        let resolved = resolved_findings(&baseline, &[key(FindingKind::Overload, "team:mobile")]);
        assert_eq!(
            resolved,
            [(
                FindingKind::BurnoutRisk,
                "Burnout risk: raised 2 times at the last retro, no longer raised.".to_string()
            )]
        );
        assert!(!resolved[0].1.contains("nora"));
    }
}
