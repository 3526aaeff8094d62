"""The SQLite backend (the default): one aiosqlite connection to one file.

Checks at open (corrupt, foreign or newer files refused without a write), pragmas, migrations
(``PRAGMA user_version``), ``BEGIN IMMEDIATE`` transactions, online backup (``VACUUM INTO``).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.connection import APPLICATION_ID, SQLITE, Database, Params, Row, Session
from storage.errors import (
    BusyError,
    CorruptDatabaseError,
    IntegrityError,
    MigrationError,
    SchemaVersionError,
    StorageError,
)

log = logging.getLogger(__name__)

_CORRUPT_MARKERS = ("not a database", "malformed", "disk image", "file is encrypted")


def wrap_error(exc: sqlite3.Error, path: Path) -> StorageError:
    """Translate a sqlite error into our hierarchy."""
    text = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(text)
    if any(marker in text.lower() for marker in _CORRUPT_MARKERS):
        return CorruptDatabaseError(path, text)
    if "locked" in text.lower() or "busy" in text.lower():
        return BusyError(text)
    return StorageError(f"{type(exc).__name__}: {text}")


class SqliteSession(Session):
    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # One trip to aiosqlite's thread (execute, fetch and drop the cursor there), not three.
        try:
            return list(await self._conn.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            async with self._conn.execute(sql, params) as cursor:
                return max(cursor.rowcount, 0)
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        try:
            async with self._conn.executemany(sql, rows) as cursor:
                return max(cursor.rowcount, 0)
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc


class SqliteDatabase(Database):
    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._session = SqliteSession(conn, path)
        self.location = str(path)

    @classmethod
    async def open(cls, path: Path, migrations: Sequence[tuple[int, str]]) -> SqliteDatabase:
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise CorruptDatabaseError(path, str(exc)) from exc
        try:
            conn.row_factory = sqlite3.Row
            await _check_file(conn, path, len(migrations))
            for pragma in (
                "PRAGMA journal_mode = WAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 5000",
                "PRAGMA synchronous = NORMAL",
            ):
                await conn.execute(pragma)
            await _migrate(conn, path, migrations)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._session.fetchall(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc
        try:
            yield self._session
            await self._conn.execute("COMMIT")
        except BaseException as exc:
            await self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise wrap_error(exc, self._path) from exc
            raise

    async def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback failed path=%s", self._path)

    async def close(self) -> None:
        try:
            await self._conn.execute("PRAGMA optimize")
            await self._conn.close()
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc

    async def backup(self, dest: Path) -> Path:
        await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
        try:
            await self._conn.execute("VACUUM INTO ?", (str(dest),))
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc
        await asyncio.to_thread(_mark_open_posts_attempted, dest)
        log.info("backup written dest=%s", dest)
        return dest


def _mark_open_posts_attempted(copy: Path) -> None:
    """D10: a copy cannot know what the live bot sends after it was taken. Every post still open
    in it counts as attempted, so that after a restore delivery looks for it in the channel's
    recent messages (D5) before sending it."""
    conn = sqlite3.connect(copy)
    try:
        with conn:
            conn.execute(
                "UPDATE posts SET attempts = attempts + 1 WHERE state IN ('pending', 'sending')"
            )
    finally:
        conn.close()


async def _scalar(conn: aiosqlite.Connection, sql: str) -> Any:
    async with conn.execute(sql) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def _check_file(conn: aiosqlite.Connection, path: Path, supported: int) -> None:
    """Refuse, without writing anything, a corrupt, foreign or newer database."""
    try:
        objects = int(await _scalar(conn, "SELECT count(*) FROM sqlite_master"))
        version = int(await _scalar(conn, "PRAGMA user_version"))
        app_id = int(await _scalar(conn, "PRAGMA application_id"))
        check = await _scalar(conn, "PRAGMA quick_check") if objects else "ok"
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(path, str(exc)) from exc
    if check != "ok":
        raise CorruptDatabaseError(path, f"quick_check: {check}")
    if app_id not in (0, APPLICATION_ID):
        raise SchemaVersionError(
            path, version, supported, f"La base {path} n'appartient pas à Dépêche (application_id)."
        )
    if version > supported:
        raise SchemaVersionError(path, version, supported)
    if version == 0 and objects:
        raise SchemaVersionError(
            path, 0, supported, f"La base {path} n'est pas vide mais n'est pas une base Dépêche."
        )


async def _migrate(
    conn: aiosqlite.Connection, path: Path, migrations: Iterable[tuple[int, str]]
) -> None:
    """Apply the pending migrations, each in its own transaction (atomic on failure), with
    foreign keys off as SQLite's ALTER TABLE page asks for a table rebuilt (0009 rebuilds
    ``posts``: with them on, dropping the old table would run its ON DELETE actions on the rows
    that point at it); a migration whose rows break a foreign key is rolled back."""
    current = int(await _scalar(conn, "PRAGMA user_version"))
    await conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: here
    for number, sql in migrations:
        if number <= current:
            continue
        script = (
            f"BEGIN IMMEDIATE;\n{sql}\n"
            f"PRAGMA application_id = {APPLICATION_ID};\n"
            f"PRAGMA user_version = {number};"
        )
        try:
            await conn.executescript(script)
            broken = await (await conn.execute("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"foreign keys broken: {[tuple(r) for r in broken]}")
            await conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise MigrationError(
                f"La migration {number:04d} de la base {path} a échoué ({exc}) ; "
                f"la base est restée au schéma {current}."
            ) from exc
        log.info("migration applied path=%s version=%d", path, number)
        current = number
    await conn.execute("PRAGMA foreign_keys = ON")
