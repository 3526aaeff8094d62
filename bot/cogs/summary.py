"""/summary <url>: fetch through the guarded client, summarize off the event loop, reply with
the same embed as the posts. Deferred at once; one call per user per cooldown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.articles import PreparedArticle, prepare_url
from bot.cogs.checks import require, services_of
from bot.embeds import render_post
from bot.fetch_errors import GENERIC_MESSAGE, FetchError
from bot.workers import WorkerTimeout
from storage.records import StoredArticle
from summarizer.errors import SummarizerError

log = logging.getLogger(__name__)

UNREADABLE = "Je n'ai pas trouvé de texte d'article à résumer sur cette page."
TOO_SLOW = "Le résumé a pris trop de temps : réessayez plus tard."


def as_stored(prepared: PreparedArticle) -> StoredArticle:
    """The embed renderer takes stored articles; /summary stores nothing (id 0)."""
    new = prepared.to_new_article(None, None)
    return StoredArticle(
        id=0,
        feed_id=None,
        entry_key=None,
        url=new.url,
        title=new.title,
        summary=new.summary,
        text_origin=new.text_origin,
        authors=new.authors,
        topics=new.topics,
        published_at=new.published_at,
        source=new.source,
        site_name=new.site_name,
        image=new.image,
        created_at=datetime.now(UTC),
    )


def _cooldown_key(interaction: discord.Interaction) -> int:
    return interaction.user.id


def _cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    bot = interaction.client
    seconds = getattr(getattr(bot, "settings", None), "summary_cooldown_seconds", 30)
    return app_commands.Cooldown(1, float(seconds)) if seconds > 0 else None


class SummaryCog(commands.Cog):
    @app_commands.command(name="summary", description="Summarize an article from its address")
    @app_commands.describe(url="Article address (http or https)")
    @app_commands.checks.dynamic_cooldown(_cooldown, key=_cooldown_key)
    async def summary(self, interaction: discord.Interaction, url: str) -> None:
        await interaction.response.defer(thinking=True)
        services = services_of(interaction)
        require(services.fetcher, "téléchargement")
        require(services.workers, "résumé")
        settings = interaction.client.settings  # type: ignore[attr-defined]
        try:
            prepared = await prepare_url(
                url.strip(), fetcher=services.fetcher, workers=services.workers, settings=settings
            )
        except FetchError as exc:
            log.info("summary fetch failed interaction_id=%s error=%s", interaction.id, exc)
            await interaction.followup.send(exc.user_message or GENERIC_MESSAGE, ephemeral=True)
            return
        except SummarizerError as exc:
            log.info("summary failed interaction_id=%s reason=%s", interaction.id, exc.reason)
            await interaction.followup.send(UNREADABLE, ephemeral=True)
            return
        except WorkerTimeout:
            await interaction.followup.send(TOO_SLOW, ephemeral=True)
            return
        payload = render_post(as_stored(prepared), tz=settings.timezone)
        await interaction.followup.send(
            content=payload.content or None,
            embed=discord.Embed.from_dict(payload.embed),
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SummaryCog())
