//! Assembling [`ReportData`] and writing the report files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use crate::detect::{Finding, NotJudged, Outcome, Period, Roster};
use crate::metrics::Metrics;
use crate::period::Month;

const MARKDOWN_TEMPLATE: &str = include_str!("../../reports/templates/report.md.j2");
const HTML_TEMPLATE: &str = include_str!("../../reports/templates/report.html.j2");

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error(transparent)]
    Chart(#[from] super::charts::ChartError),
    #[error("preparing the report: {0}")]
    Data(#[from] PolarsError),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How many months of trend the output-beside-outcome chart and the JSON trend carry.
const TREND_MONTHS: usize = 6;
/// Weeks of cycle-time phases shown (about a quarter).
const PHASE_WEEKS: usize = 13;
/// The most people a review chart shows (the busiest first).
const CHART_PEOPLE: usize = 20;

/// Everything the templates and `report.json` show. Field names are the JSON contract.
#[derive(Debug, Serialize)]
pub struct ReportData {
    pub period: Period,
    pub month: String,
    pub version: &'static str,
    /// False when nothing was merged or resolved in the month.
    pub active: bool,
    pub findings: Vec<Finding>,
    pub not_judged: Vec<NotJudged>,
    pub metrics: BTreeMap<String, Vec<serde_json::Value>>,
    pub coverage: Coverage,
    /// Chart name → relative path of its SVG (what the Markdown links to).
    pub charts: BTreeMap<String, String>,
    #[serde(skip)]
    outcomes: Vec<serde_json::Value>,
    #[serde(skip)]
    output: Vec<serde_json::Value>,
    #[serde(skip)]
    review_waits: Vec<serde_json::Value>,
    #[serde(skip)]
    user_metrics: Vec<serde_json::Value>,
}

/// What the report rests on: sources, table sizes, the span of activity, what was excluded.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub sources: Vec<String>,
    pub tables: Vec<TableCount>,
    pub first_activity: Option<String>,
    pub last_activity: Option<String>,
    pub bots: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    pub name: String,
    pub rows: usize,
}

impl ReportData {
    /// Selects the month's rows of every metric and the trend before it.
    pub fn assemble(
        month: Month,
        metrics: &Metrics,
        outcome: Outcome,
        coverage: Coverage,
        roster: &Roster,
    ) -> Result<ReportData, ReportError> {
        let this_month = |name: &str| -> Result<DataFrame, ReportError> {
            Ok(crate::detect::for_month(metrics.get(name), month)?)
        };
        let outcomes = rows(&this_month("outcome_monthly")?)?;
        let output = rows(&this_month("output_monthly")?)?;
        let active = !outcomes.is_empty() || !output.is_empty();
        let review_waits = reviewer_waits(&this_month("review_waits")?, roster)?;

        let trend_months: Vec<String> = month
            .trailing(TREND_MONTHS)
            .iter()
            .map(Month::to_string)
            .collect();
        let trend = |name: &str| -> Result<Vec<serde_json::Value>, ReportError> {
            let frame = metrics.get(name);
            if frame.height() == 0 {
                return Ok(Vec::new());
            }
            rows(
                &frame
                    .clone()
                    .lazy()
                    .filter(col("month").is_in(
                        lit(Series::new("m".into(), trend_months.clone())).implode(true),
                        false,
                    ))
                    .collect()?,
            )
        };
        let mut metric_rows = BTreeMap::new();
        metric_rows.insert("outcome_by_team".into(), outcomes.clone());
        metric_rows.insert("output_by_team".into(), output.clone());
        metric_rows.insert("organisation".into(), rows(&this_month("org_monthly")?)?);
        metric_rows.insert("outcome_trend".into(), trend("outcome_monthly")?);
        metric_rows.insert("output_trend".into(), trend("output_monthly")?);
        metric_rows.insert("review_load".into(), rows(&this_month("review_load")?)?);
        metric_rows.insert("review_waits_by_reviewer".into(), review_waits.clone());
        let mut user_metrics = Vec::new();
        for name in &metrics.user_metrics {
            let frame = this_month(name)?;
            user_metrics.push(serde_json::json!({ "name": name, "rows": frame.height() }));
            metric_rows.insert(format!("user:{name}"), rows(&frame)?);
        }
        Ok(ReportData {
            period: month.into(),
            month: month.to_string(),
            version: env!("CARGO_PKG_VERSION"),
            active,
            findings: outcome.findings,
            not_judged: outcome.not_judged,
            metrics: metric_rows,
            coverage,
            charts: BTreeMap::new(),
            outcomes,
            output,
            review_waits,
            user_metrics,
        })
    }
}

/// Per reviewer: requests this month, median and p90 wait, PR-hours they alone were waited on.
fn reviewer_waits(
    waits: &DataFrame,
    roster: &Roster,
) -> Result<Vec<serde_json::Value>, ReportError> {
    if waits.height() == 0 {
        return Ok(Vec::new());
    }
    let summary = waits
        .clone()
        .lazy()
        .group_by([col("reviewer")])
        .agg([
            len().cast(DataType::Int64).alias("requests"),
            col("wait_h").median().alias("wait_p50_h"),
            col("wait_h")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("wait_p90_h"),
            col("blocking_h").sum().alias("blocking_h"),
        ])
        .sort(
            ["blocking_h", "reviewer"],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(CHART_PEOPLE as IdxSize)
        .collect()?;
    let mut result = rows(&summary)?;
    for row in &mut result {
        let manager = row
            .get("reviewer")
            .and_then(|r| r.as_str())
            .is_some_and(|r| roster.is_manager(r));
        row["is_manager"] = serde_json::Value::Bool(manager);
    }
    Ok(result)
}

/// A frame as JSON objects, one per row: timestamps as RFC 3339, floats rounded to 3 decimals.
pub fn rows(frame: &DataFrame) -> Result<Vec<serde_json::Value>, ReportError> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let mut out = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let mut object = serde_json::Map::new();
        for (name, column) in names.iter().zip(frame.columns()) {
            object.insert(name.clone(), json_value(column.get(i)?));
        }
        out.push(serde_json::Value::Object(object));
    }
    Ok(out)
}

