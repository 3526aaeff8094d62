"""D7: every historical schema, kept as an SQL dump in ``tests/data/db_versions``, upgrades to the
current version with its data (feeds, subscriptions, seen keys, outbox) kept; idempotent."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

import pytest

from storage.connection import APPLICATION_ID
from storage.records import PostState
from storage.storage import Storage

DUMPS = Path(__file__).resolve().parents[1] / "data" / "db_versions"
COUNTED = ("feeds", "subscriptions", "seen_entries", "articles", "follows", "terms")


def dump_versions() -> list[int]:
    found = (re.fullmatch(r"v(\d+)\.sql", p.name) for p in DUMPS.glob("v*.sql"))
    return sorted(int(m.group(1)) for m in found if m)


def restore(version: int, path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript((DUMPS / f"v{version}.sql").read_text(encoding="utf-8"))


def snapshot(path: Path) -> dict[str, object]:
    """Row counts, outbox rows, user_version and schema of the database at ``path``."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        posts = conn.execute(
            "SELECT id, article_id, target_id, state, nonce, attempts, message_id FROM posts"
            " ORDER BY id"
        ).fetchall()
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        return {
            "counts": counts,
            "posts": posts,
            "version": conn.execute("PRAGMA user_version").fetchone()[0],
            "schema": schema,
        }


def test_d7_a_dump_exists_for_every_schema_version() -> None:
    assert dump_versions() == list(range(1, Storage.schema_version() + 1))


@pytest.mark.parametrize("version", dump_versions())
async def test_d7_each_dump_upgrades_with_its_data_kept(tmp_path: Path, version: int) -> None:
    db = tmp_path / f"v{version}.db"
    restore(version, db)
    before = snapshot(db)
    assert before["version"] == version and before["counts"]["subscriptions"] == 3  # type: ignore[index]
    storage = await Storage.open(db)
    try:
        assert {f.title for f in await storage.list_feeds()} == {"La Gazette", "Radio"}
        assert await storage.known_keys(1, ["guid-old", "guid-0", "guid-9"]) == {
            "guid-old",
            "guid-0",
        }
    finally:
        await storage.close()
    after = snapshot(db)
    assert after["version"] == Storage.schema_version()
    assert after["counts"] == before["counts"] and after["posts"] == before["posts"]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    storage = await Storage.open(db)  # idempotent: nothing changes on a second open
    await storage.close()
    assert snapshot(db) == after


async def test_d7_the_upgraded_outbox_still_works(tmp_path: Path) -> None:
    """After the upgrade of the oldest dump, the crashed ``sending`` post is recovered (its nonce
    and attempts kept) and the ``sent`` one is never claimed again."""
    db = tmp_path / "old.db"
    restore(dump_versions()[0], db)
    storage = await Storage.open(db)
    try:
        sending = await storage.list_posts(PostState.SENDING)
        assert len(sending) == 1
        assert await storage.recover_sending() == 1
        claimed = await storage.claim_due_posts(now=sending[0].created_at, limit=10)
        by_id = {c.post.id: c.post for c in claimed}
        assert sending[0].id in by_id and by_id[sending[0].id].nonce == sending[0].nonce
        assert by_id[sending[0].id].attempts == sending[0].attempts + 1
        sent = await storage.list_posts(PostState.SENT)
        assert sent and not {p.id for p in sent} & set(by_id)
    finally:
        await storage.close()


async def test_0009_rebuilds_posts_keeping_the_rows_that_point_at_them(tmp_path: Path) -> None:
    """SQLite cannot make ``posts.article_id`` nullable in place: 0009 rebuilds the table. With
    foreign keys on, dropping the old table would have run ``ON DELETE SET NULL`` on the
    grouped decisions that point at a post (the v8 dump holds one)."""
    db = tmp_path / "v8.db"
    restore(8, db)

    def decisions() -> list[tuple[object, ...]]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return conn.execute(
                "SELECT article_id, outcome, group_post_id FROM article_decisions ORDER BY 1"
            ).fetchall()

    before = decisions()
    assert any(row[2] is not None for row in before)
    storage = await Storage.open(db)
    try:
        [grouped_under] = [row[2] for row in before if row[2] is not None]
        assert grouped_under in {p.id for p in await storage.list_posts()}
    finally:
        await storage.close()
    assert decisions() == before
    with contextlib.closing(sqlite3.connect(db)) as conn:
        columns = {row[1]: row[3] for row in conn.execute("PRAGMA table_info(posts)")}
        assert columns["article_id"] == 0 and "digest" in columns  # nullable now
