-- Per-minute rollups of `traces`, kept exact by triggers, so the metrics engine answers counts,
-- sums and latency percentiles of a window without reading every trace in it:
--
-- - `trace_rollup`: per (minute, model, project, source, status class) the number of traces,
--   their cost and their tokens;
-- - `trace_latency`: per (minute, model, project, source, latency bucket) the number of traces
--   with a finite duration;
-- - `traces.lat_bucket` (virtual) and the index `traces_latency`: the traces of one latency
--   bucket in a time range, so an exact nearest-rank percentile reads only the bucket that holds
--   its rank (src/metrics.rs explains the whole read).
--
-- Keys: `minute` = floor(ts_ms / 60000). A missing model or project is stored as the empty BLOB
-- X'', which never equals a TEXT value (not even ''), so NULL stays distinct from '' and the
-- primary keys need no NULL handling. Status class: 1 = 'error', 2 = 'success', 0 = anything
-- else. Cost counts only finite numbers (non-numbers and infinities as 0); tokens are
-- coalesce(input_tokens, 0) + coalesce(output_tokens, 0). Rows whose count went back to 0
-- stay (the engine skips them).
--
-- Latency buckets are monotonic in duration_ms (non-decreasing), two significant digits per
-- decade: below 1 ms → 0; [10^k, 10^(k+1)) → 100·(k+1) + ⌊d / 10^(k−1)⌋ (10…99); from 1e15 →
-- 1600; NULL for a duration that is not a finite number. src/metrics.rs `latency_bucket`
-- mirrors this expression (a test checks both agree).

ALTER TABLE traces ADD COLUMN lat_bucket INTEGER GENERATED ALWAYS AS (
    CASE WHEN typeof(duration_ms) IN ('real', 'integer') AND duration_ms - duration_ms = 0 THEN
        CASE
            WHEN duration_ms < 1 THEN 0
            WHEN duration_ms < 10 THEN 100 + CAST(duration_ms * 10 AS INTEGER)
            WHEN duration_ms < 1e2 THEN 200 + CAST(duration_ms AS INTEGER)
            WHEN duration_ms < 1e3 THEN 300 + CAST(duration_ms / 1e1 AS INTEGER)
            WHEN duration_ms < 1e4 THEN 400 + CAST(duration_ms / 1e2 AS INTEGER)
            WHEN duration_ms < 1e5 THEN 500 + CAST(duration_ms / 1e3 AS INTEGER)
            WHEN duration_ms < 1e6 THEN 600 + CAST(duration_ms / 1e4 AS INTEGER)
            WHEN duration_ms < 1e7 THEN 700 + CAST(duration_ms / 1e5 AS INTEGER)
            WHEN duration_ms < 1e8 THEN 800 + CAST(duration_ms / 1e6 AS INTEGER)
            WHEN duration_ms < 1e9 THEN 900 + CAST(duration_ms / 1e7 AS INTEGER)
            WHEN duration_ms < 1e10 THEN 1000 + CAST(duration_ms / 1e8 AS INTEGER)
            WHEN duration_ms < 1e11 THEN 1100 + CAST(duration_ms / 1e9 AS INTEGER)
            WHEN duration_ms < 1e12 THEN 1200 + CAST(duration_ms / 1e10 AS INTEGER)
            WHEN duration_ms < 1e13 THEN 1300 + CAST(duration_ms / 1e11 AS INTEGER)
            WHEN duration_ms < 1e14 THEN 1400 + CAST(duration_ms / 1e12 AS INTEGER)
            WHEN duration_ms < 1e15 THEN 1500 + CAST(duration_ms / 1e13 AS INTEGER)
            ELSE 1600
        END
    END
) VIRTUAL;

-- The traces of one latency bucket in a time range, with what filters and groups need.
CREATE INDEX traces_latency ON traces (lat_bucket, ts_ms, duration_ms, model, project, source)
    WHERE lat_bucket IS NOT NULL;

-- `traces_metrics` (V4) starts with ts_ms: this one-column index only cost writes.
DROP INDEX IF EXISTS traces_ts;

