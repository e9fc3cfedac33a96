-- Issue 14, 4: a repair is planned once. Each plan the server makes (a dry run, the dashboard's plan page, a repair
-- started at once, a fresh plan offered after a repair) is stored; the confirmation refers to it by id and version (the
-- SHA-256 of plans_json) and its jobs carry exactly its actions. repair_id is set once, when it is confirmed.
CREATE TABLE repair_plans (
    id TEXT NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    actions TEXT NOT NULL,
    source TEXT NULL,
    models_json TEXT NULL,
    plans_json TEXT NOT NULL,
    version TEXT NOT NULL,
    after_job_id TEXT NULL,
    repair_id TEXT NULL,
    confirmed_at INTEGER NULL,
    confirmed_by TEXT NULL
);
CREATE INDEX ix_repair_plans_created ON repair_plans (created_at);
CREATE INDEX ix_repair_plans_repair ON repair_plans (repair_id);
