//! A team's report at a team's cost: the tables narrowed, once identities are resolved, to the
//! rows the report of some teams reads (`teamlens report --team`, `retro --team`).
//!
//! The organisation's analysis computes every metric and runs every detector for every team,
//! then keeps the teams' part (`ReportData::scoped`). A team's findings and rows depend on far
//! less, and on more than its own rows, so the narrowing keeps:
//!
//! - **the people in view, whole.** The teams asked for; every other team of their people (a
//!   manager of two teams is judged in each, and shown in the primary one's report); and every
//!   team whose merged PRs their people approved within `review_bottleneck.window_months` (a
//!   reviewer is a bottleneck of the team whose PRs wait on them, judged on that team's PRs and
//!   people). Every person of those teams, in any of their teams, is in view, and so are the PRs
//!   of authors no roster places when such PRs are in view (`unassigned`). Their PRs, and every
//!   PR they reviewed, were asked to review, merged or pushed a commit to, are kept with all
//!   their rows (reviews, requests, commits, comments): a PR's phases and waits need every
//!   review of it. Their tickets (as assignees, or any ticket they changed) are kept with all
//!   their events; their comments, commits and timeline events wherever they are.
//! - **the repositories in view, whole but for what no metric of theirs reads**: every PR of a
//!   repository the people in view authored a PR in (or where they merged or reviewed a bot's or
//!   agent's PR), with its reviews and file changes, and the repository's commits: which team a
//!   repository's modules belong to, who else changed them (`knowledge_silo`, `wont_let_go`),
//!   whether a file changed again within 21 days (`pr_rework`), and the reverts and hotfixes of
//!   the deployments that shipped its PRs (DORA's keys).
//! - **what the organisation's baselines need.** `absentee_manager` compares a team's pickup
//!   with the median of every other team's in the month: every team's pickup in the period is
//!   computed here, by the metric SQL over every PR merged in the period and its reviews alone
//!   (`metrics::team_pickups`), and handed on as the table `team_pickups`. Every incident ticket
//!   (an incident names the PRs that failed, and a hotfix that names one is not one that names
//!   none). Every person and sprint (small tables); the deployments of the repositories in view
//!   and one more to production (whether any is recorded). A sprint's start is its first
//!   assignment when the tracker gives none: every sprint assignment of a sprint a kept ticket
//!   was in. Time off only of the people whose working clock a kept wait is counted on, and of
//!   the people in view.
//! - **the rows that fix the organisation's extremes**, one or a few each: the first and last
//!   time of each column the calendars span (`metrics::calendar::SPAN_COLUMNS`, so the working
//!   time is laid out over the same days), the organisation's first action (attrition counts
//!   working days from it), the latest change to a file (`pr_rework`'s end of data), one ticket
//!   per status with a category (statuses' categories are read from every ticket), a ticket
//!   resolved and a person's PR merged in the period (whether the period was active), one PR
//!   per source and one review with its own time (what the coverage and `rubber_stamp_review`
//!   ask of the whole data). Each is found without reading every row: the first action from
//!   the first day any action table holds (`metrics::first_action_at`), the latest change among
//!   the last week's merges and commits, whose file changes are read with the repositories'.
//!
//! Everything else is left out. The rows kept for context make metric rows of other teams,
//! partial ones; the report shows only the teams asked for, whose rows and findings are those of
//! the organisation's analysis (`tests/team_scope.rs` compares the two). What only the whole
//! organisation gives — its own rows (`org_monthly`), the weekly phases and the heatmap of
//! everyone, several teams' organisation-wide trends and keys — a narrowed report leaves out
//! and says so ([`LEFT_OUT`]); the coverage counts the rows (and deployments) it read.
//!
//! `TEAMLENS_WHOLE_ORG=1` analyses the whole organisation and keeps the teams' part, as before;
//! a user's own SQL metrics (`--metrics`), which may read anything, always do.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::Serialize;

use crate::common::frame::str_values;
use crate::common::time::{micros_span, within};
use crate::config::Config;
use crate::identity::Roster;
use crate::metrics::Reach;
use crate::period::MonthSpan;

type Tables = BTreeMap<&'static str, LazyFrame>;

/// Set (to anything but `0`) to analyse the whole organisation for a team's report.
pub const WHOLE_ORG: &str = "TEAMLENS_WHOLE_ORG";

