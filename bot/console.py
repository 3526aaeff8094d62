"""What the terminal shows: logging set-up, the French rendering of a summarized article, and
``summarize_source`` for the ``summarize`` command (a local file or an http(s) URL)."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.articles import PreparedArticle
from bot.errors import BotError
from bot.settings import Settings

T = TypeVar("T")

_SECRET = re.compile(r"([A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,})")
_HTML_SNIFF = re.compile(rb"<(!doctype html|html|head|body|article|p[\s>]|div)", re.IGNORECASE)


class UserFacingError(BotError):
    """An error whose message (French) is meant for the person at the terminal."""


class _RedactTokens(logging.Filter):
    """Never let something shaped like a Discord token reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub("[jeton masqué]", message)
            record.args = ()
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))


def summarize_source(source: str, settings: Settings) -> PreparedArticle:
    """Summarize a local file (HTML or plain text) or an http(s) URL."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source):
        from bot.runner import summarize_url

        return asyncio.run(summarize_url(settings, source))
    path = Path(source)
    if not path.is_file():
        raise UserFacingError(f"fichier introuvable : {source}")
    return prepare_file(path, settings)


def prepare_file(path: Path, settings: Settings) -> PreparedArticle:
    """A local document, summarized in this process (a CLI has no event loop to protect)."""
    from summarizer.article import article_from_text, extract_article
    from summarizer.errors import SummarizerError
    from summarizer.summary import summarize
    from summarizer.topics import topics_for

    data = path.read_bytes()
    try:
        if _HTML_SNIFF.search(data[:4096]):
            article = extract_article(data)
        else:
            article = article_from_text(data.decode("utf-8", errors="replace"))
    except SummarizerError as exc:
        raise UserFacingError(f"impossible de lire un article dans {path} ({exc.reason})") from exc
    summary = summarize(
        article.text,
        title=article.title,
        max_sentences=settings.summary_max_sentences,
        max_chars=settings.summary_max_chars,
        algorithm=settings.summary_algorithm,
    )
    topics = topics_for(article.title, article.categories, article.text)
    return PreparedArticle(article=article, summary=summary, topics=topics, source_name=None)


def format_date(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "date inconnue"
    local = moment.astimezone(ZoneInfo(timezone))
    return str(format_datetime(local, "d MMMM y 'à' HH:mm", locale="fr_FR"))


def format_prepared(prepared: PreparedArticle, timezone: str) -> str:
    article = prepared.article
    lines = [article.title or "(sans titre)"]
    lines.append("=" * min(len(lines[0]), 80))
    lines.append(f"Auteur : {', '.join(article.authors) or 'inconnu'}")
    lines.append(f"Date : {format_date(article.published, timezone)}")
    if article.source:
        lines.append(f"Source : {article.source}")
    if prepared.source_name or article.site_name:
        lines.append(f"Publié par : {prepared.source_name or article.site_name}")
    if article.url:
        lines.append(f"Lien : {article.url}")
    if prepared.topics:
        lines.append(f"Sujets : {', '.join(prepared.topics)}")
    lines.append("")
    lines.append(prepared.summary.text or "(aucun résumé : texte trop court)")
    return "\n".join(lines)


def prepared_to_json(prepared: PreparedArticle) -> dict[str, Any]:
    article = prepared.article
    return {
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "source": article.source,
        "site_name": prepared.source_name or article.site_name,
        "url": article.url,
        "topics": list(prepared.topics),
        "summary": prepared.summary.text,
        "sentences": list(prepared.summary.sentences),
        "algorithm": prepared.summary.algorithm,
        "text_origin": str(article.origin),
    }


NO_TOKEN_BANNER = """\
Aucun jeton Discord (DISCORD_TOKEN) : Dépêche démarre en mode console.
Il relève les flux par défaut (DEFAULT_FEEDS) et affiche ici ce qu'il publierait.

Pour le brancher sur Discord :
  1. https://discord.com/developers/applications > New Application > onglet Bot > Reset Token ;
  2. copiez .env.example en .env et collez le jeton après DISCORD_TOKEN= ;
  3. OAuth2 > URL Generator : scopes « bot » et « applications.commands », permissions
     « View Channels », « Send Messages », « Embed Links », « Read Message History » ;
     ouvrez l'URL pour inviter le bot ;
  4. relancez « make run ». Le README détaille chaque étape.
"""

UNKNOWN_DEFAULT_FEED = (
    "DEFAULT_FEEDS : « {name} » n'est ni un nom du catalogue (voir « depeche sources ») ni une "
    "adresse http(s) ; ignoré."
)

CONSOLE_STARTED = (
    "Mode console actif : relève toutes les {minutes} min. Ctrl+C pour arrêter proprement."
)


def progress(items: list[T], label: str) -> Iterator[T]:
    """A progress bar on the terminal (stderr) while pages are fetched."""
    from tqdm import tqdm

    yield from tqdm(items, desc=label, unit="article", file=sys.stderr, leave=False)
