//! Where a network source keeps an unfinished fetch: one folder per unit it fetches (a
//! repository, a project, a team) under `<data>/staging/<source>/`, holding the pages read so far
//! (`page-NNNNNN.json`, normalized rows) and a checkpoint (`checkpoint.json`, the source's own
//! cursors). Every file is written atomically, the page before the checkpoint that counts it, so a
//! process killed at any moment leaves a folder the next run can continue from. Nothing here
//! reaches the tables: a source merges the pages into the store once its unit is read to the end.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::Dataset;
use crate::store::{StoreError, write_atomically};

/// Why a staging folder could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    #[error(
        "{path}: the fetch checkpoint is damaged ({message}); delete {dir} to start this fetch over"
    )]
    Damaged {
        path: PathBuf,
        dir: PathBuf,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A path component from a name a service returned: letters, digits, `-` and `_` kept, anything
/// else (separators, `..`) made `_`.
pub fn sanitize(part: &str) -> String {
    let cleaned: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    }
}

/// The checkpoint file of a staging folder.
pub fn checkpoint_path(dir: &Path) -> PathBuf {
    dir.join("checkpoint.json")
}

fn page_path(dir: &Path, page: u32) -> PathBuf {
    dir.join(format!("page-{page:06}.json"))
}

fn damaged(dir: &Path, path: &Path, message: impl ToString) -> StagingError {
    StagingError::Damaged {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        message: message.to_string(),
    }
}

/// The folder's checkpoint, if an unfinished fetch left one.
pub fn read_checkpoint<C: DeserializeOwned>(dir: &Path) -> Result<Option<C>, StagingError> {
    let path = checkpoint_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| damaged(dir, &path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(damaged(dir, &path, e)),
    }
}

pub fn write_checkpoint<C: Serialize>(dir: &Path, checkpoint: &C) -> Result<(), StagingError> {
    let bytes = serde_json::to_vec_pretty(checkpoint).map_err(|e| damaged(dir, dir, e))?;
    write_atomically(&checkpoint_path(dir), &bytes)?;
    Ok(())
}

pub fn write_page(dir: &Path, page: u32, rows: &Dataset) -> Result<(), StagingError> {
    let bytes = serde_json::to_vec(rows).map_err(|e| damaged(dir, dir, e))?;
    write_atomically(&page_path(dir, page), &bytes)?;
    Ok(())
}

/// Pages 1 to `pages`, in order.
pub fn read_pages(dir: &Path, pages: u32) -> Result<Vec<Dataset>, StagingError> {
    (1..=pages)
        .map(|page| {
            let path = page_path(dir, page);
            let bytes = std::fs::read(&path).map_err(|e| damaged(dir, &path, e))?;
            serde_json::from_slice(&bytes).map_err(|e| damaged(dir, &path, e))
        })
        .collect()
}

/// Removes a staging folder (gone already is fine).
pub fn remove_dir(dir: &Path) -> Result<(), StagingError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StagingError::Store(StoreError::Io {
            path: dir.to_path_buf(),
            source: e,
        })),
    }
}
