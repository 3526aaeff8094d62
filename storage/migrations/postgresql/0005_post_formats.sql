-- Dépêche schema, version 5, PostgreSQL: how a subscription's posts look (as SQLite's 0005).
ALTER TABLE subscriptions ADD COLUMN format TEXT COLLATE "C" NOT NULL DEFAULT 'complet'
    CHECK (format IN ('complet', 'compact', 'texte', 'lien', 'modele'));
ALTER TABLE subscriptions ADD COLUMN template TEXT COLLATE "C";
-- Where posts go besides a text channel: an announcement channel's posts may be published to
-- the servers that follow it (crosspost); a forum that requires a tag gets forum_tag_id, the
-- tag chosen at subscribe time, on every post no other tag matches; discussion opens a thread
-- under each post of a text or announcement channel.
ALTER TABLE subscriptions ADD COLUMN crosspost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN forum_tag_id BIGINT;
ALTER TABLE subscriptions ADD COLUMN discussion INTEGER NOT NULL DEFAULT 0;
