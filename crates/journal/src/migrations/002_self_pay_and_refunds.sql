-- 自费 settlements, refunds linked to what they refund, an index for session
-- clean-up, and the dead
-- key/value settings table (the TOML file holds every setting).

-- 1 for a 自费 settlement (no 医保 amount block), 0 for 医保.
ALTER TABLE settlements ADD COLUMN self_pay INTEGER NOT NULL DEFAULT 0 CHECK (self_pay IN (0, 1));

-- 日结 reads only this index, now split by 医保 / 自费.
DROP INDEX settlements_day_totals;
CREATE INDEX settlements_day_totals ON settlements
    (business_day, operator_id, state, self_pay, total_fee_fen, hif_fen, acct_fen, own_fen);

-- What has been refunded of a settlement: read from the index alone.
DROP INDEX settlements_original;
CREATE INDEX settlements_original ON settlements (original_id, state, total_fee_fen);

DROP TABLE settings;

-- Which calls a session made: finding sessions that made none stays cheap.
CREATE INDEX calls_session ON calls(session_id);
