-- Dépêche schema, version 6, PostgreSQL: feed polling claims with a lease (as SQLite's 0006).
-- A process claims a due feed (lease_owner, lease_until) with FOR UPDATE SKIP LOCKED; another
-- skips it until the lease ends; every outcome of the poll clears both.
ALTER TABLE feeds ADD COLUMN lease_owner TEXT COLLATE "C";
ALTER TABLE feeds ADD COLUMN lease_until TEXT COLLATE "C";