fn json_value(value: AnyValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(v) => v.into(),
        AnyValue::Int16(v) => v.into(),
        AnyValue::Int32(v) => v.into(),
        AnyValue::Int64(v) => v.into(),
        AnyValue::UInt8(v) => v.into(),
        AnyValue::UInt16(v) => v.into(),
        AnyValue::UInt32(v) => v.into(),
        AnyValue::UInt64(v) => v.into(),
        AnyValue::Float32(v) => round(v as f64),
        AnyValue::Float64(v) => round(v),
        AnyValue::Datetime(ticks, unit, _) => {
            let micros = match unit {
                TimeUnit::Nanoseconds => ticks / 1_000,
                TimeUnit::Microseconds => ticks,
                TimeUnit::Milliseconds => ticks * 1_000,
            };
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
                .unwrap_or(Value::Null)
        }
        AnyValue::Date(days) => chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map(|d| Value::String(d.to_string()))
            .unwrap_or(Value::Null),
        other => Value::String(other.to_string()),
    }
}

fn round(value: f64) -> serde_json::Value {
    if value.is_finite() {
        serde_json::Value::from((value * 1000.0).round() / 1000.0)
    } else {
        serde_json::Value::Null
    }
}

/// Where a written report's files are.
#[derive(Debug)]
pub struct WrittenReport {
    pub dir: PathBuf,
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub json: PathBuf,
    pub charts: Vec<PathBuf>,
}

