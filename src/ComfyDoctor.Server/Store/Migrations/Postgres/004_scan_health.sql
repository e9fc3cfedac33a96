-- The lights of a finished scan beside its report, so listing the fleet never reads the reports (a few hundred KiB each).
ALTER TABLE integrity_scans ADD COLUMN health_json TEXT NULL;
UPDATE integrity_scans SET health_json = (results_json::jsonb -> 'health')::text WHERE results_json IS NOT NULL;
