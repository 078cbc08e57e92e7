//! `pr_ai`: each pull request's class — made with an assistant, authored by an agent, or
//! neither — from what the sources stored, through [`crate::identity::assistants`].
//!
//! A PR is read with its commits (GitHub's `pr_commits`, and the git source's `commits` that
//! name it): the PR's own author, title, description attribution lines and labels with every
//! commit's trailers, then each commit as a change of its own (its author, name, first line,
//! attribution lines and trailers). The strongest evidence wins: the PR's author being an agent
//! makes it `agent`; anything else found makes it `assisted` (a commit authored by an agent
//! inside a person's PR is the person's PR made with the agent's help).
//!
//! `recorded` says whether anything could have been recognised: a store written before these
//! columns existed, or an import without them, holds nulls there, and "not recorded" is not
//! "none" — the report says so rather than showing a share of 0.

use std::collections::HashMap;

use polars::prelude::*;

use crate::config::AiConfig;
use crate::identity::assistants::{AiEvidence, AiLevel, Assistants, ChangeText};

/// What a PR's commits say, gathered in one pass over them: every trailer (the PR is read with
/// all of them), the first commit's evidence in the tables' order (when the PR itself shows
/// none), and whether any commit's text was stored. Nothing else of a commit is kept: at a
/// million commits, keeping each one's text cost a gigabyte.
#[derive(Debug, Default)]
struct PrCommits {
    trailers: Vec<String>,
    first_evidence: Option<AiEvidence>,
    recorded: bool,
}

/// Per repository, per PR number: looked up by `&str`, so a row costs no key allocation.
type ByPr = HashMap<String, HashMap<i64, PrCommits>>;

fn numbers(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    if frame.column(name).is_err() {
        return Ok(vec![None; frame.height()]);
    }
    crate::common::frame::i64_values(frame, name)
}

/// A list-of-strings column, read one row at a time. Iterated with one reused series, not a
/// series made per row (at a million commits that was most of the cost), and never gathered into
/// a vector of every row's strings: at 2,000 people those were 1.8 million small vectors of PR
/// commits, a third of a gigabyte the allocator kept after the loop.
struct StrLists {
    list: Option<ListChunked>,
    height: usize,
}

impl StrLists {
    /// The frame's column `name`; a missing one (an older store) reads as nothing recorded.
    fn of(frame: &DataFrame, name: &str) -> PolarsResult<Self> {
        let list = match frame.column(name) {
            Ok(column) => Some(
                column
                    .cast(&DataType::List(Box::new(DataType::String)))?
                    .list()?
                    .clone(),
            ),
            Err(_) => None,
        };
        Ok(Self {
            list,
            height: frame.height(),
        })
    }

    /// Each row's strings in order; None for a null (nothing recorded) or a missing column.
    fn rows(&self) -> Box<dyn Iterator<Item = PolarsResult<Option<Vec<String>>>> + '_> {
        match &self.list {
            Some(list) => Box::new(list.amortized_iter().map(|row| {
                row.map(|series| {
                    Ok(series
                        .as_ref()
                        .str()?
                        .iter()
                        .flatten()
                        .map(str::to_string)
                        .collect())
                })
                .transpose()
            })),
            None => Box::new(std::iter::repeat_with(|| Ok(None)).take(self.height)),
        }
    }
}

/// The named table with only the columns of `wanted` it has (an older store's scan lacks the
/// newer ones, which then read as not recorded), rows kept by `keep`: reading a lazily cut table
/// whole, every column of it, is what made this slow on a large store.
fn collect(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
    name: &str,
    wanted: &[&str],
    keep: Option<Expr>,
) -> PolarsResult<DataFrame> {
    let Some(frame) = tables.get(name) else {
        return Ok(DataFrame::empty());
    };
    let schema = frame.clone().collect_schema()?;
    let columns: Vec<Expr> = wanted
        .iter()
        .filter(|c| schema.contains(c))
        .map(|c| col(*c))
        .collect();
    let mut frame = frame.clone();
    if let Some(keep) = keep {
        frame = frame.filter(keep);
    }
    frame.select(columns).collect()
}

