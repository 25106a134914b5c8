-- The hospital's operator directory (central server, docs/central.md): with
-- a server configured, `operators` is this counter's cache of it (argon2id
-- hashes, so sign-in works offline). The last revision of the directory the
-- cache holds; no row until the counter first joined the directory.
CREATE TABLE directory (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    revision    INTEGER NOT NULL CHECK (revision >= 0),
    joined_at   TEXT NOT NULL
) STRICT;

-- Each cached operator's revision in the directory: an entry the server
-- shows that is older than the one cached here (a row copied back past the
-- counters) is not believed.
ALTER TABLE operators ADD COLUMN directory_revision INTEGER;
