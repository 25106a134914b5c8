-- Terminal calls (outcomes, 待确认 and how they were resolved), the audit
-- log and shifts of every counter. The raw request and reply copies and the
-- terminal's own error messages never leave the counter (error_message is
-- kept empty); a cashier's free text is scrubbed of ID numbers and of the
-- visit's own name and number before it is sent.

CREATE TABLE calls (
    counter_id          text NOT NULL,
    local_id            bigint NOT NULL,
    started_at          timestamp(3) NOT NULL,
    visit_local_id      bigint,
    settlement_local_id bigint,
    trans_type          text NOT NULL,
    out_biz_no          text NOT NULL,
    status              text NOT NULL CHECK (status IN ('in_flight', 'ok', 'failed', 'unknown')),
    error_kind          text,
    error_code          text,
    error_message       text,
    finished_at         timestamp(3),
    resolution          text,
    resolution_reason   text,
    resolved_by         text,
    resolved_at         timestamp(3),
    PRIMARY KEY (counter_id, local_id, started_at)
) PARTITION BY RANGE (started_at);
-- 待确认 across the hospital: unknown outcomes nobody resolved yet.
CREATE INDEX calls_unresolved ON calls (counter_id) WHERE status = 'unknown' AND resolution IS NULL;

CREATE TABLE audit (
    counter_id      text NOT NULL,
    local_id        bigint NOT NULL,
    at              timestamp(3) NOT NULL,
    operator_id     text NOT NULL,
    action          text NOT NULL,
    subject         text,
    detail          text,
    PRIMARY KEY (counter_id, local_id)
);
CREATE INDEX audit_at ON audit (at);

CREATE TABLE shifts (
    counter_id      text NOT NULL,
    local_id        bigint NOT NULL,
    operator_id     text NOT NULL,
    started_at      timestamp(3) NOT NULL,
    ended_at        timestamp(3),
    ended_how       text,
    PRIMARY KEY (counter_id, local_id)
);
CREATE INDEX shifts_operator ON shifts (operator_id, started_at);