/// The team the report is about when a PR's author or a ticket's assignee has no team.
const UNASSIGNED: &str = "unassigned";

/// What a narrowed report leaves out, by the name `report.json` gives it: figures of the whole
/// organisation, which the rows of some teams cannot give.
pub const LEFT_OUT: &[&str] = &[
    "metrics.organisation",
    "metrics.org_trend",
    "charts.cycle_phases_by_week",
    "charts.activity_heatmap",
];

/// What a view of several teams also leaves out: its trends and DORA's keys are the
/// organisation's.
pub const LEFT_OUT_OF_SEVERAL: &[&str] = &["trends", "charts.trends", "delivery.keys"];

/// Why the tables could not be narrowed.
#[derive(Debug, thiserror::Error)]
#[error("narrowing the tables to {teams}: {source}")]
pub struct ScopeError {
    teams: String,
    #[source]
    source: PolarsError,
}

/// What a narrowed analysis read, which its report says.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Narrowed {
    /// The teams whose people were read whole: the teams asked for, their people's other
    /// teams, and the teams whose PRs their people approved.
    pub teams_read: Vec<String>,
    /// People of those teams.
    pub people_read: usize,
    /// Repositories whose PRs were read (for their modules, rework and deployments).
    pub repositories: Vec<String>,
    /// PRs and tickets read with all their rows.
    pub prs: usize,
    pub tickets: usize,
    /// What the report leaves out (see [`LEFT_OUT`]).
    pub left_out: Vec<String>,
}

/// Whether the tables of `teams`' report are narrowed ([`narrow`]): some teams asked for, the
/// built-in metrics only (`allowed`), and [`WHOLE_ORG`] not set. Known before the store is
/// read, so the read can leave out what only the organisation's report needs.
pub fn narrows(teams: &[String], allowed: bool) -> bool {
    let whole = std::env::var(WHOLE_ORG).is_ok_and(|v| !v.is_empty() && v != "0");
    !teams.is_empty() && allowed && !whole
}

/// The tables narrowed to what the report of `teams` reads, and what was read; the tables
/// unchanged (and `None`) for the whole organisation, when `allowed` is false (a user's own
/// metrics) or when [`WHOLE_ORG`] is set. Called once the tables are cut to the period's end
/// and identities applied: who is who needs the whole store. `reach`: what the analysis knows
/// of the months before the tables' window (`metrics::Reach`), which the other teams' pickup is
/// computed with.
pub fn narrow(
    tables: Tables,
    config: &Config,
    span: MonthSpan,
    teams: &[String],
    allowed: bool,
    reach: &Reach,
) -> Result<(Tables, Option<Narrowed>), ScopeError> {
    if !narrows(teams, allowed) {
        return Ok((tables, None));
    }
    let started = crate::measure::Stopwatch::start();
    let narrowed = narrowed(&tables, config, span, teams, reach).map_err(|source| ScopeError {
        teams: teams.join(", "),
        source,
    })?;
    tracing::debug!(
        step = "narrow to the teams",
        seconds = started.seconds(),
        cpu_seconds = started.cpu_seconds(),
        "step done"
    );
    Ok(narrowed)
}

/// `column` among `values`.
fn is_in(column: &str, values: &BTreeSet<String>) -> Expr {
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    col(column).is_in(
        lit(Series::new("values".into(), values)).implode(true),
        false,
    )
}

/// The distinct strings of a column.
fn distinct(frame: &DataFrame, column: &str) -> PolarsResult<BTreeSet<String>> {
    Ok(str_values(frame, column)?.into_iter().flatten().collect())
}

/// `frame` with a column `flag` that is true where (`left[0]`, `left[1]`) is among `keys`
/// (`repo`, `number`, distinct), its rows in their order.
fn flag_keys(frame: LazyFrame, keys: &DataFrame, left: [&str; 2], flag: &str) -> LazyFrame {
    let right = keys.clone().lazy().select([
        col("repo").alias(left[0]),
        col("number").alias(left[1]),
        lit(true).alias(flag),
    ]);
    frame.join(
        right,
        [col(left[0]), col(left[1])],
        [col(left[0]), col(left[1])],
        JoinArgs {
            maintain_order: MaintainOrderJoin::Left,
            ..JoinArgs::new(JoinType::Left)
        },
    )
}

