//! The seam every source `teamlens fetch` reads stands behind ([`Fetch`]), and what those
//! sources share: the [`Observer`] told what happens, the loop over a source's scopes
//! ([`FetchSummary::each_scope`]), what a fetch did ([`FetchSummary`]) or would cost
//! ([`Estimate`]), and why it could not ([`FetchError`]).
//!
//! A source reads *scopes* one at a time, each to the end and into the store in one merge: a
//! GitHub repository, a Jira project, a Linear team, a git clone. A scope that fails is
//! reported and the others go on, unless its failure concerns them all (credentials, a spent
//! budget, the store).
//!
//! How a source reaches what it reads is its own business: the network sources run their
//! client on a [`runtime`] of their own, git reads the disk. Each implementation is one file,
//! `sources/<source>/fetch.rs`, registered in `src/fetch.rs` (the command), which sits above
//! the sources.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::dir_lock::{LazyWriteLock, LockError};
use crate::sources::staging::checkpoint_path;
use crate::store::{Store, StoreError};

/// A source `teamlens fetch` reads into the store.
pub trait Fetch {
    /// What can be found wrong before anything is written (missing credentials), so that a
    /// fetch that cannot start leaves the data directory as it was.
    fn check(&self) -> Result<(), FetchError> {
        Ok(())
    }

    /// Whether `--dry-run` has a cost to estimate: a service's requests and rate limits.
    /// Reading a local clone costs nothing, so a plain fetch's dry run passes it by.
    fn has_costs(&self) -> bool {
        true
    }

    /// What a fetch would read and about what it would cost, from counts only: no row is
    /// read and nothing is written, not even an empty data directory.
    fn estimate(&self, ctx: &FetchContext<'_>) -> Result<Estimate, FetchError>;

    /// Reads every scope into the store, telling `ctx.observer` as it goes.
    fn fetch(&self, ctx: &FetchContext<'_>) -> Result<FetchSummary, FetchError>;
}

/// What a fetch is handed, whatever the source.
pub struct FetchContext<'a> {
    pub data_dir: &'a Path,
    /// The data directory's write lock, taken when the fetch first writes.
    pub lock: &'a LazyWriteLock,
    /// `--since`: how far back a first fetch reaches; `None` leaves it to the source.
    pub since: Option<DateTime<Utc>>,
    /// `--wait`: wait for a spent rate limit to reset instead of stopping.
    pub wait: bool,
    /// Told what happens, scope by scope.
    pub observer: Arc<dyn Observer>,
    /// Says a line to the user (on stdout; nothing with `--quiet`).
    pub say: &'a dyn Fn(&str),
}

impl FetchContext<'_> {
    /// `--since`, or twelve months ago.
    pub fn since_or_a_year_ago(&self) -> DateTime<Utc> {
        self.since
            .unwrap_or_else(|| Utc::now() - chrono::Duration::days(365))
    }

    /// The store to fetch into (made when there is none yet), under the write lock.
    pub fn open_store(&self) -> Result<Store, FetchError> {
        open_store(self.data_dir, self.lock)
    }

    /// The store as it stands, if there is one: what a dry run reads.
    pub fn stored(&self) -> Result<Option<Store>, FetchError> {
        Ok(Store::open_if_any(self.data_dir)?)
    }

    /// Where a source's unfinished fetches keep their pages and checkpoints
    /// (`staging/<source>/`).
    pub fn staging_root(&self, source: &str) -> PathBuf {
        self.data_dir.join("staging").join(source)
    }
}

/// The store of `data_dir` (made when there is none yet), under its write lock.
pub fn open_store(data_dir: &Path, lock: &LazyWriteLock) -> Result<Store, FetchError> {
    Ok(Store::open_or_create(data_dir, &lock.get()?)?)
}

