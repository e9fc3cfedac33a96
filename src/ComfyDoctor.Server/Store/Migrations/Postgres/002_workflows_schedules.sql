CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL,
    requirements_json TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    cron TEXT NOT NULL,
    deep BOOLEAN NOT NULL,
    next_run BIGINT NOT NULL,
    last_run BIGINT NULL
);
