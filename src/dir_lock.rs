//! One writer at a time in a data directory, and readers that never see a half-old,
//! half-new store.
//!
//! Two commands writing one data directory at once (a scheduled fetch and a manual one, an
//! import beside a fetch) used to both succeed, and the later manifest replaced the earlier
//! one's rows without a word. Every command that changes the directory now holds an exclusive
//! OS file lock (`flock`) on `locks/<what>.lock` while it works. The kernel releases it when the
//! process ends, however it ends, so a `kill -9` leaves no stale lock to clean up by hand. The
//! holder writes who it is (command, pid, since when) into the lock file, so a second writer
//! can say whom it waits for.
//!
//! What is locked is named by [`Resource`]: the store (manifest, tables, staging) is one, the
//! retro's kept state another, so a retro does not wait for an hour-long fetch.
//!
//! Readers take a *shared* lock on `locks/readers.lock` before they read the manifest and keep
//! it until they are done. A writer removes the files its commit made unnecessary only when it
//! can take that lock exclusively, that is when no reader is open; otherwise the files stay
//! until a later commit finds no reader. A reader therefore always finds every file of the
//! manifest it read.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The folder of the lock files inside the data directory.
pub const LOCK_DIR: &str = "locks";
const READERS: &str = "readers.lock";

/// What a writer locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The manifest, the tables and the staging folders.
    Store,
    /// `retro_state.json`, which each retro reads and then replaces.
    RetroState,
}

impl Resource {
    fn file_name(self) -> &'static str {
        match self {
            Resource::Store => "store.lock",
            Resource::RetroState => "retro.lock",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Resource::Store => "the store",
            Resource::RetroState => "the retro's kept state",
        }
    }
}

/// Whether a second writer waits for the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Block until the holder is done (the default).
    Block,
    /// Fail at once (`--no-wait`).
    No,
}

