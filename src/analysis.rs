//! The analysis of a span of months, between the store and the report: the tables cut to the
//! span's end, who is who, the metrics, every detector for each month, and what the report says
//! about the data it read (coverage, the rows left out, names or pseudonyms).
//!
//! `report`, `retro`, `validate` and `bench` all analyse through here, so they see the same
//! people, metrics and findings for the same months.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use crate::ack::{Ack, Acks};
use crate::config::Config;
use crate::detect::{self, DetectError, DetectorInput, Finding, FindingKind};
use crate::identity::{self, Identities, IdentityError, Roster};
use crate::metrics::{self, History, Metric, Metrics, MetricsError, Reach};
use crate::period::{Month, MonthSpan};
use crate::report::delivery::DeploymentCoverage;
use crate::report::privacy::PrivacyError;
use crate::report::{
    Acknowledged, Audience, CalendarCoverage, Coverage, Names, ReportData, ReportError,
    ReportInput, TableCount,
};
use crate::store::{Store, StoreError};

/// The normalized tables by name, as the store gives them (lazy scans or frames in memory).
pub type Tables = std::collections::BTreeMap<&'static str, LazyFrame>;

/// Why an analysis could not be made. Each layer's error says what it was doing; this type only
/// carries it up, unchanged.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
    #[error(transparent)]
    Window(#[from] crate::asof::WindowError),
    #[error("reading people: {0}")]
    People(#[source] PolarsError),
    #[error(transparent)]
    Polars(#[from] PolarsError),
    #[error(transparent)]
    Scope(#[from] crate::scope::ScopeError),
}

/// Everything after the store, for a run of months: metrics, detectors, report.
pub struct Analysis {
    pub span: MonthSpan,
    pub metrics: Metrics,
    pub outcome: detect::Outcome,
    pub roster: Roster,
    pub identities: Identities,
    /// The tables as they stood at the span's end, identities applied: what was analysed
    /// (the window's months and what is still alive in them, or every month: [`Loaded`]).
    pub tables: Tables,
    /// The first and last day of PR and ticket activity over the whole history as it stood.
    pub activity: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    /// What the coverage counts in the months before the window `tables` hold.
    pub earlier: Option<Earlier>,
    /// Findings the team has acknowledged (`teamlens ack`), with the acknowledgement: taken out
    /// of `outcome.findings` by [`Analysis::acknowledge`].
    pub acknowledged: Vec<(Finding, Ack)>,
    /// Acknowledgements that end with the span's last month or the one after.
    pub expiring: Vec<Ack>,
    /// The thresholds the detectors ran with, which the report shows beside the figures.
    pub thresholds: crate::config::Thresholds,
    /// The teams the report is about (`--team`); empty for the whole organisation.
    pub scope: Vec<String>,
    /// `[report] min_group_size`: the fewest active people a team needs for a team audience to
    /// see its count of a per-person health signal.
    pub min_group_size: usize,
    /// `[report] clock`: what the waits lead with.
    pub clock: crate::config::Clock,
    /// `[calendar]`, described in the coverage beside who it covers.
    pub calendar: crate::config::CalendarConfig,
    /// `[dora] environments`: the deployments DORA's keys count, which the report says.
    pub environments: Vec<String>,
    /// What was read when the tables were narrowed to `scope`'s teams (`crate::scope`); `None`
    /// when the whole organisation was analysed.
    pub narrowed: Option<crate::scope::Narrowed>,
}

/// The months an analysis reads: its span and the months before it that its report, retro
/// and detectors look back on (trends, the month compared with, baselines, a detector's
/// window). What lies before them is read only where it is still alive in them
/// (`asof::window`) or is a fact about all of time ([`History`]), so a month's report costs
/// what it reads, not what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: Month,
    pub last: Month,
}

impl Window {
    /// The months the analysis of `span` reads, with `config`'s thresholds.
    pub fn of(span: MonthSpan, config: &Config) -> Window {
        let back = detect::lookback_months(config)
            .max(crate::report::LOOKBACK_MONTHS)
            .max(crate::report::retro::LOOKBACK_MONTHS);
        let mut first = span.first;
        for _ in 0..back {
            first = first.previous();
        }
        Window {
            first,
            last: span.last,
        }
    }

    /// The end of its last month, in microseconds: what the as-of cut keeps rows before.
    pub fn until(self) -> i64 {
        crate::common::time::micros_span(self.first, self.last).1
    }

    /// The start of its first month, in microseconds.
    pub fn start(self) -> i64 {
        crate::common::time::micros_span(self.first, self.last).0
    }
}

/// `TEAMLENS_WHOLE_HISTORY=1`: read every stored month, as before windows were read (for the
/// test that both give the same report, and for the benchmark's comparison).
pub fn whole_history() -> bool {
    std::env::var_os("TEAMLENS_WHOLE_HISTORY").is_some_and(|v| v == "1")
}

/// What an analysis read from the store, not yet cut to its end.
pub struct Read {
    window: Window,
    tables: Tables,
    /// The rows the window leaves out, how many of each table, and the whole store's status
    /// categories; `None` when `tables` hold every month.
    rest: Option<Rest>,
    /// Read for some teams' narrowed report (`scope::narrows`): what only the organisation's
    /// report reads is left out (`asof::window`'s `for_teams`, and [`Earlier`], which narrowing
    /// drops).
    for_teams: bool,
}

/// What a window of months leaves out (`asof::Windowed`).
struct Rest {
    tables: Tables,
    rows: BTreeMap<&'static str, usize>,
    categories: LazyFrame,
}

impl Read {
    /// Every stored month, the columns the analysis reads (`TEAMLENS_WHOLE_HISTORY`, and what
    /// the benchmark hands DuckDB).
    pub fn whole(store: &Store, window: Window) -> Result<Read, AnalysisError> {
        Ok(Read {
            window,
            tables: store.analysis_tables()?,
            rest: None,
            for_teams: false,
        })
    }

    /// The window's rows (`asof::window`), or every stored month with `TEAMLENS_WHOLE_HISTORY`
    /// or for a user's own SQL (`full`: it may read any column of any month); `for_teams`: for
    /// a report `crate::scope::narrows` to some teams.
    pub fn from(
        store: &Store,
        window: Window,
        full: bool,
        for_teams: bool,
    ) -> Result<Read, AnalysisError> {
        if full {
            return Ok(Read {
                window,
                tables: store.scan_all()?,
                rest: None,
                for_teams: false,
            });
        }
        if whole_history() {
            return Read::whole(store, window);
        }
        tracing::debug!(
            first = %window.first,
            last = %window.last,
            stored_months = store.months().len(),
            "reading a window of the stored months and what is still alive before it"
        );
        let read = crate::asof::window(store, window.first, window.last, for_teams)?;
        Ok(Read {
            window,
            tables: read.tables,
            rest: Some(Rest {
                tables: read.rest,
                rows: read.rest_rows,
                categories: read.categories,
            }),
            for_teams,
        })
    }
}

/// The data as it stood at the window's end (a report regenerated later says the same), who
/// is who decided from the whole history as it stood and applied to every person column.
pub struct Loaded {
    pub identities: Identities,
    pub tables: Tables,
    /// The first and last day of PR and ticket activity over the whole history as it stood.
    pub activity: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    /// The whole history's facts the metrics read, when `tables` hold a window.
    pub facts: Option<History>,
    /// What the coverage counts of the months before the window, when `tables` hold one.
    pub earlier: Option<Earlier>,
    pub window: Window,
}

/// What the coverage counts in the months before a window that the window does not read: with
/// the window's own counts, the whole history's, as [`coverage`] says them.
pub struct Earlier {
    rows: BTreeMap<&'static str, usize>,
    excluded: Vec<TableCount>,
    pr_sources: BTreeSet<String>,
    incidents_without_pr: usize,
}

impl Loaded {
    /// Cuts what was read to the window's end and decides who is who, from the whole history:
    /// the evidence of the window's rows and of the rest's, each read once (an account's
    /// names over the years, `identity::Evidence`).
    pub fn settle(read: Read, config: &Config) -> Result<Loaded, AnalysisError> {
        let until = read.window.until();
        let (categories, rest) = match read.rest {
            Some(rest) => (Some(rest.categories.clone()), Some(rest)),
            None => (None, None),
        };
        // The tables read many times are cut once, into memory: left lazy, the cut (filters,
        // and joins that keep a PR's commits and a ticket's events only with it) would run
        // again in identity resolution and in every metric and detector that reads them.
        let tables = crate::measure::timed("identities: as-of cut", || {
            crate::asof::as_of_with(
                read.tables,
                until,
                crate::model::READ_REPEATEDLY,
                categories,
            )
        })?;
        let Some(rest) = rest else {
            let identities = identity::resolve(&tables, config, Some(until))?;
            let activity = activity_span(&tables)?;
            let tables = identities.apply(tables)?;
            return Ok(Loaded {
                identities,
                tables,
                activity,
                facts: None,
                earlier: None,
                window: read.window,
            });
        };
        // The rest with the window's columns: what the whole history would have held.
        let rest_rows = rest.rows;
        let rest = with_columns_of(&tables, rest.tables)?;
        let people = tables["people"].clone().collect()?;
        let work = identity::assumes_teams(&people)?;
        let mut evidence = crate::measure::timed("identities: the window's evidence", || {
            identity::Evidence::read(&tables, Some(until), work)
        })?;
        evidence.add(crate::measure::timed(
            "identities: the earlier months' evidence",
            || identity::Evidence::read(&rest, Some(until), work),
        )?);
        let identities = crate::measure::timed("identities: resolve over every month", || {
            identity::resolve_with(people, evidence, config)
        })?;
        let activity = crate::measure::timed("identities: the data's first and last day", || {
            let (first, last) = activity_span(&tables)?;
            let (before, _) = activity_span(&rest)?;
            Ok::<_, PolarsError>((first.into_iter().chain(before).min(), last))
        })?;
        let tables = identities.apply(tables)?;
        let facts =
            crate::measure::timed("identities: what the metrics read of every month", || {
                History::compute(
                    &tables,
                    &rest,
                    &identities.renamed,
                    config,
                    read.window.start(),
                )
            })?;
        // A narrowed report's coverage counts the rows it read, not the earlier months'.
        let earlier = if read.for_teams {
            None
        } else {
            Some(crate::measure::timed(
                "identities: what the coverage counts of every month",
                || earlier(&tables, &rest, rest_rows, &identities, config),
            )?)
        };
        Ok(Loaded {
            identities,
            tables,
            activity,
            facts: Some(facts),
            earlier,
            window: read.window,
        })
    }

    /// What the metrics know of the history beyond their tables.
    pub fn reach(&self) -> Reach<'_> {
        Reach {
            history: self.facts.as_ref(),
            first_day: Some(self.window.first.first_day()),
        }
    }

    /// The tables narrowed to what the report of `teams` reads (`crate::scope::narrow`; as
    /// they are for the whole organisation, `allowed` false or `TEAMLENS_WHOLE_ORG`), after
    /// who is who was decided from every month. A narrowed report's coverage counts the rows
    /// it read: of the window, not the earlier months' (`earlier` dropped).
    pub fn narrow(
        mut self,
        config: &Config,
        span: MonthSpan,
        teams: &[String],
        allowed: bool,
    ) -> Result<(Loaded, Option<crate::scope::Narrowed>), AnalysisError> {
        let tables = std::mem::take(&mut self.tables);
        let (tables, narrowed) =
            crate::scope::narrow(tables, config, span, teams, allowed, &self.reach())?;
        self.tables = tables;
        if narrowed.is_some() {
            self.earlier = None;
        }
        Ok((self, narrowed))
    }
}

/// What the coverage counts in `rest`, the months before the window (`tables`: the window's,
/// identities applied), `rows` the rows of each table it holds.
fn earlier(
    tables: &Tables,
    rest: &Tables,
    rows: BTreeMap<&'static str, usize>,
    identities: &Identities,
    config: &Config,
) -> Result<Earlier, AnalysisError> {
    let bots = bots_of(tables)?;
    // A review is a self-review when its reviewer is its PR's author, whichever account of
    // theirs each used.
    let mut renamed = Tables::new();
    for name in ["reviews", "pull_requests", "pr_commits"] {
        renamed.insert(name, rest[name].clone());
    }
    let renamed = identities.rename(renamed)?;
    let excluded = excluded_rows(&renamed, &renamed["pull_requests"], &bots)?;
    let sources = rest["pull_requests"]
        .clone()
        .select([col("source")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    Ok(Earlier {
        rows,
        excluded,
        pr_sources: crate::common::frame::str_values(&sources, "source")?
            .into_iter()
            .flatten()
            .collect(),
        incidents_without_pr: metrics::incidents_without_pr(rest["issues"].clone(), &config.dora)?,
    })
}

/// The people the analysed roster calls bots (the roster's and those identity found).
fn bots_of(tables: &Tables) -> Result<Vec<String>, AnalysisError> {
    let people = tables["people"]
        .clone()
        .filter(col("role").eq(lit("bot")))
        .select([col("person")])
        .collect()?;
    Ok(crate::common::frame::str_values(&people, "person")?
        .into_iter()
        .flatten()
        .collect())
}

/// Each table of `rest` with those of its columns `window`'s table has too (the window's tables
/// the analysis reads many times hold only some: a column they lack the whole history lacks),
/// of the same types, lazily.
fn with_columns_of(window: &Tables, mut rest: Tables) -> Result<Tables, AnalysisError> {
    let mut out = Tables::new();
    for (name, frame) in window {
        let Some(more) = rest.remove(name) else {
            continue;
        };
        let schema = frame.clone().collect_schema()?;
        let held = more.clone().collect_schema()?;
        let columns: Vec<Expr> = schema
            .iter()
            .filter(|(column, _)| held.contains(column))
            .map(|(column, dtype)| col(column.clone()).cast(dtype.clone()))
            .collect();
        out.insert(name, more.select(columns));
    }
    Ok(out)
}

/// Computes the metrics once and runs every detector for each month of the span.
pub fn analyze(
    store: &Store,
    config: &Config,
    span: MonthSpan,
    user_metrics: Option<&Path>,
) -> Result<Analysis, AnalysisError> {
    analyze_teams(store, config, span, user_metrics, &[])
}

/// [`analyze`] for the report of `teams` (all of them when empty): the tables narrowed to what
/// that report reads (`crate::scope`), which says the same about the teams at a fraction of the
/// cost.
pub fn analyze_teams(
    store: &Store,
    config: &Config,
    span: MonthSpan,
    user_metrics: Option<&Path>,
    teams: &[String],
) -> Result<Analysis, AnalysisError> {
    let window = Window::of(span, config);
    // A user's own SQL may read any column of any month, so it gets the full scans.
    let for_teams = crate::scope::narrows(teams, user_metrics.is_none());
    let read = Read::from(store, window, user_metrics.is_some(), for_teams)?;
    analyze_read(read, config, span, user_metrics, teams)
}

/// [`analyze`] over every stored month up to the span's end, not its window: for what needs
/// the whole history in the analysis's own rows (`validate`'s months of each person, commit
/// hours and appearances over the whole store), which a window would leave out.
pub fn analyze_whole_history(
    store: &Store,
    config: &Config,
    span: MonthSpan,
) -> Result<Analysis, AnalysisError> {
    let read = Read::whole(store, Window::of(span, config))?;
    analyze_read(read, config, span, None, &[])
}

fn analyze_read(
    read: Read,
    config: &Config,
    span: MonthSpan,
    user_metrics: Option<&Path>,
    teams: &[String],
) -> Result<Analysis, AnalysisError> {
    let loaded = Loaded::settle(read, config)?;
    let (loaded, narrowed) = loaded.narrow(config, span, teams, user_metrics.is_none())?;
    let metrics =
        metrics::compute_for_analysis(&loaded.tables, config, user_metrics, &loaded.reach())?;
    let people = loaded.tables["people"]
        .clone()
        .collect()
        .map_err(AnalysisError::People)?;
    let roster = Roster::from_people(&people).map_err(AnalysisError::People)?;
    let outcome = detect_span(span, &metrics, &loaded.tables, config, &roster)?;
    Ok(Analysis {
        scope: teams.to_vec(),
        narrowed,
        ..Analysis::new(span, metrics, outcome, roster, loaded, config)
    })
}

/// Every detector for each month of the span: the findings, the most severe first and within
/// a severity the latest month first; what a detector could not judge, said once for the span.
pub fn detect_span(
    span: MonthSpan,
    metrics: &Metrics,
    tables: &Tables,
    config: &Config,
    roster: &Roster,
) -> Result<detect::Outcome, AnalysisError> {
    let mut outcome = detect::Outcome::default();
    for month in span.months() {
        let found = detect::run_all(&DetectorInput::new(month, metrics, tables, config, roster))?;
        outcome.findings.extend(found.findings);
        // What a detector lacks over the whole span is said once, not once a month.
        for entry in found.not_judged {
            let said = outcome.not_judged.iter().any(|n| {
                (n.kind, &n.subject, &n.reason) == (entry.kind, &entry.subject, &entry.reason)
            });
            if !said {
                outcome.not_judged.push(entry);
            }
        }
    }
    outcome.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.period.from.cmp(&a.period.from))
            .then(a.kind.cmp(&b.kind))
            .then(a.subject.cmp(&b.subject))
    });
    Ok(outcome)
}

