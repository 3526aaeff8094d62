"""K bot processes over one database: the real engine in each, feeds shared by lease.

    python -m benchmarks.processes ../shared/eval/dev.jsonl --feeds 1000 \\
        [--database postgresql://...] [--processes 1,2,3] [--cycles baseline,new,unchanged]

The feed farm of ``benchmarks.farm`` (N feeds of 30 entries over N/4 host names, 2 % slow,
2 % failing) runs in its own process. For each K, a fresh database (a SQLite file, or a fresh
schema of ``--database``, which must let the benchmark create schemas) gets the N feeds and
their subscriptions; then K processes (spawned, each with its own ``Storage``, guarded client,
2 process workers and ``Engine``, a lease owner of its own) run each cycle together: the
parent sends them the same clock time, they call ``poll_due_feeds`` and report the feeds they
polled. Printed per cycle: wall time until the last process is done, feeds polled and how many
were polled by two processes (must be 0), articles and posts stored (posts are unique by
construction: the count is compared with the planned one), peak RSS per process (bot only and
its workers) and the database size.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import multiprocessing
import random
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.evaluation import read_records
from benchmarks.farm import (
    START,
    FarmResolver,
    bump,
    rss_mb,
    serve_forever,
    setup_feeds,
    workers_peak_mb,
)
from bot.clock import FrozenClock
from bot.net.client import GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.storage import Storage


@dataclass
class CycleResult:
    feed_ids: list[int]
    seconds: float
    articles: int
    posts: int
    rss: float
    workers: float


def poller(database: str, index: int, workers: int, conn: Any) -> None:
    """One bot process: waits for a cycle's clock time, polls, reports; until told to stop."""

    async def main() -> None:
        settings = Settings(poll_interval_minutes=10)
        storage = await Storage.open(database)
        clock = FrozenClock(START)
        pool = WorkerPool(size=workers)
        client = GuardedClient.from_settings(
            settings, allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
            resolver=FarmResolver(),
        )  # fmt: skip
        loop = asyncio.get_running_loop()
        async with client:
            engine = Engine(settings, storage, client, pool, clock, rng=random.Random(index),
                            owner=f"bench-{index}")  # fmt: skip
            conn.send("ready")
            while (order := await loop.run_in_executor(None, conn.recv)) != "stop":
                clock.set(datetime.fromisoformat(order))
                start = time.perf_counter()
                reports = await engine.poll_due_feeds()
                conn.send(CycleResult(
                    [r.feed_id for r in reports], time.perf_counter() - start,
                    sum(r.articles for r in reports), sum(r.posts for r in reports),
                    rss_mb(), workers_peak_mb(pool),
                ))  # fmt: skip
        await storage.close()
        pool.close()

    asyncio.run(main())


async def database_size_mb(storage: Storage) -> float:
    if storage.location.startswith("postgres"):
        row = await storage._fetchone(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'm')"
        )
        return float(row[0]) / 1e6 if row else 0.0
    path = storage.path
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


async def fresh_database(base: str | None, tmp: Path, label: str) -> str:
    if base is None:
        return str(tmp / f"{label}.db")
    import asyncpg

    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.close()
    return f"{base}{'&' if '?' in base else '?'}search_path={schema}"


async def run_k(feeds: int, k: int, database: str, port: int, args: argparse.Namespace) -> None:
    storage = await Storage.open(database)
    await setup_feeds(storage, feeds, port)
    context = multiprocessing.get_context("spawn")
    pipes, children = [], []
    for index in range(k):
        parent, child = context.Pipe()
        process = context.Process(target=poller, args=(database, index, args.workers, child))
        process.start()
        pipes.append(parent)
        children.append(process)
    for pipe in pipes:
        assert pipe.recv() == "ready"
    moment = START
    kind = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print(f"N = {feeds} feeds, {kind}, {k} process(es)", flush=True)
    for name in args.cycles.split(","):
        if name == "new":
            await bump(port)
        moment += timedelta(days=1)  # every feed is due again
        start = time.perf_counter()
        for pipe in pipes:
            pipe.send(moment.isoformat())
        results: list[CycleResult] = [
            await asyncio.get_running_loop().run_in_executor(None, p.recv) for p in pipes
        ]
        elapsed = time.perf_counter() - start
        polled = Counter(i for r in results for i in r.feed_ids)
        twice = sum(1 for n in polled.values() if n > 1)
        posts = sum(r.posts for r in results)
        articles = sum(r.articles for r in results)
        memory = " ".join(f"{r.rss:.0f}+{r.workers:.0f}" for r in results)
        split = "/".join(str(len(r.feed_ids)) for r in results)
        size = await database_size_mb(storage)
        print(f"  {name:<10} {elapsed:6.1f} s  feeds {len(polled)} ({split}) polled twice {twice}"
              f"  articles {articles} posts {posts} ({posts / elapsed:.0f} posts/s)"
              f"\n             peak RSS MB (bot+workers) {memory}; db {size:.1f} MB",
              flush=True)  # fmt: skip
    stored = len(await storage.list_posts())
    print(f"  posts in the database: {stored}", flush=True)
    for pipe in pipes:
        pipe.send("stop")
    for process in children:
        process.join(30)
    await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", type=Path, help="JSONL with title/text (../shared/eval/dev.jsonl)")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--database", default=None, help="postgresql://... (else SQLite)")
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--sqlite-too", action="store_true", help="also 1 process on SQLite")
    parser.add_argument("--cycles", default="baseline,new,unchanged")
    parser.add_argument("--workers", type=int, default=2, help="CPU workers per process")
    args = parser.parse_args()
    articles = [(r.title or r.text[:60], r.text) for r in read_records(args.dev)]
    parent, child = multiprocessing.get_context("spawn").Pipe()
    farm = multiprocessing.get_context("spawn").Process(
        target=serve_forever, args=(args.feeds, articles, child), daemon=True
    )
    farm.start()
    port, _ = parent.recv()
    runs = [(args.database, int(k)) for k in args.processes.split(",")]
    if args.sqlite_too and args.database:
        runs.insert(0, (None, 1))
    with tempfile.TemporaryDirectory() as tmp:
        for n, (base, k) in enumerate(runs):
            database = asyncio.run(fresh_database(base, Path(tmp), f"run{n}"))
            asyncio.run(run_k(args.feeds, k, database, port, args))
    parent.send("stop")
    farm.join(10)


if __name__ == "__main__":
    main()
