-- The settlement a key's request recorded, written in the settlement's own
-- commit: when the process dies before the answer is stored, a retry under
-- the same key is told what was recorded instead of that it is lost.
ALTER TABLE idempotency_keys ADD COLUMN settlement_id INTEGER REFERENCES settlements (id);
