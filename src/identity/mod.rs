//! Who is who, for every source: one person, one id; automation apart; teams when the roster
//! names none.
//!
//! Sources store the accounts they read (GitHub logins, commit e-mails, Jira account ids),
//! through the roster's aliases where it knows them. Real histories name one person many ways
//! (a second address for Gerrit votes, a company's domain move, a login in a bors `r=`), and
//! count machines among the busiest "people". This module decides, at analysis time and from
//! the stored tables alone, so a new `never_merge` or bot entry applies without a new fetch:
//!
//! - [`bots`]: which accounts are automation (a maintained list, patterns, `[identity] bots`);
//! - [`merge`]: which accounts are one person, each merge with its evidence, refused where
//!   `[identity] never_merge` or the roster says otherwise;
//! - [`teams`]: with no team in the roster, one team per repository;
//! - [`unmatched`]: the accounts no person of the roster has (`teamlens people --unmatched`).
//!
//! [`resolve`] reads the evidence and [`Identities::apply`] rewrites every person column
//! (`PERSON_COLUMNS`) to the merged ids and gives the `people` table the bots and the assumed
//! teams, so the metrics, detectors and report all see the same people. Self-review under any
//! of a person's addresses is then the author reviewing their own change, which every metric
//! already leaves out.

pub mod assistants;
pub mod bots;
pub mod merge;
mod roster;
pub mod teams;
mod unmatched;

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::model::{Person, Table};

pub use merge::{KeptApart, Merge};
pub use roster::{Roster, RosterEntry};
pub use unmatched::{GITHUB_SYSTEM_ACCOUNTS, PERSON_COLUMNS, Suggestion, Unmatched, unmatched};

/// Why the tables could not be read for who is who.
#[derive(Debug, thiserror::Error)]
#[error("deciding who is who from the stored tables: {0}")]
pub struct IdentityError(#[from] PolarsError);

/// An account taken for automation, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Bot {
    pub account: String,
    pub reason: String,
}

/// Who is who in the stored tables.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    /// Account → the person it is, for every account merged into another.
    pub renamed: BTreeMap<String, String>,
    pub merges: Vec<Merge>,
    pub kept_apart: Vec<KeptApart>,
    /// Automation found in the tables, with the reason.
    pub bots: Vec<Bot>,
    /// The teams assumed because the roster names none (one per repository); empty when the
    /// roster has teams.
    pub assumed_teams: Vec<String>,
    /// The `people` table to analyse with: the roster, the bots found, the assumed members.
    people: Option<DataFrame>,
}

/// Person columns whose rows also say the name the account signed with.
const NAMED_COLUMNS: &[(&str, &str, &str)] = &[
    ("commits", "author", "author_name"),
    ("commits", "committer", "committer_name"),
    ("reviews", "reviewer", "reviewer_name"),
];

/// Where people work, for assumed teams: table, repository column, person column, and the
/// column that dates the work.
const WORK_COLUMNS: &[(&str, &str, &str, &str)] = &[
    ("pull_requests", "repo", "author", "created_at"),
    ("reviews", "repo", "reviewer", "submitted_at"),
    ("commits", "repo", "author", "authored_at"),
    ("issues", "project", "assignee", "created_at"),
];

fn has_columns(frame: &LazyFrame, columns: &[&str]) -> PolarsResult<bool> {
    let schema = frame.clone().collect_schema()?;
    Ok(columns.iter().all(|c| schema.contains(c)))
}

/// The timeline tables, the largest by far (`pr_events`: 6.8 million rows in the 2,000-person
/// benchmark), are not read for evidence: whoever acts in them authors, reviews or comments too,
/// and counting them would cost more than all the rest. Their person columns are still renamed.
const EVENT_TABLES: &[&str] = &["pr_events", "issue_events"];

