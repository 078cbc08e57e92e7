//! Assembling [`ReportData`] and writing the report files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use super::present::ReportFinding;
use super::privacy::{Audience, Names};
use super::stuck::StuckItems;
use crate::config::Clock;
use crate::detect::{Finding, FindingKind, NotJudged, Outcome, Period, Severity};
use crate::identity::Roster;
use crate::metrics::Metric;
use crate::metrics::Metrics;
use crate::period::{Month, MonthSpan};

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
    #[error(
        "{} is a file, not a folder: give --out a folder for the report (the file is left as \
         it is)",
        path.display()
    )]
    OutIsFile { path: PathBuf },
    /// Space ran out mid-write: the report is written in a staging folder beside `--out` and
    /// takes its place only once whole, so an earlier report there is untouched.
    #[error(
        "{path}: {source}: the disk is full (or a quota or file-size limit was reached); an \
         earlier report in that folder is left as it was: free some space and run it again"
    )]
    NoSpace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Out(#[from] crate::out_dir::OutError),
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error(transparent)]
    Chart(super::charts::ChartError),
    #[error("preparing the report: {0}")]
    Data(#[from] PolarsError),
    #[error(transparent)]
    Metric(#[from] crate::metrics::MetricsError),
    #[error("no team is called `{team}`: the teams are {teams}")]
    UnknownTeam { team: String, teams: String },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| {
        let path = path.to_path_buf();
        if crate::store::is_out_of_space(&source) {
            ReportError::NoSpace { path, source }
        } else {
            ReportError::Io { path, source }
        }
    }
}

impl From<super::charts::ChartError> for ReportError {
    /// A chart that could not be written for want of space is said as such.
    fn from(error: super::charts::ChartError) -> ReportError {
        match error {
            super::charts::ChartError::Io { path, source, .. }
                if crate::store::is_out_of_space(&source) =>
            {
                ReportError::NoSpace { path, source }
            }
            other => ReportError::Chart(other),
        }
    }
}

/// How many months of trend the charts, the trend table and the JSON trend carry.
const TREND_MONTHS: usize = 6;
/// Weeks of cycle-time phases shown (about a quarter).
const PHASE_WEEKS: usize = 13;
/// Months before the period's first that the report reads (`analysis::Window`): the month its
/// tables compare with, and its trend months and cycle-time weeks, which end with the period's
/// last month and so reach no further back from its first.
pub const LOOKBACK_MONTHS: usize = {
    let trend = TREND_MONTHS - 1;
    // Thirteen weeks reach into at most this many months before the last one.
    let weeks = (PHASE_WEEKS * 7).div_ceil(28);
    if trend > weeks { trend } else { weeks }
};
/// The most people a review chart shows (the busiest first).
const CHART_PEOPLE: usize = 20;
/// The most team panels the output-beside-outcome chart draws (those that merged the most; the
/// CSV behind it keeps every team). Without a limit, a 300-team organisation's chart was a PNG
/// of 1,920 × 55,000 pixels that viewers refuse to open.
const CHART_TEAMS: usize = 12;
/// The most reviewers the report's reviewer table lists; a larger organisation's table shows
/// only the people its findings name.
const REVIEW_TABLE_PEOPLE: usize = 40;
/// How many stuck PRs and tickets the report lists.
const STUCK_ITEMS: usize = 10;
/// Working hours the heatmap shades as such (the roster's default; each person's own hours decide
/// the after-hours shares in the tables).
const WORK_START: u32 = 9;
const WORK_END: u32 = 18;

/// Finding kinds about one person's health, shown to a team audience only as team counts.
pub const HEALTH_KINDS: [FindingKind; 2] = [FindingKind::BurnoutRisk, FindingKind::AttritionRisk];

/// Everything the report is made from.
pub struct ReportInput<'a> {
    pub span: MonthSpan,
    pub metrics: &'a Metrics,
    pub tables: &'a BTreeMap<&'static str, LazyFrame>,
    pub outcome: Outcome,
    pub coverage: Coverage,
    pub roster: &'a Roster,
    pub audience: Audience,
    /// Names as they are, or pseudonyms (`--anonymize`).
    pub names: &'a Names,
    /// The thresholds the detectors ran with, shown beside the figures held to them.
    pub thresholds: &'a crate::config::Thresholds,
    /// Findings of the period the team has acknowledged (`teamlens ack`), listed apart.
    pub acknowledged: Vec<Acknowledged>,
    /// Acknowledgements whose last month is the period's last or the one after: what the
    /// retro brings up again.
    pub expiring: Vec<Acknowledged>,
    /// The teams the report is about (`--team`); empty for the whole organisation.
    pub scope: &'a [String],
    /// What was read when the tables were narrowed to `scope` (`crate::scope`): the report
    /// leaves out what only the whole organisation gives, and says so.
    pub narrowed: Option<&'a crate::scope::Narrowed>,
    /// For a team audience, the fewest people with activity a team needs for its count of a
    /// per-person health signal to be shown (`[report] min_group_size`).
    pub min_group_size: usize,
    /// What the waits lead with (`[report] clock`).
    pub clock: Clock,
}

/// A finding the team has acknowledged, or an acknowledgement about to expire (then
/// `headline` is empty): what the report and the retro say about it.
#[derive(Debug, Clone, Serialize)]
pub struct Acknowledged {
    pub kind: FindingKind,
    pub subject: String,
    pub headline: String,
    /// The last month the acknowledgement holds.
    pub until: String,
    pub reason: String,
    /// The team it is about (a `team:` subject's, or the person's primary team), for a team's
    /// view; not in report.json.
    #[serde(skip)]
    pub team: String,
}

/// The version of `report.json`'s shape. It rises when a field is added or its meaning
/// changes; a field is never removed or renamed (`tests/example_report.rs` holds every key the
/// first versioned report had). 1 was the report before the number; 2 added it, the findings'
/// words (`team`, `title`, `figures_shown`, `notes`, `deciding`, `links_label`, `basis_text`),
/// the summary's `question` and `kind`, the trends' usual swing and `signal`, the stuck tickets'
/// time in their status and the reviewers' team; 3 added `acknowledged` and `expiring`; 4 added
/// `scope` and `teams`; 5 added `clock`, `coverage.calendars`, every wait on the working clock
/// beside the wall clock's (`*_wh` beside `*_h`), time in status (`metrics.time_in_status`,
/// `metrics.time_in_status_category`) and DORA's four keys (`delivery`,
/// `metrics.delivery_by_team`, `metrics.delivery_trend`, the trends' `dora_band` and `source`,
/// the coverage's `deployments`), and changed what `change_failure_rate` means in
/// `metrics.outcome_by_team`, `metrics.organisation`, the trends and their
/// `org_trend`/`outcome_trend` rows: DORA's failed deployments over deployments, where it was
/// the share of merged PRs that failed, now `pr_failure_rate`; 6 added AI-assisted work:
/// `metrics.ai_assisted_share` (per team and month, the share of merged PRs and changed lines
/// made with an assistant or by an agent, null where nothing was recorded) and
/// `metrics.ai_side_by_side` (`ai_monthly`'s rows with Wilson intervals and sample notes); 7
/// added `trends_of` and made a one-team view's `trends` the team's own (they were the
/// organisation's); 8 added `narrowed` (a team's report read from the team's rows alone, and
/// what it leaves out).
pub const SCHEMA_VERSION: u32 = 8;

/// Everything the templates and `report.json` show. Field names are the JSON contract.
#[derive(Debug, Serialize)]
pub struct ReportData {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    pub period: Period,
    /// The last month of the period (the month of a monthly report).
    pub month: String,
    /// Every month of the period, oldest first.
    pub months: Vec<String>,
    /// `2026-10`, or `2026-07 to 2026-09`.
    pub label: String,
    pub version: &'static str,
    pub audience: Audience,
    pub anonymized: bool,
    /// False when nothing was merged or resolved in the period.
    pub active: bool,
    /// The teams this report is about (`--team`); empty for the whole organisation.
    pub scope: Vec<String>,
    /// For a report of some teams read from the rows they need alone (`crate::scope`): what it
    /// read and what it leaves out (`left_out`, by these fields' names: figures only the whole
    /// organisation gives). `null` when the whole organisation was analysed.
    pub narrowed: Option<crate::scope::Narrowed>,
    /// `[report] min_group_size`, which the team audience's health counts are held to.
    #[serde(skip)]
    min_group_size: usize,
    /// The clock the waits lead with (`[report] clock`); every wait is in the metric rows on
    /// both clocks (`*_h` wall-clock, `*_wh` working hours).
    pub clock: ClockView,
    /// The three things that matter most, each pointing at its evidence.
    pub summary: Vec<SummaryItem>,
    /// The organisation's teams at a glance: findings and headline figures, each linked to its
    /// page in the HTML. Empty in a team's view.
    pub teams: Vec<TeamRow>,
    pub findings: Vec<ReportFinding>,
    /// Findings the team has acknowledged (`teamlens ack`), with the reason and until when.
    pub acknowledged: Vec<Acknowledged>,
    /// Acknowledgements that end with this period or the month after.
    pub expiring: Vec<Acknowledged>,
    /// For a team audience: per-person health findings, counted per team without names.
    pub team_signals: Vec<TeamSignal>,
    pub not_judged: Vec<NotJudged>,
    /// The team of each of `not_judged`, for a team's view.
    #[serde(skip)]
    not_judged_teams: Vec<String>,
    /// How each kind of finding in the report did on real histories (`teamlens validate`), so
    /// the reader knows how often such a finding appears and, where measured, holds up.
    pub track_records: Vec<TrackRecord>,
    /// Each headline metric over the last months, with the change from the month before.
    pub trends: Vec<Trend>,
    /// Whose headline metrics `trends` are: `organisation`, or the team's name in a one-team
    /// view (`report --team`, a team's page, a team's retro), whose trends are its own.
    pub trends_of: String,
    /// Each team's own trends (by its name as shown), which a one-team view takes for its
    /// `trends`, with the series its trend chart draws.
    #[serde(skip)]
    team_trends: BTreeMap<String, (Vec<Trend>, Vec<super::charts::TrendSeries>)>,
    /// DORA's four keys in the period's last month, with their bands and sources, and the
    /// deployments that failed.
    pub delivery: super::delivery::Delivery,
    pub stuck: StuckItems,
    pub metrics: BTreeMap<String, Vec<serde_json::Value>>,
    pub coverage: Coverage,
    /// Chart name → relative path of its SVG (what the Markdown links to).
    pub charts: BTreeMap<String, String>,
    /// The CSV files under `data/`, one per table or chart.
    pub data_files: Vec<String>,
    #[serde(skip)]
    outcomes: Vec<serde_json::Value>,
    #[serde(skip)]
    output: Vec<serde_json::Value>,
    #[serde(skip)]
    review_waits: Vec<serde_json::Value>,
    /// The reviewers the report's table shows: all of them, or in a large organisation only
    /// those a finding names; and the sentence that says which.
    #[serde(skip)]
    review_table: Vec<serde_json::Value>,
    #[serde(skip)]
    review_table_note: String,
    #[serde(skip)]
    health: Vec<serde_json::Value>,
    #[serde(skip)]
    health_trends: Vec<serde_json::Value>,
    /// Time in each ticket status in the period, per team (`time_in_status`), for the CSV.
    #[serde(skip)]
    time_in_status: Vec<serde_json::Value>,
    /// The statuses that held each team's open work longest in the report's month: the table.
    #[serde(skip)]
    status_table: Vec<serde_json::Value>,
    #[serde(skip)]
    user_metrics: Vec<serde_json::Value>,
    /// Every row of each of the user's metrics in the period, for `data/user_<name>.csv`.
    #[serde(skip)]
    user_rows: Vec<(String, Vec<serde_json::Value>)>,
    #[serde(skip)]
    chart_inputs: ChartInputs,
}

