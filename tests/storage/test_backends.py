"""What the two backends must agree on beyond the shared suite: the choice of backend from
``DATABASE_URL``, PostgreSQL's migrations and refusals (as SQLite's in test_open.py: a foreign or
newer schema named in the error, nothing changed), and search giving the same articles."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from storage import connection
from storage.connection import (
    APPLICATION_ID,
    POSTGRESQL,
    SQLITE,
    load_migrations,
    parse_target,
    redact,
)
from storage.errors import MigrationError, SchemaVersionError, StorageError
from storage.search import words
from storage.storage import Storage
from tests.storage.helpers import NOW, article


def test_database_url_chooses_the_backend() -> None:
    assert parse_target("depeche.db") == Path("depeche.db")
    assert parse_target(Path("/srv/d.db")) == Path("/srv/d.db")
    assert parse_target("sqlite:///data/depeche.db") == Path("data/depeche.db")
    assert parse_target("sqlite:////srv/depeche.db") == Path("/srv/depeche.db")
    url = "postgresql://depeche:secret@db.example:5432/depeche"
    assert parse_target(url) == url and parse_target("postgres://h/d") == "postgres://h/d"
    for wrong in ("mysql://h/d", "sqlite:///", "  "):
        with pytest.raises(StorageError) as caught:
            parse_target(wrong)
        assert "base" in str(caught.value)  # a French sentence, not a traceback
    assert redact(url) == "postgresql://depeche:***@db.example:5432/depeche"
    assert redact("postgresql://u@h/d?host=/tmp") == "postgresql://u@h/d?host=/tmp"


def test_postgresql_has_the_same_numbered_steps_as_sqlite() -> None:
    """One schema version means one schema, whatever the backend (migrate-db relies on it)."""
    assert [n for n, _ in load_migrations(POSTGRESQL)] == [n for n, _ in load_migrations(SQLITE)]


async def _admin(url: str, *statements: str) -> list[Any]:
    """Run statements on the test schema behind ``url``, outside Dépêche; the last one's rows."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows: list[Any] = []
        for sql in statements:
            rows = list(await conn.fetch(sql))
        return rows
    finally:
        await conn.close()


TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"


async def test_postgresql_fresh_schema_is_migrated_and_marked(postgres_url: str) -> None:
    storage = await Storage.open(postgres_url)
    await storage.close()
    [marker] = await _admin(postgres_url, "SELECT application, version FROM depeche_schema")
    assert (marker["application"], marker["version"]) == (APPLICATION_ID, Storage.schema_version())
    tables = {r[0] for r in await _admin(postgres_url, TABLES)}
    assert {"feeds", "seen_entries", "articles", "posts", "follows", "terms"} <= tables


async def test_postgresql_foreign_schema_is_refused_without_writes(postgres_url: str) -> None:
    await _admin(postgres_url, "CREATE TABLE notes (x TEXT)")
    with pytest.raises(SchemaVersionError) as caught:
        await Storage.open(postgres_url)
    assert "pas une base Dépêche" in str(caught.value) and "search_path=" in str(caught.value)
    assert [r[0] for r in await _admin(postgres_url, TABLES)] == ["notes"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("UPDATE depeche_schema SET version = version + 1", "plus récent"),
        ("UPDATE depeche_schema SET application = 1234", "n'appartient pas à Dépêche"),
    ],
)
async def test_postgresql_newer_or_foreign_marker_is_refused_without_writes(
    postgres_url: str, change: str, expected: str
) -> None:
    storage = await Storage.open(postgres_url)
    await storage.add_feed("https://exemple.fr/rss", now=NOW)
    await storage.close()
    snapshot = "SELECT application, version, (SELECT count(*) FROM feeds) FROM depeche_schema"
    before = await _admin(postgres_url, change, snapshot)
    with pytest.raises(SchemaVersionError) as caught:
        await Storage.open(postgres_url)
    assert expected in str(caught.value) and "search_path=" in str(caught.value)
    assert await _admin(postgres_url, snapshot) == before


