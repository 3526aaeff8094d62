"""Corrections: an article already posted whose entry the feed corrected (its title or summary,
within ``CORRECTION_WINDOW`` of storing it), and the message edits that follow.

A poll reads, with what it knows of its entries, the recent articles of the known ones
(``recent_articles``: their stored ``entry_hash``); it decides and prepares without storage,
then ``record_poll`` applies its ``ArticleCorrection``s in the same transaction
(``apply_corrections``): the article's new title and summary, its new hash, one more
correction, and ``edit_pending`` on every post of it that reached (or may have reached)
Discord, when its subscription edits its posts (``subscriptions.corrections``; a follow's DM
always). A post still ``pending`` needs no edit: it is rendered from the corrected article.

Edits are idempotent (the same message, the same text), so the outbox of edits is simple:
``claim_due_edits`` reads the sent posts with ``edit_pending``, ``mark_edited`` clears it after
Discord took the edit (or refused it for good), ``release_edit`` counts a failure and gives up
after ``EDIT_ATTEMPTS_MAX``. A crash between the edit and ``mark_edited`` edits once more, to the
same text: never a second message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from storage.connection import Connection, Session, in_chunks
from storage.errors import NotFoundError
from storage.outbox import shard_clause
from storage.records import ArticleCorrection, ClaimedPost, RecentArticle, ShardScope
from storage.rows import article_from_row, post_from_row
from storage.search import search_columns
from storage.terms import to_db

CORRECTION_WINDOW = timedelta(hours=48)
MAX_CORRECTIONS = 3  # per article: a feed that rewrites an entry at every poll stops there
EDIT_ATTEMPTS_MAX = 5


async def apply_corrections(
    db: Session, corrections: Sequence[ArticleCorrection], now: datetime
) -> int:
    """Inside ``record_poll``'s transaction: each correction, and its posts marked for an edit.
    Returns the number of posts marked."""
    marked = 0
    for fix in corrections:
        row = await db.fetchone("SELECT * FROM articles WHERE id = ?", (fix.article_id,))
        if row is None:  # pruned meanwhile
            continue
        stored = article_from_row(row)
        if (stored.title, stored.summary) == (fix.title, fix.summary):
            await db.execute(
                "UPDATE articles SET entry_hash = ? WHERE id = ?", (fix.entry_hash, fix.article_id)
            )
            continue
        sets = "title = ?, summary = ?, entry_hash = ?, corrections = corrections + 1"
        values: list[object] = [fix.title, fix.summary, fix.entry_hash]
        if db.dialect.is_postgresql:  # SQLite's FTS5 trigger re-indexes the article
            sets += ", search_topic = ?, search_author = ?, search_any = ?"
            values.extend(search_columns(fix.title, fix.summary, stored.authors, stored.topics))
        await db.execute(
            f"UPDATE articles SET {sets}, corrected_at = ? WHERE id = ?",
            (*values, to_db(now), fix.article_id),
        )
        marked += await db.execute(
            "UPDATE posts SET edit_pending = 1, edit_attempts = 0 WHERE article_id = ?"
            " AND state IN ('sending', 'sent') AND (subscription_id IS NULL OR subscription_id"
            " IN (SELECT id FROM subscriptions WHERE corrections = 1))",
            (fix.article_id,),
        )
    return marked


class CorrectionStore(Connection):
    async def recent_articles(
        self, feed_id: int, keys: Sequence[str], *, now: datetime
    ) -> dict[str, RecentArticle]:
        """The articles of ``keys`` stored since ``now - CORRECTION_WINDOW`` with an entry hash
        (articles stored before migration 0007 have none: never corrected)."""
        found: dict[str, RecentArticle] = {}
        for chunk, marks in in_chunks(list(keys)):
            rows = await self._fetchall(
                "SELECT entry_key, id, entry_hash, corrections, title, summary FROM articles"
                f" WHERE feed_id = ? AND entry_key IN ({marks}) AND created_at >= ?"
                " AND entry_hash IS NOT NULL",
                (feed_id, *chunk, to_db(now - CORRECTION_WINDOW)),
            )
            for row in rows:
                found[row[0]] = RecentArticle(int(row[1]), row[2], int(row[3]), row[4], row[5])
        return found

    async def claim_due_edits(
        self, *, limit: int = 20, shards: ShardScope | None = None
    ) -> list[ClaimedPost]:
        """Sent posts whose message must be edited (oldest first), with the corrected article;
        with ``shards``, only those of this process's guild shards, whose channels it sends to.
        Posts of a subscription that is not active wait; a post not yet ``sent`` waits."""
        scope, extra = shard_clause(shards)
        rows = await self._fetchall(
            "SELECT p.* FROM posts p LEFT JOIN subscriptions s ON s.id = p.subscription_id"
            " WHERE p.edit_pending = 1 AND p.state = 'sent' AND p.message_id IS NOT NULL"
            f" AND (p.subscription_id IS NULL OR s.state = 'active'){scope} ORDER BY p.id LIMIT ?",
            (*extra, limit),
        )
        claimed: list[ClaimedPost] = []
        for row in rows:
            post = post_from_row(row)
            article = await self._fetchone(
                "SELECT * FROM articles WHERE id = ?", (post.article_id,)
            )
            if article is not None:
                claimed.append(ClaimedPost(post, article_from_row(article)))
        return claimed

    async def mark_edited(self, post_id: int, *, now: datetime, error: str | None = None) -> None:
        """Discord took the edit (or refused it for good, ``error``): nothing more to do."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET edit_pending = 0, edited_at = ?,"
                " last_error = coalesce(?, last_error) WHERE id = ?",
                (None if error else to_db(now), error[:500] if error else None, post_id),
            )

    async def release_edit(self, post_id: int, *, error: str) -> None:
        """A failed edit, tried again later; given up after ``EDIT_ATTEMPTS_MAX`` failures."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET edit_attempts = edit_attempts + 1, last_error = ?,"
                " edit_pending = CASE WHEN edit_attempts + 1 >= ? THEN 0 ELSE 1 END"
                " WHERE id = ?",
                (error[:500], EDIT_ATTEMPTS_MAX, post_id),
            )

    async def set_corrections(self, subscription_id: int, enabled: bool) -> None:
        """Whether the subscription's posts are edited when their article is corrected."""
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE subscriptions SET corrections = ? WHERE id = ?",
                (int(enabled), subscription_id),
            )
        if not changed:
            raise NotFoundError(f"subscription {subscription_id}")
