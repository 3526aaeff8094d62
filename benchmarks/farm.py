"""The benchmarks' world: a local feed farm and a rate-limited Discord stand-in (one process),
the resolver that sends ``*.farm.test`` to it, the feeds and subscriptions stored for it, and
the memory and size probes. Used by ``benchmarks.pipeline`` (one process) and
``benchmarks.processes`` (K processes over one database).

The farm serves N feeds of 30 entries, spread over N/4 host names (``site-K.farm.test``), article
pages built from the dev set's bodies, ETags and 304s; 2 % of the feeds answer after 3 s and 2 %
fail with 500. ``POST /_bump`` makes every entry new. The stand-in enforces Discord's limits:
5 messages per 5 s per channel (with ``X-RateLimit-*`` headers discord.py obeys) and 50 requests
per second globally.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.news.workers import WorkerPool
from storage.storage import Storage

ENTRIES = 30
SLOW_SHARE, FAIL_SHARE, SLOW_SECONDS = 0.02, 0.02, 3.0
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
CHANNEL0 = 10**17


def guild_id(g: int) -> int:
    """The farm's guild ``g``, a snowflake of its own millisecond, so that the guild shards
    (``(guild_id >> 22) % K``) spread the guilds as Discord's do (consecutive integers would
    all fall in one shard)."""
    return (CHANNEL0 // 2) + (g << 22)


# --- the servers (second process) ---------------------------------------------------------


def page_html(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n") if p.strip())
    return (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body><nav>Accueil | Politique | Sport</nav>"
        f"<article><h1>{escape(title)}</h1>{paragraphs}</article>"
        "<footer>Mentions légales - Contact</footer></body></html>"
    ).encode()


def farm_app(feeds: int, articles: Sequence[tuple[str, str]]) -> web.Application:
    state = {"generation": 0}
    kind = {i: ("slow" if i % 50 == 1 else "fail" if i % 50 == 2 else "ok") for i in range(feeds)}

    def rss(i: int, host: str) -> bytes:
        gen = state["generation"]
        items = []
        for k in range(ENTRIES):
            title, _ = articles[(i * ENTRIES + k + gen * 7) % len(articles)]
            published = START + timedelta(days=gen, minutes=-k)
            items.append(
                f"<item><title>{escape(title)} ({i}-{gen}-{k})</title>"
                f"<guid>f{i}-g{gen}-{k}</guid><link>http://{host}/a/{i}/{gen}/{k}</link>"
                f"<pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                "<description>Résumé court du flux.</description></item>"
            )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Journal {i}</title><link>http://{host}/</link>{''.join(items)}"
            "</channel></rss>"
        ).encode()

    async def feed(request: web.Request) -> web.Response:
        i = int(request.match_info["i"])
        if kind[i] == "fail":
            return web.Response(status=500)
        if kind[i] == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        etag = f'"{i}-{state["generation"]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        body = rss(i, request.host)
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def page(request: web.Request) -> web.Response:
        i, gen, k = (int(request.match_info[n]) for n in ("i", "g", "k"))
        title, body = articles[(i * ENTRIES + k + gen * 7) % len(articles)]
        return web.Response(body=page_html(title, body), content_type="text/html", charset="utf-8")

    async def bump(request: web.Request) -> web.Response:
        state["generation"] += 1
        return web.json_response(state)

    app = web.Application()
    app.router.add_get("/f/{i}.xml", feed)
    app.router.add_get("/a/{i}/{g}/{k}", page)
    app.router.add_post("/_bump", bump)
    return app


def rate_limited_stand_in(guilds: int) -> Any:
    """The Discord stand-in with 5 messages / 5 s per channel and 50 requests / s overall."""
    from tests.discord_stand_in import server

    class Limited(server.StandIn):
        def __init__(self) -> None:
            super().__init__()
            self.sent_at: dict[int, list[float]] = {}
            self.window: list[float] = []

        async def _post_message(self, request: web.Request, params: Any, body: Any) -> Any:
            now, channel = time.monotonic(), int(params["channel_id"])
            self.window = [t for t in self.window if now - t < 1.0]
            stamps = [t for t in self.sent_at.get(channel, []) if now - t < 5.0]
            if len(self.window) >= 50 or len(stamps) >= 5:
                is_global = len(self.window) >= 50
                retry = 1.0 - (now - self.window[0]) if is_global else 5.0 - (now - stamps[0])
                return server.json_response(
                    {"message": "You are being rate limited.", "retry_after": retry,
                     "global": is_global}, status=429,
                    headers={"Retry-After": f"{retry:.3f}", "Via": "1.1 google",
                             "X-RateLimit-Global": str(is_global).lower()},
                )  # fmt: skip
            self.window.append(now)
            stamps.append(now)
            self.sent_at[channel] = stamps
            response = await super()._post_message(request, params, body)
            response.headers.update({
                "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": str(5 - len(stamps)),
                "X-RateLimit-Reset-After": f"{5.0 - (now - stamps[0]):.3f}",
                "X-RateLimit-Bucket": f"messages-{channel}",
            })  # fmt: skip
            return response

    stand_in = Limited()
    for g in range(guilds):
        channels = {CHANNEL0 + g * 4 + c: f"salon-{c}" for c in range(4)}
        stand_in.world.add_guild(guild_id(g), f"Serveur {g}", channels)
    return stand_in


def serve_forever(feeds: int, articles: list[tuple[str, str]], conn: Any) -> None:
    async def main() -> None:
        runner = web.AppRunner(farm_app(feeds, articles))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        stand_in = rate_limited_stand_in(max(feeds // 2, 10))
        await stand_in.start()
        conn.send((runner.addresses[0][1], stand_in.api_base))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop

    asyncio.run(main())


# --- measuring ----------------------------------------------------------------------------


class FarmResolver(AbstractResolver):
    """``*.farm.test`` resolves to 127.0.0.1 (the guard still checks the answer)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not host.endswith(".farm.test"):
            raise OSError(f"unknown host {host}")
        return [ResolveResult(hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST)]  # fmt: skip

    async def close(self) -> None:
        return None


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(workers: WorkerPool) -> list[int]:
    executor = getattr(workers, "_executor", None)
    return list(getattr(executor, "_processes", {}) or {})


def workers_peak_mb(workers: WorkerPool) -> float:
    executor = getattr(workers, "_executor", None)
    processes = getattr(executor, "_processes", {}) or {}
    return sum(rss_mb(pid) for pid in processes)


def db_size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


async def setup_feeds(storage: Storage, feeds: int, port: int) -> None:
    guilds = max(feeds // 2, 10)
    rng = random.Random(feeds)
    for i in range(feeds):
        feed = await storage.add_feed(f"http://site-{i // 4}.farm.test:{port}/f/{i}.xml", now=START)
        for channel in rng.sample(range(guilds * 4), 2):
            await storage.add_subscription(
                guild_id=guild_id(channel // 4), channel_id=CHANNEL0 + channel,
                feed_id=feed.id, now=START,
            )  # fmt: skip


async def bump(port: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        await session.post(f"http://127.0.0.1:{port}/_bump")
