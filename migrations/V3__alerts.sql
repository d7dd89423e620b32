-- Alert state, history, silences and the notification outbox.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    group_key TEXT NOT NULL DEFAULT '',
    labels TEXT NOT NULL DEFAULT '{}',
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing', 'resolved')),
    value REAL,
    pending_since TEXT,
    firing_since TEXT,
    resolved_at TEXT,
    last_eval_at TEXT,
    last_notified_at TEXT,
    acked_by TEXT,
    acked_at TEXT,
    ack_comment TEXT,
    fingerprint TEXT NOT NULL,
    episode INTEGER NOT NULL DEFAULT 0,
    UNIQUE (rule, group_key)
);
CREATE INDEX alerts_state ON alerts (state);

CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER REFERENCES alerts (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pending', 'firing', 'resolved', 'ack', 'silence', 'notified')),
    at TEXT NOT NULL,
    value REAL,
    by TEXT,
    comment TEXT
);
CREATE INDEX alert_events_at ON alert_events (at);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

CREATE TABLE silences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    until TEXT NOT NULL,
    created_at TEXT NOT NULL,
    by TEXT,
    comment TEXT
);
CREATE INDEX silences_rule ON silences (rule, until);

-- One row per message to send. dedup_key is unique, so two evaluators racing on the same
-- transition insert one row, and a row is claimed by one sender at a time.
CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER REFERENCES alerts (id) ON DELETE SET NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('firing', 'repeat', 'resolved')),
    dedup_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);