async def test_postgresql_failing_migration_leaves_schema_unchanged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D8 on PostgreSQL: the failed step is rolled back whole (its table too), the version
    stays, and the error names the database and the step."""
    storage = await Storage.open(postgres_url)
    await storage.close()
    real = connection.load_migrations(POSTGRESQL)
    broken = [*real, (len(real) + 1, "CREATE TABLE half_done (x INT);\nSELECT no_such_fn();")]
    monkeypatch.setattr("storage.storage.load_migrations", lambda *dialect: broken)
    with pytest.raises(MigrationError) as caught:
        await Storage.open(postgres_url)
    assert f"{len(real) + 1:04d}" in str(caught.value) and "search_path=" in str(caught.value)
    [marker] = await _admin(postgres_url, "SELECT version FROM depeche_schema")
    assert marker["version"] == len(real)
    assert "half_done" not in {r[0] for r in await _admin(postgres_url, TABLES)}


async def test_postgresql_processes_starting_together_migrate_once(postgres_url: str) -> None:
    opened = await asyncio.gather(*(Storage.open(postgres_url) for _ in range(3)))
    try:
        await opened[0].add_feed("https://exemple.fr/rss", now=NOW)
        assert [len(await s.list_feeds()) for s in opened] == [1, 1, 1]
    finally:
        for storage in opened:
            await storage.close()
    rows = await _admin(postgres_url, "SELECT version FROM depeche_schema")
    assert [r["version"] for r in rows] == [Storage.schema_version()]


async def test_postgresql_backup_says_to_use_pg_dump(postgres_url: str, tmp_path: Path) -> None:
    storage = await Storage.open(postgres_url)
    try:
        with pytest.raises(StorageError, match="pg_dump"):
            await storage.backup(tmp_path / "copy.dump")
        assert not (tmp_path / "copy.dump").exists()
    finally:
        await storage.close()


# ---- search: the same articles on both backends --------------------------------------------

# Words where tokenizers differ: accents, ligatures, case folding beyond ASCII, hyphens, dotted
# hosts and numbers, apostrophes, decomposed accents, underscores, other scripts, symbols.
VOCABULARY = (
    "Élysée", "élève", "ÉLÈVE", "œuvre", "Cœur", "Straße", "jean-pierre", "exemple.fr/abc",
    "3,5", "3.5", "l'école", "aujourd’hui", "naïve", "Noël", "ça", "garçon", "e\u0301te\u0301",
    "ﬁn", "İstanbul", "日本", "😀", "foo_bar", "µ", "№5", "x²", "Ⅻ", "DŽ", "ø", "Ångström",
    "climat", "budget", "conseil", "Paris", "santé", "SANTÉ", "énergie", "e-mail", "COVID-19",
)  # fmt: skip


def _corpus(rng: random.Random) -> list[dict[str, Any]]:
    def phrase(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY) for _ in range(n))

    return [
        {
            "title": phrase(rng.randint(1, 4)),
            "summary": phrase(rng.randint(3, 12)),
            "authors": tuple(phrase(2) for _ in range(rng.randint(0, 2))),
            "topics": tuple(phrase(rng.randint(1, 2)) for _ in range(rng.randint(0, 3))),
        }
        for _ in range(80)
    ]


def _queries(rng: random.Random) -> list[tuple[tuple[Any, str], ...]]:
    variants = [v for w in VOCABULARY for v in (w, w.upper(), w.lower(), f"«{w}»")]
    kinds = ("topic", "author", "any")
    single = [((kind, word),) for word in variants for kind in kinds]
    pairs = [
        ((rng.choice(kinds), rng.choice(variants)), (rng.choice(kinds), rng.choice(variants)))
        for _ in range(60)
    ]
    phrases = [(("any", f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}"),) for _ in range(30)]
    return single + pairs + phrases


async def test_search_finds_the_same_articles_on_both_backends(
    tmp_path: Path, postgres_url: str
) -> None:
    rng = random.Random(12)
    corpus, queries = _corpus(rng), _queries(rng)
    found: dict[str, list[list[str]]] = {}
    for name, target in (("sqlite", tmp_path / "d.db"), ("postgresql", postgres_url)):
        storage = await Storage.open(target)
        try:
            for n, fields in enumerate(corpus):
                await storage.save_article(article(None, f"a{n}", **fields), now=NOW)
            found[name] = [
                [a.entry_key or "" for a in await storage.search_articles(*q, limit=100)]
                for q in queries
            ]
            prefixes = [w[:k] for w in VOCABULARY for k in (1, 3)]
            found[name].extend([await storage.known_topics(p) for p in prefixes])
            found[name].extend([await storage.known_authors(p) for p in prefixes])
        finally:
            await storage.close()
    assert found["sqlite"] == found["postgresql"]
    matched = sum(1 for result in found["sqlite"][: len(queries)] if result)
    assert matched > len(queries) // 2  # the comparison is not between two empty lists


def test_words_are_the_fts5_index_words() -> None:
    assert words("L'Élysée, 3.5 % — Jean-Pierre") == ["l", "elysee", "3", "5", "jean", "pierre"]
    assert words("CŒUR e\u0301te\u0301") == ["cœur", "ete"]
    assert words("") == [] and words(" ; ") == []
