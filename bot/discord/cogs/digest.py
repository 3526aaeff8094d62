"""/digest now (/revue maintenant, issue 11): the day's press review of this server on demand,
for anyone; ephemeral unless an admin asks for it in public.

Thin: the server's feeds, the articles stored since local midnight with their stories, the pure
ranking (``summarizer.digest``) and embed (``bot.delivery.digests``). The scheduled digest
(``/digest schedule``, ``/digest stop``) is not written yet.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.digests import digest_embed
from bot.delivery.formats import first_sentence
from bot.discord.cogs.checks import now_of, services_of, storage_of
from bot.discord.error_handler import CommandFailed
from summarizer.digest import DigestArticle, digest_day, local_instant, rank_stories

log = logging.getLogger(__name__)

ONLY_ADMINS_PUBLIC = (
    "Seuls les membres qui gèrent le serveur peuvent publier la revue dans le salon."
)


class DigestCog(commands.Cog):
    digest = app_commands.Group(
        name="digest", description="The day's main stories on this server", guild_only=True
    )

    @digest.command(name="now", description="Show today's press review")
    @app_commands.describe(public="Post it in the channel for everyone (admins)")
    async def now(self, interaction: discord.Interaction, public: bool = False) -> None:
        guild = interaction.guild
        assert guild is not None
        member = interaction.user
        is_admin = isinstance(member, discord.Member) and member.guild_permissions.manage_guild
        if public and not is_admin:
            raise CommandFailed(ONLY_ADMINS_PUBLIC)
        storage = storage_of(interaction)
        tz = interaction.client.settings.timezone  # type: ignore[attr-defined]
        moment: datetime = now_of(services_of(interaction))
        day = digest_day(moment, tz)
        subs = await storage.list_for_guild(guild.id)
        since = local_instant(day, time(0), tz)
        stored = await storage.articles_since(sorted({s.feed_id for s in subs}), since)
        articles = [
            DigestArticle(
                story=item.story,
                title=item.article.title,
                sentence=first_sentence(item.article.summary),
                source=item.article.source or item.article.site_name or "",
                url=item.article.url,
                published=item.article.published_at or item.article.created_at,
            )
            for item in stored
        ]
        embed = digest_embed(day, rank_stories(articles))
        log.info("digest shown guild_id=%s articles=%d public=%s", guild.id, len(articles), public)
        await interaction.response.send_message(
            embed=discord.Embed.from_dict(embed),
            ephemeral=not public,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DigestCog())