impl Analysis {
    /// An analysis from its parts, nothing acknowledged yet (`bench-run` times each part).
    pub fn new(
        span: MonthSpan,
        metrics: Metrics,
        outcome: detect::Outcome,
        roster: Roster,
        loaded: Loaded,
        config: &Config,
    ) -> Analysis {
        Analysis {
            span,
            metrics,
            outcome,
            roster,
            identities: loaded.identities,
            tables: loaded.tables,
            activity: loaded.activity,
            earlier: loaded.earlier,
            acknowledged: Vec::new(),
            expiring: Vec::new(),
            thresholds: config.thresholds.clone(),
            scope: Vec::new(),
            min_group_size: config.report.min_group_size,
            clock: config.report.clock,
            calendar: config.calendar.clone(),
            environments: config.dora.environments.clone(),
            narrowed: None,
        }
    }

    /// Moves the findings an acknowledgement covers out of the findings, beside their
    /// acknowledgement; the rest keep their order.
    pub fn acknowledge(&mut self, acks: &Acks) {
        self.expiring = acks.expiring(self.span.last).into_iter().cloned().collect();
        let findings = std::mem::take(&mut self.outcome.findings);
        for finding in findings {
            match acks.covering(&finding) {
                Some(ack) => self.acknowledged.push((finding, ack.clone())),
                None => self.outcome.findings.push(finding),
            }
        }
    }

