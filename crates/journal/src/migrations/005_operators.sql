-- Who may work the counter: 工号, name, role and an argon2id PIN hash (never
-- the PIN). Wrong PINs are counted here, so a lockout survives a restart and
-- holds for the CLI as for the panel.
CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('cashier', 'admin')),
    pin_hash      TEXT NOT NULL,
    failed_pins   INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- A shift: from sign-in to 交班 (or to the next operator's sign-in, or to the
-- end of the program that held it). Its summary is computed from the
-- settlements recorded in it.
CREATE TABLE shifts (
    id           INTEGER PRIMARY KEY,
    operator_id  TEXT NOT NULL REFERENCES operators(id),
    session_id   TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    ended_how    TEXT CHECK (ended_how IN ('handover', 'replaced', 'closed'))
) STRICT;
CREATE INDEX shifts_operator ON shifts(operator_id, id);

CREATE INDEX audit_operator ON audit(operator_id, id);
CREATE INDEX audit_action ON audit(action, id);
