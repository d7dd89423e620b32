//! Checkpoints off the write path. SQLite's automatic checkpoint runs inside the commit that
//! crosses `wal_autocheckpoint`, on the committing thread: for the webhook writer that is the
//! delivery path, and after readers have kept the write-ahead log from being copied back for a
//! while, that one commit copies everything they held up while every delivery behind it
//! waits. Here a thread of its own runs PASSIVE checkpoints (never waiting for readers or
//! writers) on its own connection every `every`, and the writer's automatic checkpoint is
//! switched off for as long as the thread runs.
//!
//! Copying back is not enough to keep the log short: SQLite starts the log over from its
//! beginning only when a write transaction begins with every frame already copied back, and a
//! writer that commits every millisecond almost always commits during a checkpoint. So when a
//! pass leaves little behind, the thread takes the writer's `gate` for one more — only the
//! frames of the last few milliseconds, since the first pass did the bulk — and, unless a
//! reader still needs older frames, the writer's next transaction starts the log over. A
//! pass that a reader held far back does not take the gate: copying its backlog would make
//! the writer wait for it.
//!
//! Truncating the log file is also kept off the delivery path: SQLite truncates it (down to
//! `journal_size_limit`) in the first commit after a restart, and cutting a few hundred
//! megabytes stalled that commit for up to half a second on a filesystem mounted with
//! `discard`. The gated writer runs without a size limit, so the file keeps its largest size
//! while deliveries stream in; this thread cuts it back once the database has been idle for
//! [`IDLE_BEFORE_TRUNCATE`].

use crate::error::{Error, Result};
use crate::store::{JOURNAL_SIZE_LIMIT, Store};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the checkpoint thread copies the log back.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// A gated pass longer than this is logged (debug): the writer waited for it.
const SLOW_GATE: Duration = Duration::from_millis(10);

/// The gate is taken only when the first pass left some frames behind, at most this many
/// (~8 MB). With none left the writer's next transaction restarts the log by itself, and an
/// idle database costs no gated pass, no fsync.
const GATED_MAX_FRAMES: i64 = 2048;

/// Before the gated pass: at most this many more ungated passes, stopping once at most
/// [`CATCH_UP_FRAMES`] are left behind.
const CATCH_UP_PASSES: usize = 3;
const CATCH_UP_FRAMES: i64 = 64;

/// With no new frame for this long, a log file over [`JOURNAL_SIZE_LIMIT`] is truncated.
pub const IDLE_BEFORE_TRUNCATE: Duration = Duration::from_secs(1);

/// A running checkpoint thread; stopped (and joined) when dropped.
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// What one PASSIVE checkpoint saw: frames in the log and frames copied back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub log_frames: i64,
    pub copied_frames: i64,
}

/// One PASSIVE checkpoint on `conn`: copies what no reader still needs, waits for nobody.
pub fn passive(conn: &Connection) -> rusqlite::Result<Progress> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok(Progress {
            log_frames: r.get(1)?,
            copied_frames: r.get(2)?,
        })
    })
}

impl Checkpointer {
    /// Take checkpoints and truncation off `writer`'s thread: switch off its automatic
    /// checkpoint and its log size limit, and start the thread on `writer`'s database. The
    /// returned gate is the writer's to hold around each of its transactions.
    pub fn for_writer(writer: &Store, every: Duration) -> Result<(Checkpointer, Arc<Mutex<()>>)> {
        writer.conn().execute_batch("PRAGMA wal_autocheckpoint=0")?;
        writer
            .conn()
            .query_row("PRAGMA journal_size_limit=-1", [], |r| r.get::<_, i64>(0))?;
        let gate: Arc<Mutex<()>> = Arc::default();
        let thread = Checkpointer::start(writer.path(), every, Some(Arc::clone(&gate)))?;
        Ok((thread, gate))
    }

    /// Open a connection of its own to `path` (which must exist) and checkpoint every `every`.
    /// `gate`, when given, is held by the writer around each of its transactions.
    pub fn start(
        path: &Path,
        every: Duration,
        gate: Option<Arc<Mutex<()>>>,
    ) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::failed(format!("cannot open {}: {e}", path.display())))?;
        let db = path.to_path_buf();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("vdt-db-checkpoint".into())
            .spawn(move || run(&conn, &db, &wal, every, gate.as_deref(), &flag))
            .map_err(|e| Error::io("cannot start the checkpoint thread", e))?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

