-- The hospital's one operator directory (docs/central.md "操作员"): every
-- counter caches it (argon2id hashes, never a PIN) so sign-in works offline,
-- and changes it only here, so an operator added, disabled or reset at one
-- counter reaches the others at their next sync.
-- created_at/updated_at are the counters' stamps as text, the journal's format.
CREATE TABLE operators (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    role            text NOT NULL CHECK (role IN ('cashier', 'admin')),
    pin_hash        text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    -- HMAC of (id, name, role, pin_hash, active) under a key derived from
    -- the hospital's identity key, which never enters this database:
    -- counters refuse an entry whose seal does not match, so a login to the
    -- database alone cannot make anyone an operator or an administrator.
    seal            text NOT NULL,
    -- Wrong PINs counted hospital-wide while counters are online, by the
    -- server's clock (a counter's wrong clock cannot lock anyone for days).
    failed_pins     integer NOT NULL DEFAULT 0 CHECK (failed_pins >= 0),
    locked_until    timestamptz,
    -- Taken from operator_revision under the directory's lock, so revisions
    -- commit in order and a counter that has seen revision n has seen all
    -- before it.
    revision        bigint NOT NULL,
    created_at      text NOT NULL,
    created_by      text NOT NULL,
    updated_at      text NOT NULL,
    updated_by      text NOT NULL
);
CREATE UNIQUE INDEX operators_revision ON operators (revision);
CREATE SEQUENCE operator_revision;

-- What each counter's build can write (its newest schema version): the newest
-- counter upgrades the schema only when every counter can follow. NULL for a
-- counter that has not beaten since it was built for V3 or older.
ALTER TABLE heartbeats ADD COLUMN supported_schema integer;
-- Whether the counter's face-scan terminal answered its last probe (NULL: not probed yet).
ALTER TABLE heartbeats ADD COLUMN terminal_reachable boolean;
