//! The store: the normalized tables as Parquet files in a data directory, listed by a manifest.
//!
//! Layout (Hive-style, so DuckDB, Spark or Trino read the same files unchanged):
//!
//! ```text
//! .teamlens/
//!   manifest.json                                   tables → files, rows, checksums
//!   tables/pull_requests/month=2026-10/part-<hash>.parquet
//!   tables/people/part-<hash>.parquet               tables without a time column are not partitioned
//! ```
//!
//! Invariants:
//! - **The manifest is the truth.** A file not listed in it does not exist for teamlens; a listed
//!   file whose size or SHA-256 does not match is an error that names the file.
//! - **Every commit is atomic.** Data files are content-addressed and written before the manifest
//!   (temporary file, fsync, rename); the manifest is replaced last, by rename. A process killed at
//!   any moment leaves either the old manifest or the new one, each pointing at complete files.
//!   Files no manifest names (left by a killed write, or replaced) are removed by the next commit
//!   that finds no reader open (see [`crate::dir_lock`]).
//! - **One writer, over the manifest it read.** Only a store opened under the data directory's
//!   write lock commits, and a commit whose manifest changed on disk since it was read writes
//!   nothing ([`StoreError::ChangedUnderneath`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dir_lock::{ReadLock, Resource, WriteLock};
use crate::model::{self, TableSpec};

/// The manifest's file name inside the data directory.
pub const MANIFEST: &str = "manifest.json";
const FORMAT_VERSION: u32 = 1;

/// What can go wrong reading or writing the store. Every message names the file and the repair.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no data in {dir}: run `teamlens demo` to try the tool on simulated data, \
         `teamlens simulate --out {dir}`, `teamlens import PATH` for your own files, \
         or `teamlens fetch` for a source"
    )]
    NoData { dir: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The disk, a quota or a file-size limit ran out mid-write. Every write goes to a new file
    /// that the manifest names only once it is whole, so what was stored before is untouched.
    #[error(
        "{path}: {source}: the disk holding it is full (or a quota or file-size limit was \
         reached); nothing stored before this command was changed: free some space and run it \
         again"
    )]
    NoSpace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Lock(#[from] crate::dir_lock::LockError),
    /// `tables/` holds files but there is no manifest: a store whose manifest was deleted, or
    /// a folder of someone else's. A first commit would remove every file it does not name.
    #[error(
        "{dir} has a tables/ folder but no {MANIFEST}: either its manifest was lost (run \
         `teamlens fetch --repair` to set the tables aside and fetch again) or it is not a \
         teamlens data directory (give another --data-dir); nothing was changed"
    )]
    TablesWithoutManifest { dir: PathBuf },
    /// The manifest on disk is not the one this command read: another process wrote the
    /// data directory without taking its lock (an older teamlens, or a file system where
    /// locks do not hold). Nothing is written, so neither commit's rows are lost.
    #[error(
        "{path} was changed by another process while this command ran (a teamlens without \
         locking, or a file system that ignores locks); nothing was written: run the command \
         again"
    )]
    ChangedUnderneath { path: PathBuf },
    #[error(
        "{path}: the manifest cannot be read ({message}); the data directory is damaged: run \
         `teamlens fetch --repair` to set it aside and fetch every source again (data from \
         simulate or import must be made again with that command)"
    )]
    BadManifest { path: PathBuf, message: String },
    /// A file the manifest lists is missing, changed or unreadable. `path` is relative to the
    /// data directory, as the manifest names it, so the message reads the same wherever the
    /// directory is.
    #[error(
        "the data directory {dir} is damaged: {path} {problem}; run `teamlens fetch --repair` \
         to set the damaged file aside and refetch what it held"
    )]
    Damaged {
        dir: PathBuf,
        path: String,
        problem: Problem,
    },
    #[error("unknown table `{0}`")]
    UnknownTable(String),
    #[error("table `{table}`: {message}")]
    Schema { table: String, message: String },
    #[error("{context}: {source}")]
    Polars {
        context: String,
        #[source]
        source: PolarsError,
    },
}

/// What is wrong with a file the manifest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    /// The file's size is not the size the manifest records.
    Size {
        listed: u64,
        found: u64,
    },
    /// Same size, different SHA-256: corrupted on disk, or changed outside teamlens.
    Checksum,
    /// The checksum matches but the row count does not: the manifest itself was changed.
    Rows {
        listed: usize,
        found: usize,
    },
    /// The checksum matches but the Parquet footer cannot be read.
    Unreadable(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Missing => write!(f, "is listed in the manifest but missing"),
            Problem::Size { listed, found } => write!(
                f,
                "is {found} bytes where the manifest says {listed} (truncated or corrupted)"
            ),
            Problem::Checksum => write!(
                f,
                "fails its checksum (corrupted on disk, or changed outside teamlens)"
            ),
            Problem::Rows { listed, found } => write!(
                f,
                "holds {found} rows where the manifest says {listed} (the manifest disagrees \
                 with the file)"
            ),
            Problem::Unreadable(message) => write!(f, "cannot be read as Parquet ({message})"),
        }
    }
}

/// One damaged file: which table, which month partition, what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    pub table: String,
    pub file: FileEntry,
    pub problem: Problem,
}

impl Damage {
    /// The month partition the file belongs to (`None`: the table is not partitioned, or the
    /// rows had no time, so the file may hold rows of any month).
    pub fn month(&self) -> Option<crate::period::Month> {
        match self.file.partition() {
            Partition::Month(month) => Some(month),
            Partition::Whole | Partition::Unknown => None,
        }
    }
}

/// Where a file's rows lie in time, by the directory it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// A table without a time column: the file may hold rows of any time.
    Whole,
    /// The rows whose partition column (`model::TableSpec::partition_by`) falls in this month.
    Month(crate::period::Month),
    /// The rows whose partition column is empty (`month=unknown`).
    Unknown,
}

