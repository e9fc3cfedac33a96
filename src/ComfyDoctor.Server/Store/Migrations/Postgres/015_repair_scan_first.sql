-- One active repair per worker also while the repair waits for the worker's first scan: a scan job that carries a
-- repair id (a never-scanned worker's repair scans it first) counts as that worker's repair, across replicas.
DROP INDEX ux_jobs_one_active_repair;
CREATE UNIQUE INDEX ux_jobs_one_active_repair ON jobs (worker_id)
    WHERE (kind = 'repair' OR (kind = 'scan' AND repair_id IS NOT NULL)) AND status IN ('queued', 'running');
