"""Shared pytest configuration. Area-specific fixtures live in each tests/<area>/conftest.py.

The tripwire below runs for every test (reliability T1): a test whose process tries to connect
anywhere but loopback fails, so no test can depend on DNS or the internet. Subprocesses (the
chaos tests) are not covered; they only ever get loopback addresses.

Hypothesis profiles (reliability T2): ``depeche``, loaded here, runs every property test that does
not set its own count (the P1–P3 tests, marked ``property``) with 500 examples; ``nightly`` runs
10,000 (``make nightly`` passes ``--hypothesis-profile=nightly``). Both keep failing examples in
``.hypothesis/examples``, which replays them first on the next run, even in CI (Hypothesis's own
``ci`` profile would drop the database), and print the blob that reproduces them; a failure found
there is then pinned as an ``@example`` on its test.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from hypothesis import settings
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)

from tests.postgres import ENABLE_HELP, PostgresServer, Unavailable, new_schema_name, required

ROOT = Path(__file__).resolve().parents[1]
PROPERTY_EXAMPLES, NIGHTLY_EXAMPLES = 500, 10_000

FUZZ_CORPUS = ROOT / "tests" / "fixtures" / "fuzz"

settings.register_profile(
    "depeche",
    max_examples=PROPERTY_EXAMPLES,
    deadline=None,  # timings are never assertions on this noisy machine
    print_blob=True,
    database=MultiplexedDatabase(
        DirectoryBasedExampleDatabase(ROOT / ".hypothesis" / "examples"),
        ReadOnlyDatabase(DirectoryBasedExampleDatabase(FUZZ_CORPUS)),  # what the fuzzer kept
    ),
)
settings.register_profile("nightly", settings.get_profile("depeche"), max_examples=NIGHTLY_EXAMPLES)
settings.register_profile(  # make fuzz (T6): HypoFuzz keeps its corpus in the repository
    "fuzz", settings.get_profile("depeche"), database=DirectoryBasedExampleDatabase(FUZZ_CORPUS)
)
settings.load_profile("depeche")


class _DaemonThread(threading.Thread):
    """aiosqlite's worker thread, made a daemon in test processes only: a test that fails with a
    database still open (its traceback keeps the connection alive) then fails, instead of
    hanging the run at interpreter exit, where pytest-timeout no longer acts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["daemon"] = True
        super().__init__(*args, **kwargs)


aiosqlite.core.Thread = _DaemonThread  # type: ignore[misc]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Property tests get a time cap scaled to the profile's examples: 600 s at 500 (P3 takes
    about a minute here), 12,000 s nightly, instead of the suite's 120 s."""
    cap = 600 * settings.default.max_examples // PROPERTY_EXAMPLES
    for item in items:
        if item.get_closest_marker("property") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(cap))


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse (and record) any socket connection to a non-loopback address."""
    violations: list[Any] = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def allowed(address: Any) -> bool:
        if not isinstance(address, tuple):
            return True  # unix sockets
        host = str(address[0]).split("%", 1)[0]
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(address):
            violations.append(address)
            raise ConnectionRefusedError(f"test tripwire: {address}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(address):
            violations.append(address)
            raise ConnectionRefusedError(f"test tripwire: {address}")
        return original_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield violations
    assert violations == [], f"a test tried to leave the machine: {violations}"


# ---- PostgreSQL (tests/postgres.py) -----------------------------------------------------------


def _no_postgres(reason: str) -> None:
    message = ENABLE_HELP.format(reason=reason)
    if required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL per test process (``TEST_DATABASE_URL``'s, else a throwaway cluster),
    started at its first use and stopped at the end of the session; skipped (or, with
    ``DEPECHE_REQUIRE_POSTGRES=1``, failed) where there is none."""
    if importlib.util.find_spec("asyncpg") is None:
        _no_postgres("the asyncpg driver is not installed (pip install -e '.[dev]')")
    try:
        server = PostgresServer.start()
    except Unavailable as exc:
        _no_postgres(str(exc))
        raise  # not reached: _no_postgres skips or fails
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stoppable_postgres(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """The worker's test server for a test that stops it, started again afterwards whatever
    happened; skipped for ``TEST_DATABASE_URL``'s server, which is not this suite's to stop."""
    if postgres_server.folder is None:
        pytest.skip("TEST_DATABASE_URL's server is not this suite's to stop")
    yield postgres_server
    if not (postgres_server.folder / "data" / "postmaster.pid").exists():
        postgres_server.start_again()


@pytest.fixture
async def postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A ``DATABASE_URL`` on a fresh, empty schema of the test server, dropped afterwards."""
    import asyncpg

    name = new_schema_name()
    admin = await asyncpg.connect(postgres_server.url)
    try:
        await admin.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await admin.close()
    yield postgres_server.schema_url(name)
    admin = await asyncpg.connect(postgres_server.url)
    try:
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
    finally:
        await admin.close()
