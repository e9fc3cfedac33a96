-- Issue 19: ComfyUI's version, commit and dirty state of a finished scan beside its report, so `comfydoctor workers` and
-- GET /admin/workers show them without reading any report. NULL: not said (an older agent, not a git checkout, unknown).
ALTER TABLE integrity_scans ADD COLUMN comfy_ui_version TEXT NULL;
ALTER TABLE integrity_scans ADD COLUMN comfy_ui_commit TEXT NULL;
ALTER TABLE integrity_scans ADD COLUMN comfy_ui_dirty INTEGER NULL;
UPDATE integrity_scans SET
    comfy_ui_version = coalesce(
        json_extract(results_json, '$.inventory.environment.comfyUi.version'),
        json_extract(results_json, '$.inventory.environment.comfyUiVersion'),
        json_extract(results_json, '$.inventory.live.comfyUiVersion')),
    comfy_ui_commit = json_extract(results_json, '$.inventory.environment.comfyUi.commit'),
    comfy_ui_dirty = json_extract(results_json, '$.inventory.environment.comfyUi.dirty')
WHERE results_json IS NOT NULL AND json_valid(results_json);
