PRAGMA application_id = 1145393221;
PRAGMA user_version = 10;
BEGIN;
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
, last_changed_at TEXT, change_interval_s REAL, lease_owner TEXT, lease_until TEXT, avatar_url TEXT, fetch_seconds REAL);
CREATE INDEX feeds_due ON feeds (state, next_poll_at);
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
, entry_hash TEXT, corrections INTEGER NOT NULL DEFAULT 0, corrected_at TEXT);
CREATE UNIQUE INDEX articles_by_entry ON articles (feed_id, entry_key) WHERE entry_key IS NOT NULL;
CREATE INDEX articles_by_created ON articles (created_at);
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
    created_at        TEXT NOT NULL, format TEXT NOT NULL DEFAULT 'complet'
    CHECK (format IN ('complet', 'compact', 'texte', 'lien', 'modele')), template TEXT, crosspost INTEGER NOT NULL DEFAULT 0, forum_tag_id INTEGER, discussion INTEGER NOT NULL DEFAULT 0, corrections INTEGER NOT NULL DEFAULT 1, webhook INTEGER NOT NULL DEFAULT 0, grouping INTEGER NOT NULL DEFAULT 1,
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
CREATE INDEX follows_by_user ON follows (user_id);
CREATE UNIQUE INDEX follows_unique
    ON follows (kind, term_norm, delivery, coalesce(guild_id, 0), coalesce(user_id, 0),
                coalesce(channel_id, 0));
