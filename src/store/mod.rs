//! The SQLite store: opening with the durability pragmas, embedded refinery migrations with a
//! backup before any that touch data, online backup and checked restore. Every SQL statement of
//! the project lives under this module, so another backend can be added behind it.

pub mod alerts;
pub mod api;
pub mod checkpoint;
pub mod collections;
pub mod health;
pub mod metrics;
pub mod prune;
pub mod sync;
pub mod traces;
pub mod webhooks;

use crate::config::Synchronous;
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The size the write-ahead log file is cut back to (`PRAGMA journal_size_limit`).
pub const JOURNAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// How long a writer waits for another process's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Options for opening the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub synchronous: Synchronous,
    /// How many pre-migration backups to keep.
    pub keep_backups: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            synchronous: Synchronous::Normal,
            keep_backups: 5,
        }
    }
}

/// An open database connection.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The current time as the store writes it: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    ts(chrono::Utc::now())
}

pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Collection ids as Firestore allows them, minus what would confuse paths.
pub fn check_collection_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() || name.len() > 1500 {
        return Err("a collection name must be 1 to 1500 bytes".into());
    }
    if name.contains('/') || name == "." || name == ".." || name.starts_with("__") {
        return Err(format!(
            "{name:?} is not a collection id (no '/', not '.' or '..', not starting with '__')"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("{name:?} holds control characters"));
    }
    Ok(())
}

/// What `db status` reports.
#[derive(Debug, Serialize)]
pub struct DbStatus {
    pub db_path: String,
    pub schema_version: Option<i32>,
    pub applied: Vec<MigrationInfo>,
    pub pending: Vec<MigrationInfo>,
    pub integrity: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct MigrationInfo {
    pub version: i32,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_on: Option<String>,
}

fn sqlite_ctx(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| {
        let what = e.to_string();
        Error::Internal(format!("{}: {what}", path.display()))
    }
}

impl Store {
    /// Open the database, creating it and its directory if needed, and apply pending
    /// migrations (after a backup when the database already holds data).
    pub fn open(path: &Path, opts: &StoreOptions) -> Result<Store> {
        let mut store = Store::open_unmigrated(path, opts)?;
        store.migrate(opts, None)?;
        Ok(store)
    }

    /// Open without migrating: for `db status` and the health check, which report what is
    /// pending instead of applying it.
    pub fn open_unmigrated(path: &Path, opts: &StoreOptions) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let conn = Connection::open(path).map_err(sqlite_ctx(path))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure(opts.synchronous)?;
        Ok(store)
    }

