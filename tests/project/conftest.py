"""Fixtures of the project tests: the examples' feed and pages served on loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tests.servers import serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE_HOST = "https://exemple.depeche.test"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``cli.main`` configures the root logger; keep that from leaking into other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@dataclass
class ExampleSite:
    """The examples' feed and pages on loopback; ``extra_items`` are appended to the feed."""

    base: str = ""
    extra_items: list[str] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)

    def feed(self) -> str:
        text = (EXAMPLES / "feed.xml").read_text(encoding="utf-8").replace(EXAMPLE_HOST, self.base)
        return text.replace("</channel>", "".join(self.extra_items) + "</channel>")


@pytest.fixture
async def site() -> AsyncIterator[ExampleSite]:
    state = ExampleSite()

    async def feed(request: web.Request) -> web.Response:
        state.hits["feed"] = state.hits.get("feed", 0) + 1
        return web.Response(text=state.feed(), content_type="application/rss+xml")

    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        path = EXAMPLES / "pages" / f"{name}.html"
        state.hits[name] = state.hits.get(name, 0) + 1
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(text=path.read_text(encoding="utf-8"), content_type="text/html")

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/{section}/{name}", page)
    async with serve(app) as base_url:
        state.base = base_url.rstrip("/")
        yield state