/// Draws the charts and writes `report.md`, `report.html`, `report.json` and `charts/` into
/// `out_dir`, replacing what was there only once everything is written.
pub fn write(
    mut data: ReportData,
    metrics: &Metrics,
    roster: &Roster,
    out_dir: &Path,
    templates: Option<&Path>,
) -> Result<WrittenReport, ReportError> {
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    // One staging folder per report folder, named after it: what a killed run left there is
    // removed here rather than piling up beside the reports.
    let staging_name = format!(
        ".{}.writing",
        out_dir
            .file_name()
            .map_or_else(|| "report".into(), |n| n.to_string_lossy())
    );
    let leftover = parent.join(&staging_name);
    if leftover.exists() {
        std::fs::remove_dir_all(&leftover).map_err(io_error(&leftover))?;
    }
    let staging = tempfile::Builder::new()
        .prefix(&staging_name)
        .rand_bytes(0)
        .tempdir_in(parent)
        .map_err(io_error(parent))?;
    let chart_dir = staging.path().join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(io_error(&chart_dir))?;

    let month: Month =
        data.month
            .parse()
            .map_err(|e: crate::period::BadMonth| ReportError::Template {
                name: "month".into(),
                message: e.to_string(),
            })?;
    let rendered = draw_charts(&chart_dir, month, metrics, roster)?;
    let mut svgs = BTreeMap::new();
    for chart in &rendered {
        data.charts
            .insert(chart.name.clone(), format!("charts/{}.svg", chart.name));
        svgs.insert(chart.name.clone(), chart.svg.clone());
    }

    let json = serde_json::to_string_pretty(&data).map_err(|e| ReportError::Template {
        name: "report.json".into(),
        message: e.to_string(),
    })?;
    let (markdown_template, html_template) = load_templates(templates)?;
    let env = super::filters::environment();
    let context = minijinja::context! {
        period => &data.period,
        month => &data.month,
        version => data.version,
        active => data.active,
        findings => &data.findings,
        not_judged => &data.not_judged,
        coverage => &data.coverage,
        charts => &data.charts,
        svgs => &svgs,
        outcomes => &data.outcomes,
        output => &data.output,
        review_waits => &data.review_waits,
        user_metrics => &data.user_metrics,
    };
    let markdown = render(&env, "report.md", &markdown_template, &context)?;
    let html = render(&env, "report.html", &html_template, &context)?;

    for (name, text) in [
        ("report.md", &markdown),
        ("report.html", &html),
        ("report.json", &json),
    ] {
        let path = staging.path().join(name);
        std::fs::write(&path, text).map_err(io_error(&path))?;
    }
    replace_dir(staging, out_dir)?;
    Ok(WrittenReport {
        dir: out_dir.to_path_buf(),
        markdown: out_dir.join("report.md"),
        html: out_dir.join("report.html"),
        json: out_dir.join("report.json"),
        charts: rendered
            .iter()
            .flat_map(|c| {
                [
                    out_dir.join("charts").join(format!("{}.svg", c.name)),
                    out_dir.join("charts").join(format!("{}.png", c.name)),
                ]
            })
            .collect(),
    })
}

fn load_templates(dir: Option<&Path>) -> Result<(String, String), ReportError> {
    let Some(dir) = dir else {
        return Ok((MARKDOWN_TEMPLATE.to_string(), HTML_TEMPLATE.to_string()));
    };
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(io_error(&path))
    };
    Ok((read("report.md.j2")?, read("report.html.j2")?))
}

fn render(
    env: &minijinja::Environment,
    name: &str,
    source: &str,
    context: &minijinja::Value,
) -> Result<String, ReportError> {
    let error = |e: minijinja::Error| ReportError::Template {
        name: name.to_string(),
        message: format!("{e:#}"),
    };
    let mut env = env.clone();
    env.add_template_owned(name.to_string(), source.to_string())
        .map_err(error)?;
    env.get_template(name)
        .and_then(|t| t.render(context))
        .map_err(error)
}

/// Moves the finished staging directory to `out_dir`, replacing an earlier report. Where the
/// system can, the two folders are swapped in one step, so a process killed at any moment
/// leaves the old report or the new one in place, never no report; the old one is then removed
/// from the staging name (or, if killed first, by the next write).
fn replace_dir(staging: tempfile::TempDir, out_dir: &Path) -> Result<(), ReportError> {
    let staged = staging.keep();
    if out_dir.exists() {
        if exchange(&staged, out_dir).is_ok() {
            return std::fs::remove_dir_all(&staged).map_err(io_error(&staged));
        }
        let parent = out_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".report-old-")
            .tempdir_in(parent)
            .map_err(io_error(parent))?;
        let old_path = old.path().join("previous");
        std::fs::rename(out_dir, &old_path).map_err(io_error(out_dir))?;
        std::fs::rename(&staged, out_dir).map_err(io_error(out_dir))?;
        drop(old);
    } else {
        std::fs::rename(&staged, out_dir).map_err(io_error(out_dir))?;
    }
    Ok(())
}