/// What the gated pass leaves to do, done before it while the writer runs on: more PASSIVE
/// passes while each still halves what is left (the first copies ~100 ms of commits in tens of
/// milliseconds, during which more arrive), then an fsync of the database and of the log.
/// SQLite fsyncs the database only after a pass that copied every frame, which under a busy
/// writer is the gated one, so without this the gated pass would flush everything the passes
/// before it copied. This way it copies the last few milliseconds and its own fsyncs find
/// little to write. Under the webhook benchmark the writer's wait per gated pass went from
/// 13–26 ms to mostly under 10 ms, and the receiver's p99 from 22–28 ms to 11–15 ms
/// (BENCHMARKS.md, session 6).
fn catch_up(conn: &Connection, first: Progress, db: &Path, wal: &Path) -> rusqlite::Result<()> {
    let mut left = first.log_frames - first.copied_frames;
    for _ in 0..CATCH_UP_PASSES {
        if left <= CATCH_UP_FRAMES {
            break;
        }
        let p = passive(conn)?;
        let now_left = p.log_frames - p.copied_frames;
        if now_left * 2 > left {
            break;
        }
        left = now_left;
    }
    // Any descriptor's fsync writes the file's dirty pages; a failure here only means the
    // gated pass does that work itself. SQLite holds no lock on the log, so a descriptor of it
    // may come and go; the database's is kept open (see `kept_open`).
    if let Some(f) = kept_open(db) {
        let _ = f.sync_data();
    }
    if let Ok(f) = std::fs::File::open(wal) {
        let _ = f.sync_data();
    }
    Ok(())
}

/// A descriptor of the database file `db`, opened once per path and never closed.
///
/// SQLite's locks are POSIX record locks, and a process loses all of its locks on a file as soon
/// as it closes any descriptor of that file, the locks of SQLite's connections included. Once, a
/// descriptor opened and closed here to fsync the database did just that: another process
/// closing its connection (the sqlite3 shell, a `vdt` command from cron) then found the
/// database unused, checkpointed it and deleted the -wal and -shm files under the running
/// receiver. Kept for the life of the process, the descriptor is never closed while SQLite
/// holds a lock.
fn kept_open(db: &Path) -> Option<&'static std::fs::File> {
    static KEPT: Mutex<Vec<(PathBuf, &'static std::fs::File)>> = Mutex::new(Vec::new());
    let mut kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, f)) = kept.iter().find(|(path, _)| path == db) {
        return Some(f);
    }
    let f: &'static std::fs::File = Box::leak(Box::new(std::fs::File::open(db).ok()?));
    kept.push((db.to_path_buf(), f));
    Some(f)
}

