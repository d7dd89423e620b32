//! The sync lock: an advisory file lock beside the database, held by the one process that runs
//! syncs and queued sync jobs (`sync`, `sync --watch`, `serve`). The kernel drops it when the
//! process dies, so a killed run never leaves it stuck.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

pub struct SyncLock {
    _file: File,
    path: PathBuf,
}

pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".sync.lock");
    db.with_file_name(name)
}

impl SyncLock {
    /// Take the lock or fail at once with exit 75.
    pub fn try_acquire(db: &Path) -> Result<SyncLock> {
        let path = lock_path(db);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(SyncLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::locked(format!(
                "another vdt process is syncing {} (lock {})",
                db.display(),
                path.display()
            ))
            .with_hint("a `vdt sync --watch` or `vdt serve` holds it; try again later")),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::io(format!("cannot lock {}", path.display()), e))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
