"""What a test server saw: hits per path, request headers, concurrency high-water marks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class ServerState:
    """Mutable record shared by a test app and the test that drives it."""

    hits: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    counter: int = 0  # free counter for stateful endpoints (flip-etag...)

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    def headers_of(self, path: str) -> list[dict[str, str]]:
        """Request headers of every request to ``path``, in order."""
        return [headers for seen, headers in self.requests if seen == path]


STATE = web.AppKey("state", ServerState)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request and track how many are in flight at once."""
    state = request.app[STATE]
    state.hits[request.path] += 1
    state.requests.append((request.path, dict(request.headers)))
    state.in_flight += 1
    state.max_in_flight = max(state.max_in_flight, state.in_flight)
    try:
        return await handler(request)
    finally:
        state.in_flight -= 1


def state_of(app: web.Application) -> ServerState:
    return app[STATE]


def private_app() -> web.Application:
    """The "private" target (bind it on 127.0.0.1): answers everything and counts hits.

    SSRF tests assert ``state_of(app).total_hits == 0``.
    """

    async def anything(request: web.Request) -> web.Response:
        return web.Response(text="secret interne : ne doit jamais sortir", content_type="text/html")

    app = web.Application(middlewares=[record])
    app[STATE] = ServerState()
    app.router.add_route("*", "/{tail:.*}", anything)
    return app
