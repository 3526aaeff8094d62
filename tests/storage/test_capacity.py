"""Storage at scale: migration 0002 (change history), partitioned due lists, indexed fan-out."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from storage.connection import APPLICATION_ID, load_migrations
from storage.errors import NotFoundError
from storage.feeds import PollHistory
from storage.records import SeenKey, SeenStatus
from storage.storage import Storage
from tests.storage.helpers import NOW


def _version_one(path: Path) -> None:
    """A database exactly as schema 1 left it, with one feed."""
    raw = sqlite3.connect(path)
    raw.executescript(load_migrations()[0][1])
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO feeds (url, title, next_poll_at, created_at) VALUES (?, ?, ?, ?)",
        ("https://exemple.fr/rss", "Exemple", "2026-11-24T10:00:00.000000Z",
         "2026-11-24T10:00:00.000000Z"),
    )  # fmt: skip
    raw.commit()
    raw.close()


async def test_version_one_upgrades_and_keeps_its_feeds(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    _version_one(path)
    storage = await Storage.open(path)
    try:
        feed = await storage.feed_by_url("https://exemple.fr/rss")
        assert feed is not None and feed.title == "Exemple"
        assert await storage.poll_history(feed.id) == PollHistory(None, None, has_seen=False)
    finally:
        await storage.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == Storage.schema_version() >= 2
    columns = {row[1] for row in raw.execute("PRAGMA table_info(feeds)")}
    assert {"last_changed_at", "change_interval_s"} <= columns
    raw.close()


async def _feeds(storage: Storage, count: int) -> list[int]:
    ids = []
    for n in range(count):
        feed = await storage.add_feed(f"https://site{n}.exemple.fr/rss", now=NOW)
        await storage.add_subscription(
            guild_id=n % 3, channel_id=1000 + n, feed_id=feed.id, now=NOW
        )
        ids.append(feed.id)
    return ids


async def test_due_feeds_of_partitions_split_the_feeds_exactly(database: Path | str) -> None:
    storage = await Storage.open(database)
    try:
        ids = await _feeds(storage, 10)
        parts = [
            {f.id for f in await storage.due_feeds(NOW, 100, partitions=3, owned=(p,))}
            for p in range(3)
        ]
        assert all(parts)
        assert sum(len(p) for p in parts) == len(ids) and set().union(*parts) == set(ids)
        assert all(feed_id % 3 == p for p, part in enumerate(parts) for feed_id in part)
        both = await storage.due_feeds(NOW, 100, partitions=3, owned=(0, 2))
        assert {f.id for f in both} == parts[0] | parts[2]
        every = await storage.due_feeds(NOW, 100, partitions=3, owned=(0, 1, 2))
        assert len(every) == len(ids)
        assert await storage.due_feeds(NOW, 100, partitions=3, owned=()) == []
    finally:
        await storage.close()


async def test_change_history_is_recorded_only_when_given(database: Path | str) -> None:
    storage = await Storage.open(database)
    try:
        (feed_id,) = await _feeds(storage, 1)
        later = NOW + timedelta(hours=1)
        common = {"now": later, "next_poll_at": later, "etag": None, "last_modified": None,
                  "body_hash": "x"}  # fmt: skip
        await storage.record_poll_success(
            feed_id,
            changed=PollHistory(later, 3600.0),
            **common,  # type: ignore[arg-type]
        )
        assert await storage.poll_history(feed_id) == PollHistory(later, 3600.0, has_seen=False)
        await storage.record_poll_success(feed_id, **common)  # type: ignore[arg-type]
        assert await storage.poll_history(feed_id) == PollHistory(later, 3600.0, has_seen=False)
        due = await storage.due_feeds_with_history(later, 10)
        assert [(f.id, h) for f, h in due] == [(feed_id, PollHistory(later, 3600.0, False))]
        baseline = SeenKey("k", None, None, SeenStatus.BASELINE)
        await storage.record_seen(feed_id, [baseline], now=later)  # a first poll recorded keys
        assert (await storage.poll_history(feed_id)).has_seen
        assert [h.has_seen for _, h in await storage.due_feeds_with_history(later, 10)] == [True]
        with pytest.raises(NotFoundError):
            await storage.poll_history(feed_id + 99)
    finally:
        await storage.close()


async def test_follow_matching_uses_the_index_not_a_scan(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "f.db")
    await storage.close()
    raw = sqlite3.connect(tmp_path / "f.db")
    plan = " ".join(
        str(row[3])
        for row in raw.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM follows WHERE kind = ? AND term_norm IN (?, ?)"
            " ORDER BY id",
            ("topic", "climat", "sante"),
        )
    )
    raw.close()
    assert plan.startswith("SEARCH follows USING INDEX") and "SCAN follows" not in plan
