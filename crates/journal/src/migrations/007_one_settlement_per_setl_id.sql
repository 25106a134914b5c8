-- One 2207 setl_id, one settlement: a SUCCESS whose 医保单据流水号 is
-- recorded already, on this visit or another, is refused by this index,
-- whoever writes it (panel, CLI, HIS bridge). Journals written before the
-- rule may hold repeats: each later one is marked with its own id in
-- legacy_repeat (0 on every other row), which keeps it out of the index.
ALTER TABLE settlements ADD COLUMN legacy_repeat INTEGER NOT NULL DEFAULT 0;

UPDATE settlements SET legacy_repeat = id
WHERE state = 'SUCCESS' AND medical_settle_no IS NOT NULL
  AND id > (SELECT min(o.id) FROM settlements o
            WHERE o.state = 'SUCCESS' AND o.medical_settle_no = settlements.medical_settle_no);

CREATE UNIQUE INDEX settlements_one_per_setl_id ON settlements (medical_settle_no, legacy_repeat)
    WHERE state = 'SUCCESS' AND medical_settle_no IS NOT NULL;

CREATE TRIGGER settlements_legacy_repeat_kept BEFORE UPDATE OF legacy_repeat ON settlements
BEGIN
    SELECT RAISE(ABORT, 'settlements are never edited: record a refund or a correction');
END;