/// Told what a fetch does as it goes, so the command line can show a bar or a line per scope.
/// A scope is named as the user knows it: a repository (`acme/api`), a Jira project
/// (`jira OPS`), a Linear team (`linear PAY`), a clone (`api`). The texts are the source's.
pub trait Observer: Send + Sync {
    /// A scope's fetch began.
    fn started(&self, scope: &str, text: &str);
    /// A scope's fetch read more (a page, a chunk of commits): what it has read so far.
    fn progressed(&self, scope: &str, text: &str);
    /// The client waits before trying again (a rate limit, a back-off).
    fn waiting(&self, message: &str);
    /// Something the user should know that does not stop the scope's fetch.
    fn note(&self, scope: &str, message: &str);
    /// A scope's fetch ended: what it read.
    fn finished(&self, scope: &str, text: &str);
    /// A scope's fetch failed; its error is in the summary.
    fn failed(&self, scope: &str, text: &str);
}

/// A client's waits, said to the observer (a fetch's progress).
pub fn waits_told(observer: &Arc<dyn Observer>) -> Box<dyn Fn(&str) + Send + Sync> {
    let observer = observer.clone();
    Box::new(move |message| observer.waiting(message))
}

/// A client's waits, logged at info level (`-v`): a dry run shows no progress.
pub fn waits_logged() -> Box<dyn Fn(&str) + Send + Sync> {
    Box::new(|message| tracing::info!("{message}"))
}

/// `300 pull requests, 12 issues, 4 deployments (page 3)`: what a scope's fetch has read.
pub fn read_so_far(counts: &[(usize, &str)], page: u32) -> String {
    let counted: Vec<String> = counts
        .iter()
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    format!("{} (page {page})", counted.join(", "))
}

/// `rate limit 4812 of 5000 points left` once the service has said, counted in `unit`.
pub fn rate_limit(remaining: Option<i64>, limit: Option<i64>, unit: &str) -> String {
    match (remaining, limit) {
        (Some(remaining), Some(limit)) => format!("rate limit {remaining} of {limit} {unit} left"),
        _ => "rate limit not reported yet".into(),
    }
}

/// `; GitHub reported 2 error(s) beside the data, which was kept (-v lists them)`: a GraphQL
/// service's errors that came with data; each is logged at info level under its scope.
pub fn warnings_note(service: &str, scope: &str, warnings: &[String]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    for warning in warnings {
        tracing::info!("{scope}: {warning}");
    }
    format!(
        "; {service} reported {} error(s) beside the data, which was kept (-v lists them)",
        warnings.len()
    )
}

/// Why one scope's fetch failed, as the loop over scopes weighs it.
pub trait ScopeError: std::error::Error + Send + Sync + 'static {
    /// Running the same command again continues where this one stopped.
    fn is_resumable(&self) -> bool;
    /// The failure concerns every scope (credentials, a spent budget, the store): the fetch
    /// stops rather than fail each of the rest the same way.
    fn stops_all(&self) -> bool;
}

/// What a source's fetch did.
#[derive(Debug)]
pub struct FetchSummary {
    /// Scopes read to the end and merged into the store.
    pub fetched: usize,
    /// What failed, scope by scope, in order.
    pub failures: Vec<Box<dyn ScopeError>>,
    /// Every scope was tried: nothing stopped the fetch early.
    pub complete: bool,
    /// What the source calls its scopes (`repositories`), for a fetch that stopped early.
    pub scopes: &'static str,
    /// Said when the fetch ends: what it read and what it cost. Git has none: it says each
    /// clone as it ends.
    pub totals: Option<String>,
}

impl FetchSummary {
    /// Nothing fetched yet, nothing failed.
    pub fn new(scopes: &'static str) -> FetchSummary {
        FetchSummary {
            fetched: 0,
            failures: Vec::new(),
            complete: true,
            scopes,
            totals: None,
        }
    }

    /// Says, when the fetch ends, how many of the `of` scopes it read into `into`, called
    /// `what` (`Jira projects`), and what that cost.
    pub fn with_totals(self, of: usize, what: &str, into: &Path, cost: String) -> FetchSummary {
        let line = format!(
            "fetched {} of {of} {what} into {}: {cost}",
            self.fetched,
            into.display()
        );
        FetchSummary {
            totals: Some(line),
            ..self
        }
    }