/// Swaps two directories atomically (Linux `renameat2` with `RENAME_EXCHANGE`); an error where
/// the system or file system cannot, and the caller falls back to two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call, which only
    // reads them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Turns the month's metric rows into chart inputs and draws the four charts.
fn draw_charts(
    dir: &Path,
    month: Month,
    metrics: &Metrics,
    roster: &Roster,
) -> Result<Vec<super::charts::RenderedChart>, ReportError> {
    let mut drawn = Vec::new();

    let load = crate::detect::for_month(metrics.get("review_load"), month)?;
    let mut shares = Vec::new();
    if load.height() > 0 {
        let reviewers = crate::detect::str_values(&load, "reviewer")?;
        let teams = crate::detect::str_values(&load, "team")?;
        let approved = crate::detect::f64_values(&load, "approved_prs")?;
        let share = crate::detect::f64_values(&load, "approval_share")?;
        for i in 0..load.height() {
            let (Some(reviewer), Some(team)) = (&reviewers[i], &teams[i]) else {
                continue;
            };
            shares.push(super::charts::ReviewShare {
                person: reviewer.clone(),
                team: team.clone(),
                approvals: approved[i].unwrap_or(0.0) as u32,
                share: share[i].unwrap_or(0.0),
                is_manager: roster.is_manager(reviewer),
            });
        }
        shares.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.person.cmp(&b.person)));
        shares.truncate(CHART_PEOPLE);
    }
    drawn.push(super::charts::review_load_share(
        dir,
        &format!("Share of each team's merged PRs approved, {month}"),
        &shares,
    )?);

    drawn.push(super::charts::reviewer_author_matrix(
        dir,
        &format!("Who reviews whom, {month} (reviews)"),
        &review_matrix(metrics, month, roster)?,
    )?);

    let weekly = metrics.get("phases_weekly");
    let mut weeks = Vec::new();
    if weekly.height() > 0 {
        let last_day = month.last_day();
        let frame = weekly
            .clone()
            .lazy()
            .filter(col("week_start").lt_eq(lit(last_day)))
            .sort(["week_start"], Default::default())
            .tail(PHASE_WEEKS as IdxSize)
            .collect()?;
        let starts = frame
            .column("week_start")?
            .date()?
            .as_date_iter()
            .collect::<Vec<_>>();
        let prs = crate::detect::f64_values(&frame, "prs")?;
        let coding = crate::detect::f64_values(&frame, "coding_h")?;
        let pickup = crate::detect::f64_values(&frame, "pickup_h")?;
        let review = crate::detect::f64_values(&frame, "review_h")?;
        let merge = crate::detect::f64_values(&frame, "merge_h")?;
        for i in 0..frame.height() {
            let Some(week_start) = starts[i] else {
                continue;
            };
            weeks.push(super::charts::WeekPhases {
                week_start,
                coding_h: coding[i].unwrap_or(0.0),
                pickup_h: pickup[i].unwrap_or(0.0),
                review_h: review[i].unwrap_or(0.0),
                merge_h: merge[i].unwrap_or(0.0),
                prs: prs[i].unwrap_or(0.0) as u32,
            });
        }
    }
    drawn.push(super::charts::cycle_phases_by_week(
        dir,
        "Cycle-time phases of PRs merged each week (median hours)",
        &weeks,
    )?);

    drawn.push(super::charts::output_outcome_by_month(
        dir,
        "Output beside outcome: PRs merged and cycle time per team",
        &team_series(metrics, month)?,
    )?);
    Ok(drawn)
}