impl FileEntry {
    /// The partition the file belongs to, read from its path.
    pub fn partition(&self) -> Partition {
        match parent_dir(&self.path).rsplit_once("month=") {
            None => Partition::Whole,
            Some((_, month)) => month.parse().map_or(Partition::Unknown, Partition::Month),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::from_io(path, source)
}

impl StoreError {
    /// An I/O error on `path`: [`StoreError::NoSpace`] when space ran out, so the message says
    /// what to do, else [`StoreError::Io`].
    pub fn from_io(path: &Path, source: std::io::Error) -> StoreError {
        let path = path.to_path_buf();
        if is_out_of_space(&source) {
            StoreError::NoSpace { path, source }
        } else {
            StoreError::Io { path, source }
        }
    }
}

/// True when a write failed for want of space: a full disk (ENOSPC), a quota (EDQUOT) or a
/// file-size limit (EFBIG).
pub fn is_out_of_space(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
    matches!(error.kind(), StorageFull | FileTooLarge | QuotaExceeded)
}

fn polars_error(context: impl Into<String>) -> impl FnOnce(PolarsError) -> StoreError {
    let context = context.into();
    move |source| StoreError::Polars { context, source }
}

/// One Parquet file of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the data directory, with `/` separators.
    pub path: String,
    pub rows: usize,
    pub bytes: u64,
    pub sha256: String,
    /// The distinct values of the file's `source` column: which sources a repair must refetch
    /// if the file is lost. Empty for tables without that column and for manifests written
    /// before it was recorded, which a repair treats as "any source".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// The files of one table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub rows: usize,
    pub files: Vec<FileEntry>,
}

/// The manifest: which files make up each table, and per-source sync state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub written_at: DateTime<Utc>,
    pub tables: BTreeMap<String, TableEntry>,
    /// Free-form per-source state (sync cursors, what a dataset was made from).
    #[serde(default)]
    pub sources: BTreeMap<String, serde_json::Value>,
}

impl Manifest {
    fn empty() -> Self {
        Manifest {
            format: FORMAT_VERSION,
            written_at: Utc::now(),
            tables: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    /// Rows stored for a table (0 when it has never been written).
    pub fn rows(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, |t| t.rows)
    }
}

/// Rows to put in a table in place of the stored rows that `remove` matches (a null counts as
/// no match).
pub struct Replacement {
    pub table: &'static str,
    pub remove: Expr,
    pub rows: DataFrame,
}

/// A data directory, opened for reading or for writing.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    manifest: Manifest,
    /// The SHA-256 of `manifest.json` as this store last read or wrote it (`None`: there was
    /// none). A commit first checks that the file still has it: a compare-and-swap, so a
    /// commit never replaces rows that another commit added.
    manifest_sha256: Option<String>,
    access: Access,
    /// The files this store has verified whole (path and checksum), so that each is hashed
    /// once however often it is scanned: a window's read (`asof::window`) scans the partitions
    /// of the months before it two or three times (to find the rows still alive, then to read
    /// them), and hashing them again each time cost more than decoding the columns it reads.
    /// A file's name is its content's hash and no listed file is removed while the store is
    /// open (the readers' lock), so a file verified once stays as verified for the store's life.
    verified: std::sync::Mutex<BTreeSet<(String, String)>>,
}

