"""Feed discovery: which feed does an HTML page advertise? And does a body look like a feed?

``discover_feeds`` reads the page's ``<link rel="alternate">`` declarations (RSS, then Atom,
then JSON Feed and other XML types; comment feeds last), resolves them against the page URL
(and ``<base href>``), canonicalises and deduplicates them; links in the body whose address
looks like a feed (".rss", "/feed", "/rss", ...) come after, as a weaker fallback.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from summarizer.cdf import is_cdf
from summarizer.errors import UrlError
from summarizer.feed_input import decode_feed
from summarizer.json_feed import looks_like_json_feed
from summarizer.urls import canonicalize_url

MAX_RESULTS = 20
MAX_HTML = 5 * 1024 * 1024
SNIFF_BYTES = 2048

# Declared feed types, best first.
FEED_TYPES = {
    "application/rss+xml": 0,
    "application/atom+xml": 1,
    "application/rdf+xml": 2,
    "application/feed+json": 3,
    "application/xml": 4,
    "text/xml": 4,
    "application/json": 5,
}
_HINT_RE = re.compile(
    r"(?:\.rss|\.atom|\.rdf|/feeds?/?|/rss/?|/atom/?|/rss\.xml|/feed\.xml|/atom\.xml"
    r"|/rss/[\w-]+\.xml|[?&](?:feed|format)=(?:rss|atom))$",
    re.IGNORECASE,
)
_COMMENTS_RE = re.compile(r"comment", re.IGNORECASE)
_FEED_ROOT_RE = re.compile(r"<(?:rss|feed|rdf:rdf)[\s>/]", re.IGNORECASE)
_HTML_ROOT_RE = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)


def _parse_html(html: bytes) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html[:MAX_HTML])
    except (etree.ParserError, ValueError):
        return None


def _base(root: lxml.html.HtmlElement, base_url: str) -> str:
    for href in root.xpath("//head/base/@href"):
        try:
            return canonicalize_url(str(href), base_url)
        except UrlError:
            break
    return base_url


def _declared(root: lxml.html.HtmlElement) -> list[tuple[int, int, str]]:
    """(rank, position, href) of each <link rel="alternate"> with a feed type."""
    found: list[tuple[int, int, str]] = []
    for position, link in enumerate(root.iter("link")):
        rels = str(link.get("rel") or "").lower().split()
        kind = str(link.get("type") or "").lower().split(";")[0].strip()
        href = link.get("href")
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        comments = bool(_COMMENTS_RE.search(str(link.get("title") or "") + str(href)))
        found.append((FEED_TYPES[kind] + (10 if comments else 0), position, str(href)))
    return sorted(found)


def _hinted(root: lxml.html.HtmlElement) -> list[str]:
    """Body links whose path looks like a feed address."""
    hrefs: list[str] = []
    for anchor in root.iter("a"):
        href = str(anchor.get("href") or "").strip()
        path = href.split("#", 1)[0]
        if path and _HINT_RE.search(path) and not _COMMENTS_RE.search(path):
            hrefs.append(href)
    return hrefs


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Feed URLs advertised by ``html`` (fetched from ``base_url``), best first.

    Absolute canonical http(s) URLs only, without duplicates; at most ``MAX_RESULTS``.
    """
    root = _parse_html(html)
    if root is None:
        return []
    base = _base(root, base_url)
    candidates = [href for _, _, href in _declared(root)] + _hinted(root)
    results: list[str] = []
    for href in candidates:
        try:
            url = canonicalize_url(href, base)
        except UrlError:
            continue
        if url not in results:
            results.append(url)
        if len(results) >= MAX_RESULTS:
            break
    return results


def looks_like_feed(data: bytes) -> bool:
    """Quick sniff: does the start of ``data`` open an RSS, RDF, Atom or CDF document, or a
    JSON Feed?"""
    text = decode_feed(data[:SNIFF_BYTES]).lstrip("\ufeff \t\r\n")
    tail = decode_feed(data[-SNIFF_BYTES:]) if len(data) > SNIFF_BYTES else ""
    if looks_like_json_feed(text, tail) or is_cdf(text):
        return True
    if not text.startswith("<"):  # decoded by BOM or wide pattern: UTF-16 and UTF-32 too
        return False
    feed = _FEED_ROOT_RE.search(text)
    html = _HTML_ROOT_RE.search(text)
    return feed is not None and (html is None or feed.start() < html.start())


ICON_RELS = ("apple-touch-icon", "apple-touch-icon-precomposed", "icon", "shortcut")


def discover_icons(html: bytes, base_url: str) -> list[str]:
    """The site's icons a page declares (``<link rel="apple-touch-icon">`` first, the larger
    logo, then ``rel="icon"``), absolute http(s) URLs, then ``/favicon.ico`` of the page's
    site: a webhook's avatar for the source, best first."""
    root = _parse_html(html) if html else None
    found: list[tuple[int, int, str]] = []
    base = base_url
    if root is not None:
        base = _base(root, base_url)
        for position, link in enumerate(root.iter("link")):
            rels = str(link.get("rel") or "").lower().split()
            href = str(link.get("href") or "").strip()
            ranks = [ICON_RELS.index(r) for r in rels if r in ICON_RELS]
            if ranks and href:
                found.append((min(ranks), position, href))
    icons: list[str] = []
    for href in [h for *_, h in sorted(found)] + ["/favicon.ico"]:
        try:
            url = canonicalize_url(href, base)
        except UrlError:
            continue
        if url.startswith(("http://", "https://")) and url not in icons:
            icons.append(url)
    return icons[:MAX_RESULTS]