CREATE TABLE trace_rollup (
    minute INTEGER NOT NULL,
    model NOT NULL,
    project NOT NULL,
    source NOT NULL,
    st INTEGER NOT NULL,
    n INTEGER NOT NULL,
    cost REAL,
    tokens INTEGER NOT NULL,
    PRIMARY KEY (minute, model, project, source, st)
) WITHOUT ROWID;

CREATE TABLE trace_latency (
    minute INTEGER NOT NULL,
    model NOT NULL,
    project NOT NULL,
    source NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (minute, model, project, source, bucket)
) WITHOUT ROWID;

-- Backfill from the traces already stored.
INSERT INTO trace_rollup (minute, model, project, source, st, n, cost, tokens)
SELECT CASE WHEN ts_ms >= 0 THEN ts_ms / 60000 ELSE (ts_ms - 59999) / 60000 END,
       ifnull(model, X''), ifnull(project, X''), source,
       CASE status WHEN 'error' THEN 1 WHEN 'success' THEN 2 ELSE 0 END,
       count(*),
       total(CASE WHEN typeof(cost_usd) IN ('real', 'integer') AND cost_usd - cost_usd = 0
                  THEN cost_usd ELSE 0.0 END),
       sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))
FROM traces GROUP BY 1, 2, 3, 4, 5;

INSERT INTO trace_latency (minute, model, project, source, bucket, n)
SELECT CASE WHEN ts_ms >= 0 THEN ts_ms / 60000 ELSE (ts_ms - 59999) / 60000 END,
       ifnull(model, X''), ifnull(project, X''), source, lat_bucket, count(*)
FROM traces WHERE lat_bucket IS NOT NULL GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER traces_rollup_insert AFTER INSERT ON traces BEGIN
    INSERT INTO trace_rollup (minute, model, project, source, st, n, cost, tokens)
    VALUES (
        CASE WHEN NEW.ts_ms >= 0 THEN NEW.ts_ms / 60000 ELSE (NEW.ts_ms - 59999) / 60000 END,
        ifnull(NEW.model, X''), ifnull(NEW.project, X''), NEW.source,
        CASE NEW.status WHEN 'error' THEN 1 WHEN 'success' THEN 2 ELSE 0 END,
        1,
        CASE WHEN typeof(NEW.cost_usd) IN ('real', 'integer') AND NEW.cost_usd - NEW.cost_usd = 0
             THEN NEW.cost_usd ELSE 0.0 END,
        coalesce(NEW.input_tokens, 0) + coalesce(NEW.output_tokens, 0))
    ON CONFLICT (minute, model, project, source, st) DO UPDATE SET
        n = n + 1, cost = cost + excluded.cost, tokens = tokens + excluded.tokens;
    INSERT INTO trace_latency (minute, model, project, source, bucket, n)
    SELECT CASE WHEN NEW.ts_ms >= 0 THEN NEW.ts_ms / 60000 ELSE (NEW.ts_ms - 59999) / 60000 END,
           ifnull(NEW.model, X''), ifnull(NEW.project, X''), NEW.source, NEW.lat_bucket, 1
    WHERE NEW.lat_bucket IS NOT NULL
    ON CONFLICT (minute, model, project, source, bucket) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER traces_rollup_delete AFTER DELETE ON traces BEGIN
    UPDATE trace_rollup SET
        n = n - 1,
        -- Back to no traces: exactly 0, not the rounding left by adding and subtracting.
        cost = CASE WHEN n = 1 THEN 0.0 ELSE cost -
            CASE WHEN typeof(OLD.cost_usd) IN ('real', 'integer') AND OLD.cost_usd - OLD.cost_usd = 0
                 THEN OLD.cost_usd ELSE 0.0 END END,
        tokens = tokens - (coalesce(OLD.input_tokens, 0) + coalesce(OLD.output_tokens, 0))
    WHERE minute = CASE WHEN OLD.ts_ms >= 0 THEN OLD.ts_ms / 60000 ELSE (OLD.ts_ms - 59999) / 60000 END
      AND model = ifnull(OLD.model, X'') AND project = ifnull(OLD.project, X'')
      AND source = OLD.source
      AND st = CASE OLD.status WHEN 'error' THEN 1 WHEN 'success' THEN 2 ELSE 0 END;
    UPDATE trace_latency SET n = n - 1
    WHERE minute = CASE WHEN OLD.ts_ms >= 0 THEN OLD.ts_ms / 60000 ELSE (OLD.ts_ms - 59999) / 60000 END
      AND model = ifnull(OLD.model, X'') AND project = ifnull(OLD.project, X'')
      AND source = OLD.source AND bucket = OLD.lat_bucket;
