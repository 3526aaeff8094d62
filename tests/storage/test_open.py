"""Opening the database: pragmas, migrations, refusals (D1, D8, D9, D11)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import connection
from storage.connection import APPLICATION_ID
from storage.errors import CorruptDatabaseError, MigrationError, SchemaVersionError
from storage.storage import Storage
from tests.storage.helpers import NOW


async def test_fresh_database_is_migrated_with_pragmas(tmp_path: Path) -> None:
    """D1: a new file gets the pragmas, the current ``user_version`` and our application_id."""
    db_path = tmp_path / "depeche.db"
    storage = await Storage.open(db_path)
    try:
        pragmas = {}
        for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "user_version"):
            row = await storage._fetchone(f"PRAGMA {name}")
            assert row is not None
            pragmas[name] = row[0]
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 5000,
            "synchronous": 1,
            "user_version": Storage.schema_version(),
        }
    finally:
        await storage.close()
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    raw.close()


async def test_reopen_is_idempotent_and_keeps_data(database: Path | str) -> None:
    db_path = database
    storage = await Storage.open(db_path)
    await storage.add_feed("https://exemple.fr/rss", now=NOW)
    await storage.close()
    storage = await Storage.open(db_path)
    try:
        assert [f.url for f in await storage.list_feeds()] == ["https://exemple.fr/rss"]
    finally:
        await storage.close()


async def test_d9_future_version_is_refused_without_writes(tmp_path: Path) -> None:
    db_path = tmp_path / "future.db"
    storage = await Storage.open(db_path)
    await storage.close()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {Storage.schema_version() + 1}")
    raw.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaVersionError) as caught:
        await Storage.open(db_path)
    assert str(db_path) in str(caught.value)
    assert db_path.read_bytes() == before


async def test_d9_non_empty_database_at_version_zero_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "other.db"
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE notes (x TEXT)")
    raw.commit()
    raw.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaVersionError):
        await Storage.open(db_path)
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
async def test_d11_corrupt_file_is_refused_and_not_replaced(tmp_path: Path, damage: str) -> None:
    db_path = tmp_path / "depeche.db"
    storage = await Storage.open(db_path)
    for n in range(200):
        await storage.add_feed(f"https://exemple.fr/{n}/rss", now=NOW, title="x" * 200)
    await storage.close()
    data = db_path.read_bytes()
    if damage == "garbage":
        db_path.write_bytes(b"\x00garbage page one" * 64 + data[1024:])
    else:
        db_path.write_bytes(data[: len(data) // 3])
    before = db_path.read_bytes()
    with pytest.raises(CorruptDatabaseError) as caught:
        await Storage.open(db_path)
    message = str(caught.value)
    assert str(db_path) in message and "sauvegarde" in message
    assert db_path.read_bytes() == before


async def test_d8_failing_migration_leaves_schema_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D8: the failed step leaves ``user_version`` and the tables as they were, and the error
    names the file and the step (the CLI shows it and refuses to start)."""
    db_path = tmp_path / "depeche.db"
    storage = await Storage.open(db_path)
    await storage.close()
    real = connection.load_migrations()
    broken = [*real, (len(real) + 1, "CREATE TABLE half_done (x INT);\nSELECT no_such_fn();")]
    monkeypatch.setattr("storage.storage.load_migrations", lambda *dialect: broken)
    with pytest.raises(MigrationError) as caught:
        await Storage.open(db_path)
    assert str(db_path) in str(caught.value) and f"{len(real) + 1:04d}" in str(caught.value)
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(real)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "half_done" not in tables
    raw.close()


async def test_d11_damage_past_page_one_is_found_at_open(tmp_path: Path) -> None:
    """D11: garbage in a table's page (page 1 and the schema intact) is not seen by reading the
    header and the schema; the quick_check at open finds it and the bot refuses to start."""
    db_path = tmp_path / "depeche.db"
    storage = await Storage.open(db_path)
    for n in range(200):
        await storage.add_feed(f"https://exemple.fr/{n}/rss", now=NOW, title="x" * 200)
    await storage.close()
    assert not db_path.with_name(db_path.name + "-wal").exists()  # checkpointed into the file
    with sqlite3.connect(db_path) as raw:
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        [root] = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'feeds'").fetchone()
    assert root > 1
    with db_path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)
    before = db_path.read_bytes()
    with pytest.raises(CorruptDatabaseError) as caught:
        await Storage.open(db_path)
    assert str(db_path) in str(caught.value) and "sauvegarde" in str(caught.value)
    assert db_path.read_bytes() == before
