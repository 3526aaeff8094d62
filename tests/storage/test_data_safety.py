"""Data safety at the storage level: D1 (identity and pragmas), D2 (isolation, no network await
inside a transaction), D3 (claim uniqueness across connections), D14 (retention during writes)."""

from __future__ import annotations

import ast
import asyncio
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from storage.errors import SchemaVersionError
from storage.records import PlannedPost, PostState
from storage.storage import Storage
from tests.storage.helpers import NOW, article, feed_with_subscription, seen

ROOT = Path(__file__).resolve().parents[2]


async def test_d1_another_application_id_is_refused_without_writes(tmp_path: Path) -> None:
    db = tmp_path / "depeche.db"
    await (await Storage.open(db)).close()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA application_id = 1234")
    before = db.read_bytes()
    with pytest.raises(SchemaVersionError) as caught:
        await Storage.open(db)
    assert str(db) in str(caught.value) and db.read_bytes() == before


async def test_d1_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    db = tmp_path / "depeche.db"
    first = await Storage.open(db)
    second = await Storage.open(db)  # an existing file: the pragmas are per connection
    try:
        for storage in (first, second):
            values = [
                (await storage._fetchone(f"PRAGMA {name}"))[0]  # type: ignore[index]
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            ]
            assert values == ["wal", 1, 5000, 1]
    finally:
        await first.close()
        await second.close()


async def test_d2_a_rolled_back_unit_of_work_leaves_the_others(database: Path | str) -> None:
    storage = await Storage.open(database)
    try:

        async def failing() -> None:
            async with storage._tx() as db:
                await db.execute(
                    "INSERT INTO feeds (url, created_at) VALUES ('https://a.example/rss', 'x')"
                )
                await asyncio.sleep(0)
                raise RuntimeError("feed A failed mid-way")

        results = await asyncio.gather(
            failing(), storage.add_feed("https://b.example/rss", now=NOW), return_exceptions=True
        )
        assert isinstance(results[0], RuntimeError)
        assert [f.url for f in await storage.list_feeds()] == ["https://b.example/rss"]
    finally:
        await storage.close()


async def test_d2_one_hundred_concurrent_units_give_exactly_the_expected_rows(
    database: Path | str,
) -> None:
    storage = await Storage.open(database)
    try:
        feed_id, sub_id = await feed_with_subscription(storage)
        sub = await storage.get_subscription(sub_id)
        rng = random.Random(5)
        keys = [f"k{n}" for n in range(100)]
        rng.shuffle(keys)

        async def unit(key: str) -> None:
            await asyncio.sleep(rng.random() / 100)
            if rng.random() < 0.5:
                await storage.claim_due_posts(now=NOW, limit=3)
            await storage.save_article(
                article(feed_id, key), now=NOW, seen=seen(key), posts=[PlannedPost(sub)]
            )

        await asyncio.gather(*(unit(k) for k in keys), *(unit(k) for k in keys[:20]))
        posts = await storage.list_posts()
        assert len(posts) == 100 and len({p.article_id for p in posts}) == 100
        assert await storage.known_keys(feed_id, keys) == set(keys)
    finally:
        await storage.close()


# ---- D2: no network await inside a transaction ------------------------------------------------


