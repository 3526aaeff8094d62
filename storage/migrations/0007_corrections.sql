-- 0007: corrections and webhook identity. entry_hash is what the feed said of an entry when
-- its article was stored or last corrected (a hash of its title, then of its summary), so
-- that a later poll sees the feed correct it; corrections counts the corrections applied (a
-- few at most per article) and corrected_at tells when the last one was. A sent post whose
-- message must be edited has edit_pending set until Discord took the edit (edit_attempts
-- counts the failures). A subscription edits its posts in place unless corrections is 0.
ALTER TABLE articles ADD COLUMN entry_hash TEXT;
ALTER TABLE articles ADD COLUMN corrections INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN corrected_at TEXT;
ALTER TABLE posts ADD COLUMN edit_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN edit_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN edited_at TEXT;
ALTER TABLE subscriptions ADD COLUMN corrections INTEGER NOT NULL DEFAULT 1;
CREATE INDEX posts_edits ON posts (id) WHERE edit_pending = 1;
-- Webhook identity: a subscription with webhook = 1 posts through the channel's webhook, under
-- the source's name and avatar (feeds.avatar_url, the site's icon as the bot found it). One
-- webhook per channel, created once and reused; its token lets the bot execute it.
ALTER TABLE subscriptions ADD COLUMN webhook INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN avatar_url TEXT;
CREATE TABLE webhooks (
    channel_id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL,
    token      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