/// Distinct (`repo`, `number`) of one or more key frames.
fn keys_of(frames: Vec<LazyFrame>) -> PolarsResult<DataFrame> {
    if frames.is_empty() {
        return DataFrame::new(
            0,
            vec![
                Column::new_empty("repo".into(), &DataType::String),
                Column::new_empty("number".into(), &DataType::Int64),
            ],
        );
    }
    concat(
        frames
            .into_iter()
            .map(|f| {
                f.select([
                    col("repo").cast(DataType::String),
                    col("number").cast(DataType::Int64),
                ])
            })
            .collect::<Vec<_>>(),
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any)
    .collect()
}

/// Rows where any of `columns` holds its lowest or highest value over the whole table: what
/// fixes the span of time the table covers.
fn extremes(frame: &LazyFrame, columns: &[&str]) -> PolarsResult<Expr> {
    let schema = frame.clone().collect_schema()?;
    let present: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| schema.contains(c))
        .collect();
    let mut condition = lit(false);
    if present.is_empty() {
        return Ok(condition);
    }
    let mut exprs = Vec::new();
    for column in &present {
        let micros = col(*column).cast(DataType::Int64);
        exprs.push(micros.clone().min().alias(format!("{column}__min")));
        exprs.push(micros.max().alias(format!("{column}__max")));
    }
    let found = frame.clone().select(exprs).collect()?;
    for column in &present {
        for end in ["min", "max"] {
            if let Some(value) = found.column(&format!("{column}__{end}"))?.i64()?.get(0) {
                condition = condition.or(col(*column).cast(DataType::Int64).eq(lit(value)));
            }
        }
    }
    Ok(condition)
}

/// Rows whose `column` is `at` (microseconds).
fn at_time(column: &str, at: Option<i64>) -> Expr {
    match at {
        Some(at) => col(column)
            .cast(DataType::Int64)
            .eq(lit(at))
            .fill_null(lit(false)),
        None => lit(false),
    }
}

/// The first row (by position) of `frame` where `condition` holds, as a condition on the row
/// index column `__row`.
fn first_row(frame: &LazyFrame, condition: Expr) -> PolarsResult<Expr> {
    let found = frame
        .clone()
        .filter(condition)
        .select([col("__row").min()])
        .collect()?;
    Ok(match found.column("__row")?.get(0)?.extract::<u64>() {
        Some(row) => col("__row").cast(DataType::UInt64).eq(lit(row)),
        None => lit(false),
    })
}

