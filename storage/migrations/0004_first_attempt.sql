-- 0004: when a post was first handed to Discord. Reconciliation (D5) reads the target's
-- messages created after that moment to find a post whose "sent" update was lost; the last
-- claim time (claimed_at) is later than the first attempt once a post has been claimed twice.
-- Rows attempted before this migration keep NULL: delivery then starts from created_at, which
-- is earlier than any attempt.
ALTER TABLE posts ADD COLUMN first_attempt_at TEXT;
