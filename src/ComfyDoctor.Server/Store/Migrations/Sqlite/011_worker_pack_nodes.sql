-- Issue 15 (session 6): what workers' ComfyUI reported, as evidence for the fleet's resolution. One row per worker and
-- custom_nodes folder of its latest report that reached ComfyUI: the node types /object_info listed from that folder
-- (python_module custom_nodes.FOLDER) and the checkout's git remote, so the server resolves with what the fleet really
-- loads (types generated at run time, JavaScript-only packs) in one small query, without reading any report.
CREATE TABLE worker_pack_nodes (
    worker_id TEXT NOT NULL,
    folder TEXT NOT NULL,
    url TEXT NULL,
    node_types_json TEXT NOT NULL,
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (worker_id, folder)
);
