-- 0006: feed polling claims with a lease. Several processes share one database: a process
-- claims a due feed by writing its name (lease_owner) and the end of its lease (lease_until,
-- UTC text as every timestamp); another process skips a feed whose lease has not ended. Every
-- outcome of the poll clears both; a process that dies mid-poll leaves its lease, and its feeds
-- are claimed again when it ends (no operator action).
ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
ALTER TABLE feeds ADD COLUMN lease_until TEXT;