    /// What the report and the retro render: the analysis with the data's coverage and the
    /// names (or pseudonyms) it shows.
    pub fn into_report_data(
        self,
        store: &Store,
        audience: Audience,
        anonymize: bool,
    ) -> Result<ReportData, AnalysisError> {
        let earlier = self.earlier.as_ref();
        let mut coverage = crate::measure::timed("report: coverage", || {
            coverage(
                store,
                &self.tables,
                &self.identities,
                self.activity,
                earlier,
            )
        })?;
        coverage.calendars = calendar_coverage(&self.metrics, &self.calendar)?;
        coverage.deployments =
            deployment_coverage(&self.tables, &self.metrics, &self.environments, earlier)?;
        let names = names_for(store, &self.tables, anonymize)?;
        let input = ReportInput {
            span: self.span,
            metrics: &self.metrics,
            tables: &self.tables,
            outcome: self.outcome,
            coverage,
            roster: &self.roster,
            audience,
            names: &names,
            thresholds: &self.thresholds,
            acknowledged: self
                .acknowledged
                .into_iter()
                .map(|(finding, ack)| Acknowledged {
                    kind: finding.kind,
                    subject: finding.subject,
                    headline: finding.headline,
                    until: ack.until,
                    reason: ack.reason,
                    team: String::new(),
                })
                .collect(),
            expiring: self
                .expiring
                .into_iter()
                .filter_map(acknowledgement)
                .collect(),
            scope: &self.scope,
            narrowed: self.narrowed.as_ref(),
            min_group_size: self.min_group_size,
            clock: self.clock,
        };
        Ok(crate::measure::timed("report: assemble", || {
            ReportData::assemble(input)
        })?)
    }
}

