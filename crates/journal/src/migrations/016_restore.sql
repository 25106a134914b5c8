-- A replaced counter PC (`facepay central restore`, docs/central.md): the
-- counter's history rebuilt from the central server, masked. A restored
-- visit or settlement holds no full 证件号, so the server's keyed hash of it
-- is kept beside it: shipped again (a server restored from an older
-- backup), the row keeps its cross-counter search. NULL for every row this
-- journal made itself.
ALTER TABLE visits ADD COLUMN id_hmac TEXT;
ALTER TABLE settlements ADD COLUMN id_hmac TEXT;

-- When this journal took over its counter's history from the server (NULL:
-- it never did). A second restore is then refused rather than doubled.
ALTER TABLE replication ADD COLUMN restored_at TEXT;