CREATE TABLE webhooks (
    channel_id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL,
    token      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE article_stories (
    article_id   INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    article_key  TEXT NOT NULL,
    story_key    TEXT NOT NULL,
    score        REAL NOT NULL DEFAULT 0,
    matched_key  TEXT,
    shared       TEXT NOT NULL DEFAULT '[]',
    lede         TEXT NOT NULL DEFAULT '',
    published_at TEXT NOT NULL
);
CREATE INDEX article_stories_by_story ON article_stories (story_key);
CREATE INDEX article_stories_by_time ON article_stories (published_at);
CREATE TABLE article_decisions (
    article_id      INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    outcome         TEXT NOT NULL CHECK (outcome IN ('filter', 'topic_filter', 'cycle_cap',
                    'day_cap', 'grouped')),
    detail          TEXT,
    group_post_id   INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    decided_at      TEXT NOT NULL,
    PRIMARY KEY (article_id, subscription_id)
);
CREATE INDEX article_decisions_by_group ON article_decisions (group_post_id)
    WHERE group_post_id IS NOT NULL;
CREATE INDEX article_decisions_by_subscription ON article_decisions (subscription_id);
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
CREATE TABLE "posts" (
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
CREATE INDEX posts_due ON posts (state, id);
CREATE INDEX posts_by_subscription ON posts (subscription_id, state, created_at);
CREATE INDEX posts_by_target ON posts (target_kind, target_id, state);
CREATE INDEX posts_edits ON posts (id) WHERE edit_pending = 1;
CREATE INDEX posts_edits_due ON posts (id) WHERE edits_wanted > edits_done;
CREATE TABLE digests (
    schedule_id INTEGER NOT NULL REFERENCES digest_schedules (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    stories     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (schedule_id, day)
);
CREATE INDEX digests_by_post ON digests (post_id);
INSERT INTO "feeds" VALUES (1, 'https://gazette.example/rss', 'La Gazette', NULL, NULL, NULL, NULL, '2026-11-20T09:30:00.000000Z', '2026-11-20T09:30:00.000000Z', '2026-11-20T09:30:00.000000Z', 0, NULL, NULL, 'active', NULL, 0, 0, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 'https://gazette.example/apple-touch-icon.png', NULL);
INSERT INTO "feeds" VALUES (2, 'https://radio.example/flux.xml', 'Radio', NULL, NULL, NULL, NULL, NULL, NULL, '2026-11-20T09:30:00.000000Z', 0, NULL, NULL, 'active', NULL, 1, 0, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO "seen_entries" VALUES (1, 'guid-0', 'gazette.example/article/0', NULL, 'new', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-1', 'gazette.example/article/1', NULL, 'new', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-10', NULL, NULL, 'new', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-11', NULL, NULL, 'filtered', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-12', NULL, NULL, 'new', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-2', 'gazette.example/article/2', NULL, 'new', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-3', 'gazette.example/article/3', NULL, 'new', '2026-11-20T09:30:00.000000Z');
INSERT INTO "seen_entries" VALUES (1, 'guid-old', NULL, 'ancien titre', 'baseline', '2026-11-20T09:30:00.000000Z');
INSERT INTO "articles" VALUES (1, 1, 'guid-0', 'https://gazette.example/article/0', 'Le marché couvert rouvre ses portes (MàJ)', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-20T09:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', 'ffffffffffffffffffffffffffffffff', 1, '2026-11-20T09:30:00.000000Z');
INSERT INTO "articles" VALUES (2, 1, 'guid-1', 'https://gazette.example/article/1', 'Le marché couvert rouvre ses portes, épisode 1', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-20T08:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', '00000000000000000000000000000001', 0, NULL);
INSERT INTO "articles" VALUES (3, 1, 'guid-2', 'https://gazette.example/article/2', 'Le marché couvert rouvre ses portes, épisode 2', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-20T07:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', '00000000000000000000000000000002', 0, NULL);
INSERT INTO "articles" VALUES (4, 1, 'guid-3', 'https://gazette.example/article/3', 'Le marché couvert rouvre ses portes, épisode 3', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-20T06:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', '00000000000000000000000000000003', 0, NULL);
INSERT INTO "articles" VALUES (5, 1, 'guid-10', 'https://gazette.example/article/10', 'Le marché couvert rouvre ses portes, épisode 10', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-19T23:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', '0000000000000000000000000000000a', 0, NULL);
INSERT INTO "articles" VALUES (6, 1, 'guid-12', 'https://gazette.example/article/12', 'Le marché couvert rouvre ses portes, épisode 12', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-19T21:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', '0000000000000000000000000000000c', 0, NULL);
INSERT INTO "articles" VALUES (7, 1, 'guid-11', 'https://gazette.example/article/11', 'Le marché couvert rouvre ses portes, épisode 11', 'Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.', 'page', '["Camille Martin"]', '["commerce", "municipalité"]', '2026-11-19T22:30:00.000000Z', 'La Gazette', NULL, NULL, '2026-11-20T09:30:00.000000Z', '0000000000000000000000000000000b', 0, NULL);
INSERT INTO "terms" VALUES ('author', 'camille martin', 'Camille Martin', 7, '2026-11-20T09:30:00.000000Z');
INSERT INTO "terms" VALUES ('topic', 'commerce', 'commerce', 7, '2026-11-20T09:30:00.000000Z');
INSERT INTO "terms" VALUES ('topic', 'municipalite', 'municipalité', 7, '2026-11-20T09:30:00.000000Z');
INSERT INTO "subscriptions" VALUES (1, 11, 101, 1, '{"authors": [], "categories": [], "exclude": [], "include": []}', 'active', NULL, 0, NULL, '2026-11-20T09:30:00.000000Z', 'complet', NULL, 0, NULL, 0, 1, 1, 1);
INSERT INTO "subscriptions" VALUES (2, 11, 102, 1, '{"authors": [], "categories": [], "exclude": [], "include": []}', 'active', NULL, 0, NULL, '2026-11-20T09:30:00.000000Z', 'modele', '**{titre}** — {source} {lien}', 0, NULL, 0, 0, 0, 1);
INSERT INTO "subscriptions" VALUES (3, 12, 201, 2, '{"authors": [], "categories": [], "exclude": [], "include": []}', 'active', NULL, 0, NULL, '2026-11-20T09:30:00.000000Z', 'texte', NULL, 0, NULL, 0, 1, 0, 1);
INSERT INTO "follows" VALUES (1, 11, 501, NULL, 'topic', 'Commerce', 'commerce', 'dm', '2026-11-20T09:30:00.000000Z');
INSERT INTO "webhooks" VALUES (101, 990000000000000777, 'jeton-du-webhook', '2026-11-20T09:30:00.000000Z');
INSERT INTO "article_stories" VALUES (5, '1:guid-10', '1:guid-10', 0.0, NULL, '[]', 'marche couvert rouvre', '2026-11-20T09:30:00.000000Z');
INSERT INTO "article_stories" VALUES (6, '1:guid-12', '1:guid-10', 0.61, '1:guid-10', '["gazette"]', 'marche couvert rouvre', '2026-11-20T09:30:00.000000Z');
INSERT INTO "article_decisions" VALUES (6, 1, 'grouped', '1:guid-10', 13, '2026-11-20T09:30:00.000000Z');
INSERT INTO "article_decisions" VALUES (7, 1, 'filter', 'mot exclu : « travaux »', NULL, '2026-11-20T09:30:00.000000Z');
INSERT INTO "digest_schedules" VALUES (1, 11, 101, '08:00', '["commerce"]', 501, '2026-11-19T09:30:00.000000Z');
INSERT INTO "digest_schedules" VALUES (2, 11, 102, '18:30', '[]', 501, '2026-11-20T09:30:00.000000Z');
INSERT INTO "posts" VALUES (1, 1, 'channel', 101, 11, 1, NULL, 'sent', '476428cab03d3730b3a993577', 1, '990000000000000123', '2026-11-20T09:30:00.000000Z', '2026-11-20T09:30:00.000000Z', '2026-11-20T09:30:00.000000Z', NULL, '2026-11-20T09:30:00.000000Z', 1, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (2, 1, 'channel', 102, 11, 2, NULL, 'skipped_flood', '38c2b798a3e0dfea4a021a4c9', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (3, 1, 'dm', 501, 11, NULL, 1, 'failed_permanent', '3eaca5f03ed9db0217f5839f1', 1, NULL, '2026-11-20T09:30:00.000000Z', '2026-11-20T09:30:00.000000Z', NULL, '400 Invalid Form Body', '2026-11-20T09:30:00.000000Z', 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (4, 2, 'channel', 101, 11, 1, NULL, 'sending', '2218a90f3c5402bc239774af3', 1, NULL, '2026-11-20T09:30:00.000000Z', '2026-11-20T09:30:00.000000Z', NULL, NULL, '2026-11-20T09:30:00.000000Z', 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (5, 2, 'channel', 102, 11, 2, NULL, 'skipped_flood', '573f0a1ac1dbdfe5a6b2723f5', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (6, 2, 'dm', 501, 11, NULL, 1, 'pending', 'bc2d3502e0911dace90b63b93', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (7, 3, 'channel', 101, 11, 1, NULL, 'pending', '9f1983a029bff70640266ae2c', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (8, 3, 'channel', 102, 11, 2, NULL, 'skipped_flood', '84eca9decacef42b248a070e7', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (9, 3, 'dm', 501, 11, NULL, 1, 'pending', '516d64d347ce8f9233184e9dc', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (10, 4, 'channel', 101, 11, 1, NULL, 'pending', '301a4fb340c38d9496861d4b6', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (11, 4, 'channel', 102, 11, 2, NULL, 'skipped_flood', 'e0c28a39907695c1a3a234baf', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (12, 4, 'dm', 501, 11, NULL, 1, 'pending', '4779957cfe7d2ea6dbc079b29', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (13, 5, 'channel', 101, 11, 1, NULL, 'pending', '2528a8da44c9837d614a7a6d2', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 1, 0, NULL);
INSERT INTO "posts" VALUES (14, 5, 'dm', 501, 11, NULL, 1, 'pending', 'edd271628fa55c7230adc8b6a', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL);
INSERT INTO "posts" VALUES (15, NULL, 'channel', 101, 11, NULL, NULL, 'pending', '623a4a4502cc52ebc28f0bf31', 0, NULL, '2026-11-20T09:30:00.000000Z', NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, '{"title": "La revue de presse du vendredi 20 novembre", "embeds": [{"type": "rich", "title": "La revue de presse du vendredi 20 novembre", "description": "**1. Le marché couvert rouvre**"}]}');
INSERT INTO "digests" VALUES (1, '2026-11-20', 15, 1, '2026-11-20T09:30:00.000000Z');
COMMIT;
