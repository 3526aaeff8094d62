"""One poll, one conversation with storage: at most one read (``poll_context``) and exactly one
write transaction per outcome (not modified, failed, entries processed), on the real SQLite file
and the real feed server.

The recorder wraps the real ``Storage`` instance: it lists the public storage calls the engine
makes and counts the write transactions (``BEGIN IMMEDIATE``) they open.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest

from storage.records import PostState
from tests.engine.conftest import START, World


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []  # the engine's calls (not the ones storage makes to itself)
        self.transactions = 0
        self.depth = 0


@contextlib.contextmanager
def recording(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorder = Recorder()
    storage = world.storage
    real_tx = storage._tx

    @contextlib.asynccontextmanager
    async def counted_tx() -> AsyncIterator[Any]:
        recorder.transactions += 1
        async with real_tx() as db:
            yield db

    names = [n for n in dir(type(storage)) if not n.startswith("_")]
    for name in names:
        method = getattr(storage, name)
        if not callable(method) or name in {"open", "schema_version"}:
            continue

        def wrap(name: str = name, method: Any = method) -> Any:
            async def call(*args: Any, **kwargs: Any) -> Any:
                if recorder.depth == 0:
                    recorder.calls.append(name)
                recorder.depth += 1
                try:
                    return await method(*args, **kwargs)
                finally:
                    recorder.depth -= 1

            return call

        monkeypatch.setattr(storage, name, wrap())
    monkeypatch.setattr(storage, "_tx", counted_tx)
    yield recorder


async def polled(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Recorder]:
    """One scheduled cycle over the one due feed; the recorder keeps the per-feed calls (the
    cycle's own claim of a batch of due feeds, shared by the batch, is checked and removed with
    its transaction)."""
    with recording(world, monkeypatch) as recorder:
        [report] = await world.engine.poll_due_feeds()
    monkeypatch.undo()
    assert recorder.calls.pop(0) == "claim_due_feeds"
    recorder.transactions -= 1
    return report, recorder


async def baseline(world: World) -> None:
    world.state.add("old", published=START - timedelta(hours=1))
    await world.subscribe(100)
    await world.subscribe(200, guild_id=2)
    assert (await world.poll()).outcome == "baseline"
    world.clock.advance(timedelta(hours=2))  # due again, whatever the spread of the first poll


async def test_entries_processed_one_read_then_one_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await baseline(world)
    world.state.etag = '"v2"'
    for key in ("a", "b", "c"):
        world.state.add(key, published=START)
    report, recorder = await polled(world, monkeypatch)
    assert (report.outcome, report.articles, report.posts) == ("processed", 3, 6)
    assert recorder.calls[0] == "poll_context"
    assert recorder.calls[1:] == ["record_poll"]
    assert recorder.transactions == 1
    posts = await world.storage.list_posts(PostState.PENDING)
    assert len(posts) == 6 and {p.target_id for p in posts} == {100, 200}


async def test_baseline_is_one_transaction(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(20):
        world.state.add(str(n), published=START)
    await world.subscribe(100)
    report, recorder = await polled(world, monkeypatch)
    assert (report.outcome, report.skipped) == ("baseline", 20)
    assert (recorder.calls, recorder.transactions) == (["record_poll"], 1)


async def test_not_modified_is_one_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await baseline(world)
    report, recorder = await polled(world, monkeypatch)
    assert report.outcome == "not_modified"
    assert (recorder.calls, recorder.transactions) == (["record_not_modified"], 1)


async def test_a_failure_is_one_transaction(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await baseline(world)
    world.state.status = 500
    report, recorder = await polled(world, monkeypatch)
    assert report.outcome == "failed" and report.failures == 1
    assert (recorder.calls, recorder.transactions) == (["record_poll_failure"], 1)
    assert (await world.feed()).failure_count == 1


async def test_nothing_new_reads_once_and_writes_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed document whose entries are all known: the read finds no unseen entry (so it
    loads no audience) and the write is the feed row alone."""
    await baseline(world)
    world.state.etag = '"v2"'
    world.state.title = "Le Journal de Test, édition du soir"
    report, recorder = await polled(world, monkeypatch)
    assert (report.outcome, report.articles, report.posts) == ("processed", 0, 0)
    assert (recorder.calls, recorder.transactions) == (["poll_context", "record_poll"], 1)
    assert (await world.feed()).title == "Le Journal de Test, édition du soir"


async def test_a_crash_while_preparing_records_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write comes after the preparation: an interruption there leaves the feed due and
    unchanged, and the next poll prepares and posts the entries once."""
    await baseline(world)
    world.state.etag = '"v2"'
    world.state.add("a", published=START)
    before = await world.feed()

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("killed while preparing")

    monkeypatch.setattr("bot.news.engine.prepare_entry", broken)
    with pytest.raises(RuntimeError):
        await world.engine.poll_feed(before)
    monkeypatch.undo()
    after = await world.feed()
    assert (after.next_poll_at, after.etag, after.body_hash) == (
        before.next_poll_at,
        before.etag,
        before.body_hash,
    )
    assert await world.storage.list_posts() == []
    report = await world.poll()
    assert (report.outcome, report.posts) == ("processed", 2)
    assert len(await world.storage.list_posts()) == 2
