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
//! writer that commits every millisecond almost always commits during a checkpoint. So after
//! each pass the thread takes the writer's `gate` for one more — only the frames of the last
//! few milliseconds, since the first pass did the bulk — and, unless a reader still needs
//! older frames, the writer's next transaction starts the log over. Restarted every ~100 ms,
//! the log stays far below `journal_size_limit`, so the first commit after a restart has
//! nothing to truncate (truncating hundreds of megabytes is what stalled that commit for
//! 100–500 ms on a filesystem mounted with `discard`).

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the checkpoint thread copies the log back.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// A gated pass longer than this is logged (debug): the writer waited for it.
const SLOW_GATE: Duration = Duration::from_millis(10);

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
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("vdt-db-checkpoint".into())
            .spawn(move || run(&conn, every, gate.as_deref(), &flag))
            .map_err(|e| Error::io("cannot start the checkpoint thread", e))?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

fn run(conn: &Connection, every: Duration, gate: Option<&Mutex<()>>, stop: &AtomicBool) {
    let mut failing = false;
    while !stop.load(Ordering::SeqCst) {
        let pass = passive(conn).and_then(|p| match gate {
            // One more pass between the writer's transactions.
            Some(gate) if p.log_frames > 0 => {
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
            Ok(_) => failing = false,
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

    /// Write 1,000 pages through a writer that never checkpoints, in small commits, with or
    /// without the thread; the -wal file's size at the end.
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
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(cp);
        std::fs::metadata(dir.path().join("t.sqlite3-wal"))
            .unwrap()
            .len()
    }

    #[test]
    fn the_thread_keeps_the_log_short_while_the_writer_never_checkpoints() {
        let page = 4096 + 24;
        let without = grow(false);
        assert!(without > 1000 * page, "without the thread: {without} bytes");
        // Copied back every few ms, the log restarts from its beginning at the next write
        // instead of growing: the file stays at the size of the largest stretch between.
        let with = grow(true);
        assert!(with < 300 * page, "with the thread: {with} bytes");
    }
}
