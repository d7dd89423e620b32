-- The roadmap's three tables, with the names, columns and status CHECK that outside scripts rely on.
CREATE TABLE live_data_config (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    firestore_collection TEXT NOT NULL UNIQUE,
    sync_frequency INTEGER NOT NULL DEFAULT 30 CHECK (sync_frequency >= 1),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE sync_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_name TEXT NOT NULL,
    last_sync TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('success', 'error', 'in_progress')),
    error_message TEXT,
    records_synced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_status_collection ON sync_status (collection_name, id);

CREATE TABLE webhook_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    payload TEXT,
    status_code INTEGER NOT NULL,
    processed_at TEXT NOT NULL,
    processing_time_ms REAL NOT NULL DEFAULT 0
);
CREATE INDEX webhook_logs_processed ON webhook_logs (processed_at);
CREATE INDEX webhook_logs_source ON webhook_logs (source, processed_at);
