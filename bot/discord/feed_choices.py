"""What the ``/feed`` commands look up: a subscription of the guild from an autocomplete value
or a typed title, and the autocomplete choices of sources and subscriptions (which never
raise)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord import feed_views
from bot.discord.cogs.checks import services_of
from bot.discord.error_handler import CommandFailed
from storage.records import FeedRecord, Subscription
from storage.storage import Storage
from summarizer.catalogue import search_sources

log = logging.getLogger(__name__)

UNKNOWN_SUBSCRIPTION = (
    "Je ne trouve pas cet abonnement sur ce serveur : choisissez-le dans la liste."
)


async def find_subscription(
    storage: Storage, guild_id: int, value: str
) -> tuple[Subscription, FeedRecord]:
    """A subscription of this guild from an autocomplete value (its id) or a typed title/URL."""
    text = value.strip()
    subscriptions = await storage.list_for_guild(guild_id)
    for sub in subscriptions:
        if text.isdigit() and sub.id == int(text):
            return sub, await storage.get_feed(sub.feed_id)
    folded = text.casefold()
    for sub in subscriptions:
        feed = await storage.get_feed(sub.feed_id)
        if folded and folded in (feed.title.casefold(), feed.url.casefold()):
            return sub, feed
    raise CommandFailed(UNKNOWN_SUBSCRIPTION)


async def source_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    try:
        return [
            app_commands.Choice(name=f"{s.name} — {s.description}"[:100], value=s.slug)
            for s in search_sources(current, limit=25)
        ]
    except Exception:  # autocomplete never raises
        log.exception("source autocomplete failed")
        return []


async def subscription_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    try:
        storage = services_of(interaction).storage
        if storage is None or interaction.guild is None:
            return []
        folded = current.strip().casefold()
        choices: list[app_commands.Choice[str]] = []
        for sub in await storage.list_for_guild(interaction.guild.id):
            feed = await storage.get_feed(sub.feed_id)
            channel = interaction.guild.get_channel(sub.channel_id)
            name = feed_views.choice_name(sub, feed, channel.name if channel else None)
            if folded in name.casefold():
                choices.append(app_commands.Choice(name=name, value=str(sub.id)))
        return choices[:25]
    except Exception:  # autocomplete never raises
        log.exception("subscription autocomplete failed")
        return []
