//! The Redis tier: a small pool of synchronous connections with per-operation timeouts, the
//! one-round-trip read script, and the admin operations behind `vdt cache` (stats, get, flush).
//!
//! Synchronous on purpose: the API serves from tiny_http worker threads and the commands are
//! one-shot, so a blocking `redis::Connection` with read/write timeouts of tens of milliseconds
//! is used straight from any thread, without a runtime to own or enter. A connection that
//! errors or times out may hold half a reply, so it is dropped, never returned to the pool.

use redis::{Client, Connection, Script};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Idle connections kept for reuse; more are opened under load and closed when returned.
const POOL_IDLE: usize = 16;

/// Timeouts for the admin commands (`cache stats|get|flush|warm`): a SCAN over many keys or
/// a flush is not a hot-path read and may take longer than the per-read budget.
pub(crate) const ADMIN_TIMEOUT: Duration = Duration::from_secs(5);

/// One round trip for a read: the current generation, the value under it, and the hit/miss
/// counters (plus the in-process hits counted since the last trip).
///
/// KEYS: 1 generation counter, 2 hits counter, 3 misses counter.
/// ARGV: 1 `{prefix}{class}:`, 2 `:{key}`, 3 in-process hits to add to the hits counter.
/// Returns `{generation, value or nil}`.
const READ_SCRIPT: &str = r"
local g = redis.call('GET', KEYS[1]) or '0'
local v = redis.call('GET', ARGV[1] .. g .. ARGV[2])
local extra = tonumber(ARGV[3]) or 0
if v then
  redis.call('INCRBY', KEYS[2], 1 + extra)
else
  redis.call('INCR', KEYS[3])
  if extra > 0 then redis.call('INCRBY', KEYS[2], extra) end
end
return {g, v}
";

fn read_script() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(READ_SCRIPT))
}

pub(crate) struct Remote {
    client: Client,
    timeout: Duration,
    pool: Mutex<Vec<Connection>>,
}

/// What the read script found.
pub(crate) struct ReadResult {
    pub generation: u64,
    pub value: Option<Vec<u8>>,
}

impl Remote {
    pub(crate) fn new(url: &str, timeout: Duration) -> redis::RedisResult<Self> {
        Ok(Remote {
            client: Client::open(url)?,
            timeout,
            pool: Mutex::new(Vec::new()),
        })
    }

    fn connect(&self, timeout: Duration) -> redis::RedisResult<Connection> {
        let conn = self.client.get_connection_with_timeout(timeout)?;
        conn.set_read_timeout(Some(timeout))?;
        conn.set_write_timeout(Some(timeout))?;
        Ok(conn)
    }

    /// Run `f` on a pooled hot-path connection; on success the connection goes back.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> redis::RedisResult<T> {
        let pooled = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => self.connect(self.timeout)?,
        };
        let out = f(&mut conn)?;
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOL_IDLE {
            pool.push(conn);
        }
        Ok(out)
    }

    /// A fresh connection with the admin timeouts.
    pub(crate) fn admin(&self) -> redis::RedisResult<Connection> {
        self.connect(ADMIN_TIMEOUT)
    }

    pub(crate) fn read(
        &self,
        gen_key: &str,
        hits_key: &str,
        misses_key: &str,
        class_prefix: &str,
        key_suffix: &str,
        extra_hits: u64,
    ) -> redis::RedisResult<ReadResult> {
        self.with_conn(|c| {
            let (g, value): (String, Option<Vec<u8>>) = read_script()
                .key(gen_key)
                .key(hits_key)
                .key(misses_key)
                .arg(class_prefix)
                .arg(key_suffix)
                .arg(extra_hits)
                .invoke(c)?;
            Ok(ReadResult {
                generation: g.parse().unwrap_or(0),
                value,
            })
        })
    }

    pub(crate) fn set(&self, key: &str, value: &[u8], ttl: Duration) -> redis::RedisResult<()> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.with_conn(|c| {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query::<()>(c)
        })
    }

    pub(crate) fn incr(&self, key: &str) -> redis::RedisResult<u64> {
        self.with_conn(|c| redis::cmd("INCR").arg(key).query::<u64>(c))
    }

    pub(crate) fn incr_by(&self, key: &str, by: u64) -> redis::RedisResult<()> {
        self.with_conn(|c| redis::cmd("INCRBY").arg(key).arg(by).query::<()>(c))
    }
}

/// Every key under `prefix`, a SCAN page at a time (never KEYS: it blocks the server).
pub(crate) fn scan_prefix(
    conn: &mut Connection,
    prefix: &str,
    mut each_page: impl FnMut(&mut Connection, Vec<Vec<u8>>) -> redis::RedisResult<()>,
) -> redis::RedisResult<()> {
    let pattern = format!("{}*", glob_escape(prefix));
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query(conn)?;
        // MATCH is the filter; check the bytes again so a pattern quirk can never reach a
        // foreign key.
        let keys: Vec<Vec<u8>> = keys
            .into_iter()
            .filter(|k| k.starts_with(prefix.as_bytes()))
            .collect();
        if !keys.is_empty() {
            each_page(conn, keys)?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// Escape Redis glob metacharacters so a prefix matches only itself.
pub(crate) fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// `used_memory` and `maxmemory` from `INFO memory`.
pub(crate) fn memory(conn: &mut Connection) -> redis::RedisResult<(Option<u64>, Option<u64>)> {
    let info: String = redis::cmd("INFO").arg("memory").query(conn)?;
    Ok((
        info_field(&info, "used_memory"),
        info_field(&info, "maxmemory"),
    ))
}

fn info_field(info: &str, name: &str) -> Option<u64> {
    info.lines().find_map(|line| {
        let (k, v) = line.trim_end().split_once(':')?;
        (k == name).then(|| v.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_escape_quotes_metacharacters() {
        assert_eq!(glob_escape("vdt:"), "vdt:");
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }

    #[test]
    fn info_fields_are_read_exactly() {
        let info = "# Memory\r\nused_memory:1024\r\nused_memory_human:1K\r\nmaxmemory:0\r\n";
        assert_eq!(info_field(info, "used_memory"), Some(1024));
        assert_eq!(info_field(info, "maxmemory"), Some(0));
        assert_eq!(info_field(info, "used_memory_rss"), None);
    }
}