/// Who holds a lock, as the holder wrote it into the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub command: String,
    pub pid: u32,
    pub since: DateTime<Utc>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` (pid {}) since {}",
            self.command,
            self.pid,
            self.since.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{dir} is being written by another teamlens: {holder} holds {what}; wait for it to \
         finish, or run without --no-wait to wait for it"
    )]
    Held {
        dir: PathBuf,
        what: &'static str,
        holder: HolderText,
    },
    #[error("{path}: cannot lock the data directory: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A holder as far as it could be read: a process that has just taken the lock may not have
/// written its name yet.
#[derive(Debug)]
pub struct HolderText(pub Option<Holder>);

impl std::fmt::Display for HolderText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(holder) => holder.fmt(f),
            None => write!(f, "a process that has not said which"),
        }
    }
}

/// An exclusive lock on one [`Resource`] of a data directory, released when the last clone is
/// dropped (or the process ends).
#[derive(Debug, Clone)]
pub struct WriteLock {
    inner: Arc<Held>,
}

#[derive(Debug)]
struct Held {
    dir: PathBuf,
    resource: Resource,
    _file: File,
}

impl WriteLock {
    /// Takes the lock on `resource` of the data directory `dir` (created if missing) for
    /// `command`. When another process holds it, `on_wait` is told who, once, and then this
    /// waits ([`Wait::Block`]) or fails with [`LockError::Held`] ([`Wait::No`]).
    pub fn acquire(
        dir: &Path,
        resource: Resource,
        command: &str,
        wait: Wait,
        on_wait: impl FnOnce(&str),
    ) -> Result<WriteLock, LockError> {
        let path = lock_dir(dir)?.join(resource.file_name());
        let mut file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = HolderText(read_holder(&mut file));
                if wait == Wait::No {
                    return Err(LockError::Held {
                        dir: dir.to_path_buf(),
                        what: resource.what(),
                        holder,
                    });
                }
                on_wait(&format!(
                    "waiting for {}: {holder} holds {} (--no-wait gives up at once)",
                    dir.display(),
                    resource.what()
                ));
                file.lock().map_err(io_error(&path))?;
            }
            Err(TryLockError::Error(source)) => return Err(LockError::Io { path, source }),
        }
        let holder = Holder {
            command: command.to_string(),
            pid: std::process::id(),
            since: Utc::now(),
        };
        write_holder(&mut file, &holder).map_err(io_error(&path))?;
        Ok(WriteLock {
            inner: Arc::new(Held {
                dir: dir.to_path_buf(),
                resource,
                _file: file,
            }),
        })
    }

    /// True when this lock is `resource` of the data directory `dir`.
    pub fn covers(&self, dir: &Path, resource: Resource) -> bool {
        self.inner.resource == resource && same_dir(&self.inner.dir, dir)
    }
}

/// The write lock a command will need, taken the first time it writes: a command that fails
/// on its input first (a missing token, a bad path) neither waits nor creates the data
/// directory. Held until the command ends.
pub struct LazyWriteLock {
    dir: PathBuf,
    resource: Resource,
    command: String,
    wait: Wait,
    taken: std::sync::Mutex<Option<WriteLock>>,
}

impl LazyWriteLock {
    pub fn new(dir: &Path, resource: Resource, command: &str, wait: Wait) -> LazyWriteLock {
        LazyWriteLock {
            dir: dir.to_path_buf(),
            resource,
            command: command.to_string(),
            wait,
            taken: std::sync::Mutex::new(None),
        }
    }

    /// The lock, taken now if it was not yet; a wait is announced as a warning.
    pub fn get(&self) -> Result<WriteLock, LockError> {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = &*taken {
            return Ok(lock.clone());
        }
        let lock = WriteLock::acquire(
            &self.dir,
            self.resource,
            &self.command,
            self.wait,
            |message| tracing::warn!("{message}"),
        )?;
        *taken = Some(lock.clone());
        Ok(lock)
    }
}

/// A reader's shared lock: while any is held, no writer removes a file a manifest named.
#[derive(Debug)]
pub struct ReadLock {
    _file: File,
}

impl ReadLock {
    /// Takes the shared readers' lock of `dir`. Blocks only while a writer removes unlisted
    /// files, which takes milliseconds. A directory that does not exist (or cannot be written,
    /// such as a store on a read-only medium) has no writer to guard against, so `None`.
    pub fn acquire(dir: &Path) -> Result<Option<ReadLock>, LockError> {
        let locks = dir.join(LOCK_DIR);
        if !dir.is_dir() {
            return Ok(None);
        }
        if std::fs::create_dir_all(&locks).is_err() {
            return Ok(None);
        }
        let path = locks.join(READERS);
        let Ok(file) = open_lock_file(&path) else {
            return Ok(None);
        };
        file.lock_shared().map_err(io_error(&path))?;
        Ok(Some(ReadLock { _file: file }))
    }
}

/// Runs `clean` only if no reader holds the readers' lock of `dir`; returns whether it ran.
/// Only a writer calls this, after its commit, to remove what the new manifest no longer names.
pub fn when_no_reader<E>(dir: &Path, clean: impl FnOnce() -> Result<(), E>) -> Result<bool, E> {
    let path = dir.join(LOCK_DIR).join(READERS);
    let Ok(file) = lock_dir(dir).and_then(|_| open_lock_file(&path)) else {
        return Ok(false);
    };
    match file.try_lock() {
        Ok(()) => {
            clean()?;
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

fn lock_dir(dir: &Path) -> Result<PathBuf, LockError> {
    let locks = dir.join(LOCK_DIR);
    std::fs::create_dir_all(&locks).map_err(io_error(&locks))?;
    Ok(locks)
}

fn open_lock_file(path: &Path) -> Result<File, LockError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io_error(path))
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

fn write_holder(file: &mut File, holder: &Holder) -> std::io::Result<()> {
    let text = serde_json::to_string(holder).map_err(std::io::Error::other)?;
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LockError + '_ {
    move |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first =
            WriteLock::acquire(dir.path(), Resource::Store, "fetch git", Wait::No, |_| {}).unwrap();
        let error = WriteLock::acquire(dir.path(), Resource::Store, "import", Wait::No, |_| {})
            .unwrap_err()
            .to_string();
        assert!(error.contains("`fetch git`"), "{error}");
        assert!(
            error.contains(&format!("pid {}", std::process::id())),
            "{error}"
        );
        // Another resource is not held.
        WriteLock::acquire(dir.path(), Resource::RetroState, "retro", Wait::No, |_| {}).unwrap();
        drop(first);
        WriteLock::acquire(dir.path(), Resource::Store, "import", Wait::No, |_| {}).unwrap();
    }

    #[test]
    fn a_waiting_writer_goes_on_when_the_holder_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let first =
            WriteLock::acquire(dir.path(), Resource::Store, "fetch", Wait::Block, |_| {}).unwrap();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let mut told = String::new();
            WriteLock::acquire(&path, Resource::Store, "import", Wait::Block, |m| {
                told = m.to_string()
            })
            .unwrap();
            told
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(first);
        let told = waiter.join().unwrap();
        assert!(told.contains("`fetch`"), "{told}");
    }

    #[test]
    fn cleaning_waits_for_no_reader() {
        let dir = tempfile::tempdir().unwrap();
        let reader = ReadLock::acquire(dir.path()).unwrap();
        assert!(reader.is_some());
        assert!(!when_no_reader::<()>(dir.path(), || Ok(())).unwrap());
        drop(reader);
        assert!(when_no_reader::<()>(dir.path(), || Ok(())).unwrap());
    }
}
