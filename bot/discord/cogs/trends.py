"""/trends [period] (/tendances, issue 11): the topics and people rising in this server's feeds
over the period (24 h by default) against the week before, from the archive, in French.

Thin: the server's feeds, the stored articles' topics of both windows (storage), the pure
comparison (``summarizer.trends``), one ephemeral embed."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.embeds import safe
from bot.discord.cogs.checks import now_of, services_of, storage_of
from summarizer.trends import BASELINE, Trend, rising

log = logging.getLogger(__name__)

PERIODS = {"6h": 6, "12h": 12, "24h": 24, "3j": 72}
PERIOD_CHOICES = [
    app_commands.Choice(name="6 hours", value="6h"),
    app_commands.Choice(name="12 hours", value="12h"),
    app_commands.Choice(name="24 hours", value="24h"),
    app_commands.Choice(name="3 days", value="3j"),
]
NOTHING = "Rien ne ressort pour le moment : pas assez d'articles nouveaux sur un même sujet."


def _line(trend: Trend) -> str:
    usual = "nouveau" if trend.expected == 0 else f"d'habitude {trend.expected:g}".replace(".", ",")
    rise = f"{trend.rise:g}".replace(".", ",")
    return f"**{safe(trend.term, 80)}** : {trend.count} articles ({usual}, ×{rise})"


class TrendsCog(commands.Cog):
    @app_commands.command(name="trends", description="Topics and people rising in the feeds")
    @app_commands.describe(period="Compared with the week before (default: 24 hours)")
    @app_commands.choices(period=PERIOD_CHOICES)
    @app_commands.guild_only()
    async def trends(self, interaction: discord.Interaction, period: str = "24h") -> None:
        assert interaction.guild is not None
        storage = storage_of(interaction)
        hours = PERIODS.get(period, 24)
        span = timedelta(hours=hours)
        now = now_of(services_of(interaction))
        feeds = sorted({s.feed_id for s in await storage.list_for_guild(interaction.guild.id)})
        recent = await storage.topics_between(feeds, now - span, now + timedelta(seconds=1))
        previous = await storage.topics_between(feeds, now - span - BASELINE, now - span)
        found = rising(recent, previous, period=span)
        label = f"{hours} h" if hours < 72 else "3 jours"
        embed = discord.Embed(
            title=f"Tendances des dernières {label}",
            description="\n".join(_line(t) for t in found) or NOTHING,
        )
        embed.set_footer(text=f"{len(recent)} articles comparés à la semaine d'avant")
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(TrendsCog())
