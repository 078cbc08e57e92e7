//! Metrics: defined once, over the normalized tables.
//!
//! Where SQL can say it, a metric is a file under `queries/metrics/` (embedded in the binary, run
//! through polars' SQL context in file-name order, each result registered under the file's name
//! without its numeric prefix so later files can build on earlier ones). Where SQL cannot (lists
//! to explode, weekly buckets), a metric is a polars lazy expression in [`derived`]. The SQL is
//! kept to what DuckDB also runs, so the same files work on the same Parquet files elsewhere.

mod activity;
pub mod ai;
pub mod calendar;
mod delivery;
mod derived;
mod history;

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::config::Config;
use crate::measure::Stopwatch;

pub use history::History;

/// A built-in metric: one of the SQL files of `queries/metrics/` or a frame [`derived`] or
/// `activity` computes. Built-ins are asked for by this type, so a misspelt name is a compile
/// error rather than an empty frame that silently switches a detector off; a user's own SQL
/// metric is asked for by its file's name through [`Metrics::named`], which refuses a name no
/// metric has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    PrPhases,
    ReviewWaits,
    ReviewLoad,
    ReviewPairs,
    OutputMonthly,
    ActiveDays,
    OutcomeMonthly,
    OrgMonthly,
    TeamHealthMonthly,
    ActivityHeatmap,
    Bots,
    Memberships,
    PrFailures,
    PrDeploys,
    ActivityLocal,
    PersonMonthly,
    PhasesWeekly,
    PersonCalendars,
    WorkingTime,
    StatusCategories,
    StatusMoves,
    StatusIntervals,
    TimeInStatus,
    TimeInStatusCategory,
    ProductionDeploys,
    DeployPrs,
    DeployedPrAuthors,
    IncidentLinks,
    HotfixLinks,
    DeployOutcomes,
    DeliveryMonthly,
    DeliveryOrgMonthly,
    PrAi,
    PrRework,
    AiPrs,
    AiMonthly,
    TeamPickups,
}

impl Metric {
    /// Whether something reads this built-in after the metrics are computed: a detector, the
    /// report, the analysis's coverage, `validate`. [`compute_for_analysis`] keeps these and
    /// releases the others (intermediate tables only the SQL reads) as soon as the last SQL file
    /// naming them has run; asking [`Metrics::get`] for a released one is a bug it says by name.
    /// The released ones are listed, so that a new metric is kept until someone decides otherwise.
    pub fn read_after_sql(self) -> bool {
        !matches!(
            self,
            Metric::Bots
                | Metric::Memberships
                | Metric::PrFailures
                | Metric::PrDeploys
                | Metric::WorkingTime
                | Metric::StatusCategories
                | Metric::StatusMoves
                | Metric::StatusIntervals
                | Metric::DeployPrs
                | Metric::DeployedPrAuthors
                | Metric::HotfixLinks
                | Metric::PrAi
                | Metric::PrRework
        )
    }

    /// Every built-in metric.
    pub const ALL: [Metric; 37] = [
        Metric::PrPhases,
        Metric::ReviewWaits,
        Metric::ReviewLoad,
        Metric::ReviewPairs,
        Metric::OutputMonthly,
        Metric::ActiveDays,
        Metric::OutcomeMonthly,
        Metric::OrgMonthly,
        Metric::TeamHealthMonthly,
        Metric::ActivityHeatmap,
        Metric::Bots,
        Metric::Memberships,
        Metric::PrFailures,
        Metric::PrDeploys,
        Metric::ActivityLocal,
        Metric::PersonMonthly,
        Metric::PhasesWeekly,
        Metric::PersonCalendars,
        Metric::WorkingTime,
        Metric::StatusCategories,
        Metric::StatusMoves,
        Metric::StatusIntervals,
        Metric::TimeInStatus,
        Metric::TimeInStatusCategory,
        Metric::ProductionDeploys,
        Metric::DeployPrs,
        Metric::DeployedPrAuthors,
        Metric::IncidentLinks,
        Metric::HotfixLinks,
        Metric::DeployOutcomes,
        Metric::DeliveryMonthly,
        Metric::DeliveryOrgMonthly,
        Metric::PrAi,
        Metric::PrRework,
        Metric::AiPrs,
        Metric::AiMonthly,
        Metric::TeamPickups,
    ];

    /// The name SQL and `teamlens query` know it by (a SQL file's name without its prefix).
    pub const fn name(self) -> &'static str {
        match self {
            Metric::PrPhases => "pr_phases",
            Metric::ReviewWaits => "review_waits",
            Metric::ReviewLoad => "review_load",
            Metric::ReviewPairs => "review_pairs",
            Metric::OutputMonthly => "output_monthly",
            Metric::ActiveDays => "active_days",
            Metric::OutcomeMonthly => "outcome_monthly",
            Metric::OrgMonthly => "org_monthly",
            Metric::TeamHealthMonthly => "team_health_monthly",
            Metric::ActivityHeatmap => "activity_heatmap",
            Metric::Bots => "bots",
            Metric::Memberships => "memberships",
            Metric::PrFailures => "pr_failures",
            Metric::PrDeploys => "pr_deploys",
            Metric::ActivityLocal => "activity_local",
            Metric::PersonMonthly => "person_monthly",
            Metric::PhasesWeekly => "phases_weekly",
            Metric::PersonCalendars => "person_calendars",
            Metric::WorkingTime => "working_time",
            Metric::StatusCategories => "status_categories",
            Metric::StatusMoves => "status_moves",
            Metric::StatusIntervals => "status_intervals",
            Metric::TimeInStatus => "time_in_status",
            Metric::TimeInStatusCategory => "time_in_status_category",
            Metric::ProductionDeploys => "production_deploys",
            Metric::DeployPrs => "deploy_prs",
            Metric::DeployedPrAuthors => "deployed_pr_authors",
            Metric::IncidentLinks => "incident_links",
            Metric::HotfixLinks => "hotfix_links",
            Metric::DeployOutcomes => "deploy_outcomes",
            Metric::DeliveryMonthly => "delivery_monthly",
            Metric::DeliveryOrgMonthly => "delivery_org_monthly",
            Metric::PrAi => "pr_ai",
            Metric::PrRework => "pr_rework",
            Metric::AiPrs => "ai_prs",
            Metric::AiMonthly => "ai_monthly",
            Metric::TeamPickups => "team_pickups",
        }
    }
}

