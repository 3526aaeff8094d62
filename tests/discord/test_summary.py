"""/summary through the real bot, the guarded client, the worker pool and a local page server."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.discord.app import DepecheBot, Services
from bot.discord.cogs.summary import A_FEED, UNAVAILABLE
from bot.net.client import GuardedClient
from bot.news.workers import WorkerPool
from tests.discord.conftest import BotFactory
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.patience import PATIENCE
from tests.servers import serve

PARAGRAPHS = [
    "Le conseil municipal de Villeneuve a adopté mardi soir un budget en hausse pour la "
    "rénovation des écoles primaires de la commune.",
    "Les travaux commenceront au printemps et dureront deux ans, selon le calendrier présenté "
    "par l'adjointe chargée de l'éducation.",
    "L'opposition a voté contre, jugeant le financement trop dépendant d'un emprunt à long terme.",
    "Les parents d'élèves se disent soulagés mais attendent des garanties sur la sécurité des "
    "enfants pendant le chantier.",
]
PAGE = (
    "<html><head><title>Villeneuve rénove ses écoles</title></head><body><article>"
    "<h1>Villeneuve rénove ses écoles</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 2)
    + "</article></body></html>"
)


@dataclass
class HeldPage:
    """The article page; while ``release`` is unset, requests wait for it."""

    url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def held_page() -> AsyncIterator[HeldPage]:
    state = HeldPage()
    state.release.set()

    async def article(request: web.Request) -> web.Response:
        await state.release.wait()
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/article", article)
    async with serve(app) as base:
        state.url = f"{base}/article"
        yield state
        state.release.set()


@pytest.fixture
def page_url(held_page: HeldPage) -> str:
    return held_page.url


@pytest.fixture
async def summary_bot(stand_in: StandIn, make_bot: BotFactory) -> AsyncIterator[DepecheBot]:
    local = [ipaddress.ip_network("127.0.0.1/32")]
    workers = WorkerPool(size=1, mode="thread", timeout=PATIENCE)
    async with GuardedClient(user_agent="Depeche-test", allowed_networks=local) as fetcher:
        services = Services(fetcher=fetcher, workers=workers)
        bot = make_bot(services, cogs=("bot.discord.cogs.general", "bot.discord.cogs.summary"))
        async with running(bot):
            yield bot
    workers.close()


async def test_summary_defers_at_once_then_answers_with_the_post_embed(
    stand_in: StandIn, summary_bot: DepecheBot, held_page: HeldPage
) -> None:
    """X12 and S18: the deferral comes before the page (held until the stand-in has it: a bot
    that fetched first would never answer); the public follow-up mentions nobody."""
    held_page.release.clear()
    interaction = await slash(stand_in, "summary", url=held_page.url)
    await stand_in.wait_for_request("POST", r"/interactions/\d+/[^/]+/callback")
    assert interaction.response is not None and interaction.response["type"] == 5
    assert not interaction.followups
    held_page.release.set()
    await answered(interaction)
    embed = interaction.followups[0]["embeds"][0]
    assert "Villeneuve" in embed["title"]
    assert "budget" in embed["description"]
    assert interaction.followups[0]["allowed_mentions"] == {"parse": []}


async def test_summary_of_a_feed_says_it_is_a_feed(
    stand_in: StandIn, summary_bot: DepecheBot
) -> None:
    """Issue 15: a feed's address is no article; its markup summarized as one was garbage."""
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Le Journal'
        "</title><item><title>Une nouvelle</title><link>https://exemple.fr/a</link></item>"
        "</channel></rss>"
    )

    async def feed(request: web.Request) -> web.Response:
        return web.Response(text=rss, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/flux.xml", feed)
    async with serve(app) as base:
        interaction = await answered(await slash(stand_in, "summary", url=f"{base}/flux.xml"))
    assert interaction.texts() == A_FEED
    assert A_FEED.startswith("Cette adresse est un flux, pas un article")


async def test_summary_of_a_private_address_gets_the_generic_message(
    stand_in: StandIn, summary_bot: DepecheBot
) -> None:
    interaction = await answered(await slash(stand_in, "summary", url="http://10.0.0.1/x"))
    assert interaction.texts() == "Impossible de récupérer cette page."


async def test_summary_cooldown_per_user(stand_in: StandIn, summary_bot: DepecheBot) -> None:
    """S11: a second call from the same user within the cooldown is refused privately."""
    await answered(await slash(stand_in, "summary", url="http://10.0.0.1/x"))
    second = await answered(await slash(stand_in, "summary", url="http://10.0.0.1/y"))
    assert second.texts().startswith("Doucement")
    assert second.response is not None and second.response["data"]["flags"] & 64


class _BrokenWorkers:
    """A worker pool whose processes keep dying (what WorkerPool re-raises after one retry)."""

    async def run(self, fn: object, *args: object, **options: object) -> object:
        raise BrokenProcessPool("the workers died")


async def test_summary_with_a_broken_worker_pool_answers_privately(
    stand_in: StandIn, make_bot: BotFactory, page_url: str
) -> None:
    local = [ipaddress.ip_network("127.0.0.1/32")]
    async with GuardedClient(user_agent="Depeche-test", allowed_networks=local) as fetcher:
        services = Services(fetcher=fetcher, workers=_BrokenWorkers())
        bot = make_bot(services, cogs=("bot.discord.cogs.general", "bot.discord.cogs.summary"))
        async with running(bot):
            interaction = await answered(await slash(stand_in, "summary", url=page_url))
    assert interaction.texts() == UNAVAILABLE
    assert interaction.original_deleted and interaction.followup_public == [False]