fn narrowed(
    tables: &Tables,
    config: &Config,
    span: MonthSpan,
    teams: &[String],
    reach: &Reach,
) -> PolarsResult<(Tables, Option<Narrowed>)> {
    let mut watch = crate::measure::Stopwatch::start();
    let mut lap = |step: &str| {
        tracing::debug!(
            step,
            seconds = watch.seconds(),
            cpu_seconds = watch.cpu_seconds(),
            "narrowing"
        );
        watch = crate::measure::Stopwatch::start();
    };
    let empty = |name: &str| {
        crate::model::table_spec(name)
            .map(crate::model::empty_frame)
            .unwrap_or_default()
            .lazy()
    };
    let table = |name: &str| tables.get(name).cloned().unwrap_or_else(|| empty(name));
    // In-memory tables get a row index, so that single rows can be kept by position.
    let indexed = |name: &str| table(name).with_row_index("__row", None);
    let people = table("people").collect()?;
    let roster = Roster::from_people(&people)?;
    let everyone: BTreeSet<String> = roster.people.keys().cloned().collect();
    let asked: BTreeSet<&str> = teams.iter().map(String::as_str).collect();
    let period = micros_span(span.first, span.last);

    // Bots are judged nowhere and their PRs count for no team's figures (an agent's PR counts
    // for whoever merged or reviewed it, kept below): a team's bot brings no other team or
    // repository into view.
    lap("people and roster");
    let bots: BTreeSet<String> = distinct(&crate::metrics::bots(tables, config)?, "login")?;
    let is_bot = |person: &str| roster.is_bot(person) || bots.contains(person);
    let not_bot = |column: &str| {
        col(column)
            .str()
            .ends_with(lit("[bot]"))
            .or(is_in(column, &bots))
            .not()
    };
    // The teams asked for and every other team of their people.
    let mut teams_read: BTreeSet<String> = teams.iter().cloned().collect();
    let mut primary = BTreeSet::new();
    for (person, entry) in &roster.people {
        if is_bot(person) {
            continue;
        }
        if entry.teams.iter().any(|t| asked.contains(t.as_str())) {
            teams_read.extend(entry.teams.iter().cloned());
        }
        if asked.contains(entry.team.as_str()) {
            primary.insert(person.clone());
        }
    }
    // The teams whose PRs, merged within the bottleneck's window, the teams' people approved.
    let window = config.thresholds.review_bottleneck.window_months.max(1);
    let bottleneck_window = micros_span(span.first.trailing(window)[0], span.last);
    let approved = table("reviews")
        .filter(
            col("state")
                .eq(lit("approved"))
                .and(is_in("reviewer", &primary)),
        )
        .select([col("repo"), col("number")])
        .unique(None, UniqueKeepStrategy::Any);
    let approved_authors = table("pull_requests")
        .filter(within("merged_at", bottleneck_window).and(not_bot("author")))
        .join(
            approved,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .select([col("author")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    for author in distinct(&approved_authors, "author")? {
        teams_read.insert(roster.team_of(&author).unwrap_or(UNASSIGNED).to_string());
    }
    let in_view: BTreeSet<String> = roster
        .people
        .iter()
        .filter(|(_, e)| e.teams.iter().any(|t| teams_read.contains(t)))
        .map(|(p, _)| p.clone())
        .collect();
    // PRs and tickets of people no roster places count for `unassigned`.
    let unplaced = teams_read.contains(UNASSIGNED);
    let placed_nowhere =
        |column: &str| lit(unplaced).and(col(column).is_null().or(is_in(column, &everyone).not()));

    // The PRs kept whole: authored by the people in view, or reviewed, asked of, merged or
    // pushed to by them.
    lap("teams in view");
    let their_commits = table("commits")
        .filter(is_in("author", &in_view))
        .select([col("sha")])
        .collect()?;
    let their_shas = their_commits
        .column("sha")?
        .as_materialized_series()
        .clone();
    let authored =
        table("pull_requests").filter(is_in("author", &in_view).or(placed_nowhere("author")));
    let touched = keys_of(vec![
        table("reviews").filter(is_in("reviewer", &in_view)),
        table("review_requests").filter(is_in("requested", &in_view)),
        table("pull_requests").filter(is_in("merged_by", &in_view).fill_null(lit(false))),
        table("pr_commits").filter(
            is_in("author", &in_view).or(col("sha").is_in(lit(their_shas).implode(true), false)),
        ),
    ])?;
    let whole = keys_of(vec![authored.clone(), touched.clone().lazy()])?;
    // Repositories in view: where they authored PRs, and where they merged or reviewed a bot's
    // (an agent's) PR, whose rework and failures count for their team.
    let bot_prs = flag_keys(
        table("pull_requests"),
        &touched,
        ["repo", "number"],
        "__touched",
    )
    .filter(
        col("__touched")
            .fill_null(lit(false))
            .and(not_bot("author").not()),
    )
    .select([col("repo")]);
    let repos_frame = concat(
        [
            authored
                .clone()
                .filter(not_bot("author"))
                .select([col("repo")]),
            bot_prs,
        ],
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any)
    .collect()?;
    let repositories = distinct(&repos_frame, "repo")?;
    let in_repos = || is_in("repo", &repositories);

    // The organisation's extremes.
    lap("PRs kept whole");
    let first_action = crate::metrics::first_action_at(tables, config)?;
    lap("first action");
    let action_time = |name: &str| {
        crate::metrics::action_time(name).map_or(lit(false), |column| at_time(column, first_action))
    };
    let span_extremes = |name: &str| -> PolarsResult<Expr> {
        match crate::metrics::calendar::SPAN_COLUMNS
            .iter()
            .find(|(t, _)| *t == name)
        {
            Some((_, columns)) => extremes(&table(name), columns),
            None => Ok(lit(false)),
        }
    };
    // The end of the data as rework reads it: the latest change to a file. File changes are read
    // once, for the repositories in view and for the PRs and commits of the data's last week,
    // among which the latest change nearly always is (else it is looked for in all of them).
    let bound = crate::metrics::ai::latest_change_bound(tables)?;
    let since = bound.map(|b| b.saturating_sub(8 * 86_400_000_000));
    let late_prs = table("pull_requests").filter(match since {
        Some(since) => col("merged_at")
            .cast(DataType::Int64)
            .gt_eq(lit(since))
            .fill_null(lit(false)),
        None => lit(false),
    });
    let late_numbers = late_prs.clone().select([col("number")]).collect()?;
    let late_numbers = late_numbers
        .column("number")?
        .as_materialized_series()
        .clone();
    let late_commits = table("commits")
        .filter(match since {
            Some(since) => coalesce(&[col("landed_at"), col("authored_at")])
                .cast(DataType::Int64)
                .gt_eq(lit(since))
                .fill_null(lit(false)),
            None => lit(false),
        })
        .collect()?;
    let late_shas = late_commits.column("sha")?.as_materialized_series().clone();
    let files = table("file_changes")
        .filter(
            in_repos()
                .or(col("number")
                    .is_in(lit(late_numbers).implode(true), false)
                    .fill_null(lit(false)))
                .or(col("sha")
                    .is_in(lit(late_shas).implode(true), false)
                    .fill_null(lit(false))),
        )
        .collect()?;
    let mut late: Tables = BTreeMap::new();
    late.insert("file_changes", files.clone().lazy());
    late.insert("pull_requests", late_prs);
    late.insert("commits", late_commits.lazy());
    let data_end = match crate::metrics::ai::latest_change(&late, since)? {
        Some(end) => Some(end),
        None => crate::metrics::ai::rework_data_end(tables)?,
    };
    let end_prs = keys_of(vec![
        table("pull_requests").filter(at_time("merged_at", data_end)),
    ])?;
    let end_commits = table("commits")
        .filter(
            at_time("landed_at", data_end).or(col("landed_at")
                .is_null()
                .and(at_time("authored_at", data_end))),
        )
        .select([col("sha")])
        .collect()?;
    let end_shas = end_commits.column("sha")?.as_materialized_series().clone();
    let mut out: Tables = BTreeMap::new();
    let mut keep = |name: &'static str, frame: LazyFrame| {
        out.insert(name, frame);
    };

    lap("data end");
    // Every team's pickup in the judged months, which `absentee_manager` compares a team's with:
    // from every PR merged in the period and its reviews, by the metric SQL itself.
    let merged_in_period = keys_of(vec![
        table("pull_requests").filter(within("merged_at", period)),
    ])?;
    let mut baseline: Tables = BTreeMap::new();
    baseline.insert("people", table("people"));
    baseline.insert(
        "pull_requests",
        table("pull_requests").filter(within("merged_at", period)),
    );
    baseline.insert(
        "reviews",
        flag_keys(
            table("reviews").filter(
                col("number").is_in(
                    lit(merged_in_period
                        .column("number")?
                        .as_materialized_series()
                        .clone())
                    .implode(true),
                    false,
                ),
            ),
            &merged_in_period,
            ["repo", "number"],
            "__merged",
        )
        .filter(col("__merged").fill_null(lit(false)))
        .drop(by_name(["__merged"], true, false)),
    );
    let pickups = crate::metrics::team_pickups(&baseline, config, reach)
        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))?;
    lap("the others' pickup");

    // pull_requests: whole PRs, the repositories', the extremes, one PR per source and one a
    // person merged in the period (whether it was active).
    let prs = indexed("pull_requests");
    let per_source = prs
        .clone()
        .group_by([col("source")])
        .agg([col("__row").min()])
        .collect()?;
    let source_rows = per_source.column("__row")?.as_materialized_series().clone();
    let merged_by_a_person = first_row(&prs, within("merged_at", period).and(not_bot("author")))?;
    let whole_numbers = whole.column("number")?.as_materialized_series().clone();
    let whole_repos: BTreeSet<String> = distinct(&whole, "repo")?;
    let in_whole = |repo: &str, number: &str| {
        is_in(repo, &whole_repos).and(
            col(number)
                .is_in(lit(whole_numbers.clone()).implode(true), false)
                .fill_null(lit(false)),
        )
    };
    // Rows are first kept by their repository and number apart (the few repositories of the
    // whole PRs), then by the pair.
    let keep_whole = |frame: LazyFrame, others: Expr| {
        flag_keys(
            frame.filter(in_whole("repo", "number").or(others.clone())),
            &whole,
            ["repo", "number"],
            "__whole",
        )
        .filter(col("__whole").fill_null(lit(false)).or(others))
        .drop(by_name(["__whole", "__row"], false, false))
    };
    let kept_prs = keep_whole(
        prs,
        in_repos()
            .or(col("__row").is_in(lit(source_rows).implode(true), false))
            .or(merged_by_a_person)
            .or(span_extremes("pull_requests")?)
            .or(action_time("pull_requests"))
            .or(at_time("merged_at", data_end)),
    )
    .collect()?;
    let reviews = indexed("reviews");
    let timed_review = first_row(&reviews, col("source").neq(lit("git")).fill_null(lit(true)))?;
    let kept_reviews = keep_whole(
        reviews,
        in_repos()
            .or(timed_review)
            .or(span_extremes("reviews")?)
            .or(action_time("reviews")),
    )
    .collect()?;
    let kept_requests =
        keep_whole(table("review_requests"), span_extremes("review_requests")?).collect()?;
    let kept_pr_commits = keep_whole(table("pr_commits"), action_time("pr_commits")).collect()?;
    lap("PR tables");
    // Comments on whole PRs (`container`, `item` are the repository and the number) and the
    // people in view's own anywhere.
    let comment_keys = whole.clone().lazy().select([
        col("repo").alias("container"),
        col("number").cast(DataType::String).alias("item"),
        lit(true).alias("__whole"),
    ]);
    let own = is_in("author", &in_view).or(action_time("comments"));
    let kept_comments = table("comments")
        .filter(
            own.clone().or(col("target")
                .eq(lit("pr"))
                .and(is_in("container", &whole_repos))),
        )
        .join(
            comment_keys,
            [col("container"), col("item")],
            [col("container"), col("item")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .filter(
            own.or(col("target")
                .eq(lit("pr"))
                .and(col("__whole").fill_null(lit(false)))),
        )
        .drop(by_name(["__whole"], true, false))
        .collect()?;
    lap("comments");
    // Commits: theirs, the repositories', those naming a whole PR, and the extremes.
    let commits = table("commits");
    let commits_schema = commits.clone().collect_schema()?;
    let own_commits = is_in("author", &in_view)
        .or(in_repos())
        .or(action_time("commits"))
        .or(col("sha").is_in(lit(end_shas.clone()).implode(true), false));
    let kept_commits = if commits_schema.contains("pr_number") {
        flag_keys(
            commits.filter(own_commits.clone().or(in_whole("repo", "pr_number"))),
            &whole,
            ["repo", "pr_number"],
            "__whole",
        )
        .filter(own_commits.or(col("__whole").fill_null(lit(false))))
        .drop(by_name(["__whole"], true, false))
    } else {
        commits.filter(own_commits)
    }
    .collect()?;
    lap("commits");
    let kept_files = flag_keys(files.lazy(), &end_prs, ["repo", "number"], "__end")
        .filter(
            in_repos()
                .or(col("__end").fill_null(lit(false)))
                .or(col("sha").is_in(lit(end_shas).implode(true), false)),
        )
        .drop(by_name(["__end"], true, false))
        .collect()?;
    // Deployments: the repositories' (which of them shipped, failed and recovered), and one to
    // production, so that whether any is recorded stays the organisation's answer.
    let deployments = indexed("deployments");
    let production = first_row(
        &crate::metrics::production_deployments(deployments.clone(), config),
        lit(true),
    )?;
    let kept_deployments = deployments
        .filter(in_repos().or(production))
        .drop(by_name(["__row"], true, false))
        .collect()?;
    lap("file changes and deployments");
    // Tickets kept whole: assigned to the people in view, or changed by them.
    let ticket_keys: BTreeSet<String> = {
        let assigned = table("issues")
            .filter(is_in("assignee", &in_view).or(placed_nowhere("assignee")))
            .select([col("key")]);
        let changed = table("issue_events")
            .filter(is_in("actor", &in_view))
            .select([col("key")]);
        let keys = concat([assigned, changed], UnionArgs::default())?
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?;
        distinct(&keys, "key")?
    };
    // Every incident: which PRs failed, and whether a hotfix names one.
    let incident_keys = distinct(
        &crate::metrics::incidents(table("issues"), config)?
            .select([col("key")])
            .collect()?,
        "key",
    )?;
    let issues = indexed("issues");
    let per_status = issues
        .clone()
        .filter(
            col("status")
                .is_not_null()
                .and(col("status_category").is_not_null()),
        )
        .group_by([col("status")])
        .agg([col("__row").min()])
        .collect()?;
    let status_rows = per_status.column("__row")?.as_materialized_series().clone();
    let resolved_in_period = first_row(&issues, within("resolved_at", period))?;
    let kept_issues = issues
        .filter(
            is_in("key", &ticket_keys)
                .or(is_in("key", &incident_keys))
                .or(col("__row").is_in(lit(status_rows).implode(true), false))
                .or(resolved_in_period)
                .or(span_extremes("issues")?),
        )
        .drop(by_name(["__row"], true, false))
        .collect()?;
    // A sprint's first assignment is its start when the tracker gives none.
    let sprints_in_view = table("issue_events")
        .filter(
            col("field")
                .eq(lit("sprint"))
                .and(is_in("key", &ticket_keys)),
        )
        .select([col("to")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let sprints_in_view = distinct(&sprints_in_view, "to")?;
    lap("issues");
    let kept_events = table("issue_events")
        .filter(
            is_in("key", &ticket_keys)
                .or(col("field")
                    .eq(lit("sprint"))
                    .and(is_in("to", &sprints_in_view)))
                .or(span_extremes("issue_events")?)
                .or(action_time("issue_events")),
        )
        .collect()?;

    lap("issue events");
    // Time off of the people whose working clock a kept wait is counted on.
    let mut clocks = in_view.clone();
    let whole_prs = flag_keys(
        kept_prs.clone().lazy(),
        &whole,
        ["repo", "number"],
        "__whole",
    )
    .filter(col("__whole").fill_null(lit(false)))
    .select([col("author"), col("merged_by")])
    .collect()?;
    clocks.extend(distinct(&whole_prs, "author")?);
    clocks.extend(distinct(&whole_prs, "merged_by")?);
    let whole_reviewers = flag_keys(
        kept_reviews.clone().lazy(),
        &whole,
        ["repo", "number"],
        "__whole",
    )
    .filter(col("__whole").fill_null(lit(false)))
    .select([col("reviewer")])
    .collect()?;
    clocks.extend(distinct(&whole_reviewers, "reviewer")?);
    clocks.extend(distinct(&kept_requests, "requested")?);
    let assignees = kept_issues
        .clone()
        .lazy()
        .filter(is_in("key", &ticket_keys))
        .select([col("assignee")])
        .collect()?;
    clocks.extend(distinct(&assignees, "assignee")?);
    let kept_time_off = table("time_off")
        .filter(is_in("person", &clocks))
        .collect()?;

    lap("time off");
    let several: &[&str] = if teams.len() > 1 {
        LEFT_OUT_OF_SEVERAL
    } else {
        &[]
    };
    let summary = Narrowed {
        teams_read: teams_read.iter().cloned().collect(),
        people_read: in_view.len(),
        repositories: repositories.iter().cloned().collect(),
        prs: whole.height(),
        tickets: ticket_keys.len(),
        left_out: LEFT_OUT
            .iter()
            .chain(several)
            .map(|s| s.to_string())
            .collect(),
    };
    keep("pull_requests", kept_prs.lazy());
    keep("reviews", kept_reviews.lazy());
    keep("review_requests", kept_requests.lazy());
    keep("pr_commits", kept_pr_commits.lazy());
    keep("comments", kept_comments.lazy());
    keep("commits", kept_commits.lazy());
    keep("file_changes", kept_files.lazy());
    keep("issues", kept_issues.lazy());
    keep("issue_events", kept_events.lazy());
    keep("time_off", kept_time_off.lazy());
    keep("deployments", kept_deployments.lazy());
    // Dismissed reviews are read by who dismissed them (`wont_let_go`), only theirs.
    keep(
        "pr_events",
        table("pr_events").filter(is_in("actor", &in_view).fill_null(lit(false))),
    );
    for (name, frame) in tables {
        out.entry(name).or_insert_with(|| frame.clone());
    }
    // Tables the store did not have stay absent, as the organisation's analysis has them.
    out.retain(|name, _| tables.contains_key(name));
    // Handed to the metrics as `team_pickups` (`metrics::team_pickups`).
    out.insert(crate::metrics::Metric::TeamPickups.name(), pickups.lazy());
    Ok((out, Some(summary)))
}
