"""/summary <url>: fetch through the guarded client, summarize off the event loop, reply with
the same embed as the posts.

Admission first (S11, ``bot.discord.gate.SummaryGate``): one call in flight per user, a
cooldown, three calls at most overall; a refusal is immediate and ephemeral. Then a public
deferral (X12); the summary is public, errors are private: the placeholder is deleted and the
message is sent ephemerally. The whole call has a deadline, after which the user gets a polite
message."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import BrokenExecutor
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.embeds import render_post
from bot.discord.cogs.checks import services_of
from bot.discord.error_handler import reply_ephemeral
from bot.discord.gate import SummaryGate
from bot.net.errors import FetchError
from bot.news.preparation import IS_A_FEED, PreparedArticle, prepare_url
from bot.news.workers import WorkerTimeout
from storage.records import StoredArticle
from summarizer.errors import SummarizerError

log = logging.getLogger(__name__)

UNREADABLE = "Je n'ai pas trouvé de texte d'article à résumer sur cette page."
A_FEED = "Cette adresse est un flux, pas un article : « /flux ajouter » l'abonne à un salon."
TOO_SLOW = "Le résumé a pris trop de temps : réessayez plus tard."
UNAVAILABLE = "Le résumé n'est pas disponible pour le moment : réessayez plus tard."
SUMMARY_DEADLINE = 60.0  # fetch (20 s) + extraction and summary (10 s each) + margin
MAX_IN_FLIGHT = 3  # /summary calls running at once, all users together (S11)


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


class SummaryCog(commands.Cog):
    def __init__(self, gate: SummaryGate, deadline: float = SUMMARY_DEADLINE) -> None:
        self.gate = gate
        self.deadline = deadline

    @app_commands.command(name="summary", description="Summarize an article from its address")
    @app_commands.describe(url="Article address (http or https)")
    async def summary(self, interaction: discord.Interaction, url: str) -> None:
        refusal = self.gate.enter(interaction.user.id)  # S11: refused at once, privately
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        try:
            await interaction.response.defer(thinking=True)  # X12: within 3 s, always
            await self._answer(interaction, url)
        finally:
            self.gate.leave(interaction.user.id)

    async def _answer(self, interaction: discord.Interaction, url: str) -> None:
        services = services_of(interaction)
        if services.fetcher is None or services.workers is None:
            await reply_ephemeral(interaction, UNAVAILABLE)
            return
        settings = interaction.client.settings  # type: ignore[attr-defined]
        try:
            async with asyncio.timeout(self.deadline):
                prepared = await prepare_url(
                    url.strip(), fetcher=services.fetcher, workers=services.workers,
                    settings=settings,
                )  # fmt: skip
        except FetchError as exc:
            log.info("summary fetch failed interaction_id=%s error=%s", interaction.id, exc)
            await reply_ephemeral(interaction, exc.user_message)
            return
        except SummarizerError as exc:
            log.info("summary failed interaction_id=%s reason=%s", interaction.id, exc.reason)
            await reply_ephemeral(interaction, A_FEED if exc.reason == IS_A_FEED else UNREADABLE)
            return
        except (WorkerTimeout, TimeoutError):
            log.info("summary too slow interaction_id=%s", interaction.id)
            await reply_ephemeral(interaction, TOO_SLOW)
            return
        except BrokenExecutor:  # the worker pool died under this task twice (see bot.news.workers)
            log.warning("summary worker pool broken interaction_id=%s", interaction.id)
            await reply_ephemeral(interaction, UNAVAILABLE)
            return
        payload = render_post(as_stored(prepared), tz=settings.timezone)
        await interaction.followup.send(
            content=payload.content,
            embed=discord.Embed.from_dict(payload.embed),
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: commands.Bot) -> None:
    settings = getattr(bot, "settings", None)
    cooldown = float(getattr(settings, "summary_cooldown_seconds", 30))
    await bot.add_cog(SummaryCog(SummaryGate(cooldown=cooldown, max_in_flight=MAX_IN_FLIGHT)))
