"""S23 (TLS fails closed) and F23 (per-host and global concurrency)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from bot.net.client import FetchError, GuardedClient
from tests.http.conftest import PUBLIC_HOST, ClientFactory, Served
from tests.servers import FakeResolver, can_bind, hostile_app, serve, state_of


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", f"/CN={PUBLIC_HOST}", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_s23_self_signed_certificate_fails_closed(
    client: GuardedClient, tmp_path: Path
) -> None:
    if not can_bind(PUBLIC_HOST):
        pytest.skip("127.0.0.2 cannot be bound on this system")
    app = hostile_app()
    async with serve(app, host=PUBLIC_HOST, ssl_context=_self_signed(tmp_path)) as base:
        assert base.startswith("https://")
        with pytest.raises(FetchError) as caught:
            await client.fetch(base + "/ok")
    assert caught.value.reason == "tls_error"
    assert state_of(app).total_hits == 0  # no insecure retry ever reached the handler


async def test_f23_per_host_concurrency_capped(make_client: ClientFactory, hostile: Served) -> None:
    """F23: 12 fetches to one host never run more than 2 at once on the server."""
    async with make_client(per_host_concurrency=2, global_concurrency=10) as client:
        results = await asyncio.gather(
            *(client.fetch(hostile.url(f"/slow?delay=0.05&i={i}")) for i in range(12))
        )
    assert all(r.status == 200 for r in results)
    state = state_of(hostile.app)
    assert state.hits["/slow"] == 12
    assert state.max_in_flight == 2


async def test_f23_global_concurrency_capped_across_hosts(
    make_client: ClientFactory, hostile: Served
) -> None:
    """F23: with several host names for the same server, the global cap still holds."""
    port = hostile.base.rsplit(":", 1)[1]
    names = [f"site{i}.test" for i in range(6)]
    resolver = FakeResolver({name: [PUBLIC_HOST] for name in names})
    async with make_client(resolver=resolver, per_host_concurrency=2, global_concurrency=3) as c:
        urls = [f"http://{name}:{port}/slow?delay=0.05&i={i}" for i in range(3) for name in names]
        results = await asyncio.gather(*(c.fetch(url) for url in urls))
    assert len(results) == 18
    assert state_of(hostile.app).max_in_flight == 3


async def test_f23_host_slots_are_released(make_client: ClientFactory, hostile: Served) -> None:
    async with make_client() as client:
        await asyncio.gather(*(client.fetch(hostile.url("/ok")) for _ in range(4)))
        assert client._host_slots == {}