/// The message a classifier reads: a first line and attribution lines, one per line.
fn message(first: Option<&str>, attribution: Option<&[String]>) -> String {
    let mut text = first.unwrap_or_default().to_string();
    for line in attribution.unwrap_or_default() {
        text.push('\n');
        text.push_str(line);
    }
    text
}

/// A string column's values as borrowed `&str`s, or all None when the frame lacks it.
fn str_iter<'a>(
    frame: &'a DataFrame,
    name: &str,
) -> PolarsResult<Box<dyn Iterator<Item = Option<&'a str>> + 'a>> {
    Ok(match frame.column(name) {
        Ok(column) => Box::new(column.str()?.iter()),
        Err(_) => Box::new(std::iter::repeat_n(None, frame.height())),
    })
}

/// The commits of each PR, from both tables that hold them, each classified as it is read.
fn commits_by_pr(
    pr_commits: &DataFrame,
    commits: &DataFrame,
    assistants: &Assistants,
) -> PolarsResult<ByPr> {
    let mut by_pr: ByPr = HashMap::new();
    for (frame, number_column) in [(pr_commits, "number"), (commits, "pr_number")] {
        // Each stretch of rows gathered apart, then joined in the rows' order: a PR's trailers
        // in order, its first evidence the earliest stretch's.
        for part in in_parts(frame, |part| {
            commits_of_part(part, number_column, assistants)
        })? {
            for (repo, prs) in part {
                let into = by_pr.entry(repo).or_default();
                for (number, pr) in prs {
                    let total = into.entry(number).or_default();
                    total.recorded |= pr.recorded;
                    if total.first_evidence.is_none() {
                        total.first_evidence = pr.first_evidence;
                    }
                    total.trailers.extend(pr.trailers);
                }
            }
        }
    }
    Ok(by_pr)
}

/// What one stretch of a commits table says of each PR (see [`commits_by_pr`]).
fn commits_of_part(
    frame: &DataFrame,
    number_column: &str,
    assistants: &Assistants,
) -> PolarsResult<ByPr> {
    let mut by_pr: ByPr = HashMap::new();
    if frame.height() == 0 {
        return Ok(by_pr);
    }
    let numbers = numbers(frame, number_column)?;
    let trailers = StrLists::of(frame, "trailers")?;
    let attribution = StrLists::of(frame, "attribution")?;
    let rows = str_iter(frame, "repo")?
        .zip(str_iter(frame, "author")?)
        .zip(str_iter(frame, "author_name")?)
        .zip(str_iter(frame, "message_headline")?)
        .zip(trailers.rows())
        .zip(attribution.rows())
        .enumerate();
    for (i, (((((repo, author), name), headline), trailers), attribution)) in rows {
        let (trailers, attribution) = (trailers?, attribution?);
        let (Some(repo), Some(number)) = (repo, numbers[i]) else {
            continue;
        };
        let pr = match by_pr.get_mut(repo) {
            Some(prs) => prs.entry(number).or_default(),
            None => by_pr
                .entry(repo.to_string())
                .or_default()
                .entry(number)
                .or_default(),
        };
        let commit_trailers = trailers.as_deref().unwrap_or_default();
        pr.recorded |= attribution.is_some();
        if pr.first_evidence.is_none() {
            let text = message(headline, attribution.as_deref());
            pr.first_evidence = assistants.classify(&ChangeText {
                author: author.unwrap_or_default(),
                author_name: name,
                message: &text,
                trailers: commit_trailers,
                labels: &[],
            });
        }
        pr.trailers.extend(trailers.into_iter().flatten());
    }
    Ok(by_pr)
}

/// Rows per stretch below which a table is read in one: a thread costs more than it saves.
const ROWS_PER_PART: usize = 50_000;

