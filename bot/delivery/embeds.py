"""Pure rendering of an article into a Discord message payload (S17-S22, P2).

The embed is a plain dict in Discord's JSON shape. Every article text is sanitised: HTML
entities decoded, tags dropped, control/bidi/invisible characters removed, NFC, markdown
escaped and mentions neutralised. Only http(s) URLs are used. Limits hold by construction.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.delivery.dates import article_date
from bot.delivery.references import footer_with
from bot.net.policy import GuardRefusal, check_url
from storage.records import StoredArticle

FOOTER = "Résumé automatique extractif · Dépêche"
SUMMARY_UNAVAILABLE = "Résumé indisponible pour cet article : ouvrez le lien pour le lire."
TITLE_MAX, DESCRIPTION_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX = 256, 4096, 256, 1024
AUTHOR_MAX, FOOTER_MAX, CONTENT_MAX, TOTAL_MAX, URL_MAX = 256, 2048, 2000, 6000, 2048
ELLIPSIS = "…"
ZWSP = "\u200b"

_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()-])")
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>", re.IGNORECASE)
_INVISIBLE = {
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x2028,
    0x2029,
    0xFEFF,
    0x061C,
}


@dataclass(frozen=True, slots=True)
class PostPayload:
    content: str
    embed: dict[str, Any]
    allowed_user_ids: tuple[int, ...] = field(default_factory=tuple)
    # Where the message goes besides a text channel (set by the outbox from the subscription):
    thread_name: str = ""  # a forum post's title
    tag_terms: tuple[str, ...] = ()  # the article's topics and source, matched to forum tags
    fallback_tag: int | None = None  # a forum's required tag when no other one matches
    crosspost: bool = False  # publish to the servers following an announcement channel
    discussion: bool = False  # open a thread under the message, for readers to discuss it
    webhook: bool = False  # sent through the channel's webhook, under ``username``
    username: str = ""  # the source's name, as the webhook message's author
    avatar_url: str | None = None  # the source's icon, as its avatar
    more_embeds: tuple[dict[str, Any], ...] = ()  # after ``embed``: a long digest (issue 11)


def clean_text(text: str, *, keep_newlines: bool = False) -> str:
    """Decode entities, drop tags and invisible/control characters, NFC-normalise."""
    text = _SCRIPT.sub(" ", text)
    text = html.unescape(_TAG.sub(" ", html.unescape(text)))
    text = _TAG.sub(" ", text)
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if ch == "\n" and keep_newlines:
            kept.append(ch)
        elif ch in "\t\n\r" or code in _INVISIBLE or 0xE0000 <= code <= 0xE007F:
            kept.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(ch)
    joined = "".join(kept)
    if keep_newlines:
        lines = (" ".join(line.split()) for line in joined.split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return " ".join(joined.split())


def neutralise(text: str) -> str:
    """Escape markdown and break every mention (zero-width space after the ``@``)."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    escaped = escaped.replace("@", "@" + ZWSP)
    return escaped.replace("<", "<" + ZWSP)


def safe(text: str | None, limit: int, *, keep_newlines: bool = False) -> str:
    return truncate(neutralise(clean_text(text or "", keep_newlines=keep_newlines)), limit)


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut.endswith("\\"):
        cut = cut[:-1]  # never leave a dangling escape
    return cut.rstrip() + ELLIPSIS


def http_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL without spaces or control characters."""
    if not url or len(url) > URL_MAX:
        return None
    if not re.match(r"^https?://[^\s/?#@]+[^\s]*$", url, re.IGNORECASE):
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in url):
        return None
    if _is_internal_host(url):
        return None
    return url


def _is_internal_host(url: str) -> bool:
    """S17: a link to an address the fetch policy refuses (private, loopback, link-local,
    metadata, in any notation: ``http://2130706433/``, NAT64, 6to4...) or to ``localhost`` is
    never shown as the embed link. Other refusals (a port, userinfo) do not hide a link."""
    try:
        check_url(url)
    except GuardRefusal as refusal:
        return refusal.reason == "blocked_address"
    return False


def _date_text(article: StoredArticle, tz: str) -> str | None:
    if article.published_at is None:
        return None
    return article_date(article.published_at, tz)


def _fields(article: StoredArticle, tz: str) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    source = article.source or article.site_name
    candidates = [
        ("Source", source),
        ("Auteur" if len(article.authors) < 2 else "Auteurs", ", ".join(article.authors)),
        ("Publié le", _date_text(article, tz)),
        ("Thèmes", ", ".join(article.topics[:6])),
    ]
    for name, value in candidates:
        text = safe(value, FIELD_VALUE_MAX)
        if text:
            fields.append({"name": name, "value": text, "inline": True})
    return fields


def render_post(
    article: StoredArticle,
    *,
    tz: str,
    mention_ids: Sequence[int] = (),
    reference: str | None = None,
    updated: bool = False,
) -> PostPayload:
    """The Discord payload for ``article``: content, one embed, and the users it may ping.

    ``reference`` (``bot.delivery.references``) ends the footer of a post from the outbox, so
    that reconciliation can recognise the message; previews and ``/summary`` have none."""
    embed: dict[str, Any] = {
        "title": safe(article.title, TITLE_MAX) or "Sans titre",
        "type": "rich",
    }
    url = http_url(article.url)
    if url:
        embed["url"] = url
    fields = _fields(article, tz)
    if fields:
        embed["fields"] = fields
    image = http_url(article.image)
    if image:
        embed["thumbnail"] = {"url": image}
    footer = footer_with(FOOTER, reference, updated=updated) if reference else FOOTER
    embed["footer"] = {"text": footer}
    used = len(embed["title"]) + sum(len(f["name"]) + len(f["value"]) for f in fields) + len(footer)
    description = safe(article.summary, min(DESCRIPTION_MAX, TOTAL_MAX - used), keep_newlines=True)
    embed["description"] = description or SUMMARY_UNAVAILABLE
    ids = tuple(dict.fromkeys(int(i) for i in mention_ids))
    content = truncate(" ".join(f"<@{i}>" for i in ids), CONTENT_MAX)
    return PostPayload(content=content, embed=embed, allowed_user_ids=ids)


def embed_length(embed: dict[str, Any]) -> int:
    """Discord's count of an embed's characters (title, description, fields, footer, author)."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len(embed.get("footer", {}).get("text", ""))
    return total + len(embed.get("author", {}).get("name", ""))