/// How a [`Store`] was opened. Only a store opened with the data directory's write lock can
/// commit; a reader holds the readers' lock, so no writer removes a file its manifest names.
#[derive(Debug)]
enum Access {
    Read(#[allow(dead_code)] Option<ReadLock>),
    Write(#[allow(dead_code)] WriteLock),
}

/// Stack of each thread that merges one table (see `replace_tables`).
const MERGE_STACK_BYTES: usize = 64 * 1024 * 1024;

impl Store {
    /// Opens the data directory if it has a store, `None` if it has none yet: for what only
    /// reads the store when there is one (a dry run writes nothing, not even an empty store).
    pub fn open_if_any(root: impl Into<PathBuf>) -> Result<Option<Store>, StoreError> {
        match Store::open(root) {
            Ok(store) => Ok(Some(store)),
            Err(StoreError::NoData { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Opens an existing data directory for reading; [`StoreError::NoData`] when there is none
    /// yet. The readers' lock is taken before the manifest is read and kept while the store
    /// lives, so every file of that manifest stays on disk even while a writer commits.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store, StoreError> {
        let root = root.into();
        if !root.join(MANIFEST).exists() {
            return Err(StoreError::NoData { dir: root });
        }
        let read_lock = ReadLock::acquire(&root)?;
        let (manifest, manifest_sha256) = read_manifest(&root)?;
        Ok(Store {
            root,
            manifest,
            manifest_sha256: Some(manifest_sha256),
            access: Access::Read(read_lock),
            verified: Default::default(),
        })
    }

    /// Opens a data directory for writing under `lock` (its [`Resource::Store`] lock), creating
    /// an empty store if there is none. Files a killed or reader-blocked commit left unlisted
    /// are removed here when no reader is open.
    pub fn open_or_create(root: impl Into<PathBuf>, lock: &WriteLock) -> Result<Store, StoreError> {
        let root = root.into();
        if !lock.covers(&root, Resource::Store) {
            return Err(StoreError::Io {
                path: root,
                source: std::io::Error::other("internal: written without its lock"),
            });
        }
        let (manifest, manifest_sha256) = match read_manifest(&root) {
            Ok((manifest, sha)) => (manifest, Some(sha)),
            Err(StoreError::NoData { .. }) => {
                if dir_has_entries(&root.join("tables")) {
                    return Err(StoreError::TablesWithoutManifest { dir: root });
                }
                fs::create_dir_all(&root).map_err(io_error(&root))?;
                (Manifest::empty(), None)
            }
            Err(error) => return Err(error),
        };
        let store = Store {
            root,
            manifest,
            manifest_sha256,
            access: Access::Write(lock.clone()),
            verified: Default::default(),
        };
        store.remove_unlisted_files_if_unread()?;
        Ok(store)
    }

    /// Opens a data directory for `teamlens fetch --repair`. A manifest that cannot be read is
    /// moved with the tables to `damaged/` (nothing is deleted) and an empty store is returned,
    /// with `true`: every source must then be fetched again.
    pub fn open_for_repair(
        root: impl Into<PathBuf>,
        lock: &WriteLock,
    ) -> Result<(Store, bool), StoreError> {
        let root = root.into();
        match Store::open_or_create(&root, lock) {
            Err(StoreError::BadManifest { .. } | StoreError::TablesWithoutManifest { .. }) => {
                let aside = root.join(DAMAGED_DIR);
                fs::create_dir_all(&aside).map_err(io_error(&aside))?;
                for name in [MANIFEST, "tables"] {
                    let from = root.join(name);
                    if from.exists() {
                        let to = aside.join(name);
                        if to.exists() {
                            let old = aside.join(format!("{name}.{}", Utc::now().timestamp()));
                            fs::rename(&to, &old).map_err(io_error(&to))?;
                        }
                        fs::rename(&from, &to).map_err(io_error(&from))?;
                    }
                }
                Ok((Store::open_or_create(root, lock)?, true))
            }
            other => other.map(|store| (store, false)),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// True when no table holds a row.
    pub fn is_empty(&self) -> bool {
        self.manifest.tables.values().all(|t| t.rows == 0)
    }

    /// Replaces the given tables (others are kept) and records `source_state` under `source`, in
    /// one atomic commit.
    pub fn replace_tables(
        &mut self,
        frames: Vec<(&str, DataFrame)>,
        source: Option<(&str, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        self.write_manifest_first()?;
        let mut next = self.manifest.clone();
        for (name, frame) in frames {
            let spec =
                model::table_spec(name).ok_or_else(|| StoreError::UnknownTable(name.into()))?;
            let frame = conform(spec, frame)?;
            next.tables
                .insert(spec.name.to_string(), self.write_table_files(spec, frame)?);
        }
        if let Some((name, state)) = source {
            next.sources.insert(name.to_string(), state);
        }
        next.written_at = Utc::now();
        self.commit(next)
    }

    /// Replaces some rows of some tables, in one atomic commit: for each [`Replacement`], the
    /// stored rows it matches are dropped and its rows appended; the other tables and rows are
    /// kept. This is how an incremental fetch rewrites the PRs that changed without duplicating
    /// them. `source`'s state is recorded with the same commit, so a sync cursor never runs
    /// ahead of the data it describes.
    pub fn merge(
        &mut self,
        replacements: Vec<Replacement>,
        source: Option<(&str, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        self.write_manifest_first()?;
        let mut next = self.manifest.clone();
        // Tables are independent until the manifest names them all, so each is merged on a
        // thread of its own: a source's merge of several tables (git's four, each written as
        // one file per month, every one `fsync`ed) then waits for the disk once, not per table.
        let this = &*self;
        let merged: Vec<Result<(&str, TableEntry), StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = replacements
                .into_iter()
                .map(|replacement| {
                    // Polars plans recursively: a 2 MiB thread stack is too little for a merge
                    // plan in a debug build.
                    std::thread::Builder::new()
                        .stack_size(MERGE_STACK_BYTES)
                        .spawn_scoped(scope, move || {
                            let spec = model::table_spec(replacement.table).ok_or_else(|| {
                                StoreError::UnknownTable(replacement.table.into())
                            })?;
                            let rows = conform(spec, replacement.rows)?;
                            let remove = replacement.remove.fill_null(lit(false));
                            Ok((spec.name, this.merge_table(spec, remove, rows)?))
                        })
                        .map_err(|source| StoreError::Io {
                            path: this.root.clone(),
                            source,
                        })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle?
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p))
                })
                .collect()
        });
        for result in merged {
            let (name, entry) = result?;
            next.tables.insert(name.to_string(), entry);
        }
        if let Some((name, state)) = source {
            next.sources.insert(name.to_string(), state);
        }
        next.written_at = Utc::now();
        self.commit(next)
    }

    /// One table of a [`Store::merge`]: files none of whose rows `remove` matches are kept as
    /// they are (so a merge of a few rows into a large table writes a few rows, not the table);
    /// the others are rewritten without the removed rows, together with the new rows. When new
    /// rows go to a partition that has [`MAX_FILES_PER_PARTITION`] files already, all its files
    /// but the largest are compacted into one (so the big file of an unpartitioned table is not
    /// rewritten every few merges). Files stay in partition order; within a partition the
    /// kept files come before the rewritten one, which ends with the new rows.
    fn merge_table(
        &self,
        spec: &TableSpec,
        remove: Expr,
        rows: DataFrame,
    ) -> Result<TableEntry, StoreError> {
        let context = || polars_error(format!("merging rows into {}", spec.name));
        let files = self
            .manifest
            .tables
            .get(spec.name)
            .map(|t| t.files.clone())
            .unwrap_or_default();
        let new_partitions: BTreeSet<String> = partitions(spec, rows.clone())?
            .into_iter()
            .map(|(partition, _)| partition_dir(spec, partition.as_deref()))
            .collect();
        // Per partition: how many files, and the largest (which compaction leaves alone).
        let mut per_partition: BTreeMap<String, (usize, &FileEntry)> = BTreeMap::new();
        for file in &files {
            let entry = per_partition
                .entry(parent_dir(&file.path))
                .or_insert((0, file));
            entry.0 += 1;
            if file.rows > entry.1.rows {
                entry.1 = file;
            }
        }
        let compacted: BTreeSet<String> = files
            .iter()
            .filter(|f| {
                let dir = parent_dir(&f.path);
                per_partition.get(&dir).is_some_and(|(n, largest)| {
                    new_partitions.contains(&dir)
                        && *n >= MAX_FILES_PER_PARTITION
                        && largest.path != f.path
                })
            })
            .map(|f| f.path.clone())
            .collect();
        // One scan finds the files holding rows to remove.
        let touched: BTreeSet<String> = if files.is_empty() {
            BTreeSet::new()
        } else {
            let found = self
                .scan_files(spec, &files, Some("__file"))?
                .filter(remove.clone())
                .select([col("__file")])
                .unique(None, UniqueKeepStrategy::Any)
                .collect()
                .map_err(context())?;
            found
                .column("__file")
                .and_then(|c| c.str().cloned())
                .map_err(context())?
                .iter()
                .flatten()
                .map(str::to_string)
                .collect()
        };
        let (rewrite, kept): (Vec<FileEntry>, Vec<FileEntry>) = files.into_iter().partition(|f| {
            compacted.contains(&f.path)
                || touched.contains(self.root.join(&f.path).to_string_lossy().as_ref())
        });
        let mut rests: Vec<DataFrame> = Vec::new();
        if !rewrite.is_empty() {
            rests.push(
                self.scan_files(spec, &rewrite, None)?
                    .filter(remove.clone().not())
                    .collect()
                    .map_err(context())?,
            );
        }
        // Older rows first, then the new ones, as a whole-table rewrite would order them.
        let mut rewritten = model::empty_frame(spec);
        for rest in rests.iter().chain(std::iter::once(&rows)) {
            rewritten.vstack_mut(rest).map_err(context())?;
        }
        let written = self.write_table_files(spec, rewritten)?;
        let mut all: Vec<(usize, FileEntry)> = kept
            .into_iter()
            .map(|f| (0, f))
            .chain(written.files.into_iter().map(|f| (1, f)))
            .collect();
        all.sort_by(|a, b| {
            parent_dir(&a.1.path)
                .cmp(&parent_dir(&b.1.path))
                .then(a.0.cmp(&b.0))
        });
        let files: Vec<FileEntry> = all.into_iter().map(|(_, f)| f).collect();
        Ok(TableEntry {
            rows: files.iter().map(|f| f.rows).sum(),
            files,
        })
    }

    /// Writes a table's partitions as content-addressed files; returns their manifest entry.
    fn write_table_files(
        &self,
        spec: &TableSpec,
        frame: DataFrame,
    ) -> Result<TableEntry, StoreError> {
        let mut entry = TableEntry {
            rows: frame.height(),
            files: Vec::new(),
        };
        if frame.height() == 0 {
            return Ok(entry);
        }
        for (partition, mut part) in partitions(spec, frame)? {
            let mut bytes = Vec::new();
            ParquetWriter::new(&mut bytes)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(&mut part)
                .map_err(polars_error(format!("writing table {}", spec.name)))?;
            let sha256 = hex(&Sha256::digest(&bytes));
            let sources = distinct_sources(&part)?;
            let dir = partition_dir(spec, partition.as_deref());
            let relative = format!("{dir}/part-{}.parquet", &sha256[..16]);
            let path = self.root.join(&relative);
            if !path.exists() || file_sha256(&path)? != sha256 {
                write_atomically(&path, &bytes)?;
            }
            entry.files.push(FileEntry {
                path: relative,
                rows: part.height(),
                bytes: bytes.len() as u64,
                sha256,
                sources,
            });
        }
        Ok(entry)
    }

    /// Makes `next` the manifest (atomically), then removes files no longer listed when no
    /// reader is open. Only a store opened for writing commits, and only over the manifest it
    /// read: if the file changed since, nothing is written ([`StoreError::ChangedUnderneath`]).
    fn commit(&mut self, next: Manifest) -> Result<(), StoreError> {
        self.writer()?;
        let path = self.root.join(MANIFEST);
        let on_disk = match fs::read(&path) {
            Ok(bytes) => Some(sha256_hex(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_error(&path)(e)),
        };
        if on_disk != self.manifest_sha256 {
            return Err(StoreError::ChangedUnderneath { path });
        }
        let text = serde_json::to_vec_pretty(&next).map_err(|e| StoreError::BadManifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomically(&path, &text)?;
        self.manifest = next;
        self.manifest_sha256 = Some(sha256_hex(&text));
        self.remove_unlisted_files_if_unread()
    }

    /// A new store's first commit writes its (empty) manifest before any table file: a commit
    /// killed half-way then leaves a store with unlisted files, which the next writer removes,
    /// never a `tables/` folder without a manifest, which could as well be someone else's.
    fn write_manifest_first(&mut self) -> Result<(), StoreError> {
        self.writer()?;
        if self.manifest_sha256.is_none() {
            self.commit(self.manifest.clone())?;
        }
        Ok(())
    }

    /// A write on a store opened for reading is a mistake in teamlens, not in the input.
    fn writer(&self) -> Result<(), StoreError> {
        match self.access {
            Access::Write(_) => Ok(()),
            Access::Read(_) => Err(StoreError::Io {
                path: self.root.clone(),
                source: std::io::Error::other("internal: a store opened for reading was written"),
            }),
        }
    }

    fn remove_unlisted_files_if_unread(&self) -> Result<(), StoreError> {
        let removed = crate::dir_lock::when_no_reader(&self.root, || self.remove_unlisted_files())?;
        if !removed {
            tracing::debug!(
                "a reader is open: files the manifest no longer names stay until a later commit"
            );
        }
        Ok(())
    }

    fn remove_unlisted_files(&self) -> Result<(), StoreError> {
        let listed: std::collections::BTreeSet<PathBuf> = self
            .manifest
            .tables
            .values()
            .flat_map(|t| t.files.iter().map(|f| self.root.join(&f.path)))
            .collect();
        let tables_dir = self.root.join("tables");
        if !tables_dir.exists() {
            return Ok(());
        }
        let mut pending = vec![tables_dir];
        while let Some(dir) = pending.pop() {
            for item in fs::read_dir(&dir).map_err(io_error(&dir))? {
                let path = item.map_err(io_error(&dir))?.path();
                if path.is_dir() {
                    pending.push(path);
                } else if !listed.contains(&path) {
                    fs::remove_file(&path).map_err(io_error(&path))?;
                }
            }
        }
        Ok(())
    }

    /// Checks that every listed file exists with its recorded size, checksum and row count;
    /// the first damaged file is the error.
    pub fn verify(&self) -> Result<(), StoreError> {
        for table in self.manifest.tables.values() {
            for file in &table.files {
                self.verify_file(file)?;
            }
        }
        Ok(())
    }

    /// Every damaged file, table by table: what `teamlens fetch --repair` sets aside. Reads
    /// every file once.
    pub fn damage(&self) -> Result<Vec<Damage>, StoreError> {
        let mut found = Vec::new();
        for (table, entry) in &self.manifest.tables {
            for file in &entry.files {
                if let Some(problem) = self.check_file(file)? {
                    found.push(Damage {
                        table: table.clone(),
                        file: file.clone(),
                        problem,
                    });
                }
            }
        }
        Ok(found)
    }

    /// Drops damaged files from the manifest and records the sources' rewound sync state, in one
    /// atomic commit, so the data dropped and the marks that make a fetch read it again can
    /// never be out of step. The files are moved to `damaged/` under the data directory (kept
    /// for inspection, never deleted); every other file stays as it is.
    pub fn set_aside(
        &mut self,
        damage: &[Damage],
        sources: BTreeMap<String, serde_json::Value>,
    ) -> Result<(), StoreError> {
        self.writer()?;
        let dropped: BTreeSet<&str> = damage.iter().map(|d| d.file.path.as_str()).collect();
        // Linked (or, across file systems, copied) into damaged/ before the commit, and only
        // then left to the commit's removal of unlisted files: a commit that fails (a full
        // disk) leaves the manifest and every file it lists as they were.
        for path in &dropped {
            let from = self.root.join(path);
            if from.exists() {
                let to = self.root.join(DAMAGED_DIR).join(path);
                let dir = to.parent().unwrap_or(&self.root);
                fs::create_dir_all(dir).map_err(io_error(dir))?;
                if to.exists() {
                    fs::remove_file(&to).map_err(io_error(&to))?;
                }
                if fs::hard_link(&from, &to).is_err() {
                    fs::copy(&from, &to).map_err(io_error(&to))?;
                }
            }
        }
        let mut next = self.manifest.clone();
        for entry in next.tables.values_mut() {
            entry.files.retain(|f| !dropped.contains(f.path.as_str()));
            entry.rows = entry.files.iter().map(|f| f.rows).sum();
        }
        next.sources.extend(sources);
        next.written_at = Utc::now();
        self.commit(next)
    }

    /// The path of a listed file once it is known whole: checked the first time this store
    /// reads it ([`Store::check_file`]), taken as checked after that (see `verified`).
    fn verify_file(&self, file: &FileEntry) -> Result<PathBuf, StoreError> {
        let key = (file.path.clone(), file.sha256.clone());
        let path = self.root.join(&file.path);
        if self.verified().contains(&key) {
            return Ok(path);
        }
        match self.check_file(file)? {
            None => {
                self.verified().insert(key);
                Ok(path)
            }
            Some(problem) => Err(StoreError::Damaged {
                dir: self.root.clone(),
                path: file.path.clone(),
                problem,
            }),
        }
    }

    /// The files verified so far (a poisoned lock still holds a sound set: an insert either
    /// happened or did not).
    fn verified(&self) -> std::sync::MutexGuard<'_, BTreeSet<(String, String)>> {
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What is wrong with a listed file, if anything: existence, size, SHA-256, then the row
    /// count in its Parquet footer.
    fn check_file(&self, file: &FileEntry) -> Result<Option<Problem>, StoreError> {
        let path = self.root.join(&file.path);
        let metadata = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Some(Problem::Missing));
            }
            Err(e) => return Err(io_error(&path)(e)),
        };
        if metadata.len() != file.bytes {
            return Ok(Some(Problem::Size {
                listed: file.bytes,
                found: metadata.len(),
            }));
        }
        if file_sha256(&path)? != file.sha256 {
            return Ok(Some(Problem::Checksum));
        }
        let handle = File::open(&path).map_err(io_error(&path))?;
        match ParquetReader::new(handle).num_rows() {
            Ok(rows) if rows == file.rows => Ok(None),
            Ok(rows) => Ok(Some(Problem::Rows {
                listed: file.rows,
                found: rows,
            })),
            Err(e) => Ok(Some(Problem::Unreadable(e.to_string()))),
        }
    }

    /// A lazy scan of one table with its full schema, after verifying its files. A table never
    /// written scans as an empty frame, so queries over sources that lack it still run.
    pub fn scan(&self, table: &str) -> Result<LazyFrame, StoreError> {
        let spec =
            model::table_spec(table).ok_or_else(|| StoreError::UnknownTable(table.into()))?;
        let files = self
            .manifest
            .tables
            .get(table)
            .map(|t| t.files.as_slice())
            .unwrap_or_default();
        self.scan_files(spec, files, None)
    }

    /// The months any table has a partition of: the months the store holds.
    pub fn months(&self) -> BTreeSet<crate::period::Month> {
        self.manifest
            .tables
            .values()
            .flat_map(|t| &t.files)
            .filter_map(|f| match f.partition() {
                Partition::Month(month) => Some(month),
                Partition::Whole | Partition::Unknown => None,
            })
            .collect()
    }

    /// A lazy scan of the files of one table whose partition `pick` keeps, in the manifest's
    /// order (partition order), after verifying them; an empty frame with the table's schema
    /// when none is kept. What a window of months reads (`asof::window`): the months before it
    /// are scanned apart, with a filter that keeps only their rows still alive in it, and
    /// files of months it never needs are not opened at all, not even to verify them.
    pub fn scan_partitions(
        &self,
        table: &str,
        pick: impl Fn(Partition) -> bool,
    ) -> Result<LazyFrame, StoreError> {
        let spec =
            model::table_spec(table).ok_or_else(|| StoreError::UnknownTable(table.into()))?;
        let files: Vec<FileEntry> = self
            .manifest
            .tables
            .get(table)
            .map(|t| t.files.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|f| pick(f.partition()))
            .cloned()
            .collect();
        self.scan_files(spec, &files, None)
    }

    /// A lazy scan of some files of a table, after verifying them; with `file_column`, a column
    /// of that name holds the path each row was read from.
    fn scan_files(
        &self,
        spec: &TableSpec,
        files: &[FileEntry],
        file_column: Option<&str>,
    ) -> Result<LazyFrame, StoreError> {
        if files.is_empty() {
            return Ok(model::empty_frame(spec).lazy());
        }
        let watch = crate::measure::Stopwatch::start();
        let mut paths = Vec::with_capacity(files.len());
        for file in files {
            let path = self.verify_file(file)?;
            paths.push(PlRefPath::new(path.to_string_lossy().into_owned()));
        }
        tracing::debug!(
            table = spec.name,
            files = files.len(),
            seconds = watch.seconds(),
            "files verified"
        );
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(false),
                ..Default::default()
            },
            schema: Some(Arc::new((spec.schema)())),
            include_file_paths: file_column.map(PlSmallStr::from),
            // A column added to a table after a file was written (`commits.author_name`) reads
            // as nulls from that file, so a store written by an earlier version stays readable.
            // Required columns cannot be missing: every write goes through `conform`.
            allow_missing_columns: true,
            ..Default::default()
        };
        LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)
            .map_err(polars_error(format!("reading table {}", spec.name)))
    }

    /// Every table as the built-in analysis reads it: the tables of
    /// [`model::READ_REPEATEDLY`] read into memory once with their
    /// [`model::ANALYSIS_COLUMNS`] (after verifying their files), the others lazy scans with
    /// their full schema.
    ///
    /// Why: the metrics, detectors and report read the same few tables dozens of times, and
    /// over a lazy scan each read decompresses and decodes the Parquet pages again. Tables read
    /// once (some of them the largest) stay scans, so their projections and filters reach the
    /// Parquet reader and they are never held whole.
    pub fn analysis_tables(&self) -> Result<BTreeMap<&'static str, LazyFrame>, StoreError> {
        let mut tables = self.scan_all()?;
        for (table, columns) in model::ANALYSIS_COLUMNS {
            if !model::READ_REPEATEDLY.contains(table) {
                continue;
            }
            let Some(scan) = tables.get_mut(table) else {
                return Err(StoreError::UnknownTable((*table).into()));
            };
            let frame = scan
                .clone()
                .select(columns.iter().map(|c| col(*c)).collect::<Vec<_>>())
                .collect()
                .map_err(polars_error(format!("reading table {table}")))?;
            *scan = frame.lazy();
        }
        Ok(tables)
    }

