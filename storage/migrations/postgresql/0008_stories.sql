-- Dépêche schema, version 8, PostgreSQL: same story, one post, and why (as SQLite's 0008).
-- The matcher's decision for each article it placed: the story it joined (story_key, the key
-- "feed_id:entry_key" of the story's first article, kept as text: that article may be pruned),
-- the article it matched and the score, the named entities they share (JSON), the words it
-- read (lede), so that the matcher's index is rebuilt as it was after a restart.
CREATE TABLE article_stories (
    article_id   BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    article_key  TEXT COLLATE "C" NOT NULL,
    story_key    TEXT COLLATE "C" NOT NULL,
    score        DOUBLE PRECISION NOT NULL DEFAULT 0,
    matched_key  TEXT COLLATE "C",
    shared       TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    lede         TEXT COLLATE "C" NOT NULL DEFAULT '',
    published_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX article_stories_by_story ON article_stories (story_key);
CREATE INDEX article_stories_by_time ON article_stories (published_at);
-- What a subscription did not post of an article, and why: its own filter, its channel's topic
-- filters, a cap, or the story already posted in the channel (group_post_id: that post).
CREATE TABLE article_decisions (
    article_id      BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    outcome         TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('filter', 'topic_filter', 'cycle_cap',
                    'day_cap', 'grouped')),
    detail          TEXT COLLATE "C",
    group_post_id   BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    decided_at      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (article_id, subscription_id)
);
CREATE INDEX article_decisions_by_group ON article_decisions (group_post_id)
    WHERE group_post_id IS NOT NULL;
CREATE INDEX article_decisions_by_subscription ON article_decisions (subscription_id);
-- A subscription groups the stories of its channel unless an admin turned it off.
ALTER TABLE subscriptions ADD COLUMN grouping INTEGER NOT NULL DEFAULT 1;
-- A sent post whose message must be edited (another outlet told its story): edits_wanted grows
-- with each article grouped under it, edits_done follows once the message shows them all.
ALTER TABLE posts ADD COLUMN edits_wanted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN edits_done INTEGER NOT NULL DEFAULT 0;
CREATE INDEX posts_edits_due ON posts (id) WHERE edits_wanted > edits_done;
