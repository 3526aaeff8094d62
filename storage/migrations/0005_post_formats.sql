-- 0005: how a subscription's posts look and where they go. "complet" is the embed every post had before; the
-- other formats are "compact", "texte", "lien" and "modele", whose text (French placeholders
-- such as {titre}) is kept in template, validated by the bot when an admin sets it.
ALTER TABLE subscriptions ADD COLUMN format TEXT NOT NULL DEFAULT 'complet'
    CHECK (format IN ('complet', 'compact', 'texte', 'lien', 'modele'));
ALTER TABLE subscriptions ADD COLUMN template TEXT;
-- Where posts go besides a text channel: an announcement channel's posts may be published to
-- the servers that follow it (crosspost); a forum that requires a tag gets forum_tag_id, the
-- tag chosen at subscribe time, on every post no other tag matches; discussion opens a thread
-- under each post of a text or announcement channel.
ALTER TABLE subscriptions ADD COLUMN crosspost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN forum_tag_id INTEGER;
ALTER TABLE subscriptions ADD COLUMN discussion INTEGER NOT NULL DEFAULT 0;
