"""``/feed export`` and ``/feed import``: the server's subscriptions as an OPML attachment, and
the feeds of an OPML attachment subscribed (``bot.news.opml``), as a base class of
``FeedsCog`` built on its ``/feed`` group (``transfer_commands``).

The attachment is checked before it is read: its size as Discord reports it (at most
``summarizer.opml.MAX_BYTES``), then the bytes read (the same cap), then the XML's safety
(``parse_opml``); every outline is validated as ``/feed add`` validates a source, within the
server's cap, and the French report says what was added, already there, or refused and why.
"""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.checks import (
    admin_only,
    fetcher_of,
    now_of,
    services_of,
    storage_of,
    workers_of,
)
from bot.discord.error_handler import CommandFailed
from bot.discord.feed_options import check_postable, target_channel
from bot.news.opml import export_guild, import_outlines
from summarizer.opml import MAX_BYTES, OpmlError, parse_opml

log = logging.getLogger(__name__)

EXPORT_NAME = "depeche-abonnements.opml"
TOO_BIG = f"Ce fichier est trop gros : {MAX_BYTES // 1024} Kio au plus pour un fichier OPML."


def transfer_commands(feed: app_commands.Group) -> type[commands.Cog]:
    """The base of ``FeedsCog`` with these two commands in its ``feed`` group (made anew with
    the group each time the extension loads)."""

    class TransferCommands(commands.Cog):
        @feed.command(name="export", description="Download this server's feeds as an OPML file")
        @admin_only
        async def export_(self, interaction: discord.Interaction) -> None:
            guild = interaction.guild
            assert guild is not None
            data = await export_guild(
                storage_of(interaction), guild.id, now=now_of(services_of(interaction))
            )
            count = data.count(b"<outline ")
            await interaction.response.send_message(
                f"Les {count} flux du serveur, au format OPML (pour un autre lecteur ou un autre "
                "serveur : /flux importer).",
                file=discord.File(io.BytesIO(data), filename=EXPORT_NAME),
                ephemeral=True,
            )

        @feed.command(name="import", description="Subscribe a channel to the feeds of an OPML file")
        @app_commands.describe(
            file="An OPML file (.opml), as feed readers export them",
            channel="Text or announcement channel, forum or thread to post in (default: this one)",
        )
        @admin_only
        async def import_(
            self,
            interaction: discord.Interaction,
            file: discord.Attachment,
            channel: discord.TextChannel
            | discord.ForumChannel
            | app_commands.AppCommandThread
            | None = None,
        ) -> None:
            if file.size > MAX_BYTES:
                raise CommandFailed(TOO_BIG)
            await interaction.response.defer(ephemeral=True, thinking=True)
            guild = interaction.guild
            assert guild is not None
            target = await target_channel(interaction, channel)
            check_postable(target, guild)
            try:
                data = await file.read()
            except discord.HTTPException as exc:
                raise CommandFailed("Je n'ai pas pu lire ce fichier : réessayez.") from exc
            try:
                if len(data) > MAX_BYTES:
                    raise CommandFailed(TOO_BIG)
                outlines = parse_opml(data)
            except OpmlError as exc:
                raise CommandFailed(f"Ce fichier OPML est refusé : {exc.detail}.") from exc
            services = services_of(interaction)
            report = await import_outlines(
                outlines, storage=storage_of(interaction), fetcher=fetcher_of(interaction),
                workers=workers_of(interaction), engine=services.engine, guild_id=guild.id,
                channel_id=target.id, user_id=interaction.user.id,
                cap=interaction.client.settings.max_feeds_per_guild,  # type: ignore[attr-defined]
                now=now_of(services),
            )  # fmt: skip
            log.info("opml import guild_id=%s outlines=%d", guild.id, len(report.lines))
            await interaction.followup.send(report.french(), ephemeral=True)

    return TransferCommands