/// `work` over consecutive stretches of `frame`'s rows, one thread each (as many as the
/// machine's cores), the results in the rows' order: classifying commit and PR text is plain
/// Rust, one row at a time (`common::parallel`).
fn in_parts<T: Send>(
    frame: &DataFrame,
    work: impl Fn(&DataFrame) -> PolarsResult<T> + Sync,
) -> PolarsResult<Vec<T>> {
    let parts = crate::common::parallel::cores()
        .min(frame.height() / ROWS_PER_PART)
        .max(1);
    if parts == 1 {
        return Ok(vec![work(frame)?]);
    }
    let size = frame.height().div_ceil(parts);
    let slices: Vec<DataFrame> = (0..parts)
        .map(|k| frame.slice((k * size) as i64, size))
        .collect();
    crate::common::parallel::each_on_a_thread(&slices, |slice| work(slice))
        .into_iter()
        .collect()
}

/// The `pr_ai` table: source, repo, number, ai_assisted (`none`, `assisted`, `agent`), evidence
/// (`trailer`, `agent_account`, `marker`, `label`, `disclosure`; null for none), tool (null for none), recorded.
pub fn pr_ai(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
    config: &AiConfig,
) -> PolarsResult<DataFrame> {
    let assistants = Assistants::with_config(config);
    const TEXT: &[&str] = &[
        "author",
        "author_name",
        "message_headline",
        "trailers",
        "attribution",
    ];
    let prs = collect(
        tables,
        "pull_requests",
        &[
            "source",
            "repo",
            "number",
            "author",
            "title",
            "labels",
            "attribution",
        ],
        None,
    )?;
    let with = |key: &'static str| -> Vec<&str> {
        ["repo", key]
            .into_iter()
            .chain(TEXT.iter().copied())
            .collect()
    };
    let pr_commits = collect(tables, "pr_commits", &with("number"), None)?;
    // The git source's commits that name no PR are no PR's: most of a large history.
    let commits = match tables.get("commits") {
        Some(frame) if frame.clone().collect_schema()?.contains("pr_number") => collect(
            tables,
            "commits",
            &with("pr_number"),
            Some(col("pr_number").is_not_null()),
        )?,
        _ => DataFrame::empty(),
    };
    let by_pr = commits_by_pr(&pr_commits, &commits, &assistants)?;
    drop((pr_commits, commits));

    let mut parts = in_parts(&prs, |part| prs_of_part(part, &by_pr, &assistants))?.into_iter();
    let mut out = parts.next().unwrap_or_default();
    for part in parts {
        out.vstack_mut_owned(part)?;
    }
    Ok(out)
}

/// The `pr_ai` rows of one stretch of the PRs (see [`pr_ai`]).
fn prs_of_part(prs: &DataFrame, by_pr: &ByPr, assistants: &Assistants) -> PolarsResult<DataFrame> {
    let numbers = numbers(prs, "number")?;
    let labels = StrLists::of(prs, "labels")?;
    let attribution = StrLists::of(prs, "attribution")?;

    let height = prs.height();
    let mut out_source: Vec<&str> = Vec::with_capacity(height);
    let mut out_repo: Vec<&str> = Vec::with_capacity(height);
    let mut out_number = Vec::with_capacity(height);
    let mut out_class = Vec::with_capacity(height);
    let mut out_evidence: Vec<Option<&'static str>> = Vec::with_capacity(height);
    let mut out_tool: Vec<Option<String>> = Vec::with_capacity(height);
    let mut out_recorded = Vec::with_capacity(height);
    let none = PrCommits::default();
    // Borrowed, not copied: 865,000 PRs' strings copied once more were a quarter gigabyte of
    // small allocations at 2,000 people.
    let rows = str_iter(prs, "source")?
        .zip(str_iter(prs, "repo")?)
        .zip(str_iter(prs, "author")?)
        .zip(str_iter(prs, "title")?)
        .zip(labels.rows())
        .zip(attribution.rows())
        .enumerate();
    for (i, (((((source, repo), author), title), labels), attribution)) in rows {
        let (labels, attribution) = (labels?, attribution?);
        let (Some(repo), Some(number)) = (repo, numbers[i]) else {
            continue;
        };
        let commits = by_pr
            .get(repo)
            .and_then(|prs| prs.get(&number))
            .unwrap_or(&none);
        let pr_message = message(title, attribution.as_deref());
        let pr_text = ChangeText {
            author: author.unwrap_or_default(),
            author_name: None,
            message: &pr_message,
            trailers: &commits.trailers,
            labels: labels.as_deref().unwrap_or_default(),
        };
        let found = assistants.classify(&pr_text).or_else(|| {
            // An agent's commit in a person's PR: the person's work, made with its help.
            commits.first_evidence.clone().map(|e| AiEvidence {
                level: AiLevel::Assisted,
                ..e
            })
        });
        let recorded = found.is_some() || attribution.is_some() || commits.recorded;
        out_source.push(source.unwrap_or_default());
        out_repo.push(repo);
        out_number.push(number);
        out_class.push(found.as_ref().map_or("none", |e| e.level.as_str()));
        out_evidence.push(found.as_ref().map(|e| e.kind.as_str()));
        out_tool.push(found.map(|e| e.tool));
        out_recorded.push(recorded);
    }
    DataFrame::new(
        out_repo.len(),
        vec![
            Column::new("source".into(), out_source),
            Column::new("repo".into(), out_repo),
            Column::new("number".into(), out_number),
            Column::new("ai_assisted".into(), out_class),
            Column::new("evidence".into(), out_evidence),
            Column::new("tool".into(), out_tool),
            Column::new("recorded".into(), out_recorded),
        ],
    )
}

