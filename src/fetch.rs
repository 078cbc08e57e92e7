//! `teamlens fetch`: a repair first when asked, then the roster, then the sources, each through
//! [`Fetch`]: the one named on the command line, or every source teamlens.toml lists (git,
//! GitHub, Jira, Linear, in that order), one failing not stopping the others and every failure
//! reported at the end. `--dry-run` estimates instead and writes nothing.
//!
//! The sources are registered here, in [`source`] and [`configured`]; everything else about
//! one is behind its `Fetch`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::dir_lock::LazyWriteLock;
use crate::progress::FetchProgress;
use crate::sources::fetch::{Failures, Fetch, FetchContext, FetchError, open_store};
use crate::sources::git::fetch::Git;
use crate::sources::github::fetch::GitHub;
use crate::sources::jira::fetch::Jira;
use crate::sources::linear::fetch::Linear;
use crate::store::Store;

/// A source named on the command line, with what was named of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Named {
    /// Repositories as OWNER/NAME, and organisations whose every repository is read.
    GitHub {
        repositories: Vec<String>,
        organizations: Vec<String>,
    },
    /// Jira project keys.
    Jira { projects: Vec<String> },
    /// Linear team keys.
    Linear { teams: Vec<String> },
    /// Paths of clones, and the branch or revision to read.
    Git {
        paths: Vec<PathBuf>,
        branch: Option<String>,
    },
}

/// What `teamlens fetch` was asked.
#[derive(Debug, Clone)]
pub struct Request {
    /// The source named; `None` reads every source teamlens.toml lists.
    pub source: Option<Named>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Wait for a spent rate limit to reset instead of stopping.
    pub wait: bool,
    pub dry_run: bool,
    /// Set damaged files aside and rewind their sources first.
    pub repair: bool,
    /// No progress, no lines.
    pub quiet: bool,
}

/// Why `teamlens fetch` failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchCommandError {
    #[error(
        "nothing to fetch: name a source (`teamlens fetch github OWNER/NAME`, `fetch jira KEY`, \
         `fetch linear TEAM`, `fetch git PATH`), or list repositories, projects, teams or \
         clones in teamlens.toml (`teamlens init --org ORG` writes one for GitHub)"
    )]
    NothingToFetch,
    #[error("building the people table from the roster: {0}")]
    Roster(polars::prelude::PolarsError),
    /// The source named could not fetch; or the store, its lock or a repair failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Some of its scopes failed.
    #[error(transparent)]
    Failures(#[from] Failures),
    /// Sources of a plain fetch failed: each one's error and its causes, a line each.
    #[error("{}", .0.join("\n"))]
    Sources(Vec<String>),
}

/// Runs `teamlens fetch` on `data_dir`; `say` prints a line for the user.
pub fn run(
    data_dir: &Path,
    config: &Config,
    request: Request,
    lock: &LazyWriteLock,
    say: &dyn Fn(&str),
) -> Result<(), FetchCommandError> {
    if request.repair {
        repair(data_dir, lock, say)?;
    }
    let run = Run {
        data_dir,
        config,
        request: &request,
        lock,
        say,
    };
    match request.source.clone() {
        Some(named) => run.named(named),
        None => run.configured(),
    }
}

/// The source a [`Named`] is: where each source is registered.
fn source(named: Named, config: &Config) -> Box<dyn Fetch + '_> {
    match named {
        Named::GitHub {
            repositories,
            organizations,
        } => Box::new(GitHub::new(config, repositories, organizations)),
        Named::Jira { projects } => Box::new(Jira::new(&config.jira, projects)),
        Named::Linear { teams } => Box::new(Linear::new(&config.linear, teams)),
        Named::Git { paths, branch } => Box::new(Git::new(config, paths, branch)),
    }
}

/// The sources teamlens.toml lists, in the order a plain fetch reads them: local clones first,
/// then the services.
fn configured(config: &Config) -> Vec<Named> {
    let mut out = Vec::new();
    if !config.git.repositories.is_empty() {
        out.push(Named::Git {
            paths: config.git.repositories.clone(),
            branch: config.git.branch.clone(),
        });
    }
    if !config.github.repositories.is_empty() || !config.github.organizations.is_empty() {
        out.push(Named::GitHub {
            repositories: config.github.repositories.clone(),
            organizations: config.github.organizations.clone(),
        });
    }
    if !config.jira.projects.is_empty() {
        out.push(Named::Jira {
            projects: config.jira.projects.clone(),
        });
    }
    if !config.linear.teams.is_empty() {
        out.push(Named::Linear {
            teams: config.linear.teams.clone(),
        });
    }
    out
}

/// One `teamlens fetch`.
struct Run<'a> {
    data_dir: &'a Path,
    config: &'a Config,
    request: &'a Request,
    lock: &'a LazyWriteLock,
    say: &'a dyn Fn(&str),
}

