"""Reusable local test servers for every area's tests.

    from tests.servers import serve, hostile_app, private_app, state_of, FakeResolver

    app = hostile_app()
    async with serve(app, host="127.0.0.2") as base_url:
        ...
    assert state_of(app).hits["/ok"] == 1

Bind the "public" hostile app on 127.0.0.2 and the "private" counting app on 127.0.0.1
(see ``can_bind`` for systems where 127.0.0.2 is not available).
"""

from tests.servers.base import can_bind, serve
from tests.servers.hostile import ETAG, HOSTILE_TITLE, LAST_MODIFIED, feed_body, hostile_app
from tests.servers.resolver import FakeResolver
from tests.servers.state import ServerState, private_app, state_of

__all__ = [
    "ETAG",
    "HOSTILE_TITLE",
    "LAST_MODIFIED",
    "FakeResolver",
    "ServerState",
    "can_bind",
    "feed_body",
    "hostile_app",
    "private_app",
    "serve",
    "state_of",
]
