-- What retention deleted from the tables that /metrics counts, kept as running totals, so
-- vdt_webhook_deliveries_total, vdt_sync_runs_total and vdt_sync_duration_seconds never go
-- down when `db prune` (or serve's prune) removes old rows. The prune adds to these in the
-- same transaction as each delete: a counter reads (rows kept) + (rows pruned).
CREATE TABLE pruned_webhook_deliveries (
    source TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    deliveries INTEGER NOT NULL,
    PRIMARY KEY (source, status_code)
) WITHOUT ROWID;

CREATE TABLE pruned_sync_runs (
    collection_name TEXT NOT NULL,
    status TEXT NOT NULL,
    runs INTEGER NOT NULL,
    PRIMARY KEY (collection_name, status)
) WITHOUT ROWID;

-- Finished runs with a duration, per collection: how many, their total, and per histogram
-- bound (milliseconds) how many took at most that long.
CREATE TABLE pruned_sync_durations (
    collection_name TEXT NOT NULL,
    le_ms REAL NOT NULL,
    runs INTEGER NOT NULL,
    PRIMARY KEY (collection_name, le_ms)
) WITHOUT ROWID;

CREATE TABLE pruned_sync_duration_totals (
    collection_name TEXT PRIMARY KEY,
    runs INTEGER NOT NULL,
    sum_ms REAL NOT NULL
) WITHOUT ROWID;

-- The status overview counts live documents per collection. Without this index that count
-- reads every document's JSON (a synced collection of 1M Vertigo traces is ~1 GB: 2+ s); with
-- it, a scan of a covering index of ~40 bytes per document (~0.1 s per million). A partial
-- index (WHERE deleted_at IS NULL) would be smaller, but SQLite does not use it as covering.
CREATE INDEX documents_live ON documents (collection, deleted_at);