/// Every change to a file (`repo`, `path`, `number`, `at` in microseconds): a merged PR's, at
/// its merge (its commits touching a file once), and a commit's that names no PR, when it
/// landed (else when it was authored); with `since`, only the changes from then on, the files
/// read only for those PRs and commits. `None` without the tables and columns to say it.
fn changes_to_files(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
    since: Option<i64>,
) -> PolarsResult<Option<LazyFrame>> {
    let has = |name: &str, columns: &[&str]| -> PolarsResult<bool> {
        let Some(frame) = tables.get(name) else {
            return Ok(false);
        };
        let schema = frame.clone().collect_schema()?;
        Ok(columns.iter().all(|c| schema.contains(c)))
    };
    if !has("file_changes", &["repo", "sha", "number", "path"])?
        || !has("pull_requests", &["repo", "number", "merged_at"])?
    {
        return Ok(None);
    }
    let from = |at: Expr| match since {
        Some(since) => at.cast(DataType::Int64).gt_eq(lit(since)),
        None => lit(true),
    };
    let merged = tables["pull_requests"]
        .clone()
        .filter(col("merged_at").is_not_null().and(from(col("merged_at"))))
        .select([col("repo"), col("number"), col("merged_at").alias("at")]);
    let with_commits = has("commits", &["repo", "sha", "authored_at", "landed_at"])?;
    let commits = with_commits.then(|| {
        let at = coalesce(&[col("landed_at"), col("authored_at")]);
        tables["commits"].clone().filter(from(at.clone())).select([
            col("repo"),
            col("sha"),
            at.alias("at"),
        ])
    });
    let mut files = tables["file_changes"].clone().select([
        col("repo"),
        col("sha"),
        col("number"),
        col("path"),
    ]);
    if since.is_some() {
        // The few PRs and commits of the span, by number and sha, before any join.
        let numbers = merged.clone().select([col("number")]).collect()?;
        let numbers = numbers.column("number")?.as_materialized_series().clone();
        let mut wanted = col("number").is_in(lit(numbers).implode(true), false);
        if let Some(commits) = &commits {
            let shas = commits.clone().select([col("sha")]).collect()?;
            let shas = shas.column("sha")?.as_materialized_series().clone();
            wanted = wanted.or(col("sha").is_in(lit(shas).implode(true), false));
        }
        files = files.filter(wanted);
    }
    // Cut once: both kinds of change below read it, and a lazy cut would run twice.
    let files = files.collect()?.lazy();
    let by_prs = files
        .clone()
        .filter(col("number").is_not_null())
        .join(
            merged,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("repo"), col("path"), col("number")])
        .agg([col("at").min()]);
    let mut changes = vec![by_prs];
    if let Some(commits) = commits {
        changes.push(
            files
                .filter(col("number").is_null().and(col("sha").is_not_null()))
                .join(
                    commits,
                    [col("repo"), col("sha")],
                    [col("repo"), col("sha")],
                    JoinArgs::new(JoinType::Inner),
                )
                .select([col("repo"), col("path"), col("number"), col("at")]),
        );
    }
    Ok(Some(
        concat(changes, UnionArgs::default())?.with_column(col("at").cast(DataType::Int64)),
    ))
}

