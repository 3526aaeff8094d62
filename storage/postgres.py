"""The PostgreSQL backend (``DATABASE_URL=postgresql://...``): an asyncpg pool on one database.

The storage modules' SQL runs here unchanged but for its placeholders (``?`` becomes ``$1``,
``$2``...). The schema lives in the URL's first schema (``search_path``, ``public`` by default)
with its version in ``depeche_schema``; the numbered migrations of
``storage/migrations/postgresql`` (the same steps as SQLite's, in PostgreSQL's SQL) are applied
at open, each in its own transaction under an advisory lock (two processes starting at once
migrate once). Refused without a write, as a SQLite file is: a schema with tables that is not
Dépêche's, another application's marker, a newer version.

When the server goes away (restarted, stopped, the network cut), the first call that meets it
raises ``UnavailableError`` and the database enters an outage: every call fails at once with
``UnavailableError`` (a slash command answers "réessayez dans un instant" rather than hanging)
while one background task reconnects with backoff (``RECONNECT_FIRST_S`` doubling up to
``RECONNECT_MAX_S``), logging the outage, each failed attempt and the return. Nothing is lost:
a unit of work committed before the loss or is rolled back with it and done again later; a
connection whose transaction did not end is closed, never pooled again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg

from storage.connection import (
    APPLICATION_ID,
    POSTGRESQL,
    Database,
    Params,
    Row,
    Session,
    redact,
)
from storage.errors import (
    BusyError,
    IntegrityError,
    MigrationError,
    SchemaVersionError,
    StorageError,
    UnavailableError,
)

log = logging.getLogger(__name__)

POOL_SIZE = 4  # connections per process: the writer (one at a time) and concurrent reads
RECONNECT_FIRST_S = 0.5  # the first wait after the server went away, then doubling
RECONNECT_MAX_S = 30.0
CLOSE_TIMEOUT_S = 10.0  # a graceful pool close; then its connections are terminated
_TOKEN = re.compile(r"'(?:[^']|'')*'|\?")
_VALUES_GROUP = re.compile(r"^\s*INSERT\b.*?\bVALUES\s*(\((?:[^()']|'[^']*')*\))", re.S | re.I)
MAX_PARAMS = 30_000  # values bound by one statement (PostgreSQL's limit is 32,767)
_RELATIONS = (
    "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
    " AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
)
_HAS_MARKER = (
    "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
    " AND relname = 'depeche_schema' AND relkind = 'r')"
)


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1``, ``$2``... (quoted literals left alone)."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() != "?":
            return match.group()
        count += 1
        return f"${count}"

    return _TOKEN.sub(replace, sql)


def multirow(sql: str) -> Callable[[int], str] | None:
    """For ``INSERT ... VALUES (?, ...) [ON CONFLICT ... DO NOTHING]``: a function giving the
    same statement with its VALUES group repeated n times; None for any other statement (an
    ``ON CONFLICT DO UPDATE`` must not meet the same key twice in one statement)."""
    match = _VALUES_GROUP.search(sql)
    if match is None or "DO UPDATE" in sql.upper() or "?" in sql[match.end(1) :]:
        return None
    head, group, tail = sql[: match.start(1)], match.group(1), sql[match.end(1) :]
    return lambda n: head + ", ".join([group] * n) + tail


def _values(params: Params) -> list[Any]:
    """The parameters as PostgreSQL takes them: its text cannot hold U+0000 (SQLite's can), so
    a NUL (a hostile feed's guid) becomes U+FFFD, the same way in writes and in lookups."""
    return [
        p.replace("\x00", "\ufffd") if isinstance(p, str) and "\x00" in p else p for p in params
    ]


def _rowcount(status: str) -> int:
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def wrap_error(exc: BaseException, location: str) -> StorageError:
    """Translate an asyncpg error (or a lost connection) into our hierarchy."""
    if isinstance(exc, asyncpg.exceptions.IntegrityConstraintViolationError):
        return IntegrityError(str(exc))
    if isinstance(
        exc,
        asyncpg.exceptions.DeadlockDetectedError
        | asyncpg.exceptions.SerializationError
        | asyncpg.exceptions.LockNotAvailableError,
    ):
        return BusyError(str(exc))
    if isinstance(
        exc,
        OSError
        | TimeoutError
        | asyncpg.exceptions.PostgresConnectionError
        | asyncpg.exceptions.InterfaceError
        | asyncpg.exceptions.CannotConnectNowError
        | asyncpg.exceptions.AdminShutdownError
        # A pooled connection the server dropped in the middle of an exchange: its protocol
        # state is unknown ("cannot switch to state ..."); the pool replaces it.
        | asyncpg.exceptions.InternalClientError,
    ):
        return UnavailableError(location, f"{type(exc).__name__}: {exc}")
    return StorageError(f"{type(exc).__name__}: {exc}")


_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
    TimeoutError,
)


class PostgresSession(Session):
    dialect = POSTGRESQL

    def __init__(self, conn: Any, location: str) -> None:
        self._conn = conn
        self._location = location

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return list(await self._conn.fetch(numbered(sql), *_values(params)))
        except _ERRORS as exc:
            raise wrap_error(exc, self._location) from exc

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return _rowcount(await self._conn.execute(numbered(sql), *_values(params)))
        except _ERRORS as exc:
            raise wrap_error(exc, self._location) from exc

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """One multi-row INSERT per ``MAX_PARAMS`` values where the statement allows it (one
        round trip instead of one per row: a poll's 30 seen keys), else one statement per row
        (asyncpg's own executemany reports no row count)."""
        values = [list(row) for row in rows]
        if len(values) > 1 and (grouped := multirow(sql)) is not None:
            per = max(1, MAX_PARAMS // max(1, len(values[0])))
            total = 0
            for start in range(0, len(values), per):
                chunk = values[start : start + per]
                total += await self.execute(grouped(len(chunk)), [v for r in chunk for v in r])
            return total
        return sum([await self.execute(sql, row) for row in values])


class PostgresDatabase(Database):
    dialect = POSTGRESQL

    def __init__(self, pool: Any, location: str) -> None:
        self._pool = pool
        self.location = location
        self._outage: asyncio.Task[None] | None = None  # the reconnection, during an outage
        self._outage_detail = ""

    @classmethod
    async def open(cls, url: str, migrations: Sequence[tuple[int, str]]) -> PostgresDatabase:
        location = redact(url)
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE)
        except (*_ERRORS, ValueError) as exc:
            raise wrap_error(exc, location) from exc
        try:
            async with pool.acquire() as conn:
                await _check_schema(conn, location, len(migrations))
                await _migrate(conn, location, migrations)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, location)

    @property
    def is_available(self) -> bool:
        """False during an outage (from the first lost call to a successful reconnection)."""
        return self._outage is None or self._outage.done()

    def _check_available(self) -> None:
        if not self.is_available:
            raise UnavailableError(self.location, f"reconnexion en cours, {self._outage_detail}")

    def _wrap(self, exc: BaseException) -> StorageError:
        """``wrap_error``; a lost server also starts the outage and its reconnection."""
        error = exc if isinstance(exc, StorageError) else wrap_error(exc, self.location)
        if isinstance(error, UnavailableError) and self.is_available:
            self._outage_detail = error.detail
            log.warning("database unavailable database=%s error=%s", self.location, error.detail)
            self._outage = asyncio.get_running_loop().create_task(self._reconnect())
        return error

    async def _reconnect(self) -> None:
        """Wait, try one connection, double the wait; until the server answers again."""
        started, delay, attempt = time.monotonic(), RECONNECT_FIRST_S, 0
        while True:
            await asyncio.sleep(delay)
            attempt += 1
            try:
                await self._pool.expire_connections()  # the pooled ones died with the server
                async with self._pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
            except _ERRORS as exc:
                self._outage_detail = f"{type(exc).__name__}: {exc}"
                delay = min(delay * 2, RECONNECT_MAX_S)
                log.info("database still unavailable database=%s attempt=%d retry_in=%.1fs",
                         self.location, attempt, delay)  # fmt: skip
                continue
            log.warning("database reconnected database=%s attempts=%d outage_s=%.1f",
                        self.location, attempt, time.monotonic() - started)  # fmt: skip
            return

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        self._check_available()
        try:
            async with self._pool.acquire() as conn:
                return list(await conn.fetch(numbered(sql), *_values(params)))
        except _ERRORS as exc:
            raise self._wrap(exc) from exc

    @property
    def single_statements_need_the_lock(self) -> bool:
        return False

    async def execute_alone(self, sql: str, params: Params = ()) -> int:
        """One statement in autocommit: a single round trip, atomic by itself."""
        self._check_available()
        try:
            async with self._pool.acquire() as conn:
                return _rowcount(await conn.execute(numbered(sql), *_values(params)))
        except _ERRORS as exc:
            raise self._wrap(exc) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        self._check_available()
        try:
            conn = await self._pool.acquire()
        except _ERRORS as exc:
            raise self._wrap(exc) from exc
        ended = False  # committed or rolled back: else the connection is closed, not pooled
        try:
            tx = conn.transaction()
            try:
                await tx.start()
            except _ERRORS as exc:
                raise self._wrap(exc) from exc
            try:
                yield PostgresSession(conn, self.location)
            except BaseException as exc:
                if isinstance(exc, UnavailableError):  # a statement met the lost server
                    self._wrap(exc)
                try:
                    await tx.rollback()
                    ended = True
                except _ERRORS:
                    log.info("rollback failed database=%s", self.location)
                raise
            try:
                await tx.commit()
                ended = True
            except _ERRORS as exc:
                raise self._wrap(exc) from exc
        finally:
            try:
                if not ended:  # the server aborts it; asyncpg would reset it open (an ERROR)
                    conn.terminate()
                await self._pool.release(conn)
            except _ERRORS:  # the connection died with the server: the pool replaces it
                log.debug("lost connection released database=%s", self.location)

    async def close(self) -> None:
        if self._outage is not None and not self._outage.done():
            self._outage.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._outage
        try:
            await asyncio.wait_for(self._pool.close(), timeout=CLOSE_TIMEOUT_S)
        except TimeoutError:  # a connection lost mid-query may never say goodbye
            self._pool.terminate()
        except _ERRORS as exc:
            raise wrap_error(exc, self.location) from exc

    async def backup(self, dest: Path) -> Path:
        raise StorageError(
            f"La base {self.location} est sur un serveur PostgreSQL : sauvegardez-la avec "
            f"pg_dump (par exemple « pg_dump --format=custom --file={dest} ADRESSE »)."
        )


