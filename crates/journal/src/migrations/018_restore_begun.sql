-- When `facepay central restore` began on this journal (NULL: none under
-- way). Set in its own commit before the server hands the counter over and
-- cleared by the restore's own transaction: while it is set the journal
-- takes no visit, settlement or terminal call, because a payment taken in
-- between would make this journal no longer fresh, and the restore could
-- then neither finish nor be undone without stranding that payment.
ALTER TABLE replication ADD COLUMN restore_begun_at TEXT;

-- When a restore here lost its counter to another PC while it was being
-- written (NULL: never). Such a journal stays paused, and a later restore of
-- the counter is refused: taking it back, once the PC that won it is quiet
-- for a while, would strand that PC's payments instead.
ALTER TABLE replication ADD COLUMN restore_lost_at TEXT;
