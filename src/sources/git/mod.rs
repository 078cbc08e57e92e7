//! The git source: any local clone becomes `commits`, `file_changes`, and — where merge
//! messages and trailers carry them — `pull_requests` and `reviews`, read with gix (no `git`
//! binary, no network).
//!
//! - [`read`]: the repository through gix — new commits, people through `.mailmap`, line counts;
//! - [`message`]: trailers, bors / GitHub / Gerrit merge messages, PR numbers and approvers;
//! - [`normalize`]: raw commits → rows (roster identities, a PR's commits, review states);
//! - [`sync`]: one repository's incremental, resumable fetch, checkpointed per chunk of commits,
//!   merged into the store in one atomic commit with its new tip;
//! - [`fetch`]: a whole `teamlens fetch git` run, clone by clone, behind [`crate::sources::fetch::Fetch`];
//! - [`ownership`]: degree of authorship per person and file and the truck factor, per
//!   repository and per top-level directory, with and without review knowledge.

pub mod fetch;
pub mod message;
pub mod normalize;
pub mod ownership;
pub mod read;
pub mod sync;

use std::path::PathBuf;

/// The `source` column of every row this source writes, and its name in the manifest.
pub const SOURCE: &str = "git";

/// Why a repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    #[error("{path} is not a git repository ({message}); give the path of a clone")]
    NotARepository { path: PathBuf, message: String },
    #[error("{path}: branch or revision `{branch}` not found ({message})")]
    NoSuchBranch {
        path: PathBuf,
        branch: String,
        message: String,
    },
    #[error("{path}: cannot read the repository: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "{path}: the fetch checkpoint is damaged ({message}); delete {dir} to start this \
         repository's fetch over"
    )]
    Checkpoint {
        path: PathBuf,
        dir: PathBuf,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
