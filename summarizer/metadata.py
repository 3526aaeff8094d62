"""Page decoding and metadata helpers for article extraction (pure, offline).

``decode_html`` turns raw page bytes into text (BOM, declared charset, then sensible fallbacks).
``read_page_metadata`` reads what trafilatura does not always expose: the exact publication
timestamp, ``article:tag`` / keywords, JSON-LD ``NewsArticle`` fields. ``split_authors`` turns a
byline into a tuple of names.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import html as lxml_html

from summarizer.boilerplate import clean_author
from summarizer.dates import parse_date
from summarizer.feed_input import codec_for_label

MAX_HTML_BYTES = 5 * 1024 * 1024
_SNIFF_BYTES = 4096
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_MAX_BYLINE_CHARS = 300
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|,|\||&|\bet\b|\band\b)\s*")
_AUTHOR_PREFIX_RE = re.compile(r"^(?:par|by)\s+", re.I)
_NOT_AUTHOR_RE = re.compile(r"^(?:la\s+|l['’])?r[ée]daction\b|^staff$|^admin$", re.I)


class NotHtmlError(ValueError):
    """The input is a binary blob, not a text document."""


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """Metadata read from ``<meta>`` tags and JSON-LD (empty values when absent)."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    categories: tuple[str, ...] = ()
    image: str | None = None
    site_name: str | None = None
    keywords: tuple[str, ...] = ()  # the keywords among the categories (meta, JSON-LD)


def is_binary(data: bytes) -> bool:
    """Whether ``data`` looks like a binary blob (magic number, NUL or control bytes)."""
    head = data[:1024]
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        return True
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return b"\x00" in head or controls > len(head) // 10


def decode_html(data: bytes) -> str:
    """Decode page bytes: BOM, then the declared charset, then UTF-8, then Windows-1252.

    Input longer than ``MAX_HTML_BYTES`` is truncated first; a multi-byte sequence cut by the
    truncation is dropped rather than taken as a sign of a wrong encoding.
    Raises ``NotHtmlError`` for a binary blob.
    """
    data = data[:MAX_HTML_BYTES]
    if is_binary(data):
        raise NotHtmlError("binary input")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    declared = _declared_charset(data[:_SNIFF_BYTES])
    for candidate in (declared or "utf-8", "utf-8"):
        text = _decode(data, candidate)
        if text is not None:
            return text
    return data.decode("cp1252", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    match = _CHARSET_RE.search(head)
    if match is None:
        return None
    # As browsers do (WHATWG): Latin-1 and ASCII mean windows-1252, GB2312 GB18030, and the
    # labels Python does not know ("x-gbk", "koi8", "x-cp1255"...) name their encoding.
    return codec_for_label(match.group(1).decode("ascii", errors="ignore"))


def _decode(data: bytes, encoding: str) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return str(decoder.decode(data, final=False))
    except UnicodeDecodeError:
        return None


def split_authors(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Split bylines into names: "Par A et B", "A, B", "A; B"; drop e-mails and "Rédaction",
    labels ("Auteur A", "Un documentaire de A") and web addresses (``boilerplate.clean_author``)."""
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else list(value)
    names: list[str] = []
    seen: set[str] = set()
    for raw in values:
        if len(raw) > _MAX_BYLINE_CHARS:
            continue
        without_emails = clean_author(" ".join(word for word in raw.split() if "@" not in word))
        for part in _AUTHOR_SPLIT_RE.split(without_emails):
            name = _AUTHOR_PREFIX_RE.sub("", " ".join(part.split())).strip(" -–—:()")
            name = clean_author(name)  # the strip may leave "Jean Dupont (AFP" unclosed
            if len(name) < 2 or _NOT_AUTHOR_RE.search(name) or name.casefold() in seen:
                continue
            seen.add(name.casefold())
            names.append(name)
    return tuple(names)


def parse_iso_datetime(value: str | None) -> datetime | None:
    """A page's date (``article:published_time``, JSON-LD): ``dates.parse_date``, which never
    raises (a hostile ``0001-01-01`` is None, not an ``OverflowError``) and reads naive times as
    Paris time."""
    return parse_date(value) if value else None


def read_page_metadata(root: lxml_html.HtmlElement) -> PageMetadata:
    """Read ``<meta>`` (Open Graph, article:*, keywords) and JSON-LD article metadata."""
    meta = _meta_values(root)
    ld = _json_ld_article(root)
    keywords = [
        *_keywords(meta.get("keywords", []) + meta.get("news_keywords", [])),
        *_keywords(_as_strings(ld.get("keywords"))),
    ]
    categories = [
        *meta.get("article:section", []),
        *_as_strings(ld.get("articleSection")),
        *meta.get("article:tag", []),
        *keywords,
    ]
    images = [*meta.get("og:image", []), *_as_strings(ld.get("image"))]
    published = parse_iso_datetime(
        _first(meta.get("article:published_time", []) + _as_strings(ld.get("datePublished")))
    )
    return PageMetadata(
        title=_first(meta.get("og:title", []) + _as_strings(ld.get("headline"))),
        authors=split_authors(_as_strings(ld.get("author")) or meta.get("author", [])),
        published=published,
        categories=_unique(categories),
        image=next((i for i in images if i.startswith(("http://", "https://"))), None),
        site_name=_first(meta.get("og:site_name", []) + _as_strings(ld.get("publisher"))),
        keywords=_unique(keywords),
    )


def _meta_values(root: lxml_html.HtmlElement) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for element in root.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = " ".join((element.get("content") or "").split())
        if key and content:
            values.setdefault(key.strip().lower(), []).append(content)
    return values


def _json_ld_article(root: lxml_html.HtmlElement) -> dict[str, object]:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _walk_ld(data):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                return item
    return {}


def _walk_ld(data: object, depth: int = 0) -> Iterator[dict[str, object]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_ld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _walk_ld(data.get("@graph"), depth + 1)


def _as_strings(value: object) -> list[str]:
    """Flatten a JSON-LD value: strings, ``{"name": ...}`` / ``{"url": ...}`` objects, lists."""
    if isinstance(value, str):
        return [" ".join(value.split())] if value.strip() else []
    if isinstance(value, dict):
        return _as_strings(value.get("name") or value.get("url"))
    if isinstance(value, list):
        return [s for item in value for s in _as_strings(item)]
    return []


def _keywords(values: Iterable[str]) -> list[str]:
    return [k.strip() for value in values for k in value.split(",") if k.strip()]


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return tuple(result)