/// Rows of a user's metric `report.json` carries at most: a per-PR metric of a large organisation
/// is hundreds of thousands of rows, which belong in its CSV file, not in every report.json.
const USER_METRIC_JSON_ROWS: usize = 1_000;

/// One of the summary's points: what, how serious, and the anchor of its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryItem {
    /// What was seen: a finding's heading, a health signal, a trend.
    pub title: String,
    /// The figures that decide it, each against its threshold and usual level.
    pub text: String,
    pub severity: Severity,
    /// `finding-N`, `team-signals` or `trends`.
    pub anchor: String,
    /// The finding's question for the team; empty for a trend or a health signal.
    pub question: String,
    /// The kind of finding or health signal; `None` for a trend.
    pub kind: Option<FindingKind>,
}

/// One team in the organisation report's table of teams.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRow {
    pub team: String,
    /// Its findings (acknowledged ones apart) and the most severe of them.
    pub findings: usize,
    pub most_severe: Option<Severity>,
    /// Its PRs merged and median cycle time in the period's last month.
    pub prs_merged: Option<f64>,
    pub cycle_p50_h: Option<f64>,
    pub cycle_p50_text: String,
    /// Its page in the HTML report, relative to report.html (`teams/<name>.html`).
    pub page: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackRecord {
    pub kind: FindingKind,
    pub text: String,
}

/// Per-person health findings of one kind in one team, without names: shown to a team audience
/// only for a team of at least `[report] min_group_size` people with activity.
#[derive(Debug, Clone, Serialize)]
pub struct TeamSignal {
    pub kind: FindingKind,
    pub team: String,
    pub people: usize,
    pub severity: Severity,
}

/// A headline metric over the trend months.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub metric: String,
    pub label: String,
    pub unit: String,
    pub months: Vec<String>,
    pub values: Vec<Option<f64>>,
    pub current: Option<f64>,
    pub previous: Option<f64>,
    /// The current value as shown (`31.2 h`, `4.1 %`, `245`).
    pub current_text: String,
    pub previous_text: String,
    /// `+3.1 h`, `−0.4 pp`; empty when either month has no value.
    pub change_text: String,
    /// `better`, `worse` or `same`; empty when a change has no good direction (output).
    pub direction: String,
    /// The largest change from one month to the next over the trend months before the month
    /// before: the metric's usual variation. `None` with fewer than two such changes.
    pub usual_change: Option<f64>,
    /// `1.5 h`; empty when there is no usual variation to compare with.
    pub usual_change_text: String,
    /// `better` or `worse` when the change is larger than the usual variation, so it deserves a
    /// mark; empty otherwise (a change within what the metric does month to month is noise).
    pub signal: String,
    /// Unicode sparkline, for Markdown.
    pub spark: String,
    /// For one of DORA's four keys, the band of the current value (`elite`, `high`, `medium`,
    /// `low`); empty for the other metrics or without a value.
    pub dora_band: String,
    /// For one of DORA's four keys, where its definition is; empty for the other metrics.
    pub source: String,
}

/// What the charts are drawn from; also written to `data/*.csv`.
#[derive(Debug, Clone, Default)]
struct ChartInputs {
    /// Every reviewer's share, by team and name; the chart and its data show the busiest
    /// ([`busiest_shares`]) of the view's, so that a team's view shows its own reviewers.
    shares: Vec<super::charts::ReviewShare>,
    matrix: Option<super::charts::ReviewMatrix>,
    weeks: Vec<super::charts::WeekPhases>,
    teams: Vec<super::charts::TeamSeries>,
    heatmap: Option<super::charts::WeekHeatmap>,
    trends: Vec<super::charts::TrendSeries>,
    /// AI-assisted and other PRs over the trend months: the organisation's (from `ai_prs`, so a
    /// PR of a person in two teams counts once) and each team's (from `ai_monthly`), for a view
    /// of some teams.
    ai: Vec<super::charts::AiMonth>,
    ai_by_team: BTreeMap<String, Vec<super::charts::AiMonth>>,
}

/// What the report rests on: sources, table sizes, the span of activity, what was excluded.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub sources: Vec<String>,
    pub tables: Vec<TableCount>,
    pub first_activity: Option<String>,
    pub last_activity: Option<String>,
    pub bots: Vec<String>,
    /// Rows left out of the metrics, by what they were.
    pub excluded: Vec<TableCount>,
    /// Teams assumed because the roster names none: one per repository.
    pub assumed_teams: Vec<String>,
    /// What the deployments DORA's keys count rest on: the environments counted, the sources
    /// that recorded none, the other environments seen.
    pub deployments: super::delivery::DeploymentCoverage,
    /// Accounts merged into the person they belong to (`teamlens people --merged`).
    pub merged_accounts: usize,
    /// Tickets the tracker refused to a fetch (deleted, or hidden by issue security): their
    /// rows are missing or as an earlier fetch read them.
    pub unreadable: Vec<String>,
    /// Whose working calendar the working clock used: the roster's, or the organisation's.
    pub calendars: CalendarCoverage,
}

/// Who the working clock could place: a wait is counted in the working time of the person
/// waited on, from their roster entry, or the organisation's `[calendar]` when it gives none.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalendarCoverage {
    /// People the roster gives a time zone or working hours.
    pub placed: usize,
    /// People on the organisation's calendar.
    pub unplaced: usize,
    /// The organisation's calendar in words: zone, hours, weekend, holidays.
    pub default_calendar: String,
}

/// The clock the report's waits lead with, and the columns of each wait on it: the templates
/// read a row's wait as `r[clock.pickup]`, so one template serves both clocks.
#[derive(Debug, Clone, Serialize)]
pub struct ClockView {
    /// `working` or `wall`.
    pub name: &'static str,
    /// `working hours` or `wall-clock hours`, as the tables say it.
    pub label: &'static str,
    pub pickup: &'static str,
    pub review: &'static str,
    pub merge: &'static str,
    pub wait_p50: &'static str,
    pub wait_p90: &'static str,
    pub blocking: &'static str,
    /// A ticket status's median, p90 and total time (`time_in_status`).
    pub status_p50: &'static str,
    pub status_p90: &'static str,
    pub status_held: &'static str,
}

