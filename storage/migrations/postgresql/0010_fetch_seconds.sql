-- Dépêche schema, version 10, PostgreSQL: the last fetch's duration (as SQLite's 0010).
ALTER TABLE feeds ADD COLUMN fetch_seconds DOUBLE PRECISION;