/// The built-in SQL metrics, in the order they run.
pub const BUILTIN_SQL: &[(Metric, &str)] = &[
    (
        Metric::PrPhases,
        include_str!("../../queries/metrics/10_pr_phases.sql"),
    ),
    (
        Metric::ReviewWaits,
        include_str!("../../queries/metrics/20_review_waits.sql"),
    ),
    (
        Metric::ReviewLoad,
        include_str!("../../queries/metrics/30_review_load.sql"),
    ),
    (
        Metric::ReviewPairs,
        include_str!("../../queries/metrics/35_review_pairs.sql"),
    ),
    (
        Metric::OutputMonthly,
        include_str!("../../queries/metrics/40_output_monthly.sql"),
    ),
    (
        Metric::ActiveDays,
        include_str!("../../queries/metrics/45_active_days.sql"),
    ),
    (
        Metric::DeployOutcomes,
        include_str!("../../queries/metrics/46_deploy_outcomes.sql"),
    ),
    (
        Metric::DeliveryMonthly,
        include_str!("../../queries/metrics/47_delivery_monthly.sql"),
    ),
    (
        Metric::DeliveryOrgMonthly,
        include_str!("../../queries/metrics/48_delivery_org_monthly.sql"),
    ),
    (
        Metric::OutcomeMonthly,
        include_str!("../../queries/metrics/50_outcome_monthly.sql"),
    ),
    (
        Metric::OrgMonthly,
        include_str!("../../queries/metrics/55_org_monthly.sql"),
    ),
    (
        Metric::StatusIntervals,
        include_str!("../../queries/metrics/57_status_intervals.sql"),
    ),
    (
        Metric::TimeInStatus,
        include_str!("../../queries/metrics/60_time_in_status.sql"),
    ),
    (
        Metric::TimeInStatusCategory,
        include_str!("../../queries/metrics/61_time_in_status_category.sql"),
    ),
    (
        Metric::TeamHealthMonthly,
        include_str!("../../queries/metrics/65_team_health_monthly.sql"),
    ),
    (
        Metric::ActivityHeatmap,
        include_str!("../../queries/metrics/70_activity_heatmap.sql"),
    ),
    (
        Metric::AiPrs,
        include_str!("../../queries/metrics/75_ai_prs.sql"),
    ),
    (
        Metric::AiMonthly,
        include_str!("../../queries/metrics/76_ai_monthly.sql"),
    ),
];

/// Why metrics could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("metric `{name}`: {source}")]
    Query {
        name: String,
        #[source]
        source: PolarsError,
    },
    #[error("no metric is named `{name}`; the metrics are: {known}")]
    Unknown { name: String, known: String },
    #[error(transparent)]
    UnknownAssistant(#[from] crate::identity::assistants::UnknownRemoval),
    #[error("cannot start the thread that computes the metrics: {0}")]
    Thread(#[source] std::io::Error),
    #[error("cannot read metric file {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn query_error(name: &str) -> impl FnOnce(PolarsError) -> MetricsError + '_ {
    move |source| MetricsError::Query {
        name: name.to_string(),
        source,
    }
}

/// Every metric's result, by name, plus the tables they were computed from.
#[derive(Default)]
pub struct Metrics {
    frames: BTreeMap<String, DataFrame>,
    /// Names of metrics that came from the user's own SQL files, in the order they ran.
    pub user_metrics: Vec<String>,
    /// The whole history's facts, when the metrics were computed over a window of months.
    history: Option<History>,
    /// The metrics [`compute_for_analysis`] released after their last SQL reader.
    released: Vec<String>,
    /// Wall-clock seconds the built-in SQL files took (user files excluded): the work the
    /// benchmark also hands DuckDB (`bench::duckdb`), so the two engines are compared on the
    /// same queries over the same tables as well as teamlens's whole analysis against them.
    pub builtin_sql_seconds: f64,
}

/// What a computation of the metrics knows of the history beyond its tables.
#[derive(Default)]
pub struct Reach<'a> {
    /// The whole history's facts, when the tables hold a window of months (`asof::window`);
    /// `None` when they hold all of it, and the facts are read from them.
    pub history: Option<&'a History>,
    /// The first day of the months analysed: the working clock's origin
    /// (`calendar::frames`), the same for a window and for the whole history.
    pub first_day: Option<chrono::NaiveDate>,
}

impl Metrics {
    /// A built-in metric's frame. [`compute`] gives every built-in; only a `Metrics` made
    /// without it (`Metrics::default()`, in tests) has none, and reads as an empty frame.
    ///
    /// # Panics
    /// For a metric [`compute_for_analysis`] released: read as empty, it would silently switch a
    /// detector or a report section off, so [`Metric::read_after_sql`] must say so.
    pub fn get(&self, metric: Metric) -> &DataFrame {
        static EMPTY: std::sync::OnceLock<DataFrame> = std::sync::OnceLock::new();
        assert!(
            !self.released.iter().any(|name| name == metric.name()),
            "metric `{}` was released after the SQL that reads it; a reader after the SQL \
             needs Metric::read_after_sql to say so",
            metric.name()
        );
        self.frames
            .get(metric.name())
            .unwrap_or_else(|| EMPTY.get_or_init(DataFrame::empty))
    }

