-- Dépêche schema, version 1. Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ'.

CREATE TABLE feeds (
    id               INTEGER PRIMARY KEY,
    url              TEXT NOT NULL UNIQUE,          -- canonical URL
    title            TEXT NOT NULL DEFAULT '',
    site_url         TEXT,
    etag             TEXT,
    last_modified    TEXT,
    body_hash        TEXT,
    last_success_at  TEXT,
    last_attempt_at  TEXT,
    next_poll_at     TEXT,
    failure_count    INTEGER NOT NULL DEFAULT 0,
    first_failure_at TEXT,
    last_error       TEXT,
    state            TEXT NOT NULL DEFAULT 'active'
                     CHECK (state IN ('active', 'disabled_failing', 'gone')),
    state_reason     TEXT,
    is_new           INTEGER NOT NULL DEFAULT 1,
    is_default       INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL
);
CREATE INDEX feeds_due ON feeds (state, next_poll_at);

-- Every entry key ever seen, per feed. Kept forever; retention may only turn rows into
-- tombstones (F20), so an old item listed again is never reposted.
CREATE TABLE seen_entries (
    feed_id       INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    link_norm     TEXT,
    title_norm    TEXT,
    status        TEXT NOT NULL CHECK (status IN ('baseline', 'new', 'skipped_flood',
                  'skipped_old', 'blocked_duplicate', 'filtered')),
    first_seen_at TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
CREATE INDEX seen_by_link ON seen_entries (feed_id, link_norm) WHERE link_norm IS NOT NULL;
CREATE INDEX seen_by_title ON seen_entries (feed_id, title_norm) WHERE title_norm IS NOT NULL;

CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    entry_key    TEXT,
    url          TEXT,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    text_origin  TEXT NOT NULL CHECK (text_origin IN ('page', 'feed', 'text')),
    authors      TEXT NOT NULL DEFAULT '[]',        -- JSON array of strings
    topics       TEXT NOT NULL DEFAULT '[]',        -- JSON array of strings
    published_at TEXT,
    source       TEXT,
    site_name    TEXT,
    image        TEXT,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX articles_by_entry ON articles (feed_id, entry_key) WHERE entry_key IS NOT NULL;
CREATE INDEX articles_by_created ON articles (created_at);

-- Full-text index over articles, accent- and case-insensitive, kept in sync by triggers.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, authors, topics,
    tokenize = "unicode61 remove_diacritics 2"
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, authors, topics) VALUES (
        new.id, new.title, new.summary,
        (SELECT coalesce(group_concat(value, ' ; '), '') FROM json_each(new.authors)),
        (SELECT coalesce(group_concat(value, ' ; '), '') FROM json_each(new.topics)));
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
    INSERT INTO articles_fts (rowid, title, summary, authors, topics) VALUES (
        new.id, new.title, new.summary,
        (SELECT coalesce(group_concat(value, ' ; '), '') FROM json_each(new.authors)),
        (SELECT coalesce(group_concat(value, ' ; '), '') FROM json_each(new.topics)));
END;

-- Known authors and topics, for autocomplete (prefix range scans on term_norm).
CREATE TABLE terms (
    kind         TEXT NOT NULL CHECK (kind IN ('topic', 'author')),
    term_norm    TEXT NOT NULL,
    term         TEXT NOT NULL,
    uses         INTEGER NOT NULL DEFAULT 1,
    last_used_at TEXT NOT NULL,
    PRIMARY KEY (kind, term_norm)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    feed_id           INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    filters           TEXT NOT NULL DEFAULT '{}',   -- JSON: include, exclude, authors, categories
    state             TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active',
                      'paused_permissions', 'channel_gone', 'bad_format')),
    state_reason      TEXT,
    bad_format_streak INTEGER NOT NULL DEFAULT 0,
    created_by        INTEGER,
    created_at        TEXT NOT NULL,
    UNIQUE (channel_id, feed_id)
);
CREATE INDEX subscriptions_by_feed ON subscriptions (feed_id, state);
CREATE INDEX subscriptions_by_guild ON subscriptions (guild_id);

CREATE TABLE follows (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER,
    user_id    INTEGER,
    channel_id INTEGER,
    kind       TEXT NOT NULL CHECK (kind IN ('topic', 'author')),
    term       TEXT NOT NULL,
    term_norm  TEXT NOT NULL CHECK (term_norm <> ''),
    delivery   TEXT NOT NULL CHECK (delivery IN ('dm', 'channel')),
    created_at TEXT NOT NULL,
    CHECK ((delivery = 'dm' AND user_id IS NOT NULL)
           OR (delivery = 'channel' AND channel_id IS NOT NULL))
);
CREATE INDEX follows_match ON follows (kind, term_norm);
CREATE UNIQUE INDEX follows_unique
    ON follows (kind, term_norm, delivery, coalesce(user_id, 0), coalesce(channel_id, 0));
CREATE INDEX follows_by_user ON follows (user_id);

-- The outbox: a post is recorded (pending) before it is sent and confirmed (sent) after.
CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
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
    UNIQUE (article_id, target_kind, target_id)
);
CREATE INDEX posts_due ON posts (state, id);
CREATE INDEX posts_by_subscription ON posts (subscription_id, state, created_at);
CREATE INDEX posts_by_target ON posts (target_kind, target_id, state);
