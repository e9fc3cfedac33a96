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
    SELECT s.id, m.key, json_extract(m.value, '$.identity'), json_extract(m.value, '$.sha256'), m.value
    FROM integrity_scans s, json_each(s.results_json, '$.inventory.models') m WHERE s.results_json IS NOT NULL;
INSERT INTO scan_findings (scan_id, seq, category, severity, subject, json)
    SELECT s.id, f.key,
        CASE json_extract(f.value, '$.category') WHEN 'models' THEN 0 WHEN 'nodes' THEN 1 WHEN 'disk' THEN 2 ELSE 3 END,
        CASE json_extract(f.value, '$.severity') WHEN 'info' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
        json_extract(f.value, '$.subject'), f.value
    FROM integrity_scans s, json_each(s.results_json, '$.findings') f WHERE s.results_json IS NOT NULL;
UPDATE integrity_scans SET results_json = json_set(results_json, '$.inventory.models', json('[]'), '$.findings', json('[]'))
    WHERE results_json IS NOT NULL;
