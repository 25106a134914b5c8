-- A third role in the directory, 财务/信息科 (finance): the hospital's views
-- and 对账, no payments, no settings. Counters built before it never see a
-- finance entry: they refuse a server on this schema (too new) and keep
-- serving until upgraded.
ALTER TABLE operators DROP CONSTRAINT operators_role_check;
ALTER TABLE operators ADD CONSTRAINT operators_role_check
    CHECK (role IN ('cashier', 'admin', 'finance'));
