"""Soak (reliability.md T4): the real bot for M minutes against the Discord stand-in, a feed farm
with hostile feeds, broken channels and random ``/summary`` calls. Prints one table and T4's
verdict (exit code 1 when it fails). ``python -m benchmarks.soak --minutes 30 --subscriptions 100
--hostile-share 0.1 --summaries-per-minute 4 [--workdir DIR]``.

On 127.0.0.1: the standalone Discord stand-in (``tests.discord_stand_in``, in process for its
record) and a feed farm: healthy feeds gaining an entry every ``--entry-minutes`` (ETag, 304),
their pages, the harness's hostile app under ``/h`` (bombs, drip, 429/503 with Retry-After, 1 GiB,
hang, invalid XML). Subscriptions are seeded in the database (the bot's first poll is each feed's
baseline, F1), ``--hostile-share`` hostile, some on channels answering 403 or 404. The REAL bot
(``python -m bot run``, ``POLL_INTERVAL_MINUTES=1``, ``PER_HOST_CONCURRENCY=--per-host`` as all
feeds share 127.0.0.1) runs as a subprocess: RSS (+ workers) sampled every 10 s, its ``health``
and ERROR/Traceback lines read, ``/summary`` interactions sent through the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.delivery.references import references_in
from storage.storage import Storage
from tests.chaos.feeds import PARAGRAPHS, item_xml
from tests.discord_stand_in.__main__ import StandaloneStandIn
from tests.discord_stand_in.driver import slash
from tests.discord_stand_in.world import SEND_MESSAGES, Interaction
from tests.servers import hostile_app, serve

ROOT = Path(__file__).resolve().parents[1]
READY_MARK = "scheduler started"
GUILD0, CHANNEL0, USER0 = 960_000_000_000_000_000, 950_000_000_000_000_000, 970_000_000_000_000_000
CHANNELS_PER_GUILD, USERS, ITEMS = 10, 20, 15  # ITEMS: entries listed per feed document
INVALID = (401, 403, 404, 429)
# Hostile subscriptions cycle through these: a feed path, or a broken channel on a healthy feed.
HOSTILE = ("gz", "drip", "429", "503", "badxml", "big", "forbidden", "gone", "gzgz", "hang")
HOSTILE_PATHS = {
    "gz": "/h/gz", "gzgz": "/h/gzgz", "drip": "/h/drip?every=1", "429": "/h/429?ra=120",
    "503": "/h/503?ra=90", "big": "/h/big", "hang": "/h/hang",
    "badxml": "/h/ctype?t=application/rss%2Bxml",  # a PNG signature labelled as RSS
}  # fmt: skip
SUMMARY_HOSTILE = ("/h/gz?mb=64", "/h/drip?every=1", "/h/big", "/h/hang", "/h/status?code=404")
HEALTH = re.compile(
    r"health .*loop_lag_ms_p99=(\S+) loop_lag_ms_max=(\S+) rss_mb=(\S+) tasks=(\d+)"
)
ERROR_LINE = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ")


@dataclass(frozen=True)
class Plan:
    kind: str  # "healthy" or one of HOSTILE
    path: str  # feed path on the farm
    guild_id: int
    channel_id: int


def plan_subscriptions(n: int, hostile_share: float) -> list[Plan]:
    """``n`` subscriptions, one feed and one channel each; the last ``hostile_share`` hostile."""
    healthy = n - round(n * hostile_share)
    kinds = ["healthy"] * healthy + [HOSTILE[j % len(HOSTILE)] for j in range(n - healthy)]
    return [Plan(kind, HOSTILE_PATHS.get(kind, f"/f/{k}.xml"), GUILD0 + k // CHANNELS_PER_GUILD,
                 CHANNEL0 + k) for k, kind in enumerate(kinds)]  # fmt: skip


def farm_app(period: float, feeds: int) -> tuple[web.Application, Callable[[int], int]]:
    """``/f/{i}.xml``: a feed gaining one entry every ``period`` s (phases spread over feeds);
    also returns ``newest(i)``, the number of feed ``i``'s newest entry now."""
    start = time.time()

    def newest(i: int) -> int:
        return ITEMS + int((time.time() - start + period * i / max(feeds, 1)) // period)

    async def feed(request: web.Request) -> web.Response:
        i = int(request.match_info["i"])
        top = newest(i)
        etag = f'"soak-{i}-{top}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        base = f"http://{request.host}/f/{i}"
        items = "".join(
            item_xml(base, n, datetime.fromtimestamp(start + (n - ITEMS) * period, UTC))
            for n in range(top, max(top - ITEMS, 0), -1)
        )
        body = f"<rss version='2.0'><channel><title>Le Courrier {i}</title>{items}</channel></rss>"
        headers = {"ETag": etag}
        return web.Response(body=body.encode(), content_type="application/rss+xml", headers=headers)

    async def page(request: web.Request) -> web.Response:
        i, n = int(request.match_info["i"]), int(request.match_info["n"])
        order = PARAGRAPHS[n % 3 :] + PARAGRAPHS[: n % 3]
        text = "".join(f"<p>{escape(p)}</p>" for p in order)
        head = f"<html lang='fr'><head><meta charset='utf-8'><title>Courrier {i} n°{n}</title>"
        html = f"{head}</head><body><article><h1>Épisode {n}</h1>{text}</article></body></html>"
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/f/{i}.xml", feed)
    app.router.add_get("/f/{i}/article/{n}", page)
    app.add_subapp("/h", hostile_app())
    return app, newest


@dataclass
class Figures:
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # t, bot, workers
    health: list[tuple[float, float, float, int]] = field(default_factory=list)  # p99 max rss tasks
    errors: list[str] = field(default_factory=list)
    tracebacks: int = 0
    lag_warnings: int = 0
    shutdown_errors: int = 0  # ERROR / Traceback lines after the SIGTERM (reported apart)
    interactions: list[Interaction] = field(default_factory=list)
    ready_at: float = 0.0
    stop_seconds: float = 0.0


class Soak:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.db = workdir / "depeche.db"
        self.log = (workdir / "bot.log").open("w", encoding="utf-8", buffering=1)
        self.rng = random.Random(args.seed)
        self.plans = plan_subscriptions(args.subscriptions, args.hostile_share)
        self.figures = Figures()
        self.stand_in = StandaloneStandIn(nonce_window=300.0)
        self.farm = ""
        self.newest: Callable[[int], int] = lambda i: ITEMS
        self.ready = asyncio.Event()
        self.stopping = False

    def build_world(self) -> None:
        world = self.stand_in.world
        for g in sorted({p.guild_id for p in self.plans}):
            channels = {p.channel_id: f"salon-{p.channel_id % 1000}" for p in self.plans
                        if p.guild_id == g and p.kind != "gone"}  # fmt: skip
            channels[g + 1] = "moderation"  # last: the system channel, where notices go
            world.add_guild(g, f"Serveur {g % 1000}", channels)
        for p in (p for p in self.plans if p.kind == "forbidden"):
            world.deny_bot(p.channel_id, SEND_MESSAGES)
        for u in range(USERS):
            world.add_user(USER0 + u, f"lecteur-{u}")

    async def seed(self) -> None:
        now = datetime.now(UTC)
        storage = await Storage.open(self.db)
        try:
            for k, p in enumerate(self.plans):
                path = p.path if p.kind not in ("forbidden", "gone") else f"/f/{k}.xml"
                feed = await storage.add_feed(self.farm + path, now=now, title=f"Courrier {k}")
                await storage.add_subscription(
                    guild_id=p.guild_id, channel_id=p.channel_id, feed_id=feed.id, now=now
                )
        finally:
            await storage.close()

    def bot_env(self) -> dict[str, str]:
        kept = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE"))}
        return kept | dict(
            DISCORD_TOKEN="stand-in-token", DISCORD_API_BASE=self.stand_in.api_base,
            DISCORD_GATEWAY_URL=self.stand_in.gateway.url, DATABASE_PATH=str(self.db),
            ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8", POLL_INTERVAL_MINUTES="1", DEFAULT_FEEDS="",
            MAX_POSTS_PER_DAY="100000", PER_HOST_CONCURRENCY=str(self.args.per_host),
            LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
        )  # fmt: skip

    async def read_log(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode("utf-8", "replace")
            self.log.write(line)
            if READY_MARK in line and not self.ready.is_set():
                self.figures.ready_at = time.monotonic()
                self.ready.set()
            if match := HEALTH.search(line):
                p99, worst, rss, tasks = match.groups()
                self.figures.health.append((float(p99), float(worst), float(rss), int(tasks)))
            self.figures.lag_warnings += "health loop lag" in line
            is_error = bool(ERROR_LINE.match(line))
            if self.stopping:
                self.figures.shutdown_errors += is_error or line.startswith("Traceback")
                continue
            self.figures.tracebacks += line.startswith("Traceback")
            if is_error:
                self.figures.errors.append(line.strip()[:200])

    async def sample_rss(self, pid: int) -> None:
        while True:
            bot = vm_rss_mb(pid)
            workers = sum(vm_rss_mb(child) for child in descendants(pid))
            self.figures.samples.append((time.monotonic(), bot, workers))
            await asyncio.sleep(10)

    async def send_summaries(self) -> None:
        per_minute = self.args.summaries_per_minute
        if per_minute <= 0:
            return
        newest = self.newest
        healthy = [k for k, p in enumerate(self.plans) if p.kind == "healthy"] or [0]
        while True:
            await asyncio.sleep(self.rng.expovariate(per_minute / 60.0))
            if self.rng.random() < 0.2:
                url = self.farm + self.rng.choice(SUMMARY_HOSTILE)
            else:
                i = self.rng.choice(healthy)
                url = f"{self.farm}/f/{i}/article/{self.rng.randint(1, newest(i))}"
            user = USER0 + self.rng.randrange(USERS)
            interaction = await slash(self.stand_in, "summary", url=url, user_id=user, admin=False)
            self.figures.interactions.append(interaction)

    async def stop_bot(self, process: asyncio.subprocess.Process) -> None:
        started, self.stopping = time.monotonic(), True
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            self.log.write("---- no exit 20 s after SIGTERM: SIGKILL ----\n")
        self.figures.stop_seconds = time.monotonic() - started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the bot's worker processes too
        await process.wait()

    async def run(self) -> tuple[str, bool]:
        self.build_world()
        await self.stand_in.start_on(0)
        app, self.newest = farm_app(self.args.entry_minutes * 60.0, len(self.plans))
        try:
            async with serve(app) as farm:
                self.farm = farm
                await self.seed()
                await self.drive()
        finally:
            await self.stand_in.close()
            self.log.close()
        return report(self)

    async def drive(self) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--env-file", os.devnull, "run", cwd=ROOT,
            env=self.bot_env(), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        reader = asyncio.create_task(self.read_log(process))
        tasks = [asyncio.create_task(self.sample_rss(process.pid))]
        try:
            await asyncio.wait_for(self.ready.wait(), 120)
            tasks.append(asyncio.create_task(self.send_summaries()))
            ended = asyncio.create_task(process.wait())
            await asyncio.wait({ended}, timeout=self.args.minutes * 60.0)
            if ended.done():
                self.log.write(f"---- the bot exited early, code {process.returncode} ----\n")
        finally:
            for task in tasks:
                task.cancel()
            await self.stop_bot(process)
            await reader


def vm_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


def invalid_figures(requests: list[Any]) -> tuple[int, int, int]:
    """(all requests, invalid ones, the most invalid ones in any 10-minute window)."""
    stamps = sorted(r.at for r in requests if r.status in INVALID)
    worst, low = 0, 0
    for high, at in enumerate(stamps):
        while at - stamps[low] > 600:
            low += 1
        worst = max(worst, high - low + 1)
    return len(requests), len(stamps), worst


def duplicates(messages: dict[int, list[dict[str, Any]]]) -> int:
    """Messages whose post reference or article URL already appeared in the same channel (the
    stand-in, like Discord, keeps no nonce in its messages)."""
    count = 0
    for items in messages.values():
        seen: set[str] = set()
        for message in items:
            keys = {f"r:{ref}" for ref in references_in(message)}
            keys |= {f"u:{e['url']}" for e in message.get("embeds") or [] if e.get("url")}
            count += bool(keys & seen)
            seen |= keys
    return count


def interaction_outcomes(interactions: list[Interaction]) -> Counter[str]:
    """refused (immediate, S11), summary or error (after the deferral), pending, unanswered."""
    outcomes: Counter[str] = Counter()
    for i in interactions:
        kind, embeds = (i.response or {}).get("type"), any(f.get("embeds") for f in i.followups)
        outcomes[
            "refused" if kind == 4 else "never acknowledged" if kind != 5
            else "summary" if embeds else "error" if i.followups else "no answer yet"
        ] += 1  # fmt: skip
    return outcomes


def rss_growth(samples: list[tuple[float, float, float]]) -> tuple[float, float, float, float]:
    """Bot RSS: first sample, max, and (mid, growth %) over the second half of the run."""
    values = [bot for _, bot, _ in samples if bot > 0]
    if len(values) < 4:
        return (values[0] if values else 0.0), max(values, default=0.0), 0.0, 0.0
    half = values[len(values) // 2 :]
    mid, end = sum(half[:3]) / 3, sum(half[-3:]) / 3
    return values[0], max(values), mid, (end - mid) / mid * 100


def report(soak: Soak) -> tuple[str, bool]:
    f, stand_in, plans = soak.figures, soak.stand_in, soak.plans
    channels = {p.channel_id for p in plans}
    messages = {c: m for c, m in stand_in.world.messages.items() if c in channels}
    posts = sum(1 for items in messages.values() for m in items if m.get("embeds"))
    total, invalid, worst = invalid_figures(stand_in.requests)
    minutes = (time.monotonic() - f.ready_at) / 60 if f.ready_at else 0.0
    start, peak, mid, growth = rss_growth([s for s in f.samples if s[0] >= f.ready_at])
    lag = max((h[1] for h in f.health), default=0.0)
    tasks = [h[3] for h in f.health] or [0]
    with contextlib.closing(sqlite3.connect(soak.db, timeout=10)) as conn:
        states = {t: dict(conn.execute(f"SELECT state, count(*) FROM {t} GROUP BY 1").fetchall())
                  for t in ("posts", "subscriptions")}  # fmt: skip
    failed = [name for name, bad in (
        ("RSS >= 400 MB", peak >= 400), ("RSS growth >= 10 %", growth >= 10),
        ("lag >= 250 ms", lag >= 250), ("unhandled exceptions", f.tracebacks + len(f.errors) > 0),
        ("invalid share >= 1 %", invalid >= 0.01 * total), ("invalid >= 100/10 min", worst >= 100),
    ) if bad]  # fmt: skip
    result = "PASS" if not failed else "FAIL: " + ", ".join(failed)
    rows = [
        ("duration (min, after ready)", f"{minutes:.1f}"),
        ("subscriptions (hostile)", f"{len(plans)} ({sum(p.kind != 'healthy' for p in plans)})"),
        ("posts delivered", str(posts)),
        ("duplicates (post reference or URL, per channel)", str(duplicates(messages))),
        ("bot RSS start / max (MB), last-half growth", f"{start:.0f} / {peak:.0f}, {growth:+.1f} % (from {mid:.0f})"),  # noqa: E501
        ("workers RSS max (MB)", f"{max((w for _, _, w in f.samples), default=0):.0f}"),
        ("loop lag max / worst minute p99 (ms)", f"{lag:.1f} / {max((h[0] for h in f.health), default=0):.1f}"),  # noqa: E501
        ("health lines / lag warnings", f"{len(f.health)} / {f.lag_warnings}"),
        ("tasks first / last / max", f"{tasks[0]} / {tasks[-1]} / {max(tasks)}"),
        ("unhandled: Traceback / ERROR lines", f"{f.tracebacks} / {len(f.errors)}"),
        ("ERROR or Traceback lines after SIGTERM", str(f.shutdown_errors)),
        ("Discord requests", f"{total} {dict(sorted(Counter(r.status for r in stand_in.requests).items()))}"),  # noqa: E501
        ("invalid (401/403/404/429) share", f"{invalid} = {invalid / max(total, 1):.2%}"),
        ("invalid per 10 min: worst window / mean", f"{worst} / {invalid / max(minutes / 10, 1):.1f}"),  # noqa: E501
        ("/summary calls", f"{len(f.interactions)} {dict(interaction_outcomes(f.interactions))}"),
        ("posts by state (db)", str(states["posts"])),
        ("subscriptions by state (db)", str(states["subscriptions"])),
        ("stop after SIGTERM (s)", f"{f.stop_seconds:.1f}"),
        ("T4 verdict", result),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    return "\n".join(lines + [f"  error: {e}" for e in Counter(f.errors)][:10]), result == "PASS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    for name, default in (("minutes", 30.0), ("subscriptions", 100), ("hostile-share", 0.1),
                          ("summaries-per-minute", 4.0), ("entry-minutes", 3.0), ("seed", 1),
                          ("per-host", 10)):  # fmt: skip
        parser.add_argument(f"--{name}", type=type(default), default=default)
    parser.add_argument("--workdir", type=Path, help="keep the database and bot.log here")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        table, passed = asyncio.run(Soak(args, workdir).run())
    print(table, flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