/// Who the working clock placed by the roster and who is on the organisation's calendar.
fn calendar_coverage(
    metrics: &Metrics,
    calendar: &crate::config::CalendarConfig,
) -> Result<CalendarCoverage, AnalysisError> {
    let people = metrics.get(Metric::PersonCalendars);
    let placed = if people.height() > 0 {
        people.column("placed")?.bool()?.sum().unwrap_or(0) as usize
    } else {
        0
    };
    let weekend: Vec<String> = calendar
        .weekend_days
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    let holidays = calendar.holiday_days.len();
    Ok(CalendarCoverage {
        placed,
        unplaced: people.height() - placed,
        default_calendar: format!(
            "{}, {:02}:00–{:02}:00, weekend {}, {} holiday{}",
            calendar.timezone,
            calendar.work_start_hour,
            calendar.work_end_hour,
            if weekend.is_empty() {
                "none".to_string()
            } else {
                weekend.join(" and ")
            },
            holidays,
            if holidays == 1 { "" } else { "s" }
        ),
    })
}

/// An acknowledgement as the report shows one (a kind it does not know is left out: `Acks::load`
/// refuses such a file, so none reaches here).
fn acknowledgement(ack: Ack) -> Option<Acknowledged> {
    Some(Acknowledged {
        kind: FindingKind::from_name(&ack.kind)?,
        subject: ack.subject,
        headline: String::new(),
        until: ack.until,
        reason: ack.reason,
        team: String::new(),
    })
}

