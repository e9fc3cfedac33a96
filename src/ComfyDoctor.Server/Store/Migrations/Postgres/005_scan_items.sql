-- A scan's models and findings, one row each, beside a report that keeps the rest (issue 16.5): a worker with 100,000
-- model files is stored, paged, compared and planned from without one 50 MiB JSON value being read whole.
CREATE TABLE scan_models (
    scan_id TEXT NOT NULL REFERENCES integrity_scans(id),
    seq INTEGER NOT NULL,
    identity TEXT NOT NULL,
    sha256 TEXT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (scan_id, seq)
);
CREATE INDEX ix_scan_models_identity ON scan_models (scan_id, identity);
CREATE INDEX ix_scan_models_sha ON scan_models (scan_id, sha256);
CREATE TABLE scan_findings (
    scan_id TEXT NOT NULL REFERENCES integrity_scans(id),
    seq INTEGER NOT NULL,
    category INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    subject TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (scan_id, seq)
);
CREATE INDEX ix_scan_findings_category ON scan_findings (scan_id, category, seq);
CREATE INDEX ix_scan_findings_subject ON scan_findings (scan_id, subject);
-- Reports stored before: their models and findings move to the rows, in their order.
INSERT INTO scan_models (scan_id, seq, identity, sha256, json)
    SELECT s.id, (m.n - 1)::int, m.v ->> 'identity', m.v ->> 'sha256', m.v::text
    FROM integrity_scans s, jsonb_array_elements(s.results_json::jsonb -> 'inventory' -> 'models') WITH ORDINALITY m(v, n)
    WHERE s.results_json IS NOT NULL;
INSERT INTO scan_findings (scan_id, seq, category, severity, subject, json)
    SELECT s.id, (f.n - 1)::int,
        CASE f.v ->> 'category' WHEN 'models' THEN 0 WHEN 'nodes' THEN 1 WHEN 'disk' THEN 2 ELSE 3 END,
        CASE f.v ->> 'severity' WHEN 'info' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
        f.v ->> 'subject', f.v::text
    FROM integrity_scans s, jsonb_array_elements(s.results_json::jsonb -> 'findings') WITH ORDINALITY f(v, n)
    WHERE s.results_json IS NOT NULL;
UPDATE integrity_scans SET results_json = jsonb_set(jsonb_set(results_json::jsonb, ARRAY['inventory', 'models'], '[]'), ARRAY['findings'], '[]')::text
    WHERE results_json IS NOT NULL;
