-- Who answers an Idempotency-Key, and which visit it started: a HIS that
-- retries while the first request still runs is told the visit to poll, and
-- only a key whose process died is reported as interrupted.
ALTER TABLE idempotency_keys ADD COLUMN session_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN out_biz_no TEXT;
