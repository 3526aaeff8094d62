-- 0009: the daily press review (issue 11, /digest schedule). A schedule per channel: the local
-- time of day (HH:MM in the bot's TIMEZONE) and the topics it keeps (JSON, [] for every story).
CREATE TABLE digest_schedules (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL UNIQUE,
    at_time    TEXT NOT NULL CHECK (length(at_time) = 5),
    topics     TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX digest_schedules_by_guild ON digest_schedules (guild_id);
-- A digest goes through the outbox like an article's post, but has no article: posts are
-- rebuilt with article_id nullable and the digest's rendered message (JSON) in digest, one of
-- the two always set (SQLite cannot drop a NOT NULL in place; the runner turns foreign keys
-- off during migrations, so dropping the old table touches no other row).
CREATE TABLE posts_new (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER REFERENCES articles (id) ON DELETE CASCADE,
    target_kind     TEXT NOT NULL CHECK (target_kind IN ('channel', 'dm')),
    target_id       INTEGER NOT NULL,
    guild_id        INTEGER,
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    follow_id       INTEGER REFERENCES follows (id) ON DELETE SET NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent',
                    'failed_permanent', 'cancelled', 'skipped_flood')),
    nonce           TEXT NOT NULL CHECK (length(nonce) <= 25),
    attempts        INTEGER NOT NULL DEFAULT 0,
    message_id      TEXT,
    created_at      TEXT NOT NULL,
    claimed_at      TEXT,
    sent_at         TEXT,
    last_error      TEXT,
    first_attempt_at TEXT,
    edit_pending    INTEGER NOT NULL DEFAULT 0,
    edit_attempts   INTEGER NOT NULL DEFAULT 0,
    edited_at       TEXT,
    edits_wanted    INTEGER NOT NULL DEFAULT 0,
    edits_done      INTEGER NOT NULL DEFAULT 0,
    digest          TEXT,
    UNIQUE (article_id, target_kind, target_id),
    CHECK (article_id IS NOT NULL OR digest IS NOT NULL)
);
INSERT INTO posts_new (id, article_id, target_kind, target_id, guild_id, subscription_id,
    follow_id, state, nonce, attempts, message_id, created_at, claimed_at, sent_at, last_error,
    first_attempt_at, edit_pending, edit_attempts, edited_at, edits_wanted, edits_done)
SELECT id, article_id, target_kind, target_id, guild_id, subscription_id, follow_id, state,
    nonce, attempts, message_id, created_at, claimed_at, sent_at, last_error, first_attempt_at,
    edit_pending, edit_attempts, edited_at, edits_wanted, edits_done FROM posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
CREATE INDEX posts_due ON posts (state, id);
CREATE INDEX posts_by_subscription ON posts (subscription_id, state, created_at);
CREATE INDEX posts_by_target ON posts (target_kind, target_id, state);
CREATE INDEX posts_edits ON posts (id) WHERE edit_pending = 1;
CREATE INDEX posts_edits_due ON posts (id) WHERE edits_wanted > edits_done;
-- The digest of a schedule's local day, enqueued once: the key (schedule_id, day) is what makes
-- a restart around the hour, or a second process, unable to enqueue it twice.
CREATE TABLE digests (
    schedule_id INTEGER NOT NULL REFERENCES digest_schedules (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    stories     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (schedule_id, day)
);
CREATE INDEX digests_by_post ON digests (post_id);
