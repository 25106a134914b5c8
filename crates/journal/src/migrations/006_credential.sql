-- 凭证方式: how the identity was obtained, 刷脸 (ec.auth + auth.check) or
-- 医保码 (cn.nhsa.qrcode.get). Kept on the settlement too, so 历史 filters and
-- exports it without a join; existing rows were all face scans.
ALTER TABLE visits ADD COLUMN credential TEXT NOT NULL DEFAULT 'face'
    CHECK (credential IN ('face', 'qrcode'));
ALTER TABLE settlements ADD COLUMN credential TEXT NOT NULL DEFAULT 'face'
    CHECK (credential IN ('face', 'qrcode'));
CREATE INDEX settlements_credential ON settlements(credential, id);

-- One scan at a time per counter, whether of a face or of a 医保码: the
-- terminal has one screen and one patient in front of it.
DROP INDEX calls_one_face_scan;
CREATE UNIQUE INDEX calls_one_face_scan ON calls(counter_id)
    WHERE status = 'in_flight' AND trans_type IN ('cn.nhsa.ec.auth', 'cn.nhsa.qrcode.get');
