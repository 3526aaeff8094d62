"""The PostgreSQL server restarts under an open ``Storage`` (``tests/postgres.py`` stops and
starts the test cluster on the same port with its data): calls fail at once with
``UnavailableError`` meanwhile, the backend reconnects by itself with backoff and says so in
its log, and nothing committed is lost."""

from __future__ import annotations

import asyncio
import logging

import pytest

from storage.errors import UnavailableError
from storage.records import PlannedPost, PostState
from storage.storage import Storage
from tests.patience import PATIENCE
from tests.postgres import PostgresServer
from tests.storage.helpers import NOW, article, feed_with_subscription, seen


async def back(storage: Storage) -> None:
    async with asyncio.timeout(PATIENCE):
        while not storage.is_available:  # noqa: ASYNC110 - the backend's own state
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_a_server_restart_fails_fast_reconnects_and_loses_nothing(
    stoppable_postgres: PostgresServer,
    postgres_url: str,
    mode: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="storage.postgres")
    storage = await Storage.open(postgres_url)
    try:
        feed_id, sub_id = await feed_with_subscription(storage)
        sub = await storage.get_subscription(sub_id)
        await storage.save_article(
            article(feed_id, "avant"), now=NOW, seen=seen("avant"), posts=[PlannedPost(sub)]
        )
        stoppable_postgres.shut_down(mode)
        with pytest.raises(UnavailableError):  # the first call meets the lost server
            await storage.save_article(
                article(feed_id, "pendant"), now=NOW, seen=seen("pendant"),
                posts=[PlannedPost(sub)],
            )  # fmt: skip
        assert not storage.is_available
        with pytest.raises(UnavailableError, match="injoignable"):  # then every call, at once
            await storage.list_feeds()
        stoppable_postgres.start_again()
        await back(storage)
        # Nothing committed was lost, nothing half-written stayed: the post of "avant" is
        # still pending, "pendant" is absent and can be written now.
        posts = await storage.list_posts()
        assert [(p.state, p.subscription_id) for p in posts] == [(PostState.PENDING, sub_id)]
        assert await storage.known_keys(feed_id, ["avant", "pendant"]) == {"avant"}
        await storage.save_article(
            article(feed_id, "pendant"), now=NOW, seen=seen("pendant"), posts=[PlannedPost(sub)]
        )
        assert len(await storage.list_posts()) == 2
    finally:
        await storage.close()
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("database unavailable") for m in logged)
    assert any(m.startswith("database reconnected") for m in logged)
    assert not any("password" in m for m in logged)


async def test_closing_during_an_outage_ends_the_reconnection(
    stoppable_postgres: PostgresServer, postgres_url: str
) -> None:
    storage = await Storage.open(postgres_url)
    stoppable_postgres.shut_down("immediate")
    try:
        with pytest.raises(UnavailableError):
            await storage.list_feeds()
        assert not storage.is_available
        await storage.close()  # returns: the reconnection loop is cancelled, the pool closed
    finally:
        stoppable_postgres.start_again()


async def test_a_transaction_that_did_not_end_is_not_pooled_again(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rollback that fails (the protocol lost its state, as asyncpg's "cannot switch to state"
    in an outage) leaves the transaction open on its connection: that connection is closed, not
    handed back to the pool, where asyncpg would reset it with the transaction still open (an
    ERROR in the bot's log) or give it, mid-transaction, to the next unit of work."""
    import asyncpg  # type: ignore[import-untyped]

    reported: list[str] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: reported.append(str(context["message"])))
    storage = await Storage.open(postgres_url)
    try:
        feed_id, _ = await feed_with_subscription(storage)

        async def lost(self: object) -> None:
            raise asyncpg.exceptions.InternalClientError("cannot switch to state 15")

        with monkeypatch.context() as patch:
            patch.setattr(asyncpg.transaction.Transaction, "rollback", lost)
            with pytest.raises(RuntimeError):
                async with storage._tx() as db:
                    await db.execute("UPDATE feeds SET title = 'perdu' WHERE id = ?", (feed_id,))
                    raise RuntimeError("the unit of work fails")
        feed = await storage.get_feed(feed_id)
        assert feed is not None and feed.title != "perdu"  # aborted by the server
        await storage.record_seen(feed_id, [seen("après")], now=NOW)  # the pool serves again
        assert reported == []
    finally:
        await storage.close()
        loop.set_exception_handler(None)