/// The latest change to a file at or after `since` (microseconds; `None`: any), `None` when
/// there is none.
pub fn latest_change(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
    since: Option<i64>,
) -> PolarsResult<Option<i64>> {
    let Some(changes) = changes_to_files(tables, since)? else {
        return Ok(None);
    };
    let end = changes.select([col("at").max()]).collect()?;
    Ok(end.column("at")?.i64()?.get(0))
}

/// The latest time a change to a file can have: the latest merge of a PR or landing of a
/// commit, with files or not.
pub fn latest_change_bound(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<Option<i64>> {
    let mut bound: Option<i64> = None;
    let mut latest = |frame: &LazyFrame, at: Expr| -> PolarsResult<()> {
        let found = frame
            .clone()
            .select([at.cast(DataType::Int64).max().alias("at")])
            .collect()?;
        if let Some(t) = found.column("at")?.i64()?.get(0) {
            bound = Some(bound.map_or(t, |b| b.max(t)));
        }
        Ok(())
    };
    if let Some(prs) = tables.get("pull_requests") {
        latest(prs, col("merged_at"))?;
    }
    if let Some(commits) = tables.get("commits") {
        latest(commits, coalesce(&[col("landed_at"), col("authored_at")]))?;
    }
    Ok(bound)
}

/// The end of the data as `pr_rework` reads it: the latest change to a file (microseconds). A
/// team's report keeps the change that sets it (`crate::scope`), so that its PRs are judged
/// against the organisation's end of data, not the team's last change. Found from the latest
/// merges and commits back (a day, a week, two months, then all): the first span holding a
/// change holds the latest.
pub fn rework_data_end(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<Option<i64>> {
    let Some(bound) = latest_change_bound(tables)? else {
        return Ok(None);
    };
    const DAY: i64 = 86_400 * 1_000_000;
    for days in [Some(1), Some(8), Some(64), None] {
        let since = days.map(|d: i64| bound.saturating_sub(d * DAY));
        if let Some(end) = latest_change(tables, since)? {
            return Ok(Some(end));
        }
    }
    Ok(None)
}

/// Days after a PR's merge within which a later change to one of its files is rework.
pub const REWORK_DAYS: i64 = 21;

/// The `pr_rework` table: repo, number, reworked — for each merged PR that changed files, whether
/// a later change touched one of them within [`REWORK_DAYS`] of its merge, for a PR whose whole
/// window the data cover; null ("not recorded") when the window runs past the data's end — the
/// latest change recorded, which the as-of cut holds to the period's end — whether or not a
/// change came so far. Counting such a PR as not reworked would read rework low; counting it
/// only when already reworked would read it high (of the late PRs, only the reworked ones would
/// be judged). A change is another
/// merged PR (at its merge) or a commit that names no PR (when it landed, else when it was
/// authored), by anyone; the PR's own rows (GitHub's and git's) are one change. Found with a
/// sort — each file's changes in time order, each with the next — not a self-join, which on a
/// much-changed file grows with the square of its changes.
pub fn pr_rework(
    tables: &std::collections::BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<DataFrame> {
    let empty = || {
        DataFrame::new(
            0,
            vec![
                Column::new_empty("repo".into(), &DataType::String),
                Column::new_empty("number".into(), &DataType::Int64),
                Column::new_empty("reworked".into(), &DataType::Boolean),
            ],
        )
    };
    let Some(changes) = changes_to_files(tables, None)? else {
        return empty();
    };
    let window_us = REWORK_DAYS * 86_400 * 1_000_000;
    let changes = changes.collect()?;
    let Some(data_end) = changes.column("at")?.as_materialized_series().i64()?.max() else {
        return empty();
    };
    // Each file's next change: sorted by time (a sort of integers), then shifted within each
    // file. Sorting by repository and path first, strings, took twice as long at 2,000 people.
    // Changes at the same instant (merges landed in the same second) come out of the sort in
    // any order, so the shift alone made one of them the other's "later" change, a different
    // one from run to run: the next change is the first strictly later one, the same for every
    // change of the instant.
    let with_next = changes
        .lazy()
        .sort(["at"], Default::default())
        .with_column(
            col("at")
                .shift(lit(-1))
                .over([col("repo"), col("path")])?
                .alias("next_at"),
        )
        .with_column(
            when(col("next_at").gt(col("at")))
                .then(col("next_at"))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .max()
                .over([col("repo"), col("path"), col("at")])?
                .alias("next_at"),
        );
    with_next
        .filter(col("number").is_not_null())
        .with_column(
            (col("next_at") - col("at"))
                .lt_eq(lit(window_us))
                .fill_null(lit(false))
                .alias("reworked"),
        )
        .group_by([col("repo"), col("number")])
        .agg([col("reworked").any(false), col("at").min()])
        .with_column(
            when((col("at") + lit(window_us)).lt_eq(lit(data_end)))
                .then(col("reworked"))
                .otherwise(lit(NULL).cast(DataType::Boolean))
                .alias("reworked"),
        )
        .select([col("repo"), col("number"), col("reworked")])
        .sort(["repo", "number"], Default::default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commit, PrCommit, PullRequest, Table};
    use chrono::{TimeZone, Utc};
    use std::collections::BTreeMap;

    /// A commit read from a clone, by Ann, naming no PR and carrying no text.
    fn git_commit(sha: &str, at: chrono::DateTime<Utc>) -> Commit {
        Commit {
            source: "git".into(),
            repo: "acme/api".into(),
            sha: sha.into(),
            author: "ann@acme.example".into(),
            author_name: None,
            authored_at: at,
            landed_at: None,
            author_tz_offset_minutes: None,
            committer: None,
            committer_name: None,
            files: None,
            additions: None,
            deletions: None,
            trailers: Vec::new(),
            pr_number: None,
            message_headline: None,
            attribution: Vec::new(),
        }
    }

    fn pr(number: i64, author: &str, attribution: Vec<String>) -> PullRequest {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        PullRequest {
            source: "github".into(),
            repo: "acme/api".into(),
            number,
            author: author.into(),
            title: Some(format!("Change {number}")),
            url: None,
            created_at: at,
            ready_at: Some(at),
            first_commit_at: Some(at),
            merged_at: Some(at),
            closed_at: Some(at),
            merged_by: Some("bob".into()),
            state: Some("merged".into()),
            draft: Some(false),
            additions: Some(10),
            deletions: Some(2),
            changed_files: Some(1),
            labels: Vec::new(),
            base_ref: None,
            is_revert: Some(false),
            reverts_number: None,
            linked_issues: Vec::new(),
            updated_at: None,
            attribution,
        }
    }

    #[test]
    fn prs_are_classed_from_themselves_and_their_commits() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let prs = vec![
            pr(1, "ann", Vec::new()),
            pr(2, "Copilot[bot]", Vec::new()),
            pr(
                3,
                "ann",
                vec!["🤖 Generated with [Claude Code](https://claude.com/claude-code)".into()],
            ),
            pr(4, "ann", Vec::new()),
            pr(5, "ann", Vec::new()),
        ];
        let pr_commits = vec![PrCommit {
            source: "github".into(),
            repo: "acme/api".into(),
            number: 4,
            sha: "a".into(),
            author: "ann".into(),
            committer: None,
            authored_at: at,
            author_tz_offset_minutes: None,
            is_merge: Some(false),
            message_headline: Some("Add x".into()),
            trailers: vec!["Co-authored-by: Cursor <cursoragent@cursor.com>".into()],
            attribution: Vec::new(),
        }];
        let commits = vec![Commit {
            author_name: Some("Ann (aider)".into()),
            pr_number: Some(5),
            message_headline: Some("Add y".into()),
            ..git_commit("b", at)
        }];
        let mut tables = std::collections::BTreeMap::new();
        tables.insert("pull_requests", PullRequest::to_frame(prs).unwrap().lazy());
        tables.insert("pr_commits", PrCommit::to_frame(pr_commits).unwrap().lazy());
        tables.insert("commits", Commit::to_frame(commits).unwrap().lazy());
        let frame = pr_ai(&tables, &AiConfig::default()).unwrap();
        let class = crate::common::frame::str_values(&frame, "ai_assisted").unwrap();
        let tool = crate::common::frame::str_values(&frame, "tool").unwrap();
        assert_eq!(
            class,
            ["none", "agent", "assisted", "assisted", "assisted"].map(|s| Some(s.to_string()))
        );
        assert_eq!(tool[0], None);
        assert_eq!(tool[1].as_deref(), Some("GitHub Copilot"));
        assert_eq!(tool[2].as_deref(), Some("Claude Code"));
        assert_eq!(tool[3].as_deref(), Some("Cursor"));
        assert_eq!(tool[4].as_deref(), Some("Aider"));
    }

    #[test]
    fn a_large_table_read_in_parts_says_what_one_pass_says() {
        // More rows than one part takes: PR 1's commits are the first and the last rows, in
        // different parts, and only the last names an assistant; PR 2 has every row between.
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let rows = 2 * ROWS_PER_PART + 7;
        let commit = |i: usize| PrCommit {
            source: "github".into(),
            repo: "acme/api".into(),
            number: if i == 0 || i == rows - 1 { 1 } else { 2 },
            sha: format!("{i}"),
            author: "ann".into(),
            committer: None,
            authored_at: at,
            author_tz_offset_minutes: None,
            is_merge: Some(false),
            message_headline: Some(format!("Step {i}")),
            trailers: if i == rows - 1 {
                vec!["Co-authored-by: Cursor <cursoragent@cursor.com>".into()]
            } else {
                vec![format!("Reviewed-by: r{i}")]
            },
            attribution: Vec::new(),
        };
        let frame = PrCommit::to_frame((0..rows).map(commit).collect()).unwrap();
        let assistants = Assistants::with_config(&AiConfig::default());
        let parts = in_parts(&frame, |part| Ok(part.height())).unwrap();
        assert!(parts.len() > 1 || std::thread::available_parallelism().unwrap().get() == 1);
        assert_eq!(parts.iter().sum::<usize>(), rows);
        let whole = commits_of_part(&frame, "number", &assistants).unwrap();
        let split = commits_by_pr(&frame, &DataFrame::empty(), &assistants).unwrap();
        for number in [1, 2] {
            let (one, many) = (&whole["acme/api"][&number], &split["acme/api"][&number]);
            assert_eq!(one.trailers, many.trailers);
            assert_eq!(
                one.first_evidence.as_ref().map(|e| &e.tool),
                many.first_evidence.as_ref().map(|e| &e.tool)
            );
            assert_eq!(one.recorded, many.recorded);
        }
        let first = &split["acme/api"][&1];
        assert_eq!(first.trailers.len(), 2);
        assert_eq!(
            first.first_evidence.as_ref().map(|e| e.tool.as_str()),
            Some("Cursor")
        );
    }

    #[test]
    fn nothing_stored_is_not_recorded() {
        // An import without the attribution columns: nulls, so nothing could be recognised.
        let prs = pr(1, "ann", Vec::new());
        let mut frame = PullRequest::to_frame(vec![prs]).unwrap();
        frame
            .with_column(Column::full_null(
                "attribution".into(),
                1,
                &DataType::List(Box::new(DataType::String)),
            ))
            .unwrap();
        let mut tables = std::collections::BTreeMap::new();
        tables.insert("pull_requests", frame.lazy());
        let classed = pr_ai(&tables, &AiConfig::default()).unwrap();
        let recorded = classed.column("recorded").unwrap().bool().unwrap().get(0);
        assert_eq!(recorded, Some(false));
    }

    /// Tables of merged PRs, each `(number, day merged, the one file it changed)` from 1 March
    /// 2026, and a direct commit (no PR) on day 60 to a file no PR touched: the data's end.
    fn merged_prs(merged: &[(i64, i64, &'static str)]) -> BTreeMap<&'static str, LazyFrame> {
        let day =
            |d: i64| Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + chrono::Duration::days(d);
        let prs: Vec<PullRequest> = merged
            .iter()
            .map(|(n, d, _)| PullRequest {
                merged_at: Some(day(*d)),
                ..pr(*n, "ann", Vec::new())
            })
            .collect();
        let mut repos = vec!["acme/api"; merged.len()];
        let mut shas: Vec<String> = merged.iter().map(|(n, _, _)| format!("s{n}")).collect();
        let mut numbers: Vec<Option<i64>> = merged.iter().map(|(n, _, _)| Some(*n)).collect();
        let mut paths: Vec<&str> = merged.iter().map(|(_, _, p)| *p).collect();
        repos.push("acme/api");
        shas.push("late".into());
        numbers.push(None);
        paths.push("README.md");
        let files = df!(
            "repo" => repos,
            "sha" => shas,
            "number" => numbers,
            "path" => paths,
        )
        .unwrap();
        let commits = vec![Commit {
            landed_at: Some(day(60)),
            ..git_commit("late", day(60))
        }];
        let mut tables = BTreeMap::new();
        tables.insert("pull_requests", PullRequest::to_frame(prs).unwrap().lazy());
        tables.insert("file_changes", files.lazy());
        tables.insert("commits", Commit::to_frame(commits).unwrap().lazy());
        tables
    }

    fn reworked(tables: &BTreeMap<&'static str, LazyFrame>) -> Vec<Option<bool>> {
        let frame = pr_rework(tables).unwrap();
        frame
            .column("reworked")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn rework_is_true_false_or_not_recorded_when_the_data_end_inside_the_window() {
        // PR 1 merged day 0, PR 2 changes its file on day 9: PR 1 reworked. PR 2 and PR 3
        // (another file, day 1) have their whole 21 days before the data's end (day 60): not
        // reworked. PR 4, merged day 50, has only 10 days of data after it: not recorded.
        let tables = merged_prs(&[
            (1, 0, "src/a.rs"),
            (2, 9, "src/a.rs"),
            (3, 1, "src/b.rs"),
            (4, 50, "src/c.rs"),
            // Reworked on day 47, but its 21 days run past day 60: not recorded either, or the
            // late PRs would be judged only when reworked.
            (5, 45, "src/d.rs"),
            (6, 47, "src/d.rs"),
        ]);
        let frame = pr_rework(&tables).unwrap();
        let numbers: Vec<Option<i64>> = frame
            .column("number")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            numbers,
            [Some(1), Some(2), Some(3), Some(4), Some(5), Some(6)]
        );
        assert_eq!(
            reworked(&tables),
            [Some(true), Some(false), Some(false), None, None, None]
        );
    }

    /// Two PRs merged in the same second that touch the same file: neither is the other's later
    /// change (the sort puts them in either order), and a change a week later reworks both.
    #[test]
    fn changes_at_the_same_instant_do_not_rework_each_other() {
        let tables = merged_prs(&[
            (1, 0, "src/a.rs"),
            (2, 0, "src/a.rs"),
            (3, 0, "src/b.rs"),
            (4, 0, "src/b.rs"),
            (5, 7, "src/b.rs"),
        ]);
        for _ in 0..20 {
            assert_eq!(
                reworked(&tables),
                [
                    Some(false),
                    Some(false),
                    Some(true),
                    Some(true),
                    Some(false)
                ]
            );
        }
    }
}
