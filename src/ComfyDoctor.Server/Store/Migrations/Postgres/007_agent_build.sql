-- The agent's build as its hello says it (BuildInfo): version, commit, OS, architecture. NULL: no agent that reports it
-- has said hello yet. An agent older than the server gets agent.outdated in its reports.
ALTER TABLE workers ADD COLUMN agent_version TEXT NULL, ADD COLUMN agent_commit TEXT NULL, ADD COLUMN agent_os TEXT NULL,
    ADD COLUMN agent_arch TEXT NULL;
