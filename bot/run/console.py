"""What the terminal shows: logging set-up, the French rendering of a summarized article, the
console-mode notices and banners, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from bot.delivery.dates import article_date
from bot.delivery.outbox import DeliveryNotice
from bot.errors import BotError
from bot.news.engine import FeedNotice
from bot.news.preparation import PreparedArticle
from bot.run.console_events import FAILURE_REASONS

T = TypeVar("T")

# Why a document could not be read (``SummarizerError.reason``), in words; the code stays in
# the log. Fetch reasons are console mode's ``FAILURE_REASONS``.
DOCUMENT_REASONS = {
    "empty": "aucun texte d'article n'a été trouvé",
    "too_short": "texte trop court pour un article (page d'accroche ou réservée aux abonnés ?)",
    "not_html": "ce n'est pas une page web (contenu binaire)",
    "not_a_feed": "ce n'est pas un flux RSS, Atom ou JSON Feed",
}
EMPTY_FEED = "Ce flux est valide mais ne contient aucun article pour le moment."


class UserFacingError(BotError):
    """An error whose message (French) is meant for the person at the terminal."""


def reason_words(reason: str | None) -> str:
    """A failure's reason code in French words, for the person at the terminal."""
    words = DOCUMENT_REASONS.get(reason or "") or FAILURE_REASONS.get(reason or "")
    return words or "raison inconnue (détails dans le journal technique)"


def format_date(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "date inconnue"
    return article_date(moment, timezone)


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

BACKFILL_FAILED = (
    "« {name} » : impossible d'afficher ses derniers articles pour l'instant (flux illisible ou "
    "analyse trop longue) ; ses prochains articles seront publiés."
)

CONSOLE_STARTED = (
    "Mode console actif : relève toutes les {minutes} min. Ctrl+C pour arrêter proprement."
)


def progress(items: list[T], label: str) -> Iterator[T]:
    """A progress bar on stderr while pages are fetched, only when stderr is a terminal (a file
    or a pipe would get carriage-return junk)."""
    if not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=label, unit="article", file=sys.stderr, leave=False)


async def print_notice(notice: FeedNotice | DeliveryNotice) -> None:
    """Console mode: a feed or delivery notice, on stderr."""
    print(f"[avertissement] {notice.message}", file=sys.stderr)
