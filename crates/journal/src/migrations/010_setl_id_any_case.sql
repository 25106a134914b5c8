-- A setl_id is one settlement whatever its letters' case: `x` and `X` are
-- the same 医保单据流水号 to the platform, so the index compares them
-- upper-cased (the bridge trims the blanks a fixed-width HIS column pads).
-- Repeats an earlier journal let in that way are marked like those of 007.
DROP TRIGGER settlements_legacy_repeat_kept;

UPDATE settlements SET legacy_repeat = id
WHERE state = 'SUCCESS' AND medical_settle_no IS NOT NULL AND legacy_repeat = 0
  AND id > (SELECT min(o.id) FROM settlements o
            WHERE o.state = 'SUCCESS' AND upper(o.medical_settle_no) = upper(settlements.medical_settle_no));

DROP INDEX settlements_one_per_setl_id;

CREATE UNIQUE INDEX settlements_one_per_setl_id ON settlements (upper(medical_settle_no), legacy_repeat)
    WHERE state = 'SUCCESS' AND medical_settle_no IS NOT NULL;

CREATE TRIGGER settlements_legacy_repeat_kept BEFORE UPDATE OF legacy_repeat ON settlements
BEGIN
    SELECT RAISE(ABORT, 'settlements are never edited: record a refund or a correction');
END;
