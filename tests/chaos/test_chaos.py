"""The real ``depeche run`` in a subprocess, against the standalone Discord stand-in and a local
news site, killed and stopped at awkward moments (D4, D5, D6)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from benchmarks.chaos import Chaos, ChaosConfig, run_chaos
from tests.chaos.feeds import feed_app
from tests.servers import serve


@contextlib.asynccontextmanager
async def prepared(config: ChaosConfig, workdir: Path) -> AsyncIterator[Chaos]:
    """A stand-in process, the news site and a database subscribed to its feed."""
    chaos = Chaos(config, workdir)
    stand_in = await chaos.start_stand_in()
    try:
        app = feed_app(config.entries, page_delay=config.page_delay, stats=chaos.site)
        async with serve(app) as site:
            chaos.feed_url = f"{site}/feed.xml"
            await chaos.prepare_database()
            yield chaos
    finally:
        stand_in.terminate()
        await stand_in.wait()
        chaos.log.close()


async def until(check: Callable[[], object], *, within: float = 60.0) -> None:
    async def wait() -> None:  # another process writes: poll, an Event cannot be shared
        while True:
            if await asyncio.to_thread(check):
                return
            await asyncio.sleep(0.1)

    await asyncio.wait_for(wait(), within)


@pytest.mark.timeout(1800)  # about 2 min on a quiet machine; far above a loaded one's
async def test_d4_fifty_sigkills_lose_nothing_and_post_nothing_twice(tmp_path: Path) -> None:
    """D4 (and D5 under chaos): with the stand-in's nonce window at 0, only the outbox and the
    reconciliation protect against duplicates; like Discord, the stand-in's history has no
    nonces, and no message has an embed link (loopback links are hidden, S17, and every fourth
    item has none), so only the post reference finds a message after a kill (issue 16).
    integrity_check is ok after every kill. The kill moments follow the bot's progress
    (start-up, a poll's pages, messages published), so a loaded machine meets the same moments,
    only later."""
    config = ChaosConfig(
        entries=30, kills=50, seed=7, nonce_window=0.0, page_delay=0.05, post_delay=0.3
    )
    result = await run_chaos(config)
    assert result.kills >= 50
    assert result.finished, result.figures()
    assert (result.duplicates, result.missing) == (0, 0), result.figures()
    assert result.messages == 30 and result.embed_links == 0
    assert result.integrity_failures == 0
    assert result.states == {"sent": 30}
    assert result.locked_lines == 0
    assert set(result.modes) == {"start-up", "poll", "delivery"}, result.figures()


@pytest.mark.timeout(1800)
async def test_d4_the_webhook_path_loses_nothing_and_posts_nothing_twice(tmp_path: Path) -> None:
    """Webhook identity under chaos: executions take no nonce at all, so after every kill only
    the outbox and the reconciliation (the channel's webhook messages counted as the bot's,
    found by their reference) stand between a lost outcome and a duplicate."""
    config = ChaosConfig(
        entries=20, kills=30, seed=11, nonce_window=0.0, page_delay=0.05, post_delay=0.3,
        webhook=True,
    )  # fmt: skip
    result = await run_chaos(config)
    assert result.kills >= 30 and result.finished, result.figures()
    assert (result.duplicates, result.missing) == (0, 0), result.figures()
    assert result.messages == 20 and result.by_webhook == 20, result.figures()
    assert result.integrity_failures == 0 and result.states == {"sent": 20}


async def test_d5_after_the_nonce_window_the_bot_finds_its_message(tmp_path: Path) -> None:
    """D5: killed after Discord created the message but before the ``sent`` update, restarted
    after the nonce window: the bot reads the channel, records the message, posts nothing."""
    config = ChaosConfig(entries=1, kills=0, nonce_window=1.0, page_delay=0.0, post_delay=0.0)
    async with prepared(config, tmp_path) as chaos:
        await chaos.stand_in("stall", {"count": 1, "seconds": 120})
        run = await chaos.spawn_bot()
        try:
            await asyncio.wait_for(_first_message(chaos), 60)
        finally:
            await chaos.kill(run)
        assert chaos.db_state()[2] == {"sending": 1}
        await asyncio.sleep(config.nonce_window + 0.5)  # the stand-in would accept it again
        run = await chaos.spawn_bot()
        try:
            await until(lambda: chaos.db_state()[2] == {"sent": 1})
        finally:
            await chaos.kill(run)
        record = await chaos.stand_in("messages")
        messages = await chaos.channel_messages()
        assert len(messages) == 1 and record["posts"] == 1
        assert _message_ids(chaos.db) == [messages[0]["id"]]


async def test_d6_sigterm_during_a_poll(tmp_path: Path) -> None:
    """D6: SIGTERM while a poll waits for its article pages (the site holds them until the
    signal is sent): exit within 10 s, the interrupted poll stored nothing (its outcome is one
    transaction), the WAL is checkpointed, nothing locked; a restart then posts each item once."""
    config = ChaosConfig(entries=8, kills=0, page_delay=0.0, post_delay=0.0)
    async with prepared(config, tmp_path) as chaos:
        hold = chaos.site.hold = asyncio.Event()
        run = await chaos.spawn_bot()
        try:
            await asyncio.wait_for(chaos.site.served.wait(), 60)  # a page is being fetched
            run.process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(run.process.wait(), 10)
        finally:
            hold.set()
            await chaos.kill(run)
        assert code == 0
        check, articles, states = chaos.db_state()
        assert check == "ok" and articles == 0
        assert set(states) <= {"pending", "sending", "sent"}
        wal = chaos.db.with_name(chaos.db.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        assert chaos.result.locked_lines == 0
        await chaos.finish()
        await chaos.count_messages()
        assert chaos.result.finished
        assert (chaos.result.duplicates, chaos.result.missing) == (0, 0)


async def _first_message(chaos: Chaos) -> None:
    while True:
        if await chaos.channel_messages():
            return
        await asyncio.sleep(0.1)


def _message_ids(db: Path) -> list[str]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [str(row[0]) for row in conn.execute("SELECT message_id FROM posts")]