impl ClockView {
    pub fn new(clock: Clock) -> ClockView {
        let working = clock == Clock::Working;
        let pick = |wall: &'static str, work: &'static str| if working { work } else { wall };
        ClockView {
            name: clock.name(),
            label: clock.label(),
            pickup: pick("pickup_p50_h", "pickup_p50_wh"),
            review: pick("review_p50_h", "review_p50_wh"),
            merge: pick("merge_p50_h", "merge_p50_wh"),
            wait_p50: pick("wait_p50_h", "wait_p50_wh"),
            wait_p90: pick("wait_p90_h", "wait_p90_wh"),
            blocking: pick("blocking_h", "blocking_wh"),
            status_p50: pick("p50_h", "p50_wh"),
            status_p90: pick("p90_h", "p90_wh"),
            status_held: pick("ticket_hours", "ticket_working_hours"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    pub name: String,
    pub rows: usize,
}

/// The headline metrics of the trends: column of `org_monthly`, label, unit, whether lower is
/// better (`None`: output, which has no better direction).
const HEADLINES: &[(&str, &str, Unit, Option<bool>)] = &[
    ("prs_merged", "PRs merged", Unit::Count, None),
    (
        "repo_deploys_per_week_p50",
        "Deploys a week",
        Unit::Rate,
        Some(false),
    ),
    ("cycle_p50_h", "Cycle time p50", Unit::Hours, Some(true)),
    ("cycle_p90_h", "Cycle time p90", Unit::Hours, Some(true)),
    ("pickup_p50_h", "Review pickup p50", Unit::Hours, Some(true)),
    ("lead_time_p50_h", "Lead time p50", Unit::Hours, Some(true)),
    (
        "change_failure_rate",
        "Change failure rate",
        Unit::Share,
        Some(true),
    ),
    (
        "recovery_p50_h",
        "Recovery time p50",
        Unit::Hours,
        Some(true),
    ),
    ("reopen_rate", "Reopened tickets", Unit::Share, Some(true)),
    (
        "after_hours_share",
        "After-hours activity",
        Unit::Share,
        Some(true),
    ),
];

#[derive(Debug, Clone, Copy)]
enum Unit {
    Count,
    /// A count per period, with a decimal: deployments a week.
    Rate,
    Hours,
    Share,
}

impl Unit {
    fn axis(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Rate => "a week",
            Unit::Hours => "hours",
            Unit::Share => "%",
        }
    }
    fn show(self, value: Option<f64>) -> String {
        match value {
            None => "—".into(),
            Some(v) => match self {
                Unit::Count => format!("{v:.0}"),
                Unit::Rate => format!("{v:.1}"),
                Unit::Hours => format!("{v:.1} h"),
                Unit::Share => format!("{:.1} %", v * 100.0),
            },
        }
    }
    fn change(self, delta: f64) -> String {
        let sign = if delta > 0.0 { "+" } else { "−" };
        format!("{sign}{}", self.size(delta.abs()))
    }
    /// A size of change without a sign: `1.3 h`, `2.2 pp`.
    fn size(self, size: f64) -> String {
        match self {
            Unit::Count => format!("{size:.0}"),
            Unit::Rate => format!("{size:.1}"),
            Unit::Hours => format!("{size:.1} h"),
            Unit::Share => format!("{:.1} pp", size * 100.0),
        }
    }
    /// Values plotted: shares as percentages.
    fn plotted(self, value: f64) -> f64 {
        match self {
            Unit::Share => value * 100.0,
            _ => value,
        }
    }
}

/// `▁▃▅█` for a series; a gap where a month has no value.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let low = present.iter().copied().fold(f64::MAX, f64::min);
    let high = present.iter().copied().fold(f64::MIN, f64::max);
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) if high - low < 1e-9 => BARS[3],
            Some(v) => BARS[(((v - low) / (high - low)) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

fn rows_in(frame: &DataFrame, months: &[String]) -> Result<DataFrame, ReportError> {
    if frame.height() == 0 || frame.column("month").is_err() {
        return Ok(frame.clone());
    }
    Ok(frame
        .clone()
        .lazy()
        .filter(col("month").is_in(
            lit(Series::new("m".into(), months.to_vec())).implode(true),
            false,
        ))
        .collect()?)
}

impl ReportData {
    /// Selects the period's rows of every metric, the trends before it, the stuck items at its
    /// end, and applies the audience and the names.
    pub fn assemble(input: ReportInput) -> Result<ReportData, ReportError> {
        let ReportInput {
            span,
            metrics,
            tables,
            outcome,
            coverage,
            roster,
            audience,
            names,
            thresholds,
            acknowledged,
            expiring,
            scope,
            narrowed,
            min_group_size,
            clock,
        } = input;
        if !scope.is_empty() {
            let known = roster.teams();
            if let Some(team) = scope.iter().find(|t| !known.contains(&t.as_str())) {
                return Err(ReportError::UnknownTeam {
                    team: team.clone(),
                    teams: known.join(", "),
                });
            }
        }
        let month = span.last;
        let months: Vec<String> = span.months().iter().map(Month::to_string).collect();
        // Tables show the period and the month before it, for comparison.
        let mut compared = vec![span.first.previous().to_string()];
        compared.extend(months.iter().cloned());
        let in_period = |metric: Metric| rows_in(metrics.get(metric), &months);
        let period_rows = in_period(Metric::OutcomeMonthly)?;
        let output_rows = in_period(Metric::OutputMonthly)?;
        let active = period_rows.height() > 0 || output_rows.height() > 0;
        let anonymous = |mut rows: Vec<serde_json::Value>| {
            rows.iter_mut().for_each(|r| names.json(r));
            rows
        };
        let outcomes = anonymous(rows(&rows_in(
            metrics.get(Metric::OutcomeMonthly),
            &compared,
        )?)?);
        let output = anonymous(rows(&rows_in(
            metrics.get(Metric::OutputMonthly),
            &compared,
        )?)?);
        // Grouped by team and sorted by name once names are as shown: never by a figure.
        let mut review_waits = anonymous(reviewer_waits(&in_period(Metric::ReviewWaits)?, roster)?);
        review_waits.sort_by_cached_key(|row| {
            let text = |key: &str| row[key].as_str().unwrap_or_default().to_string();
            (text("team"), text("reviewer"))
        });
        let health = anonymous(rows(&rows_in(
            metrics.get(Metric::TeamHealthMonthly),
            &compared,
        )?)?);

        let trend_months: Vec<String> = month
            .trailing(TREND_MONTHS)
            .iter()
            .map(Month::to_string)
            .collect();
        let trend = |metric: Metric| -> Result<Vec<serde_json::Value>, ReportError> {
            Ok(anonymous(rows(&rows_in(
                metrics.get(metric),
                &trend_months,
            )?)?))
        };
        let (trends, trend_series) = headline_trends(
            metrics.get(Metric::OrgMonthly),
            &trend_months,
            clock,
            Whose::Organisation,
        )?;
        let team_trends = team_trend_frames(metrics, &trend_months)?
            .into_iter()
            .map(|(team, frame)| {
                let trends = headline_trends(&frame, &trend_months, clock, Whose::Team)?;
                Ok((names.text(&team), trends))
            })
            .collect::<Result<BTreeMap<_, _>, ReportError>>()?;
        let health_trends =
            team_health_trends(metrics.get(Metric::TeamHealthMonthly), &trend_months)?;

        let mut metric_rows = BTreeMap::new();
        metric_rows.insert("outcome_by_team".into(), rows_to_json(&period_rows, names)?);
        metric_rows.insert("output_by_team".into(), rows_to_json(&output_rows, names)?);
        metric_rows.insert(
            "organisation".into(),
            rows_to_json(&in_period(Metric::OrgMonthly)?, names)?,
        );
        metric_rows.insert("outcome_trend".into(), trend(Metric::OutcomeMonthly)?);
        metric_rows.insert("output_trend".into(), trend(Metric::OutputMonthly)?);
        metric_rows.insert("org_trend".into(), trend(Metric::OrgMonthly)?);
        metric_rows.insert(
            "team_health_trend".into(),
            trend(Metric::TeamHealthMonthly)?,
        );
        metric_rows.insert(
            "review_load".into(),
            rows_to_json(&in_period(Metric::ReviewLoad)?, names)?,
        );
        metric_rows.insert(
            "delivery_by_team".into(),
            rows_to_json(&in_period(Metric::DeliveryMonthly)?, names)?,
        );
        metric_rows.insert("delivery_trend".into(), trend(Metric::DeliveryMonthly)?);
        let delivery = super::delivery::Delivery::assemble(
            metrics,
            &month.to_string(),
            &months,
            &coverage.deployments.environments,
        )?;
        metric_rows.insert("review_waits_by_reviewer".into(), review_waits.clone());
        let ai_side = super::ai::side_by_side(rows_to_json(&in_period(Metric::AiMonthly)?, names)?);
        metric_rows.insert("ai_assisted_share".into(), super::ai::shares(&ai_side));
        metric_rows.insert("ai_side_by_side".into(), ai_side);
        let time_in_status = anonymous(rows(&in_period(Metric::TimeInStatus)?)?);
        let status_table = longest_statuses(&time_in_status, &month.to_string(), clock);
        metric_rows.insert("time_in_status".into(), time_in_status.clone());
        metric_rows.insert(
            "time_in_status_category".into(),
            anonymous(rows(&in_period(Metric::TimeInStatusCategory)?)?),
        );
        let mut user_metrics = Vec::new();
        let mut user_rows = Vec::new();
        for name in &metrics.user_metrics {
            let rows = rows_to_json(&rows_in(metrics.named(name)?, &months)?, names)?;
            let in_json = rows.len().min(USER_METRIC_JSON_ROWS);
            user_metrics.push(serde_json::json!({
                "name": name,
                "rows": rows.len(),
                "in_json": in_json,
                "csv": format!("data/user_{name}.csv"),
            }));
            metric_rows.insert(format!("user:{name}"), rows[..in_json].to_vec());
            user_rows.push((name.clone(), rows));
        }

        let group_sizes =
            people_active(metrics.get(Metric::TeamHealthMonthly), &month.to_string())?;
        let (findings, team_signals, not_judged) =
            audience_view(outcome, audience, roster, &group_sizes, min_group_size);
        let not_judged_teams: Vec<String> = not_judged
            .iter()
            .map(|n| names.text(&team_of_subject(&n.subject, roster)))
            .collect();
        let findings = findings
            .into_iter()
            .map(|f| {
                let team = team_of_subject(&f.subject, roster);
                Ok(ReportFinding::new(
                    rename_finding(f, names)?,
                    names.text(&team),
                    thresholds,
                ))
            })
            .collect::<Result<Vec<_>, ReportError>>()?;
        let mut not_judged: Vec<NotJudged> = not_judged;
        for n in &mut not_judged {
            n.subject = names.text(&n.subject);
            n.reason = names.text(&n.reason);
        }
        let (review_table, review_table_note) = review_table(&review_waits, &findings);
        let summary = summarise(&findings, &team_signals, &trends);
        let track_records = findings
            .iter()
            .map(|f| f.finding.kind)
            .chain(team_signals.iter().map(|t| t.kind))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter_map(|kind| {
                crate::detect::record::track_record(kind).map(|text| TrackRecord { kind, text })
            })
            .collect();

        let teams: BTreeMap<String, String> = roster
            .people
            .iter()
            .map(|(p, e)| (p.clone(), e.team.clone()))
            .collect();
        let mut stuck = crate::measure::timed("report: stuck items", || {
            super::stuck::collect(
                tables,
                &teams,
                &coverage.bots,
                month.last_day(),
                STUCK_ITEMS,
            )
        })?;
        stuck.rename(|p| names.person(p), |t| names.text(t));
        let team_rows = team_table(
            roster,
            &findings,
            &metric_rows["outcome_by_team"],
            &month.to_string(),
            names,
        );

        // A team's view shows who reviewed its PRs.
        let team_pairs = match scope {
            [] => in_period(Metric::ReviewPairs)?,
            teams => {
                let members: Vec<String> = teams
                    .iter()
                    .flat_map(|t| roster.members(t))
                    .map(str::to_string)
                    .collect();
                let members = Series::new("members".into(), members);
                in_period(Metric::ReviewPairs)?
                    .lazy()
                    .filter(col("author").is_in(lit(members).implode(true), false))
                    .collect()?
            }
        };
        let chart_inputs = ChartInputs {
            shares: review_shares(&in_period(Metric::ReviewLoad)?, roster, names)?,
            matrix: Some(review_matrix(&team_pairs, roster, names)?),
            weeks: phase_weeks(metrics.get(Metric::PhasesWeekly), month)?,
            teams: team_series(metrics.get(Metric::OutcomeMonthly), &trend_months)?,
            heatmap: Some(week_heatmap(&in_period(Metric::ActivityHeatmap)?)?),
            trends: trend_series,
            ai: ai_months_of_prs(metrics.get(Metric::AiPrs), &trend_months)?,
            ai_by_team: ai_months_by_team(metrics.get(Metric::AiMonthly), &trend_months)?,
        };
        let mut coverage = coverage;
        coverage.bots = coverage.bots.iter().map(|b| names.text(b)).collect();
        coverage.assumed_teams = coverage
            .assumed_teams
            .iter()
            .map(|t| names.text(t))
            .collect();

        let known_teams = roster.teams();
        let with_team = |list: Vec<Acknowledged>| -> Vec<Acknowledged> {
            list.into_iter()
                .map(|a| {
                    let team = if known_teams.contains(&a.subject.as_str()) {
                        a.subject.clone()
                    } else {
                        team_of_subject(&a.subject, roster)
                    };
                    Acknowledged {
                        team: names.text(&team),
                        ..a
                    }
                })
                .collect()
        };
        let data = ReportData {
            schema_version: SCHEMA_VERSION,
            period: Period {
                from: span.first.first_day(),
                to: span.last.last_day(),
            },
            month: month.to_string(),
            months,
            label: span.label(),
            version: env!("CARGO_PKG_VERSION"),
            audience,
            anonymized: names.is_anonymous(),
            active,
            scope: Vec::new(),
            narrowed: None,
            min_group_size,
            clock: ClockView::new(clock),
            summary,
            teams: team_rows,
            findings,
            acknowledged: visible_acknowledged(with_team(acknowledged), audience, names),
            expiring: visible_acknowledged(with_team(expiring), audience, names),
            team_signals,
            track_records,
            not_judged,
            not_judged_teams,
            trends,
            trends_of: ORGANISATION.to_string(),
            team_trends,
            delivery,
            stuck,
            metrics: metric_rows,
            coverage,
            charts: BTreeMap::new(),
            data_files: Vec::new(),
            outcomes,
            output,
            review_waits,
            review_table,
            review_table_note,
            health,
            health_trends,
            time_in_status,
            status_table,
            user_metrics,
            user_rows,
            chart_inputs,
        };
        let data = match scope {
            [] => data,
            teams => data.scoped(&teams.iter().map(|t| names.text(t)).collect::<Vec<_>>()),
        };
        Ok(match narrowed {
            Some(narrowed) => data.without_organisation(narrowed, names),
            None => data,
        })
    }
}

impl ReportData {
    /// The findings by the team they are about, each team's in report order (most severe
    /// first): what a per-team view shows. Findings about no known team come under "".
    pub fn findings_by_team(&self) -> BTreeMap<&str, Vec<&ReportFinding>> {
        let mut teams: BTreeMap<&str, Vec<&ReportFinding>> = BTreeMap::new();
        for finding in &self.findings {
            teams
                .entry(finding.team.as_str())
                .or_default()
                .push(finding);
        }
        teams
    }

    /// AI-assisted and other merged PRs per trend month, of the teams this view shows.
    pub(crate) fn ai_months(&self) -> &[super::charts::AiMonth] {
        &self.chart_inputs.ai
    }

    /// The view of some teams (names as the report shows them): their findings, health signals,
    /// acknowledgements, stuck items, metric rows and per-team charts. One team's view has the
    /// team's own headline trends; several teams' keep the organisation's, which the report
    /// then labels organisation-wide (a median of several teams' medians is no one's median).
    /// The summary is made again from what is left.
    pub fn scoped(&self, teams: &[String]) -> ReportData {
        let ours = |team: &str| teams.iter().any(|t| t == team);
        let rows = |rows: &[serde_json::Value]| -> Vec<serde_json::Value> {
            rows.iter()
                .filter(|r| r.get("team").and_then(|t| t.as_str()).is_none_or(ours))
                .cloned()
                .collect()
        };
        let findings: Vec<ReportFinding> = self
            .findings
            .iter()
            .filter(|f| ours(&f.team))
            .cloned()
            .collect();
        let team_signals: Vec<TeamSignal> = self
            .team_signals
            .iter()
            .filter(|s| ours(&s.team))
            .cloned()
            .collect();
        let (not_judged, not_judged_teams): (Vec<NotJudged>, Vec<String>) = self
            .not_judged
            .iter()
            .zip(&self.not_judged_teams)
            .filter(|(_, team)| ours(team))
            .map(|(n, t)| (n.clone(), t.clone()))
            .unzip();
        let review_waits = rows(&self.review_waits);
        let (review_table, review_table_note) = review_table(&review_waits, &findings);
        let kinds: std::collections::BTreeSet<FindingKind> = findings
            .iter()
            .map(|f| f.finding.kind)
            .chain(team_signals.iter().map(|s| s.kind))
            .collect();
        let acknowledged = |list: &[Acknowledged]| -> Vec<Acknowledged> {
            list.iter().filter(|a| ours(&a.team)).cloned().collect()
        };
        let inputs = &self.chart_inputs;
        // One team's view has that team's own trends; several teams' keep the organisation's.
        let (trends, trend_series, trends_of) = match teams {
            [team] if self.team_trends.contains_key(team) => {
                let (trends, series) = &self.team_trends[team];
                (trends.clone(), series.clone(), team.clone())
            }
            _ => (
                self.trends.clone(),
                inputs.trends.clone(),
                self.trends_of.clone(),
            ),
        };
        ReportData {
            schema_version: self.schema_version,
            period: self.period,
            month: self.month.clone(),
            months: self.months.clone(),
            label: self.label.clone(),
            version: self.version,
            audience: self.audience,
            anonymized: self.anonymized,
            active: self.active,
            scope: teams.to_vec(),
            narrowed: self.narrowed.clone(),
            min_group_size: self.min_group_size,
            clock: self.clock.clone(),
            summary: summarise(&findings, &team_signals, &trends),
            teams: Vec::new(),
            acknowledged: acknowledged(&self.acknowledged),
            expiring: acknowledged(&self.expiring),
            track_records: self
                .track_records
                .iter()
                .filter(|t| kinds.contains(&t.kind))
                .cloned()
                .collect(),
            findings,
            team_signals,
            not_judged,
            not_judged_teams,
            trends,
            trends_of,
            team_trends: BTreeMap::new(),
            delivery: self.delivery.for_teams(
                teams,
                self.metrics
                    .get("delivery_by_team")
                    .map_or(&[], Vec::as_slice),
            ),
            stuck: self.stuck.for_teams(teams, STUCK_ITEMS),
            metrics: self
                .metrics
                .iter()
                .map(|(name, r)| (name.clone(), rows(r)))
                .collect(),
            coverage: self.coverage.clone(),
            charts: BTreeMap::new(),
            data_files: Vec::new(),
            outcomes: rows(&self.outcomes),
            output: rows(&self.output),
            review_waits,
            review_table,
            review_table_note,
            health: rows(&self.health),
            health_trends: rows(&self.health_trends),
            time_in_status: rows(&self.time_in_status),
            status_table: rows(&self.status_table),
            user_metrics: self.user_metrics.clone(),
            user_rows: self
                .user_rows
                .iter()
                .map(|(name, r)| (name.clone(), rows(r)))
                .collect(),
            chart_inputs: ChartInputs {
                shares: inputs
                    .shares
                    .iter()
                    .filter(|s| ours(&s.team))
                    .cloned()
                    .collect(),
                teams: inputs
                    .teams
                    .iter()
                    .filter(|t| ours(&t.team))
                    .cloned()
                    .collect(),
                trends: trend_series,
                ai: ai_of_teams(&inputs.ai_by_team, &ours, &inputs.ai),
                ..inputs.clone()
            },
        }
    }
}

impl ReportData {
    /// A view read from its teams' rows alone (`crate::scope`): what only the whole
    /// organisation gives is left out rather than computed from those rows, and `narrowed`
    /// says what was read and what is left out.
    fn without_organisation(mut self, narrowed: &crate::scope::Narrowed, names: &Names) -> Self {
        let mut narrowed = narrowed.clone();
        narrowed.teams_read = narrowed.teams_read.iter().map(|t| names.text(t)).collect();
        narrowed.repositories = narrowed
            .repositories
            .iter()
            .map(|r| names.text(r))
            .collect();
        self.narrowed = Some(narrowed);
        for name in ["organisation", "org_trend"] {
            if self.leaves_out(&format!("metrics.{name}")) {
                self.metrics.insert(name.to_string(), Vec::new());
            }
        }
        if self.leaves_out("charts.cycle_phases_by_week") {
            self.chart_inputs.weeks = Vec::new();
        }
        if self.leaves_out("charts.activity_heatmap") {
            self.chart_inputs.heatmap = None;
        }
        if self.leaves_out("trends") {
            self.trends = Vec::new();
            self.chart_inputs.trends = Vec::new();
            self.summary = summarise(&self.findings, &self.team_signals, &self.trends);
        }
        if self.leaves_out("delivery.keys") {
            self.delivery = self.delivery.without_keys();
        }
        self
    }

    /// Whether a narrowed view leaves out the part `name` (`metrics.organisation`,
    /// `charts.activity_heatmap`, `trends`, …; see `crate::scope::LEFT_OUT`).
    fn leaves_out(&self, name: &str) -> bool {
        self.narrowed
            .as_ref()
            .is_some_and(|n| n.left_out.iter().any(|l| l == name))
    }
}

/// The organisation's table of teams: every team of the roster with its findings (count and
/// most severe) and its PRs merged and median cycle time in `month`; each team's page is
/// `teams/<file name>.html`.
fn team_table(
    roster: &Roster,
    findings: &[ReportFinding],
    outcomes: &[serde_json::Value],
    month: &str,
    names: &Names,
) -> Vec<TeamRow> {
    let mut pages = std::collections::BTreeSet::new();
    roster
        .teams()
        .into_iter()
        .map(|team| {
            let shown = names.text(team);
            let ours: Vec<&ReportFinding> = findings.iter().filter(|f| f.team == shown).collect();
            let row = outcomes
                .iter()
                .find(|r| r["team"].as_str() == Some(team) && r["month"].as_str() == Some(month));
            let figure = |key: &str| row.and_then(|r| r[key].as_f64());
            let cycle = figure("cycle_p50_h");
            let mut page = team_file_name(&shown);
            let stem = page.clone();
            let mut n = 1;
            while !pages.insert(page.clone()) {
                n += 1;
                page = format!("{stem}-{n}");
            }
            TeamRow {
                findings: ours.len(),
                most_severe: ours.iter().map(|f| f.finding.severity).max(),
                prs_merged: figure("prs_merged"),
                cycle_p50_h: cycle,
                cycle_p50_text: cycle.map_or_else(String::new, |c| Unit::Hours.show(Some(c))),
                page: format!("teams/{page}.html"),
                team: shown,
            }
        })
        .collect()
}

/// A team's name as a file name: lower-case letters, digits, `-` and `_`, anything else as `-`
/// (never a path separator, a dot or an empty name).
pub fn team_file_name(team: &str) -> String {
    let name: String = team
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "team".to_string()
    } else {
        name.chars().take(80).collect()
    }
}

fn rows_to_json(frame: &DataFrame, names: &Names) -> Result<Vec<serde_json::Value>, ReportError> {
    let mut out = rows(frame)?;
    out.iter_mut().for_each(|r| names.json(r));
    Ok(out)
}

/// The team a finding is about: a `team:` subject's, or the person's primary team.
fn team_of_subject(subject: &str, roster: &Roster) -> String {
    match subject.strip_prefix("team:") {
        Some(team) => team.to_string(),
        None => roster.team_of(subject).unwrap_or_default().to_string(),
    }
}

/// Per team: the people active in `month` (`team_health_monthly.people_active`), the group a
/// team's count of a health signal is drawn from.
fn people_active(health: &DataFrame, month: &str) -> Result<BTreeMap<String, usize>, ReportError> {
    let mut sizes = BTreeMap::new();
    if health.height() == 0 {
        return Ok(sizes);
    }
    let teams = crate::common::frame::str_values(health, "team")?;
    let months = crate::common::frame::str_values(health, "month")?;
    let people = crate::common::frame::f64_values(health, "people_active")?;
    for i in 0..health.height() {
        if let (Some(team), Some(m)) = (&teams[i], &months[i])
            && m == month
        {
            sizes.insert(team.clone(), people[i].unwrap_or(0.0) as usize);
        }
    }
    Ok(sizes)
}

/// A finding with every name in it replaced (a round trip through JSON reaches every string).
fn rename_finding(finding: Finding, names: &Names) -> Result<Finding, ReportError> {
    if !names.is_anonymous() {
        return Ok(finding);
    }
    let mut value = serde_json::to_value(&finding).map_err(|e| ReportError::Template {
        name: "finding".into(),
        message: e.to_string(),
    })?;
    names.json(&mut value);
    serde_json::from_value(value).map_err(|e| ReportError::Template {
        name: "finding".into(),
        message: e.to_string(),
    })
}

/// What an audience may see of acknowledged findings, named as the report names people: a
/// team audience sees none about one person's health, as it sees no such finding.
fn visible_acknowledged(
    acknowledged: Vec<Acknowledged>,
    audience: Audience,
    names: &Names,
) -> Vec<Acknowledged> {
    acknowledged
        .into_iter()
        .filter(|a| {
            audience == Audience::Manager
                || !HEALTH_KINDS.contains(&a.kind)
                || a.subject.starts_with("team:")
        })
        .map(|a| Acknowledged {
            subject: names.person(&a.subject),
            headline: names.text(&a.headline),
            reason: names.text(&a.reason),
            ..a
        })
        .collect()
}

/// For a team audience, per-person health findings (and what could not be judged about a person's
/// health) become counts per team; everything else, including role-based findings about the
/// manager, stays as it is.
///
/// A count reaches the team only for a team of at least `min_group_size` people active in the
/// month (DX's minimum-group rule): in a smaller team, "1 person shows the signals" names that
/// person in all but name.
fn audience_view(
    outcome: Outcome,
    audience: Audience,
    roster: &Roster,
    group_sizes: &BTreeMap<String, usize>,
    min_group_size: usize,
) -> (Vec<Finding>, Vec<TeamSignal>, Vec<NotJudged>) {
    if audience == Audience::Manager {
        return (outcome.findings, Vec::new(), outcome.not_judged);
    }
    let personal = |kind: FindingKind, subject: &str| {
        HEALTH_KINDS.contains(&kind) && !subject.starts_with("team:")
    };
    let mut signals: BTreeMap<(FindingKind, String), TeamSignal> = BTreeMap::new();
    let mut kept = Vec::new();
    for finding in outcome.findings {
        if personal(finding.kind, &finding.subject) {
            let team = roster
                .people
                .get(&finding.subject)
                .map_or_else(|| "unassigned".to_string(), |e| e.team.clone());
            let signal = signals
                .entry((finding.kind, team.clone()))
                .or_insert(TeamSignal {
                    kind: finding.kind,
                    team,
                    people: 0,
                    severity: finding.severity,
                });
            signal.people += 1;
            signal.severity = signal.severity.max(finding.severity);
        } else {
            kept.push(finding);
        }
    }
    let not_judged = outcome
        .not_judged
        .into_iter()
        .filter(|n| !personal(n.kind, &n.subject))
        .collect();
    let signals = signals
        .into_values()
        .filter(|s| group_sizes.get(&s.team).copied().unwrap_or(0) >= min_group_size)
        .collect();
    (kept, signals, not_judged)
}

/// The three points of the summary: the most severe findings and team signals first, then the
/// headline metrics that moved most the wrong way.
fn summarise(
    findings: &[ReportFinding],
    signals: &[TeamSignal],
    trends: &[Trend],
) -> Vec<SummaryItem> {
    let mut items: Vec<SummaryItem> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| SummaryItem {
            title: f.title.clone(),
            text: if f.deciding.is_empty() {
                f.finding.headline.clone()
            } else {
                f.deciding.clone()
            },
            severity: f.finding.severity,
            anchor: format!("finding-{}", i + 1),
            question: f.finding.question.clone(),
            kind: Some(f.finding.kind),
        })
        .collect();
    items.extend(signals.iter().map(|s| SummaryItem {
        question: String::new(),
        kind: Some(s.kind),
        title: format!("{} in {}", s.kind.title(), s.team),
        text: format!(
            "In {}, {} {} signs of {}.",
            s.team,
            s.people,
            if s.people == 1 {
                "person shows"
            } else {
                "people show"
            },
            s.kind.title().to_lowercase()
        ),
        severity: s.severity,
        anchor: "team-signals".into(),
    }));
    items.sort_by_key(|item| std::cmp::Reverse(item.severity));
    for trend in trends.iter().filter(|t| t.signal == "worse") {
        items.push(SummaryItem {
            title: format!("{} moved more than it usually does", trend.label),
            text: format!(
                "{} moved from {} to {} ({}), more than its usual swing of {} from one month to \
                 the next.",
                trend.label,
                trend.previous_text,
                trend.current_text,
                trend.change_text,
                trend.usual_change_text
            ),
            severity: Severity::Info,
            anchor: "trends".into(),
            question: String::new(),
            kind: None,
        });
    }
    items.truncate(3);
    items
}

/// How many statuses per team the time-in-status table shows.
const STATUSES_PER_TEAM: usize = 3;

/// Per team, the statuses that held work longest in `month` (most ticket-hours on the report's
/// clock, a status in the done category left out: time there is not waiting), at most
/// [`STATUSES_PER_TEAM`] each, grouped by team and in that order.
fn longest_statuses(
    rows: &[serde_json::Value],
    month: &str,
    clock: Clock,
) -> Vec<serde_json::Value> {
    let held = match clock {
        Clock::Working => "ticket_working_hours",
        Clock::Wall => "ticket_hours",
    };
    let text =
        |row: &serde_json::Value, key: &str| row[key].as_str().unwrap_or_default().to_string();
    let mut by_team: BTreeMap<String, Vec<&serde_json::Value>> = BTreeMap::new();
    for row in rows {
        if text(row, "month") == month && text(row, "status_category") != "done" {
            by_team.entry(text(row, "team")).or_default().push(row);
        }
    }
    let mut table = Vec::new();
    for (_, mut statuses) in by_team {
        statuses.sort_by(|a, b| {
            let hours = |r: &serde_json::Value| r[held].as_f64().unwrap_or(0.0);
            hours(b)
                .total_cmp(&hours(a))
                .then_with(|| text(a, "status").cmp(&text(b, "status")))
        });
        table.extend(statuses.into_iter().take(STATUSES_PER_TEAM).cloned());
    }
    table
}

/// What `trends_of` says of the organisation's trends.
const ORGANISATION: &str = "organisation";

impl ReportData {
    /// Whose trends these are, in words: "organisation-wide", or "payments' own".
    pub(super) fn trends_label(&self) -> String {
        if self.trends_of == ORGANISATION {
            "organisation-wide".to_string()
        } else {
            format!("{} own", crate::detect::possessive(&self.trends_of))
        }
    }
}

/// Whose headline metrics a frame holds: the organisation's `org_monthly`, or one team's rows
/// of [`team_trend_frames`], where deployments a week are the team's own, not the median
/// repository's.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Whose {
    Organisation,
    Team,
}

