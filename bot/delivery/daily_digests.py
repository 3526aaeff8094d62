"""The day's press review of a server (issue 11): its stories for ``/digest now``, and the
scheduled digests enqueued into the outbox when they are due (the scheduler's digest job).

The digest job asks storage which schedules are due at the swappable clock's ``now``
(``Storage.due_digests``: today's local time reached, today's digest not enqueued yet), builds
each one's message from the articles its server's feeds stored since local midnight, and
enqueues it (``Storage.enqueue_digest``: once per schedule and local day, whatever restarts or
other processes do). The message is built at enqueue time: it is the review of the hour it was
due, and a retry after a crash sends the very message the first attempt sent (the outbox then
posts it, in a forum as a post titled after the day). Every process runs the job; only one
enqueue per day succeeds, and the outbox sends it from the process of the server's shard.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.clock import Clock
from bot.delivery.digests import digest_message
from bot.delivery.formats import first_sentence
from storage.storage import Storage
from summarizer.digest import (
    DigestArticle,
    DigestStory,
    local_instant,
    on_topics,
    rank_stories,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DigestRun:
    enqueued: int = 0  # digests put into the outbox this run
    already: int = 0  # due, but enqueued before (a restart, another process)


async def day_stories(
    storage: Storage, guild_id: int, day: date, tz: str, topics: Sequence[str] = ()
) -> tuple[DigestStory, ...]:
    """The ranked stories of ``guild_id``'s feeds stored since local midnight of ``day``, only
    those one of whose articles carries one of ``topics`` when there are topics."""
    subs = await storage.list_for_guild(guild_id)
    since = local_instant(day, time(0), tz)
    stored = await storage.articles_since(sorted({s.feed_id for s in subs}), since)
    articles = [
        DigestArticle(
            story=item.story,
            title=item.article.title,
            sentence=first_sentence(item.article.summary),
            source=item.article.source or item.article.site_name or "",
            url=item.article.url,
            published=item.article.published_at or item.article.created_at,
            topics=tuple(item.article.topics),
        )
        for item in stored
    ]
    return rank_stories(on_topics(articles, topics))


async def enqueue_due_digests(storage: Storage, clock: Clock, tz: str) -> DigestRun:
    """The digest job's body: every schedule due at ``clock.now()`` enqueued once."""
    now: datetime = clock.now()
    enqueued = already = 0
    for due in await storage.due_digests(now, tz):
        schedule = due.schedule
        stories = await day_stories(storage, schedule.guild_id, due.day, tz, schedule.topics)
        post = await storage.enqueue_digest(
            due,
            digest_message(due.day, stories, topics=schedule.topics),
            stories=len(stories),
            now=now,
        )
        if post is None:
            already += 1
            continue
        enqueued += 1
        log.info(
            "digest enqueued schedule_id=%s channel_id=%s day=%s stories=%d post_id=%s",
            schedule.id, schedule.channel_id, due.day, len(stories), post.id,
        )  # fmt: skip
    return DigestRun(enqueued, already)