    /// Open an existing file read-only, never creating it.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(Error::failed(format!("{} does not exist", path.display())));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_ctx(path))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn configure(&self, sync: Synchronous) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets readers run beside the one writer; NORMAL in WAL keeps every committed
        // transaction across a killed process, FULL adds power-loss durability.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(sqlite_ctx(&self.path))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %self.path.display(), mode, "database is not in WAL mode");
        }
        // A burst of writes can grow the WAL far beyond its steady size while checkpoints
        // catch up; without a limit the file keeps that size for good. Truncate it back to
        // 64 MiB after each checkpoint that finds it larger.
        self.conn
            .query_row(
                &format!("PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sqlite_ctx(&self.path))?;
        let sync = match sync {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        self.conn.execute_batch(&format!(
            "PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
        ))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn migration_list() -> Vec<MigrationInfo> {
        let mut all: Vec<MigrationInfo> = embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| MigrationInfo {
                version: m.version(),
                name: m.name().to_owned(),
                applied_on: None,
            })
            .collect();
        all.sort_by_key(|m| m.version);
        all
    }

    /// The newest schema version this binary knows.
    pub fn latest_version() -> i32 {
        Self::migration_list().last().map_or(0, |m| m.version)
    }

    fn applied(&self) -> Result<Vec<MigrationInfo>> {
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type='table' AND name='refinery_schema_history')",
            [],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(
            "SELECT version, name, applied_on FROM refinery_schema_history ORDER BY version",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(MigrationInfo {
                version: r.get(0)?,
                name: r.get(1)?,
                applied_on: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Migrations not yet applied.
    pub fn pending(&self) -> Result<Vec<MigrationInfo>> {
        let applied = self.applied()?;
        Ok(Self::migration_list()
            .into_iter()
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .collect())
    }

    fn holds_data(&self) -> Result<bool> {
        let tables: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for t in tables {
            let any: bool = self.conn.query_row(
                &format!(
                    "SELECT EXISTS(SELECT 1 FROM \"{}\")",
                    t.replace('"', "\"\"")
                ),
                [],
                |r| r.get(0),
            )?;
            if any {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Apply pending migrations up to `target` (all when `None`). Returns the backup taken, if any.
    pub fn migrate(&mut self, opts: &StoreOptions, target: Option<i32>) -> Result<Option<PathBuf>> {
        let pending: Vec<_> = self
            .pending()?
            .into_iter()
            .filter(|m| target.is_none_or(|t| m.version <= t))
            .collect();
        if pending.is_empty() {
            return Ok(None);
        }
        let applied = self.applied()?;
        if let Some(newest) = applied.last()
            && newest.version > Self::latest_version()
        {
            return Err(Error::failed(format!(
                "{} has schema version {}, newer than this vdt knows ({})",
                self.path.display(),
                newest.version,
                Self::latest_version()
            ))
            .with_hint("upgrade vdt, or restore an older backup with `vdt db restore`"));
        }
        let backup = if self.holds_data()? {
            let from = applied.last().map_or(0, |m| m.version);
            let dest = self.backup_dir().join(format!(
                "vdt-{}-v{from}-pre-migrate.sqlite3",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
            ));
            self.backup_to(&dest)?;
            tracing::info!(backup = %dest.display(), "backed up database before migrating");
            self.prune_backups(opts.keep_backups)?;
            Some(dest)
        } else {
            None
        };
        let mut runner = embedded::migrations::runner();
        if let Some(t) = target {
            runner = runner.set_target(refinery::Target::Version(t));
        }
        runner.run(&mut self.conn)?;
        Ok(backup)
    }

    /// `backups/` beside the database file.
    pub fn backup_dir(&self) -> PathBuf {
        backup_dir_for(&self.path)
    }

    /// Copy the live database to `dest` with SQLite's online backup API.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        if dest.exists() {
            return Err(Error::failed(format!(
                "{} exists; choose another path",
                dest.display()
            )));
        }
        let tmp = dest.with_extension("partial");
        let _ = std::fs::remove_file(&tmp);
        {
            let mut out = Connection::open(&tmp)?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
            backup.run_to_completion(256, Duration::from_millis(5), None)?;
        }
        std::fs::rename(&tmp, dest)
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
        Ok(())
    }

    /// Keep the newest `keep` backups in `backups/`; returns how many were removed.
    pub fn prune_backups(&self, keep: u32) -> Result<usize> {
        let dir = self.backup_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(0);
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "sqlite3"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort_by(|a, b| b.cmp(a));
        let mut removed = 0;
        for (_, p) in files.into_iter().skip(keep as usize) {
            if std::fs::remove_file(&p).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn integrity(&self) -> Result<String> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(lines.join("; "))
    }

    pub fn status(&self) -> Result<DbStatus> {
        let applied = self.applied()?;
        Ok(DbStatus {
            db_path: self.path.display().to_string(),
            schema_version: applied.last().map(|m| m.version),
            pending: self.pending()?,
            applied,
            integrity: self.integrity()?,
        })
    }

    /// Replace the live database with `src` after checking it: integrity ok and a schema this
    /// binary recognises. The replaced database is backed up first; returns that backup.
    pub fn restore_from(&mut self, src: &Path, opts: &StoreOptions) -> Result<PathBuf> {
        check_restorable(src)?;
        let keep = self.backup_dir().join(format!(
            "vdt-{}-pre-restore.sqlite3",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        self.backup_to(&keep)?;
        self.conn.restore(
            rusqlite::MAIN_DB,
            src,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        self.configure(opts.synchronous)?;
        self.migrate(opts, None)?;
        Ok(keep)
    }

    /// Run `f` in one IMMEDIATE transaction (takes the write lock at once, so concurrent
    /// writers queue on busy_timeout instead of failing mid-transaction).
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Run `f`'s reads against one snapshot of the database (a deferred read transaction), so
    /// reads of several tables agree although writers commit meanwhile. Inside a transaction
    /// already, `f` simply runs in it.
    pub fn read_snapshot<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f();
        }
        let tx = self.conn.unchecked_transaction()?;
        let out = f()?;
        tx.commit()?;
        Ok(out)
    }
}

pub fn backup_dir_for(db: &Path) -> PathBuf {
    db.parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("backups")
}

/// Refuse a restore source that is corrupt, not SQLite, or not a vdt database.
fn check_restorable(src: &Path) -> Result<()> {
    let refuse = |why: String| {
        Error::failed(format!("refusing to restore {}: {why}", src.display()))
            .with_hint("the live database was not changed")
    };
    let store = Store::open_read_only(src).map_err(|e| refuse(e.to_string()))?;
    let integrity = store
        .integrity()
        .map_err(|e| refuse(format!("not a readable SQLite database ({e})")))?;
    if integrity != "ok" {
        return Err(refuse(format!("integrity check failed: {integrity}")));
    }
    let has = |t: &str| -> Result<bool> {
        Ok(store
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1",
                [t],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    };
    let recognised =
        has("refinery_schema_history").unwrap_or(false) && has("live_data_config").unwrap_or(false);
    if !recognised {
        return Err(refuse("not a vdt database (no vdt schema found)".into()));
    }
    let version = store
        .applied()
        .map_err(|e| refuse(e.to_string()))?
        .last()
        .map_or(0, |m| m.version);
    if version > Store::latest_version() {
        return Err(refuse(format!(
            "schema version {version} is newer than this vdt knows ({})",
            Store::latest_version()
        )));
    }
    Ok(())
}

/// Tests: write `rows` pages of random bytes into a new table `table` in one transaction, with
/// the connection's automatic checkpoint off, so the log grows by as much.
#[cfg(test)]
pub(crate) fn wal_burst(conn: &Connection, table: &str, rows: u32) {
    conn.execute_batch(&format!(
        "PRAGMA wal_autocheckpoint=0;
         CREATE TABLE {table} (b BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO {table} SELECT randomblob(4000) FROM n;"
    ))
    .unwrap();
}

#[cfg(test)]
mod wal_tests {
    use super::*;

    #[test]
    fn the_wal_is_truncated_back_to_its_limit_after_a_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let s = Store::open(&path, &StoreOptions::default()).unwrap();
        let limit: i64 = s
            .conn()
            .query_row("PRAGMA journal_size_limit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(limit as u64, JOURNAL_SIZE_LIMIT);
        // A burst far over the limit, then a checkpoint: the -wal file must shrink back.
        wal_burst(s.conn(), "burst", 20_000);
        let wal = dir.path().join("t.sqlite3-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > JOURNAL_SIZE_LIMIT);
        // A plain checkpoint copies the frames back; the next write restarts the WAL and
        // (only because of the limit) truncates the file.
        s.conn()
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .unwrap();
        s.conn()
            .execute_batch("INSERT INTO burst VALUES (x'00')")
            .unwrap();
        assert!(std::fs::metadata(&wal).unwrap().len() <= JOURNAL_SIZE_LIMIT);
    }
}
