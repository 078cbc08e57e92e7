//! One repository's fetch: incremental from the last tip stored, resumable, one atomic merge.
//!
//! **Incremental.** The manifest keeps, per repository, the tip read last. The next fetch
//! reads only commits reachable from the new tip and not from that one (a tip that no longer
//! exists, after a history rewrite, means a full read; rows are replaced by sha, never
//! duplicated). With nothing new, a fetch opens the repository and stops.
//!
//! **Resumable.** Commits are read in chunks; each chunk's raw commits go to
//! `<data>/staging/git/<name>/chunk-NNNNNN.json` and then the checkpoint (the tip and base being
//! read, commits done) is replaced, both atomically, by one thread while the next chunk is read
//! ([`read_and_stage`]). The walk is deterministic for a tip and a base, so a killed fetch run
//! again continues after the last chunk written; only the chunks of an interrupted run are read
//! back, this run's are kept in memory. Nothing reaches the
//! tables until the last chunk; then one [`Store::merge`] writes the rows and the new tip,
//! the run id tells a finished run's leftover staging folder from an interrupted one.
//!
//! **Ownership, incrementally.** After the merge, ownership comes from per-file authorship
//! aggregates ([`Histories`]) kept in `<data>/state/git/<name>.ownership.json` together with the
//! tip they describe. When that tip is the one this run read from, the review trailers are
//! configured as then, no new commit belongs to a PR the aggregates counted (its reviews are
//! replaced by the merge, so its older commits' reviewers change) and the new commits do not interleave
//! with stored renames, the new commits are added to the aggregates of the files they touch;
//! otherwise the aggregates are rebuilt from the stored history. Either way the result is the
//! same; the file is a cache (written after the merge, read only when its tip matches), never
//! the truth, so losing it costs one full computation. A repository's first fetch stores exactly
//! the rows it read, so its aggregates are built from those, beside the merge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::normalize::{Links, People, ReviewRules};
use super::ownership::{Change, Histories, Ownership};
use super::read::{GitRepo, RawCommit};
use super::{GitError, SOURCE};
use crate::model::{Commit, FileChange, PullRequest, Review, Table};
use crate::sources::fetch::Observer;
use crate::sources::identities::Identities;
pub use crate::sources::staging::checkpoint_path;
use crate::sources::staging::sanitize;
use crate::store::{Replacement, Store, StoreError, write_atomically};

/// A repository to read and the name its rows carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    pub path: PathBuf,
    pub name: String,
}

impl RepoSpec {
    /// The name is the clone's directory name (`.git` dropped).
    pub fn from_path(path: &Path) -> RepoSpec {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut name = absolute
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "repository".into());
        if name == ".git" {
            name = absolute
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(name);
        }
        let name = name.strip_suffix(".git").unwrap_or(&name).to_string();
        RepoSpec {
            path: path.to_path_buf(),
            name,
        }
    }

    /// The name rows carry, so that a clone's rows meet the same repository's GitHub rows:
    /// the name `[git] names` gives the path, else the `origin` remote's `owner/name`, else the
    /// directory's name ([`RepoSpec::from_path`]).
    pub fn resolve(path: &Path, names: &BTreeMap<String, String>) -> RepoSpec {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let wanted = canonical(path);
        if let Some(name) = names
            .iter()
            .find(|(key, _)| canonical(Path::new(key)) == wanted)
            .map(|(_, name)| name.clone())
        {
            return RepoSpec {
                path: path.to_path_buf(),
                name,
            };
        }
        let from_remote = GitRepo::open(path)
            .ok()
            .and_then(|repo| repo.origin_url())
            .and_then(|url| name_from_remote_url(&url));
        match from_remote {
            Some(name) => RepoSpec {
                path: path.to_path_buf(),
                name,
            },
            None => RepoSpec::from_path(path),
        }
    }
}