/// Each team's headline metrics by trend month, one frame per team, under `org_monthly`'s
/// column names: its rows of `outcome_monthly` (PRs, cycle time, pickup, lead time, change
/// failure rate, reopened tickets), of `delivery_monthly` (deployments a week, as
/// `deploys_per_week`, and recovery time) and of `team_health_monthly` (after-hours share). A
/// month a team has no row in is missing from its frame, as a month without data is missing
/// from `org_monthly`.
fn team_trend_frames(
    metrics: &Metrics,
    months: &[String],
) -> Result<BTreeMap<String, DataFrame>, ReportError> {
    let in_months = |metric: Metric, columns: Vec<Expr>| -> Option<LazyFrame> {
        let frame = metrics.get(metric);
        (frame.height() > 0 && frame.column("team").is_ok()).then(|| {
            frame
                .clone()
                .lazy()
                .filter(col("month").is_in(
                    lit(Series::new("m".into(), months.to_vec())).implode(true),
                    false,
                ))
                .select(columns)
        })
    };
    let keys = || vec![col("team"), col("month")];
    let with = |names: &[&str]| -> Vec<Expr> {
        keys()
            .into_iter()
            .chain(names.iter().map(|n| col(*n)))
            .collect()
    };
    let parts = [
        in_months(
            Metric::OutcomeMonthly,
            with(&[
                "prs_merged",
                "cycle_p50_h",
                "cycle_p90_h",
                "pickup_p50_h",
                "pickup_p50_wh",
                "lead_time_p50_h",
                "change_failure_rate",
                "reopen_rate",
            ]),
        ),
        in_months(
            Metric::DeliveryMonthly,
            with(&["deploys_per_week", "recovery_p50_h"]),
        ),
        in_months(Metric::TeamHealthMonthly, with(&["after_hours_share"])),
    ];
    let mut joined: Option<LazyFrame> = None;
    for part in parts.into_iter().flatten() {
        joined = Some(match joined {
            None => part,
            Some(left) => left.join(
                part,
                keys(),
                keys(),
                JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
            ),
        });
    }
    let Some(joined) = joined else {
        return Ok(BTreeMap::new());
    };
    let joined = joined.collect()?;
    let mut frames = BTreeMap::new();
    for frame in joined.partition_by(["team"], true)? {
        if let Some(team) = frame.column("team")?.str()?.get(0) {
            frames.insert(team.to_string(), frame.clone());
        }
    }
    Ok(frames)
}

