"""Discord mode: the bot logs in, builds its services in ``setup_hook`` and runs until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

import discord

from bot.discord.app import DepecheBot, Services, create_bot
from bot.discord.notifier import DiscordNotifier
from bot.discord.publisher import DiscordPublisher
from bot.run.runtime import CONSOLE_GUILD, open_runtime, wait_for_stop_signal
from bot.settings import Settings

log = logging.getLogger(__name__)

INVALID_TOKEN = (
    "Discord a refusé le jeton (DISCORD_TOKEN) : vérifiez-le dans .env ou régénérez-le dans le "
    "portail des développeurs (onglet Bot > Reset Token)."
)


def services_factory(settings: Settings, stack: contextlib.AsyncExitStack):  # type: ignore[no-untyped-def]
    """The ``build_services`` hook of ``DepecheBot``: awaited once, in ``setup_hook``."""

    async def build(bot: DepecheBot) -> Services:
        notifier = DiscordNotifier(bot)
        publisher = DiscordPublisher(bot)
        runtime = await stack.enter_async_context(
            open_runtime(
                settings,
                publisher,
                on_feed_notice=notifier.feed_notice,
                on_delivery_notice=notifier.delivery_notice,
            )
        )
        notifier.cooldown = runtime.delivery.cooldown  # X4: notices wait out Discord's pauses
        publisher.attach_webhooks(runtime.storage)  # webhook identity: one webhook per channel
        for subscription in await runtime.storage.list_for_guild(CONSOLE_GUILD):
            await runtime.storage.remove_subscription(subscription.id)  # console-mode leftovers
        return Services(
            storage=runtime.storage,
            fetcher=runtime.fetcher,
            engine=runtime.engine,
            scheduler=runtime.scheduler,
            workers=runtime.workers,
            closers=[stack.aclose],
        )

    return build


def _apply_test_endpoints(settings: Settings) -> None:
    """``DISCORD_API_BASE``/``DISCORD_GATEWAY_URL``: only for the stand-in used by tests."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def run_discord(settings: Settings) -> int:
    _apply_test_endpoints(settings)
    async with contextlib.AsyncExitStack() as stack:
        bot = create_bot(settings, services_factory(settings, stack))
        runner = asyncio.create_task(bot.start(settings.discord_token), name="discord")
        stopper = asyncio.create_task(wait_for_stop_signal(), name="signals")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stop signal received, closing")
        await bot.close()
        stopper.cancel()
        try:
            await runner
        except discord.LoginFailure:
            print(INVALID_TOKEN, file=sys.stderr)
            return 1
        except discord.PrivilegedIntentsRequired:
            print("Discord refuse un intent privilégié.", file=sys.stderr)
            return 1
    return 0
