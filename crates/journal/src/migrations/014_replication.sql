-- The hospital's central server (docs/central.md). Once this counter is
-- enrolled (`replication` holds its one row), every change to a row the
-- server keeps is listed in `changes`, in commit order (one writer); the
-- shipper sends those rows as they are now and forgets the entries the
-- server has acknowledged. Before enrolment nothing is listed: a counter
-- without a server pays nothing.
CREATE TABLE replication (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    counter_id          TEXT NOT NULL,
    -- This journal, among every journal that ever shipped: the server
    -- refuses a second journal under the same counter id (a new PC set up
    -- with an old PC's id would otherwise overwrite its rows).
    journal_id          TEXT NOT NULL,
    -- The last entry the server confirmed it holds.
    acknowledged_seq    INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged_seq >= 0),
    -- The random token of the last batch the server confirmed: the server
    -- keeps the same, so a copy of this file that shipped meanwhile (a
    -- cloned PC) is told apart from this journal.
    shipped_token       TEXT,
    enrolled_at         TEXT NOT NULL
) STRICT;

-- Batches sent and not yet confirmed (a kill between the server's commit and
-- ours leaves one here: the server's token then names it).
CREATE TABLE shipping (
    token       TEXT PRIMARY KEY,
    up_to_seq   INTEGER NOT NULL
) STRICT;

-- AUTOINCREMENT: an emptied list must never hand out a number at or below
-- one already acknowledged, or its entry would be skipped.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl     TEXT NOT NULL
        CHECK (tbl IN ('visits', 'settlements', 'outbox', 'calls', 'audit', 'shifts')),
    row_id  INTEGER NOT NULL
) STRICT;

CREATE TRIGGER visits_listed_insert AFTER INSERT ON visits
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('visits', new.id);
END;
CREATE TRIGGER visits_listed_update AFTER UPDATE ON visits
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('visits', new.id);
END;
CREATE TRIGGER settlements_listed_insert AFTER INSERT ON settlements
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('settlements', new.id);
END;
CREATE TRIGGER outbox_listed_insert AFTER INSERT ON outbox
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('outbox', new.settlement_id);
END;
CREATE TRIGGER outbox_listed_update AFTER UPDATE ON outbox
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('outbox', new.settlement_id);
END;
-- Terminal calls (their outcomes and 待确认 resolutions), what operators did,
-- and shifts: for IT's and 财务's view of the hospital. The calls' raw
-- copies are never shipped (see the shipper).
CREATE TRIGGER calls_listed_insert AFTER INSERT ON calls
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('calls', new.id);
END;
CREATE TRIGGER calls_listed_update AFTER UPDATE ON calls
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('calls', new.id);
END;
CREATE TRIGGER audit_listed_insert AFTER INSERT ON audit
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('audit', new.id);
END;
CREATE TRIGGER shifts_listed_insert AFTER INSERT ON shifts
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('shifts', new.id);
END;
CREATE TRIGGER shifts_listed_update AFTER UPDATE ON shifts
WHEN EXISTS (SELECT 1 FROM replication)
BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('shifts', new.id);
END;