    /// Every table as a lazy scan, keyed by name.
    pub fn scan_all(&self) -> Result<BTreeMap<&'static str, LazyFrame>, StoreError> {
        model::TABLES
            .iter()
            .map(|spec| Ok((spec.name, self.scan(spec.name)?)))
            .collect()
    }
}

/// Brings a frame to the table's exact schema: columns in order, types cast, missing optional
/// columns filled with nulls. Fails on a missing required column or an uncastable value.
pub fn conform(spec: &TableSpec, frame: DataFrame) -> Result<DataFrame, StoreError> {
    let schema = (spec.schema)();
    let height = frame.height();
    let mut columns = Vec::with_capacity(schema.len());
    for (name, dtype) in schema.iter() {
        let column = match frame.column(name) {
            Ok(column) if column.dtype() == dtype => column.clone(),
            Ok(column) => column.strict_cast(dtype).map_err(|e| StoreError::Schema {
                table: spec.name.into(),
                message: format!(
                    "column `{name}` has type {} and cannot become {dtype}: {e}",
                    column.dtype()
                ),
            })?,
            Err(_) if spec.required.contains(&name.as_str()) => {
                return Err(StoreError::Schema {
                    table: spec.name.into(),
                    message: format!("required column `{name}` is missing"),
                });
            }
            Err(_) => Column::full_null(name.clone(), height, dtype),
        };
        columns.push(column);
    }
    DataFrame::new(height, columns).map_err(polars_error(format!("table {}", spec.name)))
}

