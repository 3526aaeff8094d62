"""The chaos run's news site: one RSS feed of N items and their article pages (127.0.0.1).

The French text was written for these tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from aiohttp import web

PARAGRAPHS = (
    "Le conseil municipal de Port-Vignac a voté mardi soir la rénovation complète du marché "
    "couvert, fermé depuis l'hiver dernier pour des raisons de sécurité.",
    "Les commerçants, installés provisoirement sur la place de la Mairie, espèrent retrouver "
    "leurs étals avant l'été. Le chantier doit durer neuf mois et coûter deux millions d'euros.",
    "L'opposition a demandé qu'une partie des halles soit réservée aux producteurs locaux. "
    "Le maire a promis une consultation des habitants au printemps prochain.",
)


LINKLESS_EVERY = 4


def article_path(number: int) -> str:
    return f"/article/{number}"


def has_link(number: int) -> bool:
    """Every ``LINKLESS_EVERY``-th item of the chaos feed has no link at all (a brief); the
    others link to a page on 127.0.0.1, which no embed may show (S17). Either way, no message
    of the run has an embed URL to be recognised by (issue 16)."""
    return number % LINKLESS_EVERY != LINKLESS_EVERY - 1


def item_xml(base: str, number: int, published: datetime, *, link: bool = True) -> str:
    return (
        f"<item><title>Marché couvert : épisode {number} du feuilleton municipal</title>"
        f'<guid isPermaLink="false">chaos-{number}</guid>'
        + (f"<link>{base}{article_path(number)}</link>" if link else "")
        + f"<pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{escape(PARAGRAPHS[number % len(PARAGRAPHS)])}</description></item>"
    )


@dataclass
class SiteStats:
    """What the site served: article pages, with an event set at each one. While ``hold`` is
    set to an unset event, every page request waits for it (a poll caught in the middle).
    ``shown``, when set, is how many of the items the feed lists (a feed that grows)."""

    pages: int = 0
    served: asyncio.Event = field(default_factory=asyncio.Event)
    hold: asyncio.Event | None = None
    shown: int | None = None


def feed_app(
    entries: int, *, page_delay: float = 0.0, stats: SiteStats | None = None
) -> web.Application:
    """``/feed.xml`` lists ``entries`` items (newest first); ``/article/{n}`` is each page,
    answered after ``page_delay`` seconds (so that a poll lasts long enough to be killed)."""
    start = datetime.now(UTC)
    stats = stats if stats is not None else SiteStats()

    async def feed(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        items = [
            item_xml(base, n, start - timedelta(minutes=n), link=has_link(n))
            for n in range(entries if stats.shown is None else min(stats.shown, entries))
        ]
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>La Gazette de Port-Vignac</title><link>{base}/</link>"
            + "".join(items)
            + "</channel></rss>"
        )
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    async def article(request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        stats.pages += 1
        stats.served.set()
        if stats.hold is not None:
            await stats.hold.wait()
        await asyncio.sleep(page_delay)
        text = "".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS)
        page = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            f"<title>Marché couvert {number}</title></head><body><article>"
            f"<h1>Marché couvert : épisode {number}</h1>{text}</article></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/article/{number}", article)
    return app
