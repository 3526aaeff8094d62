"""Capacity of one process: the real engine against a local feed farm and the Discord stand-in.

    python -m benchmarks.pipeline ../shared/eval/dev.jsonl [--feeds 100,1000] [--deliver 15]

A second process (so the figures measure the bot, not the servers) runs an aiohttp feed farm on
127.0.0.1 and the Discord stand-in. The farm serves N feeds of 30 entries, spread over N/4 host
names (``site-K.farm.test``, all resolved to 127.0.0.1 under the guard, so per-host limits
apply), article pages built from the dev set's bodies, ETags and 304s; 2 % of the feeds answer
after 3 s and 2 % fail with 500. The stand-in enforces Discord's limits: 5 messages per 5 s per
channel (with ``X-RateLimit-*`` headers discord.py obeys) and 50 requests per second globally.
Each feed has two subscriptions spread over N/2 guilds of 4 channels.

Per N, three cycles of the real ``Engine.poll_due_feeds`` (guarded client, process workers,
SQLite): the first poll (baseline), a cycle where all 30 entries of every feed are new, then an
unchanged cycle (all 304). Then the real ``Delivery`` with the discord.py publisher drains the
outbox for ``--deliver`` seconds. Printed: times, event-loop lag (p50/p99/max, a 5 ms ticker),
peak RSS of this process and of its workers, database size, posts per second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import multiprocessing
import random
import resource
import socket
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import discord
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from discord.http import Route

from benchmarks.evaluation import read_records
from bot.clock import FrozenClock, SystemClock
from bot.delivery.outbox import Delivery
from bot.discord.publisher import DiscordPublisher
from bot.net.client import GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.storage import Storage

ENTRIES = 30
SLOW_SHARE, FAIL_SHARE, SLOW_SECONDS = 0.02, 0.02, 3.0
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
CHANNEL0 = 10**17


# --- the servers (second process) ---------------------------------------------------------


def _page(title: str, body: str) -> bytes:
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
        return web.Response(body=_page(title, body), content_type="text/html", charset="utf-8")

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
        stand_in.world.add_guild(CHANNEL0 // 2 + g, f"Serveur {g}", channels)
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


@dataclass
class LagProbe:
    """Event-loop lag: how late a 5 ms sleep wakes up, sampled while a cycle runs."""

    samples: list[float] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async def tick() -> None:
            while True:
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                self.samples.append(time.perf_counter() - start - 0.005)

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def summary(self) -> str:
        if not self.samples:
            return "n/a"
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms,"
                f" max {ordered[-1] * 1000:.1f} ms")  # fmt: skip


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


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
                guild_id=CHANNEL0 // 2 + channel // 4, channel_id=CHANNEL0 + channel,
                feed_id=feed.id, now=START,
            )  # fmt: skip


async def cycle(name: str, engine: Engine, clock: FrozenClock, db: Path) -> dict[str, Any]:
    clock.advance(timedelta(days=1))  # every feed is due again (adaptive intervals are < 1 day)
    probe = LagProbe()
    start = time.perf_counter()
    async with probe.running():
        reports = await engine.poll_due_feeds()
    elapsed = time.perf_counter() - start
    outcomes: dict[str, int] = {}
    for r in reports:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    row = {"cycle": name, "seconds": elapsed, "lag": probe.summary(), "outcomes": outcomes,
           "articles": sum(r.articles for r in reports), "posts": sum(r.posts for r in reports),
           "rss": rss_mb(), "workers": workers_peak_mb(engine.workers),
           "db": db_size_mb(db)}  # fmt: skip
    print(f"  {name:<10} {elapsed:7.1f} s  articles={row['articles']} posts={row['posts']}"
          f" {outcomes}\n             lag {row['lag']}; peak RSS {row['rss']:.0f} MB"
          f" (+ workers {row['workers']:.0f} MB); db {row['db']:.1f} MB", flush=True)  # fmt: skip
    return row


async def deliver(storage: Storage, api_base: str, seconds: float) -> None:
    """The real delivery (the scheduler's ``drain``) for ``seconds`` of wall time, on the real
    clock so that rate-limit pauses end, waiting them out like the scheduled job would."""
    Route.BASE = api_base
    client = discord.Client(intents=discord.Intents.none(), max_ratelimit_timeout=60)
    await client.login("stand-in-token")
    delivery = Delivery(storage, DiscordPublisher(client), SystemClock())
    sent = pauses = 0
    start = time.perf_counter()
    while (left := seconds - (time.perf_counter() - start)) > 0:
        report = await delivery.drain(budget_seconds=min(4.0, left))
        sent += report.sent
        if report.stopped:
            pauses += 1
            await asyncio.sleep(min(max(delivery.cooldown.remaining(), 0.05), max(left, 0)))
        elif report.sent + report.failed + report.released == 0:
            break  # nothing left to send
    elapsed = time.perf_counter() - start
    print(
        f"  delivery   {sent} posts in {elapsed:.1f} s = {sent / elapsed:.1f} posts/s"
        f" ({pauses} rate-limit pauses)",
        flush=True,
    )
    await client.close()


async def run_one(feeds: int, articles: list[tuple[str, str]], args: argparse.Namespace) -> None:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_forever, args=(feeds, articles, child), daemon=True
    )
    server.start()
    port, api_base = parent.recv()
    settings = Settings(
        poll_interval_minutes=10,
        max_posts_per_cycle=args.max_new,
        fetch_concurrency=args.fetch_concurrency,
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        storage = await Storage.open(db)
        await setup_feeds(storage, feeds, port)
        clock = FrozenClock(START)
        workers = WorkerPool(size=args.workers)
        client = GuardedClient.from_settings(
            settings, allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
            resolver=FarmResolver(),
        )  # fmt: skip
        print(f"N = {feeds} feeds ({feeds * 2} subscriptions, {max(feeds // 2, 10)} guilds)")
        async with client:
            engine = Engine(settings, storage, client, workers, clock, rng=random.Random(0))
            await cycle("baseline", engine, clock, db)
            await _bump(port)
            await cycle("all new", engine, clock, db)
            await cycle("unchanged", engine, clock, db)
        if args.deliver > 0:
            await deliver(storage, api_base, args.deliver)
        await storage.close()
        workers.close()
    parent.send("stop")
    server.join(10)


async def _bump(port: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        await session.post(f"http://127.0.0.1:{port}/_bump")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", type=Path, help="JSONL with title/text (../shared/eval/dev.jsonl)")
    parser.add_argument("--feeds", default="100,1000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-new", type=int, default=Settings().max_posts_per_cycle,
                        help="articles prepared per feed and cycle")  # fmt: skip
    parser.add_argument("--fetch-concurrency", type=int, default=Settings().fetch_concurrency)
    parser.add_argument("--deliver", type=float, default=15.0, help="seconds of delivery")
    args = parser.parse_args()
    articles = [(r.title or r.text[:60], r.text) for r in read_records(args.dev)]
    for n in (int(v) for v in args.feeds.split(",")):
        asyncio.run(run_one(n, articles, args))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process over the run: {peak:.0f} MB")


if __name__ == "__main__":
    main()
