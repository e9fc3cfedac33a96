CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    tags TEXT NOT NULL,
    credential_hash TEXT NOT NULL UNIQUE,
    enrolled_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers(id),
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    status TEXT NOT NULL,
    lease_until BIGINT NULL,
    attempts INTEGER NOT NULL,
    progress_json TEXT NULL,
    error TEXT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ix_jobs_worker_status ON jobs (worker_id, status);
CREATE TABLE integrity_scans (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers(id),
    job_id TEXT NOT NULL REFERENCES jobs(id),
    status TEXT NOT NULL,
    deep BOOLEAN NOT NULL,
    requested_at BIGINT NOT NULL,
    scanned_at BIGINT NULL,
    results_json TEXT NULL
);
CREATE INDEX ix_scans_worker ON integrity_scans (worker_id, requested_at);
CREATE TABLE model_checksums (
    identity TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size BIGINT NULL,
    urls_json TEXT NOT NULL
);
CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    parameters TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
