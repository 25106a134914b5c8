-- The HIS bridge: who started a visit or a settlement, settlements the HIS
-- pushed that wait for the cashier's F4, and idempotency keys of its POSTs.

-- 'panel' (the cashier), 'cli' (a script), 'his' (the HIS, through the bridge).
ALTER TABLE visits ADD COLUMN source TEXT NOT NULL DEFAULT 'panel'
    CHECK (source IN ('panel', 'cli', 'his'));
ALTER TABLE settlements ADD COLUMN source TEXT NOT NULL DEFAULT 'panel'
    CHECK (source IN ('panel', 'cli', 'his'));
-- The panel follows the HIS's newest visit: read from this index alone.
CREATE INDEX visits_source ON visits(source, id);

-- 'held': recorded, shown in the panel, sent when the cashier presses F4.
-- A CHECK cannot be altered in place: the table is rebuilt (nothing refers to it).
CREATE TABLE outbox_new (
    settlement_id   INTEGER PRIMARY KEY REFERENCES settlements(id),
    status          TEXT NOT NULL CHECK (status IN ('held', 'pending', 'delivered', 'gave_up')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT
) STRICT;
INSERT INTO outbox_new SELECT settlement_id, status, attempts, next_attempt_at, last_error, delivered_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';

-- Idempotency-Key of a bridge POST: the first response is replayed to a
-- retry with the same body; a different body under the same key is refused.
-- `status` is NULL while the first request is being answered.
CREATE TABLE idempotency_keys (
    key             TEXT PRIMARY KEY,
    endpoint        TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          INTEGER,
    response        TEXT,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
) STRICT;
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