/// Names as they are, or every person's pseudonym under the data directory's key.
pub fn names_for(store: &Store, tables: &Tables, anonymize: bool) -> Result<Names, AnalysisError> {
    if !anonymize {
        return Ok(Names::plain());
    }
    let key = crate::report::privacy::load_or_create_key(store.root())?;
    let people = tables["people"].clone().collect()?;
    let ids = crate::common::frame::str_values(&people, "person")?;
    let display = crate::common::frame::str_values(&people, "display_name")?;
    let aliases = people.column("aliases")?.list()?.clone();
    let mut known = Vec::with_capacity(people.height());
    for (i, id) in ids.into_iter().enumerate() {
        let Some(person) = id else { continue };
        let mut names: Vec<String> = display[i].clone().into_iter().collect();
        if let Some(list) = aliases.get_as_series(i) {
            names.extend(list.str()?.iter().flatten().map(String::from));
        }
        known.push(crate::report::privacy::KnownPerson { person, names });
    }
    Ok(Names::pseudonymous(key, &known)?)
}

/// What the data covers: sources, rows per table, the rows the metrics leave out, the span of
/// PR and ticket activity, bots and merged accounts, over the whole history as it stood:
/// `tables`' and, when they hold a window of months, what the months before it add
/// (`earlier`).
pub fn coverage(
    store: &Store,
    tables: &Tables,
    identities: &Identities,
    activity: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    earlier: Option<&Earlier>,
) -> Result<Coverage, AnalysisError> {
    let (first, last) = activity;
    let bots = bots_of(tables)?;
    let mut excluded = excluded_rows(tables, &tables["pull_requests"], &bots)?;
    if let Some(earlier) = earlier {
        for (count, more) in excluded.iter_mut().zip(&earlier.excluded) {
            count.rows += more.rows;
        }
    }
    // The rows the report read: as the data stood at the period's end, not all that is stored.
    let mut counts = Vec::new();
    for (name, stored) in &store.manifest().tables {
        // The roster is configuration, not history (never cut), and the analysed one also
        // holds the bots identity found: its stored rows are the ones to say.
        if name == "people" && stored.rows > 0 {
            counts.push(TableCount {
                name: name.clone(),
                rows: stored.rows,
            });
            continue;
        }
        let Some((name, table)) = tables
            .get_key_value(name.as_str())
            .filter(|_| stored.rows > 0)
        else {
            continue;
        };
        let before = earlier.and_then(|e| e.rows.get(name)).copied().unwrap_or(0);
        let rows = crate::common::frame::count_rows(table.clone())? + before;
        if rows > 0 {
            counts.push(TableCount {
                name: name.to_string(),
                rows,
            });
        }
    }
    Ok(Coverage {
        sources: store.manifest().sources.keys().cloned().collect(),
        tables: counts,
        first_activity: first.map(|d| d.to_string()),
        last_activity: last.map(|d| d.to_string()),
        bots,
        excluded,
        assumed_teams: identities.assumed_teams.clone(),
        deployments: DeploymentCoverage::default(),
        merged_accounts: identities.merges.len(),
        unreadable: unreadable_items(store),
        calendars: CalendarCoverage::default(),
    })
}