fn review_matrix(
    metrics: &Metrics,
    month: Month,
    roster: &Roster,
) -> Result<super::charts::ReviewMatrix, ReportError> {
    let pairs = crate::detect::for_month(metrics.get("review_pairs"), month)?;
    let mut matrix = super::charts::ReviewMatrix {
        reviewers: Vec::new(),
        authors: Vec::new(),
        counts: Vec::new(),
        managers: Vec::new(),
    };
    if pairs.height() == 0 {
        return Ok(matrix);
    }
    let reviewers = crate::detect::str_values(&pairs, "reviewer")?;
    let authors = crate::detect::str_values(&pairs, "author")?;
    let counts = crate::detect::f64_values(&pairs, "reviews")?;
    let busiest = |names: &[Option<String>]| {
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for (name, count) in names.iter().zip(&counts) {
            if let Some(name) = name {
                *totals.entry(name.clone()).or_default() += count.unwrap_or(0.0);
            }
        }
        let mut ranked: Vec<(String, f64)> = totals.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut top: Vec<String> = ranked
            .into_iter()
            .take(CHART_PEOPLE)
            .map(|(n, _)| n)
            .collect();
        top.sort_by_key(|name| {
            (
                roster.people.get(name).map(|e| e.team.clone()),
                name.clone(),
            )
        });
        top
    };
    matrix.reviewers = busiest(&reviewers);
    matrix.authors = busiest(&authors);
    matrix.counts = vec![vec![0; matrix.authors.len()]; matrix.reviewers.len()];
    for i in 0..pairs.height() {
        let (Some(reviewer), Some(author)) = (&reviewers[i], &authors[i]) else {
            continue;
        };
        let (Some(r), Some(a)) = (
            matrix.reviewers.iter().position(|x| x == reviewer),
            matrix.authors.iter().position(|x| x == author),
        ) else {
            continue;
        };
        matrix.counts[r][a] += counts[i].unwrap_or(0.0) as u32;
    }
    matrix.managers = matrix
        .reviewers
        .iter()
        .chain(&matrix.authors)
        .filter(|p| roster.is_manager(p))
        .cloned()
        .collect();
    matrix.managers.sort();
    matrix.managers.dedup();
    Ok(matrix)
}

fn team_series(
    metrics: &Metrics,
    month: Month,
) -> Result<Vec<super::charts::TeamSeries>, ReportError> {
    let outcomes = metrics.get("outcome_monthly");
    if outcomes.height() == 0 {
        return Ok(Vec::new());
    }
    let months: Vec<String> = month
        .trailing(TREND_MONTHS)
        .iter()
        .map(Month::to_string)
        .collect();
    let teams = crate::detect::str_values(outcomes, "team")?;
    let month_of = crate::detect::str_values(outcomes, "month")?;
    let merged = crate::detect::f64_values(outcomes, "prs_merged")?;
    let p50 = crate::detect::f64_values(outcomes, "cycle_p50_h")?;
    let p90 = crate::detect::f64_values(outcomes, "cycle_p90_h")?;
    let mut by_team: BTreeMap<String, BTreeMap<String, super::charts::MonthFigures>> =
        BTreeMap::new();
    for i in 0..outcomes.height() {
        let (Some(team), Some(m)) = (&teams[i], &month_of[i]) else {
            continue;
        };
        if !months.contains(m) || merged[i].unwrap_or(0.0) == 0.0 {
            continue;
        }
        by_team.entry(team.clone()).or_default().insert(
            m.clone(),
            super::charts::MonthFigures {
                month: m.clone(),
                prs_merged: merged[i].unwrap_or(0.0) as u32,
                cycle_p50_h: p50[i],
                cycle_p90_h: p90[i],
            },
        );
    }
    Ok(by_team
        .into_iter()
        .map(|(team, figures)| super::charts::TeamSeries {
            team,
            months: months
                .iter()
                .map(|m| {
                    figures.get(m).map_or_else(
                        || super::charts::MonthFigures {
                            month: m.clone(),
                            prs_merged: 0,
                            cycle_p50_h: None,
                            cycle_p90_h: None,
                        },
                        |f| super::charts::MonthFigures {
                            month: f.month.clone(),
                            prs_merged: f.prs_merged,
                            cycle_p50_h: f.cycle_p50_h,
                            cycle_p90_h: f.cycle_p90_h,
                        },
                    )
                })
                .collect(),
        })
        .collect())
}
