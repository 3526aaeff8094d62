"""D5 unit rules of ``bot.delivery.reconcile``: what counts as "already on Discord", where the
search starts, how far it pages, and when to look at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.clock import FrozenClock
from bot.delivery.embeds import FOOTER, render_post
from bot.delivery.publishers import ConsolePublisher
from bot.delivery.reconcile import (
    MAX_PAGES,
    PAGE_LIMIT,
    SEARCH_MARGIN,
    HistoryTooLong,
    already_posted,
    find_message,
    find_posted,
    history_for,
    search_start,
    snowflake_before,
)
from bot.delivery.references import content_line, post_reference, references_in
from storage.records import ClaimedPost, PlannedPost, PostState, TargetKind
from storage.storage import Storage
from tests.discord_stand_in.history import BOT_AUTHOR, ChannelLog, snowflake_at
from tests.storage.helpers import NOW, article, feed_with_subscription, seen

URL = "https://exemple.fr/k"
MEMBER = {"id": "42", "username": "membre"}


def message(
    mid: str, *, footer: str | None = None, url: str | None = None, author: Any = BOT_AUTHOR
) -> dict[str, Any]:
    embed: dict[str, Any] = {"title": "Titre"}
    if url:
        embed["url"] = url
    if footer:
        embed["footer"] = {"text": footer}
    return {"id": mid, "author": author, "content": "", "embeds": [embed]}


def test_references_are_short_and_read_back_from_footer_or_subtext() -> None:
    assert post_reference(1) == "0001" and post_reference(0x3F9C) == "3f9c"
    assert post_reference(70_000) == "11170"
    footer = f"{FOOTER} · réf. 002a"
    assert references_in(message("1", footer=footer)) == {"002a"}
    text = {"id": "2", "content": f"Un titre\n{content_line('002a')}", "embeds": []}
    assert references_in(text) == {"002a"}
    assert references_in(message("3", footer=FOOTER)) == set()
    quoted = {"content": "il cite réf. 002a dans sa phrase", "embeds": []}
    assert references_in(quoted) == set()  # only a line of its own is a reference


def test_found_by_reference_among_the_bots_own_messages_only() -> None:
    log = ChannelLog()
    mine = f"{FOOTER} · réf. 0007"
    history = [
        message("1", footer=mine, author=MEMBER),  # a member cannot stand for the bot
        message("2", footer=f"{FOOTER} · réf. 0070"),
        message("3", footer=mine),
    ]
    assert find_message(history, log, reference="0007", url=None)["id"] == "3"  # type: ignore[index]
    assert find_message(history[:2], log, reference="0007", url=None) is None


def test_a_link_only_finds_a_message_of_a_bot_without_references() -> None:
    log = ChannelLog()
    legacy = message("1", url=URL, footer=FOOTER)  # posted before references existed
    other_post = message("2", url=URL, footer=f"{FOOTER} · réf. 0009")  # same link, other post
    assert find_message([other_post], log, reference="0007", url=URL) is None
    assert find_message([other_post, legacy], log, reference="0007", url=URL)["id"] == "1"  # type: ignore[index]
    assert find_message([legacy], log, reference="0007", url=None) is None


def test_the_search_starts_at_the_first_attempt_minus_the_margin() -> None:
    assert snowflake_before(NOW) == discord.utils.time_snowflake(NOW) - 1
    assert snowflake_before(NOW) < snowflake_at(int(NOW.timestamp() * 1000))


async def claimed_after_a_crash(storage: Storage, clock: FrozenClock) -> ClaimedPost:
    """A post claimed (its first attempt at NOW) then claimed again after a crash."""
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.save_article(
        article(feed_id, "k", url=None), now=NOW, seen=seen("k"), posts=[PlannedPost(sub)]
    )
    await storage.claim_due_posts(now=clock.now())
    await storage.recover_sending()
    clock.advance(timedelta(hours=6))
    [again] = await storage.claim_due_posts(now=clock.now())
    assert again.post.attempts == 2 and again.post.first_attempt_at == NOW
    assert search_start(again.post) == NOW - SEARCH_MARGIN
    return again


async def test_pages_forward_past_hundreds_of_later_messages(tmp_path: Path) -> None:
    """The post was created at its first attempt; 250 messages followed during the outage: the
    search reads from the first attempt to the present, not only the last 100."""
    storage = await Storage.open(tmp_path / "depeche.db")
    clock = FrozenClock(NOW - timedelta(hours=1))
    try:
        log = ChannelLog(clock)
        log.chatter(100, 30)  # before the first attempt: never read
        clock.set(NOW)
        item = await claimed_after_a_crash_at(storage, clock, log)
        found = await find_posted(log, item.post, url=None)
        assert found is not None and references_in(found) == {post_reference(item.post.id)}
        assert log.history_reads == 1  # the post is the first message after the attempt
        log.history_reads = 0
        log.messages[100].remove(found)
        assert await find_posted(log, item.post, url=None) is None  # never created
        assert log.history_reads == 3  # 250 later messages: pages of 100, 100 and 50
    finally:
        await storage.close()


async def claimed_after_a_crash_at(
    storage: Storage, clock: FrozenClock, log: ChannelLog
) -> ClaimedPost:
    """As ``claimed_after_a_crash``, the message created at the first attempt, then 250
    messages from a member while the bot was down."""
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.save_article(
        article(feed_id, "k", url=None), now=NOW, seen=seen("k"), posts=[PlannedPost(sub)]
    )
    [first] = await storage.claim_due_posts(now=clock.now())
    payload = render_post(first.article, tz="Europe/Paris", reference=post_reference(first.post.id))
    log.record(100, payload)  # created on Discord, then the process died
    await storage.recover_sending()
    clock.advance(timedelta(minutes=1))
    log.chatter(100, 250)
    clock.advance(timedelta(hours=6))
    [again] = await storage.claim_due_posts(now=clock.now())
    assert again.post.first_attempt_at == NOW
    return again


async def test_a_history_longer_than_the_page_cap_gives_up(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "depeche.db")
    clock = FrozenClock(NOW)
    try:
        item = await claimed_after_a_crash(storage, clock)
        log = ChannelLog(FrozenClock(NOW))
        log.chatter(100, MAX_PAGES * PAGE_LIMIT)
        with pytest.raises(HistoryTooLong):
            await find_posted(log, item.post, url=None)
        assert log.history_reads == MAX_PAGES
        assert not await already_posted(storage, log, item, now=clock.now())  # then it sends
    finally:
        await storage.close()


class Failing(ChannelLog):
    async def messages_after(
        self, target_kind: TargetKind, target_id: int, *, after: int, limit: int
    ) -> Sequence[Mapping[str, Any]]:
        self.history_reads += 1
        raise OSError("history unavailable")


async def test_only_retried_posts_are_looked_up_and_found_ones_are_marked_sent(
    tmp_path: Path,
) -> None:
    storage = await Storage.open(tmp_path / "depeche.db")
    clock = FrozenClock(NOW)
    try:
        feed_id, sub_id = await feed_with_subscription(storage)
        sub = await storage.get_subscription(sub_id)
        await storage.save_article(
            article(feed_id, "k"), now=NOW, seen=seen("k"), posts=[PlannedPost(sub)]
        )
        [first] = await storage.claim_due_posts(now=NOW)
        log = ChannelLog(clock)
        payload = render_post(first.article, tz="UTC", reference=post_reference(first.post.id))
        created = log.record(100, payload)
        assert not await already_posted(storage, log, first, now=NOW)
        assert log.history_reads == 0  # a first attempt costs no request
        await storage.release(first.post.id)
        [second] = await storage.claim_due_posts(now=NOW)
        assert not await already_posted(storage, Failing(clock), second, now=NOW)
        assert await already_posted(storage, log, second, now=NOW)
        [post] = await storage.list_posts()
        assert post.state is PostState.SENT and post.message_id == created["id"]
    finally:
        await storage.close()


def test_history_reader_for_each_publisher() -> None:
    log = ChannelLog()
    assert history_for(log) is log
    assert history_for(ConsolePublisher(stream=None)) is None  # type: ignore[arg-type]
