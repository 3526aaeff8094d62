"""``depeche migrate-db``: a SQLite database (the newest committed dump: feeds, seen keys, articles,
subscriptions, follows, posts in every state, a feed lease) copied into a real PostgreSQL, then
back into a new SQLite file, comes back row for row; the target must be empty; after the copy
the outbox behaves as before it (nothing sent is claimed again); search finds the same articles
on the copy. Through the real CLI too (``python -m bot migrate-db``), in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from storage.copy import TABLES
from storage.errors import StorageError
from storage.records import PostState
from storage.storage import Storage
from tests.patience import PATIENCE
from tests.storage.helpers import NOW
from tests.storage.test_migrations import dump_versions, restore

ROOT = Path(__file__).resolve().parents[2]


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every copied table, in key order, every column."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY {key}").fetchall() for t, key in TABLES
        }


@pytest.fixture
def original(tmp_path: Path) -> Path:
    """The newest dump, upgraded to the current schema by one open."""
    path = tmp_path / "origine.db"
    restore(dump_versions()[-1], path)
    return path


async def copy(source: Path | str, target: Path | str) -> dict[str, int]:
    origin, destination = await Storage.open(source), await Storage.open(target)
    try:
        return (await origin.copy_into(destination)).counts
    finally:
        await origin.close()
        await destination.close()


async def test_every_table_of_the_schema_is_copied(original: Path) -> None:
    """A migration that adds a table must add it to the copy (0007's webhooks and 0008's
    stories and decisions were once left behind): only SQLite's full-text index, which its
    triggers rebuild, is not copied."""
    await (await Storage.open(original)).close()  # migrated to the current schema
    with contextlib.closing(sqlite3.connect(original)) as conn:
        names = {
            str(r[0])
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not str(r[0]).startswith(("sqlite_", "articles_fts"))
        }
    assert names == {t for t, _ in TABLES}


async def test_sqlite_to_postgresql_and_back_keeps_every_row(
    original: Path, postgres_url: str, tmp_path: Path
) -> None:
    await (await Storage.open(original)).close()  # migrated to the current schema
    before = rows(original)
    assert all(before.values()), [t for t, r in before.items() if not r]  # every table has rows
    there = await copy(original, postgres_url)
    assert there == {t: len(r) for t, r in before.items()}
    back = tmp_path / "retour.db"
    assert await copy(postgres_url, back) == there
    assert rows(back) == before
    with contextlib.closing(sqlite3.connect(back)) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_the_copy_searches_and_delivers_as_the_original(
    original: Path, postgres_url: str
) -> None:
    await copy(original, postgres_url)
    first, second = await Storage.open(original), await Storage.open(postgres_url)
    try:
        found = [
            [a.id for a in await store.search_articles(("topic", "Municipalité"))]
            for store in (first, second)
        ]
        assert found[0] == found[1] and len(found[0]) >= 4  # the same, newest first, on both
        for store in (first, second):
            assert await store.recover_sending() == 1  # the post left "sending" by a crash
            claimed = await store.claim_due_posts(now=NOW, limit=50)
            sent = {p.id for p in await store.list_posts(PostState.SENT)}
            assert claimed and not sent & {c.post.id for c in claimed}
        mine = [(c.post.id, c.post.nonce, c.post.attempts) for c in
                await first.claim_due_posts(now=NOW, limit=50)]  # fmt: skip
        assert mine == [(c.post.id, c.post.nonce, c.post.attempts) for c in
                        await second.claim_due_posts(now=NOW, limit=50)]  # fmt: skip
        # New rows on the copy take ids after the copied ones (PostgreSQL's sequences moved).
        feed = await second.add_feed("https://nouveau.exemple/flux.xml", now=NOW)
        assert feed.id == max(f.id for f in await first.list_feeds()) + 1
    finally:
        await first.close()
        await second.close()


async def test_a_target_that_is_not_empty_is_refused_and_left_alone(
    original: Path, database: Path | str
) -> None:
    target = await Storage.open(database)
    try:
        await target.add_feed("https://deja.exemple/flux.xml", now=NOW)
    finally:
        await target.close()
    with pytest.raises(StorageError, match=r"n'est pas vide \(1 dans feeds\).*rien n'a été écrit"):
        await copy(original, database)
    target = await Storage.open(database)
    try:
        assert [f.url for f in await target.list_feeds()] == ["https://deja.exemple/flux.xml"]
    finally:
        await target.close()


async def _cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", os.devnull, "migrate-db", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(PATIENCE):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_copies_and_refuses_in_french(
    original: Path, postgres_url: str, tmp_path: Path
) -> None:
    counts = {table: len(found) for table, found in rows(original).items()}
    code, out, _ = await _cli(str(original), postgres_url)
    assert code == 0, out
    assert "Copie terminée" in out and "nombres vérifiés" in out
    assert f"publications : {counts['posts']}\n" in out and f"flux : {counts['feeds']}\n" in out
    code, out, err = await _cli(str(original), postgres_url)  # the target is not empty now
    assert code == 1 and "n'est pas vide" in err and "Traceback" not in err
    code, _, err = await _cli(str(tmp_path / "absente.db"), str(tmp_path / "cible.db"))
    assert code == 1 and "n'existe pas" in err
    assert not (tmp_path / "cible.db").exists()
    code, _, err = await _cli(str(original), f"sqlite:///{original}")
    assert code == 1 and "la même base" in err
    code, out, _ = await _cli(postgres_url, str(tmp_path / "retour.db"))
    assert code == 0 and f"articles : {counts['articles']}\n" in out
    assert rows(tmp_path / "retour.db") == rows(original)