/// `owner/name` of a remote URL: `https://github.com/owner/name.git`,
/// `git@github.com:owner/name.git`, `ssh://git@gitlab.com/group/sub/name.git` (GitLab's
/// subgroups kept), `https://gerrit.example.com/a/project` (Gerrit's authenticated `a/`
/// dropped), `ssh://user@gerrit.example.com:29418/project`. A local path or `file://` URL names
/// nothing.
pub fn name_from_remote_url(url: &str) -> Option<String> {
    let url = url.trim();
    let (http, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if scheme.eq_ignore_ascii_case("file") {
            return None;
        }
        let (_, path) = rest.split_once('/')?;
        (scheme.to_ascii_lowercase().starts_with("http"), path)
    } else {
        // scp-like `[user@]host:path`; a colon after a slash is part of a local path.
        let (host, path) = url.split_once(':')?;
        if host.is_empty() || host.contains('/') || host.contains('\\') {
            return None;
        }
        (false, path)
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    let path = match path.strip_prefix("a/") {
        Some(rest) if http && !rest.is_empty() => rest,
        _ => path,
    };
    (!path.is_empty() && !path.split('/').any(|part| part.is_empty() || part == ".."))
        .then(|| path.to_string())
}

/// `https://github.com/owner/name` when a remote URL is on github.com (HTTPS, SSH or scp-like),
/// so that PR numbers of the history can be linked to their pages.
pub fn github_url(url: &str) -> Option<String> {
    let url = url.trim();
    let host = match url.split_once("://") {
        Some((_, rest)) => rest.split('/').next()?,
        None => url.split_once(':')?.0,
    };
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    if !host.eq_ignore_ascii_case("github.com") && !host.eq_ignore_ascii_case("www.github.com") {
        return None;
    }
    let name = name_from_remote_url(url)?;
    (name.split('/').count() == 2).then(|| format!("https://github.com/{name}"))
}

/// How to read.
#[derive(Debug, Clone)]
pub struct GitOptions {
    pub branch: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub renames: bool,
    pub threads: usize,
    /// Commits per staged chunk.
    pub chunk: usize,
    pub review_trailers: BTreeMap<String, String>,
    pub review_weight: f64,
    /// Compute ownership after the merge: from the kept per-file aggregates and the new commits
    /// when they allow, else over the whole stored history.
    pub ownership: bool,
    /// Which files' knowledge counts (`[knowledge]`): code files, by default.
    pub files: crate::common::files::FileRules,
}

/// What one repository's fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct GitOutcome {
    pub repo: String,
    pub commits: usize,
    pub pull_requests: usize,
    pub reviews: usize,
    pub resumed: bool,
    /// Why nothing was read, or what to know about what was.
    pub notes: Vec<String>,
    pub ownership: Option<Ownership>,
}

/// What the manifest keeps per repository under the `git` source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepoState {
    pub path: String,
    pub branch: Option<String>,
    /// The tip read last: the next fetch reads what is new since.
    pub tip: Option<String>,
    pub last_run: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    /// `[sha, old path, new path]` of every rename read, for ownership.
    #[serde(default)]
    pub renames: Vec<[String; 3]>,
    pub truck_factor: Option<usize>,
    pub truck_factor_with_reviews: Option<usize>,
    /// Top-level directory → `[truck factor, with reviews]`.
    #[serde(default)]
    pub module_truck_factors: BTreeMap<String, [usize; 2]>,
}