/// The headline metrics over the trend months, from `org_monthly` or a team's frame of
/// [`team_trend_frames`].
fn headline_trends(
    org: &DataFrame,
    months: &[String],
    clock: Clock,
    whose: Whose,
) -> Result<(Vec<Trend>, Vec<super::charts::TrendSeries>), ReportError> {
    let mut by_month: BTreeMap<String, usize> = BTreeMap::new();
    if org.height() > 0 {
        for (i, m) in crate::common::frame::str_values(org, "month")?
            .into_iter()
            .enumerate()
        {
            if let Some(m) = m {
                by_month.insert(m, i);
            }
        }
    }
    let mut trends = Vec::new();
    let mut series = Vec::new();
    for &(metric, label, unit, lower_is_better) in HEADLINES {
        // The pickup leads with the report's clock; the trend names which.
        let (metric, label) = match (metric, clock, whose) {
            ("pickup_p50_h", Clock::Working, _) => {
                ("pickup_p50_wh", "Review pickup p50 (working hours)")
            }
            ("repo_deploys_per_week_p50", _, Whose::Team) => ("deploys_per_week", label),
            _ => (metric, label),
        };
        let column = if org.height() > 0 && org.column(metric).is_ok() {
            crate::common::frame::f64_values(org, metric)?
        } else {
            Vec::new()
        };
        let values: Vec<Option<f64>> = months
            .iter()
            .map(|m| {
                by_month
                    .get(m)
                    .and_then(|&i| column.get(i).copied().flatten())
            })
            .map(|v| v.filter(|v| v.is_finite()))
            .collect();
        let current = values.last().copied().flatten();
        let previous = values.iter().rev().nth(1).copied().flatten();
        let usual_change = usual_variation(&values[..values.len().saturating_sub(1)]);
        let (change_text, direction) = match (current, previous) {
            (Some(c), Some(p)) => {
                let delta = c - p;
                let same = delta.abs() <= p.abs() * 0.05 + 1e-9;
                let direction = match lower_is_better {
                    None => "",
                    Some(_) if same => "same",
                    Some(lower) if (delta < 0.0) == lower => "better",
                    Some(_) => "worse",
                };
                (unit.change(delta), direction.to_string())
            }
            _ => (String::new(), String::new()),
        };
        series.push(super::charts::TrendSeries {
            label: label.to_string(),
            unit: unit.axis().to_string(),
            months: months.to_vec(),
            values: values.iter().map(|v| v.map(|v| unit.plotted(v))).collect(),
        });
        let signal = match (current, previous, usual_change) {
            (Some(c), Some(p), Some(usual))
                if (c - p).abs() > usual + 1e-9 && direction != "same" =>
            {
                direction.clone()
            }
            _ => String::new(),
        };
        trends.push(Trend {
            dora_band: super::delivery::band_of(metric, current)
                .unwrap_or_default()
                .to_string(),
            source: super::delivery::source_of(metric)
                .unwrap_or_default()
                .to_string(),
            usual_change_text: usual_change.map_or_else(String::new, |u| unit.size(u)),
            usual_change,
            signal,
            metric: metric.to_string(),
            label: label.to_string(),
            unit: unit.axis().to_string(),
            months: months.to_vec(),
            spark: sparkline(&values),
            current_text: unit.show(current),
            previous_text: unit.show(previous),
            values,
            current,
            previous,
            change_text,
            direction,
        });
    }
    Ok((trends, series))
}

/// The largest change between consecutive months of `values` (months without a value are
/// skipped): how much the metric moves month to month by itself. `None` with fewer than two
/// changes to go by.
fn usual_variation(values: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    if present.len() < 3 {
        return None;
    }
    present
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).abs())
        .reduce(f64::max)
}

/// Per team: actions and after-hours share over the trend months, as sparklines.
fn team_health_trends(
    health: &DataFrame,
    months: &[String],
) -> Result<Vec<serde_json::Value>, ReportError> {
    if health.height() == 0 {
        return Ok(Vec::new());
    }
    let teams = crate::common::frame::str_values(health, "team")?;
    let month_of = crate::common::frame::str_values(health, "month")?;
    let actions = crate::common::frame::f64_values(health, "actions")?;
    let after = crate::common::frame::f64_values(health, "after_hours_share")?;
    let wip = crate::common::frame::f64_values(health, "open_prs")?;
    let mut by_team: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for i in 0..health.height() {
        if let (Some(t), Some(m)) = (&teams[i], &month_of[i]) {
            by_team.entry(t.clone()).or_default().insert(m.clone(), i);
        }
    }
    Ok(by_team
        .into_iter()
        .map(|(team, rows)| {
            let pick = |column: &[Option<f64>]| -> Vec<Option<f64>> {
                months
                    .iter()
                    .map(|m| rows.get(m).and_then(|&i| column[i]))
                    .collect()
            };
            let (a, h, w) = (pick(&actions), pick(&after), pick(&wip));
            serde_json::json!({
                "team": team,
                "actions": sparkline(&a),
                "actions_last": a.last().copied().flatten(),
                "after_hours": sparkline(&h),
                "after_hours_last": h.last().copied().flatten(),
                "open_prs": sparkline(&w),
                "open_prs_last": w.last().copied().flatten(),
            })
        })
        .collect())
}

/// The reviewer table: every reviewer, by team and name, up to [`REVIEW_TABLE_PEOPLE`]; beyond
/// that only the people a finding names (the CSV has everyone). With the sentence saying which.
fn review_table(
    waits: &[serde_json::Value],
    findings: &[ReportFinding],
) -> (Vec<serde_json::Value>, String) {
    if waits.len() <= REVIEW_TABLE_PEOPLE {
        let note = format!(
            "{} reviewer{}, grouped by team and sorted by name.",
            waits.len(),
            if waits.len() == 1 { "" } else { "s" }
        );
        return (waits.to_vec(), note);
    }
    let named: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f.finding.subject.as_str())
        .collect();
    let shown: Vec<serde_json::Value> = waits
        .iter()
        .filter(|row| named.contains(row["reviewer"].as_str().unwrap_or_default()))
        .cloned()
        .collect();
    let note = format!(
        "The {} reviewer{} the findings name, of {} (all of them in data/review_waits.csv), \
         grouped by team and sorted by name.",
        shown.len(),
        if shown.len() == 1 { "" } else { "s" },
        waits.len()
    );
    (shown, note)
}

