"""JSON Feed 1 and 1.1 (https://jsonfeed.org/version/1.1) read into feedparser's shapes.

Each item becomes the dictionary feedparser would have built for an RSS item (``title``,
``link``, ``id``, ``summary``, ``content``, ``authors``, ``tags``, dates, ``enclosures``), so
``summarizer.feeds`` applies the very same limits, keys and cleaning to it. ``content_html``
goes through feedparser's own HTML sanitizer, as RSS and Atom content does. Hostile JSON (wrong
types, deep nesting, huge arrays) gives fewer fields or ``FeedError``, never another error.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import feedparser.sanitizer

from summarizer.errors import FeedError

VERSION_RE = re.compile(r"^https?://jsonfeed\.org/version/1(?:\.\d+)?/?$")
MAX_ITEMS = 2_000  # read at most this many items (the feed module keeps fewer)
MAX_LIST = 50  # authors, tags, attachments of one item
_SANITIZE: Callable[[str, str, str], str] | None = getattr(
    feedparser.sanitizer, "_sanitize_html", None
)


_SNIFF = 4096


def looks_like_json_feed(text: str, tail: str = "") -> bool:
    """Cheap check on a decoded document: an object naming a JSON Feed version near its start
    or its end (``tail``, else the end of ``text``): a serializer that sorts keys (Go's maps,
    ``sort_keys=True``) writes ``version`` last, after every item."""
    head = text[:_SNIFF].lstrip("\ufeff \t\r\n")
    if not head.startswith("{"):
        return False
    ends = (head, tail[-_SNIFF:] if tail else text[-_SNIFF:])
    return any("jsonfeed.org/version/1" in end.replace("\\/", "/") for end in ends)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _objects(value: object) -> list[dict[str, Any]]:
    items = _list(value)
    return [item for item in items[:MAX_LIST] if isinstance(item, dict)]


def _sanitized(markup: str) -> str:
    if _SANITIZE is None:  # a feedparser without its sanitizer: keep the text only
        return html.escape(markup)
    return str(_SANITIZE(markup, "utf-8", "text/html"))


def _paragraphs(text: str) -> str:
    """Plain ``content_text`` as HTML paragraphs (escaped), for the feed fallback's reader."""
    parts = (part.strip() for part in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html.escape(part)}</p>" for part in parts if part)


def _authors(item: dict[str, Any], feed: dict[str, Any]) -> list[dict[str, str]]:
    for owner in (item, feed):
        people = _objects(owner.get("authors")) or _objects([owner.get("author")])
        names = [{"name": name} for person in people if (name := _text(person.get("name")))]
        if names:
            return names
    return []


def _images(item: dict[str, Any]) -> list[dict[str, str]]:
    found = [
        {"href": url, "type": "image/*"}
        for key in ("image", "banner_image")
        if (url := _text(item.get(key)))
    ]
    for attachment in _objects(item.get("attachments")):
        kind = _text(attachment.get("mime_type"))
        if kind.startswith("image/") and (url := _text(attachment.get("url"))):
            found.append({"href": url, "type": kind})
    return found


def _raw_item(item: dict[str, Any], feed: dict[str, Any]) -> dict[str, Any]:
    content_html = _text(item.get("content_html"))
    content_text = _text(item.get("content_text"))
    body = _sanitized(content_html) if content_html else _paragraphs(content_text)
    tags = _list(item.get("tags"))
    raw: dict[str, Any] = {
        "title": html.escape(_text(item.get("title"))),  # plain text in JSON Feed
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "id": _text(item.get("id")),
        "summary": html.escape(_text(item.get("summary"))),
        "content": [{"value": body, "type": "text/html"}] if body else [],
        "authors": _authors(item, feed),
        "tags": [{"term": term} for tag in tags[:MAX_LIST] if (term := _text(tag))],
        "enclosures": _images(item),
    }
    for field, key in (("published", "date_published"), ("updated", "date_modified")):
        if value := _text(item.get(key)):
            raw[field] = value
    return raw


def parse_json_feed(text: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The feed's title, home page and items (feedparser-shaped) of a JSON Feed document.

    Raises ``FeedError("not_a_feed")`` for invalid JSON or an object that is not a JSON Feed.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FeedError("not_a_feed", detail=f"invalid JSON: {type(exc).__name__}") from exc
    if not isinstance(document, dict) or not VERSION_RE.match(_text(document.get("version"))):
        raise FeedError("not_a_feed", detail="JSON without a JSON Feed version")
    items = _list(document.get("items"))
    raw_items = [_raw_item(item, document) for item in items[:MAX_ITEMS] if isinstance(item, dict)]
    title = html.escape(_text(document.get("title")))
    return title, _text(document.get("home_page_url")), raw_items
