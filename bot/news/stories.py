"""The story matcher in the poll cycle (issue 11): one ``StoryIndex`` per process, rebuilt from
storage's decisions at the first poll, each new article placed as soon as it is prepared.

Placing is synchronous and cheap (well under a millisecond against 5,000 articles, see
``benchmarks/stories.py``; the words and names it compares come computed by the worker that
prepared the article, ``PreparedArticle.story``), so it runs on the loop between two awaits:
two feeds polled at once that bring the same story see each other, whichever is recorded first.
An article's key is ``feed_id:entry_key`` (unique, as storage's articles are); placing a key
again (a poll retried after a crash before its write) gives the decision taken the first time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.news.preparation import PreparedArticle
from storage.storage import Storage
from storage.story_records import StoryChoice
from summarizer.model import Entry
from summarizer.stories import DEFAULT_CAPACITY, DEFAULT_HISTORY, StoryArticle, StoryIndex
from summarizer.story_features import lede_of

log = logging.getLogger(__name__)

GROUP_WINDOW = timedelta(hours=48)  # a channel that got a story this recently is not sent it again


class StoryMatcher:
    def __init__(
        self,
        storage: Storage,
        *,
        window: timedelta = GROUP_WINDOW,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.storage = storage
        self.window = window
        self.capacity = capacity
        self._index: StoryIndex | None = None
        self._lock = asyncio.Lock()

    async def ready(self, now: datetime) -> StoryIndex:
        """The index, rebuilt from the articles placed in the last month on first use."""
        async with self._lock:
            if self._index is None:
                index = StoryIndex(window=self.window, capacity=self.capacity)
                stored = await self.storage.recent_stories(
                    since=now - DEFAULT_HISTORY, limit=self.capacity
                )
                for item in stored:
                    article = StoryArticle(
                        item.article_key, item.title, item.lede, item.published_at
                    )
                    index.add(article, item.story_key)
                log.info("story index rebuilt articles=%d", len(stored))
                self._index = index
            return self._index

    def choose(
        self,
        index: StoryIndex,
        feed_id: int,
        entry: Entry,
        prepared: PreparedArticle,
        now: datetime,
    ) -> StoryChoice:
        """Place one prepared article; the decision storage keeps with it."""
        article = prepared.article
        lede = lede_of(article.text or prepared.summary.text)
        published = min(entry.published or now, now)
        key = f"{feed_id}:{entry.key}"
        decision = index.place(
            StoryArticle(key, article.title, lede, published, prepared.source_name or ""),
            features=prepared.story,  # of this title and lede (``bot.news.workers``)
        )
        if decision.matched is not None:
            log.info(
                "story matched key=%s story=%s score=%.3f", key, decision.story, decision.score
            )
        return StoryChoice(
            key=key, story=decision.story, score=decision.score, matched=decision.matched,
            shared=decision.shared, lede=lede, published_at=published,
            group_since=now - self.window,
        )  # fmt: skip