/// Reads a repository's state from the manifest.
pub fn repo_state(store: &Store, name: &str) -> RepoState {
    store
        .manifest()
        .sources
        .get(SOURCE)
        .and_then(|s| s.get("repositories"))
        .and_then(|r| r.get(name))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Forgets the tip of every clone in the `git` source state, so the next fetch reads each
/// clone's whole history again (rows are replaced by sha, so nothing is duplicated): what
/// `teamlens fetch --repair` does when a file holding git rows was lost. Git has no cheaper
/// bound: a month's commits can be reached only by walking the history.
pub fn rewind(source_state: &mut Value) {
    let Some(Value::Object(repositories)) = source_state.get_mut("repositories") else {
        return;
    };
    for value in repositories.values_mut() {
        if let Some(object) = value.as_object_mut() {
            object.insert("tip".into(), Value::Null);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    run: String,
    tip: String,
    base: Option<String>,
    since: Option<DateTime<Utc>>,
    done: usize,
    chunks: u32,
}

/// Fetches one repository and merges it into the store.
pub fn sync_repository(
    store: &mut Store,
    staging_root: &Path,
    spec: &RepoSpec,
    options: &GitOptions,
    identities: &Identities,
    observer: &dyn Observer,
) -> Result<GitOutcome, GitError> {
    let repo = GitRepo::open(&spec.path)?;
    let mut outcome = GitOutcome {
        repo: spec.name.clone(),
        commits: 0,
        pull_requests: 0,
        reviews: 0,
        resumed: false,
        notes: Vec::new(),
        ownership: None,
    };
    let Some(tip) = repo.tip(options.branch.as_deref())? else {
        outcome
            .notes
            .push("the repository has no commits yet: nothing to read".into());
        finished(observer, &outcome);
        return Ok(outcome);
    };
    if repo.is_shallow() {
        outcome.notes.push(
            "shallow clone: history stops at the clone's depth, and the oldest commits have no \
             file statistics (their parents are missing)"
                .into(),
        );
    }
    let previous = repo_state(store, &spec.name);
    let base = previous
        .tip
        .as_deref()
        .filter(|_| previous.branch == options.branch)
        .and_then(|t| gix::ObjectId::from_hex(t.as_bytes()).ok())
        .filter(|id| repo.has_commit(*id));
    if base == Some(tip) {
        outcome.notes.push("up to date".into());
        finished(observer, &outcome);
        return Ok(outcome);
    }

    if let Some(base) = base
        && repo.new_commits(tip, Some(base), None)?.is_empty()
    {
        // The branch moved back (a reset): nothing to read; remember where it is now.
        let state = RepoState {
            tip: Some(tip.to_string()),
            fetched_at: Some(Utc::now()),
            ..previous
        };
        store.merge(
            Vec::new(),
            Some((SOURCE, source_state(store, &spec.name, &state))),
        )?;
        outcome.notes.push(
            "the branch moved back: no new commits, the commits no longer on it are kept".into(),
        );
        finished(observer, &outcome);
        return Ok(outcome);
    }

    let dir = staging_root.join(sanitize(&spec.name));
    let tip_hex = tip.to_string();
    let wanted = |c: &Checkpoint| {
        c.tip == tip_hex
            && c.base == base.map(|b| b.to_string())
            && c.since == options.since
            && previous.last_run.as_deref() != Some(c.run.as_str())
    };
    let mut checkpoint = match read_checkpoint(&dir)? {
        Some(c) if wanted(&c) => {
            outcome.resumed = true;
            c
        }
        other => {
            if other.is_some() || dir.exists() {
                remove_dir(&dir)?;
            }
            Checkpoint {
                run: format!(
                    "{}-{}",
                    Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
                    std::process::id()
                ),
                tip: tip.to_string(),
                base: base.map(|b| b.to_string()),
                since: options.since,
                done: 0,
                chunks: 0,
            }
        }
    };
    let started = if outcome.resumed {
        "resuming an interrupted read"
    } else {
        "reading commits"
    };
    observer.started(&spec.name, started);
    let clock = std::time::Instant::now();
    let ids = repo.new_commits(tip, base, options.since.map(|s| s.timestamp()))?;
    tracing::info!(
        "{}: {} new commits found in {:?}",
        spec.name,
        ids.len(),
        clock.elapsed()
    );
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let staged = checkpoint.chunks;
    let fresh = read_and_stage(&repo, &ids, &dir, &mut checkpoint, options, |done| {
        observer.progressed(&spec.name, &format!("{done} of {} commits read", ids.len()))
    })?;
    tracing::info!("{}: commits read by {:?}", spec.name, clock.elapsed());
    let mut raw: Vec<RawCommit> = Vec::with_capacity(ids.len());
    for n in 1..=staged {
        let path = chunk_path(&dir, n);
        let bytes = std::fs::read(&path).map_err(|e| damaged(&dir, &path, e))?;
        let part: Vec<RawCommit> =
            serde_json::from_slice(&bytes).map_err(|e| damaged(&dir, &path, e))?;
        raw.extend(part);
    }
    raw.extend(fresh);
    let without_renames = raw.iter().filter(|c| c.renames_not_detected).count();
    if without_renames > 0 {
        outcome.notes.push(format!(
            "{without_renames} commit(s) read without rename detection: a file they compare is \
             missing from the repository (a partial clone, or a copy without its largest files), \
             so a file they renamed counts as deleted and added. A full clone \
             (`git fetch --refetch`) reads them whole."
        ));
    }
    let mut renames = previous.renames.clone();
    let mut new_renames: Vec<[String; 3]> = Vec::new();
    for commit in &raw {
        for file in commit.files.iter().flatten() {
            if let Some(old) = &file.previous_path {
                new_renames.push([commit.sha.clone(), old.clone(), file.path.clone()]);
            }
        }
    }
    renames.extend(new_renames.iter().cloned());
    let mailmap = repo.mailmap();
    let map = |name: &str, email: &str| {
        let time = "0 +0000";
        let signature = gix::actor::SignatureRef {
            name: name.into(),
            email: email.into(),
            time,
        };
        let resolved = mailmap.resolve(signature);
        (resolved.name.to_string(), resolved.email.to_string())
    };
    let people = People::new(identities, &map);
    let rules = ReviewRules {
        trailers: &options.review_trailers,
    };
    let links = Links {
        github: repo.origin_url().as_deref().and_then(github_url),
    };
    let data = super::normalize::rows(&spec.name, &tip.to_string(), raw, &people, &rules, &links);
    tracing::info!("{}: rows made by {:?}", spec.name, clock.elapsed());
    outcome.commits = data.commits.len();
    outcome.pull_requests = data.pull_requests.len();
    outcome.reviews = data.reviews.len();
    let new_changes = options
        .ownership
        .then(|| changes_of_run(&data, &new_renames, options, &people));
    tracing::debug!("{}: changes of the run by {:?}", spec.name, clock.elapsed());

    let shas: Vec<String> = data.commits.iter().map(|c| c.sha.clone()).collect();
    let numbers: BTreeSet<i64> = data.pull_requests.iter().map(|p| p.number).collect();
    let shas = lit(Series::new("shas".into(), shas)).implode(true);
    let numbers = lit(Series::new(
        "numbers".into(),
        numbers.into_iter().collect::<Vec<_>>(),
    ))
    .implode(true);
    let this_repo = || {
        col("source")
            .eq(lit(SOURCE))
            .and(col("repo").eq(lit(spec.name.clone())))
    };
    let frame = |result: PolarsResult<DataFrame>, table: &str| {
        result.map_err(|source| StoreError::Polars {
            context: format!("preparing {table} of {}", spec.name),
            source,
        })
    };
    // The four frames are independent: built side by side.
    let crate::model::Dataset {
        commits,
        file_changes,
        pull_requests,
        reviews,
        ..
    } = data;
    let (commits, file_changes, pull_requests, reviews) = std::thread::scope(|scope| {
        let commits = scope.spawn(|| Commit::to_frame(commits));
        let file_changes = scope.spawn(|| FileChange::to_frame(file_changes));
        let pull_requests = PullRequest::to_frame(pull_requests);
        let reviews = Review::to_frame(reviews);
        let join = |h: std::thread::ScopedJoinHandle<'_, PolarsResult<DataFrame>>| {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        };
        (join(commits), join(file_changes), pull_requests, reviews)
    });
    let replacements = vec![
        Replacement {
            table: Commit::NAME,
            remove: this_repo().and(col("sha").is_in(shas.clone(), false)),
            rows: frame(commits, "commits")?,
        },
        Replacement {
            table: FileChange::NAME,
            remove: this_repo().and(col("sha").is_in(shas, false)),
            rows: frame(file_changes, "file changes")?,
        },
        Replacement {
            table: PullRequest::NAME,
            remove: this_repo().and(col("number").is_in(numbers.clone(), false)),
            rows: frame(pull_requests, "pull requests")?,
        },
        Replacement {
            table: Review::NAME,
            remove: this_repo().and(col("number").is_in(numbers, false)),
            rows: frame(reviews, "reviews")?,
        },
    ];
    let mut state = RepoState {
        path: spec.path.display().to_string(),
        branch: options.branch.clone(),
        tip: Some(tip.to_string()),
        last_run: Some(checkpoint.run.clone()),
        fetched_at: Some(Utc::now()),
        renames,
        ..RepoState::default()
    };
    // A PR number the aggregates have seen has its reviews replaced by this merge, which
    // changes the reviewers of its older commits too: then they are rebuilt.
    let extendable = match &new_changes {
        Some(Some(changes)) => read_ownership_cache(store, &spec.name).filter(|c| {
            base.is_some_and(|b| gix::ObjectId::from_hex(c.tip.as_bytes()).ok() == Some(b))
                && c.review_trailers == trailer_keys(options)
                && changes
                    .iter()
                    .filter_map(|change| named_number(change.number))
                    .all(|n| !c.numbers.contains(&n))
                && c.histories.can_extend(changes)
        }),
        _ => None,
    };
    tracing::debug!(
        "{}: ownership aggregates {} by {:?}",
        spec.name,
        if extendable.is_some() {
            "extendable"
        } else {
            "to rebuild"
        },
        clock.elapsed()
    );
    // A first fetch's ownership needs nothing from the store: what will be stored is exactly
    // this run's rows, so its changes are the whole history. It is computed on a thread of its
    // own while the merge writes the tables.
    let (first, new_changes) = match new_changes {
        Some(Some(changes)) if !has_commits(store, &spec.name)? => (Some(changes), None),
        other => (None, other),
    };
    let (merged, first) = std::thread::scope(|scope| {
        let first = first.map(|changes| {
            scope.spawn(|| -> Result<_, GitError> {
                let live = repo.files_at(tip)?;
                let (histories, numbers) = histories_of(changes);
                let ownership =
                    histories.ownership(Some(&live), options.review_weight, &options.files);
                Ok((histories, numbers, ownership))
            })
        });
        let merged = store.merge(
            replacements,
            Some((SOURCE, source_state(store, &spec.name, &state))),
        );
        let first = first.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (merged, first)
    });
    merged?;
    tracing::info!("{}: rows merged by {:?}", spec.name, clock.elapsed());

    if options.ownership {
        let (histories, numbers, ownership) = match (first, extendable, new_changes) {
            (Some(first), _, _) => first?,
            (None, Some(mut cache), Some(Some(changes))) => {
                let live = repo.files_at(tip)?;
                cache
                    .numbers
                    .extend(changes.iter().filter_map(|c| named_number(c.number)));
                cache.histories.add(changes);
                tracing::info!("{}: ownership aggregates extended", spec.name);
                let ownership =
                    cache
                        .histories
                        .ownership(Some(&live), options.review_weight, &options.files);
                (cache.histories, cache.numbers, ownership)
            }
            _ => {
                // Ownership over everything now stored for the repository.
                let live = repo.files_at(tip)?;
                let changes =
                    changes_from_store(store, &spec.name, &state.renames, options, &people)?;
                let (histories, numbers) = histories_of(changes);
                let ownership =
                    histories.ownership(Some(&live), options.review_weight, &options.files);
                (histories, numbers, ownership)
            }
        };
        tracing::debug!("{}: truck factors by {:?}", spec.name, clock.elapsed());
        write_ownership_cache(
            store,
            &spec.name,
            &OwnershipCache {
                tip: tip.to_string(),
                review_trailers: trailer_keys(options),
                numbers,
                histories,
            },
        )?;
        tracing::debug!("{}: aggregates kept by {:?}", spec.name, clock.elapsed());
        state.truck_factor = Some(ownership.repository.truck_factor);
        state.truck_factor_with_reviews = Some(ownership.repository.truck_factor_with_reviews);
        state.module_truck_factors = ownership
            .modules
            .iter()
            .map(|m| {
                (
                    m.module.clone(),
                    [m.truck_factor, m.truck_factor_with_reviews],
                )
            })
            .collect();
        store.merge(
            Vec::new(),
            Some((SOURCE, source_state(store, &spec.name, &state))),
        )?;
        tracing::info!("{}: ownership computed by {:?}", spec.name, clock.elapsed());
        outcome.ownership = Some(ownership);
    }
    remove_dir(&dir)?;
    finished(observer, &outcome);
    Ok(outcome)
}

/// Tells the observer a clone is read.
fn finished(observer: &dyn Observer, outcome: &GitOutcome) {
    observer.finished(&outcome.repo, &format!("done: {} commits", outcome.commits));
}

/// Reads the commits `checkpoint` has not done yet, chunk by chunk, and stages each chunk (its
/// file, then the checkpoint) on a thread of its own while the next chunk is read, so the
/// reading threads do not wait for serialization and `fsync`. Chunks are staged in order by
/// that one thread, so the checkpoint on disk never counts a chunk whose file is not written:
/// a kill at any point resumes after the last chunk staged. Returns the commits read (this
/// run's, which therefore need not be read back from their chunk files).
fn read_and_stage(
    repo: &GitRepo,
    ids: &[gix::ObjectId],
    dir: &Path,
    checkpoint: &mut Checkpoint,
    options: &GitOptions,
    progress: impl Fn(usize),
) -> Result<Vec<RawCommit>, GitError> {
    let chunk = options.chunk.max(1);
    std::thread::scope(|scope| {
        // One chunk waits while another is written: the reader runs at most one chunk ahead.
        let (send, receive) = std::sync::mpsc::sync_channel::<(Vec<RawCommit>, Checkpoint)>(1);
        let writer = scope.spawn(move || -> Result<Vec<RawCommit>, GitError> {
            let mut read = Vec::new();
            for (raw, checkpoint) in receive {
                let bytes = serde_json::to_vec(&raw).map_err(|e| damaged(dir, dir, e))?;
                write_atomically(&chunk_path(dir, checkpoint.chunks), &bytes)?;
                let bytes =
                    serde_json::to_vec_pretty(&checkpoint).map_err(|e| damaged(dir, dir, e))?;
                write_atomically(&checkpoint_path(dir), &bytes)?;
                read.extend(raw);
            }
            Ok(read)
        });
        let mut failed = None;
        while checkpoint.done < ids.len() {
            let end = (checkpoint.done + chunk).min(ids.len());
            let raw = match repo.read_commits(
                &ids[checkpoint.done..end],
                options.renames,
                options.threads,
            ) {
                Ok(raw) => raw,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            checkpoint.chunks += 1;
            checkpoint.done = end;
            // A closed channel means the writer failed: its error is the one to report.
            if send.send((raw, checkpoint.clone())).is_err() {
                break;
            }
            progress(checkpoint.done);
        }
        drop(send);
        let written = writer.join().unwrap_or_else(|_| {
            Err(damaged(
                dir,
                dir,
                "the thread staging chunks stopped unexpectedly",
            ))
        });
        match (written, failed) {
            (Err(e), _) | (Ok(_), Some(e)) => Err(e),
            (Ok(read), None) => Ok(read),
        }
    })
}

fn source_state(store: &Store, name: &str, state: &RepoState) -> Value {
    let mut all = store
        .manifest()
        .sources
        .get(SOURCE)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(object) = all.as_object_mut() {
        let repositories = object.entry("repositories").or_insert_with(|| json!({}));
        if !repositories.is_object() {
            *repositories = json!({});
        }
        if let Some(repositories) = repositories.as_object_mut() {
            repositories.insert(
                name.to_string(),
                serde_json::to_value(state).unwrap_or(Value::Null),
            );
        }
    }
    all
}

/// The kept ownership aggregates of a repository and the tip they describe.
#[derive(Debug, Serialize, Deserialize)]
struct OwnershipCache {
    tip: String,
    /// The trailer keys that made reviewers when the aggregates were built.
    review_trailers: Vec<String>,
    /// The PR and Gerrit change numbers of the commits counted (a reviewed commit's own number
    /// comes from its sha, which no later commit has).
    numbers: BTreeSet<i64>,
    histories: Histories,
}

fn ownership_cache_path(store: &Store, name: &str) -> PathBuf {
    store
        .root()
        .join("state")
        .join(SOURCE)
        .join(format!("{}.ownership.json", sanitize(name)))
}

/// The kept aggregates, or nothing when there are none or they cannot be read (a cache: the
/// whole history is read instead).
fn read_ownership_cache(store: &Store, name: &str) -> Option<OwnershipCache> {
    let bytes = std::fs::read(ownership_cache_path(store, name)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_ownership_cache(
    store: &Store,
    name: &str,
    cache: &OwnershipCache,
) -> Result<(), GitError> {
    let path = ownership_cache_path(store, name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let bytes = serde_json::to_vec(cache).map_err(|e| damaged(&path, &path, e))?;
    write_atomically(&path, &bytes)?;
    Ok(())
}

/// A number a PR or Gerrit change was given (positive), not one made from a commit's sha.
/// Ownership histories of a repository's changes, and the PR numbers they name.
fn histories_of(changes: Vec<Change>) -> (Histories, BTreeSet<i64>) {
    let numbers = changes
        .iter()
        .filter_map(|c| named_number(c.number))
        .collect();
    let mut histories = Histories::default();
    histories.add(changes);
    (histories, numbers)
}

fn named_number(number: Option<i64>) -> Option<i64> {
    number.filter(|n| *n > 0)
}

fn trailer_keys(options: &GitOptions) -> Vec<String> {
    options
        .review_trailers
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect()
}

/// Whether a trailer line names a reviewer under `[git] review_trailers`, and who.
fn trailer_reviewer(line: &str, options: &GitOptions, people: &People<'_>) -> Option<String> {
    let (key, value) = line.split_once(':')?;
    if !options
        .review_trailers
        .keys()
        .any(|k| k.eq_ignore_ascii_case(key.trim()))
    {
        return None;
    }
    people.in_trailer(value)
}

/// The changes of this run's rows, as [`changes_from_store`] would read them after the merge;
/// `None` when a commit belongs to a PR whose reviews are not among the rows (they are stored
/// from an earlier run), so only the store can say who reviewed it.
fn changes_of_run(
    data: &crate::model::Dataset,
    renames: &[[String; 3]],
    options: &GitOptions,
    people: &People<'_>,
) -> Option<Vec<Change>> {
    let numbers: BTreeSet<i64> = data.pull_requests.iter().map(|p| p.number).collect();
    let mut reviewers: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for review in &data.reviews {
        reviewers
            .entry(review.number)
            .or_default()
            .push(review.reviewer.clone());
    }
    let mut paths: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for file in &data.file_changes {
        if let Some(sha) = &file.sha {
            paths.entry(sha).or_default().push(file.path.clone());
        }
    }
    let mut renames_of: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for [sha, old, new] in renames {
        renames_of
            .entry(sha.as_str())
            .or_default()
            .push((old.clone(), new.clone()));
    }
    let mut changes = Vec::with_capacity(data.commits.len());
    for commit in &data.commits {
        let who = match commit.pr_number {
            Some(number) if !numbers.contains(&number) => return None,
            Some(number) => reviewers.get(&number).cloned().unwrap_or_default(),
            None => commit
                .trailers
                .iter()
                .filter_map(|line| trailer_reviewer(line, options, people))
                .collect(),
        };
        changes.push(Change {
            at: commit.authored_at.timestamp_micros(),
            sha: commit.sha.clone(),
            author: commit.author.clone(),
            paths: paths.remove(commit.sha.as_str()).unwrap_or_default(),
            renames: renames_of.remove(commit.sha.as_str()).unwrap_or_default(),
            reviewers: who,
            number: commit.pr_number,
        });
    }
    Some(changes)
}

/// Whether the store holds `commits` rows of the repository.
fn has_commits(store: &Store, name: &str) -> Result<bool, GitError> {
    if store.manifest().rows(Commit::NAME) == 0 {
        return Ok(false);
    }
    let found = store
        .scan(Commit::NAME)?
        .filter(
            col("source")
                .eq(lit(SOURCE))
                .and(col("repo").eq(lit(name.to_string()))),
        )
        .select([col("sha")])
        .limit(1)
        .collect()
        .map_err(|source| {
            GitError::Store(StoreError::Polars {
                context: format!("looking for stored commits of {name}"),
                source,
            })
        })?;
    Ok(found.height() > 0)
}

/// Every change of a repository from the stored `commits`, `file_changes` and `reviews`.
pub fn changes_from_store(
    store: &Store,
    name: &str,
    renames: &[[String; 3]],
    options: &GitOptions,
    people: &People<'_>,
) -> Result<Vec<Change>, GitError> {
    let t0 = std::time::Instant::now();
    let polars = |context: &str| {
        let context = context.to_string();
        move |source| {
            GitError::Store(StoreError::Polars {
                context: format!("{context} of {name}"),
                source,
            })
        }
    };
    let ours = || {
        col("source")
            .eq(lit(SOURCE))
            .and(col("repo").eq(lit(name.to_string())))
    };
    let commits = store
        .scan(Commit::NAME)?
        .filter(ours())
        .select([
            col("sha"),
            col("author"),
            col("authored_at").cast(DataType::Int64),
            col("pr_number"),
        ])
        .collect()
        .map_err(polars("reading commits"))?;
    // Review trailers of commits without a PR (kernel style), one row per trailer.
    let trailers = store
        .scan(Commit::NAME)?
        .filter(ours().and(col("pr_number").is_null()))
        .select([col("sha"), col("trailers")])
        .explode(
            by_name(["trailers"], true, false),
            ExplodeOptions {
                empty_as_null: true,
                keep_nulls: false,
            },
        )
        .collect()
        .map_err(polars("reading trailers"))?;
    let files = store
        .scan(FileChange::NAME)?
        .filter(ours())
        .select([col("sha"), col("path")])
        .collect()
        .map_err(polars("reading file changes"))?;
    tracing::debug!("ownership: tables read by {:?}", t0.elapsed());
    let reviews = store
        .scan(Review::NAME)?
        .filter(ours())
        .select([col("number"), col("reviewer")])
        .collect()
        .map_err(polars("reading reviews"))?;

    let strs = |frame: &DataFrame, column: &str| -> Result<Vec<Option<String>>, GitError> {
        crate::common::frame::str_values(frame, column).map_err(polars("reading a column"))
    };
    let ints = |frame: &DataFrame, column: &str| -> Result<Vec<Option<i64>>, GitError> {
        crate::common::frame::i64_values(frame, column).map_err(polars("reading a column"))
    };
    let mut reviewers: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (number, reviewer) in ints(&reviews, "number")?
        .into_iter()
        .zip(strs(&reviews, "reviewer")?)
    {
        if let (Some(number), Some(reviewer)) = (number, reviewer) {
            reviewers.entry(number).or_default().push(reviewer);
        }
    }
    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (sha, path) in strs(&files, "sha")?.into_iter().zip(strs(&files, "path")?) {
        if let (Some(sha), Some(path)) = (sha, path) {
            paths.entry(sha).or_default().push(path);
        }
    }
    let mut renames_of: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for [sha, old, new] in renames {
        renames_of
            .entry(sha.as_str())
            .or_default()
            .push((old.clone(), new.clone()));
    }
    tracing::debug!("ownership: maps built by {:?}", t0.elapsed());
    let mut trailer_reviewers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (sha, line) in strs(&trailers, "sha")?
        .into_iter()
        .zip(strs(&trailers, "trailers")?)
    {
        let (Some(sha), Some(line)) = (sha, line) else {
            continue;
        };
        if let Some(person) = trailer_reviewer(&line, options, people) {
            trailer_reviewers.entry(sha).or_default().push(person);
        }
    }
    tracing::debug!("ownership: trailers read by {:?}", t0.elapsed());
    let mut changes = Vec::with_capacity(commits.height());
    let shas = strs(&commits, "sha")?;
    let authors = strs(&commits, "author")?;
    let times = ints(&commits, "authored_at")?;
    let prs = ints(&commits, "pr_number")?;
    for i in 0..commits.height() {
        let (Some(sha), Some(author)) = (&shas[i], &authors[i]) else {
            continue;
        };
        let who: Vec<String> = match prs[i] {
            Some(number) => reviewers.get(&number).cloned().unwrap_or_default(),
            None => trailer_reviewers.remove(sha).unwrap_or_default(),
        };
        changes.push(Change {
            at: times[i].unwrap_or(0),
            sha: sha.clone(),
            author: author.clone(),
            paths: paths.remove(sha).unwrap_or_default(),
            renames: renames_of.remove(sha.as_str()).unwrap_or_default(),
            reviewers: who,
            number: prs[i],
        });
    }
    tracing::debug!("ownership: changes built by {:?}", t0.elapsed());
    Ok(changes)
}

/// Where a repository's unfinished fetch keeps its chunks.
pub fn staging_dir(staging_root: &Path, name: &str) -> PathBuf {
    staging_root.join(sanitize(name))
}

fn chunk_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("chunk-{n:06}.json"))
}

fn damaged(dir: &Path, path: &Path, message: impl ToString) -> GitError {
    GitError::Checkpoint {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        message: message.to_string(),
    }
}

fn io(path: &Path, source: std::io::Error) -> GitError {
    GitError::Store(StoreError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_checkpoint(dir: &Path) -> Result<Option<Checkpoint>, GitError> {
    let path = checkpoint_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| damaged(dir, &path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(damaged(dir, &path, e)),
    }
}

fn remove_dir(dir: &Path) -> Result<(), GitError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(dir, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::name_from_remote_url as name;

    #[test]
    fn remote_urls_give_owner_and_name() {
        for (url, expected) in [
            (
                "https://github.com/rust-lang/cargo.git",
                Some("rust-lang/cargo"),
            ),
            (
                "https://github.com/rust-lang/cargo",
                Some("rust-lang/cargo"),
            ),
            (
                "https://github.com/rust-lang/cargo/",
                Some("rust-lang/cargo"),
            ),
            (
                "git@github.com:rust-lang/cargo.git",
                Some("rust-lang/cargo"),
            ),
            (
                "ssh://git@github.com/rust-lang/cargo.git",
                Some("rust-lang/cargo"),
            ),
            (
                "https://gitlab.com/group/sub/tool.git",
                Some("group/sub/tool"),
            ),
            (
                "git@gitlab.example.com:group/sub/tool.git",
                Some("group/sub/tool"),
            ),
            ("https://go.googlesource.com/tools", Some("tools")),
            (
                "https://gerrit.example.com/a/platform/build",
                Some("platform/build"),
            ),
            (
                "ssh://me@gerrit.example.com:29418/platform/build",
                Some("platform/build"),
            ),
            ("https://user:secret@github.com/o/n.git", Some("o/n")),
            ("/srv/git/project.git", None),
            ("../project", None),
            ("file:///srv/git/project.git", None),
            ("https://github.com/", None),
        ] {
            assert_eq!(name(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn github_remotes_link_to_their_pull_requests() {
        use super::github_url;
        for (url, expected) in [
            (
                "https://github.com/rust-lang/cargo.git",
                Some("rust-lang/cargo"),
            ),
            ("git@github.com:tokio-rs/tokio.git", Some("tokio-rs/tokio")),
            ("ssh://git@github.com/pallets/flask", Some("pallets/flask")),
            ("https://user:secret@github.com/o/n.git", Some("o/n")),
            ("https://gitlab.com/group/sub/tool.git", None),
            ("https://go.googlesource.com/tools", None),
            ("git@github.example.com:o/n.git", None),
            ("/srv/git/project.git", None),
        ] {
            let want = expected.map(|n| format!("https://github.com/{n}"));
            assert_eq!(github_url(url), want, "{url}");
        }
    }
}