    /// A metric by its name — a user's own SQL file's (`NN_name.sql` → `name`) or a built-in's
    /// [`Metric::name`]; an error naming the metrics there are when none has that name.
    pub fn named(&self, name: &str) -> Result<&DataFrame, MetricsError> {
        self.frames.get(name).ok_or_else(|| MetricsError::Unknown {
            name: name.to_string(),
            known: self.names().collect::<Vec<_>>().join(", "),
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.frames.keys().map(String::as_str)
    }

    /// The first moment the data covers, in microseconds, as far as the months analysed need
    /// it: the first action anyone (no bot) took, or the window's first moment when someone
    /// acted before it (`History::acted_before`; whatever came before does not matter then).
    pub fn observed_from_us(&self) -> PolarsResult<Option<i64>> {
        let local = self.get(Metric::ActivityLocal);
        let first = if local.height() == 0 {
            None
        } else {
            local
                .column("at")?
                .as_materialized_series()
                .cast(&DataType::Int64)?
                .i64()?
                .min()
        };
        let before = self.history.as_ref().and_then(|h| h.acted_before);
        Ok(match (first, before) {
            (Some(first), Some(before)) => Some(first.min(before - 1)),
            (first, before) => first.or(before.map(|b| b - 1)),
        })
    }

    /// An SQL context holding the tables and every metric, for `teamlens query`.
    pub fn sql_context(&self, tables: &BTreeMap<&'static str, LazyFrame>) -> SQLContext {
        let context = SQLContext::new();
        for (name, frame) in tables {
            context.register(name, frame.clone());
        }
        for (name, frame) in &self.frames {
            context.register(name, frame.clone().lazy());
        }
        context
    }
}

/// The incidents among `issues` (`[dora]`'s types and labels) that name no PR: what the
/// coverage says of the tickets a window of months leaves out, as `incident_links` says it of
/// the others.
pub fn incidents_without_pr(
    issues: LazyFrame,
    config: &crate::config::DoraConfig,
) -> Result<usize, MetricsError> {
    let links = delivery::incident_links(issues, config).map_err(query_error("incident_links"))?;
    Ok(if links.height() > 0 {
        links
            .column("number")
            .map_err(query_error("incident_links"))?
            .null_count()
    } else {
        0
    })
}

/// Stack for planning the metrics' queries. Polars plans a query recursively, one frame per node
/// of the plan; a metric of many CTEs and joins (a user's own most of all) can need more than a
/// test thread's 2 MiB, and a stack overflow aborts the process with no message at all. Only the
/// pages used are committed, so a generous reservation costs nothing.
pub(crate) const PLANNING_STACK_BYTES: usize = 256 * 1024 * 1024;

/// What a computation keeps of the derived tables and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Everything, for `teamlens query`, whose SQL may name any of them.
    All,
    /// What is read after the SQL ([`Metric::read_after_sql`], the user's own metrics); the
    /// rest goes as soon as the last SQL file naming it has run.
    Read,
}

/// Computes the derived tables, then every SQL metric in order: the built-ins, then the user's
/// `*.sql` files from `user_dir` (a user file with a built-in's name replaces it), and keeps
/// them all (`teamlens query`). Runs on a thread of its own with a large stack (see
/// [`PLANNING_STACK_BYTES`]).
pub fn compute(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    user_dir: Option<&Path>,
) -> Result<Metrics, MetricsError> {
    compute_keeping(tables, config, user_dir, Keep::All, &Reach::default())
}

/// As [`compute`], keeping only what the detectors, the report and `validate` read after the
/// SQL ([`Metric::read_after_sql`] and the user's own metrics): each other derived table or
/// intermediate result (`status_moves`, `status_intervals`, `working_time`, `pr_ai`, …) is
/// released once the last SQL file that names it has run. At 2,000 people they are hundreds of
/// megabytes the analysis would otherwise hold to its end, under every later step's peak.
/// `reach`: what it knows of the history beyond `tables` ([`Reach`]).
pub fn compute_for_analysis(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    user_dir: Option<&Path>,
    reach: &Reach,
) -> Result<Metrics, MetricsError> {
    compute_keeping(tables, config, user_dir, Keep::Read, reach)
}

fn compute_keeping(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    user_dir: Option<&Path>,
    keep: Keep,
    reach: &Reach,
) -> Result<Metrics, MetricsError> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("metrics".into())
            .stack_size(PLANNING_STACK_BYTES)
            .spawn_scoped(scope, || {
                compute_here(tables, config, user_dir, keep, reach)
            })
            .map_err(MetricsError::Thread)?;
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Whether `sql` names `table`: the name as a whole word, in any case. A mention in a comment
/// counts too, which only keeps a table a little longer than needed.
fn names_table(sql: &str, table: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let sql = sql.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = sql[from..].find(table) {
        let start = from + found;
        let end = start + table.len();
        let before = sql[..start].chars().next_back().is_none_or(|c| !word(c));
        let after = sql[end..].chars().next().is_none_or(|c| !word(c));
        if before && after {
            return true;
        }
        from = end;
    }
    false
}

/// For each released name, the index of the last query that names it (`None`: no query does).
fn last_readers<'a>(
    names: impl Iterator<Item = &'a str>,
    queries: &[(String, String)],
) -> Vec<(String, Option<usize>)> {
    names
        .map(|name| {
            let last = queries.iter().rposition(|(_, sql)| names_table(sql, name));
            (name.to_string(), last)
        })
        .collect()
}

/// Every team's median pickup per month (`team`, `month`, `pickup_p50_h`), as
/// `outcome_monthly` has it, from the PRs and reviews in `tables` alone (the other tables read
/// as empty): what `absentee_manager` compares a team's pickup with. A narrowed analysis
/// (`crate::scope`) computes it over every team's PRs merged in the judged months and hands
/// it on as the table `team_pickups`, which [`compute`] then takes as the metric; without it
/// the metric is `outcome_monthly`'s column.
///
/// `reach`: the analysis's, so that the working clock counts from the same day.
pub fn team_pickups(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    reach: &Reach,
) -> Result<DataFrame, MetricsError> {
    let mut all: BTreeMap<&'static str, LazyFrame> = BTreeMap::new();
    for spec in crate::model::TABLES {
        let frame = match tables.get(spec.name) {
            Some(frame) => frame.clone(),
            None => crate::model::empty_frame(spec).lazy(),
        };
        all.insert(spec.name, frame);
    }
    let only = [
        Metric::PrPhases,
        Metric::DeployOutcomes,
        Metric::DeliveryMonthly,
        Metric::OutcomeMonthly,
    ];
    let computed = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("metrics".into())
            .stack_size(PLANNING_STACK_BYTES)
            .spawn_scoped(scope, || {
                compute_only(&all, config, None, Some(&only), Keep::Read, reach)
            })
            .map_err(MetricsError::Thread)?;
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    pickups_of(computed.get(Metric::OutcomeMonthly)).map_err(query_error("team_pickups"))
}