/// Splits a frame into month partitions of its partition column (rows with a null time go to
/// `month=unknown`), or returns it whole for unpartitioned tables. Deterministic order.
fn partitions(
    spec: &TableSpec,
    frame: DataFrame,
) -> Result<Vec<(Option<String>, DataFrame)>, StoreError> {
    let Some(column) = spec.partition_by else {
        return Ok(vec![(None, frame)]);
    };
    let context = format!("partitioning table {}", spec.name);
    let keyed = frame
        .lazy()
        .with_column(
            col(column)
                .dt()
                .strftime("%Y-%m")
                .fill_null(lit("unknown"))
                .alias("__month"),
        )
        .collect()
        .map_err(polars_error(context.clone()))?;
    let mut parts = keyed
        .partition_by_stable(["__month"], true)
        .map_err(polars_error(context.clone()))?;
    parts.sort_by_cached_key(month_of);
    parts
        .into_iter()
        .map(|part| {
            let month = month_of(&part);
            let part = part
                .drop("__month")
                .map_err(polars_error(context.clone()))?;
            Ok((Some(month), part))
        })
        .collect()
}

/// The distinct values of a frame's `source` column, sorted (empty when it has none).
fn distinct_sources(frame: &DataFrame) -> Result<Vec<String>, StoreError> {
    let Ok(column) = frame.column("source") else {
        return Ok(Vec::new());
    };
    let values = column
        .str()
        .map_err(polars_error("reading the source column"))?;
    let distinct: BTreeSet<String> = values.iter().flatten().map(str::to_string).collect();
    Ok(distinct.into_iter().collect())
}

