-- The metrics engine reads windows of traces by ts_ms; this index covers every column it
-- needs, so a windowed scan reads the index alone instead of visiting each table row.
CREATE INDEX traces_metrics ON traces (ts_ms, status, model, project, source, duration_ms,
    cost_usd, input_tokens, output_tokens);

-- Until when a silence event mutes its rule, for `alerts history`.
ALTER TABLE alert_events ADD COLUMN until TEXT;