/// `outcome_monthly`'s pickup per team and month.
fn pickups_of(outcomes: &DataFrame) -> PolarsResult<DataFrame> {
    if outcomes.height() == 0 {
        return DataFrame::new(
            0,
            vec![
                Column::new_empty("team".into(), &DataType::String),
                Column::new_empty("month".into(), &DataType::String),
                Column::new_empty("pickup_p50_h".into(), &DataType::Float64),
            ],
        );
    }
    outcomes.select(["team", "month", "pickup_p50_h"])
}

fn compute_here(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    user_dir: Option<&Path>,
    keep: Keep,
    reach: &Reach,
) -> Result<Metrics, MetricsError> {
    compute_only(tables, config, user_dir, None, keep, reach)
}

/// Every metric, or with `only` the built-in SQL metrics named (and every derived table).
fn compute_only(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    user_dir: Option<&Path>,
    only: Option<&[Metric]>,
    keep: Keep,
    reach: &Reach,
) -> Result<Metrics, MetricsError> {
    crate::identity::assistants::Assistants::check_removals(&config.ai)?;
    let mut context = SQLContext::new();
    for (name, frame) in tables {
        context.register(name, frame.clone());
    }
    let mut frames = BTreeMap::new();
    let started = Stopwatch::start();
    for (metric, frame) in
        derived::before_sql(tables, config, reach.history).map_err(query_error("derived"))?
    {
        context.register(metric.name(), frame.clone().lazy());
        frames.insert(metric.name().to_string(), frame);
    }
    log_metric("derived", &started);
    let started = Stopwatch::start();
    for (metric, frame) in calendar::frames(tables, &config.calendar, reach.first_day)
        .map_err(query_error("calendar"))?
    {
        context.register(metric.name(), frame.clone().lazy());
        frames.insert(metric.name().to_string(), frame);
    }
    log_metric("calendar", &started);
    let started = Stopwatch::start();
    let bots = frames
        .get(Metric::Bots.name())
        .cloned()
        .unwrap_or_else(DataFrame::empty);
    if only.is_none() {
        for (metric, frame) in
            activity::frames(tables, &bots, reach.history.map(|h| &h.usual_offsets))
                .map_err(query_error("activity"))?
        {
            context.register(metric.name(), frame.clone().lazy());
            frames.insert(metric.name().to_string(), frame);
        }
        log_metric("activity", &started);
    }
    // Without a roster there is no local activity; the SQL that reads it sees empty tables.
    for (metric, frame) in activity::empty_frames().map_err(query_error("activity"))? {
        if !frames.contains_key(metric.name()) {
            context.register(metric.name(), frame.lazy());
        }
    }

    let mut queries: Vec<(String, String)> = BUILTIN_SQL
        .iter()
        .filter(|(metric, _)| only.is_none_or(|only| only.contains(metric)))
        .map(|(metric, sql)| (metric.name().to_string(), sql.to_string()))
        .collect();
    let mut user_metrics = Vec::new();
    if let Some(dir) = user_dir {
        for (name, sql) in read_sql_dir(dir)? {
            user_metrics.push(name.clone());
            match queries.iter_mut().find(|(existing, _)| *existing == name) {
                Some(slot) => slot.1 = sql,
                None => queries.push((name, sql)),
            }
        }
    }
    // What may go, and after which query: every built-in no one reads after the SQL (a user's
    // file with a built-in's name is the user's metric, kept).
    let releasable = |name: &str| {
        keep == Keep::Read
            && !user_metrics.iter().any(|user| user == name)
            && !Metric::ALL
                .iter()
                .any(|m| m.name() == name && m.read_after_sql())
            && Metric::ALL.iter().any(|m| m.name() == name)
    };
    let mut releases = last_readers(
        frames
            .keys()
            .chain(queries.iter().map(|(name, _)| name))
            .map(String::as_str)
            .filter(|name| releasable(name)),
        &queries,
    );
    // A result exists only once its own query has run.
    for (name, last) in &mut releases {
        if let Some(own) = queries.iter().position(|(query, _)| query == name) {
            *last = (*last).max(Some(own));
        }
    }
    let mut released = Vec::new();
    let mut release = |after: Option<usize>,
                       frames: &mut BTreeMap<String, DataFrame>,
                       context: &mut SQLContext| {
        for (name, last) in &releases {
            if *last == after && frames.remove(name).is_some() {
                context.unregister(name);
                released.push(name.clone());
            }
        }
    };
    release(None, &mut frames, &mut context);
    let mut builtin_sql_seconds = 0.0;
    for (i, (name, sql)) in queries.iter().enumerate() {
        let started = Stopwatch::start();
        let frame = context
            .execute(sql)
            .and_then(LazyFrame::collect)
            .map_err(query_error(name))?;
        log_metric(name, &started);
        if !user_metrics.contains(name) {
            builtin_sql_seconds += started.seconds();
        }
        context.register(name, frame.clone().lazy());
        frames.insert(name.clone(), frame);
        release(Some(i), &mut frames, &mut context);
    }
    for (metric, frame) in derived::after_sql(&frames).map_err(query_error("derived"))? {
        frames.insert(metric.name().to_string(), frame);
    }
    // Every team's pickup: handed on by a narrowed analysis, else `outcome_monthly`'s own.
    let pickups = match tables.get(Metric::TeamPickups.name()) {
        Some(given) => given.clone().collect(),
        None => pickups_of(
            frames
                .get(Metric::OutcomeMonthly.name())
                .unwrap_or(&DataFrame::empty()),
        ),
    }
    .map_err(query_error(Metric::TeamPickups.name()))?;
    frames.insert(Metric::TeamPickups.name().to_string(), pickups);
    log_sizes(&frames);
    Ok(Metrics {
        frames,
        user_metrics,
        history: reach.history.cloned(),
        released,
        builtin_sql_seconds,
    })
}

