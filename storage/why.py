"""What storage knows of one article URL in one server, for ``/feed why`` (issue 11): the seen
keys of the server's feeds with that link (their status says why an entry never became an
article), the articles, their posts, the decisions of the subscriptions that held them, and the
first posts of the stories they were grouped with. Every lookup goes through an index
(``seen_by_link``, ``articles_by_entry``, the posts' and decisions' article keys)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.connection import Row, in_chunks
from storage.records import PostRecord, SeenStatus, StoredArticle
from storage.rows import article_from_row, post_from_row
from storage.stories import StoryStore, decision_from_row
from storage.story_records import ArticleDecision
from storage.terms import from_db, to_db


@dataclass(frozen=True, slots=True)
class SeenTrail:
    feed_id: int
    key: str
    status: SeenStatus
    first_seen_at: datetime


@dataclass(frozen=True, slots=True)
class UrlTrail:
    seen: tuple[SeenTrail, ...] = ()
    articles: tuple[StoredArticle, ...] = ()
    posts: tuple[PostRecord, ...] = ()
    decisions: tuple[ArticleDecision, ...] = ()
    group_posts: dict[int, PostRecord] = field(default_factory=dict)  # by post id


class WhyStore(StoryStore):
    async def url_trail(self, feed_ids: Sequence[int], link_norm: str) -> UrlTrail:
        """Everything recorded of the entry whose normalised link is ``link_norm`` in the feeds
        ``feed_ids`` (a server's)."""
        seen: list[SeenTrail] = []
        for chunk, marks in in_chunks(sorted(set(feed_ids))):
            rows = await self._fetchall(
                "SELECT feed_id, key, status, first_seen_at FROM seen_entries"
                f" WHERE feed_id IN ({marks}) AND link_norm = ? ORDER BY first_seen_at",
                (*chunk, link_norm),
            )
            seen += [SeenTrail(r[0], r[1], SeenStatus(r[2]), from_db(r[3])) for r in rows]
        articles: list[StoredArticle] = []
        for item in seen:
            row = await self._fetchone(
                "SELECT * FROM articles WHERE feed_id = ? AND entry_key = ?",
                (item.feed_id, item.key),
            )
            if row is not None:
                articles.append(article_from_row(row))
        ids = [a.id for a in articles]
        posts = await self._by_article("posts", ids)
        decisions = [decision_from_row(r) for r in await self._by_article("article_decisions", ids)]
        group_ids = sorted({d.group_post_id for d in decisions if d.group_post_id is not None})
        group_posts: dict[int, PostRecord] = {}
        for chunk, marks in in_chunks(group_ids):
            rows = await self._fetchall(f"SELECT * FROM posts WHERE id IN ({marks})", chunk)
            group_posts.update((int(r["id"]), post_from_row(r)) for r in rows)
        return UrlTrail(
            tuple(seen), tuple(articles), tuple(post_from_row(r) for r in posts),
            tuple(decisions), group_posts,
        )  # fmt: skip

    async def _by_article(self, table: str, article_ids: Sequence[int]) -> list[Row]:
        rows: list[Row] = []
        for chunk, marks in in_chunks(sorted(set(article_ids))):
            rows += await self._fetchall(
                f"SELECT * FROM {table} WHERE article_id IN ({marks})", tuple(chunk)
            )
        return rows


@dataclass(frozen=True, slots=True)
class DayArticle:
    """An article of a server's feeds stored since a time, with its story key (for digests)."""

    article: StoredArticle
    story: str  # the matcher's story, or the article's own key when it was not placed


class DigestStore(WhyStore):
    async def articles_since(
        self, feed_ids: Sequence[int], since: datetime, *, limit: int = 2000
    ) -> list[DayArticle]:
        """The articles of ``feed_ids`` stored after ``since`` (``articles_by_created``)."""
        found: list[DayArticle] = []
        for chunk, marks in in_chunks(sorted(set(feed_ids))):
            rows = await self._fetchall(
                "SELECT a.*, s.story_key AS story_key FROM articles a"
                " LEFT JOIN article_stories s ON s.article_id = a.id"
                f" WHERE a.feed_id IN ({marks}) AND a.created_at >= ?"
                " ORDER BY a.created_at, a.id LIMIT ?",
                (*chunk, to_db(since), limit),
            )
            for row in rows:
                article = article_from_row(row)
                own = f"{article.feed_id}:{article.entry_key}"
                found.append(DayArticle(article, row["story_key"] or own))
        return found[:limit]

    async def topics_between(
        self, feed_ids: Sequence[int], since: datetime, until: datetime, *, limit: int = 20_000
    ) -> list[tuple[str, ...]]:
        """The topics of each article of ``feed_ids`` stored in ``[since, until)`` (``/trends``)."""
        found: list[tuple[str, ...]] = []
        for chunk, marks in in_chunks(sorted(set(feed_ids))):
            rows = await self._fetchall(
                f"SELECT topics FROM articles WHERE feed_id IN ({marks}) AND created_at >= ?"
                " AND created_at < ? ORDER BY created_at DESC LIMIT ?",
                (*chunk, to_db(since), to_db(until), limit),
            )
            found += [tuple(json.loads(row[0])) for row in rows]
        return found
