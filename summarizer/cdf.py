"""Microsoft's Channel Definition Format (CDF, 1997), the feeds of Internet Explorer's "active
channels": a ``<CHANNEL>`` root with ``<ITEM HREF=... LASTMOD=...>`` children, each holding a
``<TITLE>`` and an ``<ABSTRACT>``. feedparser reads its elements but leaves it without a
version; ``summarizer.feeds`` recognises it here and fixes what feedparser does not know:

* the channel's ``BASE`` attribute, against which its relative ``HREF``s resolve;
* the feed's home page is the root channel's ``HREF``, not a sub-channel's (feedparser keeps
  the last one it met);
* ``LASTMOD`` is GMT by the format's definition, written without a zone ("1998-11-05T22:12"),
  where a zone-less date elsewhere is read as Paris time.
"""

from __future__ import annotations

import html
import re
from typing import Any

from summarizer.urls import absolute_http_url

_ROOT_RE = re.compile(
    r"^(?:\s*<\?[^>]*\?>|\s*<!--.*?-->|\s*<!doctype[^>]*>)*\s*<channel[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_ROOT_TAG_RE = re.compile(r"<channel\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE_RE = r"\b{}\s*=\s*[\"']([^\"']+)"
_NAIVE_ISO_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?\s*$")
_HEAD = 1 << 16  # the prolog and the root's start tag are in the first 64 KiB


def is_cdf(text: str) -> bool:
    """Whether a decoded XML document's root element is a CDF ``<CHANNEL>``."""
    return _ROOT_RE.match(text[:_HEAD]) is not None


def _root_attribute(text: str, name: str) -> str | None:
    tag = _ROOT_TAG_RE.search(text[:_HEAD])
    found = re.search(_ATTRIBUTE_RE.format(name), tag.group(0), re.IGNORECASE) if tag else None
    return html.unescape(found.group(1)) if found else None


def cdf_base(text: str, base_url: str | None) -> str | None:
    """The URL relative ``HREF``s resolve against: the root channel's ``BASE`` (itself resolved
    against the document's URL) when it is usable http(s), else the document's URL."""
    base = _root_attribute(text, "base")
    return (absolute_http_url(base, base_url) if base else None) or base_url


def cdf_home(text: str, base_url: str | None) -> str | None:
    """The root channel's ``HREF``, resolved against ``base_url`` (None when absent)."""
    home = _root_attribute(text, "href")
    return absolute_http_url(home, base_url) if home else None


def cdf_dates_in_utc(raw_entries: list[Any]) -> None:
    """Mark each zone-less ``LASTMOD`` (feedparser's ``updated``) as UTC, in place."""
    for raw in raw_entries:
        value = dict.get(raw, "updated")
        if isinstance(value, str) and _NAIVE_ISO_RE.match(value):
            raw["updated"] = value.strip() + "Z"
