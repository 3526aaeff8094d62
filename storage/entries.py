"""Seen entry keys, articles (with their posts, atomically), full-text search, known terms."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.connection import Connection, Session, in_chunks
from storage.records import (
    NewArticle,
    PlannedPost,
    PostState,
    SaveResult,
    SeenKey,
    StoredArticle,
    TargetKind,
    make_nonce,
)
from storage.rows import article_from_row, post_from_row
from storage.search import SearchKind, search_columns, search_sql
from storage.social import select_dm_follows
from storage.stories import group_post, insert_decisions, insert_story
from storage.story_records import HeldPost, StoryChoice
from storage.terms import fold_term, to_db, to_db_opt


async def insert_seen(db: Session, feed_id: int, keys: Iterable[SeenKey], now: datetime) -> int:
    return await db.executemany(
        "INSERT INTO seen_entries (feed_id, key, link_norm, title_norm, status, first_seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(feed_id, k.key, k.link_norm, k.title_norm or None, k.status.value, to_db(now))
         for k in keys],
    )  # fmt: skip


_INSERT_POST_SQL = (
    "INSERT INTO posts (article_id, target_kind, target_id, guild_id, subscription_id,"
    " follow_id, state, nonce, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (article_id, target_kind, target_id) DO NOTHING"
)


@dataclass(frozen=True, slots=True)
class _NewPost:
    """One post row to insert: where it goes and why (a subscription's or a follow's)."""

    target: tuple[TargetKind, int]
    state: PostState
    guild_id: int | None
    subscription_id: int | None = None
    follow_id: int | None = None


async def _insert_posts(
    db: Session, article_id: int, posts: Sequence[_NewPost], now: datetime
) -> None:
    """The posts of one article in one statement (``executemany``: one round trip on both
    backends, whatever the number of channels), in the given order; a post that exists
    already (same article and target) is left as it is."""
    if not posts:
        return
    created = to_db(now)
    await db.executemany(
        _INSERT_POST_SQL,
        [(article_id, p.target[0].value, p.target[1], p.guild_id, p.subscription_id,
          p.follow_id, p.state.value, make_nonce(article_id, *p.target), created)
         for p in posts],
    )  # fmt: skip


async def upsert_terms(db: Session, articles: Sequence[NewArticle], now: datetime) -> None:
    """The authors and topics of every article of the unit of work, in one sorted pass: two
    processes upserting the same terms lock them in the same order. (Per article, the terms of
    a poll's second article could be locked before those of its first by another process:
    PostgreSQL found deadlocks between three pollers.)"""
    pairs = [
        pair
        for article in articles
        for pair in [("author", a) for a in article.authors]
        + [("topic", t) for t in article.topics]
    ]
    rows = sorted((kind, fold_term(term), term.strip(), to_db(now)) for kind, term in pairs
                  if fold_term(term))  # fmt: skip
    await db.executemany(
        "INSERT INTO terms (kind, term_norm, term, last_used_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (kind, term_norm) DO UPDATE SET uses = terms.uses + 1,"
        " last_used_at = excluded.last_used_at",
        rows,
    )


async def _enqueue_dm_follows(
    db: Session,
    article_id: int,
    article: NewArticle,
    guild_ids: Sequence[int],
    now: datetime,
) -> None:
    """One DM per matching follower of ``guild_ids`` (unique per article and user)."""
    follows = await select_dm_follows(
        db, guild_ids, title=article.title, topics=article.topics, authors=article.authors
    )
    posts = [
        _NewPost((TargetKind.DM, follow.user_id), PostState.PENDING, follow.guild_id,
                 follow_id=follow.id)
        for follow in follows
        if follow.user_id is not None  # the schema forbids it; kept for the type checker
    ]  # fmt: skip
    await _insert_posts(db, article_id, posts, now)


async def _insert_article(db: Session, article: NewArticle, now: datetime) -> int:
    columns = ("feed_id, entry_key, url, title, summary, text_origin, authors, topics,"
               " published_at, source, site_name, image, created_at, entry_hash")  # fmt: skip
    values: list[object] = [
        article.feed_id, article.entry_key, article.url, article.title, article.summary,
        article.text_origin, json.dumps(list(article.authors), ensure_ascii=False),
        json.dumps(list(article.topics), ensure_ascii=False),
        to_db_opt(article.published_at), article.source, article.site_name, article.image,
        to_db(now), article.entry_hash,
    ]  # fmt: skip
    if db.dialect.is_postgresql:  # SQLite's FTS5 triggers index the article; here, its words
        columns += ", search_topic, search_author, search_any"
        values.extend(search_columns(article.title, article.summary, article.authors,
                                     article.topics))  # fmt: skip
    marks = ", ".join("?" * len(values))
    # One statement for a new entry's article; the entry's article already stored (a poll
    # recorded again, another process) is kept and its id returned.
    row = await db.fetchone(
        f"INSERT INTO articles ({columns}) VALUES ({marks})"
        " ON CONFLICT (feed_id, entry_key) WHERE entry_key IS NOT NULL DO NOTHING RETURNING id",
        values,
    )
    if row is None:
        row = await db.fetchone(
            "SELECT id FROM articles WHERE feed_id = ? AND entry_key = ?",
            (article.feed_id, article.entry_key),
        )
    assert row is not None
    return int(row[0])


def _channel_post(plan: PlannedPost) -> _NewPost:
    sub = plan.subscription
    return _NewPost((TargetKind.CHANNEL, sub.channel_id), plan.state, sub.guild_id, sub.id)


async def store_article(
    db: Session,
    article: NewArticle,
    now: datetime,
    seen: SeenKey | None,
    posts: Sequence[PlannedPost],
    match_follows: bool,
    story: StoryChoice | None = None,
    held: Sequence[HeldPost] = (),
    with_terms: bool = True,
) -> int:
    """Inside a write transaction: the article (reused on (feed_id, entry_key)), its seen key,
    its story and the subscriptions that hold it (issue 11), its subscription posts (a post of
    a story the channel already has is grouped instead, see ``storage.stories``), the DMs of
    matching follows, its terms (unless the caller upserts the terms of all its articles at
    once, ``upsert_terms``). Returns the article id."""
    article_id = await _insert_article(db, article, now)
    if seen is not None and article.feed_id is not None:
        await insert_seen(db, article.feed_id, [seen], now)
    if story is not None:
        await insert_story(db, article_id, story)
    if held:
        await insert_decisions(db, article_id, held, now)
    guilds: set[int] = set()
    channel_posts: list[_NewPost] = []
    for plan in posts:
        sub = plan.subscription
        if await group_post(db, article_id, plan, story, now):
            continue
        channel_posts.append(_channel_post(plan))
        if plan.state is PostState.PENDING:
            guilds.add(sub.guild_id)
    await _insert_posts(db, article_id, channel_posts, now)
    if match_follows and guilds:
        await _enqueue_dm_follows(db, article_id, article, sorted(guilds), now)
    if with_terms:
        await upsert_terms(db, [article], now)
    return article_id


class EntryStore(Connection):
    # --- seen keys -----------------------------------------------------------------------
    async def known_keys(self, feed_id: int, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are already recorded for the feed."""
        found: set[str] = set()
        for chunk, marks in in_chunks(keys):
            rows = await self._fetchall(
                f"SELECT key FROM seen_entries WHERE feed_id = ? AND key IN ({marks})",
                (feed_id, *chunk),
            )
            found.update(row[0] for row in rows)
        return found

    async def has_seen_entries(self, feed_id: int) -> bool:
        row = await self._fetchone(
            "SELECT 1 FROM seen_entries WHERE feed_id = ? LIMIT 1", (feed_id,)
        )
        return row is not None

    async def blocking_matches(
        self, feed_id: int, *, link_norms: Sequence[str], title_norms: Sequence[str]
    ) -> tuple[set[str], set[str]]:
        """The given normalised links and titles that a seen entry of the feed already has."""
        links: set[str] = set()
        titles: set[str] = set()
        for column, values, out in (("link_norm", link_norms, links),
                                    ("title_norm", title_norms, titles)):  # fmt: skip
            for chunk, marks in in_chunks(sorted({v for v in values if v})):
                rows = await self._fetchall(
                    f"SELECT DISTINCT {column} FROM seen_entries"
                    f" WHERE feed_id = ? AND {column} IN ({marks})",
                    (feed_id, *chunk),
                )
                out.update(row[0] for row in rows)
        return links, titles

    async def record_seen(self, feed_id: int, keys: Sequence[SeenKey], *, now: datetime) -> int:
        """Record keys with their statuses (existing keys are left as they are)."""
        if not keys:
            return 0
        async with self._tx() as db:
            return await insert_seen(db, feed_id, keys, now)

    # --- articles ------------------------------------------------------------------------
    async def save_article(
        self,
        article: NewArticle,
        *,
        now: datetime,
        seen: SeenKey | None = None,
        posts: Sequence[PlannedPost] = (),
        match_follows: bool = True,
    ) -> SaveResult:
        """Store an article, its seen key and its posts (subscriptions, then follows) at once.

        With ``match_follows``, every DM follow of a guild where the article gets a pending
        subscription post (never another guild's, never for a skipped post) adds one DM.
        Idempotent on (feed_id, entry_key): a second call reuses the stored article and the
        outbox's unique key keeps every target to one post.
        """
        async with self._tx() as db:
            article_id = await store_article(db, article, now, seen, posts, match_follows)
            row = await db.fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
            assert row is not None
            stored = article_from_row(row)
            rows = await db.fetchall(
                "SELECT * FROM posts WHERE article_id = ? ORDER BY id", (article_id,)
            )
            enqueued = tuple(post_from_row(r) for r in rows)
        return SaveResult(stored, enqueued)

    async def get_article(self, article_id: int) -> StoredArticle | None:
        row = await self._fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
        return None if row is None else article_from_row(row)

    async def article_for_entry(self, feed_id: int, entry_key: str) -> StoredArticle | None:
        row = await self._fetchone(
            "SELECT * FROM articles WHERE feed_id = ? AND entry_key = ?", (feed_id, entry_key)
        )
        return None if row is None else article_from_row(row)

    async def enqueue_post(self, article_id: int, plan: PlannedPost, *, now: datetime) -> None:
        """Enqueue one more subscription post for a stored article (backfill)."""
        async with self._tx() as db:
            await _insert_posts(db, article_id, [_channel_post(plan)], now)

    # --- search --------------------------------------------------------------------------
    async def search_articles(
        self, *criteria: tuple[SearchKind, str | None], limit: int = 10
    ) -> list[StoredArticle]:
        """Articles matching every criterion (``("topic", "climat")``, ``("author", "Dupont")``,
        ``("any", ...)``), accent- and case-insensitive, newest first (publication date, else
        the date the bot stored it). Criteria without words are ignored; none at all finds
        nothing. The whole match set is ordered, not a top-N by relevance."""
        query = search_sql(self._dialect, criteria, limit)
        if query is None:
            return []
        return [article_from_row(r) for r in await self._fetchall(*query)]

    async def known_authors(self, prefix: str, limit: int = 25) -> list[str]:
        return await self._known_terms("author", prefix, limit)

    async def known_topics(self, prefix: str, limit: int = 25) -> list[str]:
        return await self._known_terms("topic", prefix, limit)

    async def _known_terms(self, kind: str, prefix: str, limit: int) -> list[str]:
        folded = fold_term(prefix)
        rows = await self._fetchall(
            "SELECT term FROM terms WHERE kind = ? AND term_norm >= ? AND term_norm < ?"
            " ORDER BY uses DESC, term_norm LIMIT ?",
            (kind, folded, folded + "\U0010ffff", limit),
        )
        return [row[0] for row in rows]

    async def prune_articles(self, *, older_than: datetime) -> int:
        """Delete old articles whose posts are all settled. Seen keys are kept forever (F20)."""
        async with self._tx() as db:
            return await db.execute(
                "DELETE FROM articles WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM posts p"
                " WHERE p.article_id = articles.id AND p.state IN ('pending', 'sending'))",
                (to_db(older_than),),
            )