/// What DORA's keys rest on: the deployments to `environments` the metrics counted, the sources
/// that wrote pull requests but none of those deployments, the other environments
/// deployments went to (a repository that deploys to `prod` while the config says
/// `production` shows up here rather than as "no deployments"), and the incidents that name no
/// PR (one row each in `incident_links`, with no PR); with what the months before a window
/// add (`earlier`).
pub fn deployment_coverage(
    tables: &Tables,
    metrics: &Metrics,
    environments: &[String],
    earlier: Option<&Earlier>,
) -> Result<DeploymentCoverage, AnalysisError> {
    let deploys = metrics.get(Metric::ProductionDeploys);
    let deploy_sources: std::collections::BTreeSet<String> = if deploys.height() > 0 {
        crate::common::frame::str_values(deploys, "source")?
            .into_iter()
            .flatten()
            .collect()
    } else {
        Default::default()
    };
    let pr_sources = tables["pull_requests"]
        .clone()
        .select([col("source")])
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()?;
    let sources_without = crate::common::frame::str_values(&pr_sources, "source")?
        .into_iter()
        .flatten()
        .chain(earlier.iter().flat_map(|e| e.pr_sources.iter().cloned()))
        .filter(|s| !deploy_sources.contains(s))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let counted: Vec<String> = environments.iter().map(|e| e.to_lowercase()).collect();
    let by_environment = tables["deployments"]
        .clone()
        .group_by([col("environment")])
        .agg([len().alias("deployments")])
        .sort(["environment"], SortMultipleOptions::default())
        .collect()?;
    let names = crate::common::frame::str_values(&by_environment, "environment")?;
    let counts = crate::common::frame::f64_values(&by_environment, "deployments")?;
    let other_environments = names
        .into_iter()
        .zip(counts)
        .filter(|(name, _)| {
            !name
                .as_ref()
                .is_some_and(|n| counted.contains(&n.to_lowercase()))
        })
        .map(|(name, n)| {
            format!(
                "{} ({:.0})",
                name.unwrap_or_else(|| "no environment".into()),
                n.unwrap_or(0.0)
            )
        })
        .collect();
    let links = metrics.get(Metric::IncidentLinks);
    let incidents_without_pr = if links.height() > 0 {
        links.column("number")?.null_count()
    } else {
        0
    } + earlier.map_or(0, |e| e.incidents_without_pr);
    Ok(DeploymentCoverage {
        environments: environments.to_vec(),
        deployments: deploys.height(),
        sources_without,
        other_environments,
        incidents_without_pr,
    })
}

