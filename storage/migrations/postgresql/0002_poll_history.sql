-- Dépêche schema, version 2, PostgreSQL: change history of each feed (as SQLite's 0002).
ALTER TABLE feeds ADD COLUMN last_changed_at TEXT COLLATE "C";
ALTER TABLE feeds ADD COLUMN change_interval_s DOUBLE PRECISION;