/// Per reviewer, with their team: requests this month, median and p90 wait, PR-hours they alone
/// were waited on. In no particular order: the caller sorts by team and name.
fn reviewer_waits(
    waits: &DataFrame,
    roster: &Roster,
) -> Result<Vec<serde_json::Value>, ReportError> {
    if waits.height() == 0 {
        return Ok(Vec::new());
    }
    // Each reviewer's requests summed in one order, whatever order the metric's rows came in:
    // a sum of floats depends on its order, and a team's report must add up as the
    // organisation's does (working hours are often whole seconds, which fall on a rounding
    // boundary of 3 decimals).
    let summary = waits
        .clone()
        .lazy()
        .sort(
            ["reviewer", "repo", "number", "requested_at"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .group_by_stable([col("reviewer")])
        .agg([
            len().cast(DataType::Int64).alias("requests"),
            col("wait_h").median().alias("wait_p50_h"),
            col("wait_h")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("wait_p90_h"),
            col("blocking_h").sum().alias("blocking_h"),
            col("wait_wh").median().alias("wait_p50_wh"),
            col("wait_wh")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("wait_p90_wh"),
            col("blocking_wh").sum().alias("blocking_wh"),
        ])
        .collect()?;
    let mut result = rows(&summary)?;
    for row in &mut result {
        let reviewer = row
            .get("reviewer")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_string();
        row["is_manager"] = serde_json::Value::Bool(roster.is_manager(&reviewer));
        row["team"] = serde_json::Value::String(
            roster
                .team_of(&reviewer)
                .filter(|t| !t.is_empty())
                .unwrap_or("no team")
                .to_string(),
        );
    }
    Ok(result)
}

/// A frame as JSON objects, one per row: timestamps as RFC 3339, floats rounded to 3 decimals,
/// lists as arrays and structs as objects (their values converted the same way).
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
        AnyValue::List(items) => Value::Array(
            (0..items.len())
                .map(|i| items.get(i).map_or(Value::Null, json_value))
                .collect(),
        ),
        AnyValue::Struct(_, _, fields) => Value::Object(
            fields
                .iter()
                .zip(value._iter_struct_av())
                .map(|(field, v)| (field.name().to_string(), json_value(v)))
                .collect(),
        ),
        AnyValue::StructOwned(payload) => {
            let (values, fields) = *payload;
            Value::Object(
                fields
                    .iter()
                    .zip(values)
                    .map(|(field, v)| (field.name().to_string(), json_value(v)))
                    .collect(),
            )
        }
        AnyValue::DatetimeOwned(ticks, unit, _) => {
            json_value(AnyValue::Datetime(ticks, unit, None))
        }
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
    pub data: Vec<PathBuf>,
}

/// Draws the charts and writes `report.md`, `report.html`, `report.json`, `charts/` and `data/`
/// into `out_dir`, replacing what was there only once everything is written — and only when
/// what was there is an earlier report (see [`crate::out_dir`]); `data_dir`, the store the
/// report was made from, may be neither the folder, inside it, nor around it.
pub fn write(
    mut data: ReportData,
    out_dir: &Path,
    templates: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<WrittenReport, ReportError> {
    // The report replaces the folder at `out_dir` whole; a file there would be swapped away.
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(ReportError::OutIsFile {
            path: out_dir.to_path_buf(),
        });
    }
    crate::out_dir::check_replaceable(out_dir, data_dir)?;
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
    let data_dir = staging.path().join("data");
    std::fs::create_dir_all(&data_dir).map_err(io_error(&data_dir))?;

    let rendered = crate::measure::timed("report: charts", || draw_charts(&chart_dir, &data))?;
    let mut svgs = BTreeMap::new();
    for chart in &rendered {
        data.charts
            .insert(chart.name.clone(), format!("charts/{}.svg", chart.name));
        svgs.insert(chart.name.clone(), chart.svg.clone());
    }
    for (name, text) in data_tables(&data) {
        let path = data_dir.join(&name);
        std::fs::write(&path, text).map_err(io_error(&path))?;
        data.data_files.push(format!("data/{name}"));
    }

    let json = serde_json::to_string_pretty(&data).map_err(|e| ReportError::Template {
        name: "report.json".into(),
        message: e.to_string(),
    })?;
    let (markdown_template, html_template) = load_templates(templates)?;
    let env = super::filters::environment();
    let context = template_context(&data, &svgs, None);
    let (markdown, html) = crate::measure::timed("report: md and html", || {
        Ok::<_, ReportError>((
            render(&env, "report.md", &markdown_template, &context)?,
            render(&env, "report.html", &html_template, &context)?,
        ))
    })?;

    for (name, text) in [
        ("report.md", &markdown),
        ("report.html", &html),
        ("report.json", &json),
    ] {
        let path = staging.path().join(name);
        std::fs::write(&path, text).map_err(io_error(&path))?;
    }
    // One HTML page per team, linked from the table of teams: the team's view, without charts
    // (drawing each team's would make a large organisation's report as slow as its teams are
    // many; `report --team` draws them).
    if !data.teams.is_empty() {
        let started = crate::measure::Stopwatch::start();
        let pages = staging.path().join("teams");
        std::fs::create_dir_all(&pages).map_err(io_error(&pages))?;
        let no_charts = BTreeMap::new();
        let page = |row: &TeamRow| -> Result<(), ReportError> {
            let view = data.scoped(std::slice::from_ref(&row.team));
            let context = template_context(&view, &no_charts, Some("../report.html"));
            let html = render(&env, "report.html", &html_template, &context)?;
            let path = staging.path().join(&row.page);
            std::fs::write(&path, html).map_err(io_error(&path))
        };
        // A stretch of the teams per core: each page is its own (the team's view made and
        // rendered), and at 316 teams one core took a second over them. The first failure in
        // the teams' order is the one said.
        let size = data.teams.len().div_ceil(crate::common::parallel::cores());
        let stretches: Vec<&[TeamRow]> = data.teams.chunks(size).collect();
        crate::common::parallel::each_on_a_thread(&stretches, |rows| {
            rows.iter().try_for_each(page)
        })
        .into_iter()
        .collect::<Result<Vec<()>, ReportError>>()?;
        tracing::debug!(
            step = "report: team pages",
            pages = data.teams.len(),
            seconds = started.seconds(),
            cpu_seconds = started.cpu_seconds(),
            "step done"
        );
    }
    crate::out_dir::write_marker(staging.path())?;
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
        data: data.data_files.iter().map(|f| out_dir.join(f)).collect(),
    })
}

/// What the templates see of a report (or of a team's view, with `home`, the organisation
/// report's page, for a link back).
fn template_context(
    data: &ReportData,
    svgs: &BTreeMap<String, String>,
    home: Option<&str>,
) -> minijinja::Value {
    minijinja::context! {
        home => home,
        scope => &data.scope,
        narrowed => &data.narrowed,
        teams => &data.teams,
        min_group_size => data.min_group_size,
        clock => &data.clock,
        period => &data.period,
        month => &data.month,
        months => &data.months,
        label => &data.label,
        version => data.version,
        audience => &data.audience,
        anonymized => data.anonymized,
        active => data.active,
        summary => &data.summary,
        findings => &data.findings,
        team_signals => &data.team_signals,
        acknowledged => &data.acknowledged,
        not_judged => &data.not_judged,
        track_records => &data.track_records,
        trends => &data.trends,
        trends_of => &data.trends_of,
        trends_label => data.trends_label(),
        delivery => &data.delivery,
        failed_shown => data.delivery.failed_shown(),
        delivery_teams => data.metrics.get("delivery_by_team"),
        ai_side => data.metrics.get("ai_side_by_side"),
        ai_shares => data.metrics.get("ai_assisted_share"),
        ai_min_prs => super::ai::MIN_GROUP_PRS,
        stuck => &data.stuck,
        coverage => &data.coverage,
        charts => &data.charts,
        data_files => &data.data_files,
        svgs => svgs,
        outcomes => &data.outcomes,
        output => &data.output,
        review_waits => &data.review_table,
        review_table_note => &data.review_table_note,
        health => &data.health,
        health_trends => &data.health_trends,
        status_table => &data.status_table,
        user_metrics => &data.user_metrics,
    }
}

