"""``depeche migrate-db``: copy a whole database into an empty one, SQLite -> PostgreSQL or back.

Both ends are opened by ``Storage.open`` (so both are at the current schema); the target must
hold no row at all. Every table is copied in foreign-key order with its ids (a post keeps its
id, hence its reference ``réf. 002a``, its nonce, its state and attempts: a post ``sending``
at the copy is reconciled after it, never sent twice; seen keys and history come along), all in
one transaction of the target, whose row counts are checked against what was read before it
commits: a failed copy leaves the target empty. The source is read whole before the target's
transaction opens (no read of another database inside it; memory: about the database's size
in Python objects), and counted again after. The search data each backend keeps its own
way is rebuilt: SQLite's ``articles_fts`` by its triggers, PostgreSQL's word arrays from the
article (``storage.search.search_columns``); PostgreSQL's id sequences are moved past the
copied ids. The source is only read: stop the bot before copying (a running bot's later writes
would not be in the copy).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.connection import Connection, Reader, Session
from storage.errors import StorageError
from storage.search import search_columns

# Foreign-key order, with each table's key (the order rows are read in).
TABLES: tuple[tuple[str, str], ...] = (
    ("feeds", "id"),
    ("seen_entries", "feed_id, key"),
    ("articles", "id"),
    ("article_stories", "article_id"),
    ("terms", "kind, term_norm"),
    ("subscriptions", "id"),
    ("follows", "id"),
    ("posts", "id"),
    ("article_decisions", "article_id, subscription_id"),
    ("webhooks", "channel_id"),
    ("digest_schedules", "id"),
    ("digests", "schedule_id, day"),
)
WITH_IDENTITY = ("feeds", "articles", "subscriptions", "follows", "posts", "digest_schedules")
SEARCH_COLUMNS = ("search_topic", "search_author", "search_any")  # PostgreSQL only
PAGE = 2000  # rows read at a time
MAX_PARAMS = 30_000  # per INSERT: under both backends' limits on bound values


@dataclass(frozen=True, slots=True)
class CopyReport:
    counts: dict[str, int]  # rows per table, the same in source and target


async def _columns(db: Reader, table: str, is_postgresql: bool) -> list[str]:
    if is_postgresql:
        rows = await db.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(r[0]) for r in rows]
    return [str(r[1]) for r in await db.fetchall(f"PRAGMA table_info({table})")]


async def _count(db: Reader, table: str) -> int:
    row = (await db.fetchall(f"SELECT count(*) FROM {table}"))[0]
    return int(row[0])


class CopyStore(Connection):
    async def copy_into(self, target: Connection) -> CopyReport:
        """Copy every row of this database into ``target`` (empty, refused otherwise)."""
        source_pg, target_pg = self._dialect.is_postgresql, target._dialect.is_postgresql
        filled = {t: n for t, _ in TABLES if (n := await _count(target._db, t))}
        if filled:
            rows = ", ".join(f"{n} dans {t}" for t, n in filled.items())
            raise StorageError(
                f"La base cible {target.location} n'est pas vide ({rows}) : la copie se fait "
                "vers une base neuve, rien n'a été écrit."
            )
        # Everything is read before the target's transaction opens: no read of another
        # database (a server, maybe remote) while the target's write lock is held.
        tables: list[tuple[str, list[str], list[list[Any]]]] = []
        for table, key in TABLES:
            theirs = await _columns(target._db, table, target_pg)
            ours = [c for c in await _columns(self._db, table, source_pg)
                    if c not in SEARCH_COLUMNS]  # fmt: skip
            missing = sorted(set(ours) - set(theirs))
            if missing:
                raise StorageError(
                    f"La table {table} de {target.location} n'a pas les colonnes "
                    f"{', '.join(missing)} : les deux bases doivent être au même schéma."
                )
            extra = list(SEARCH_COLUMNS) if table == "articles" and target_pg else []
            values = await self._read_table(table, key, ours, extra)
            tables.append((table, [*ours, *extra], values))
        async with target._tx() as db:
            for table, columns, values in tables:
                await _insert(db, table, columns, values)
                found = await _count(db, table)
                if found != len(values):
                    raise StorageError(
                        f"Copie de {table} incomplète : {len(values)} lignes lues dans la "
                        f"source, {found} dans la cible ; rien n'a été gardé."
                    )
            if target_pg:
                for table in WITH_IDENTITY:
                    await db.fetchall(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
        counts = {table: len(values) for table, _, values in tables}
        for table, copied in counts.items():  # the source, counted again after the copy
            if await _count(self._db, table) != copied:
                raise StorageError(
                    f"La source a changé pendant la copie (table {table}) : arrêtez le bot, "
                    "videz la cible et recommencez."
                )
        return CopyReport(counts)

    async def _read_table(
        self, table: str, key: str, columns: Sequence[str], extra: Sequence[str]
    ) -> list[list[Any]]:
        values: list[list[Any]] = []
        while True:
            rows = await self._fetchall(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key} LIMIT ? OFFSET ?",
                (PAGE, len(values)),
            )
            if not rows:
                return values
            values += [_row_values(r, columns, extra) for r in rows]


async def _insert(db: Session, table: str, columns: Sequence[str], values: list[list[Any]]) -> None:
    """Multi-row INSERTs, each under both backends' limit on bound values."""
    per_insert = max(1, MAX_PARAMS // len(columns))
    marks = "(" + ",".join("?" * len(columns)) + ")"
    for start in range(0, len(values), per_insert):
        chunk = values[start : start + per_insert]
        await db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {','.join([marks] * len(chunk))}",
            [v for row in chunk for v in row],
        )


def _row_values(row: Any, columns: Sequence[str], extra: Sequence[str]) -> list[Any]:
    values = [row[c] for c in columns]
    if extra:  # an article into PostgreSQL: its search words, as storage.entries writes them
        topic, author, anything = search_columns(
            row["title"], row["summary"], json.loads(row["authors"]), json.loads(row["topics"])
        )
        values += [topic, author, anything]
    return values
