-- 凭证方式: how the identity was obtained, 刷脸 (ec.auth + auth.check) or
-- 医保码 (cn.nhsa.qrcode.get). Kept on the settlement too, so 历史 filters and
-- exports it without a join; existing rows were all face scans.
ALTER TABLE visits ADD COLUMN credential TEXT NOT NULL DEFAULT 'face'
    CHECK (credential IN ('face', 'qrcode'));
ALTER TABLE settlements ADD COLUMN credential TEXT NOT NULL DEFAULT 'face'
    CHECK (credential IN ('face', 'qrcode'));
CREATE INDEX settlements_credential ON settlements(credential, id);