/// Tickets a fetch had to skip because the tracker refused them (`jira` keeps them in its
/// source state until a fetch reads them), as `KEY (Jira answered 404)`.
pub fn unreadable_items(store: &Store) -> Vec<String> {
    let state = store.manifest().sources.get("jira");
    let projects: Vec<String> = state
        .and_then(|s| s.get("projects"))
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    projects
        .iter()
        .flat_map(|project| crate::sources::jira::sync::skipped_issues(state, project))
        .map(|issue| format!("{} (Jira answered {})", issue.key, issue.status))
        .collect()
}

/// How many rows of `tables` the metrics leave out: bots' PRs and reviews, self-reviews (a
/// review's PR among `prs`), and update-branch merge commits (merging the base branch into a
/// PR).
pub fn excluded_rows(
    tables: &Tables,
    prs: &LazyFrame,
    bots: &[String],
) -> Result<Vec<TableCount>, AnalysisError> {
    let is_bot = |column: &str| {
        col(column)
            .str()
            .ends_with(lit("[bot]"))
            .or(col(column).is_in(
                lit(Series::new("bots".into(), bots.to_vec())).implode(true),
                false,
            ))
    };
    // Counted by polars, so only the columns the filters read are touched.
    let count = crate::common::frame::count_rows;
    let bot_prs = count(tables["pull_requests"].clone().filter(is_bot("author")))?;
    let bot_reviews = count(tables["reviews"].clone().filter(is_bot("reviewer")))?;
    let self_reviews = count(
        tables["reviews"]
            .clone()
            .join(
                prs.clone()
                    .select([col("repo"), col("number"), col("author")]),
                [col("repo"), col("number")],
                [col("repo"), col("number")],
                JoinArgs::new(JoinType::Inner),
            )
            .filter(col("reviewer").eq(col("author"))),
    )?;
    let merges = count(
        tables["pr_commits"]
            .clone()
            .filter(col("is_merge").fill_null(lit(false))),
    )?;
    Ok([
        ("PRs by bots", bot_prs),
        ("reviews by bots", bot_reviews),
        (
            "self-reviews (an author reviewing their own PR)",
            self_reviews,
        ),
        ("update-branch merge commits", merges),
    ]
    .into_iter()
    .map(|(name, rows)| TableCount {
        name: name.to_string(),
        rows,
    })
    .collect())
}

