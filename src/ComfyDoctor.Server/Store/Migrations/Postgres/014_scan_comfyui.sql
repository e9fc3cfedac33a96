-- Issue 19: ComfyUI's version, commit and dirty state of a finished scan beside its report, so `comfydoctor workers` and
-- GET /admin/workers show them without reading any report. NULL: not said (an older agent, not a git checkout, unknown).
ALTER TABLE integrity_scans ADD COLUMN comfy_ui_version TEXT NULL, ADD COLUMN comfy_ui_commit TEXT NULL,
    ADD COLUMN comfy_ui_dirty BOOLEAN NULL;
UPDATE integrity_scans SET
    comfy_ui_version = coalesce(
        results_json::jsonb -> 'inventory' -> 'environment' -> 'comfyUi' ->> 'version',
        results_json::jsonb -> 'inventory' -> 'environment' ->> 'comfyUiVersion',
        results_json::jsonb -> 'inventory' -> 'live' ->> 'comfyUiVersion'),
    comfy_ui_commit = results_json::jsonb -> 'inventory' -> 'environment' -> 'comfyUi' ->> 'commit',
    comfy_ui_dirty = (results_json::jsonb -> 'inventory' -> 'environment' -> 'comfyUi' ->> 'dirty')::boolean
WHERE results_json IS NOT NULL;
