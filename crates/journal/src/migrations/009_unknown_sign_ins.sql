-- Wrong PINs given for a 工号 that does not exist (or is disabled), counted
-- like an operator's: the answer, the counter, the lock and the work done —
-- a journal write included — are the same for both, so neither the words
-- nor the time of an answer tell which 工号 exist. Rows idle for a day go.
CREATE TABLE unknown_sign_ins (
    id           TEXT PRIMARY KEY,
    failed_pins  INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    updated_at   TEXT NOT NULL
);