/// The first and last day with a PR or ticket created, merged or resolved.
pub fn activity_span(
    tables: &Tables,
) -> PolarsResult<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> {
    let span = |table: &str, columns: &[&str]| -> PolarsResult<(Option<i64>, Option<i64>)> {
        let exprs: Vec<Expr> = columns
            .iter()
            .flat_map(|c| {
                [
                    col(*c)
                        .cast(DataType::Int64)
                        .min()
                        .alias(format!("min_{c}")),
                    col(*c)
                        .cast(DataType::Int64)
                        .max()
                        .alias(format!("max_{c}")),
                ]
            })
            .collect();
        let frame = tables[table].clone().select(exprs).collect()?;
        let mut low: Option<i64> = None;
        let mut high: Option<i64> = None;
        for c in columns {
            if let Some(v) = frame.column(&format!("min_{c}"))?.i64()?.get(0) {
                low = Some(low.map_or(v, |l| l.min(v)));
            }
            if let Some(v) = frame.column(&format!("max_{c}"))?.i64()?.get(0) {
                high = Some(high.map_or(v, |h| h.max(v)));
            }
        }
        Ok((low, high))
    };
    let (a_low, a_high) = span("pull_requests", &["created_at", "merged_at"])?;
    let (b_low, b_high) = span("issues", &["created_at", "resolved_at"])?;
    let low = [a_low, b_low].into_iter().flatten().min();
    let high = [a_high, b_high].into_iter().flatten().max();
    let day = |micros: Option<i64>| {
        micros
            .and_then(chrono::DateTime::from_timestamp_micros)
            .map(|t| t.date_naive())
    };
    Ok((day(low), day(high)))
}

/// The last month the data covers to its end: the month of the last activity if that is its last
/// day (or a simulation ended there), the month before otherwise.
pub fn last_full_month(store: &Store) -> Result<Month, AnalysisError> {
    let declared_end = store
        .manifest()
        .sources
        .values()
        .filter_map(|s| s.get("until")?.as_str()?.parse::<chrono::NaiveDate>().ok())
        .max();
    let end = match declared_end {
        Some(end) => Some(end),
        None => activity_span(&store.scan_all()?)?.1,
    };
    let Some(end) = end else {
        return Err(StoreError::NoData {
            dir: store.root().to_path_buf(),
        }
        .into());
    };
    let month = Month::of(end);
    Ok(if month.last_day() == end {
        month
    } else {
        month.previous()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deployment, Issue, PullRequest, Table};
    use chrono::{TimeZone, Utc};

    /// A git clone's PRs and a GitHub repository's, deployed to `prod` once and to `production`
    /// once, and an incident that names no PR.
    #[test]
    fn the_coverage_says_what_the_deployments_rest_on() {
        let at = Utc.with_ymd_and_hms(2026, 10, 5, 12, 0, 0).unwrap();
        let pr = |source: &str, number: i64| PullRequest {
            source: source.into(),
            repo: "acme/api".into(),
            number,
            author: "ann".into(),
            title: None,
            url: None,
            created_at: at,
            ready_at: None,
            first_commit_at: None,
            merged_at: Some(at),
            closed_at: Some(at),
            merged_by: None,
            state: Some("merged".into()),
            draft: None,
            additions: None,
            deletions: None,
            changed_files: None,
            labels: vec![],
            base_ref: None,
            is_revert: None,
            reverts_number: None,
            linked_issues: vec![],
            updated_at: None,
            attribution: Vec::new(),
        };
        let deploy = |environment: &str| Deployment {
            source: "github".into(),
            repo: "acme/api".into(),
            environment: Some(environment.into()),
            sha: None,
            pr_numbers: vec!["1".into()],
            at: at + chrono::Duration::hours(1),
            status: Some("success".into()),
        };
        let incident = Issue {
            source: "jira".into(),
            key: "OPS-1".into(),
            project: None,
            title: None,
            issue_type: Some("incident".into()),
            reporter: None,
            assignee: None,
            status: None,
            status_category: None,
            created_at: at,
            started_at: None,
            resolved_at: None,
            reopen_count: None,
            sprint: None,
            estimate: None,
            labels: vec![],
            url: None,
            linked_prs: vec![],
        };
        let mut tables = Tables::new();
        for spec in crate::model::TABLES {
            tables.insert(spec.name, crate::model::empty_frame(spec).lazy());
        }
        tables.insert(
            "pull_requests",
            PullRequest::to_frame(vec![pr("github", 1), pr("git", 2)])
                .unwrap()
                .lazy(),
        );
        tables.insert(
            "deployments",
            Deployment::to_frame(vec![deploy("prod"), deploy("production")])
                .unwrap()
                .lazy(),
        );
        tables.insert("issues", Issue::to_frame(vec![incident]).unwrap().lazy());
        let config = Config::default();
        let metrics = metrics::compute(&tables, &config, None).unwrap();
        let coverage =
            deployment_coverage(&tables, &metrics, &config.dora.environments, None).unwrap();
        assert_eq!(coverage.deployments, 1);
        assert_eq!(coverage.sources_without, ["git"]);
        assert_eq!(coverage.other_environments, ["prod (1)"]);
        assert_eq!(coverage.incidents_without_pr, 1);
    }
}