async def _version(conn: Any) -> tuple[int, int] | None:
    """(application id, schema version) from ``depeche_schema``, or None when it is absent."""
    if not await conn.fetchval(_HAS_MARKER):
        return None
    row = await conn.fetchrow("SELECT application, version FROM depeche_schema")
    return (0, 0) if row is None else (int(row["application"]), int(row["version"]))


async def _check_schema(conn: Any, location: str, supported: int) -> None:
    """Refuse, without writing anything, a schema that is foreign or newer."""
    try:
        schema = await conn.fetchval("SELECT current_schema()")
        if schema is None:
            raise StorageError(
                f"La base {location} n'a aucun schéma utilisable (search_path) : créez-le ou "
                "corrigez l'adresse."
            )
        # One snapshot for both reads: another process's first migration committing between
        # them would otherwise show tables without the marker (a foreign base, wrongly).
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            marker = await _version(conn)
            relations = int(await conn.fetchval(_RELATIONS))
    except _ERRORS as exc:
        raise wrap_error(exc, location) from exc
    where = f"{location} (schéma {schema})"
    if marker is None:
        if relations:
            raise SchemaVersionError(
                where,
                0,
                supported,
                f"La base {where} n'est pas vide mais n'est pas une base Dépêche.",
            )
        return
    application, version = marker
    if application != APPLICATION_ID:
        raise SchemaVersionError(
            where,
            version,
            supported,
            f"La base {where} n'appartient pas à Dépêche (depeche_schema).",
        )
    if version > supported:
        raise SchemaVersionError(where, version, supported)


async def _migrate(conn: Any, location: str, migrations: Iterable[tuple[int, str]]) -> None:
    """Apply the pending migrations, each in its own transaction (atomic on failure), under an
    advisory lock: a second process starting at the same time waits, then finds them done."""
    marker = await _version(conn)
    current = 0 if marker is None else marker[1]
    for number, sql in migrations:
        if number <= current:
            continue
        try:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", APPLICATION_ID)
                marker = await _version(conn)
                current = 0 if marker is None else marker[1]
                if current >= number:
                    continue
                if marker is None:
                    await conn.execute(
                        "CREATE TABLE depeche_schema (application BIGINT NOT NULL,"
                        " version INTEGER NOT NULL)"
                    )
                    await conn.execute(
                        "INSERT INTO depeche_schema (application, version) VALUES ($1, 0)",
                        APPLICATION_ID,
                    )
                await conn.execute(sql)
                await conn.execute("UPDATE depeche_schema SET version = $1", number)
        except _ERRORS as exc:
            raise MigrationError(
                f"La migration {number:04d} de la base {location} a échoué ({exc}) ; "
                f"la base est restée au schéma {current}."
            ) from exc
        log.info("migration applied database=%s version=%d", location, number)
        current = number
