-- Issue 15 (session 6): what workers report about packs, as evidence for the fleet's resolution. One row per worker,
-- source and pack: 'objectInfo' — the node types its running ComfyUI's /object_info listed from a custom_nodes folder
-- (python_module custom_nodes.FOLDER) —, 'webCode' — the frontend-only types an installed pack's web code registers —;
-- with the pack's git remote and where it was seen. The server resolves with what the fleet really loads (types generated
-- at run time, JavaScript-only nodes) in one small query, without reading any report.
CREATE TABLE worker_pack_nodes (
    worker_id TEXT NOT NULL,
    source TEXT NOT NULL,
    folder TEXT NOT NULL,
    url TEXT NULL,
    node_types_json TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    PRIMARY KEY (worker_id, source, folder)
);