def network_awaits_in_transactions(source: str) -> list[int]:
    """Line numbers of awaits inside ``async with ..._tx() as db:`` whose call neither goes
    through ``db`` (or a cursor opened from it) nor passes ``db`` to a helper."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.AsyncWith):
            continue
        item = node.items[0]
        call = item.context_expr
        is_tx = isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "_tx"
        if not is_tx or not isinstance(item.optional_vars, ast.Name):
            continue
        allowed = {item.optional_vars.id}
        for inner in ast.walk(node):
            if isinstance(inner, ast.AsyncWith):
                for sub in inner.items:
                    if _uses(sub.context_expr, allowed) and isinstance(sub.optional_vars, ast.Name):
                        allowed.add(sub.optional_vars.id)
        for inner in ast.walk(node):
            if isinstance(inner, ast.Await) and not _uses(inner.value, allowed):
                found.append(inner.lineno)
    return found


def _uses(expr: ast.expr, allowed: set[str]) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    receiver = expr.func
    while isinstance(receiver, ast.Attribute):
        receiver = receiver.value
    if isinstance(receiver, ast.Name) and receiver.id in allowed:
        return True
    return any(isinstance(arg, ast.Name) and arg.id in allowed for arg in expr.args)


def test_d2_no_network_await_inside_a_transaction_block() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("storage", "bot")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in network_awaits_in_transactions(path.read_text(encoding="utf-8"))
    }
    assert offenders == set()


def test_d2_the_transaction_check_catches_a_network_await() -> None:
    bad = (
        "async def f(self):\n"
        "    async with self._tx() as db:\n"
        "        await db.execute('UPDATE posts SET state = 1')\n"
        "        await self.publisher.publish(post)\n"
    )
    assert network_awaits_in_transactions(bad) == [4]


# ---- D3 and D14: two connections on one file ----------------------------------------------------


async def test_d3_two_connections_claim_each_post_exactly_once(database: Path | str) -> None:
    db = database
    first, second = await Storage.open(db), await Storage.open(db)
    try:
        feed_id, sub_id = await feed_with_subscription(first)
        sub = await first.get_subscription(sub_id)
        for n in range(60):
            key = f"k{n}"
            await first.save_article(
                article(feed_id, key), now=NOW, seen=seen(key), posts=[PlannedPost(sub)]
            )
        batches = await asyncio.gather(
            *(store.claim_due_posts(now=NOW, limit=7) for store in (first, second) * 6)
        )
        claimed = [c.post.id for batch in batches for c in batch]
        assert len(claimed) == len(set(claimed)) == 60
    finally:
        await first.close()
        await second.close()


async def test_d14_retention_during_a_write_storm_locks_nobody_and_reposts_nothing(
    database: Path | str,
) -> None:
    db = database
    poller, retention = await Storage.open(db), await Storage.open(db)
    try:
        feed_id, sub_id = await feed_with_subscription(poller)
        sub = await poller.get_subscription(sub_id)
        old = NOW - timedelta(days=200)
        for n in range(40):  # old articles, already posted
            key = f"old{n}"
            await poller.save_article(article(feed_id, key), now=old, seen=seen(key))

        async def storm() -> None:
            for n in range(80):
                key = f"new{n}"
                await poller.save_article(
                    article(feed_id, key), now=NOW, seen=seen(key), posts=[PlannedPost(sub)]
                )

        async def prune() -> int:
            removed = 0
            for _ in range(10):
                removed += await retention.prune_articles(older_than=NOW - timedelta(days=90))
                await asyncio.sleep(0)
            return removed

        _, removed = await asyncio.gather(storm(), prune())
        assert removed == 40
        old_keys = [f"old{n}" for n in range(40)]
        assert await poller.known_keys(feed_id, old_keys) == set(old_keys)  # tombstones: F20
        pending = await poller.list_posts(PostState.PENDING)
        assert len(pending) == 80
    finally:
        await poller.close()
        await retention.close()


async def test_d14_retention_keeps_the_articles_whose_posts_are_still_open(
    database: Path | str,
) -> None:
    """D14: an old article whose post still waits (a long Discord outage) or is being sent is
    not pruned with its outbox row; the settled ones go, their keys stay (F20)."""
    storage = await Storage.open(database)
    try:
        feed_id, sub_id = await feed_with_subscription(storage)
        sub = await storage.get_subscription(sub_id)
        old = NOW - timedelta(days=200)
        for key in ("sent", "sending", "pending"):
            await storage.save_article(
                article(feed_id, key), now=old, seen=seen(key), posts=[PlannedPost(sub)]
            )
        claimed = await storage.claim_due_posts(now=old, limit=2)
        await storage.mark_sent(claimed[0].post.id, message_id="1", now=old)
        assert await storage.prune_articles(older_than=NOW - timedelta(days=90)) == 1
        states = {p.state for p in await storage.list_posts()}
        assert states == {PostState.SENDING, PostState.PENDING}
        assert await storage.known_keys(feed_id, ["sent", "sending", "pending"]) == {
            "sent",
            "sending",
            "pending",
        }
    finally:
        await storage.close()
