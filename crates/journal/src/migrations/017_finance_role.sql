-- A third role, 财务/信息科 (finance): the hospital's views and 对账, no
-- payments, no settings. SQLite cannot widen a CHECK in place, so the table
-- is rebuilt (the migration runs with foreign keys off and checks them
-- before it commits: shifts keep pointing at the same 工号).
CREATE TABLE operators_new (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('cashier', 'admin', 'finance')),
    pin_hash            TEXT NOT NULL,
    failed_pins         INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    active              INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at          TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    directory_revision  INTEGER
) STRICT;
INSERT INTO operators_new (id, name, role, pin_hash, failed_pins, locked_until, active,
                           created_at, created_by, updated_at, directory_revision)
    SELECT id, name, role, pin_hash, failed_pins, locked_until, active,
           created_at, created_by, updated_at, directory_revision
    FROM operators;
DROP TABLE operators;
ALTER TABLE operators_new RENAME TO operators;