END;

-- An update that changes none of the rolled-up columns (the common re-sync of an unchanged
-- trace) costs nothing here.
CREATE TRIGGER traces_rollup_update AFTER UPDATE OF ts_ms, status, model, project, source,
        duration_ms, cost_usd, input_tokens, output_tokens ON traces
    WHEN OLD.ts_ms IS NOT NEW.ts_ms OR OLD.status IS NOT NEW.status
      OR OLD.model IS NOT NEW.model OR OLD.project IS NOT NEW.project
      OR OLD.source IS NOT NEW.source OR OLD.duration_ms IS NOT NEW.duration_ms
      OR OLD.cost_usd IS NOT NEW.cost_usd OR OLD.input_tokens IS NOT NEW.input_tokens
      OR OLD.output_tokens IS NOT NEW.output_tokens
BEGIN
    UPDATE trace_rollup SET
        n = n - 1,
        cost = CASE WHEN n = 1 THEN 0.0 ELSE cost -
            CASE WHEN typeof(OLD.cost_usd) IN ('real', 'integer') AND OLD.cost_usd - OLD.cost_usd = 0
                 THEN OLD.cost_usd ELSE 0.0 END END,
        tokens = tokens - (coalesce(OLD.input_tokens, 0) + coalesce(OLD.output_tokens, 0))
    WHERE minute = CASE WHEN OLD.ts_ms >= 0 THEN OLD.ts_ms / 60000 ELSE (OLD.ts_ms - 59999) / 60000 END
      AND model = ifnull(OLD.model, X'') AND project = ifnull(OLD.project, X'')
      AND source = OLD.source
      AND st = CASE OLD.status WHEN 'error' THEN 1 WHEN 'success' THEN 2 ELSE 0 END;
    UPDATE trace_latency SET n = n - 1
    WHERE minute = CASE WHEN OLD.ts_ms >= 0 THEN OLD.ts_ms / 60000 ELSE (OLD.ts_ms - 59999) / 60000 END
      AND model = ifnull(OLD.model, X'') AND project = ifnull(OLD.project, X'')
      AND source = OLD.source AND bucket = OLD.lat_bucket;
    INSERT INTO trace_rollup (minute, model, project, source, st, n, cost, tokens)
    VALUES (
        CASE WHEN NEW.ts_ms >= 0 THEN NEW.ts_ms / 60000 ELSE (NEW.ts_ms - 59999) / 60000 END,
        ifnull(NEW.model, X''), ifnull(NEW.project, X''), NEW.source,
        CASE NEW.status WHEN 'error' THEN 1 WHEN 'success' THEN 2 ELSE 0 END,
        1,
        CASE WHEN typeof(NEW.cost_usd) IN ('real', 'integer') AND NEW.cost_usd - NEW.cost_usd = 0
             THEN NEW.cost_usd ELSE 0.0 END,
        coalesce(NEW.input_tokens, 0) + coalesce(NEW.output_tokens, 0))
    ON CONFLICT (minute, model, project, source, st) DO UPDATE SET
        n = n + 1, cost = cost + excluded.cost, tokens = tokens + excluded.tokens;
    INSERT INTO trace_latency (minute, model, project, source, bucket, n)
    SELECT CASE WHEN NEW.ts_ms >= 0 THEN NEW.ts_ms / 60000 ELSE (NEW.ts_ms - 59999) / 60000 END,
           ifnull(NEW.model, X''), ifnull(NEW.project, X''), NEW.source, NEW.lat_bucket, 1
    WHERE NEW.lat_bucket IS NOT NULL
    ON CONFLICT (minute, model, project, source, bucket) DO UPDATE SET n = n + 1;
END;