/// Where `teamlens fetch --repair` moves damaged files (and an unreadable manifest), under the
/// data directory.
pub const DAMAGED_DIR: &str = "damaged";

/// A merge compacts a partition that would hold more files than this into one file.
pub const MAX_FILES_PER_PARTITION: usize = 4;

/// The directory a partition's files go to.
fn partition_dir(spec: &TableSpec, partition: Option<&str>) -> String {
    match partition {
        Some(month) => format!("tables/{}/month={month}", spec.name),
        None => format!("tables/{}", spec.name),
    }
}

/// The directory of a file's manifest path.
fn parent_dir(path: &str) -> String {
    path.rsplit_once('/')
        .map_or_else(String::new, |(dir, _)| dir.to_string())
}

fn month_of(part: &DataFrame) -> String {
    part.column("__month")
        .ok()
        .and_then(|c| c.str().ok().and_then(|s| s.get(0).map(str::to_owned)))
        .unwrap_or_else(|| "unknown".into())
}

/// Writes `bytes` to `path` so that a reader sees the old file or the whole new one, never part.
/// The file gets the permissions any new file gets (`0666` less the umask), like the report's:
/// a temporary file's owner-only mode would otherwise stay on every file of the store, the config
/// and the retro.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_with_mode(path, bytes, 0o666)
}

/// Creates a secret file (owner-only) unless one exists already: `Ok(false)` when another
/// process created it first, whose key must then be used, so two reports started together
/// never give one person two pseudonyms.
pub fn create_secret_once(path: &Path, bytes: &[u8]) -> Result<bool, StoreError> {
    let temp = temp_with_mode(path, bytes, 0o600)?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StoreError::from_io(path, e.error)),
    }
}

/// A temporary file beside `path` holding `bytes`, synced, with `mode` (less the umask).
fn temp_with_mode(
    path: &Path,
    bytes: &[u8],
    mode: u32,
) -> Result<tempfile::NamedTempFile, StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Given at creation, so the kernel applies the umask to it.
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut temp = builder.tempfile_in(dir).map_err(io_error(dir))?;
    temp.write_all(bytes).map_err(io_error(temp.path()))?;
    temp.as_file().sync_all().map_err(io_error(path))?;
    Ok(temp)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = temp_with_mode(path, bytes, mode)?;
    temp.persist(path)
        .map_err(|e| StoreError::from_io(path, e.error))?;
    // The rename is durable only once the directory entry is.
    if let Ok(dir_handle) = File::open(dir) {
        let _ = dir_handle.sync_all();
    }
    Ok(())
}

