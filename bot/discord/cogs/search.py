"""/summaries [topic] [author] [count]: the latest stored articles on a topic or by an author.

Full-text search in storage (accent- and case-insensitive), newest first, shown as compact
embeds: linked title, date, source and the summary's first sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.dates import article_date
from bot.delivery.embeds import http_url, safe
from bot.discord.cogs.checks import services_of, storage_of
from storage.records import StoredArticle
from storage.storage import Storage
from summarizer.sentences import split_sentences

log = logging.getLogger(__name__)

TITLE_MAX, LINE_MAX = 200, 300  # 10 embeds stay well under Discord's 6000 characters per message
NOTHING_ASKED = (
    "Indiquez un thème ou un auteur, par exemple /résumés thème: climat ou /résumés auteur: Dupont."
)
NOTHING_FOUND = "Je n'ai trouvé aucun article enregistré {what}. Essayez un autre mot."


async def find_articles(
    storage: Storage, *, topic: str | None, author: str | None, count: int
) -> list[StoredArticle]:
    """Articles matching the topic and the author (either may be missing), newest first."""
    found: list[StoredArticle] = await storage.search_articles(
        ("topic", topic), ("author", author), limit=count
    )
    return found


def first_sentence(summary: str) -> str:
    sentences = split_sentences(summary)
    return sentences[0] if sentences else summary


def article_embed(article: StoredArticle, *, tz: str) -> discord.Embed:
    """One compact embed: linked title, then date · source, then the first sentence."""
    embed = discord.Embed(title=safe(article.title, TITLE_MAX) or "Sans titre", colour=0x1F6FEB)
    url = http_url(article.url)
    if url:
        embed.url = url
    meta = []
    if article.published_at is not None:
        meta.append(article_date(article.published_at, tz))
    source = article.source or article.site_name
    if source:
        meta.append(safe(source, 80))
    line = safe(first_sentence(article.summary), LINE_MAX)
    embed.description = "\n".join(part for part in (" · ".join(meta), line) if part)
    return embed


def described(topic: str | None, author: str | None) -> str:
    parts = []
    if topic:
        parts.append(f"sur « {safe(topic, 80)} »")
    if author:
        parts.append(f"de « {safe(author, 80)} »")
    return " ".join(parts)


def term_autocomplete(
    method: str,
) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    """Autocomplete from the known topics (or authors); never raises."""

    async def choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            storage = services_of(interaction).storage
            if storage is None:
                return []
            terms = await getattr(storage, method)(current, limit=25)
            return [app_commands.Choice(name=t[:100], value=t[:100]) for t in terms if t][:25]
        except Exception:
            log.exception("term autocomplete failed method=%s", method)
            return []

    return choices


class SearchCog(commands.Cog):
    @app_commands.command(
        name="summaries", description="Latest stored articles on a topic or by an author"
    )
    @app_commands.describe(
        topic="Topic or keywords", author="Author name", count="How many articles (1-10)"
    )
    @app_commands.autocomplete(
        topic=term_autocomplete("known_topics"), author=term_autocomplete("known_authors")
    )
    async def summaries(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        author: str | None = None,
        count: app_commands.Range[int, 1, 10] = 5,
    ) -> None:
        if not (topic and topic.strip()) and not (author and author.strip()):
            await interaction.response.send_message(NOTHING_ASKED, ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        storage = storage_of(interaction)
        articles = await find_articles(storage, topic=topic, author=author, count=count)
        if not articles:
            await interaction.followup.send(NOTHING_FOUND.format(what=described(topic, author)))
            return
        tz = interaction.client.settings.timezone  # type: ignore[attr-defined]
        await interaction.followup.send(
            content=f"Derniers articles {described(topic, author)} :",
            embeds=[article_embed(a, tz=tz) for a in articles],
            allowed_mentions=discord.AllowedMentions.none(),
        )
        log.info("summaries answered interaction_id=%s count=%d", interaction.id, len(articles))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SearchCog())
