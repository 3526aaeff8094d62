-- Dépêche schema, version 7, PostgreSQL: corrections (as SQLite's 0007). entry_hash is what the
-- feed said of an entry when its article was stored or last corrected; corrections and
-- corrected_at count and date the corrections; edit_pending marks a sent post whose message
-- must be edited; subscriptions.corrections turns the edits off.
ALTER TABLE articles ADD COLUMN entry_hash TEXT COLLATE "C";
ALTER TABLE articles ADD COLUMN corrections INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN corrected_at TEXT COLLATE "C";
ALTER TABLE posts ADD COLUMN edit_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN edit_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN edited_at TEXT COLLATE "C";
ALTER TABLE subscriptions ADD COLUMN corrections INTEGER NOT NULL DEFAULT 1;
CREATE INDEX posts_edits ON posts (id) WHERE edit_pending = 1;
-- Webhook identity (as SQLite's 0006): subscriptions.webhook, feeds.avatar_url, one webhook per
-- channel with its token.
ALTER TABLE subscriptions ADD COLUMN webhook INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN avatar_url TEXT COLLATE "C";
CREATE TABLE webhooks (
    channel_id BIGINT PRIMARY KEY,
    webhook_id BIGINT NOT NULL,
    token      TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
