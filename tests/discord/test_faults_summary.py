"""/summary under pressure, through the real bot, guarded client and worker pool: abuse limits
(S11), slow pages and the deadline (X12), and errors kept private after the public deferral."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import web

from bot.discord.app import DepecheBot, Services
from bot.discord.cogs.summary import TOO_SLOW
from bot.discord.gate import BUSY, FULL
from bot.net.client import FetchLimits, GuardedClient
from bot.net.errors import GENERIC_MESSAGE
from bot.news.workers import WorkerPool
from bot.settings import Settings
from tests.discord.conftest import BotFactory
from tests.discord.test_summary import PAGE
from tests.discord_stand_in.driver import answered, slash, wait_for
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import Interaction
from tests.http.test_netguard import S1_BLOCKED

EPHEMERAL = 64
CALLBACK = r"/interactions/\d+/[^/]+/callback"


@dataclass
class SlowSite:
    """Article pages that answer after ``delay`` s, or only once ``release`` is set."""

    base: str = ""
    delay: float = 0.0
    release: asyncio.Event | None = None
    running: int = 0
    peak: int = 0
    hits: list[str] = field(default_factory=list)


@pytest.fixture
async def site() -> AsyncIterator[SlowSite]:
    state = SlowSite()

    async def article(request: web.Request) -> web.StreamResponse:
        state.hits.append(request.path)
        state.running += 1
        state.peak = max(state.peak, state.running)
        try:
            if state.release is not None:
                await state.release.wait()
            await asyncio.sleep(state.delay)
            return web.Response(text=PAGE, content_type="text/html")
        finally:
            state.running -= 1

    app = web.Application()
    app.router.add_get("/article/{n}", article)
    runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield state
    if state.release is not None:
        state.release.set()  # a page held forever by a test ends with it
    await runner.cleanup()


async def start_bot(make_bot: BotFactory, limits: FetchLimits | None = None) -> AsyncIterator[Any]:
    local = [ipaddress.ip_network("127.0.0.1/32")]
    workers = WorkerPool(size=2, mode="thread")
    async with GuardedClient(
        user_agent="Depeche-test",
        allowed_networks=local,
        limits=limits or FetchLimits(),
        per_host_concurrency=10,
    ) as fetcher:
        services = Services(fetcher=fetcher, workers=workers)
        bot = make_bot(services, cogs=("bot.discord.cogs.general", "bot.discord.cogs.summary"))
        async with running(bot):
            yield bot
    workers.close()


@pytest.fixture
async def summary_bot(stand_in: StandIn, make_bot: BotFactory) -> AsyncIterator[DepecheBot]:
    async for bot in start_bot(make_bot):
        yield bot


def refused_at_once(interaction: Interaction) -> bool:
    response = interaction.response or {}
    return response.get("type") == 4 and bool(response["data"]["flags"] & EPHEMERAL)


async def test_s11_one_user_twenty_calls_one_runs(
    stand_in: StandIn, summary_bot: DepecheBot, site: SlowSite
) -> None:
    site.release = asyncio.Event()
    calls = [await slash(stand_in, "summary", url=f"{site.base}/article/{n}") for n in range(20)]
    for call in calls:
        await wait_for(call, lambda i: i.responded)
    refused = [c for c in calls if refused_at_once(c)]
    assert len(refused) == 19
    assert {c.texts() for c in refused} <= {BUSY} | {
        c.texts() for c in refused if c.texts().startswith("Doucement")
    }
    site.release.set()
    [accepted] = [c for c in calls if not refused_at_once(c)]
    await answered(accepted)
    assert "Villeneuve" in accepted.followups[0]["embeds"][0]["title"]
    assert len(site.hits) == 1


async def test_s11_fifty_users_two_hundred_calls_three_in_flight(
    stand_in: StandIn, summary_bot: DepecheBot, site: SlowSite
) -> None:
    site.release = asyncio.Event()
    users = [951_000_000_000_000_000 + n for n in range(50)]
    for user_id in users:
        stand_in.world.add_user(user_id, f"lecteur{user_id % 100}")
    calls = [
        await slash(stand_in, "summary", user_id=users[n % 50], url=f"{site.base}/article/{n}")
        for n in range(200)
    ]
    for call in calls:  # every call got its answer (refusal or deferral) without waiting
        await wait_for(call, lambda i: i.responded)
    deferred = [c for c in calls if (c.response or {}).get("type") == 5]
    assert len(deferred) == 3 and site.peak <= 3
    refusals = [c for c in calls if refused_at_once(c)]
    assert len(refusals) == 197
    assert any(c.texts() == FULL for c in refusals)
    site.release.set()
    for call in deferred:
        await answered(call)
    assert site.peak <= 3 and len(site.hits) == 3
    assert not [r for r in stand_in.requests if r.status == 404]  # never a 10062


async def test_s11_a_call_in_flight_blocks_its_user_even_past_the_cooldown(
    stand_in: StandIn, make_bot: BotFactory, settings: Settings, site: SlowSite
) -> None:
    """S11: one call in flight per user, whatever the cooldown (a call may outlast it)."""
    site.release = asyncio.Event()
    no_cooldown = replace(settings, summary_cooldown_seconds=0)

    def make(*args: Any, **kwargs: Any) -> DepecheBot:
        return make_bot(*args, settings=no_cooldown, **kwargs)

    async for _bot in start_bot(make):
        first = await slash(stand_in, "summary", url=f"{site.base}/article/1")
        await wait_for(first, lambda i: i.responded)
        second = await wait_for(
            await slash(stand_in, "summary", url=f"{site.base}/article/2"), lambda i: i.responded
        )
        assert refused_at_once(second) and second.texts() == BUSY
        site.release.set()
        await answered(first)
        third = await answered(await slash(stand_in, "summary", url=f"{site.base}/article/3"))
        assert "Villeneuve" in third.followups[0]["embeds"][0]["title"]
    assert site.hits == ["/article/1", "/article/3"]


def _literal_url(address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}/article"


async def test_s1_every_blocked_address_through_summary(
    stand_in: StandIn, make_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """S1: each address of the checklist's table, given to /summary under the default policy,
    is refused by the guard (logged as ``blocked_address``) with the generic message."""
    caplog.set_level(logging.INFO, logger="bot.net.client")
    users = [952_000_000_000_000_000 + n for n in range(len(S1_BLOCKED))]
    workers = WorkerPool(size=1, mode="thread")
    async with GuardedClient(user_agent="Depeche-test") as fetcher:
        services = Services(fetcher=fetcher, workers=workers)
        bot = make_bot(services, cogs=("bot.discord.cogs.general", "bot.discord.cogs.summary"))
        async with running(bot):
            for user_id, address in zip(users, S1_BLOCKED, strict=True):
                stand_in.world.add_user(user_id, f"lecteur{user_id % 100}")
                call = await answered(
                    await slash(stand_in, "summary", user_id=user_id, url=_literal_url(address))
                )
                assert call.texts() == GENERIC_MESSAGE, address
                assert call.followup_public == [False]
    workers.close()
    refusals = [r for r in caplog.records if "reason=blocked_address" in r.getMessage()]
    assert len(refusals) == len(S1_BLOCKED)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_s10_blocked_refused_timeout_and_tls_read_the_same_in_summary(
    stand_in: StandIn, make_bot: BotFactory, site: SlowSite, caplog: pytest.LogCaptureFixture
) -> None:
    """S10: /summary against a blocked address, a refused connection, a timeout and a TLS
    error: the same generic private message; the real reason is only in the logs."""
    caplog.set_level(logging.INFO, logger="bot.net.client")
    site.delay = 3.0
    cases = {
        "blocked_address": "http://10.0.0.1/article",
        "connection_error": f"http://127.0.0.1:{_free_port()}/article",
        "timeout": f"{site.base}/article/1",
        "tls_error": site.base.replace("http://", "https://") + "/article/2",
    }
    users = [953_000_000_000_000_000 + n for n in range(len(cases))]
    calls = []
    async for _bot in start_bot(make_bot, FetchLimits(total=0.5, connect=0.5, sock_read=0.5)):
        for user_id, url in zip(users, cases.values(), strict=True):
            stand_in.world.add_user(user_id, f"lecteur{user_id % 100}")
            calls.append(await answered(await slash(stand_in, "summary", user_id=user_id, url=url)))
    assert [call.texts() for call in calls] == [GENERIC_MESSAGE] * len(cases)
    assert all(call.followup_public == [False] for call in calls)
    assert all(f"reason={reason}" in caplog.text for reason in cases)


async def test_x12_slow_page_is_deferred_at_once_and_answered(
    stand_in: StandIn, summary_bot: DepecheBot, site: SlowSite
) -> None:
    """X12: the deferral goes out while the page is still being fetched: the page is held
    until the stand-in has the deferral, so a bot that fetched first would never answer."""
    site.release = asyncio.Event()
    call = await slash(stand_in, "summary", url=f"{site.base}/article/1")
    await stand_in.wait_for_request("POST", CALLBACK)
    assert call.response is not None and call.response["type"] == 5
    assert not call.followups  # the page is held: nothing answered yet
    site.release.set()
    await answered(call)
    assert call.followup_public == [True]  # the summary itself is public
    assert "Villeneuve" in call.followups[0]["embeds"][0]["title"]


@pytest.mark.slow
async def test_x12_fifteen_second_page(
    stand_in: StandIn, summary_bot: DepecheBot, site: SlowSite
) -> None:
    site.delay = 15.0
    call = await slash(stand_in, "summary", url=f"{site.base}/article/1")
    await stand_in.wait_for_request("POST", CALLBACK)
    await answered(call)
    assert "Villeneuve" in call.followups[0]["embeds"][0]["title"]


async def test_x12_past_the_deadline_a_polite_private_answer(
    stand_in: StandIn, summary_bot: DepecheBot, site: SlowSite
) -> None:
    cog = summary_bot.get_cog("SummaryCog")  # loaded as an extension: a fresh module object
    assert cog is not None and hasattr(cog, "deadline")
    cog.deadline = 0.5
    site.release = asyncio.Event()  # the page never comes: only the deadline ends the call
    call = await answered(await slash(stand_in, "summary", url=f"{site.base}/article/1"))
    assert call.texts() == TOO_SLOW
    assert call.original_deleted and call.public_texts() == ""  # only the user saw it
    assert not [r for r in stand_in.requests if r.status >= 400]


async def test_errors_after_the_public_deferral_stay_private(
    stand_in: StandIn, summary_bot: DepecheBot
) -> None:
    call = await answered(await slash(stand_in, "summary", url="http://10.0.0.1/x"))
    assert call.response is not None and call.response["type"] == 5  # deferred publicly
    assert call.texts() == "Impossible de récupérer cette page."
    assert call.followups[0]["flags"] & EPHEMERAL
    assert call.original_deleted and call.followup_public == [False]


async def test_fetch_timeout_gives_the_generic_private_message(
    stand_in: StandIn, make_bot: BotFactory, site: SlowSite
) -> None:
    site.release = asyncio.Event()  # the page never comes: only the fetch deadline ends it
    async for _bot in start_bot(make_bot, FetchLimits(total=0.5, connect=0.5, sock_read=0.5)):
        call = await answered(await slash(stand_in, "summary", url=f"{site.base}/article/1"))
        assert call.texts() == "Impossible de récupérer cette page."
        assert call.followup_public == [False]
