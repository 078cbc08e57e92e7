//! The seam every source `teamlens fetch` reads stands behind ([`Fetch`]), and what those
//! sources share: the [`Observer`] told what happens, the loop over a source's scopes
//! ([`each_scope`]), what a fetch did ([`FetchSummary`]) or would cost ([`Estimate`]), and why
//! it could not ([`FetchError`]).
//!
//! A source reads *scopes* one at a time, each to the end and into the store in one merge: a
//! GitHub repository, a Jira project, a Linear team, a git clone. A scope that fails is
//! reported and the others go on, unless its failure concerns them all (credentials, a spent
//! budget, the store).
//!
//! How a source reaches what it reads is its own business: the network sources run their
//! client on a [`runtime`] of their own, git reads the disk. Each implementation is one file,
//! `sources/<source>/fetch.rs`, registered in `crate::fetch`.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::dir_lock::{LazyWriteLock, LockError};
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
        Ok(Store::open_or_create(self.data_dir, &self.lock.get()?)?)
    }

    /// The store as it stands, if there is one: what a dry run reads.
    pub fn stored(&self) -> Result<Option<Store>, FetchError> {
        Ok(Store::open_if_any(self.data_dir)?)
    }

    /// Where a source's unfinished fetches keep their pages and checkpoints.
    pub fn staging_root(&self, source: &str) -> std::path::PathBuf {
        self.data_dir.join("staging").join(source)
    }
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

/// Fetches each scope in turn, telling the observer as each starts and ends: `sync` reads one
/// to the end and gives what its finished line says. A scope that fails is told and the others
/// go on, unless its failure [stops them all](ScopeError::stops_all). `name` is the scope as
/// the observer shows it; `resumes`, whether a checkpoint of an interrupted run waits for it.
pub async fn each_scope<S, E: ScopeError>(
    scopes: &[S],
    observer: &dyn Observer,
    summary: FetchSummary,
    name: impl Fn(&S) -> String,
    resumes: impl Fn(&S) -> bool,
    sync: impl AsyncFn(&S) -> Result<String, E>,
) -> FetchSummary {
    let mut summary = summary;
    for scope in scopes {
        let shown = name(scope);
        let started = if resumes(scope) {
            "resuming an interrupted fetch"
        } else {
            "fetching"
        };
        observer.started(&shown, started);
        match sync(scope).await {
            Ok(finished) => {
                observer.finished(&shown, &finished);
                summary.fetched += 1;
            }
            Err(error) => {
                let text = if error.is_resumable() {
                    "stopped (progress is saved: the same command resumes)"
                } else {
                    "failed"
                };
                observer.failed(&shown, text);
                let stops_all = error.stops_all();
                summary.failures.push(Box::new(error));
                if stops_all {
                    summary.complete = false;
                    break;
                }
            }
        }
    }
    summary
}

/// What `--dry-run` says of a source: a table with a row per scope, then the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<String>>,
    pub totals: Vec<String>,
}

impl Estimate {
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

/// The message of an error and of each of its causes, on one line (`a: b: c`).
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(&format!(": {next}"));
        cause = next.source();
    }
    text
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

    #[test]
    fn an_estimate_is_a_table_then_its_totals() {
        let estimate = Estimate {
            columns: &["team", "issues"],
            rows: vec![vec!["PAY".into(), "3".into()]],
            totals: vec!["total: 3".into()],
        };
        assert_eq!(estimate.lines(), ["team | issues", "PAY | 3", "total: 3"]);
    }
}
