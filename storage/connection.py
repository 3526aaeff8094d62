"""The one aiosqlite connection: checks at open, pragmas, migrations, transactions, errors.

Every write unit of work runs in ``async with self._tx() as db:``: one ``asyncio.Lock`` (one
writer) and one ``BEGIN IMMEDIATE ... COMMIT``. Nothing awaits the network inside it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.errors import (
    BusyError,
    CorruptDatabaseError,
    IntegrityError,
    MigrationError,
    SchemaVersionError,
    StorageError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
IN_CHUNK = 500  # values per ``IN (...)`` list, far below SQLite's variable limit


def in_chunks(values: Sequence[T]) -> Iterator[tuple[list[T], str]]:
    """``values`` in slices of ``IN_CHUNK``, each with its ``?,?,...`` placeholders."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        yield chunk, ",".join("?" * len(chunk))


APPLICATION_ID = 0x44455045  # "DEPE"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_CORRUPT_MARKERS = ("not a database", "malformed", "disk image", "file is encrypted")

Params = Sequence[Any] | dict[str, Any]


def load_migrations() -> list[tuple[int, str]]:
    """The numbered migrations shipped in ``storage/migrations``, in order."""
    found: list[tuple[int, str]] = []
    for item in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.read_text(encoding="utf-8")))
    found.sort()
    if [number for number, _ in found] != list(range(1, len(found) + 1)):
        raise MigrationError("migrations must be numbered 0001, 0002, ... without gaps")
    return found


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


class Connection:
    """Base of ``Storage``: owns the connection and the write lock."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        return self._path

    @classmethod
    async def _connect(cls, path: Path, migrations: list[tuple[int, str]]) -> aiosqlite.Connection:
        path = Path(path)
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
        return conn

    async def close(self) -> None:
        try:
            async with self._lock:
                await self._conn.execute("PRAGMA optimize")
                await self._conn.close()
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write unit of work: lock + BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise wrap_error(exc, self._path) from exc
            try:
                yield self._conn
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

    async def _fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        try:
            async with self._conn.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        except sqlite3.Error as exc:
            raise wrap_error(exc, self._path) from exc

    async def _fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    async def backup(self, dest_path: Path | str) -> Path:
        """Write a consistent online copy of the database to ``dest_path`` (VACUUM INTO)."""
        dest = Path(dest_path)
        if await asyncio.to_thread(dest.exists):
            raise StorageError(f"Le fichier de sauvegarde {dest} existe déjà.")
        await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
        async with self._lock:
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
    """Apply the pending migrations, each in its own transaction (atomic on failure)."""
    current = int(await _scalar(conn, "PRAGMA user_version"))
    for number, sql in migrations:
        if number <= current:
            continue
        script = (
            f"BEGIN IMMEDIATE;\n{sql}\n"
            f"PRAGMA application_id = {APPLICATION_ID};\n"
            f"PRAGMA user_version = {number};\nCOMMIT;"
        )
        try:
            await conn.executescript(script)
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
