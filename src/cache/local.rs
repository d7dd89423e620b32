//! The in-process tier: serialized values by (class, key), each stamped with the generation it
//! was read under, bounded by entry count and by bytes, oldest-first eviction.

use super::{Generation, KeyClass};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

struct Entry {
    generation: Generation,
    bytes: Arc<[u8]>,
    expires: Instant,
    /// Insertion order, for eviction.
    seq: u64,
}

pub(crate) struct LocalTier {
    max_entries: usize,
    max_bytes: usize,
    map: HashMap<(KeyClass, String), Entry>,
    order: BTreeMap<u64, (KeyClass, String)>,
    bytes: usize,
    next_seq: u64,
}

impl LocalTier {
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        LocalTier {
            max_entries,
            max_bytes,
            map: HashMap::new(),
            order: BTreeMap::new(),
            bytes: 0,
            next_seq: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// The value, if stored under `generation` and not expired.
    pub(crate) fn get(
        &mut self,
        class: KeyClass,
        key: &str,
        generation: Generation,
        now: Instant,
    ) -> Option<Arc<[u8]>> {
        let k = (class, key.to_owned());
        let e = self.map.get(&k)?;
        if e.generation == generation && now < e.expires {
            return Some(e.bytes.clone());
        }
        self.remove(&k);
        None
    }

    pub(crate) fn put(
        &mut self,
        class: KeyClass,
        key: &str,
        generation: Generation,
        bytes: Arc<[u8]>,
        expires: Instant,
    ) {
        if bytes.len() > self.max_bytes || self.max_entries == 0 {
            return;
        }
        let k = (class, key.to_owned());
        self.remove(&k);
        while self.map.len() >= self.max_entries || self.bytes + bytes.len() > self.max_bytes {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(e) = self.map.remove(&oldest) {
                self.bytes -= e.bytes.len();
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.bytes += bytes.len();
        self.order.insert(seq, k.clone());
        self.map.insert(
            k,
            Entry {
                generation,
                bytes,
                expires,
                seq,
            },
        );
    }

    fn remove(&mut self, k: &(KeyClass, String)) {
        if let Some(e) = self.map.remove(k) {
            self.bytes -= e.bytes.len();
            self.order.remove(&e.seq);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn g(n: u64) -> Generation {
        Generation { remote: n, own: 0 }
    }

    #[test]
    fn bounded_by_entries_and_bytes() {
        let later = Instant::now() + Duration::from_secs(60);
        let mut t = LocalTier::new(3, 10);
        for i in 0..5 {
            t.put(
                KeyClass::Status,
                &i.to_string(),
                g(0),
                Arc::from(&b"ab"[..]),
                later,
            );
        }
        assert_eq!(t.len(), 3);
        assert!(t.get(KeyClass::Status, "0", g(0), Instant::now()).is_none());
        assert!(t.get(KeyClass::Status, "4", g(0), Instant::now()).is_some());
        t.put(
            KeyClass::Status,
            "big",
            g(0),
            Arc::from(&b"0123456789"[..]),
            later,
        );
        assert_eq!(t.len(), 1);
        assert_eq!(t.bytes(), 10);
        t.put(
            KeyClass::Status,
            "huge",
            g(0),
            Arc::from(&b"0123456789x"[..]),
            later,
        );
        assert!(
            t.get(KeyClass::Status, "huge", g(0), Instant::now())
                .is_none()
        );
    }

    #[test]
    fn another_generation_or_expiry_misses() {
        let now = Instant::now();
        let mut t = LocalTier::new(10, 100);
        t.put(
            KeyClass::Metrics,
            "k",
            g(1),
            Arc::from(&b"v"[..]),
            now + Duration::from_secs(1),
        );
        assert!(t.get(KeyClass::Metrics, "k", g(2), now).is_none());
        t.put(
            KeyClass::Metrics,
            "k",
            g(1),
            Arc::from(&b"v"[..]),
            now + Duration::from_secs(1),
        );
        assert!(t.get(KeyClass::Metrics, "k", g(1), now).is_some());
        assert!(
            t.get(KeyClass::Metrics, "k", g(1), now + Duration::from_secs(2))
                .is_none()
        );
        assert_eq!(t.len(), 0);
    }
}
