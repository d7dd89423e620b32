-- The Firestore mirror, normalized traces, queued sync jobs, and the columns sync and webhooks add.
ALTER TABLE live_data_config ADD COLUMN kind TEXT NOT NULL DEFAULT 'documents'
    CHECK (kind IN ('traces', 'documents'));
ALTER TABLE live_data_config ADD COLUMN cursor_field TEXT;

ALTER TABLE sync_status ADD COLUMN records_deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_status ADD COLUMN duration_ms INTEGER;
ALTER TABLE sync_status ADD COLUMN started_at TEXT;
ALTER TABLE sync_status ADD COLUMN finished_at TEXT;
ALTER TABLE sync_status ADD COLUMN mode TEXT;

ALTER TABLE webhook_logs ADD COLUMN event_type TEXT;
ALTER TABLE webhook_logs ADD COLUMN delivery_id TEXT;
ALTER TABLE webhook_logs ADD COLUMN error TEXT;
ALTER TABLE webhook_logs ADD COLUMN remote_addr TEXT;

-- Where each collection's sync stands: the incremental cursor and the last full and reconcile runs.
CREATE TABLE sync_state (
    collection TEXT PRIMARY KEY,
    cursor_value TEXT,
    cursor_name TEXT,
    last_full_at TEXT,
    last_reconcile_at TEXT
);

CREATE TABLE documents (
    collection TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    data TEXT NOT NULL,
    create_time TEXT,
    update_time TEXT,
    synced_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (collection, doc_id)
) WITHOUT ROWID;
CREATE INDEX documents_deleted ON documents (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE traces (
    trace_id TEXT PRIMARY KEY,
    name TEXT,
    status TEXT,
    model TEXT,
    start_time TEXT,
    end_time TEXT,
    duration_ms REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost_usd REAL,
    user_id TEXT,
    session_id TEXT,
    project TEXT,
    tags TEXT,
    metadata TEXT,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Where the trace sits in time, epoch milliseconds: start_time, else end_time, else receipt.
    ts_ms INTEGER NOT NULL
);
CREATE INDEX traces_ts ON traces (ts_ms);
CREATE INDEX traces_model_ts ON traces (model, ts_ms);
CREATE INDEX traces_project_ts ON traces (project, ts_ms);

-- Delivery ids already applied, per source, so a redelivery is acknowledged without applying twice.
CREATE TABLE webhook_deliveries (
    source TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (source, delivery_id)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);

CREATE TABLE sync_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('document', 'collection')),
    collection TEXT NOT NULL,
    document_id TEXT,
    source TEXT,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'error')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX sync_jobs_status ON sync_jobs (status, id);
