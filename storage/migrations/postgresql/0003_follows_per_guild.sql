-- Dépêche schema, version 3, PostgreSQL: a member's follow is per server (as SQLite's 0003).
DROP INDEX follows_unique;
CREATE UNIQUE INDEX follows_unique
    ON follows (kind, term_norm, delivery, coalesce(guild_id, 0), coalesce(user_id, 0),
                coalesce(channel_id, 0));
