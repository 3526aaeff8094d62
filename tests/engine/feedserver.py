"""A small scriptable feed and article server for the engine tests (127.0.0.1 only).

The French texts below were written for these tests.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape

from aiohttp import web

PARAGRAPHS = (
    "La commune de Saint-Aubin a inauguré samedi une nouvelle médiathèque au cœur du bourg. "
    "Le bâtiment, entièrement rénové, accueille désormais plus de vingt mille ouvrages.",
    "Selon la maire, le projet a coûté près de trois millions d'euros, financés en partie par "
    "la région. Les travaux ont duré dix-huit mois et mobilisé une quinzaine d'entreprises "
    "locales.",
    "Les habitants pourront emprunter des livres, des jeux de société et des instruments de "
    "musique. Des ateliers d'écriture seront proposés chaque mercredi après-midi aux élèves.",
)


def from_the_page(summary: str | None) -> bool:
    """Whether ``summary`` is made of verbatim sentences of the page (adjacent or not)."""
    page = " ".join(PARAGRAPHS)
    return bool(summary) and all(s in page for s in re.split(r"(?<=\.) ", summary or ""))


@dataclass
class Item:
    key: str
    title: str
    guid: str | None = None
    link: str | None = None
    published: datetime | None = None
    description: str = "Un court résumé rédigé pour le flux de test, avec assez de mots."
    categories: tuple[str, ...] = ()
    author: str | None = None


@dataclass
class FeedState:
    items: list[Item] = field(default_factory=list)
    title: str = "Le Journal de Test"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = '"v1"'
    flip_etag: bool = False
    honour_conditional: bool = True
    page_status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    page_hits: int = 0
    base: str = ""
    body: bytes | None = None  # served instead of ``rss()`` (malformed or garbage documents)
    arrivals: list[tuple[str, float]] = field(default_factory=list)  # (path and query, loop time)
    hang_release: asyncio.Event = field(default_factory=asyncio.Event)  # ends /hang.xml with a 500
    delays: dict[str, float] = field(default_factory=dict)  # path and query -> seconds to wait

    def rss(self) -> bytes:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<rss version="2.0"><channel>',
            f"<title>{escape(self.title)}</title><link>{self.base}/</link>",
        ]
        for item in self.items:
            parts.append("<item>")
            parts.append(f"<title>{escape(item.title)}</title>")
            if item.guid is not None:
                parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
            if item.link is not None:
                parts.append(f"<link>{escape(item.link)}</link>")
            if item.published is not None:
                parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
            if item.author:
                parts.append(f"<author>{escape(item.author)}</author>")
            parts.extend(f"<category>{escape(c)}</category>" for c in item.categories)
            parts.append(f"<description>{escape(item.description)}</description>")
            parts.append("</item>")
        parts.append("</channel></rss>")
        return "\n".join(parts).encode()

    def add(self, key: str, title: str | None = None, **kwargs: object) -> Item:
        values: dict[str, object] = {"guid": f"guid-{key}", "link": f"{self.base}/article/{key}"}
        values.update(kwargs)
        item = Item(key=key, title=title or f"Nouvelle médiathèque numéro {key}", **values)  # type: ignore[arg-type]
        self.items.insert(0, item)
        return item


def feed_app(state: FeedState) -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        state.requests.append(dict(request.headers))
        state.arrivals.append((request.path_qs, asyncio.get_running_loop().time()))
        if delay := state.delays.get(request.path_qs):  # a slow server, whatever its answer
            await asyncio.sleep(delay)
        if state.status != 200:
            return web.Response(status=state.status, headers=state.headers)
        etag = state.etag
        if state.flip_etag:
            etag = f'"v{len(state.requests)}"'
        if (
            state.honour_conditional
            and etag is not None
            and request.headers.get("If-None-Match") == etag
        ):
            return web.Response(status=304, headers={"ETag": etag})
        headers = {"Content-Type": "application/rss+xml; charset=utf-8", **state.headers}
        if etag is not None:
            headers["ETag"] = etag
        return web.Response(body=state.rss() if state.body is None else state.body, headers=headers)

    async def article(request: web.Request) -> web.Response:
        state.page_hits += 1
        if state.page_status != 200:
            return web.Response(status=state.page_status)
        key = request.match_info["key"]
        body = "".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS)
        page = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            f"<title>Médiathèque {key}</title></head><body><article>"
            f"<h1>Une médiathèque ouvre ses portes ({key})</h1>{body}</article></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    async def hang(request: web.Request) -> web.Response:
        state.requests.append(dict(request.headers))
        state.arrivals.append((request.path_qs, asyncio.get_running_loop().time()))
        await state.hang_release.wait()  # accepts, never answers unless a test lets it
        return web.Response(status=500, text="libéré par le test")

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/hang.xml", hang)
    app.router.add_get("/article/{key}", article)
    return app
