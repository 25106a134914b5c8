-- 对账 with the HIS: the differences a run found, kept until 财务 explains
-- each (a note, audited) or a later run no longer finds it. An explanation
-- holds for the amounts it saw: a later run with other amounts re-opens it.

CREATE TABLE reconciliation_differences (
    id                  bigserial PRIMARY KEY,
    business_day        date NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('his_only', 'not_delivered', 'terminal_only',
                            'amount_differs', 'state_differs', 'unsettled_scan')),
    -- The HIS's 医保单据流水号, or the visit's outBizNo where there is none (自费, a scan).
    match_key           text NOT NULL,
    state               text NOT NULL DEFAULT '',
    -- The n-th of its kind under one key and state (partial refunds share a setl_id).
    occurrence          integer NOT NULL DEFAULT 1,
    counter_id          text,
    out_biz_no          text,
    his_total_fen       bigint,
    our_total_fen       bigint,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    -- A later run of the same day no longer found it.
    gone_at             timestamptz,
    note                text,
    explained_by        text,
    explained_at        timestamptz,
    UNIQUE (business_day, kind, match_key, state, occurrence)
);
CREATE INDEX reconciliation_open ON reconciliation_differences (business_day)
    WHERE explained_at IS NULL AND gone_at IS NULL;

-- What people did on the central server (who explained which difference).
CREATE TABLE central_audit (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    counter_id      text NOT NULL,
    operator_id     text NOT NULL,
    action          text NOT NULL,
    subject         text,
    detail          text
);
