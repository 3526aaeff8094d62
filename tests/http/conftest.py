"""Fixtures for the guarded client's tests: a hostile "public" server on 127.0.0.2, a private
counting server on 127.0.0.1 and a test policy that treats only 127.0.0.2 as public (the
loopback tripwire of every test is in ``tests/conftest.py``)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from bot.net.client import FetchLimits, GuardedClient
from tests.servers import FakeResolver, can_bind, hostile_app, private_app, serve

PUBLIC_HOST = "127.0.0.2"
TEST_NETWORKS = (ipaddress.ip_network("127.0.0.2/32"),)
TEST_LIMITS = FetchLimits(total=1.5, connect=1.0, sock_read=1.0)
USER_AGENT = "Depeche/0.1 (+https://example.test/contact)"


@dataclass
class Served:
    app: web.Application
    base: str

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
async def hostile() -> AsyncIterator[Served]:
    if not can_bind(PUBLIC_HOST):
        pytest.skip("127.0.0.2 cannot be bound on this system")
    app = hostile_app()
    async with serve(app, host=PUBLIC_HOST) as base:
        yield Served(app, base)


@pytest.fixture
async def private() -> AsyncIterator[Served]:
    app = private_app()
    async with serve(app, host="127.0.0.1") as base:
        yield Served(app, base)


@pytest.fixture
def resolver() -> FakeResolver:
    """Names for the tests; ``news.test`` is the public host, the others are private."""
    return FakeResolver(
        {
            "news.test": [PUBLIC_HOST],
            "intranet.test": ["10.0.0.7"],
            "loop.test": ["127.0.0.1"],
            "mixed.test": [PUBLIC_HOST, "10.1.2.3"],
        }
    )


ClientFactory = Callable[..., GuardedClient]


@pytest.fixture
def make_client(resolver: FakeResolver) -> ClientFactory:
    """Build a client with the test policy; keyword arguments override the defaults."""

    def build(**overrides: Any) -> GuardedClient:
        options: dict[str, Any] = {
            "user_agent": USER_AGENT,
            "allowed_networks": TEST_NETWORKS,
            "limits": TEST_LIMITS,
            "resolver": resolver,
        }
        options.update(overrides)
        return GuardedClient(**options)

    return build


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[GuardedClient]:
    async with make_client() as guarded:
        yield guarded
