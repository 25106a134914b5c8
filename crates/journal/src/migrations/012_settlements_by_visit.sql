-- A visit's settlements by the visit: every identity check (is the person
-- frozen? who was settled?) asks for them, and without an index each asked
-- by reading the whole table -- per visit, growing with the journal (issue 19's
-- profile: 87 % of a visit's page reads).
CREATE INDEX settlements_visit ON settlements (visit_id);
