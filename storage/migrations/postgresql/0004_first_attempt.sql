-- Dépêche schema, version 4, PostgreSQL: when a post was first handed to Discord (as SQLite's
-- 0004). Reconciliation reads the target's messages created after that moment; rows attempted
-- before this migration keep NULL and delivery starts from created_at.
ALTER TABLE posts ADD COLUMN first_attempt_at TEXT COLLATE "C";
