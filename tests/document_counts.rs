//! The live-document counts kept by triggers (migration V7) against a count of the mirror:
//! after random inserts, sync upserts, tombstones, undeletes, hard deletes (tombstone prune,
//! a collection removed) and hand edits, `document_counts()` equals counting `documents`.

use proptest::prelude::*;
use rusqlite::params;
use vdt::store::Store;

#[derive(Debug, Clone)]
enum Op {
    /// The upsert `vdt sync` runs for a document it fetched (undeletes a tombstone).
    SyncUpsert(u8, u8),
    /// A plain insert, live or already deleted (as a restore by hand might do).
    Insert(u8, u8, bool),
    /// Delete reconciliation: a tombstone.
    Tombstone(u8, u8),
    /// Retention's prune of tombstones, or any hard delete of one document.
    HardDelete(u8, u8),
    /// `config collections remove`: every row of a collection.
    DropCollection(u8),
    /// A hand edit moving a document to another collection.
    Move(u8, u8, u8),
}

fn coll(c: u8) -> String {
    format!("c{}", c % 3)
}

fn doc(d: u8) -> String {
    format!("d{}", d % 8)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>()).prop_map(|(c, d)| Op::SyncUpsert(c, d)),
        1 => (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(c, d, del)| Op::Insert(c, d, del)),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(c, d)| Op::Tombstone(c, d)),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(c, d)| Op::HardDelete(c, d)),
        1 => any::<u8>().prop_map(Op::DropCollection),
        1 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(c, d, to)| Op::Move(c, d, to)),
    ]
}

fn apply(store: &Store, op: &Op) {
    let conn = store.conn();
    let now = "2026-11-27T12:00:00.000Z";
    // Constraint violations (an insert over an existing key, a move onto one) are part of
    // the game: the statement fails, nothing changes, and the counts must still agree.
    let _ = match op {
        Op::SyncUpsert(c, d) => conn.execute(
            "INSERT INTO documents (collection, doc_id, data, create_time, update_time, synced_at, deleted_at)
             VALUES (?1, ?2, '{}', ?3, ?3, ?3, NULL)
             ON CONFLICT (collection, doc_id) DO UPDATE SET data = excluded.data,
                create_time = excluded.create_time, update_time = excluded.update_time,
                synced_at = excluded.synced_at, deleted_at = NULL",
            params![coll(*c), doc(*d), now],
        ),
        Op::Insert(c, d, deleted) => conn.execute(
            "INSERT INTO documents (collection, doc_id, data, synced_at, deleted_at)
             VALUES (?1, ?2, '{}', ?3, ?4)",
            params![coll(*c), doc(*d), now, deleted.then_some(now)],
        ),
        Op::Tombstone(c, d) => conn.execute(
            "UPDATE documents SET deleted_at = ?3 WHERE collection = ?1 AND doc_id = ?2 AND deleted_at IS NULL",
            params![coll(*c), doc(*d), now],
        ),
        Op::HardDelete(c, d) => conn.execute(
            "DELETE FROM documents WHERE collection = ?1 AND doc_id = ?2",
            params![coll(*c), doc(*d)],
        ),
        Op::DropCollection(c) => conn.execute(
            "DELETE FROM documents WHERE collection = ?1",
            params![coll(*c)],
        ),
        Op::Move(c, d, to) => conn.execute(
            "UPDATE documents SET collection = ?3 WHERE collection = ?1 AND doc_id = ?2",
            params![coll(*c), doc(*d), coll(*to)],
        ),
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn kept_counts_equal_a_count_of_the_mirror(ops in proptest::collection::vec(op(), 1..120)) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3"), &Default::default()).unwrap();
        for (i, op) in ops.iter().enumerate() {
            apply(&store, op);
            if i % 10 == 9 {
                prop_assert_eq!(store.document_counts().unwrap(), store.document_counts_scanned().unwrap(), "after {:?}", &ops[..=i]);
            }
        }
        prop_assert_eq!(store.document_counts().unwrap(), store.document_counts_scanned().unwrap());
    }
}

/// A database that already holds documents when it is migrated to V7 starts with the right
/// counts (the migration counts the mirror once).
#[test]
fn the_migration_counts_what_is_already_mirrored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path, &Default::default()).unwrap();
    let conn = store.conn();
    for i in 0..50 {
        conn.execute(
            "INSERT INTO documents (collection, doc_id, data, synced_at, deleted_at)
             VALUES (?1, ?2, '{}', 'now', ?3)",
            params![
                format!("c{}", i % 2),
                format!("d{i}"),
                (i % 5 == 0).then_some("then")
            ],
        )
        .unwrap();
    }
    // Back to before V7, as a database written by an older vdt would be.
    conn.execute_batch(
        "DROP TRIGGER documents_count_insert; DROP TRIGGER documents_count_delete;
         DROP TRIGGER documents_count_update; DROP TABLE document_counts;
         DELETE FROM refinery_schema_history WHERE version = 7;",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO documents (collection, doc_id, data, synced_at) VALUES ('c2', 'x', '{}', 'now')",
        [],
    )
    .unwrap();
    drop(store);
    let store = Store::open(&path, &Default::default()).unwrap();
    let kept = store.document_counts().unwrap();
    assert_eq!(kept, store.document_counts_scanned().unwrap());
    assert_eq!(
        kept.into_iter().collect::<Vec<_>>(),
        vec![("c0".into(), 20), ("c1".into(), 20), ("c2".into(), 1)]
    );
}