/// Every table of the report and every chart's data as CSV: (file name, text).
fn data_tables(data: &ReportData) -> Vec<(String, String)> {
    use super::csv::table;
    use serde_json::json;
    let inputs = &data.chart_inputs;
    let mut files = Vec::new();
    let columns_of = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.first()
            .and_then(|r| r.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let no_rows = Vec::new();
    let failed: Vec<serde_json::Value> = data
        .delivery
        .failed
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .collect();
    for (name, rows) in [
        ("outcomes", &data.outcomes),
        ("output", &data.output),
        ("review_waits", &data.review_waits),
        ("team_health", &data.health),
        ("time_in_status", &data.time_in_status),
        (
            "delivery",
            data.metrics.get("delivery_by_team").unwrap_or(&no_rows),
        ),
        ("failed_deployments", &failed),
        (
            "ai_side_by_side",
            data.metrics.get("ai_side_by_side").unwrap_or(&no_rows),
        ),
    ] {
        let columns = columns_of(rows);
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        files.push((format!("{name}.csv"), table(&columns, rows)));
    }
    let shares: Vec<_> = busiest_shares(&inputs.shares)
        .iter()
        .map(|s| json!({"person": s.person, "team": s.team, "approvals": s.approvals, "share": s.share, "is_manager": s.is_manager}))
        .collect();
    files.push((
        "review_load_share.csv".into(),
        table(
            &["person", "team", "approvals", "share", "is_manager"],
            &shares,
        ),
    ));
    let mut pairs = Vec::new();
    if let Some(m) = &inputs.matrix {
        for (r, reviewer) in m.reviewers.iter().enumerate() {
            for (a, author) in m.authors.iter().enumerate() {
                let count = m.counts[r][a];
                if count > 0 {
                    pairs.push(json!({"reviewer": reviewer, "author": author, "reviews": count, "reviewer_is_manager": m.managers.contains(reviewer)}));
                }
            }
        }
    }
    files.push((
        "reviewer_author_matrix.csv".into(),
        table(
            &["reviewer", "author", "reviews", "reviewer_is_manager"],
            &pairs,
        ),
    ));
    let weeks: Vec<_> = inputs
        .weeks
        .iter()
        .map(|w| json!({"week_start": w.week_start.to_string(), "prs": w.prs, "coding_h": w.coding_h, "pickup_h": w.pickup_h, "review_h": w.review_h, "merge_h": w.merge_h}))
        .collect();
    files.push((
        "cycle_phases_by_week.csv".into(),
        table(
            &[
                "week_start",
                "prs",
                "coding_h",
                "pickup_h",
                "review_h",
                "merge_h",
            ],
            &weeks,
        ),
    ));
    let teams: Vec<_> = inputs
        .teams
        .iter()
        .flat_map(|t| {
            t.months.iter().map(|m| json!({"team": t.team, "month": m.month, "prs_merged": m.prs_merged, "cycle_p50_h": m.cycle_p50_h, "cycle_p90_h": m.cycle_p90_h}))
        })
        .collect();
    files.push((
        "output_outcome_by_month.csv".into(),
        table(
            &["team", "month", "prs_merged", "cycle_p50_h", "cycle_p90_h"],
            &teams,
        ),
    ));
    let ai: Vec<_> = inputs
        .ai
        .iter()
        .flat_map(|m| {
            [("ai", m.ai), ("other", m.other)].map(|(grp, g)| {
                json!({"month": m.month, "grp": grp, "prs": g.prs, "failed": g.failed, "reworked": g.reworked, "rework_prs": g.rework_prs})
            })
        })
        .collect();
    files.push((
        "ai_output_outcome.csv".into(),
        table(
            &["month", "grp", "prs", "failed", "reworked", "rework_prs"],
            &ai,
        ),
    ));
    let mut cells = Vec::new();
    if let Some(h) = &inputs.heatmap {
        for (d, hours) in h.counts.iter().enumerate() {
            for (hour, count) in hours.iter().enumerate() {
                let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d];
                cells.push(json!({"weekday": weekday, "local_hour": hour, "actions": count}));
            }
        }
    }
    files.push((
        "activity_heatmap.csv".into(),
        table(&["weekday", "local_hour", "actions"], &cells),
    ));
    let trend_rows: Vec<_> = data
        .trends
        .iter()
        .flat_map(|t| {
            t.months
                .iter()
                .zip(&t.values)
                .map(|(m, v)| json!({"metric": t.metric, "month": m, "value": v}))
        })
        .collect();
    files.push((
        "trends.csv".into(),
        table(&["metric", "month", "value"], &trend_rows),
    ));
    for (name, rows) in &data.user_rows {
        let columns = columns_of(rows);
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        files.push((format!("user_{name}.csv"), table(&columns, rows)));
    }
    let prs: Vec<_> = data
        .stuck
        .prs
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .collect();
    files.push((
        "stuck_prs.csv".into(),
        table(
            &[
                "repo", "number", "title", "url", "author", "team", "opened", "age_days", "draft",
            ],
            &prs,
        ),
    ));
    let tickets: Vec<_> = data
        .stuck
        .tickets
        .iter()
        .filter_map(|t| serde_json::to_value(t).ok())
        .collect();
    files.push((
        "stuck_tickets.csv".into(),
        table(
            &[
                "key",
                "title",
                "url",
                "assignee",
                "team",
                "status",
                "started",
                "age_days",
                "status_since",
                "days_in_status",
            ],
            &tickets,
        ),
    ));
    // The data of what a narrowed view leaves out is not written either.
    files.retain(|(name, _)| {
        let part = match name.as_str() {
            "trends.csv" => "trends".to_string(),
            other => format!("charts.{}", other.trim_end_matches(".csv")),
        };
        !data.leaves_out(&part)
    });
    files
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
/// the system or file system cannot, and the caller falls back to two renames. Called as a raw
/// system call: the musl of the static release binaries has no `renameat2` function to link.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call, which only
    // reads them; the arguments are renameat2's, in its order and types.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
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

/// Draws every chart of the report from its inputs.
fn draw_charts(
    dir: &Path,
    data: &ReportData,
) -> Result<Vec<super::charts::RenderedChart>, ReportError> {
    use super::charts;
    let inputs = &data.chart_inputs;
    let label = &data.label;
    let empty_matrix = charts::ReviewMatrix {
        reviewers: Vec::new(),
        authors: Vec::new(),
        counts: Vec::new(),
        managers: Vec::new(),
    };
    let empty_heatmap = charts::WeekHeatmap {
        counts: [[0; 24]; 7],
        work_start: WORK_START,
        work_end: WORK_END,
    };
    let shown_teams = busiest_teams(&inputs.teams, CHART_TEAMS);
    // A chart of what a narrowed view leaves out is not drawn.
    let drawn = |name: &str| !data.leaves_out(&format!("charts.{name}"));
    let mut rendered = Vec::new();
    if drawn("trends") {
        rendered.push(charts::trend_small_multiples(
            dir,
            &format!("Headline metrics, the last {TREND_MONTHS} months"),
            &inputs.trends,
        )?);
    }
    rendered.push(charts::review_load_share(
        dir,
        &format!("Share of each team's merged PRs approved, {label}"),
        &busiest_shares(&inputs.shares),
    )?);
    rendered.push(charts::reviewer_author_matrix(
        dir,
        &format!("Who reviews whom, {label} (reviews)"),
        inputs.matrix.as_ref().unwrap_or(&empty_matrix),
    )?);
    if drawn("cycle_phases_by_week") {
        rendered.push(charts::cycle_phases_by_week(
            dir,
            "Cycle-time phases of PRs merged each week (median hours)",
            &inputs.weeks,
        )?);
    }
    rendered.push(charts::output_outcome_by_month(
        dir,
        &output_outcome_title(shown_teams.len(), inputs.teams.len()),
        &shown_teams,
    )?);
    if drawn("activity_heatmap") {
        rendered.push(charts::activity_heatmap(
            dir,
            &format!("When people work, {label} (actions, local time)"),
            inputs.heatmap.as_ref().unwrap_or(&empty_heatmap),
        )?);
    }
    rendered.push(charts::ai_output_outcome(
        dir,
        &format!("AI-assisted and other merged PRs, the last {TREND_MONTHS} months"),
        &inputs.ai,
    )?);
    Ok(rendered)
}

/// The organisation's AI-assisted and other PRs per trend month, from `ai_prs` (one row a PR).
fn ai_months_of_prs(
    prs: &DataFrame,
    months: &[String],
) -> Result<Vec<super::charts::AiMonth>, ReportError> {
    let mut by_month: BTreeMap<&str, super::charts::AiMonth> = BTreeMap::new();
    if prs.height() > 0 {
        let month_of = crate::common::frame::str_values(prs, "month")?;
        let class = crate::common::frame::str_values(prs, "ai_assisted")?;
        let failed = crate::common::frame::f64_values(prs, "failed")?;
        let reworked = crate::common::frame::f64_values(prs, "reworked")?;
        for i in 0..prs.height() {
            let Some(m) = month_of[i]
                .as_deref()
                .and_then(|m| months.iter().find(|x| *x == m))
            else {
                continue;
            };
            let entry = by_month.entry(m).or_default();
            let group = if class[i].as_deref().unwrap_or("none") == "none" {
                &mut entry.other
            } else {
                &mut entry.ai
            };
            group.prs += 1;
            group.failed += u32::from(failed[i].unwrap_or(0.0) > 0.0);
            if let Some(r) = reworked[i] {
                group.rework_prs += 1;
                group.reworked += u32::from(r > 0.0);
            }
        }
    }
    Ok(months
        .iter()
        .map(|m| super::charts::AiMonth {
            month: m.clone(),
            ..by_month.remove(m.as_str()).unwrap_or_default()
        })
        .collect())
}

/// Each team's AI-assisted and other PRs per trend month, from `ai_monthly`.
fn ai_months_by_team(
    rows: &DataFrame,
    months: &[String],
) -> Result<BTreeMap<String, Vec<super::charts::AiMonth>>, ReportError> {
    let mut out: BTreeMap<String, Vec<super::charts::AiMonth>> = BTreeMap::new();
    if rows.height() == 0 {
        return Ok(out);
    }
    let teams = crate::common::frame::str_values(rows, "team")?;
    let month_of = crate::common::frame::str_values(rows, "month")?;
    let group = crate::common::frame::str_values(rows, "grp")?;
    let count = |name: &str| -> Result<Vec<u32>, ReportError> {
        Ok(crate::common::frame::f64_values(rows, name)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0).max(0.0) as u32)
            .collect())
    };
    let (prs, failed, reworked, rework_prs) = (
        count("prs")?,
        count("failed")?,
        count("reworked")?,
        count("rework_prs")?,
    );
    for i in 0..rows.height() {
        let (Some(team), Some(m)) = (&teams[i], &month_of[i]) else {
            continue;
        };
        let Some(at) = months.iter().position(|x| x == m) else {
            continue;
        };
        let series = out.entry(team.clone()).or_insert_with(|| {
            months
                .iter()
                .map(|m| super::charts::AiMonth {
                    month: m.clone(),
                    ..Default::default()
                })
                .collect()
        });
        let figures = super::charts::AiGroup {
            prs: prs[i],
            failed: failed[i],
            reworked: reworked[i],
            rework_prs: rework_prs[i],
        };
        if group[i].as_deref() == Some("ai") {
            series[at].ai.add(figures);
        } else {
            series[at].other.add(figures);
        }
    }
    Ok(out)
}

/// The chosen teams' AI-assisted and other PRs per month, summed (a PR of a person in two of
/// them counts in each); the organisation's months when no team is chosen.
fn ai_of_teams(
    by_team: &BTreeMap<String, Vec<super::charts::AiMonth>>,
    ours: &dyn Fn(&str) -> bool,
    organisation: &[super::charts::AiMonth],
) -> Vec<super::charts::AiMonth> {
    let mut months: Vec<super::charts::AiMonth> = organisation
        .iter()
        .map(|m| super::charts::AiMonth {
            month: m.month.clone(),
            ..Default::default()
        })
        .collect();
    for (_, series) in by_team.iter().filter(|(team, _)| ours(team)) {
        for (sum, m) in months.iter_mut().zip(series) {
            sum.ai.add(m.ai);
            sum.other.add(m.other);
        }
    }
    months
}

/// The teams that merged the most PRs over the trend months, at most `limit`, in the order
/// given (by name), so that a small organisation's chart keeps every team in the same order.
fn busiest_teams(
    teams: &[super::charts::TeamSeries],
    limit: usize,
) -> Vec<super::charts::TeamSeries> {
    if teams.len() <= limit {
        return teams.to_vec();
    }
    let merged = |t: &super::charts::TeamSeries| -> u64 {
        t.months.iter().map(|m| u64::from(m.prs_merged)).sum()
    };
    let mut ranked: Vec<usize> = (0..teams.len()).collect();
    ranked.sort_by(|&a, &b| merged(&teams[b]).cmp(&merged(&teams[a])).then(a.cmp(&b)));
    ranked.truncate(limit);
    ranked.sort_unstable();
    ranked.into_iter().map(|i| teams[i].clone()).collect()
}

/// The output-beside-outcome chart's title, saying when only some teams are drawn.
fn output_outcome_title(shown: usize, teams: usize) -> String {
    if shown < teams {
        format!(
            "Output beside outcome: PRs merged and cycle time, the {shown} of {teams} teams \
             that merged the most"
        )
    } else {
        "Output beside outcome: PRs merged and cycle time per team".to_string()
    }
}

/// Per reviewer and team: approvals as a share of the team's merged PRs, of the busiest people,
/// by team and name.
fn review_shares(
    load: &DataFrame,
    roster: &Roster,
    names: &Names,
) -> Result<Vec<super::charts::ReviewShare>, ReportError> {
    let mut shares = Vec::new();
    if load.height() == 0 {
        return Ok(shares);
    }
    let reviewers = crate::common::frame::str_values(load, "reviewer")?;
    let teams = crate::common::frame::str_values(load, "team")?;
    let approved = crate::common::frame::f64_values(load, "approved_prs")?;
    let share = crate::common::frame::f64_values(load, "approval_share")?;
    let mut totals: BTreeMap<(String, String), (f64, f64, usize)> = BTreeMap::new();
    for i in 0..load.height() {
        let (Some(reviewer), Some(team)) = (&reviewers[i], &teams[i]) else {
            continue;
        };
        let entry = totals
            .entry((reviewer.clone(), team.clone()))
            .or_insert((0.0, 0.0, 0));
        entry.0 += approved[i].unwrap_or(0.0);
        entry.1 += share[i].unwrap_or(0.0);
        entry.2 += 1;
    }
    for ((reviewer, team), (approvals, share_sum, months)) in totals {
        shares.push(super::charts::ReviewShare {
            person: names.person(&reviewer),
            team,
            approvals: approvals as u32,
            // Over several months: the mean of the monthly shares.
            share: share_sum / months.max(1) as f64,
            is_manager: roster.is_manager(&reviewer),
        });
    }
    shares.sort_by(|a, b| a.team.cmp(&b.team).then(a.person.cmp(&b.person)));
    Ok(shares)
}

/// The busiest people of `shares` make the chart readable; it shows them by team and name,
/// never as a ranking. Chosen from a view's own shares (a team's view, its reviewers), not
/// from the organisation's.
fn busiest_shares(shares: &[super::charts::ReviewShare]) -> Vec<super::charts::ReviewShare> {
    let mut shares = shares.to_vec();
    shares.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.person.cmp(&b.person)));
    shares.truncate(CHART_PEOPLE);
    shares.sort_by(|a, b| a.team.cmp(&b.team).then(a.person.cmp(&b.person)));
    shares
}

