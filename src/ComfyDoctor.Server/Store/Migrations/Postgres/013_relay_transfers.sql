-- Issue 20, 3: the peer relay across replicas. When the downloading agent and the uploading peer reach different replicas,
-- the bytes pass through the database: the upload writes chunks (relay_chunks), at most a window of them ahead of the
-- download, which sends each to its agent and deletes it. relay_transfers holds the meeting: who uploads, the lengths once
-- the upload started, how many chunks the download took, and a failed upload's problem. Rows live only while a relay runs.
CREATE TABLE relay_transfers (
    id TEXT NOT NULL PRIMARY KEY,
    from_worker_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    length BIGINT NULL,
    total_length BIGINT NULL,
    consumed INTEGER NOT NULL DEFAULT 0,
    problem TEXT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE relay_chunks (
    relay_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (relay_id, seq)
);
