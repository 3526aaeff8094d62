"""The database of one process, whatever the backend: the shared SQL surface, the write lock,
transactions, the choice of backend from ``DATABASE_URL``.

Every write unit of work runs in ``async with self._tx() as db:``: one ``asyncio.Lock`` (one
writer per process) and one transaction of the backend (SQLite: ``BEGIN IMMEDIATE ... COMMIT``;
PostgreSQL: a pooled connection's transaction). Nothing awaits the network inside it.

The storage modules write their SQL once, with ``?`` placeholders, in the subset both backends
speak (``ON CONFLICT``, ``RETURNING``, ``NULLS FIRST``); ``db.dialect`` says where they must
differ (the search, the row locks of the outbox and feed claims). The backends live in
``storage.sqlite`` and ``storage.postgres``.
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from storage.errors import MigrationError, StorageError

T = TypeVar("T")
IN_CHUNK = 500  # values per ``IN (...)`` list, far below SQLite's variable limit


def in_chunks(values: Sequence[T]) -> Iterator[tuple[list[T], str]]:
    """``values`` in slices of ``IN_CHUNK``, each with its ``?,?,...`` placeholders."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        yield chunk, ",".join("?" * len(chunk))


APPLICATION_ID = 0x44455045  # "DEPE"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params = Sequence[Any]


class Row(Protocol):
    """A result row: by column name or by position (``sqlite3.Row``, ``asyncpg.Record``)."""

    def __getitem__(self, key: Any, /) -> Any: ...


class Reader(Protocol):
    """Anything that runs a query: a ``Session`` inside a unit of work, a ``Database`` outside."""

    async def fetchall(self, sql: str, params: Params = (), /) -> list[Row]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """What the shared SQL cannot say the same way on both backends."""

    name: str  # "sqlite" or "postgresql"

    @property
    def is_postgresql(self) -> bool:
        return self.name == "postgresql"

    def skip_locked(self, alias: str) -> str:
        """Appended to a claim's SELECT (the outbox's, the feed leases'): PostgreSQL locks the
        rows of ``alias`` and skips those another transaction holds; SQLite's ``BEGIN
        IMMEDIATE`` already lets one writer in at a time."""
        return f" FOR UPDATE OF {alias} SKIP LOCKED" if self.is_postgresql else ""


SQLITE = Dialect("sqlite")
POSTGRESQL = Dialect("postgresql")


class Session(ABC):
    """One connection of a backend: reads, and inside ``_tx`` the writes of one unit of work.
    Every driver error comes out as a ``StorageError`` subclass."""

    dialect: Dialect

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement per parameter row; the number of rows changed in all."""


class Database(ABC):
    """A backend: where the data is, its reads, its transactions."""

    dialect: Dialect
    location: str  # the file, or the server address without its password (for messages)

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Session]: ...

    @property
    def single_statements_need_the_lock(self) -> bool:
        """True when even a one-statement write must take the process's write lock (SQLite:
        one writer at a time); PostgreSQL runs it on its own, its row lock is enough."""
        return True

    async def execute_alone(self, sql: str, params: Params = ()) -> int:
        """One write statement, atomic on its own (its own transaction); rows changed."""
        async with self.transaction() as session:
            return await session.execute(sql, params)

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def backup(self, dest: Path) -> Path: ...

    @property
    def is_available(self) -> bool:
        """False while a server is unreachable and being reconnected to (PostgreSQL)."""
        return True


def is_postgresql_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def parse_target(target: Path | str) -> Path | str:
    """``DATABASE_URL`` (or a path): a ``Path`` for SQLite (a path or ``sqlite:///PATH``, the
    path relative unless it starts with ``/``), the URL itself for PostgreSQL."""
    if isinstance(target, Path):
        return target
    text = target.strip()
    if is_postgresql_url(text):
        return text
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
        if not text:
            raise StorageError(
                "L'adresse de base de données sqlite:/// doit nommer un fichier : "
                "sqlite:///depeche.db"
            )
        return Path(text).expanduser()
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StorageError(
            f"Adresse de base de données inconnue ({scheme}://…) : utilisez un chemin de fichier, "
            "sqlite:///chemin.db ou postgresql://utilisateur@hôte/base."
        )
    if not text:
        raise StorageError("Aucune base de données indiquée (DATABASE_URL est vide).")
    return Path(text).expanduser()


def redact(url: str) -> str:
    """A server address fit for a message or a log: the password replaced by ``***``."""
    return re.sub(r"^([a-z]+://[^:/@?]*):[^@/?]*@", r"\1:***@", url)


def load_migrations(dialect: Dialect = SQLITE) -> list[tuple[int, str]]:
    """The numbered migrations of a backend, in order: ``storage/migrations`` for SQLite,
    ``storage/migrations/postgresql`` (the same steps, in its SQL) for PostgreSQL."""
    folder: Traversable = resources.files("storage.migrations")
    if dialect.is_postgresql:
        folder = folder.joinpath("postgresql")
    found: list[tuple[int, str]] = []
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.read_text(encoding="utf-8")))
    found.sort()
    if [number for number, _ in found] != list(range(1, len(found) + 1)):
        raise MigrationError("migrations must be numbered 0001, 0002, ... without gaps")
    return found


class Connection:
    """Base of ``Storage``: owns the backend and the write lock."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        """The SQLite file (a PostgreSQL database has none)."""
        if self._db.dialect.is_postgresql:
            raise StorageError(f"La base {self._db.location} n'est pas un fichier.")
        return Path(self._db.location)

    @property
    def location(self) -> str:
        """The file, or the server address without its password."""
        return self._db.location

    @property
    def is_available(self) -> bool:
        """False during a database server outage, until the reconnection succeeds."""
        return self._db.is_available

    @property
    def _dialect(self) -> Dialect:
        return self._db.dialect

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[Session]:
        """One write unit of work: the lock and one transaction (rolled back on error)."""
        async with self._lock, self._db.transaction() as session:
            yield session

    async def _write_one(self, sql: str, params: Params = ()) -> int:
        """A unit of work of one statement (one row's update): on PostgreSQL, one round trip
        outside the write lock (no BEGIN/COMMIT, no queue behind the process's other writes),
        which cannot deadlock (it holds no lock while waiting for another); on SQLite, as
        ``_tx``. Rows changed."""
        if not self._db.single_statements_need_the_lock:
            return await self._db.execute_alone(sql, params)
        async with self._tx() as db:
            return await db.execute(sql, params)

    async def _fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._db.fetchall(sql, params)

    async def _fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    async def backup(self, dest_path: Path | str) -> Path:
        """Write a consistent online copy of the database to ``dest_path`` (SQLite: VACUUM INTO;
        PostgreSQL: refused, ``pg_dump`` is the tool)."""
        dest = Path(dest_path)
        if await asyncio.to_thread(dest.exists):
            raise StorageError(f"Le fichier de sauvegarde {dest} existe déjà.")
        async with self._lock:
            return await self._db.backup(dest)
