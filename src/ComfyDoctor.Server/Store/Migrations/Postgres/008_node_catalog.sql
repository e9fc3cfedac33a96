-- Issue 15.2: the node catalog lives on the server. One row per ComfyUI-Manager file (extension-node-map.json,
-- custom-node-list.json, github-stats.json) as imported, with where it came from and when; node_catalog_state holds
-- the admin's pins and a version every change bumps (replicas rebuild their cached catalog when it moves) and the
-- last scheduled refresh's outcome. A workflow keeps its resolution (pack, evidence, runners-up per node type).
CREATE TABLE node_catalog_files (
    file TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    source TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    etag TEXT NULL,
    last_modified TEXT NULL
);
CREATE TABLE node_catalog_state (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    pins_json TEXT NOT NULL,
    pins_changed_at BIGINT NULL,
    pins_changed_by TEXT NULL,
    refreshed_at BIGINT NULL,
    refresh_error TEXT NULL
);
-- No pins yet: '' (no braces in these scripts: the runner formats their text).
INSERT INTO node_catalog_state (id, version, pins_json) VALUES ('current', 0, '');
ALTER TABLE workflows ADD COLUMN resolution_json TEXT NULL;
