ALTER TABLE jobs ADD COLUMN repair_id TEXT NULL, ADD COLUMN requested_by TEXT NULL, ADD COLUMN result_json TEXT NULL,
    ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ix_jobs_repair ON jobs (repair_id);
CREATE UNIQUE INDEX ux_jobs_one_active_repair ON jobs (worker_id) WHERE kind = 'repair' AND status IN ('queued', 'running');
ALTER TABLE workers ADD COLUMN listen_url TEXT NULL, ADD COLUMN blob_key TEXT NULL, ADD COLUMN auto_repair BOOLEAN NOT NULL DEFAULT FALSE;
