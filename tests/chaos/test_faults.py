"""Faults around the outbox with the real ``Delivery``: D12 (disk full during the ``sent``
update), a database outage in the middle of a round (the outcomes it kept from being written,
made good by the next round), and D10 (online backup during a write storm, restored, then
delivered)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery
from bot.delivery.publishers import OutgoingPost
from bot.run import oneshot
from bot.settings import Settings
from storage.errors import StorageError, UnavailableError
from storage.outbox import STALE_SENDING
from storage.records import PlannedPost, PostState
from storage.sqlite import wrap_error
from storage.storage import Storage
from tests.discord_stand_in.history import ChannelLog
from tests.storage.helpers import NOW, article, feed_with_subscription, seen


class Channel(ChannelLog):
    """A publisher that keeps the channel's messages as Discord does (no nonce) and reads them
    back for D5, found by the post reference in the footer."""

    async def publish(self, post: OutgoingPost) -> str | None:
        return str(self.record(post.target_id, post.payload)["id"])

    def all(self) -> list[dict[str, Any]]:
        return [m for items in self.messages.values() for m in items]

    def urls(self) -> list[str]:
        return [e["url"] for m in self.all() for e in m["embeds"]]


async def enqueue(storage: Storage, keys: Sequence[str]) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    for key in keys:
        await storage.save_article(
            article(feed_id, key), now=NOW, seen=seen(key), posts=[PlannedPost(sub)]
        )


async def test_d12_disk_full_during_mark_sent_fails_loudly_and_never_reposts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = await Storage.open(tmp_path / "depeche.db")
    try:
        await enqueue(storage, ["a"])
        clock = FrozenClock(NOW)
        channel = Channel(clock)
        delivery = Delivery(storage, channel, clock)
        real_mark_sent = storage.mark_sent

        async def disk_full(post_id: int, **kwargs: Any) -> None:
            full = sqlite3.OperationalError("database or disk is full")
            raise wrap_error(full, storage.path)

        monkeypatch.setattr(storage, "mark_sent", disk_full)
        with pytest.raises(StorageError, match="disk is full"):  # the cycle fails loudly
            await delivery.deliver_pending()
        monkeypatch.setattr(storage, "mark_sent", real_mark_sent)
        assert [p.state for p in await storage.list_posts()] == [PostState.SENDING]
        # The same process's next round, well before STALE_SENDING: it knows Discord created
        # the message and writes the confirmation it owes (bot.delivery.owed), sending nothing.
        assert (await delivery.deliver_pending()).sent == 0
        assert len(channel.all()) == 1
        [post] = await storage.list_posts()
        assert post.state is PostState.SENT and post.message_id == channel.all()[0]["id"]
        clock.advance(STALE_SENDING + timedelta(seconds=1))
        assert (await delivery.deliver_pending()).sent == 0 and len(channel.all()) == 1
    finally:
        await storage.close()


async def test_an_outage_after_the_first_send_of_a_round_delays_none_of_its_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away just after Discord created the first of three posts claimed
    together: that confirmation and the other two posts' releases all fail. The next round
    confirms the first (its message id known) and sends the other two, once each: none waits
    STALE_SENDING, nothing is posted twice, the two never sent are not counted as attempts."""
    storage = await Storage.open(tmp_path / "depeche.db")
    try:
        await enqueue(storage, ["a", "b", "c"])
        clock = FrozenClock(NOW)
        channel = Channel(clock)
        delivery = Delivery(storage, channel, clock)
        real = {name: getattr(storage, name) for name in ("mark_sent", "release")}

        async def gone(*args: Any, **kwargs: Any) -> None:
            raise UnavailableError(storage.location, "le serveur a redémarré")

        for name in real:
            monkeypatch.setattr(storage, name, gone)
        with pytest.raises(UnavailableError):
            await delivery.deliver_pending()
        for name, method in real.items():
            monkeypatch.setattr(storage, name, method)
        assert len(channel.all()) == 1
        assert {p.state for p in await storage.list_posts()} == {PostState.SENDING}
        report = await delivery.deliver_pending()  # the database is back, same clock time
        assert report.sent == 2 and len(channel.all()) == 3
        posts = await storage.list_posts()
        assert [p.state for p in posts] == [PostState.SENT] * 3
        assert [p.message_id for p in posts] == [m["id"] for m in channel.all()]
        assert [p.attempts for p in posts] == [1, 1, 1]
    finally:
        await storage.close()


async def test_a_claim_lost_with_its_connection_is_taken_again_at_the_next_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim committed but its answer was lost with the connection: the rows are
    ``sending`` and this process does not know them. Its next round puts its own ``sending``
    posts back (as at start-up) and sends them, once, without waiting STALE_SENDING."""
    storage = await Storage.open(tmp_path / "depeche.db")
    try:
        await enqueue(storage, ["a", "b"])
        clock = FrozenClock(NOW)
        channel = Channel(clock)
        delivery = Delivery(storage, channel, clock)
        real_claim = storage.claim_due_posts

        async def lost(**kwargs: Any) -> Any:
            await real_claim(**kwargs)
            raise UnavailableError(storage.location, "connexion perdue")

        monkeypatch.setattr(storage, "claim_due_posts", lost)
        with pytest.raises(UnavailableError):
            await delivery.deliver_pending()
        monkeypatch.setattr(storage, "claim_due_posts", real_claim)
        assert {p.state for p in await storage.list_posts()} == {PostState.SENDING}
        assert (await delivery.deliver_pending()).sent == 2
        assert len(channel.all()) == 2
        assert {p.state for p in await storage.list_posts()} == {PostState.SENT}
    finally:
        await storage.close()


async def test_d10_backup_during_a_write_storm_then_restore_posts_nothing_twice(
    tmp_path: Path,
) -> None:
    db, copy = tmp_path / "depeche.db", tmp_path / "sauvegardes" / "copie.db"
    storage = await Storage.open(db)
    clock = FrozenClock(NOW)
    channel = Channel(clock)
    errors: list[BaseException] = []
    try:
        await enqueue(storage, [f"k{n}" for n in range(30)])
        delivery = Delivery(storage, channel, clock)
        await delivery.deliver_pending(limit=10)
        feed_id = (await storage.list_feeds())[0].id
        sub = (await storage.subscriptions_for_feed(feed_id))[0]

        async def storm() -> None:
            for n in range(30, 150):
                try:
                    key = f"k{n}"
                    await storage.save_article(
                        article(feed_id, key), now=NOW, seen=seen(key), posts=[PlannedPost(sub)]
                    )
                    if n % 10 == 0:
                        await delivery.deliver_pending(limit=5)
                except Exception as exc:  # counted: D10 wants 0 writer errors
                    errors.append(exc)

        settings = Settings(database_path=db)
        await asyncio.gather(storm(), oneshot.backup(settings, copy))  # `depeche backup PATH`
    finally:
        await storage.close()
    assert errors == []
    with sqlite3.connect(copy) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = await Storage.open(copy)  # the restore: the old file replaced by the copy
    try:
        delivery = Delivery(restored, channel, clock)
        await delivery.recover()
        while (await delivery.deliver_pending(limit=50)).sent:
            pass
        posted = channel.urls()
        assert len(posted) == len(set(posted))  # 0 duplicates across before and after
        assert {p.state for p in await restored.list_posts()} == {PostState.SENT}
    finally:
        await restored.close()
