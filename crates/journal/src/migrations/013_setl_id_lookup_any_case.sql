-- A setl_id is looked up whatever its letters' case (010): before a refund is
-- recorded its own setl_id is looked for among every SUCCESS and REFUND_SUCCESS,
-- and with no index on the upper-cased value each look read the whole table --
-- at a counter, every refund on a large journal (issue 19: generating a 1 M-row
-- journal crawled). The history search's index on the raw value becomes this
-- one (the search compares upper-cased too), so a settlement still writes one.
DROP INDEX settlements_settle_no;
CREATE INDEX settlements_settle_no ON settlements (upper(medical_settle_no), id);
