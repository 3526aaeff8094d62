"""Run an aiohttp app on a loopback address for the duration of a test.

    async with serve(app) as base_url:          # "http://127.0.0.1:43127"
        ...

Hanging handlers are cancelled at exit (``shutdown_timeout`` is short), so a test that
leaves ``/hang`` or ``/drip`` open does not stall the suite.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import AsyncIterator

from aiohttp import web

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "127.0.0.2", "::1"})


@contextlib.asynccontextmanager
async def serve(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[str]:
    """Serve ``app`` on ``host`` (loopback only) and yield its base URL, without a slash.

    With ``ssl_context`` the server speaks HTTPS and the URL starts with ``https://``.
    """
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"test servers bind loopback only, not {host}")
    runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    try:
        bound_host, bound_port = _bound_address(runner)
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        scheme = "https" if ssl_context is not None else "http"
        yield f"{scheme}://{shown}:{bound_port}"
    finally:
        await runner.cleanup()


def _bound_address(runner: web.AppRunner) -> tuple[str, int]:
    address = runner.addresses[0]
    return str(address[0]), int(address[1])


def can_bind(host: str) -> bool:
    """Whether ``host`` can be bound here (127.0.0.2 is not routable on every OS, e.g. macOS)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        try:
            sock.bind((host, 0))
        except OSError:
            return False
    return True
