-- The hospital's central copy of every counter's journal (docs/central.md).
-- No name, full 证件号 or ecToken is ever stored here: names are masked as
-- 历史 shows them, a 证件号 is kept as its masked form and a keyed hash
-- (HMAC-SHA256 under the hospital's identity key, which never enters this
-- database) for exact search across counters.
-- Times are the hospital's wall-clock time, as the counters record them.

CREATE TABLE central_meta (
    key     text PRIMARY KEY,
    value   text NOT NULL
);

CREATE TABLE counters (
    counter_id          text PRIMARY KEY,
    -- The one journal that ships under this id (its random id).
    journal_id          text NOT NULL,
    -- The last entry of the counter's change list applied here, and the
    -- random token its batch came with (the counter keeps the same: a copy
    -- of the journal that shipped meanwhile no longer matches).
    acknowledged_seq    bigint NOT NULL DEFAULT 0 CHECK (acknowledged_seq >= 0),
    last_token          text,
    first_synced_at     timestamptz NOT NULL DEFAULT now(),
    last_synced_at      timestamptz
);

CREATE TABLE heartbeats (
    counter_id          text PRIMARY KEY REFERENCES counters,
    at                  timestamptz NOT NULL,
    app_version         text NOT NULL,
    outbox_backlog      integer NOT NULL,
    unresolved          integer NOT NULL,
    pending_changes     bigint NOT NULL,
    operator_id         text
);

-- Partitioned by month of their day: monthly partitions are created as rows
-- for a new month arrive (there is no default partition: a row without its
-- month's partition is an error, never silently parked).
CREATE TABLE visits (
    counter_id          text NOT NULL,
    local_id            bigint NOT NULL,
    created_at          timestamp(3) NOT NULL,
    out_biz_no          text NOT NULL,
    operator_id         text NOT NULL,
    operator_name       text NOT NULL,
    office_id           text NOT NULL,
    office_name         text NOT NULL,
    business_type       text NOT NULL,
    auth_no             text,
    user_name_masked    text,
    id_no_masked        text,
    id_hmac             text,
    id_type             text,
    insu_org            text,
    identified_at       timestamp(3),
    source              text NOT NULL,
    credential          text NOT NULL,
    PRIMARY KEY (counter_id, local_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX visits_id_hmac ON visits (id_hmac) WHERE id_hmac IS NOT NULL;
CREATE INDEX visits_out_biz_no ON visits (out_biz_no);

CREATE TABLE settlements (
    counter_id          text NOT NULL,
    local_id            bigint NOT NULL,
    business_day        date NOT NULL,
    visit_local_id      bigint,
    original_local_id   bigint,
    out_biz_no          text NOT NULL,
    auth_no             text,
    state               text NOT NULL
        CHECK (state IN ('SUCCESS', 'FAIL', 'REFUND_SUCCESS', 'REFUND_FAIL')),
    operator_id         text NOT NULL,
    operator_name       text NOT NULL,
    office_id           text,
    office_name         text,
    biz_type            text NOT NULL,
    user_name_masked    text,
    id_no_masked        text,
    id_hmac             text,
    total_fee_fen       bigint NOT NULL CHECK (total_fee_fen >= 0),
    own_fen             bigint CHECK (own_fen >= 0),
    hif_fen             bigint CHECK (hif_fen >= 0),
    acct_fen            bigint CHECK (acct_fen >= 0),
    hifp_fen            bigint CHECK (hifp_fen >= 0),
    medical_settle_no   text,
    fail_reason         text,
    setl_time           timestamp(0) NOT NULL,
    self_pay            boolean NOT NULL,
    source              text NOT NULL,
    credential          text NOT NULL,
    created_at          timestamp(3) NOT NULL,
    PRIMARY KEY (counter_id, local_id, business_day)
) PARTITION BY RANGE (business_day);
-- The hospital's 日结 reads only this index.
CREATE INDEX settlements_day_totals ON settlements
    (business_day, counter_id, operator_id, state, self_pay)
    INCLUDE (total_fee_fen, hif_fen, acct_fen, own_fen);
CREATE INDEX settlements_id_hmac ON settlements (id_hmac, business_day) WHERE id_hmac IS NOT NULL;
CREATE INDEX settlements_settle_no ON settlements (medical_settle_no);
CREATE INDEX settlements_out_biz_no ON settlements (out_biz_no);

-- Whether each settlement's result reached the patient's screen.
CREATE TABLE deliveries (
    counter_id              text NOT NULL,
    settlement_local_id     bigint NOT NULL,
    -- held: a HIS settlement waiting for the cashier's F4 (his_notify = "cashier").
    status                  text NOT NULL
        CHECK (status IN ('held', 'pending', 'delivered', 'gave_up')),
    attempts                integer NOT NULL,
    delivered_at            timestamp(3),
    PRIMARY KEY (counter_id, settlement_local_id)
);
