"""Capacity of one process: the real engine against a local feed farm and the Discord stand-in.

    python -m benchmarks.pipeline ../shared/eval/dev.jsonl [--feeds 100,1000] [--deliver 15]
    python -m benchmarks.pipeline ../shared/eval/dev.jsonl --feeds 1000 \\
        --database postgresql://... --processes 1,2,3

With ``--database`` or ``--processes``, the run is ``benchmarks.processes``'s (K processes over
one database, feeds shared by lease, the outbox drained by guild shard) for each N, with one
process on SQLite beside, all in one table: cycle times (all new, unchanged), posts per
second, peak memory per process, database size, and the check that no feed was polled twice in
a cycle and no post handed out twice. Without them, one process as below.

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
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
from discord.http import Route

from benchmarks import processes
from benchmarks.evaluation import read_records
from benchmarks.farm import (
    START,
    FarmResolver,
    bump,
    cpu_seconds,
    db_size_mb,
    rss_mb,
    serve_forever,
    setup_feeds,
    worker_pids,
    workers_peak_mb,
)
from bot.clock import FrozenClock, SystemClock
from bot.delivery.outbox import Delivery
from bot.discord.publisher import DiscordPublisher
from bot.net.client import GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.storage import Storage

# --- measuring ----------------------------------------------------------------------------


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


def cpu_now(engine: Engine, server_pid: int) -> tuple[float, float, float]:
    """CPU seconds so far of this process, of the workers and of the farm (with the stand-in);
    a worker killed by a timeout's recycle takes its seconds with it."""
    workers = sum(cpu_seconds(pid) for pid in worker_pids(engine.workers))
    return cpu_seconds(), workers, cpu_seconds(server_pid)


async def cycle(
    name: str, engine: Engine, clock: FrozenClock, db: Path, server_pid: int
) -> dict[str, Any]:
    clock.advance(timedelta(days=1))  # every feed is due again (adaptive intervals are < 1 day)
    probe = LagProbe()
    cpu_before = cpu_now(engine, server_pid)
    start = time.perf_counter()
    async with probe.running():
        reports = await engine.poll_due_feeds()
    elapsed = time.perf_counter() - start
    cpu = [a - b for a, b in zip(cpu_now(engine, server_pid), cpu_before, strict=True)]
    outcomes: dict[str, int] = {}
    for r in reports:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    row = {"cycle": name, "seconds": elapsed, "lag": probe.summary(), "outcomes": outcomes,
           "articles": sum(r.articles for r in reports), "posts": sum(r.posts for r in reports),
           "rss": rss_mb(), "workers": workers_peak_mb(engine.workers),
           "db": db_size_mb(db)}  # fmt: skip
    print(f"  {name:<10} {elapsed:7.1f} s  articles={row['articles']} posts={row['posts']}"
          f" {outcomes}\n             lag {row['lag']}; peak RSS {row['rss']:.0f} MB"
          f" (+ workers {row['workers']:.0f} MB); db {row['db']:.1f} MB\n             CPU"
          f" bot {cpu[0]:.1f} s, workers {cpu[1]:.1f} s, farm and stand-in {cpu[2]:.1f} s",
          flush=True)  # fmt: skip
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
            await cycle("baseline", engine, clock, db, server.pid)
            await bump(port)
            await cycle("all new", engine, clock, db, server.pid)
            await cycle("unchanged", engine, clock, db, server.pid)
        if args.deliver > 0:
            await deliver(storage, api_base, args.deliver)
        await storage.close()
        workers.close()
    parent.send("stop")
    server.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", type=Path, help="JSONL with title/text (../shared/eval/dev.jsonl)")
    parser.add_argument("--feeds", default="100,1000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-new", type=int, default=Settings().max_posts_per_cycle,
                        help="articles prepared per feed and cycle")  # fmt: skip
    parser.add_argument("--fetch-concurrency", type=int, default=Settings().fetch_concurrency)
    parser.add_argument("--deliver", type=float, default=15.0, help="seconds of delivery")
    parser.add_argument("--database", default=None, help="postgresql://...: K processes")
    parser.add_argument("--processes", default=None, help="K processes, e.g. 1,2,3")
    args = parser.parse_args()
    if args.database or args.processes:
        several(args)
        return
    articles = [(r.title or r.text[:60], r.text) for r in read_records(args.dev)]
    for n in (int(v) for v in args.feeds.split(",")):
        asyncio.run(run_one(n, articles, args))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process over the run: {peak:.0f} MB")


def several(args: argparse.Namespace) -> None:
    """``benchmarks.processes`` for each N: 1 process on SQLite, then K on ``--database``."""
    ks = [int(k) for k in (args.processes or "1,2,3").split(",")]
    options = processes.parser().parse_args([str(args.dev)])
    options.workers, options.sqlite_too, options.deliver = args.workers, True, args.deliver
    for n in (int(v) for v in args.feeds.split(",")):
        processes.compare(args.dev, n, args.database, ks, options)


if __name__ == "__main__":
    main()
