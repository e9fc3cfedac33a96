CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL,
    requirements_json TEXT NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    cron TEXT NOT NULL,
    deep INTEGER NOT NULL,
    next_run INTEGER NOT NULL,
    last_run INTEGER NULL
);
