"""Stories and decisions (issue 11): the matcher's choice for each article, what a subscription
did not post and why, the grouping of a story already posted in a channel, and the edits of the
first post that follow.

Grouping is decided here, inside the poll's write transaction, because only there is it exact:
two feeds polled at once can bring the same story to one channel, and the second write sees the
first one's post. A grouped article gets no post at all (so nothing can send it twice); the
channel's first post of the story is marked for an edit (``edits_wanted + 1``), which the
delivery applies and confirms (``mark_story_edited``), idempotently: an edit sent twice shows
the same message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from storage.connection import Row, Session, in_chunks
from storage.errors import NotFoundError
from storage.outbox import shard_clause
from storage.records import (
    PlannedPost,
    PostRecord,
    PostState,
    ShardScope,
    StoredArticle,
    Subscription,
)
from storage.rows import article_from_row, post_from_row
from storage.social import SocialStore
from storage.story_records import (
    ArticleDecision,
    Companion,
    HeldPost,
    HeldReason,
    StoredStory,
    StoryChoice,
)
from storage.terms import from_db, to_db

_FIRST_POST_SQL = (
    "SELECT p.id FROM article_stories s JOIN posts p ON p.article_id = s.article_id"
    " WHERE s.story_key = ? AND p.target_kind = 'channel' AND p.target_id = ?"
    " AND p.state IN ('pending', 'sending', 'sent') AND p.created_at >= ? AND p.article_id <> ?"
    " ORDER BY p.id LIMIT 1"
)


async def insert_story(db: Session, article_id: int, story: StoryChoice) -> None:
    await db.execute(
        "INSERT INTO article_stories (article_id, article_key, story_key, score, matched_key,"
        " shared, lede, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (article_id) DO NOTHING",
        (article_id, story.key, story.story, story.score, story.matched,
         json.dumps(list(story.shared), ensure_ascii=False), story.lede,
         to_db(story.published_at)),
    )  # fmt: skip


async def insert_decisions(
    db: Session, article_id: int, held: Sequence[HeldPost], now: datetime
) -> None:
    await db.executemany(
        "INSERT INTO article_decisions (article_id, subscription_id, outcome, detail,"
        " decided_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (article_id, subscription_id) DO NOTHING",
        [(article_id, h.subscription_id, h.reason.value, h.detail, to_db(now)) for h in held],
    )


async def group_post(
    db: Session, article_id: int, plan: PlannedPost, story: StoryChoice | None, now: datetime
) -> bool:
    """Whether the planned post is grouped under the channel's first post of the story (then
    recorded as such and that post marked for an edit) instead of being posted."""
    sub: Subscription = plan.subscription
    if story is None or story.matched is None or not sub.grouping:
        return False
    if plan.state is not PostState.PENDING:
        return False
    row = await db.fetchone(
        _FIRST_POST_SQL, (story.story, sub.channel_id, to_db(story.group_since), article_id)
    )
    if row is None:
        return False
    first_post = int(row[0])
    changed = await db.execute(
        "INSERT INTO article_decisions (article_id, subscription_id, outcome, detail,"
        " group_post_id, decided_at) VALUES (?, ?, 'grouped', ?, ?, ?)"
        " ON CONFLICT (article_id, subscription_id) DO NOTHING",
        (article_id, sub.id, story.story, first_post, to_db(now)),
    )
    if changed:
        await db.execute(
            "UPDATE posts SET edits_wanted = edits_wanted + 1 WHERE id = ?", (first_post,)
        )
    return True


def decision_from_row(row: Row) -> ArticleDecision:
    return ArticleDecision(
        article_id=int(row["article_id"]),
        subscription_id=int(row["subscription_id"]),
        reason=HeldReason(row["outcome"]),
        detail=row["detail"],
        group_post_id=row["group_post_id"],
        decided_at=from_db(row["decided_at"]),
    )


class StoryStore(SocialStore):
    async def recent_stories(self, *, since: datetime, limit: int) -> list[StoredStory]:
        """The newest ``limit`` placed articles published after ``since``, oldest first (the
        matcher's index is rebuilt from them at start-up)."""
        rows = await self._fetchall(
            "SELECT s.article_key, s.story_key, a.title, s.lede, s.published_at"
            " FROM article_stories s JOIN articles a ON a.id = s.article_id"
            " WHERE s.published_at >= ? ORDER BY s.published_at DESC, s.article_id DESC LIMIT ?",
            (to_db(since), limit),
        )
        found = [StoredStory(r[0], r[1], r[2], r[3], from_db(r[4])) for r in rows]
        return found[::-1]

    async def story_of(self, article_id: int) -> StoryChoice | None:
        row = await self._fetchone(
            "SELECT * FROM article_stories WHERE article_id = ?", (article_id,)
        )
        if row is None:
            return None
        published = from_db(row["published_at"])
        return StoryChoice(
            key=row["article_key"], story=row["story_key"], score=float(row["score"]),
            matched=row["matched_key"], shared=tuple(json.loads(row["shared"])),
            lede=row["lede"], published_at=published, group_since=published,
        )  # fmt: skip

    async def decisions_for(self, article_id: int) -> list[ArticleDecision]:
        rows = await self._fetchall(
            "SELECT * FROM article_decisions WHERE article_id = ? ORDER BY subscription_id",
            (article_id,),
        )
        return [decision_from_row(row) for row in rows]

    async def set_grouping(self, subscription_id: int, enabled: bool) -> Subscription:
        """Whether the subscription's channel gets each story once (the default) or every
        article of every outlet."""
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE subscriptions SET grouping = ? WHERE id = ?",
                (int(enabled), subscription_id),
            )
        if not changed:
            raise NotFoundError(f"subscription {subscription_id}")
        return await self.get_subscription(subscription_id)

    async def due_story_edits(
        self, limit: int = 20, shards: ShardScope | None = None
    ) -> list[tuple[PostRecord, int]]:
        """Sent posts whose message must show more outlets, with the edit count wanted; with
        ``shards``, only those of this process's guild shards, whose channels it sends to."""
        scope, extra = shard_clause(shards)
        rows = await self._fetchall(
            "SELECT p.*, p.edits_wanted AS wanted FROM posts p WHERE p.edits_wanted > p.edits_done"
            f" AND p.state = 'sent' AND p.message_id IS NOT NULL{scope} ORDER BY p.id LIMIT ?",
            (*extra, limit),
        )
        return [(post_from_row(row), int(row["wanted"])) for row in rows]

    async def mark_story_edited(self, post_id: int, wanted: int) -> None:
        """The message shows every article grouped when ``wanted`` was read."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET edits_done = ? WHERE id = ? AND edits_done < ?",
                (wanted, post_id, wanted),
            )

    async def companions(self, post_ids: Sequence[int]) -> dict[int, list[Companion]]:
        """The articles grouped under each post (oldest first), for "Aussi chez"."""
        found: dict[int, list[Companion]] = {}
        for chunk, marks in in_chunks(sorted(set(post_ids))):
            rows = await self._fetchall(
                "SELECT d.group_post_id, a.id, a.source, a.site_name, a.url, a.title"
                " FROM article_decisions d JOIN articles a ON a.id = d.article_id"
                f" WHERE d.group_post_id IN ({marks}) ORDER BY d.decided_at, a.id",
                tuple(chunk),
            )
            for row in rows:
                source = row[2] or row[3] or ""
                found.setdefault(int(row[0]), []).append(
                    Companion(int(row[1]), source, row[4], row[5])
                )
        for post_id, companions in found.items():  # one line per outlet
            by_source: dict[str, Companion] = {}
            for companion in companions:
                by_source.setdefault(companion.source, companion)
            found[post_id] = list(by_source.values())
        return found

    async def articles_by_id(self, article_ids: Sequence[int]) -> dict[int, StoredArticle]:
        found: dict[int, StoredArticle] = {}
        for chunk, marks in in_chunks(sorted(set(article_ids))):
            rows = await self._fetchall(
                f"SELECT * FROM articles WHERE id IN ({marks})", tuple(chunk)
            )
            found.update((int(row["id"]), article_from_row(row)) for row in rows)
        return found