/// The people whose actions and reviews count for no one (`bots`: the roster's bots and
/// `[report] bots`), as every metric reads them.
pub fn bots(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
) -> PolarsResult<DataFrame> {
    derived::bots(tables, config)
}

/// The time of the organisation's first action (microseconds) as `activity_local` holds it.
pub fn first_action_at(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
) -> PolarsResult<Option<i64>> {
    activity::first_action_at(tables, &bots(tables, config)?)
}

/// The time column of a table's actions (`activity_local`), if the table holds actions.
pub fn action_time(table: &str) -> Option<&'static str> {
    activity::ACTION_TIMES
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, at)| *at)
}

/// The deployments DORA's keys count: to an environment of `[dora] environments`.
pub fn production_deployments(deployments: LazyFrame, config: &Config) -> LazyFrame {
    delivery::production(deployments, &config.dora)
}

/// The tickets DORA's keys count as incidents (`[dora]`'s types and labels): `key`,
/// `created_at`, `resolved_at`, `linked_prs`.
pub fn incidents(issues: LazyFrame, config: &Config) -> PolarsResult<LazyFrame> {
    delivery::incidents(issues, &config.dora)
}

/// What a metric cost, in the debug log (`TEAMLENS_LOG=teamlens=debug`): where to look first
/// when the analysis of a large organisation is slow.
fn log_metric(name: &str, started: &Stopwatch) {
    tracing::debug!(
        metric = name,
        seconds = started.seconds(),
        cpu_seconds = started.cpu_seconds(),
        peak_rss_mib = crate::measure::peak_rss_bytes().map(|b| b >> 20),
        rss_mib = crate::measure::rss_bytes().map(|b| b >> 20),
        "metric computed"
    );
}

/// What each metric's frame holds, in the debug log: the frames live as long as the analysis, so
/// these are the bytes the metrics add to its peak.
fn log_sizes(frames: &BTreeMap<String, DataFrame>) {
    for (name, frame) in frames {
        tracing::debug!(
            metric = name.as_str(),
            rows = frame.height(),
            mib = frame.estimated_size() >> 20,
            "metric held"
        );
    }
}

/// Reads `NN_name.sql` files in name order; the metric's name drops the numeric prefix.
fn read_sql_dir(dir: &Path) -> Result<Vec<(String, String)>, MetricsError> {
    let read_error = |source| MetricsError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let sql = std::fs::read_to_string(&path).map_err(|source| MetricsError::Read {
                path: path.clone(),
                source,
            })?;
            Ok((metric_name(&path), sql))
        })
        .collect()
}

/// `10_pr_phases.sql` → `pr_phases`.
pub fn metric_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    match stem.split_once('_') {
        Some((prefix, rest)) if prefix.chars().all(|c| c.is_ascii_digit()) => rest.to_string(),
        _ => stem.to_string(),
    }
}

