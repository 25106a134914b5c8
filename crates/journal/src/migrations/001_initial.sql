-- The first schema. Times are the hospital's local wall-clock time,
-- 'YYYY-MM-DD HH:MM:SS.fff'; money is integer fen.

-- A running process (app window or CLI) that may own in-flight calls.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    program     TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL
) STRICT;

-- Persisted counters behind outBizNo: never reset, so clock changes and
-- restarts cannot repeat a number.
CREATE TABLE sequences (
    scope       TEXT PRIMARY KEY,
    next_value  INTEGER NOT NULL CHECK (next_value >= 1)
) STRICT;

-- One patient at the counter: the face scan and the identity it yielded.
CREATE TABLE visits (
    id              INTEGER PRIMARY KEY,
    out_biz_no      TEXT NOT NULL UNIQUE,   -- the ec.auth outBizNo
    counter_id      TEXT NOT NULL,
    operator_id     TEXT NOT NULL,
    operator_name   TEXT NOT NULL,
    office_id       TEXT NOT NULL,
    office_name     TEXT NOT NULL,
    business_type   TEXT NOT NULL,
    auth_no         TEXT,
    user_name       TEXT,
    id_no           TEXT,
    id_no_last4     TEXT,
    id_type         TEXT,
    gender          TEXT,
    birthday        TEXT,
    insu_org        TEXT,
    ec_token        TEXT,
    ec_index_no     TEXT,
    identified_at   TEXT,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX visits_auth_no ON visits(auth_no);

-- A settlement result as notified. Never edited: refunds and corrections are
-- new rows pointing at the original (original_id).
CREATE TABLE settlements (
    id                  INTEGER PRIMARY KEY,
    visit_id            INTEGER REFERENCES visits(id),
    original_id         INTEGER REFERENCES settlements(id),
    out_biz_no          TEXT NOT NULL,
    auth_no             TEXT,
    state               TEXT NOT NULL,
    operator_id         TEXT NOT NULL,
    operator_name       TEXT NOT NULL,
    office_id           TEXT,
    office_name         TEXT,
    doctor_name         TEXT,
    biz_type            TEXT NOT NULL,
    user_name           TEXT,
    id_no_last4         TEXT,
    total_fee_fen       INTEGER NOT NULL CHECK (total_fee_fen >= 0),
    own_fen             INTEGER CHECK (own_fen >= 0),
    hif_fen             INTEGER CHECK (hif_fen >= 0),
    acct_fen            INTEGER CHECK (acct_fen >= 0),
    hifp_fen            INTEGER CHECK (hifp_fen >= 0),
    medical_settle_no   TEXT,
    fail_reason         TEXT,
    setl_time           TEXT NOT NULL,
    business_day        TEXT NOT NULL,      -- the 日结 day it counts in
    payload             TEXT NOT NULL,      -- the validated notify, as it is (re)sent
    created_at          TEXT NOT NULL
) STRICT;
-- The same result submitted twice (double click, two windows) is one row: same
-- visit, state, time, amount and settlement number.
CREATE UNIQUE INDEX settlements_same_result ON settlements
    (out_biz_no, state, setl_time, total_fee_fen, coalesce(medical_settle_no, ''));
CREATE INDEX settlements_day ON settlements(business_day, id);
CREATE INDEX settlements_operator_day ON settlements(operator_id, business_day, id);
-- 日结 reads only this index.
CREATE INDEX settlements_day_totals ON settlements
    (business_day, operator_id, state, total_fee_fen, hif_fen, acct_fen, own_fen);
CREATE INDEX settlements_operator ON settlements(operator_id, id);
CREATE INDEX settlements_office ON settlements(office_id, id);
CREATE INDEX settlements_state ON settlements(state, id);
CREATE INDEX settlements_biz_type ON settlements(biz_type, id);
CREATE INDEX settlements_user_name ON settlements(user_name, id);
CREATE INDEX settlements_id_last4 ON settlements(id_no_last4, id);
CREATE INDEX settlements_out_biz_no ON settlements(out_biz_no, id);
CREATE INDEX settlements_auth_no ON settlements(auth_no, id);
CREATE INDEX settlements_settle_no ON settlements(medical_settle_no, id);
CREATE INDEX settlements_original ON settlements(original_id);

CREATE TRIGGER settlements_never_edited BEFORE UPDATE ON settlements
BEGIN
    SELECT RAISE(ABORT, 'settlements are never edited: record a refund or a correction');
END;
CREATE TRIGGER settlements_never_deleted BEFORE DELETE ON settlements
BEGIN
    SELECT RAISE(ABORT, 'settlements are never deleted');
END;

-- Every terminal call: the intent is committed before the request leaves the
-- process, the outcome before anything is shown.
CREATE TABLE calls (
    id                  INTEGER PRIMARY KEY,
    session_id          TEXT NOT NULL REFERENCES sessions(id),
    visit_id            INTEGER REFERENCES visits(id),
    settlement_id       INTEGER REFERENCES settlements(id),
    counter_id          TEXT NOT NULL,
    trans_type          TEXT NOT NULL,
    out_biz_no          TEXT NOT NULL,
    request_masked      TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('in_flight', 'ok', 'failed', 'unknown')),
    error_kind          TEXT,
    error_code          TEXT,
    error_message       TEXT,
    reply_masked        TEXT,
    started_at          TEXT NOT NULL,
    finished_at         TEXT,
    resolution          TEXT CHECK (resolution IN ('confirmed_ok', 'confirmed_failed', 'superseded')),
    resolution_reason   TEXT,
    resolved_by         TEXT,
    resolved_at         TEXT
) STRICT;
-- ec.auth and auth.check numbers are used once; a notify retry reuses its own.
CREATE UNIQUE INDEX calls_number_used_once ON calls(out_biz_no)
    WHERE trans_type <> 'cn.nhsa.settle.notify';
-- One face scan at a time per counter, one delivery at a time per settlement.
CREATE UNIQUE INDEX calls_one_face_scan ON calls(counter_id)
    WHERE status = 'in_flight' AND trans_type = 'cn.nhsa.ec.auth';
CREATE UNIQUE INDEX calls_one_delivery ON calls(settlement_id)
    WHERE status = 'in_flight' AND settlement_id IS NOT NULL;
CREATE INDEX calls_open ON calls(status) WHERE status IN ('in_flight', 'unknown');
CREATE INDEX calls_visit ON calls(visit_id);
CREATE INDEX calls_settlement ON calls(settlement_id);

-- Deliveries of settle.notify still owed to the terminal.
CREATE TABLE outbox (
    settlement_id   INTEGER PRIMARY KEY REFERENCES settlements(id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'gave_up')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';

-- A closed 日结 day: its totals as they were, and no settlement lands in it afterwards.
CREATE TABLE day_closures (
    operator_id     TEXT NOT NULL,
    business_day    TEXT NOT NULL,
    closed_at       TEXT NOT NULL,
    closed_by       TEXT NOT NULL,
    totals          TEXT NOT NULL,
    PRIMARY KEY (operator_id, business_day)
) STRICT;

-- What operators did, append-only.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT,
    detail      TEXT
) STRICT;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
) STRICT;
