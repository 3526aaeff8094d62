-- 0003: a member's follow is per server. The unique key of follows left the guild out, so the
-- same DM follow in a second server was silently dropped (ON CONFLICT DO NOTHING) and never
-- fired there. The new key adds the guild; the old, stricter key cannot hold duplicates of it.
DROP INDEX follows_unique;
CREATE UNIQUE INDEX follows_unique
    ON follows (kind, term_norm, delivery, coalesce(guild_id, 0), coalesce(user_id, 0),
                coalesce(channel_id, 0));
