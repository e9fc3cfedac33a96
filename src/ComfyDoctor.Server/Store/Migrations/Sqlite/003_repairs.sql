ALTER TABLE jobs ADD COLUMN repair_id TEXT NULL;
ALTER TABLE jobs ADD COLUMN requested_by TEXT NULL;
ALTER TABLE jobs ADD COLUMN result_json TEXT NULL;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ix_jobs_repair ON jobs (repair_id);
CREATE UNIQUE INDEX ux_jobs_one_active_repair ON jobs (worker_id) WHERE kind = 'repair' AND status IN ('queued', 'running');
ALTER TABLE workers ADD COLUMN listen_url TEXT NULL;
ALTER TABLE workers ADD COLUMN blob_key TEXT NULL;
ALTER TABLE workers ADD COLUMN auto_repair INTEGER NOT NULL DEFAULT 0;