/// Runs one SQL statement over the tables and metrics.
pub fn query(context: &mut SQLContext, sql: &str) -> Result<DataFrame, MetricsError> {
    context
        .execute(sql)
        .and_then(LazyFrame::collect)
        .map_err(query_error("query"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Person, PullRequest, Review, ReviewRequest, Table};
    use chrono::{DateTime, TimeZone, Utc};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap()
    }

    fn person(id: &str, role: &str) -> Person {
        Person {
            person: id.into(),
            display_name: None,
            team: "core".into(),
            teams: Vec::new(),
            role: role.into(),
            timezone: "UTC".into(),
            work_start_hour: None,
            work_end_hour: None,
            aliases: vec![],
        }
    }

    fn review(number: i64, reviewer: &str, state: &str, when: DateTime<Utc>) -> Review {
        Review {
            source: "t".into(),
            repo: "acme/api".into(),
            number,
            reviewer: reviewer.into(),
            reviewer_name: None,
            state: state.into(),
            submitted_at: when,
            comment_count: None,
        }
    }

    /// One PR: first commit day 1 08:00, opened as draft day 1 09:00, ready day 2 09:00,
    /// ada asked day 1 10:00 (so her clock starts at ready), bo asked day 2 12:00;
    /// the author's own comment day 2 10:00 (not a review), a bot's approval day 2 11:00 (ignored),
    /// bo comments day 2 13:00, ada approves day 3 09:00, bo approves day 3 15:00, merged day 3 16:00.
    /// cy's PR #1: opened on the 1st, reviewed, merged by cy on the 3rd.
    fn cys_pr() -> PullRequest {
        PullRequest {
            source: "t".into(),
            repo: "acme/api".into(),
            number: 1,
            author: "cy".into(),
            title: Some("Add retry".into()),
            url: Some("https://github.com/acme/api/pull/1".into()),
            created_at: at(1, 9),
            ready_at: Some(at(2, 9)),
            first_commit_at: Some(at(1, 8)),
            merged_at: Some(at(3, 16)),
            closed_at: Some(at(3, 16)),
            merged_by: Some("cy".into()),
            state: Some("merged".into()),
            draft: Some(false),
            additions: Some(30),
            deletions: Some(10),
            changed_files: Some(2),
            labels: vec![],
            base_ref: Some("main".into()),
            is_revert: Some(false),
            reverts_number: None,
            linked_issues: vec![],
            updated_at: None,
            attribution: Vec::new(),
        }
    }

    fn tables() -> BTreeMap<&'static str, LazyFrame> {
        let pr = cys_pr();
        let request = |who: &str, when| ReviewRequest {
            source: "t".into(),
            repo: "acme/api".into(),
            number: 1,
            requested: who.into(),
            requested_by: Some("cy".into()),
            requested_at: when,
            removed_at: None,
        };
        let mut tables = BTreeMap::new();
        for spec in crate::model::TABLES {
            tables.insert(spec.name, crate::model::empty_frame(spec).lazy());
        }
        let people = vec![
            person("ada", "engineer"),
            person("bo", "manager"),
            person("cy", "engineer"),
            person("ci-bot", "bot"),
        ];
        tables.insert("people", Person::to_frame(people).unwrap().lazy());
        tables.insert(
            "pull_requests",
            PullRequest::to_frame(vec![pr]).unwrap().lazy(),
        );
        tables.insert(
            "reviews",
            Review::to_frame(vec![
                review(1, "cy", "commented", at(2, 10)),
                review(1, "ci-bot", "approved", at(2, 11)),
                review(1, "bo", "commented", at(2, 13)),
                review(1, "ada", "approved", at(3, 9)),
                review(1, "bo", "approved", at(3, 15)),
            ])
            .unwrap()
            .lazy(),
        );
        tables.insert(
            "review_requests",
            ReviewRequest::to_frame(vec![request("ada", at(1, 10)), request("bo", at(2, 12))])
                .unwrap()
                .lazy(),
        );
        tables
    }

    fn value(frame: &DataFrame, column: &str, row: usize) -> f64 {
        frame
            .column(column)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .get(row)
            .unwrap()
    }

    #[test]
    fn an_agents_pr_belongs_to_the_person_who_merged_or_last_reviewed_it_never_to_a_bot() {
        let mut tables = tables();
        let base = tables["pull_requests"].clone().collect().unwrap();
        let agent_pr = |number: i64, merged_by: &str| PullRequest {
            number,
            author: "Copilot".into(),
            title: Some("Fix flaky test".into()),
            url: None,
            merged_at: Some(at(3, 12)),
            closed_at: Some(at(3, 12)),
            merged_by: Some(merged_by.into()),
            ..cys_pr()
        };
        let agents =
            PullRequest::to_frame(vec![agent_pr(2, "ci-bot"), agent_pr(3, "ada")]).unwrap();
        tables.insert("pull_requests", base.vstack(&agents).unwrap().lazy());
        let reviews = tables["reviews"].clone().collect().unwrap();
        let more = Review::to_frame(vec![
            review(2, "ada", "approved", at(2, 9)),
            review(2, "bo", "approved", at(2, 15)),
            // After the merge: not who saw it through.
            review(2, "cy", "commented", at(3, 13)),
        ])
        .unwrap();
        tables.insert("reviews", reviews.vstack(&more).unwrap().lazy());
        let metrics = compute(&tables, &Config::default(), None).unwrap();
        let prs = metrics.get(Metric::AiPrs);
        let numbers = crate::common::frame::i64_values(prs, "number").unwrap();
        let owners = crate::common::frame::str_values(prs, "owner").unwrap();
        let owner_of = |n: i64| {
            let i = numbers.iter().position(|x| *x == Some(n)).unwrap();
            owners[i].clone()
        };
        assert_eq!(
            owner_of(1).as_deref(),
            Some("cy"),
            "a person's PR: its author"
        );
        assert_eq!(
            owner_of(2).as_deref(),
            Some("bo"),
            "merged by a bot: the last reviewer"
        );
        assert_eq!(
            owner_of(3).as_deref(),
            Some("ada"),
            "merged by a person: that person"
        );
    }

    #[test]
    fn every_built_in_metric_is_computed_and_an_unknown_name_is_an_error() {
        let metrics = compute(&tables(), &Config::default(), None).unwrap();
        for metric in Metric::ALL {
            assert!(metrics.named(metric.name()).is_ok(), "{}", metric.name());
        }
        let error = metrics.named("pr_phase").unwrap_err().to_string();
        assert!(error.contains("no metric is named `pr_phase`"), "{error}");
        assert!(error.contains("pr_phases"), "{error}");
    }

    #[test]
    fn phases_follow_the_definitions() {
        let metrics = compute(&tables(), &Config::default(), None).unwrap();
        let phases = metrics.get(Metric::PrPhases);
        assert_eq!(phases.height(), 1);
        assert_eq!(value(phases, "coding_h", 0), 25.0, "first commit → ready");
        assert_eq!(
            value(phases, "pickup_h", 0),
            4.0,
            "ready → bo's comment; self and bot ignored"
        );
        assert_eq!(
            value(phases, "review_h", 0),
            26.0,
            "first review → last approval"
        );
        assert_eq!(value(phases, "merge_h", 0), 1.0);
        assert_eq!(value(phases, "cycle_h", 0), 56.0);
        assert_eq!(
            value(phases, "approvals", 0),
            2.0,
            "the bot's approval does not count"
        );
    }

    #[test]
    fn review_clocks_start_when_the_reviewer_is_asked_and_the_pr_is_ready() {
        let metrics = compute(&tables(), &Config::default(), None).unwrap();
        let waits = metrics
            .get(Metric::ReviewWaits)
            .sort(["reviewer"], Default::default())
            .unwrap();
        assert_eq!(waits.height(), 2);
        assert_eq!(
            value(&waits, "wait_h", 0),
            24.0,
            "ada: ready day 2 09:00 → approval day 3 09:00"
        );
        assert_eq!(
            value(&waits, "wait_h", 1),
            1.0,
            "bo: asked 12:00 → comment 13:00"
        );
        assert_eq!(
            value(&waits, "blocking_h", 0),
            24.0,
            "no one else approved before ada"
        );
    }

    /// The issue's case end to end through the SQL: a PR ready on Friday at 18:00 Berlin time
    /// and reviewed on Monday at 10:00 waited 64 wall-clock hours and one working hour of its
    /// 09–18 Berlin reviewer; the author merging at once waited no working time of theirs.
    #[test]
    fn a_friday_evening_pr_waits_one_working_hour_for_a_monday_review() {
        let utc = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap();
        let mut tables = tables();
        let people = vec![
            Person {
                timezone: "Europe/Berlin".into(),
                work_start_hour: Some(9),
                work_end_hour: Some(18),
                ..person("ada", "engineer")
            },
            person("cy", "engineer"),
        ];
        tables.insert("people", Person::to_frame(people).unwrap().lazy());
        // Friday 2026-10-16 18:00 CEST is 16:00 UTC; Monday 2026-10-19 10:00 CEST is 08:00 UTC.
        let pr = PullRequest::to_frame(vec![PullRequest {
            created_at: utc(16, 16),
            ready_at: Some(utc(16, 16)),
            first_commit_at: Some(utc(16, 15)),
            merged_at: Some(utc(19, 9)),
            closed_at: Some(utc(19, 9)),
            source: "t".into(),
            repo: "acme/api".into(),
            number: 1,
            author: "cy".into(),
            title: None,
            url: None,
            merged_by: Some("cy".into()),
            state: Some("merged".into()),
            draft: Some(false),
            additions: Some(3),
            deletions: Some(1),
            changed_files: Some(1),
            labels: vec![],
            base_ref: Some("main".into()),
            is_revert: Some(false),
            reverts_number: None,
            linked_issues: vec![],
            updated_at: None,
            attribution: Vec::new(),
        }])
        .unwrap();
        tables.insert("pull_requests", pr.lazy());
        let reviews = Review::to_frame(vec![review(1, "ada", "approved", utc(19, 8))]).unwrap();
        tables.insert("reviews", reviews.lazy());
        let request = ReviewRequest {
            source: "t".into(),
            repo: "acme/api".into(),
            number: 1,
            requested: "ada".into(),
            requested_by: Some("cy".into()),
            requested_at: utc(16, 16),
            removed_at: None,
        };
        let requests = ReviewRequest::to_frame(vec![request]).unwrap();
        tables.insert("review_requests", requests.lazy());
        let metrics = compute(&tables, &Config::default(), None).unwrap();
        let phases = metrics.get(Metric::PrPhases);
        assert_eq!(value(phases, "pickup_h", 0), 64.0);
        assert_eq!(value(phases, "pickup_wh", 0), 1.0);
        assert_eq!(value(phases, "merge_wh", 0), 0.0);
        let waits = metrics.get(Metric::ReviewWaits);
        assert_eq!(value(waits, "wait_h", 0), 64.0);
        assert_eq!(value(waits, "wait_wh", 0), 1.0);
        assert_eq!(value(waits, "blocking_wh", 0), 1.0);
        // On the wall clock setting nothing changes: both are always there.
        let outcome = metrics.get(Metric::OutcomeMonthly);
        assert_eq!(value(outcome, "pickup_p50_wh", 0), 1.0);
        assert_eq!(value(outcome, "pickup_p50_h", 0), 64.0);
    }

    /// Time in status by hand: ENG-1 created Monday 2026-10-12 09:00 UTC in To Do, moved to In
    /// Progress Tuesday 09:00, to In Review Wednesday 12:00, to Done Thursday 09:00; its assignee
    /// cy is on the organisation's calendar (UTC, 09–18). To Do held it 24 wall-clock hours and 9
    /// working ones (Monday 09–18), In Progress 27 and 12 (Tuesday 9, Wednesday 3), In Review 21
    /// and 6 (Wednesday 12–18). Done is where it is now: not over, not counted. ENG-2, still in
    /// In Progress, tells In Progress's category; no stored ticket is in To Do or In Review, so
    /// theirs is not recorded.
    #[test]
    fn time_in_status_by_hand() {
        use crate::model::{Issue, IssueEvent};
        let utc = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap();
        let issue = |key: &str, status: &str, category: &str| Issue {
            source: "jira".into(),
            key: key.into(),
            project: Some("ENG".into()),
            title: None,
            issue_type: Some("feature".into()),
            reporter: None,
            assignee: Some("cy".into()),
            status: Some(status.into()),
            status_category: Some(category.into()),
            created_at: utc(12, 9),
            started_at: None,
            resolved_at: None,
            reopen_count: None,
            sprint: None,
            estimate: None,
            labels: vec![],
            url: None,
            linked_prs: vec![],
        };
        let moved = |from: &str, to: &str, at| IssueEvent {
            source: "jira".into(),
            key: "ENG-1".into(),
            at,
            actor: "cy".into(),
            field: "status".into(),
            from: Some(from.into()),
            to: Some(to.into()),
        };
        let mut tables = tables();
        let issues = vec![
            issue("ENG-1", "Done", "done"),
            issue("ENG-2", "In Progress", "in_progress"),
        ];
        tables.insert("issues", Issue::to_frame(issues).unwrap().lazy());
        let events = vec![
            moved("To Do", "In Progress", utc(13, 9)),
            moved("In Progress", "In Review", utc(14, 12)),
            moved("In Review", "Done", utc(15, 9)),
        ];
        tables.insert("issue_events", IssueEvent::to_frame(events).unwrap().lazy());
        let metrics = compute(&tables, &Config::default(), None).unwrap();
        let by_status = metrics
            .get(Metric::TimeInStatus)
            .sort(["status"], Default::default())
            .unwrap();
        let statuses = crate::common::frame::str_values(&by_status, "status").unwrap();
        assert_eq!(
            statuses,
            [
                Some("In Progress".into()),
                Some("In Review".into()),
                Some("To Do".into())
            ]
        );
        let column = |name: &str| crate::common::frame::f64_values(&by_status, name).unwrap();
        assert_eq!(column("p50_h"), [Some(27.0), Some(21.0), Some(24.0)]);
        assert_eq!(column("p50_wh"), [Some(12.0), Some(6.0), Some(9.0)]);
        let categories = crate::common::frame::str_values(&by_status, "status_category").unwrap();
        assert_eq!(categories, [Some("in_progress".into()), None, None]);
        let by_category = metrics
            .get(Metric::TimeInStatusCategory)
            .sort(["status_category"], Default::default())
            .unwrap();
        let categories = crate::common::frame::str_values(&by_category, "status_category").unwrap();
        assert_eq!(
            categories,
            [Some("in_progress".into()), Some("not recorded".into())]
        );
        let stretches = crate::common::frame::f64_values(&by_category, "stretches").unwrap();
        assert_eq!(stretches, [Some(1.0), Some(2.0)]);
    }

    #[test]
    fn review_load_counts_approvals_and_the_last_gate() {
        let metrics = compute(&tables(), &Config::default(), None).unwrap();
        let load = metrics
            .get(Metric::ReviewLoad)
            .sort(["reviewer"], Default::default())
            .unwrap();
        assert_eq!(load.height(), 2, "ada and bo; not the bot");
        assert_eq!(value(&load, "approved_prs", 1), 1.0);
        assert_eq!(value(&load, "last_gate_prs", 1), 1.0, "bo approved last");
        assert_eq!(value(&load, "last_gate_prs", 0), 0.0);
    }

    /// Active days of a person in a metric frame, by month.
    fn active_days_of(frame: &DataFrame, person: &str) -> Vec<(String, f64)> {
        let persons = frame.column("person").unwrap().str().unwrap().clone();
        let months = frame.column("month").unwrap().str().unwrap().clone();
        (0..frame.height())
            .filter(|i| persons.get(*i) == Some(person))
            .map(|i| {
                (
                    months.get(i).unwrap().to_string(),
                    value(frame, "active_days", i),
                )
            })
            .collect()
    }

    #[test]
    fn active_days_are_the_persons_own_calendar_days() {
        let mut tables = tables();
        let people = vec![
            Person {
                timezone: "America/Los_Angeles".into(),
                ..person("ada", "engineer")
            },
            person("bo", "manager"),
            person("cy", "engineer"),
            person("ci-bot", "bot"),
        ];
        tables.insert("people", Person::to_frame(people).unwrap().lazy());
        // Ada reviews on day 2 at 20:00 UTC and day 3 at 01:00 UTC: 13:00 and 18:00 of the same
        // Pacific day, one active day (two UTC dates).
        tables.insert(
            "reviews",
            Review::to_frame(vec![
                review(1, "ada", "commented", at(2, 20)),
                review(1, "ada", "approved", at(3, 1)),
            ])
            .unwrap()
            .lazy(),
        );
        let metrics = compute(&tables, &Config::default(), None).unwrap();
        assert_eq!(
            active_days_of(metrics.get(Metric::ActiveDays), "ada"),
            [("2026-10".to_string(), 1.0)]
        );
    }

    #[test]
    fn without_a_roster_activity_still_counts_in_utc_and_no_team() {
        let mut tables = tables();
        let people = crate::model::table_spec("people").unwrap();
        tables.insert("people", crate::model::empty_frame(people).lazy());
        let metrics = compute(&tables, &Config::default(), None).unwrap();
        let days = metrics.get(Metric::ActiveDays);
        // cy opened the PR on day 1 and commented on it on day 2 (UTC): two days.
        assert_eq!(
            active_days_of(days, "cy"),
            [("2026-10".to_string(), 2.0)],
            "{days}"
        );
        let teams = days.column("team").unwrap().str().unwrap().clone();
        assert!(teams.iter().all(|t| t == Some("unassigned")), "{days}");
    }

    #[test]
    fn a_table_is_named_as_a_whole_word_in_any_case() {
        assert!(names_table("SELECT * FROM status_moves m", "status_moves"));
        assert!(names_table("FROM STATUS_MOVES", "status_moves"));
        assert!(names_table("status_moves", "status_moves"));
        assert!(!names_table("FROM status_moves_2", "status_moves"));
        assert!(!names_table("FROM my_status_moves", "status_moves"));
        assert!(names_table(
            "FROM my_status_moves JOIN status_moves",
            "status_moves"
        ));
    }

    /// The analysis keeps what detectors and the report read, equal to a full computation's, and
    /// releases the intermediate tables; asking for one of those is a bug, said by name.
    #[test]
    fn the_analysis_keeps_what_is_read_after_the_sql_and_releases_the_rest() {
        let all = compute(&tables(), &Config::default(), None).unwrap();
        let kept =
            compute_for_analysis(&tables(), &Config::default(), None, &Reach::default()).unwrap();
        // Some SQL results have no order of their own: compared sorted.
        let sorted = |frame: &DataFrame| {
            let columns: Vec<String> = frame
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect();
            frame.sort(columns, Default::default()).unwrap()
        };
        for metric in Metric::ALL.into_iter().filter(|m| m.read_after_sql()) {
            assert!(
                sorted(kept.get(metric)).equals_missing(&sorted(all.get(metric))),
                "{}",
                metric.name()
            );
        }
        for metric in [
            Metric::StatusMoves,
            Metric::StatusIntervals,
            Metric::WorkingTime,
            Metric::PrAi,
            Metric::PrRework,
            Metric::Bots,
            Metric::Memberships,
        ] {
            assert!(all.named(metric.name()).is_ok(), "{}", metric.name());
            assert!(kept.named(metric.name()).is_err(), "{}", metric.name());
        }
        let released = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            kept.get(Metric::StatusMoves).height()
        }));
        let message = *released.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("`status_moves` was released"), "{message}");
    }

    /// A user's own SQL may read an intermediate table: it is kept until that file has run.
    #[test]
    fn a_users_sql_reads_the_intermediate_tables_in_an_analysis() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("90_rework_rows.sql"),
            "SELECT COUNT(*) AS n FROM pr_rework",
        )
        .unwrap();
        let metrics = compute_for_analysis(
            &tables(),
            &Config::default(),
            Some(dir.path()),
            &Reach::default(),
        )
        .unwrap();
        let all = compute(&tables(), &Config::default(), None).unwrap();
        assert_eq!(
            value(metrics.named("rework_rows").unwrap(), "n", 0),
            all.get(Metric::PrRework).height() as f64
        );
        assert!(metrics.named("pr_rework").is_err(), "released after it");
    }

    #[test]
    fn user_sql_files_are_named_without_their_prefix() {
        assert_eq!(
            metric_name(Path::new("queries/metrics/10_pr_phases.sql")),
            "pr_phases"
        );
        assert_eq!(metric_name(Path::new("mine.sql")), "mine");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("90_merged_count.sql"),
            "SELECT COUNT(*) AS n FROM pr_phases",
        )
        .unwrap();
        let metrics = compute(&tables(), &Config::default(), Some(dir.path())).unwrap();
        assert_eq!(metrics.user_metrics, ["merged_count"]);
        assert_eq!(value(metrics.named("merged_count").unwrap(), "n", 0), 1.0);
    }
}
