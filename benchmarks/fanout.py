"""Fan-out: matching one new article against every follow, and a feed against its subscriptions.

    python -m benchmarks.fanout [--follows 50000] [--subscriptions 10000] [--guilds 2500]

Builds a real database (temporary file) with ``--subscriptions`` subscriptions over
``--guilds`` guilds and ``--follows`` member follows (topics and authors drawn from a
vocabulary of 5,000 terms, Zipf-like), then times, over 1,000 generated articles:

- ``storage.matching_follows`` (what ``save_article`` runs inside its transaction): the indexed
  ``(kind, term_norm) IN (...)`` lookup, through aiosqlite (one thread hop per query);
- the same SQL on a plain ``sqlite3`` connection (the database's own share);
- ``storage.subscriptions_for_feed`` for a feed.

Figures are medians and p99 in milliseconds, and the query plan (an index search, not a scan).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from storage.records import FollowKind
from storage.storage import Storage
from storage.terms import fold_term, title_terms, to_db

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SYLLABES = ("ma", "ri", "lo", "ne", "cha", "pi", "tou", "ver", "don", "sa", "bel", "gro")


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


async def build(path: Path, args: argparse.Namespace, terms: list[str]) -> None:
    """Bulk-load subscriptions and follows with one transaction each (setup, not measured)."""
    storage = await Storage.open(path)
    feeds = [await storage.add_feed(f"https://site{n}.exemple.fr/rss", now=NOW) for n in range(500)]
    await storage.close()
    rng = random.Random(1)
    raw = sqlite3.connect(path)
    with raw:
        raw.executemany(
            "INSERT INTO subscriptions (guild_id, channel_id, feed_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            [(n % args.guilds, 10_000 + n, feeds[n % len(feeds)].id, to_db(NOW))
             for n in range(args.subscriptions)],
        )  # fmt: skip
        weights = [1 / (rank + 1) for rank in range(len(terms))]
        chosen = rng.choices(terms, weights, k=args.follows)
        raw.executemany(
            "INSERT OR IGNORE INTO follows (guild_id, user_id, kind, term, term_norm, delivery,"
            " created_at) VALUES (?, ?, ?, ?, ?, 'dm', ?)",
            [(n % args.guilds, 1_000_000 + n, "topic" if n % 4 else "author", term, fold_term(term),
              to_db(NOW)) for n, term in enumerate(chosen)],
        )  # fmt: skip
    raw.execute("ANALYZE")
    raw.close()


def timed_ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"median {statistics.median(ordered) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms"


async def measure(call: Callable[[int], Awaitable[object]], rounds: int) -> list[float]:
    samples = []
    for n in range(rounds):
        start = time.perf_counter()
        await call(n)
        samples.append(time.perf_counter() - start)
    return samples


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(0)
    terms = vocabulary(5000, rng)
    articles = [
        (" ".join(rng.sample(terms, 8)), tuple(rng.sample(terms, 3)), (rng.choice(terms),))
        for _ in range(1000)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fanout.db"
        await build(path, args, terms)
        storage = await Storage.open(path)
        counts = [len(await storage.matching_follows(title=t, topics=tp, authors=a))
                  for t, tp, a in articles[:100]]  # fmt: skip

        async def match(n: int) -> object:
            title, topics, authors = articles[n]
            return await storage.matching_follows(title=title, topics=topics, authors=authors)

        async def subs(n: int) -> object:
            return await storage.subscriptions_for_feed(1 + n % 500)

        matched = await measure(match, len(articles))
        per_feed = await measure(subs, len(articles))
        await storage.close()
        raw = sqlite3.connect(path)
        raw_times = []
        for title, topics, authors in articles:
            words = sorted({fold_term(t) for t in topics} | title_terms(title))
            start = time.perf_counter()
            for kind, values in (
                (FollowKind.TOPIC, words),
                (FollowKind.AUTHOR, [fold_term(a) for a in authors]),
            ):
                marks = ",".join("?" * len(values))
                raw.execute(f"SELECT * FROM follows WHERE kind = ? AND term_norm IN ({marks})"
                            " ORDER BY id", (kind.value, *values)).fetchall()  # fmt: skip
            raw_times.append(time.perf_counter() - start)
        plan = raw.execute("EXPLAIN QUERY PLAN SELECT * FROM follows WHERE kind = 'topic'"
                           " AND term_norm IN ('a', 'b') ORDER BY id").fetchall()  # fmt: skip
        raw.close()
    print(f"{args.follows} follows, {args.subscriptions} subscriptions, {args.guilds} guilds;"
          f" {statistics.mean(counts):.1f} follows matched per article on average")  # fmt: skip
    print(f"match one article, Storage (aiosqlite): {timed_ms(matched)}")
    print(f"match one article, sqlite3 only:        {timed_ms(raw_times)}")
    print(f"subscriptions of one feed (aiosqlite):  {timed_ms(per_feed)}")
    print("plan:", "; ".join(str(row[3]) for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--follows", type=int, default=50_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--guilds", type=int, default=2_500)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
