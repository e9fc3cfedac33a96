-- Issue 18.6: the dashboard's session (data-protection) keys live in the database, so every replica signs and reads the
-- same cookies without a shared folder. Each key's XML is sealed under the master key (SessionKeys); no key is ever deleted
-- here: the key ring keeps revoked and expired keys as the framework expects.
CREATE TABLE data_protection_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    friendly_name TEXT NULL,
    xml TEXT NULL
);
