"""K bot processes over one database: the real engine in each, feeds shared by lease.

    python -m benchmarks.processes ../shared/eval/dev.jsonl --feeds 1000 \\
        [--database postgresql://...] [--processes 1,2,3] [--sqlite-too] [--cycles new,unchanged]

(``python -m benchmarks.pipeline DEV --database URL --processes 1,2,3`` runs this, with 1
process on SQLite beside.) The feed farm of ``benchmarks.farm`` (N feeds of 30 entries over N/4
host names, 2 % slow, 2 % failing) runs in its own process. For each K, a fresh database (a
SQLite file, or a fresh schema of ``--database``, which must let the benchmark create schemas)
gets the N feeds and their subscriptions; then K processes (spawned, each with its own
``Storage``, guarded client, 2 process workers and ``Engine``, a lease owner of its own) run
each cycle together: the parent sends them the same clock time, they call ``poll_due_feeds``
and report the feeds they polled. The first poll (baseline) always comes first. After the
cycles, each process drains its guild shards' part of the outbox (``ShardScope(K, [i])``, the
real ``Delivery`` with a publisher that only records what it is handed: Discord's 50 requests
per second would make it a measure of the stand-in) for ``--deliver`` seconds at most.
Printed per cycle: wall time until the last process is done, feeds polled and how many were
polled by two processes (must be 0), articles and posts stored, peak RSS per process (bot + its
workers) and the database size; per delivery: posts handed out, per second, and how many were
handed out twice (must be 0); at the end, every run side by side.
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
from dataclasses import dataclass, field
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
from bot.delivery.outbox import Delivery
from bot.delivery.publishers import OutgoingPost
from bot.net.client import GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.records import ShardScope
from storage.storage import Storage


class RecordingPublisher:
    """Hands nothing to Discord: records the post ids it was given (a message id each)."""

    def __init__(self) -> None:
        self.post_ids: list[int] = []

    async def publish(self, post: OutgoingPost) -> str | None:
        self.post_ids.append(post.post.id)
        return str(len(self.post_ids))


@dataclass
class DeliveryResult:
    post_ids: list[int]
    seconds: float


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
                if order.startswith("deliver"):
                    _, k, seconds = order.split()
                    conn.send(await drain_shard(storage, clock, index, int(k), float(seconds)))
                    continue
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


async def drain_shard(
    storage: Storage, clock: FrozenClock, index: int, k: int, seconds: float
) -> DeliveryResult:
    """This process's guild shard of the outbox, drained with the real ``Delivery`` until it is
    empty or ``seconds`` have passed."""
    publisher = RecordingPublisher()
    delivery = Delivery(storage, publisher, clock, shards=ShardScope(k, (index,)))
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if not (await delivery.deliver_pending(limit=50)).sent:
            break
    return DeliveryResult(publisher.post_ids, time.perf_counter() - start)


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


@dataclass
class Run:
    """One K (and backend): the figures of the side-by-side table."""

    label: str
    cycles: dict[str, float] = field(default_factory=dict)  # name: seconds
    posts_per_s: dict[str, float] = field(default_factory=dict)
    polled_twice: int = 0
    handed_twice: int = 0
    handed: int = 0
    handed_per_s: float = 0.0
    peak_mb: list[str] = field(default_factory=list)  # per process, bot+workers
    db_mb: float = 0.0


async def run_k(feeds: int, k: int, database: str, port: int, args: argparse.Namespace) -> Run:
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
    loop = asyncio.get_running_loop()
    moment = START
    kind = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    run = Run(f"{kind} {k}")
    print(f"N = {feeds} feeds, {kind}, {k} process(es)", flush=True)
    names = args.cycles.split(",")
    for name in ([] if names[0] == "baseline" else ["baseline"]) + names:
        if name == "new":
            await bump(port)
        moment += timedelta(days=1)  # every feed is due again
        start = time.perf_counter()
        for pipe in pipes:
            pipe.send(moment.isoformat())
        results: list[CycleResult] = [await loop.run_in_executor(None, p.recv) for p in pipes]
        elapsed = time.perf_counter() - start
        polled = Counter(i for r in results for i in r.feed_ids)
        twice = sum(1 for n in polled.values() if n > 1)
        posts = sum(r.posts for r in results)
        articles = sum(r.articles for r in results)
        run.peak_mb = [f"{r.rss:.0f}+{r.workers:.0f}" for r in results]
        split = "/".join(str(len(r.feed_ids)) for r in results)
        run.db_mb = await database_size_mb(storage)
        run.cycles[name], run.posts_per_s[name] = elapsed, posts / elapsed
        run.polled_twice += twice
        print(f"  {name:<10} {elapsed:6.1f} s  feeds {len(polled)} ({split}) polled twice {twice}"
              f"  articles {articles} posts {posts} ({posts / elapsed:.0f} posts/s)"
              f"\n             peak RSS MB (bot+workers) {' '.join(run.peak_mb)};"
              f" db {run.db_mb:.1f} MB", flush=True)  # fmt: skip
    stored = len(await storage.list_posts())
    start = time.perf_counter()
    for pipe in pipes:
        pipe.send(f"deliver {k} {args.deliver}")
    drained: list[DeliveryResult] = [await loop.run_in_executor(None, p.recv) for p in pipes]
    elapsed = time.perf_counter() - start
    handed = Counter(i for d in drained for i in d.post_ids)
    run.handed, run.handed_per_s = sum(handed.values()), sum(handed.values()) / elapsed
    run.handed_twice = sum(1 for n in handed.values() if n > 1)
    print(f"  delivery   {elapsed:6.1f} s  posts in the database {stored}, handed out"
          f" {run.handed} ({'/'.join(str(len(d.post_ids)) for d in drained)},"
          f" {run.handed_per_s:.0f} posts/s), handed out twice {run.handed_twice}",
          flush=True)  # fmt: skip
    for pipe in pipes:
        pipe.send("stop")
    for process in children:
        process.join(30)
    await storage.close()
    return run


def side_by_side(feeds: int, runs: list[Run]) -> None:
    """Every run in one table, and the two checks."""
    width = max(
        14, *(len(r.label) + 2 for r in runs), *(len(" ".join(r.peak_mb)) + 2 for r in runs)
    )
    names = [n for n in runs[0].cycles if n != "baseline"] or ["baseline"]
    lines = [f"{'N = ' + str(feeds):<28}" + "".join(f"{r.label:>{width}}" for r in runs)]
    for name in names:
        lines.append(f"{name + ' cycle (s)':<28}"
                     + "".join(f"{r.cycles.get(name, 0):>{width}.1f}" for r in runs))  # fmt: skip
        if name == "new":
            lines.append(f"{'new: posts stored/s':<28}"
                         + "".join(f"{r.posts_per_s[name]:>{width}.0f}" for r in runs))  # fmt: skip
    lines.append(f"{'outbox drained (posts/s)':<28}"
                 + "".join(f"{r.handed_per_s:>{width}.0f}" for r in runs))  # fmt: skip
    lines.append(f"{'peak MB/process (bot+wk)':<28}"
                 + "".join(f"{' '.join(r.peak_mb):>{width}}" for r in runs))  # fmt: skip
    lines.append(f"{'database (MB)':<28}" + "".join(f"{r.db_mb:>{width}.1f}" for r in runs))
    lines.append(f"{'feeds polled twice':<28}"
                 + "".join(f"{r.polled_twice:>{width}}" for r in runs))  # fmt: skip
    lines.append(f"{'posts handed out twice':<28}"
                 + "".join(f"{r.handed_twice:>{width}}" for r in runs))  # fmt: skip
    ok = all(r.polled_twice == 0 and r.handed_twice == 0 for r in runs)
    lines.append("no feed polled twice in a cycle, no post sent twice: "
                 + ("yes" if ok else "NO"))  # fmt: skip
    print("\n".join(lines), flush=True)


def compare(
    dev: Path, feeds: int, base: str | None, ks: list[int], args: argparse.Namespace
) -> list[Run]:
    """For each K, a fresh database of ``base`` (SQLite without it), then the table; with
    ``args.sqlite_too``, one process on SQLite first."""
    articles = [(r.title or r.text[:60], r.text) for r in read_records(dev)]
    parent, child = multiprocessing.get_context("spawn").Pipe()
    farm = multiprocessing.get_context("spawn").Process(
        target=serve_forever, args=(feeds, articles, child), daemon=True
    )
    farm.start()
    port, _ = parent.recv()
    plan: list[tuple[str | None, int]] = [(base, k) for k in ks]
    if args.sqlite_too and base:
        plan.insert(0, (None, 1))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (where, k) in enumerate(plan):
            database = asyncio.run(fresh_database(where, Path(tmp), f"run{n}"))
            runs.append(asyncio.run(run_k(feeds, k, database, port, args)))
    parent.send("stop")
    farm.join(10)
    side_by_side(feeds, runs)
    return runs


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", type=Path, help="JSONL with title/text (../shared/eval/dev.jsonl)")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--database", default=None, help="postgresql://... (else SQLite)")
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--sqlite-too", action="store_true", help="also 1 process on SQLite")
    parser.add_argument("--cycles", default="new,unchanged", help="after the baseline")
    parser.add_argument("--workers", type=int, default=2, help="CPU workers per process")
    parser.add_argument("--deliver", type=float, default=20.0, help="seconds of outbox drain")
    return parser


def main() -> None:
    args = parser().parse_args()
    ks = [int(k) for k in args.processes.split(",")]
    compare(args.dev, args.feeds, args.database, ks, args)


if __name__ == "__main__":
    main()