/// The weekly phase medians of the weeks up to the period's end.
fn phase_weeks(
    weekly: &DataFrame,
    month: Month,
) -> Result<Vec<super::charts::WeekPhases>, ReportError> {
    let mut weeks = Vec::new();
    if weekly.height() == 0 {
        return Ok(weeks);
    }
    // The PHASE_WEEKS calendar weeks (Monday starts) ending with the one the month ends in:
    // those with a merged PR. Taking the last PHASE_WEEKS weeks that had one instead reached,
    // in a repository merging a PR every few weeks, a year and more before the month (a June
    // 2024 report of golang/text drew weeks of December 2022), past the months the report
    // reads (`LOOKBACK_MONTHS`), so that reading its window drew another chart than reading
    // every month.
    use chrono::Datelike;
    let last = month.last_day();
    let last_monday =
        last - chrono::Duration::days(i64::from(last.weekday().num_days_from_monday()));
    let first_monday = last_monday - chrono::Duration::weeks(PHASE_WEEKS as i64 - 1);
    let frame = weekly
        .clone()
        .lazy()
        .filter(
            col("week_start")
                .gt_eq(lit(first_monday))
                .and(col("week_start").lt_eq(lit(last))),
        )
        .sort(["week_start"], Default::default())
        .collect()?;
    let starts = frame
        .column("week_start")?
        .date()?
        .as_date_iter()
        .collect::<Vec<_>>();
    let prs = crate::common::frame::f64_values(&frame, "prs")?;
    let coding = crate::common::frame::f64_values(&frame, "coding_h")?;
    let pickup = crate::common::frame::f64_values(&frame, "pickup_h")?;
    let review = crate::common::frame::f64_values(&frame, "review_h")?;
    let merge = crate::common::frame::f64_values(&frame, "merge_h")?;
    for i in 0..frame.height() {
        let Some(week_start) = starts[i] else {
            continue;
        };
        weeks.push(super::charts::WeekPhases {
            week_start,
            coding_h: coding[i],
            pickup_h: pickup[i],
            review_h: review[i],
            merge_h: merge[i],
            prs: prs[i].unwrap_or(0.0) as u32,
        });
    }
    Ok(weeks)
}

/// The period's actions summed by weekday and local hour.
fn week_heatmap(cells: &DataFrame) -> Result<super::charts::WeekHeatmap, ReportError> {
    let mut heatmap = super::charts::WeekHeatmap {
        counts: [[0; 24]; 7],
        work_start: WORK_START,
        work_end: WORK_END,
    };
    if cells.height() == 0 {
        return Ok(heatmap);
    }
    let days = crate::common::frame::i64_values(cells, "weekday")?;
    let hours = crate::common::frame::i64_values(cells, "local_hour")?;
    let actions = crate::common::frame::i64_values(cells, "actions")?;
    for i in 0..cells.height() {
        if let (Some(d), Some(h), Some(n)) = (days[i], hours[i], actions[i])
            && (0..7).contains(&d)
            && (0..24).contains(&h)
        {
            heatmap.counts[d as usize][h as usize] += n.max(0) as u32;
        }
    }
    Ok(heatmap)
}

/// Reviews per reviewer and author of the period, the busiest people, grouped by team.
fn review_matrix(
    pairs: &DataFrame,
    roster: &Roster,
    names: &Names,
) -> Result<super::charts::ReviewMatrix, ReportError> {
    let mut matrix = super::charts::ReviewMatrix {
        reviewers: Vec::new(),
        authors: Vec::new(),
        counts: Vec::new(),
        managers: Vec::new(),
    };
    if pairs.height() == 0 {
        return Ok(matrix);
    }
    let reviewers = crate::common::frame::str_values(pairs, "reviewer")?;
    let authors = crate::common::frame::str_values(pairs, "author")?;
    let counts = crate::common::frame::f64_values(pairs, "reviews")?;
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
    for name in matrix
        .reviewers
        .iter_mut()
        .chain(&mut matrix.authors)
        .chain(&mut matrix.managers)
    {
        *name = names.person(name);
    }
    Ok(matrix)
}

/// Per team: PRs merged and cycle time in each trend month.
fn team_series(
    outcomes: &DataFrame,
    months: &[String],
) -> Result<Vec<super::charts::TeamSeries>, ReportError> {
    if outcomes.height() == 0 {
        return Ok(Vec::new());
    }
    let teams = crate::common::frame::str_values(outcomes, "team")?;
    let month_of = crate::common::frame::str_values(outcomes, "month")?;
    let merged = crate::common::frame::f64_values(outcomes, "prs_merged")?;
    let p50 = crate::common::frame::f64_values(outcomes, "cycle_p50_h")?;
    let p90 = crate::common::frame::f64_values(outcomes, "cycle_p90_h")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::{MonthFigures, TeamSeries};

    #[cfg(target_os = "linux")]
    #[test]
    fn an_earlier_report_is_swapped_for_the_new_one_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("report"), dir.path().join("staged"));
        std::fs::create_dir(&old).unwrap();
        std::fs::create_dir(&new).unwrap();
        std::fs::write(old.join("report.md"), "old").unwrap();
        std::fs::write(new.join("report.md"), "new").unwrap();
        exchange(&new, &old).unwrap();
        assert_eq!(
            std::fs::read_to_string(old.join("report.md")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(new.join("report.md")).unwrap(),
            "old"
        );
        // Where there is nothing to swap with, it says so (and the caller renames instead).
        assert!(exchange(&new, &dir.path().join("absent")).is_err());
    }

    #[test]
    fn the_phase_chart_shows_the_last_thirteen_calendar_weeks_not_the_last_thirteen_with_a_merge() {
        // A repository merging every five weeks, from January 2023 to June 2024.
        let starts: Vec<chrono::NaiveDate> = (0..16)
            .map(|i| {
                chrono::NaiveDate::from_ymd_opt(2023, 1, 2).unwrap()
                    + chrono::Duration::weeks(5 * i)
            })
            .collect();
        let n = starts.len();
        let weekly = df!(
            "week_start" => starts.clone(),
            "prs" => vec![1i64; n],
            "coding_h" => vec![1.0; n],
            "pickup_h" => (0..n).map(|i| (i % 2 == 0).then_some(2.0)).collect::<Vec<_>>(),
            "review_h" => vec![3.0; n],
            "merge_h" => vec![4.0; n],
        )
        .unwrap();
        let month: Month = "2024-03".parse().unwrap();
        let weeks = phase_weeks(&weekly, month).unwrap();
        let shown: Vec<chrono::NaiveDate> = weeks.iter().map(|w| w.week_start).collect();
        // A phase no PR of the week recorded is not recorded, not 0 hours.
        for week in &weeks {
            let i = starts.iter().position(|s| *s == week.week_start).unwrap();
            assert_eq!(week.pickup_h, (i % 2 == 0).then_some(2.0), "{week:?}");
            assert_eq!(week.review_h, Some(3.0));
        }
        // 13 weeks ending with the week of 31 March 2024 (Monday the 25th) start on 1 January.
        let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let last = chrono::NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let expected: Vec<chrono::NaiveDate> = starts
            .iter()
            .copied()
            .filter(|d| *d >= first && *d <= last)
            .collect();
        assert_eq!(shown, expected);
        assert!(!expected.is_empty() && expected.len() < 4, "{expected:?}");
    }

    fn team(name: &str, merged: &[u32]) -> TeamSeries {
        TeamSeries {
            team: name.to_string(),
            months: merged
                .iter()
                .enumerate()
                .map(|(i, &prs_merged)| MonthFigures {
                    month: format!("2026-{:02}", i + 1),
                    prs_merged,
                    cycle_p50_h: Some(10.0),
                    cycle_p90_h: Some(40.0),
                })
                .collect(),
        }
    }

    #[test]
    fn the_chart_draws_the_teams_that_merged_the_most_in_the_order_given() {
        // Team tNN merged NN PRs in each of two months; x-tie merged as many as t06, the last
        // team drawn, and loses the tie by coming later.
        let teams: Vec<TeamSeries> = (1..=15)
            .map(|n| team(&format!("t{n:02}"), &[n, n]))
            .chain([
                team("a-busy", &[0, 100]),
                team("z-busy", &[90, 0]),
                team("x-tie", &[6, 6]),
            ])
            .collect();
        let shown = busiest_teams(&teams, 12);
        let names: Vec<&str> = shown.iter().map(|t| t.team.as_str()).collect();
        assert_eq!(
            names,
            [
                "t06", "t07", "t08", "t09", "t10", "t11", "t12", "t13", "t14", "t15", "a-busy",
                "z-busy"
            ]
        );
        assert_eq!(
            output_outcome_title(shown.len(), teams.len()),
            "Output beside outcome: PRs merged and cycle time, the 12 of 18 teams that merged \
             the most"
        );
    }

    /// The demo's review pickup moved +1.3 h, less than it moves month to month by itself: no
    /// mark. After-hours activity rose more than it ever moved before: a warning.
    #[test]
    fn a_trend_is_marked_only_when_it_moves_more_than_it_usually_does() {
        let months: Vec<String> = (5..=10).map(|m| format!("2026-{m:02}")).collect();
        let org = df!(
            "month" => months.clone(),
            "pickup_p50_h" => [10.0, 16.0, 11.2, 15.9, 16.5, 17.8],
            "after_hours_share" => [0.02, 0.021, 0.03, 0.02, 0.029, 0.052],
            "cycle_p50_h" => [80.0, 81.0, 79.0, 80.5, 80.0, 60.0],
        )
        .unwrap();
        let (trends, _) = headline_trends(&org, &months, Clock::Wall, Whose::Organisation).unwrap();
        let trend = |metric: &str| trends.iter().find(|t| t.metric == metric).unwrap();
        let pickup = trend("pickup_p50_h");
        assert_eq!(pickup.direction, "worse");
        assert_eq!(
            (pickup.signal.as_str(), pickup.usual_change_text.as_str()),
            ("", "6.0 h")
        );
        let after = trend("after_hours_share");
        assert_eq!(
            (after.signal.as_str(), after.usual_change_text.as_str()),
            ("worse", "1.0 pp")
        );
        assert_eq!(trend("cycle_p50_h").signal, "better");
        // Too few earlier months to know the usual variation: no mark.
        let (short, _) = headline_trends(
            &org.slice(3, 3),
            &months[3..],
            Clock::Wall,
            Whose::Organisation,
        )
        .unwrap();
        let pickup = short.iter().find(|t| t.metric == "pickup_p50_h").unwrap();
        assert_eq!((pickup.signal.as_str(), pickup.usual_change), ("", None));
    }

    /// The reviewer table never ranks: everyone by team and name, or in a large organisation
    /// only the people a finding names.
    #[test]
    fn the_reviewer_table_lists_everyone_by_team_or_only_the_people_findings_name() {
        let row = |team: &str, reviewer: &str| serde_json::json!({"team": team, "reviewer": reviewer, "blocking_h": 1.0});
        let few = vec![row("a", "x"), row("b", "y")];
        let (shown, note) = review_table(&few, &[]);
        assert_eq!(shown, few);
        assert_eq!(note, "2 reviewers, grouped by team and sorted by name.");
        let many: Vec<serde_json::Value> = (0..=REVIEW_TABLE_PEOPLE)
            .map(|i| row("t", &format!("p{i:02}")))
            .collect();
        let finding = crate::detect::Finding {
            kind: FindingKind::ReviewBottleneck,
            subject: "p07".into(),
            period: Month::new(2026, 10).unwrap().into(),
            severity: Severity::Warn,
            headline: String::new(),
            evidence: Default::default(),
            question: String::new(),
            basis: Default::default(),
        };
        let (shown, note) = review_table(
            &many,
            &[ReportFinding::new(
                finding,
                "t".into(),
                &crate::config::Thresholds::default(),
            )],
        );
        assert_eq!(shown, [row("t", "p07")]);
        assert!(
            note.starts_with("The 1 reviewer the findings name, of 41"),
            "{note}"
        );
    }

    /// A team's page is named safely whatever its name: no separator, no dot, never empty.
    #[test]
    fn a_team_name_becomes_a_safe_file_name() {
        assert_eq!(team_file_name("Payments"), "payments");
        assert_eq!(team_file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(team_file_name("Dev Ex & Tools"), "dev-ex---tools");
        assert_eq!(team_file_name("<script>"), "script");
        assert_eq!(team_file_name("ß/.."), "team");
    }

    #[test]
    fn a_small_organisation_keeps_every_team_and_the_plain_title() {
        let teams = vec![team("b", &[1]), team("a", &[5])];
        let shown = busiest_teams(&teams, 12);
        assert_eq!(
            shown.iter().map(|t| t.team.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(
            output_outcome_title(2, 2),
            "Output beside outcome: PRs merged and cycle time per team"
        );
    }
}
