"""Loop lag during the worst realistic cycle (X13) and the worker timings of S13, as figures.

    .venv/bin/python -m benchmarks.loop_lag [--light] [--runs 1]

The cycle is the X13 test's (``tests.discord.worst_cycle``): the real bot on the Discord stand-in,
20 feeds at the cap (``--light``: 1 MiB feeds and pages, the default suite's variant), three
/summary calls on large pages, /ping every half second. The test proves what happened (the work
left the loop, the loop kept serving); this prints how well: the worst and p99 lateness of a
50 ms probe (reliability X13 asks < 250 ms), the slowest /ping (< 1 s), heartbeats acknowledged
during the cycle, and for S13 the seconds a worker needs for a 10 MiB feed and a 5 MiB
single-text-node page (the product's hard timeout is 10 s). Compare figures of one run: the
machine's load moves them all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.news.workers import WorkerPool, extract_task, parse_task
from bot.settings import Settings
from tests.discord.heavy_cycle import (
    FEED_CAP,
    PAGE_CAP,
    SENTENCES,
    LagProbe,
    MiB,
    build_documents,
    rebase,
)
from tests.discord.worst_cycle import open_cycle, run_worst_cycle, subscribe_all
from tests.discord_stand_in.server import StandIn


@contextlib.asynccontextmanager
async def stand_in_server() -> AsyncIterator[StandIn]:
    server = StandIn()
    await server.start()
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = server.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway.url)
    try:
        yield server
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
        await server.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


async def one_cycle(light: bool) -> None:
    documents = build_documents(MiB, MiB) if light else build_documents(FEED_CAP, 2 * MiB)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            discord_token="stand-in-token",
            database_path=Path(tmp) / "lag.db",
            allowed_private_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        )
        async with stand_in_server() as stand_in, open_cycle(stand_in, settings, documents) as c:
            await subscribe_all(c)
            probe = LagProbe(0.05)
            started = time.perf_counter()
            observed = await run_worst_cycle(c, probe)
            elapsed = time.perf_counter() - started
    lag = [x * 1000 for x in probe.overshoots]
    waits = observed.ping_waits
    print(
        f"  X13 cycle {elapsed:.1f} s: probe worst {max(lag, default=0):.0f} ms,"
        f" p99 {percentile(lag, 0.99):.0f} ms, median {statistics.median(lag or [0]):.1f} ms"
        f" ({len(lag)} samples); /ping slowest {max(waits, default=0) * 1000:.0f} ms of"
        f" {len(waits)}; heartbeats acked {observed.acks_during};"
        f" posts {observed.delivered.sent}; heavy calls on the loop {sum(observed.here.values())}",
        flush=True,
    )


async def worker_seconds(fn: object, *args: object) -> float:
    workers = WorkerPool(size=1)
    try:
        with contextlib.suppress(Exception):  # start the process before the clock runs
            await workers.run(parse_task, b"<rss/>", None, None, timeout=60)
        started = time.perf_counter()
        with contextlib.suppress(Exception):
            await workers.run(fn, *args, timeout=60)  # type: ignore[arg-type]
        return time.perf_counter() - started
    finally:
        workers.close()


async def s13() -> None:
    documents = build_documents(FEED_CAP, MiB)
    feed = rebase(documents.big[0], "http://127.0.0.1:8080")
    text = " ".join(SENTENCES) + " "
    node = (text * (PAGE_CAP // len(text.encode())))[: PAGE_CAP - 300]
    page = f"<html><body><p>{node}</p></body></html>".encode()
    feed_s = await worker_seconds(parse_task, feed, "http://127.0.0.1:8080/f.xml", None)
    page_s = await worker_seconds(extract_task, page, "http://127.0.0.1:8080/bloc")
    print(f"  S13 in a worker: 10 MiB feed {feed_s:.2f} s, 5 MiB one-node page {page_s:.2f} s"
          " (hard timeout 10 s)", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loop_lag", description=__doc__)
    parser.add_argument("--light", action="store_true", help="1 MiB feeds and pages")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"worst cycle ({'light' if args.light else 'at the caps'}), {args.runs} run(s)")
    for _ in range(args.runs):
        asyncio.run(one_cycle(args.light))
    asyncio.run(s13())
    return 0


if __name__ == "__main__":
    sys.exit(main())
