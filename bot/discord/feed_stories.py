"""``/feed grouping`` and ``/feed why`` (issue 11): a subscription's grouping of the outlets
that tell one story, and what happened to an article in this server and why, as a base class of
``FeedsCog`` built on its ``/feed`` group (``story_commands``)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.embeds import safe
from bot.discord import feed_views
from bot.discord.cogs.checks import admin_only, storage_of
from bot.discord.error_handler import CommandFailed
from bot.discord.feed_choices import find_subscription, subscription_choices
from bot.discord.why_views import explain
from summarizer.errors import UrlError
from summarizer.urls import canonicalize_url

log = logging.getLogger(__name__)


def story_commands(
    feed: app_commands.Group, base: type[commands.Cog] = commands.Cog
) -> type[commands.Cog]:
    """A subclass of ``base`` with these two commands in the ``feed`` group (made anew with the
    group each time the extension loads)."""

    class StoryCommands(base):  # type: ignore[valid-type,misc]
        @feed.command(
            name="grouping", description="Post each story once, or every outlet's article"
        )
        @app_commands.describe(
            subscription="A subscription of this server",
            active="Group the outlets telling a story the channel already got (default: yes)",
        )
        @app_commands.autocomplete(subscription=subscription_choices)
        @admin_only
        async def grouping(
            self, interaction: discord.Interaction, subscription: str, active: bool
        ) -> None:
            storage = storage_of(interaction)
            assert interaction.guild is not None
            sub, feed = await find_subscription(storage, interaction.guild.id, subscription)
            await storage.set_grouping(sub.id, active)
            log.info("subscription grouping subscription_id=%s active=%s", sub.id, active)
            name = safe(feed_views.feed_title(feed), 200)
            text = (
                f"Regroupement activé pour **{name}** : un sujet déjà publié dans le salon depuis "
                "48 h complète le premier message (« Aussi chez : … ») au lieu d'être republié."
                if active
                else f"Regroupement désactivé pour **{name}** : chaque article est publié, même "
                "si le salon a déjà le sujet."
            )
            await interaction.response.send_message(text, ephemeral=True)

        @feed.command(name="why", description="What happened to an article in this server, and why")
        @app_commands.describe(link="The article's address")
        @admin_only
        async def why(self, interaction: discord.Interaction, link: str) -> None:
            storage = storage_of(interaction)
            assert interaction.guild is not None
            try:
                canonical = canonicalize_url(link.strip())
            except UrlError as exc:
                raise CommandFailed(
                    "Adresse invalide : donnez l'adresse complète de l'article."
                ) from exc
            subs = await storage.list_for_guild(interaction.guild.id)
            feeds = {sub.feed_id: await storage.get_feed(sub.feed_id) for sub in subs}
            trail = await storage.url_trail(list(feeds), canonical.rstrip("/").casefold())
            text = explain(canonical, trail, subs, feeds, guild_id=interaction.guild.id,
                           tz=interaction.client.settings.timezone)  # type: ignore[attr-defined]  # fmt: skip
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )

    return StoryCommands
