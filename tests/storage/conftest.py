"""One storage suite, both backends: every test that takes ``database`` (or ``storage``) runs
once on a SQLite file and once on a fresh schema of a real PostgreSQL (``tests/postgres.py``;
skipped with a message where there is none, unless ``DEPECHE_REQUIRE_POSTGRES=1``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.storage import Storage

BACKENDS = ("sqlite", "postgresql")
# A test of something only SQLite has (its files, pragmas, query plans): the SQLite run only.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """What ``Storage.open`` takes (``DATABASE_URL``): a fresh database of the backend. Opening
    it twice gives two connections (two processes) on the same data."""
    if backend == "sqlite":
        return tmp_path / "depeche.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def storage(database: Path | str) -> AsyncIterator[Storage]:
    opened = await Storage.open(database)
    yield opened
    await opened.close()