/// Accounts of the person columns, with their row counts and the names they sign with. Every
/// column is counted in one query, so polars reads the tables side by side.
fn observe(
    tables: &BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<BTreeMap<String, merge::Observed>> {
    let mut counts = Vec::new();
    for (table, column) in PERSON_COLUMNS {
        if EVENT_TABLES.contains(table) {
            continue;
        }
        let Some(frame) = tables.get(table) else {
            continue;
        };
        let name_column = NAMED_COLUMNS
            .iter()
            .find(|(t, c, _)| t == table && c == column)
            .map(|(_, _, name)| *name);
        let mut wanted = vec![*column];
        wanted.extend(name_column);
        if !has_columns(frame, &wanted)? {
            continue;
        }
        let name = match name_column {
            Some(name) => col(name),
            None => lit(NULL).cast(DataType::String),
        };
        counts.push(
            frame
                .clone()
                .select([col(*column).alias("account"), name.alias("name")])
                .filter(col("account").is_not_null())
                .group_by([col("account"), col("name")])
                .agg([len().cast(DataType::UInt64).alias("rows")]),
        );
    }
    let mut accounts: BTreeMap<String, merge::Observed> = BTreeMap::new();
    if counts.is_empty() {
        return Ok(accounts);
    }
    let counted = concat(counts, UnionArgs::default())?.collect()?;
    let ids = counted.column("account")?.str()?;
    let names = counted.column("name")?.str()?;
    let rows = counted.column("rows")?.u64()?;
    for i in 0..counted.height() {
        let Some(id) = ids.get(i) else { continue };
        if id.is_empty() || id.starts_with("team:") {
            continue;
        }
        let n = rows.get(i).unwrap_or(0) as usize;
        let entry = accounts.entry(id.to_string()).or_default();
        entry.rows += n;
        if let Some(name) = names.get(i).filter(|n| !n.trim().is_empty()) {
            *entry.names.entry(name.trim().to_string()).or_default() += n;
        }
    }
    Ok(accounts)
}

fn str_column(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// What the stored tables say about who is who: each account's rows and the names it signs
/// with, which logins' PRs are made of which addresses' commits, and (for teams assumed without
/// a roster) where each account works. Counts, so the evidence of a window of months and of the
/// months before it add up to the whole history's ([`Evidence::add`]): who is who is decided
/// from all of it while the analysis reads the window (`analysis::Loaded`).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    accounts: BTreeMap<String, merge::Observed>,
    links: merge::PullRequestCommits,
    /// (repository, account as stored) → actions dated before `until`.
    work: BTreeMap<(String, String), usize>,
}

impl Evidence {
    /// The evidence in `tables`; where each account works only when `work` (the roster names
    /// no team, [`assumes_teams`]), counting only work dated before `until`.
    pub fn read(
        tables: &BTreeMap<&'static str, LazyFrame>,
        until: Option<i64>,
        work: bool,
    ) -> Result<Evidence, IdentityError> {
        Ok(Evidence {
            accounts: observe(tables)?,
            links: pull_request_commits(tables)?,
            work: if work {
                work_by_repository(tables, until)?
            } else {
                BTreeMap::new()
            },
        })
    }

    /// Adds the evidence of other rows (the months before a window).
    pub fn add(&mut self, other: Evidence) {
        for (account, observed) in other.accounts {
            let entry = self.accounts.entry(account).or_default();
            entry.rows += observed.rows;
            for (name, rows) in observed.names {
                *entry.names.entry(name).or_default() += rows;
            }
        }
        for (link, prs) in other.links {
            *self.links.entry(link).or_default() += prs;
        }
        for (key, actions) in other.work {
            *self.work.entry(key).or_default() += actions;
        }
    }
}

/// Whether the roster in `people` names no team, so that teams are assumed (one per
/// repository) and [`Evidence`] must say where everyone works.
pub fn assumes_teams(people: &DataFrame) -> PolarsResult<bool> {
    let persons = str_column(people, "person")?;
    let roles = str_column(people, "role")?;
    let teams = str_column(people, "team")?;
    Ok(!persons
        .iter()
        .zip(&roles)
        .zip(&teams)
        .any(|((person, role), team)| {
            person.is_some()
                && role.as_deref() != Some("bot")
                && team
                    .as_deref()
                    .is_some_and(|t| !t.trim().is_empty() && t != "unassigned")
        }))
}

/// Reads the evidence in `tables` and decides who is who (see the module doc). Assumed teams
/// count only work dated before `until` (microseconds since the epoch; a report passes the end
/// of its last month), so a month's report does not take its teams from later work.
pub fn resolve(
    tables: &BTreeMap<&'static str, LazyFrame>,
    config: &Config,
    until: Option<i64>,
) -> Result<Identities, IdentityError> {
    let people = people_of(tables)?;
    let evidence = Evidence::read(tables, until, assumes_teams(&people)?)?;
    resolve_with(people, evidence, config)
}

/// The roster in `tables` (`people`), or none.
fn people_of(tables: &BTreeMap<&'static str, LazyFrame>) -> Result<DataFrame, IdentityError> {
    Ok(match tables.get("people") {
        Some(people) => people.clone().collect()?,
        None => Person::to_frame(Vec::new())?,
    })
}

/// Decides who is who from `evidence` (all of it: the rows the analysis reads and those before
/// them) and the roster in `people` (see the module doc). Merges and bots read every month:
/// a later address of someone is still them.
pub fn resolve_with(
    people: DataFrame,
    evidence: Evidence,
    config: &Config,
) -> Result<Identities, IdentityError> {
    let persons = str_column(&people, "person")?;
    let roles = str_column(&people, "role")?;
    let roster: BTreeSet<String> = persons.iter().flatten().cloned().collect();
    let roster_bots: BTreeSet<&str> = persons
        .iter()
        .zip(&roles)
        .filter(|(_, role)| role.as_deref() == Some("bot"))
        .filter_map(|(p, _)| p.as_deref())
        .collect();
    let has_teams = !assumes_teams(&people)?;

    let Evidence {
        accounts,
        links,
        work,
    } = evidence;
    let settings = &config.identity;
    let is_not_bot = |account: &str| {
        settings
            .not_bots
            .iter()
            .any(|p| p.eq_ignore_ascii_case(account))
    };
    // A coding agent's account authors changes but is no person: a bot whose PRs the
    // AI-assisted metrics count as agent-authored (`assistants`), by the same list and `[ai]`.
    let assistants = assistants::Assistants::with_config(&config.ai);
    let agent = |account: &str, name: Option<&str>| {
        assistants
            .classify(&assistants::ChangeText {
                author: account,
                author_name: name,
                message: "",
                trailers: &[],
                labels: &[],
            })
            .filter(|e| e.level == assistants::AiLevel::Agent)
            .map(|e| format!("a coding agent ({})", e.tool))
    };
    let mut bots: Vec<Bot> = Vec::new();
    let mut humans: BTreeMap<String, merge::Observed> = BTreeMap::new();
    for (account, observed) in accounts {
        let most_used_name = observed
            .names
            .iter()
            .max_by_key(|(_, rows)| **rows)
            .map(|(n, _)| n.as_str());
        let reason = if is_not_bot(&account) {
            None
        } else if roster_bots.contains(account.as_str()) {
            Some("role `bot` in the roster".to_string())
        } else if let Some(pattern) = settings
            .bots
            .iter()
            .chain(&config.report.bots)
            .find(|p| bots::matches(p, &account))
        {
            Some(format!("teamlens.toml lists `{pattern}`"))
        } else if roster.contains(&account) {
            None
        } else {
            bots::reason(&account, most_used_name).or_else(|| agent(&account, most_used_name))
        };
        match reason {
            Some(reason) => bots.push(Bot { account, reason }),
            None => {
                humans.insert(account, observed);
            }
        }
    }

    let resolution = if settings.merge {
        merge::resolve(
            &humans,
            &links,
            &merge::Constraints {
                roster: &roster,
                never: &settings.never_merge,
            },
        )
    } else {
        merge::Resolution::default()
    };

    let mut new_people: Vec<Person> = Vec::new();
    let mut assumed_teams = Vec::new();
    if !has_teams {
        let members = teams::assume(&work_of_people(&work, &resolution.renamed, &bots));
        let mut all: BTreeSet<String> = BTreeSet::new();
        for member in members {
            all.extend(member.teams.iter().cloned());
            let display_name = humans.get(&member.person).and_then(|o| {
                o.names
                    .iter()
                    .max_by_key(|(_, rows)| **rows)
                    .map(|(n, _)| n.clone())
            });
            new_people.push(Person {
                display_name,
                team: member.teams[0].clone(),
                teams: member.teams,
                role: "engineer".into(),
                timezone: "UTC".into(),
                work_start_hour: None,
                work_end_hour: None,
                aliases: Vec::new(),
                person: member.person,
            });
        }
        assumed_teams = all.into_iter().collect();
    }
    for bot in &bots {
        if !roster.contains(&bot.account) {
            new_people.push(Person {
                person: bot.account.clone(),
                display_name: None,
                team: "bots".into(),
                teams: Vec::new(),
                role: "bot".into(),
                timezone: "UTC".into(),
                work_start_hour: None,
                work_end_hour: None,
                aliases: Vec::new(),
            });
        }
    }
    // Assumed members replace roster rows without a team; people with teams stay as they are.
    let kept = if has_teams {
        people
    } else {
        people.lazy().filter(col("role").eq(lit("bot"))).collect()?
    };
    let added = Person::to_frame(new_people)?;
    let added = added.select(kept.get_column_names_owned())?;
    let people = kept.vstack(&added)?;

    Ok(Identities {
        renamed: resolution.renamed,
        merges: resolution.merges,
        kept_apart: resolution.kept_apart,
        bots,
        assumed_teams,
        people: Some(people),
    })
}

/// `(login, address) → PRs`: pull requests whose author is a login (a bors or merge-button
/// merge names it) and whose commits that address authored, each PR counted once per address.
fn pull_request_commits(
    tables: &BTreeMap<&'static str, LazyFrame>,
) -> PolarsResult<merge::PullRequestCommits> {
    let mut links = merge::PullRequestCommits::new();
    let (Some(prs), Some(commits)) = (tables.get("pull_requests"), tables.get("commits")) else {
        return Ok(links);
    };
    if !has_columns(commits, &["repo", "pr_number", "author"])? {
        return Ok(links);
    }
    let by_login = prs
        .clone()
        .select([col("repo"), col("number"), col("author").alias("login")])
        .filter(col("login").str().contains_literal(lit("@")).not());
    let made_of = commits
        .clone()
        .select([
            col("repo"),
            col("pr_number").alias("number"),
            col("author").alias("address"),
        ])
        .filter(
            col("number")
                .is_not_null()
                .and(col("address").str().contains_literal(lit("@"))),
        );
    let counted = by_login
        .join(
            made_of,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .unique(None, UniqueKeepStrategy::Any)
        .group_by([col("login"), col("address")])
        .agg([len().alias("prs")])
        .collect()?;
    let logins = counted.column("login")?.str()?;
    let addresses = counted.column("address")?.str()?;
    let prs = counted.column("prs")?.u32()?;
    for i in 0..counted.height() {
        if let (Some(login), Some(address)) = (logins.get(i), addresses.get(i)) {
            links.insert(
                (login.to_string(), address.to_string()),
                prs.get(i).unwrap_or(0) as usize,
            );
        }
    }
    Ok(links)
}

/// `(repository, account) → actions` dated before `until`, as the accounts are stored.
fn work_by_repository(
    tables: &BTreeMap<&'static str, LazyFrame>,
    until: Option<i64>,
) -> PolarsResult<BTreeMap<(String, String), usize>> {
    let mut activity: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (table, repository, person, dated) in WORK_COLUMNS {
        let Some(frame) = tables.get(table) else {
            continue;
        };
        if !has_columns(frame, &[repository, person, dated])? {
            continue;
        }
        let before = match until {
            Some(until) => col(*dated).cast(DataType::Int64).lt(lit(until)),
            None => lit(true),
        };
        let counted = frame
            .clone()
            .filter(before)
            .select([col(*repository).alias("repo"), col(*person).alias("person")])
            .filter(col("repo").is_not_null().and(col("person").is_not_null()))
            .group_by([col("repo"), col("person")])
            .agg([len().alias("n")])
            .collect()?;
        let repos = counted.column("repo")?.str()?;
        let persons = counted.column("person")?.str()?;
        let counts = counted.column("n")?.u32()?;
        for i in 0..counted.height() {
            let (Some(repo), Some(person)) = (repos.get(i), persons.get(i)) else {
                continue;
            };
            *activity
                .entry((repo.to_string(), person.to_string()))
                .or_default() += counts.get(i).unwrap_or(0) as usize;
        }
    }
    Ok(activity)
}

/// `(repository, person) → actions` for assumed teams: the accounts' work after the merges,
/// without bots.
fn work_of_people(
    work: &BTreeMap<(String, String), usize>,
    renamed: &BTreeMap<String, String>,
    bots: &[Bot],
) -> BTreeMap<(String, String), usize> {
    let bots: BTreeSet<&str> = bots.iter().map(|b| b.account.as_str()).collect();
    let mut activity: BTreeMap<(String, String), usize> = BTreeMap::new();
    for ((repo, person), n) in work {
        if bots.contains(person.as_str()) || person.is_empty() || person.starts_with("team:") {
            continue;
        }
        let person = renamed.get(person).map_or(person.as_str(), String::as_str);
        *activity
            .entry((repo.clone(), person.to_string()))
            .or_default() += n;
    }
    activity
}

impl Identities {
    /// `tables` with every person column through the merges and the `people` table decided by
    /// [`resolve`]. Tables that were in memory (see `Store::analysis_tables`) stay in memory.
    pub fn apply(
        &self,
        tables: BTreeMap<&'static str, LazyFrame>,
    ) -> Result<BTreeMap<&'static str, LazyFrame>, IdentityError> {
        self.rewrite(tables, true)
    }

    /// [`Identities::apply`], every table left lazy: for the whole history, which is never
    /// held in memory (`analysis::Loaded`).
    pub fn rename(
        &self,
        tables: BTreeMap<&'static str, LazyFrame>,
    ) -> Result<BTreeMap<&'static str, LazyFrame>, IdentityError> {
        self.rewrite(tables, false)
    }

    fn rewrite(
        &self,
        mut tables: BTreeMap<&'static str, LazyFrame>,
        collect: bool,
    ) -> Result<BTreeMap<&'static str, LazyFrame>, IdentityError> {
        if let Some(people) = &self.people {
            tables.insert(Person::NAME, people.clone().lazy());
        }
        if self.renamed.is_empty() {
            return Ok(tables);
        }
        let (from, to): (Vec<&str>, Vec<&str>) = self
            .renamed
            .iter()
            .map(|(a, p)| (a.as_str(), p.as_str()))
            .unzip();
        let mapping = DataFrame::new(
            from.len(),
            vec![
                Column::new("__identity_from".into(), from),
                Column::new("__identity_to".into(), to),
            ],
        )?
        .lazy();
        let mut touched: BTreeSet<&'static str> = BTreeSet::new();
        for (table, column) in PERSON_COLUMNS {
            let Some((name, frame)) = tables.get_key_value(table).map(|(n, f)| (*n, f.clone()))
            else {
                continue;
            };
            if !has_columns(&frame, &[column])? {
                continue;
            }
            let mut args = JoinArgs::new(JoinType::Left);
            args.maintain_order = MaintainOrderJoin::Left;
            args.coalesce = JoinCoalesce::CoalesceColumns;
            let mapped = frame
                .join(
                    mapping.clone(),
                    [col(*column)],
                    [col("__identity_from")],
                    args,
                )
                .with_column(
                    when(col("__identity_to").is_not_null())
                        .then(col("__identity_to"))
                        .otherwise(col(*column))
                        .alias(*column),
                )
                .drop(by_name(["__identity_to"], true, false));
            tables.insert(name, mapped);
            touched.insert(name);
        }
        for name in touched {
            if collect && crate::model::READ_REPEATEDLY.contains(&name) {
                let frame = tables[name].clone().collect()?;
                tables.insert(name, frame.lazy());
            }
        }
        Ok(tables)
    }
}

#[cfg(test)]
mod tests;