    /// Fetches each scope in turn, telling `observer` as each starts, reads a page and ends.
    /// `read` reads one to the end, calling its page callback after every page, and gives what
    /// its finished line says; `page` says what a page line says. A scope is named as `shown`
    /// says, and resumes an interrupted fetch when a checkpoint waits in its `staging` folder.
    /// A scope that fails is told and the others go on, unless its failure
    /// [stops them all](ScopeError::stops_all).
    pub async fn each_scope<S, C, E: ScopeError>(
        mut self,
        scopes: &[S],
        observer: &dyn Observer,
        shown: impl Fn(&S) -> String,
        staging: impl Fn(&S) -> PathBuf,
        page: impl Fn(&C) -> String + Sync,
        read: impl AsyncFn(&S, &(dyn Fn(&C) + Sync)) -> Result<String, E>,
    ) -> FetchSummary {
        for scope in scopes {
            let shown = shown(scope);
            let started = if checkpoint_path(&staging(scope)).exists() {
                "resuming an interrupted fetch"
            } else {
                "fetching"
            };
            observer.started(&shown, started);
            let on_page = |counts: &C| observer.progressed(&shown, &page(counts));
            match read(scope, &on_page).await {
                Ok(finished) => {
                    observer.finished(&shown, &finished);
                    self.fetched += 1;
                }
                Err(error) => {
                    let text = if error.is_resumable() {
                        "stopped (progress is saved: the same command resumes)"
                    } else {
                        "failed"
                    };
                    observer.failed(&shown, text);
                    let stops_all = error.stops_all();
                    self.failures.push(Box::new(error));
                    if stops_all {
                        self.complete = false;
                        break;
                    }
                }
            }
        }
        self
    }

    /// Fine when no scope failed; else every failure, in one error.
    pub fn result(self) -> Result<(), Failures> {
        if self.failures.is_empty() {
            return Ok(());
        }
        Err(Failures {
            failures: self.failures,
            complete: self.complete,
            scopes: self.scopes,
        })
    }
}

/// Why some scopes were not fetched: each failure on a line of its own, then whether the rest
/// were left unread, and whether running the same command again resumes.
#[derive(Debug)]
pub struct Failures {
    pub failures: Vec<Box<dyn ScopeError>>,
    complete: bool,
    scopes: &'static str,
}

impl std::fmt::Display for Failures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages: Vec<String> = self.failures.iter().map(|e| e.to_string()).collect();
        write!(f, "{}", messages.join("\n"))?;
        if !self.complete {
            write!(
                f,
                "\nthe fetch stopped before the remaining {}",
                self.scopes
            )?;
        }
        if self.failures.iter().any(|e| e.is_resumable()) {
            write!(
                f,
                "\nwhat was fetched is kept: run the same command again to resume"
            )?;
        }
        Ok(())
    }
}

/// Each failure names its own cause already.
impl std::error::Error for Failures {}

/// What `--dry-run` says of a source: a table with a row per scope, then the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub totals: Vec<String>,
}

impl Estimate {
    /// A table with these columns and no row yet.
    pub fn new(columns: &[&str]) -> Estimate {
        Estimate {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            totals: Vec::new(),
        }
    }

    /// Adds a scope's row.
    pub fn row(&mut self, cells: &[&dyn std::fmt::Display]) {
        self.rows
            .push(cells.iter().map(|cell| cell.to_string()).collect());
    }

    /// The header, the rows (cells joined by ` | `), the totals.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.columns.join(" | ")];
        lines.extend(self.rows.iter().map(|row| row.join(" | ")));
        lines.extend(self.totals.iter().cloned());
        lines
    }
}

