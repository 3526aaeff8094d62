"""Helpers of the loop-lag test (X13, S13): a loop-lag probe, large well-formed documents built
cheaply, and a loopback site serving them.

The French sentences below were written for these tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web

MiB = 1024 * 1024
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # the feeds' "now" (the engine's FrozenClock)
FEEDS = 20
FRESH = 5  # new items per feed: the per-cycle cap (F18)
BASE = "http://heavy-site"  # replaced by the site's real base URL when served (see ``rebase``)
FEED_CAP = 10 * MiB  # reliability: body cap for feeds, counted after decompression
PAGE_CAP = 5 * MiB

SENTENCES = (
    "Le conseil régional a présenté jeudi un plan de rénovation des lycées de la région.",
    "Les travaux seront étalés sur cinq ans et financés en partie par un emprunt.",
    "L'opposition juge le calendrier trop serré et réclame un débat en séance publique.",
    "Les représentants des parents d'élèves attendent des garanties sur la sécurité.",
    "La présidente de la région promet une première tranche de chantiers dès le printemps.",
    "Plusieurs maires ont salué un effort attendu depuis longtemps dans leurs communes.",
)


class LagProbe:
    """A task sleeping ``period`` seconds in a loop; records how late each wake-up was."""

    def __init__(self, period: float = 0.05) -> None:
        self.period = period
        self.overshoots: list[float] = []

    @property
    def worst(self) -> float:
        return max(self.overshoots, default=0.0)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.period)
            self.overshoots.append(loop.time() - started - self.period)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[LagProbe]:
        task = asyncio.create_task(self._run(), name="loop-lag-probe")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def rebase(document: bytes, base: str) -> bytes:
    """The document with the placeholder base replaced by the running site's URL."""
    return document.replace(BASE.encode(), base.encode())


def _rss_head(feed: int, base: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Le Quotidien lourd numéro {feed}</title><link>{base}/</link>"
        "<description>Un flux de test au plafond de taille.</description>"
    )


def _rss_item(feed: int, n: int, base: str, published: datetime, text: str) -> str:
    return (
        f"<item><title>Dépêche {n} du quotidien {feed} : les lycées rénovés</title>"
        f'<guid isPermaLink="false">q{feed}-{n}</guid>'
        f"<link>{base}/article/{feed}/{n}</link>"
        f"<pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{text}</description></item>\n"
    )


def big_feed(feed: int, now: datetime, *, size: int, fresh: int, base: str = BASE) -> bytes:
    """A well-formed RSS document of about ``size`` bytes (never over it): ``fresh`` items
    dated ``now`` first, then items a week old (F19 skips them). Each item carries ~5 kB of
    text, so a 10 MiB feed lists ~2,000 items (the parser keeps the first 500)."""
    text = " ".join(SENTENCES * 8)
    head, tail = _rss_head(feed, base), "</channel></rss>"
    parts = [head]
    used = len(head.encode()) + len(tail)
    old = now - timedelta(days=7)
    n = 0
    while True:
        item = _rss_item(feed, n, base, now if n < fresh else old, text)
        cost = len(item.encode())
        if used + cost > size:
            break
        parts.append(item)
        used += cost
        n += 1
    parts.append(tail)
    return "".join(parts).encode()


def small_feed(feed: int, now: datetime, base: str = BASE) -> bytes:
    """The same feed before the big day: one old item (the baseline poll records it)."""
    item = _rss_item(feed, 999_999, base, now - timedelta(days=7), SENTENCES[0])
    return (_rss_head(feed, base) + item + "</channel></rss>").encode()


def big_page(size: int, title: str = "Grand dossier : la rénovation des lycées") -> bytes:
    """An article page of about ``size`` bytes: one long <article> of short paragraphs."""
    head = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><article><h1>{title}</h1>"
    )
    tail = "</article></body></html>"
    parts = [head]
    used = len(head.encode()) + len(tail)
    n = 0
    while used < size - 400:
        para = f"<p>{SENTENCES[n % 6]} {SENTENCES[(n + 1) % 6]} (paragraphe {n})</p>\n"
        parts.append(para)
        used += len(para.encode())
        n += 1
    parts.append(tail)
    return "".join(parts).encode()


@dataclass(frozen=True)
class Documents:
    """Feeds and pages built once per session (a second or so), rebased per test."""

    small: dict[int, bytes]
    big: dict[int, bytes]
    large_page: bytes
    short_page: bytes


def build_documents(feed_size: int, page_size: int) -> Documents:
    # Margin: rebasing makes each link a few bytes longer; the body must stay under the cap.
    size = feed_size - 64 * 1024
    return Documents(
        small={n: small_feed(n, START) for n in range(FEEDS)},
        big={n: big_feed(n, START, size=size, fresh=FRESH) for n in range(FEEDS)},
        large_page=big_page(page_size),
        short_page=big_page(12_000, "Les lycées de la région rénovés"),
    )


@dataclass
class HeavySite:
    """What the loopback site serves: small or big feeds, short article pages, large pages."""

    small: dict[int, bytes] = field(default_factory=dict)
    big: dict[int, bytes] = field(default_factory=dict)
    large_page: bytes = b""
    short_page: bytes = b""
    serve_big: bool = False
    feed_hits: int = 0
    page_hits: int = 0


def heavy_app(site: HeavySite) -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        site.feed_hits += 1
        number = int(request.match_info["n"])
        body = site.big[number] if site.serve_big else site.small[number]
        return web.Response(body=body, content_type="application/rss+xml", charset="utf-8")

    async def article(request: web.Request) -> web.Response:
        site.page_hits += 1
        return web.Response(body=site.short_page, content_type="text/html", charset="utf-8")

    async def large(request: web.Request) -> web.Response:
        return web.Response(body=site.large_page, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/feed/{n}.xml", feed)
    app.router.add_get("/article/{feed}/{n}", article)
    app.router.add_get("/dossier/{n}", large)
    return app


def nap(seconds: float) -> float:
    """A worker task that only waits (picklable): stands for a parse that is on time."""
    import time

    time.sleep(seconds)
    return seconds