fn file_sha256(path: &Path) -> Result<String, StoreError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(io_error(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn dir_has_entries(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Reads and checks `manifest.json`, with the SHA-256 of its bytes for the commit's
/// compare-and-swap.
fn read_manifest(root: &Path) -> Result<(Manifest, String), StoreError> {
    let manifest_path = root.join(MANIFEST);
    let bytes = match fs::read(&manifest_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NoData {
                dir: root.to_path_buf(),
            });
        }
        Err(e) => return Err(io_error(&manifest_path)(e)),
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| StoreError::BadManifest {
            path: manifest_path.clone(),
            message: e.to_string(),
        })?;
    if manifest.format != FORMAT_VERSION {
        return Err(StoreError::BadManifest {
            path: manifest_path,
            message: format!(
                "format {} is not the format {FORMAT_VERSION} this teamlens writes",
                manifest.format
            ),
        });
    }
    Ok((manifest, sha256_hex(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_lock(dir: &Path) -> WriteLock {
        use crate::dir_lock::Wait;
        WriteLock::acquire(dir, Resource::Store, "test", Wait::No, |_| {}).unwrap()
    }
    use crate::model::{Review, Table};
    use chrono::TimeZone;

    #[cfg(unix)]
    #[test]
    fn written_files_get_the_usual_permissions_and_secrets_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |name: &str| {
            fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        // A plainly created file has what the umask gives: the same as an atomic write.
        File::create(dir.path().join("plain")).unwrap();
        write_atomically(&dir.path().join("atomic"), b"x").unwrap();
        write_atomically(&dir.path().join("atomic"), b"again").unwrap();
        assert_eq!(mode("atomic"), mode("plain"));
        assert!(create_secret_once(&dir.path().join("secret"), b"key").unwrap());
        assert_eq!(mode("secret"), 0o600);
        // A second creation keeps the first key.
        assert!(!create_secret_once(&dir.path().join("secret"), b"other").unwrap());
        assert_eq!(fs::read(dir.path().join("secret")).unwrap(), b"key");
        assert_eq!(fs::read(dir.path().join("atomic")).unwrap(), b"again");
    }

    fn reviews(n: usize) -> DataFrame {
        let rows = (0..n)
            .map(|i| Review {
                source: "test".into(),
                repo: "acme/api".into(),
                number: i as i64,
                reviewer: "dana".into(),
                reviewer_name: None,
                state: "approved".into(),
                submitted_at: Utc
                    .with_ymd_and_hms(2026, 9 + (i % 2) as u32, 3, 10, 0, 0)
                    .unwrap(),
                comment_count: Some(1),
            })
            .collect();
        Review::to_frame(rows).unwrap()
    }

    #[test]
    fn tables_round_trip_through_month_partitions() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(10))], None)
            .unwrap();

        let reopened = Store::open(dir.path()).unwrap();
        let entry = &reopened.manifest().tables["reviews"];
        assert_eq!(entry.rows, 10);
        assert_eq!(entry.files.len(), 2, "two months, two partitions");
        assert!(entry.files[0].path.contains("month=2026-09"));
        let frame = reopened
            .scan("reviews")
            .unwrap()
            .sort(["number"], Default::default())
            .collect()
            .unwrap();
        assert!(frame.equals_missing(&reviews(10)));
    }

    #[test]
    fn a_file_written_before_a_column_was_added_reads_it_as_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(1))], None)
            .unwrap();
        // Rewrite the file as an earlier version wrote it: without `reviewer_name`.
        let manifest_path = dir.path().join(MANIFEST);
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(&manifest_path).unwrap()).unwrap();
        let entry = &mut manifest["tables"]["reviews"]["files"][0];
        let path = dir.path().join(entry["path"].as_str().unwrap());
        let mut old = reviews(1).drop("reviewer_name").unwrap();
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(&mut old).unwrap();
        fs::write(&path, &bytes).unwrap();
        entry["bytes"] = bytes.len().into();
        entry["sha256"] = hex(&Sha256::digest(&bytes)).into();
        fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();

        let frame = Store::open(dir.path())
            .unwrap()
            .scan("reviews")
            .unwrap()
            .collect()
            .unwrap();
        assert_eq!(frame.height(), 1);
        assert_eq!(frame.column("reviewer_name").unwrap().null_count(), 1);
        assert_eq!(
            frame.column("reviewer").unwrap().str().unwrap().get(0),
            Some("dana")
        );
    }

    #[test]
    fn a_merge_rewrites_only_the_files_it_touches_and_compacts_crowded_partitions() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(10))], None)
            .unwrap();
        let september = store.manifest().tables["reviews"].files[0].clone();
        // Replace number 1 (October) and add number 11 (October): September is not rewritten.
        let replace = |store: &mut Store, numbers: &[i64]| {
            let listed = lit(Series::new("n".into(), numbers.to_vec())).implode(true);
            let rows = reviews(12)
                .lazy()
                .filter(col("number").is_in(listed.clone(), false))
                .collect();
            store
                .merge(
                    vec![Replacement {
                        table: "reviews",
                        remove: col("number").is_in(listed, false),
                        rows: rows.unwrap(),
                    }],
                    None,
                )
                .unwrap();
        };
        replace(&mut store, &[1, 11]);
        let entry = store.manifest().tables["reviews"].clone();
        assert_eq!(entry.rows, 11);
        assert_eq!(
            entry.files[0], september,
            "untouched partition kept as it was"
        );
        let numbers = |store: &Store| -> Vec<i64> {
            let frame = store
                .scan("reviews")
                .unwrap()
                .sort(["number"], Default::default())
                .collect()
                .unwrap();
            frame
                .column("number")
                .unwrap()
                .i64()
                .unwrap()
                .iter()
                .flatten()
                .collect()
        };
        assert_eq!(
            numbers(&store),
            (0..12).filter(|n| *n != 10).collect::<Vec<_>>()
        );
        // Adding to September without removing anything adds files, until the partition is
        // crowded and compacted.
        for n in [12, 14, 16, 18, 20, 22] {
            let mut rows = reviews(n + 1);
            rows = rows.slice(n as i64, 1);
            store
                .merge(
                    vec![Replacement {
                        table: "reviews",
                        remove: col("number").eq(lit(n as i64)),
                        rows,
                    }],
                    None,
                )
                .unwrap();
            let in_september = store.manifest().tables["reviews"]
                .files
                .iter()
                .filter(|f| f.path.contains("month=2026-09"))
                .count();
            assert!(in_september <= MAX_FILES_PER_PARTITION, "{in_september}");
        }
        assert_eq!(store.manifest().tables["reviews"].rows, 17);
        assert_eq!(numbers(&store).len(), 17);
        store.verify().unwrap();
    }

    #[test]
    fn an_unwritten_table_scans_empty_with_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        let frame = store.scan("issues").unwrap().collect().unwrap();
        assert_eq!(frame.height(), 0);
        assert_eq!(frame.schema().as_ref(), &crate::model::Issue::schema());
    }

    #[test]
    fn every_kind_of_damage_is_named_by_its_relative_path_with_the_repair() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(4))], None)
            .unwrap();
        let entry = store.manifest().tables["reviews"].files[0].clone();
        assert_eq!(entry.sources, vec!["test".to_string()]);
        let file = dir.path().join(&entry.path);
        let healthy = fs::read(&file).unwrap();
        let damaged_by = |bytes: Option<Vec<u8>>| {
            match &bytes {
                Some(bytes) => fs::write(&file, bytes).unwrap(),
                None => fs::remove_file(&file).unwrap(),
            }
            let error = Store::open(dir.path())
                .unwrap()
                .scan("reviews")
                .err()
                .unwrap();
            fs::write(&file, &healthy).unwrap();
            error
        };
        let mut flipped = healthy.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0xff;
        for (bytes, problem) in [
            (Some(flipped), Problem::Checksum),
            (
                Some(healthy[..healthy.len() / 2].to_vec()),
                Problem::Size {
                    listed: entry.bytes,
                    found: healthy.len() as u64 / 2,
                },
            ),
            (None, Problem::Missing),
        ] {
            let error = damaged_by(bytes);
            let text = error.to_string();
            assert!(
                matches!(&error, StoreError::Damaged { problem: p, .. } if *p == problem),
                "{error}"
            );
            assert!(text.contains(&entry.path), "{text}");
            assert!(text.contains("teamlens fetch --repair"), "{text}");
        }
        // A manifest that disagrees with a whole file: the row count it records is wrong.
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
        manifest["tables"]["reviews"]["files"][0]["rows"] = 99.into();
        fs::write(dir.path().join(MANIFEST), manifest.to_string()).unwrap();
        let damage = Store::open(dir.path()).unwrap().damage().unwrap();
        assert_eq!(damage.len(), 1);
        assert_eq!(
            damage[0].problem,
            Problem::Rows {
                listed: 99,
                found: entry.rows
            }
        );
        assert_eq!(damage[0].month(), Some("2026-09".parse().unwrap()));
    }

    #[test]
    fn a_file_is_verified_once_per_opened_store_and_again_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(4))], None)
            .unwrap();
        drop(store);
        let entry = Store::open(dir.path()).unwrap().manifest().tables["reviews"].files[0].clone();
        let file = dir.path().join(&entry.path);
        let reader = Store::open(dir.path()).unwrap();
        reader.scan("reviews").unwrap().collect().unwrap();
        // Flipped after the first scan: this store took it as whole already (a window's read
        // scans a partition several times and hashes it once); the next store checks again.
        let mut bytes = fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        fs::write(&file, &bytes).unwrap();
        assert!(reader.scan("reviews").is_ok());
        assert!(matches!(
            Store::open(dir.path()).unwrap().scan("reviews"),
            Err(StoreError::Damaged {
                problem: Problem::Checksum,
                ..
            })
        ));
    }

    #[test]
    fn setting_damage_aside_keeps_every_healthy_file_and_moves_the_damaged_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(10))], None)
            .unwrap();
        let files = store.manifest().tables["reviews"].files.clone();
        fs::write(dir.path().join(&files[0].path), b"not parquet").unwrap();
        let damage = store.damage().unwrap();
        assert_eq!(damage.len(), 1);
        let state = BTreeMap::from([("test".to_string(), serde_json::json!({"mark": 1}))]);
        store.set_aside(&damage, state).unwrap();

        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(reopened.manifest().tables["reviews"].files, files[1..]);
        assert_eq!(reopened.manifest().rows("reviews"), files[1].rows);
        assert_eq!(reopened.manifest().sources["test"]["mark"], 1);
        reopened.verify().unwrap();
        let aside = dir.path().join(DAMAGED_DIR).join(&files[0].path);
        assert_eq!(fs::read(aside).unwrap(), b"not parquet");
    }

    #[test]
    fn a_commit_over_a_manifest_changed_underneath_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let lock = write_lock(dir.path());
        let mut first = Store::open_or_create(dir.path(), &lock).unwrap();
        first
            .replace_tables(vec![("reviews", reviews(2))], None)
            .unwrap();
        // A second writer that ignored the lock (as on a file system without locks).
        let mut second = Store::open_or_create(dir.path(), &lock).unwrap();
        second
            .replace_tables(vec![("reviews", reviews(5))], None)
            .unwrap();
        let before = fs::read(dir.path().join(MANIFEST)).unwrap();
        let error = first
            .replace_tables(vec![("reviews", reviews(3))], None)
            .unwrap_err();
        assert!(
            matches!(error, StoreError::ChangedUnderneath { .. }),
            "{error}"
        );
        assert_eq!(fs::read(dir.path().join(MANIFEST)).unwrap(), before);
        Store::open(dir.path()).unwrap().verify().unwrap();
    }

    #[test]
    fn an_open_reader_keeps_the_files_of_the_manifest_it_read() {
        let dir = tempfile::tempdir().unwrap();
        let lock = write_lock(dir.path());
        let mut writer = Store::open_or_create(dir.path(), &lock).unwrap();
        writer
            .replace_tables(vec![("reviews", reviews(2))], None)
            .unwrap();
        let reader = Store::open(dir.path()).unwrap();
        writer
            .replace_tables(vec![("reviews", reviews(7))], None)
            .unwrap();
        // The old file is still there for the reader, which reads its own manifest whole.
        let rows = reader.scan("reviews").unwrap().collect().unwrap().height();
        assert_eq!(rows, 2);
        drop(reader);
        // Once no reader is open, the next writer removes what no manifest names.
        drop(writer);
        let files = |dir: &Path| {
            let mut n = 0;
            let mut pending = vec![dir.join("tables")];
            while let Some(d) = pending.pop() {
                for e in fs::read_dir(d).unwrap().flatten() {
                    if e.path().is_dir() {
                        pending.push(e.path())
                    } else {
                        n += 1
                    }
                }
            }
            n
        };
        let listed = |store: &Store| store.manifest().tables["reviews"].files.len();
        let kept = files(dir.path());
        let store = Store::open_or_create(dir.path(), &lock).unwrap();
        assert!(
            kept > listed(&store),
            "{kept} files, {} listed",
            listed(&store)
        );
        assert_eq!(files(dir.path()), listed(&store));
    }

    #[test]
    fn tables_without_a_manifest_are_never_taken_for_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("tables/reviews")).unwrap();
        fs::write(dir.path().join("tables/reviews/mine.parquet"), b"x").unwrap();
        let lock = write_lock(dir.path());
        let error = Store::open_or_create(dir.path(), &lock).unwrap_err();
        assert!(error.to_string().contains("--repair"), "{error}");
        assert!(dir.path().join("tables/reviews/mine.parquet").exists());
        let (_, lost) = Store::open_for_repair(dir.path(), &lock).unwrap();
        assert!(lost);
        assert!(
            dir.path()
                .join(DAMAGED_DIR)
                .join("tables/reviews/mine.parquet")
                .exists()
        );
    }

    #[test]
    fn an_unreadable_manifest_is_set_aside_for_a_repair() {
        let dir = tempfile::tempdir().unwrap();
        let lock = write_lock(dir.path());
        let mut store = Store::open_or_create(dir.path(), &lock).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(2))], None)
            .unwrap();
        fs::write(dir.path().join(MANIFEST), b"{ truncated").unwrap();
        let error = Store::open(dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("teamlens fetch --repair"),
            "{error}"
        );
        let (store, lost) = Store::open_for_repair(dir.path(), &lock).unwrap();
        assert!(lost && store.is_empty());
        assert!(dir.path().join(DAMAGED_DIR).join(MANIFEST).exists());
        assert!(dir.path().join(DAMAGED_DIR).join("tables/reviews").exists());
    }

    #[test]
    fn replacing_a_table_removes_its_old_files_and_keeps_others() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_or_create(dir.path(), &write_lock(dir.path())).unwrap();
        store
            .replace_tables(vec![("reviews", reviews(4))], None)
            .unwrap();
        let people = model::empty_frame(model::table_spec("people").unwrap());
        store
            .replace_tables(vec![("people", people)], None)
            .unwrap();
        assert_eq!(store.manifest().rows("reviews"), 4);
        store
            .replace_tables(vec![("reviews", reviews(1))], None)
            .unwrap();
        let files: Vec<_> = walk(&dir.path().join("tables"));
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(
            Store::open(dir.path()).unwrap().manifest().rows("reviews"),
            1
        );
    }

    #[test]
    fn a_missing_required_column_is_a_schema_error() {
        let frame = reviews(2).drop("reviewer").unwrap();
        let spec = model::table_spec("reviews").unwrap();
        let error = conform(spec, frame).unwrap_err();
        assert!(error.to_string().contains("`reviewer`"), "{error}");
    }

    #[test]
    fn a_directory_without_a_manifest_says_how_to_get_data() {
        let dir = tempfile::tempdir().unwrap();
        let error = Store::open(dir.path()).unwrap_err();
        assert!(error.to_string().contains("teamlens demo"), "{error}");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for item in fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
        found
    }
}
