"""Chaos run (D4, D5): SIGKILL the real bot at random moments, restart it, count the posts.

    .venv/bin/python -m benchmarks.chaos --entries 200 --kills 200 --seed 1

1. The Discord stand-in runs as its own process (``python -m tests.discord_stand_in``); like
   Discord, its history keeps no nonce and ``enforce_nonce`` only holds inside the window
   (``--nonce-window 0``: never). A news site (``tests.chaos.feeds``) serves one feed of N items
   on 127.0.0.1: a link no embed may show (S17), or, for every fourth item, no link at all. So
   after a kill the bot can only recognise its message by the post reference in the footer.
2. The database is prepared as a bot that already knows the feed (subscription to the stand-in's
   channel, first poll done), so all N items are new.
3. The real ``depeche run`` (``tests.chaos.fast_bot``: production code, shorter job intervals)
   starts in its own process group and is killed with SIGKILL (the whole group) at a moment
   chosen by what the bot is doing, not by the clock, so that a slow (loaded) machine meets the
   same awkward moments as a fast one: during start-up (``early``: a random instant of the first
   1.5 s, recovery, migration check, login); while a poll is preparing pages, before its one
   write (``during_poll``: after 1 to 5 pages served in this run); otherwise after the bot has
   published 0 to 2 more messages, plus up to two message delays (a kill before, during or just
   after a creation at the stand-in, the D5 window). ``PRAGMA integrity_check`` runs after
   every kill. This repeats ``kills`` times.
4. A last run goes on until every item is posted, then gets SIGTERM.
5. The stand-in's record gives duplicates and missing posts (by item number in the title).

Figures printed: kills, entries, messages, duplicates, missing, embed links (messages whose embed
has a URL: 0 here), reconciled posts (found on Discord after a kill, from the bot's log),
integrity failures, "database is locked" log lines, slowest restart, wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
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
from pathlib import Path
from typing import Any

import aiohttp

from storage.storage import Storage
from tests.chaos.bots import polled_once
from tests.chaos.feeds import SiteStats, feed_app
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID
from tests.servers import serve

ROOT = Path(__file__).resolve().parents[1]
READY_MARK = "scheduler started"
PUBLISHED_MARK = "published target="  # bot.discord.publisher, at INFO, after each creation
RECONCILED_MARK = "reconciled post already on discord"  # bot.delivery.reconcile, at WARNING
TERMINAL_STATES = ("sent", "failed_permanent", "cancelled", "skipped_flood")


@dataclass
class ChaosConfig:
    entries: int = 200
    kills: int = 200
    seed: int = 1
    early: float = 0.2  # share of kills aimed at start-up (recovery, migration check, login)
    during_poll: float = 0.2  # share of kills while a poll prepares pages (before its write)
    patience: float = 120.0  # the longest wait for a run to reach its kill moment (a hang)
    nonce_window: float = 300.0  # the stand-in's; 0 leaves only reconciliation (D5)
    webhook: bool = False  # webhook identity: executions, which take no nonce at all
    page_delay: float = 0.5  # per article page: a poll of N items lasts N * page_delay
    post_delay: float = 0.3  # per message creation at the stand-in
    finish_timeout: float = 180.0
    workdir: Path | None = None


@dataclass
class ChaosResult:
    kills: int = 0
    entries: int = 0
    messages: int = 0
    duplicates: int = 0
    missing: int = 0
    embed_links: int = 0  # messages whose embed has a URL (none: it cannot identify a post)
    by_webhook: int = 0  # messages a channel webhook posted (webhook identity)
    reconciled: int = 0  # posts found on Discord after a kill instead of being sent again
    integrity_failures: int = 0
    locked_lines: int = 0
    slowest_restart: float = 0.0
    wall_time: float = 0.0
    modes: dict[str, int] = field(default_factory=dict)  # kills per moment (start-up, ...)
    states: dict[str, int] = field(default_factory=dict)
    finished: bool = False

    def figures(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)


@dataclass
class BotRun:
    process: asyncio.subprocess.Process
    started: float
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None
    ready_at: float = 0.0
    published: int = 0  # messages the bot logged as published in this run


class Chaos:
    def __init__(self, config: ChaosConfig, workdir: Path) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.workdir = workdir
        self.db = workdir / "depeche.db"
        self.log = (workdir / "bot.log").open("a", encoding="utf-8")
        self.result = ChaosResult(entries=config.entries)
        self.urls: dict[str, str] = {}
        self.feed_url = ""
        self.site = SiteStats()
        self.progress = asyncio.Event()  # a page served or a message published
        self.modes: Counter[str] = Counter()

    # ---- processes ---------------------------------------------------------------------------
    async def start_stand_in(self) -> asyncio.subprocess.Process:
        config = self.config
        args = ["-m", "tests.discord_stand_in", "--nonce-window", str(config.nonce_window)]
        args += ["--post-delay", str(config.post_delay)]
        args += ["--grant-webhooks"] if config.webhook else []
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        self.urls = json.loads(line)
        return process

    def bot_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE"))}
        env.update(
            DISCORD_TOKEN="stand-in-token",
            DISCORD_API_BASE=self.urls["api_base"],
            DISCORD_GATEWAY_URL=self.urls["gateway_url"],
            DATABASE_PATH=str(self.db),
            ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8",
            MAX_POSTS_PER_CYCLE="100000",
            MAX_POSTS_PER_DAY="100000",
            STORY_GROUPING="non",  # every entry is the same story: each must be posted once
            DEFAULT_FEEDS="",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        return env

    async def spawn_bot(self) -> BotRun:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.chaos.fast_bot", cwd=ROOT, env=self.bot_env(),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        run = BotRun(process, time.monotonic())
        run.reader = asyncio.create_task(self._read_log(run))
        return run

    async def _read_log(self, run: BotRun) -> None:
        assert run.process.stderr is not None
        async for raw in run.process.stderr:
            line = raw.decode("utf-8", "replace")
            self.log.write(line)
            if "database is locked" in line:
                self.result.locked_lines += 1
            if READY_MARK in line and not run.ready.is_set():
                run.ready_at = time.monotonic()
                run.ready.set()
            if RECONCILED_MARK in line:
                self.result.reconciled += 1
            if PUBLISHED_MARK in line:
                run.published += 1
                self.progress.set()

    async def kill(self, run: BotRun) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.process.pid, signal.SIGKILL)
        await run.process.wait()
        if run.reader is not None:
            await run.reader
        self.log.write("---- SIGKILL ----\n")

    # ---- database ----------------------------------------------------------------------------
    async def prepare_database(self) -> None:
        """The state of a bot that already polled the feed once (nothing in it yet)."""
        now = datetime.now(UTC)
        storage = await Storage.open(self.db)
        try:
            feed = await storage.add_feed(self.feed_url, now=now, title="La Gazette")
            await storage.add_subscription(
                guild_id=GUILD_ID, channel_id=CHANNEL_ID, feed_id=feed.id, now=now,
                webhook=self.config.webhook,
            )  # fmt: skip
            await polled_once(storage, feed.id, now, key="chaos-baseline")
        finally:
            await storage.close()

    def db_state(self) -> tuple[str, int, Counter[str]]:
        with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as conn:
            check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
            articles = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
            states = Counter(
                {s: int(n) for s, n in conn.execute("SELECT state, count(*) FROM posts GROUP BY 1")}
            )
        return check, articles, states

    def is_done(self, articles: int, states: Counter[str]) -> bool:
        open_rows = sum(n for s, n in states.items() if s not in TERMINAL_STATES)
        return articles >= self.config.entries and open_rows == 0

    # ---- the run -----------------------------------------------------------------------------
    async def one_kill(self) -> None:
        run = await self.spawn_bot()
        try:
            draw = self.rng.random()
            if draw < self.config.early:
                self.modes["start-up"] += 1
                await asyncio.sleep(self.rng.uniform(0.05, 1.5))
            else:
                await asyncio.wait_for(run.ready.wait(), self.config.patience)
                self.result.slowest_restart = max(
                    self.result.slowest_restart, run.ready_at - run.started
                )
                if draw < self.config.early + self.config.during_poll:
                    self.modes["poll"] += 1
                    pages = self.site.pages + self.rng.randint(1, 5)
                    await self.until_progress(run, lambda: self.site.pages >= pages)
                else:
                    self.modes["delivery"] += 1
                    wanted = self.rng.randint(0, 2)
                    await self.until_progress(run, lambda: run.published >= wanted)
                    await asyncio.sleep(self.rng.uniform(0, 2 * self.config.post_delay))
        finally:
            await self.kill(run)
        self.result.kills += 1
        check, _, _ = await asyncio.to_thread(self.db_state)
        if check != "ok":
            self.result.integrity_failures += 1
            self.log.write(f"integrity_check: {check}\n")

    async def until_progress(self, run: BotRun, reached: Callable[[], bool]) -> None:
        """Wait until ``reached()`` (a page served, a message published), or until nothing is
        left to do (every item posted: no more progress will come), or the run died."""
        deadline = time.monotonic() + self.config.patience
        while not reached() and run.process.returncode is None:
            self.progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.progress.wait(), 1.0)
            if reached():
                return
            _, articles, states = await asyncio.to_thread(self.db_state)
            if self.is_done(articles, states):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the bot made no progress: a hang")

    async def finish(self) -> None:
        """Run without kills until everything is posted, then stop with SIGTERM."""
        run = await self.spawn_bot()
        deadline = time.monotonic() + self.config.finish_timeout
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                check, articles, states = await asyncio.to_thread(self.db_state)
                if self.is_done(articles, states):
                    self.result.finished = True
                    break
            run.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(run.process.wait(), 15)
        finally:
            await self.kill(run)
        check, _, states = await asyncio.to_thread(self.db_state)
        self.result.states = dict(states)
        if check != "ok":
            self.result.integrity_failures += 1

    async def stand_in(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The stand-in's control API: ``messages`` (GET), ``stall`` or ``config`` (POST)."""
        url = f"{self.urls['control']}/{name}"
        async with aiohttp.ClientSession() as session:
            method = session.get(url) if body is None else session.post(url, json=body)
            async with method as response:
                result: dict[str, Any] = await response.json()
        return result

    async def channel_messages(self) -> list[dict[str, Any]]:
        record = await self.stand_in("messages")
        messages: list[dict[str, Any]] = record["messages"].get(str(CHANNEL_ID), [])
        return messages

    async def count_messages(self) -> None:
        """Count by item number, read from the embed title (a loopback link is never shown as
        the embed URL, S17, and some items have none, so the URL cannot be used here)."""
        messages = await self.channel_messages()
        self.result.embed_links = sum(
            1 for m in messages if any(e.get("url") for e in m.get("embeds") or [])
        )
        numbers = [
            int(found.group(1))
            for m in messages
            for embed in m.get("embeds") or []
            if (found := re.search(r"épisode (\d+)", str(embed.get("title") or "")))
        ]
        self.result.messages = len(messages)
        self.result.by_webhook = sum(1 for m in messages if m.get("webhook_id"))
        self.result.duplicates = len(numbers) - len(set(numbers))
        self.result.missing = len(set(range(self.config.entries)) - set(numbers))

    async def run(self) -> ChaosResult:
        started = time.monotonic()
        stand_in = await self.start_stand_in()
        try:
            app = feed_app(self.config.entries, page_delay=self.config.page_delay, stats=self.site)
            self.site.served = self.progress  # one event for both kinds of progress
            async with serve(app) as site:
                self.feed_url = f"{site}/feed.xml"
                await self.prepare_database()
                for _ in range(self.config.kills):
                    await self.one_kill()
                await self.finish()
                await self.count_messages()
        finally:
            stand_in.terminate()
            await stand_in.wait()
            self.log.close()
        self.result.wall_time = round(time.monotonic() - started, 1)
        self.result.modes = dict(self.modes)
        self.result.slowest_restart = round(self.result.slowest_restart, 2)
        return self.result


