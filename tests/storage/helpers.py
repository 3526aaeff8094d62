"""Shared helpers for the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.records import NewArticle, SeenKey, SeenStatus
from storage.storage import Storage

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def article(feed_id: int | None, key: str, **overrides: object) -> NewArticle:
    values: dict[str, object] = {
        "feed_id": feed_id,
        "entry_key": key,
        "url": f"https://exemple.fr/{key}",
        "title": f"Titre {key}",
        "summary": "Une phrase de résumé.",
        "text_origin": "page",
    }
    values.update(overrides)
    return NewArticle(**values)  # type: ignore[arg-type]


def seen(key: str, status: SeenStatus = SeenStatus.NEW) -> SeenKey:
    return SeenKey(key=key, link_norm=f"exemple.fr/{key}", title_norm=f"titre {key}", status=status)


async def feed_with_subscription(
    storage: Storage, *, channel_id: int = 100, guild_id: int = 1
) -> tuple[int, int]:
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW, title="Exemple")
    sub = await storage.add_subscription(
        guild_id=guild_id, channel_id=channel_id, feed_id=feed.id, now=NOW
    )
    return feed.id, sub.id