/// Why a source's fetch could not start, or had to stop for every scope.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No scope named and none configured; the message says where to name one.
    #[error("{0}")]
    NothingToFetch(&'static str),
    /// A scope named that cannot be one (`acme` for OWNER/NAME, `en-g!` for a team key).
    #[error("{0}")]
    BadScope(String),
    /// `--dry-run` of a source with no cost to estimate.
    #[error("{0}")]
    NoEstimate(&'static str),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source's own error (its credentials, its client, an organisation it cannot list),
    /// as the source's typed error.
    #[error(transparent)]
    Source(Box<dyn std::error::Error + Send + Sync>),
}

impl FetchError {
    /// The source's own error.
    pub fn own(error: impl std::error::Error + Send + Sync + 'static) -> FetchError {
        FetchError::Source(Box::new(error))
    }
}

/// The async runtime of a network source's client could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the async runtime")]
pub struct RuntimeError(#[source] std::io::Error);

/// A runtime for a network source's client: two workers, as many as this kind of work needs.
pub fn runtime() -> Result<tokio::runtime::Runtime, RuntimeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(RuntimeError)
}

/// The store a fetch's scopes share. One that a panicking thread held is still whole: every
/// change to it is one atomic commit.
pub fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Failed(&'static str, bool);

    impl ScopeError for Failed {
        fn is_resumable(&self) -> bool {
            self.1
        }
        fn stops_all(&self) -> bool {
            false
        }
    }

    #[test]
    fn failures_are_listed_with_what_is_left_and_how_to_resume() {
        let mut summary = FetchSummary::new("teams");
        assert!(FetchSummary::new("teams").result().is_ok());
        summary
            .failures
            .push(Box::new(Failed("linear PAY: gone", false)));
        summary
            .failures
            .push(Box::new(Failed("linear WEB: HTTP 503", true)));
        summary.complete = false;
        assert_eq!(
            summary.result().unwrap_err().to_string(),
            "linear PAY: gone\nlinear WEB: HTTP 503\nthe fetch stopped before the remaining \
             teams\nwhat was fetched is kept: run the same command again to resume"
        );
    }

    /// What an observer was told, a line each.
    #[derive(Default)]
    struct Told(Mutex<Vec<String>>);

    impl Observer for Told {
        fn started(&self, scope: &str, text: &str) {
            self.note(scope, text);
        }
        fn progressed(&self, scope: &str, text: &str) {
            self.note(scope, text);
        }
        fn waiting(&self, message: &str) {
            self.note("", message);
        }
        fn note(&self, scope: &str, message: &str) {
            self.0.lock().unwrap().push(format!("{scope}: {message}"));
        }
        fn finished(&self, scope: &str, text: &str) {
            self.note(scope, text);
        }
        fn failed(&self, scope: &str, text: &str) {
            self.note(scope, text);
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("{0}: the key was refused")]
    struct Refused(String);

    impl ScopeError for Refused {
        fn is_resumable(&self) -> bool {
            false
        }
        fn stops_all(&self) -> bool {
            true
        }
    }

    #[test]
    fn each_scope_tells_pages_and_ends_and_stops_where_a_failure_concerns_every_scope() {
        let told = Told::default();
        let scopes = ["PAY".to_string(), "WEB".to_string(), "OPS".to_string()];
        let read = async |scope: &String, on_page: &(dyn Fn(&u32) + Sync)| {
            on_page(&1);
            match scope.as_str() {
                "WEB" => Err(Refused(scope.clone())),
                _ => Ok(format!("done: {scope}")),
            }
        };
        let summary = FetchSummary::new("teams").each_scope(
            &scopes,
            &told,
            |scope| format!("linear {scope}"),
            |scope| PathBuf::from("/nonexistent").join(scope),
            |pages: &u32| format!("page {pages}"),
            read,
        );
        let summary = runtime().unwrap().block_on(summary);
        assert_eq!(
            told.0.into_inner().unwrap(),
            [
                "linear PAY: fetching",
                "linear PAY: page 1",
                "linear PAY: done: PAY",
                "linear WEB: fetching",
                "linear WEB: page 1",
                "linear WEB: failed",
            ]
        );
        assert_eq!((summary.fetched, summary.complete), (1, false));
        assert_eq!(
            summary.result().unwrap_err().to_string(),
            "WEB: the key was refused\nthe fetch stopped before the remaining teams"
        );
    }

    #[test]
    fn an_estimate_is_a_table_then_its_totals() {
        let mut estimate = Estimate::new(&["team", "issues"]);
        estimate.row(&[&"PAY", &3]);
        estimate.totals.push("total: 3".into());
        assert_eq!(estimate.lines(), ["team | issues", "PAY | 3", "total: 3"]);
    }
}
