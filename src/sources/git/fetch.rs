//! `teamlens fetch git`: each clone in turn through [`sync_repository`], and what is said of
//! each as it ends (its counts, notes and truck factors). A clone that cannot be read is
//! reported and the others go on; a dry run has nothing to estimate.

use std::path::PathBuf;

use super::sync::{GitOptions, GitOutcome, RepoSpec, sync_repository};
use super::{GitError, SOURCE};
use crate::config::Config;
use crate::sources::fetch::{Estimate, Fetch, FetchContext, FetchError, FetchSummary, ScopeError};
use crate::sources::identities::identities;

const NOTHING_TO_FETCH: &str = "nothing to fetch: name clones (`teamlens fetch git PATH…`) or \
    list them under [git] repositories in teamlens.toml";

const NO_ESTIMATE: &str = "--dry-run estimates what GitHub, Jira and Linear fetches cost; \
    reading a local clone costs nothing to try";

/// The git source of a fetch: the clones named, read at `branch` (their HEAD by default).
pub struct Git<'a> {
    config: &'a Config,
    paths: Vec<PathBuf>,
    branch: Option<String>,
}

impl<'a> Git<'a> {
    pub fn new(config: &'a Config, paths: Vec<PathBuf>, branch: Option<String>) -> Self {
        Git {
            config,
            paths,
            branch,
        }
    }
}

impl Fetch for Git<'_> {
    fn has_costs(&self) -> bool {
        false
    }

    fn estimate(&self, _ctx: &FetchContext<'_>) -> Result<Estimate, FetchError> {
        Err(if self.paths.is_empty() {
            FetchError::NothingToFetch(NOTHING_TO_FETCH)
        } else {
            FetchError::NoEstimate(NO_ESTIMATE)
        })
    }

    fn fetch(&self, ctx: &FetchContext<'_>) -> Result<FetchSummary, FetchError> {
        if self.paths.is_empty() {
            return Err(FetchError::NothingToFetch(NOTHING_TO_FETCH));
        }
        let mut store = ctx.open_store()?;
        let identities = identities(&store)?;
        let config = self.config;
        let options = GitOptions {
            branch: self.branch.clone(),
            since: ctx.since,
            renames: config.git.renames,
            threads: config.git.threads,
            chunk: config.git.chunk,
            review_trailers: config.git.review_trailers.clone(),
            review_weight: config.thresholds.knowledge_silo.review_weight,
            ownership: config.git.ownership,
            files: config.knowledge.rules(),
        };
        let staging = ctx.staging_root(SOURCE);
        let mut summary = FetchSummary::new("clones");
        for path in &self.paths {
            let spec = RepoSpec::resolve(path, &config.git.names);
            let observer = ctx.observer.as_ref();
            match sync_repository(&mut store, &staging, &spec, &options, &identities, observer) {
                Ok(outcome) => {
                    for line in said(&outcome, ctx) {
                        (ctx.say)(&line);
                    }
                    summary.fetched += 1;
                }
                Err(error) => summary.failures.push(Box::new(error)),
            }
        }
        Ok(summary)
    }
}

/// What is said of a clone once it is read: its counts, its notes, its truck factors.
fn said(outcome: &GitOutcome, ctx: &FetchContext<'_>) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: {} commits, {} pull requests, {} reviews read into {}",
        outcome.repo,
        outcome.commits,
        outcome.pull_requests,
        outcome.reviews,
        ctx.data_dir.display()
    )];
    for note in &outcome.notes {
        lines.push(format!("{}: {note}", outcome.repo));
    }
    if let Some(o) = &outcome.ownership {
        let modules: Vec<String> = o
            .modules
            .iter()
            .map(|m| {
                format!(
                    "{} {} ({})",
                    m.module, m.truck_factor, m.truck_factor_with_reviews
                )
            })
            .collect();
        lines.push(format!(
            "{}: truck factor {} ({} with review knowledge) over {} code files; per top-level \
             directory: {}",
            outcome.repo,
            o.repository.truck_factor,
            o.repository.truck_factor_with_reviews,
            o.repository.files,
            modules.join(", ")
        ));
    }
    lines
}

/// A clone that cannot be read is said with what to do about it, and the other clones are read
/// all the same.
impl ScopeError for GitError {
    fn is_resumable(&self) -> bool {
        false
    }

    fn stops_all(&self) -> bool {
        false
    }
}