fn run(
    conn: &Connection,
    db: &Path,
    wal: &Path,
    every: Duration,
    gate: Option<&Mutex<()>>,
    stop: &AtomicBool,
) {
    let mut failing = false;
    // The log's length at the last pass, and since when it has not changed.
    let mut last_frames = -1;
    let mut quiet_since = std::time::Instant::now();
    let mut truncated = false;
    while !stop.load(Ordering::SeqCst) {
        let pass = passive(conn).and_then(|p| match gate {
            Some(gate) if (1..=GATED_MAX_FRAMES).contains(&(p.log_frames - p.copied_frames)) => {
                catch_up(conn, p, db, wal)?;
                let _writer_waits = gate.lock().unwrap_or_else(|p| p.into_inner());
                let held = std::time::Instant::now();
                let second = passive(conn);
                if held.elapsed() > SLOW_GATE {
                    tracing::debug!(
                        ms = held.elapsed().as_secs_f64() * 1e3,
                        log_frames = p.log_frames,
                        "checkpoint: the writer waited for a pass"
                    );
                }
                second
            }
            _ => Ok(p),
        });
        match pass {
            Ok(p) => {
                failing = false;
                if p.log_frames != last_frames {
                    last_frames = p.log_frames;
                    quiet_since = std::time::Instant::now();
                    truncated = false;
                } else if !truncated
                    && p.copied_frames == p.log_frames
                    && quiet_since.elapsed() >= IDLE_BEFORE_TRUNCATE
                    && std::fs::metadata(wal).is_ok_and(|m| m.len() > JOURNAL_SIZE_LIMIT)
                {
                    // Idle and all copied: start the log over and cut the file (waits for
                    // nobody: busy with a reader or a writer, it is tried at the next pass).
                    truncated = conn
                        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                            r.get::<_, i64>(0)
                        })
                        .is_ok_and(|busy| busy == 0);
                }
            }
            // Another connection checkpointing at this moment answers BUSY; that is fine.
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy => {}
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "checkpoint failed; retrying");
                }
                failing = true;
            }
        }
        std::thread::park_timeout(every);
    }
    // A last copy on the way out, so a stopped server leaves a short log behind.
    let _ = passive(conn);
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreOptions};

    /// Held by each test here: the idle-truncation test's 70 MB burst and its fsyncs slowed the
    /// other's checkpoint thread enough, running alongside, that its log grew as if it had none.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// Write 1,000 pages through a writer that never checkpoints, in small commits, with or
    /// without the thread; the -wal file's size at the end.
    ///
    /// The writer pauses 100 ms between bursts. The log restarts only after a pass that copied
    /// every frame has also fsynced, and under a busy disk (the suite's other tests, a build)
    /// that fsync can outlast a shorter pause: with 20 ms pauses, 1 run in 6 failed while `dd
    /// conv=fsync` ran beside it, and 0 in 8 with 100 ms pauses.
    fn grow(with_thread: bool) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let s = Store::open(&path, &StoreOptions::default()).unwrap();
        s.conn()
            .execute_batch("PRAGMA wal_autocheckpoint=0; CREATE TABLE t (b BLOB);")
            .unwrap();
        let cp = with_thread
            .then(|| Checkpointer::start(&path, Duration::from_millis(5), None).unwrap());
        for _ in 0..20 {
            for _ in 0..50 {
                s.conn()
                    .execute("INSERT INTO t VALUES (randomblob(4000))", [])
                    .unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(cp);
        std::fs::metadata(dir.path().join("t.sqlite3-wal"))
            .unwrap()
            .len()
    }

    /// Once, syncing the database closed a descriptor of it and so dropped the process's locks
    /// (see `kept_open`): another process closing its connection then deleted the log under ours.
    #[test]
    fn syncing_the_files_leaves_every_connection_its_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let wal = dir.path().join("t.sqlite3-wal");
        let s = Store::open(&path, &StoreOptions::default()).unwrap();
        s.conn()
            .execute_batch(
                "PRAGMA wal_autocheckpoint=0; CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap();
        let conn = Connection::open(&path).unwrap();
        let first = passive(&conn).unwrap();
        catch_up(&conn, first, &path, &wal).unwrap();

        // Another process opens the database, reads and closes it.
        let other_process = || {
            let out = std::process::Command::new("python3")
                .args([
                    "-c",
                    "import sqlite3, sys\n\
                     c = sqlite3.connect(sys.argv[1])\n\
                     print(c.execute('SELECT count(*) FROM t').fetchone()[0])\n\
                     c.close()",
                ])
                .arg(&path)
                .output()
                .expect("python3");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        assert_eq!(other_process(), "1");
        assert!(
            wal.exists(),
            "another process took the database for unused and deleted its log"
        );
        s.conn().execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_eq!(other_process(), "2");
    }

    #[test]
    fn once_idle_the_thread_cuts_a_log_file_the_writer_never_truncates() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let s = Store::open(&path, &StoreOptions::default()).unwrap();
        crate::store::wal_burst(s.conn(), "t", 17_001);
        let wal = dir.path().join("t.sqlite3-wal");
        let size = || std::fs::metadata(&wal).unwrap().len();
        assert!(size() > JOURNAL_SIZE_LIMIT);
        let (cp, _gate) = Checkpointer::for_writer(&s, Duration::from_millis(10)).unwrap();
        let deadline = std::time::Instant::now() + IDLE_BEFORE_TRUNCATE + Duration::from_secs(10);
        while size() > JOURNAL_SIZE_LIMIT && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(cp);
        assert!(
            size() <= JOURNAL_SIZE_LIMIT,
            "the log file kept {} bytes",
            size()
        );
        // Nothing was lost on the way.
        let rows: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 17001);
    }

    #[test]
    fn the_thread_keeps_the_log_short_while_the_writer_never_checkpoints() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let page = 4096 + 24;
        let without = grow(false);
        assert!(without > 1000 * page, "without the thread: {without} bytes");
        // Copied back every few ms, the log restarts from its beginning at the next write
        // instead of growing: the file stays at the size of the largest stretch between
        // restarts, ~100 pages on an idle machine. Bounded relative to the run without the
        // thread: with the tests running in parallel on two cores, the thread can miss a
        // pause or two (383 pages seen), but a log that never restarted holds all of it.
        let with = grow(true);
        assert!(
            with * 3 < without,
            "with the thread: {with} bytes, without: {without}"
        );
    }
}