impl Run<'_> {
    /// `teamlens fetch SOURCE …`: what can be checked first, the roster, then the source.
    fn named(&self, named: Named) -> Result<(), FetchCommandError> {
        let source = source(named, self.config);
        source.check()?;
        if !self.request.dry_run {
            self.write_roster()?;
        }
        self.fetch(source.as_ref())
    }

    /// A plain `teamlens fetch`: the roster, then every source teamlens.toml lists, in turn.
    fn configured(&self) -> Result<(), FetchCommandError> {
        if !self.request.dry_run {
            self.write_roster()?;
        }
        let sources = configured(self.config);
        if sources.is_empty() {
            if !self.config.people.is_empty() && !self.request.dry_run {
                // Only a roster: it was written above.
                return Ok(());
            }
            return Err(FetchCommandError::NothingToFetch);
        }
        let mut failures: Vec<String> = Vec::new();
        for named in sources {
            let source = source(named, self.config);
            // A dry run is about the services' costs; local clones cost nothing to read.
            if self.request.dry_run && !source.has_costs() {
                continue;
            }
            if let Err(error) = source
                .check()
                .map_err(FetchCommandError::from)
                .and_then(|()| self.fetch(source.as_ref()))
            {
                failures.push(with_causes(&error));
            }
        }
        if !failures.is_empty() {
            return Err(FetchCommandError::Sources(failures));
        }
        Ok(())
    }

    /// One source fetched (or estimated), with its progress shown and its summary said.
    fn fetch(&self, source: &dyn Fetch) -> Result<(), FetchCommandError> {
        let ctx = FetchContext {
            data_dir: self.data_dir,
            lock: self.lock,
            since: self.request.since,
            wait: self.request.wait,
            observer: Arc::new(FetchProgress::new(self.request.quiet)),
            say: self.say,
        };
        if self.request.dry_run {
            for line in source.estimate(&ctx)?.lines() {
                (self.say)(&line);
            }
            return Ok(());
        }
        let summary = source.fetch(&ctx)?;
        if let Some(totals) = &summary.totals {
            (self.say)(totals);
        }
        Ok(summary.result()?)
    }

    /// Writes the roster of teamlens.toml (`[[people]]`) to the `people` table, when it has
    /// one: sources resolve accounts against the roster the user just edited.
    fn write_roster(&self) -> Result<(), FetchCommandError> {
        let config = self.config;
        if config.people.is_empty() {
            return Ok(());
        }
        let rows: Vec<crate::model::Person> = config.people.iter().map(|p| p.row()).collect();
        let count = rows.len();
        let frame = <crate::model::Person as crate::model::Table>::to_frame(rows)
            .map_err(FetchCommandError::Roster)?;
        let mut store = open_store(self.data_dir, self.lock)?;
        let replaced = store.replace_tables(vec![("people", frame)], None);
        replaced.map_err(FetchError::Store)?;
        (self.say)(&format!(
            "roster: {count} {} written to the people table",
            if count == 1 { "person" } else { "people" }
        ));
        Ok(())
    }
}

/// `teamlens fetch --repair`, before the fetch: sets the damaged files aside and rewinds the
/// sources that had rows in them, in one commit; says what was found and what cannot be
/// fetched again.
fn repair(data_dir: &Path, lock: &LazyWriteLock, say: &dyn Fn(&str)) -> Result<(), FetchError> {
    let (mut store, manifest_lost) = Store::open_for_repair(data_dir, &lock.get()?)?;
    if manifest_lost {
        say(&format!(
            "repair: the manifest of {} was missing or could not be read; it and the tables were moved to {}; \
             every source is fetched again (simulated or imported data must be made again)",
            data_dir.display(),
            data_dir.join(crate::store::DAMAGED_DIR).display()
        ));
        return Ok(());
    }
    let damage = store.damage()?;
    if damage.is_empty() {
        say(&format!(
            "repair: every file of {} is whole",
            data_dir.display()
        ));
        return Ok(());
    }
    let plan = crate::repair::plan(store.manifest(), &damage, data_dir);
    crate::repair::clear_staging(data_dir, &plan)?;
    store.set_aside(&damage, plan.states.clone())?;
    for item in &damage {
        say(&format!(
            "repair: {} {}: moved to {}/ and dropped from the manifest ({} rows of {})",
            item.file.path,
            item.problem,
            crate::store::DAMAGED_DIR,
            item.file.rows,
            item.table
        ));
    }
    for (source, rewind) in &plan.rewinds {
        say(&format!(
            "repair: {source} reads {} again",
            crate::repair::describe(*rewind)
        ));
    }
    for (source, remedy) in &plan.not_refetchable {
        tracing::warn!("the damaged files may have held rows from `{source}`: {remedy}");
    }
    Ok(())
}

/// The message of an error and of each of its causes, on one line (`a: b: c`), as a plain
/// fetch lists each source's failure: every cause, even one the message names already.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(&format!(": {next}"));
        cause = next.source();
    }
    text
}
