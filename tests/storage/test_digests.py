"""Daily digests (migration 0009, issue 11) on both backends: a schedule per channel, each local
day's digest enqueued once into the outbox (a second enqueue, a second process, a restart do
nothing), claimed and sent as the outbox's other posts, due again the next day only."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from storage.records import PostState, TargetKind
from storage.storage import Storage

TZ = "Europe/Paris"
SET_AT = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 21:00 in Paris, the day before
HOUR = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # 08:00 in Paris
MESSAGE = {"title": "La revue de presse du mercredi 2 décembre", "embeds": [{"title": "t"}]}


async def _schedule(storage: Storage, channel_id: int = 101, at: time = time(8, 0)) -> None:
    await storage.set_digest_schedule(
        guild_id=11, channel_id=channel_id, at=at, topics=("Économie",), created_by=7,
        now=SET_AT,
    )  # fmt: skip


async def test_a_digest_is_due_at_its_hour_and_enqueued_once(storage: Storage) -> None:
    await _schedule(storage)
    assert await storage.due_digests(HOUR - timedelta(seconds=1), TZ) == []
    [due] = await storage.due_digests(HOUR, TZ)
    assert due.day == date(2026, 12, 2) and due.due_at == HOUR
    assert due.schedule.topics == ("Économie",) and due.schedule.at == time(8, 0)
    post = await storage.enqueue_digest(due, MESSAGE, stories=3, now=HOUR)
    assert post is not None and post.article_id is None and post.state is PostState.PENDING
    assert post.target_kind is TargetKind.CHANNEL and (post.target_id, post.guild_id) == (101, 11)
    assert await storage.enqueue_digest(due, MESSAGE, stories=3, now=HOUR) is None
    assert await storage.due_digests(HOUR + timedelta(hours=3), TZ) == []

    [claimed] = await storage.claim_due_posts(now=HOUR, limit=10)
    assert claimed.article is None and claimed.digest == MESSAGE
    await storage.mark_sent(claimed.post.id, message_id="42", now=HOUR)
    [(day, sent)] = await storage.digest_posts(due.schedule.id)
    assert day == due.day and sent is not None and sent.state is PostState.SENT

    tomorrow = HOUR + timedelta(days=1)
    assert await storage.due_digests(tomorrow - timedelta(minutes=1), TZ) == []
    [again] = await storage.due_digests(tomorrow, TZ)
    assert again.day == date(2026, 12, 3)


async def test_a_schedule_set_after_its_hour_starts_the_next_day(storage: Storage) -> None:
    await storage.set_digest_schedule(
        guild_id=11, channel_id=101, at=time(8, 0), created_by=7, now=HOUR + timedelta(hours=1)
    )
    assert await storage.due_digests(HOUR + timedelta(hours=2), TZ) == []
    assert len(await storage.due_digests(HOUR + timedelta(days=1), TZ)) == 1


async def test_two_processes_enqueue_the_days_digest_once(database: Path | str) -> None:
    first, second = await Storage.open(database), await Storage.open(database)
    try:
        await _schedule(first)
        [due] = await first.due_digests(HOUR, TZ)
        [same] = await second.due_digests(HOUR, TZ)
        posts = await asyncio.gather(
            first.enqueue_digest(due, MESSAGE, stories=1, now=HOUR),
            second.enqueue_digest(same, MESSAGE, stories=1, now=HOUR),
        )
        assert sorted(p is None for p in posts) == [False, True]
        assert len(await first.list_posts()) == 1
    finally:
        await first.close()
        await second.close()


async def test_stop_cancels_the_waiting_digest_and_keeps_other_channels(storage: Storage) -> None:
    await _schedule(storage, 101)
    await _schedule(storage, 102, time(18, 30))
    [due] = await storage.due_digests(HOUR, TZ)
    post = await storage.enqueue_digest(due, MESSAGE, stories=1, now=HOUR)
    assert post is not None
    assert await storage.remove_digest_schedule(11, 101)
    assert not await storage.remove_digest_schedule(11, 101)
    assert not await storage.remove_digest_schedule(12, 102)  # another server's channel id
    [left] = await storage.digest_schedules(11)
    assert left.channel_id == 102 and left.at == time(18, 30)
    [cancelled] = await storage.list_posts()
    assert cancelled.state is PostState.CANCELLED
    assert await storage.claim_due_posts(now=HOUR, limit=10) == []


async def test_a_new_time_for_a_channel_keeps_the_days_done(storage: Storage) -> None:
    await _schedule(storage)
    [due] = await storage.due_digests(HOUR, TZ)
    await storage.enqueue_digest(due, MESSAGE, stories=1, now=HOUR)
    await storage.set_digest_schedule(
        guild_id=11, channel_id=101, at=time(9, 0), created_by=8, now=SET_AT
    )
    [schedule] = await storage.digest_schedules(11)
    assert schedule.at == time(9, 0) and schedule.last_day == date(2026, 12, 2)
    assert await storage.due_digests(HOUR + timedelta(hours=2), TZ) == []
