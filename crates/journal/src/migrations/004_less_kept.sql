-- Less kept: settlement payloads hold no name or 证件号 (the visit does, until
-- its retention ends), and a settlement's name may be replaced by its masked
-- form — the only edit a settlement ever takes.

DROP TRIGGER settlements_never_edited;

-- Payloads of earlier versions carried the person: they are taken out.
UPDATE settlements SET payload = json_remove(payload, '$.idNo', '$.userName')
    WHERE json_extract(payload, '$.idNo') IS NOT NULL
       OR json_extract(payload, '$.userName') IS NOT NULL;

CREATE TRIGGER settlements_never_edited BEFORE UPDATE OF
    id, visit_id, original_id, out_biz_no, auth_no, state, operator_id, operator_name,
    office_id, office_name, doctor_name, biz_type, id_no_last4, total_fee_fen, own_fen, hif_fen,
    acct_fen, hifp_fen, medical_settle_no, fail_reason, setl_time, business_day, payload,
    created_at, self_pay, source
ON settlements
BEGIN
    SELECT RAISE(ABORT, 'settlements are never edited: record a refund or a correction');
END;

-- The retention purge masks a name; nothing may put a full one back.
CREATE TRIGGER settlements_names_only_masked BEFORE UPDATE OF user_name ON settlements
WHEN NEW.user_name IS NOT NULL AND instr(NEW.user_name, '*') = 0
BEGIN
    SELECT RAISE(ABORT, 'a settlement''s name may only be masked');
END;
