"""The feed server of the P3 state machine: one RSS feed whose versions the machine scripts, and
a recording publisher that remembers what each channel received (with Discord's history view
for D5 reconciliation). French texts written for these tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from aiohttp import web

from bot.clock import FrozenClock
from bot.delivery.publishers import OutgoingPost
from tests.discord_stand_in.history import ChannelLog

SCHEMES = ("plain", "utm", "link")  # guid "a-7", guid "a-7?utm=x", no guid (the link is the key)
TITLE_RE = re.compile(r"Article (\d+) ")


def title_of(article: int) -> str:
    return f"Article {article} : le conseil municipal débat du projet de la commune"


@dataclass(frozen=True, slots=True)
class Served:
    """One answer of the feed endpoint, as the machine's model reads it."""

    at: datetime
    status: int
    articles: tuple[int, ...] = ()  # the items of a 200 document
    retry_after: int | None = None


@dataclass
class VersionedFeed:
    clock: FrozenClock
    base: str = ""
    articles: list[int] = field(default_factory=list)  # newest first
    scheme: str = "plain"
    force_not_modified: bool = False
    failures: list[tuple[int, int | None]] = field(default_factory=list)  # one per request
    log: list[Served] = field(default_factory=list)

    def link(self, article: int) -> str:
        return f"{self.base}/article/{article}"

    def document(self) -> bytes:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
            f"<title>La Gazette des versions</title><link>{self.base}/</link>",
        ]
        for article in self.articles:
            guid = {"plain": f"a-{article}", "utm": f"a-{article}?utm=x"}.get(self.scheme)
            parts.append(f"<item><title>{escape(title_of(article))}</title>")
            if guid is not None:
                parts.append(f'<guid isPermaLink="false">{guid}</guid>')
            parts.append(
                f"<link>{self.link(article)}</link><description>Le conseil municipal a "
                f"examiné mardi le projet numéro {article}. Les élus ont voté après un long "
                "débat. La mise en œuvre commencera au printemps.</description></item>"
            )
        parts.append("</channel></rss>")
        return "".join(parts).encode()

    def etag(self) -> str:
        return f'"{self.scheme}-{"-".join(map(str, self.articles))}"'

    async def handle(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        if self.failures:
            status, retry_after = self.failures.pop(0)
            self.log.append(Served(now, status, retry_after=retry_after))
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            return web.Response(status=status, headers=headers)
        etag = self.etag()
        if self.force_not_modified or request.headers.get("If-None-Match") == etag:
            self.force_not_modified = False
            self.log.append(Served(now, 304))
            return web.Response(status=304, headers={"ETag": etag})
        self.log.append(Served(now, 200, tuple(self.articles)))
        return web.Response(
            body=self.document(),
            headers={"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"},
        )


def versioned_app(feed: VersionedFeed) -> web.Application:
    async def article(request: web.Request) -> web.Response:
        return web.Response(status=404)  # summaries from the feed's own text: quick and stable

    app = web.Application()
    app.router.add_get("/feed.xml", feed.handle)
    app.router.add_get("/article/{n}", article)
    return app


class Crash(BaseException):
    """Stands for the process dying: not an ``Exception``, so no job boundary catches it."""


class RecordingPublisher(ChannelLog):
    """Records each message per channel as Discord keeps it (no nonce; the post reference in
    the footer); can die right after a send (before ``sent`` is stored). Also answers D5's
    history reads from what it recorded, paged like Discord."""

    def __init__(self, clock: FrozenClock | None = None) -> None:
        super().__init__(clock)
        self.crash_after_send = False

    async def publish(self, post: OutgoingPost) -> str | None:
        message = self.record(post.target_id, post.payload)
        if self.crash_after_send:
            self.crash_after_send = False
            raise Crash
        return str(message["id"])

    def articles_in(self, channel: int) -> list[int]:
        found = []
        for message in self.messages.get(channel, []):
            match = TITLE_RE.match(str(message["embeds"][0].get("title", "")))
            assert match is not None, message
            found.append(int(match.group(1)))
        return found