async def run_chaos(config: ChaosConfig) -> ChaosResult:
    if config.workdir is not None:
        config.workdir.mkdir(parents=True, exist_ok=True)
        return await Chaos(config, config.workdir).run()
    with tempfile.TemporaryDirectory(prefix="depeche-chaos-") as tmp:
        return await Chaos(config, Path(tmp)).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=__doc__)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--early", type=float, default=0.2, help="share of start-up kills")
    parser.add_argument("--during-poll", type=float, default=0.2, help="share of poll kills")
    parser.add_argument("--nonce-window", type=float, default=300.0)
    parser.add_argument("--page-delay", type=float, default=0.5)
    parser.add_argument("--post-delay", type=float, default=0.3)
    parser.add_argument("--workdir", type=Path, help="keep the database and bot.log here")
    parser.add_argument("--webhook", action="store_true", help="webhook identity: no nonce")
    args = parser.parse_args(argv)
    config = ChaosConfig(
        entries=args.entries, kills=args.kills, seed=args.seed, early=args.early,
        during_poll=args.during_poll,
        nonce_window=args.nonce_window, page_delay=args.page_delay, post_delay=args.post_delay,
        workdir=args.workdir, webhook=args.webhook,
    )  # fmt: skip
    result = asyncio.run(run_chaos(config))
    print(result.figures())
    ok = result.finished and not (result.duplicates or result.missing or result.integrity_failures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
