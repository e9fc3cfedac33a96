-- Issue 19.2: snapshots as the expected state of a tag or of one worker. One per (scope, name); the file is kept as it was
-- imported (ComfyUI-Manager's JSON or ours), with its SHA-256, where it came from (a file name, or the worker it was adopted
-- from) and who imported it when.
CREATE TABLE snapshots (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    PRIMARY KEY (scope, name)
);
