-- Live documents per collection, kept exact by triggers on `documents`, so the status
-- overview reads one row per collection instead of counting the mirror: with 1M mirrored
-- documents that count (a covering-index scan, V6) took ~0.1-0.2 s, and the overview is
-- computed on every uncached status read. Every change of `documents` goes through these
-- triggers: inserts and deletes of live rows, and updates of `deleted_at` or `collection`
-- (an upsert whose values do not change subtracts and adds the same row: no net change).
CREATE TABLE document_counts (
    collection TEXT PRIMARY KEY,
    live INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO document_counts (collection, live)
SELECT collection, count(*) FROM documents WHERE deleted_at IS NULL GROUP BY collection;

CREATE TRIGGER documents_count_insert AFTER INSERT ON documents
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO document_counts (collection, live) VALUES (NEW.collection, 1)
    ON CONFLICT (collection) DO UPDATE SET live = live + 1;
END;

CREATE TRIGGER documents_count_delete AFTER DELETE ON documents
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE document_counts SET live = live - 1 WHERE collection = OLD.collection;
END;

CREATE TRIGGER documents_count_update AFTER UPDATE OF deleted_at, collection ON documents
BEGIN
    UPDATE document_counts SET live = live - 1
    WHERE collection = OLD.collection AND OLD.deleted_at IS NULL;
    INSERT INTO document_counts (collection, live)
    SELECT NEW.collection, 1 WHERE NEW.deleted_at IS NULL
    ON CONFLICT (collection) DO UPDATE SET live = live + 1;
END;
