"""Feed bytes -> ``ParsedFeed``: RSS 0.9x/1.0/2.0, Atom and CDF (``summarizer.cdf``) through
feedparser, on bytes only, and JSON Feed 1 and 1.1 (``summarizer.json_feed``) through the same
entry rules.

Policies (reliability checklist):

* S8: feedparser only ever sees an in-memory stream. Raw ``bytes`` are not safe either:
  ``feedparser.parse(b"/etc/hostname")`` opens that path, so the bytes go in ``io.BytesIO``.
* Billion laughs / XXE: a DOCTYPE with an internal subset is removed before parsing
  (``feed_input.defuse_doctype``), so no entity declared by the document is ever expanded
  (references stay inert text).
* F21, malformed XML: when feedparser can still read the document in its lenient mode, the
  entries it finds are accepted and ``ParsedFeed.is_loose`` is True (feedparser "bozo"); it is
  logged at debug level. The engine treats such a poll as a success.
* F22, encodings: the bytes are decoded here first (``summarizer.feed_input``: BOM, then the
  declared charset and prolog encoding when the body decodes with them, then UTF-8, then
  windows-1252) and feedparser reads UTF-8 only: EUC-JP, KOI8-R, GB2312, UTF-32... all work,
  a Latin-1 body declared UTF-8 reads as Latin-1 and a UTF-8 body labelled Latin-1 as UTF-8.
* Errors: ``FeedError("not_a_feed")`` for HTML, JSON that is not a JSON Feed, empty or binary
  input and anything feedparser cannot recognise; ``FeedError("empty")`` for a feed without any
  usable entry: a valid feed with no items yet, which callers report as empty, never as
  unreadable. Nothing else is ever raised.
* At most ``MAX_ENTRIES`` entries are kept (document order); long fields are truncated. A title
  is one line: the first paragraph of its text that is not script source (an escaped HTML page
  as a title leaves code behind feedparser's sanitizer).
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html
from feedparser.exceptions import CharacterEncodingOverride, NonXMLContentType
from lxml import etree

from summarizer.cdf import cdf_base, cdf_dates_in_utc, cdf_home, is_cdf
from summarizer.dates import parse_date
from summarizer.errors import FeedError, UrlError
from summarizer.feed_input import decode_feed, defuse_doctype
from summarizer.json_feed import parse_json_feed
from summarizer.model import Entry, ParsedFeed
from summarizer.topics import normalize_term
from summarizer.urls import absolute_http_url, canonicalize_url

log = logging.getLogger(__name__)

MAX_ENTRIES = 500
MAX_FEED_TITLE = 300
MAX_TITLE = 1_000
MAX_SUMMARY = 10_000
MAX_CONTENT = 200_000
MAX_NAMES = 20  # authors, categories
MAX_NAME = 200
MAX_KEY = 512
_HTML_START_RE = re.compile(r"^\s*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_PROLOG_ENCODING_RE = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[\w.:-]+", re.IGNORECASE)
_XML_HEADERS = {"content-type": "application/xml; charset=utf-8"}


def _as_utf8_xml(text: str) -> bytes:
    """Decoded XML back to bytes for feedparser: UTF-8, and a prolog that says so."""
    return _PROLOG_ENCODING_RE.sub(r"\1utf-8", text, count=1).encode("utf-8", "replace")


# --- text -------------------------------------------------------------------------------------

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")
_SPACE_RE = re.compile(r"[^\S\n]+")
_BREAKS_RE = re.compile(r"\s*\n\s*\n\s*")
_ENTITY_RE = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{2,6}|#x[0-9A-Fa-f]{2,5});")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_IMG_RE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE)
_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_EMAIL_NAME_RE = re.compile(r"^\s*[^\s@()]+@[^\s@()]+\s*\(([^()]+)\)\s*$")
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "blockquote", "li", "ul", "ol",
        "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "figure",
        "figcaption", "aside", "hr",
    }
)  # fmt: skip
_DROPPED = ("script", "style", "noscript", "template", "iframe", "object")


def clean_text(text: str, limit: int) -> str:
    """Controls removed, spaces collapsed, paragraphs kept apart; cut at ``limit`` with '…'."""
    text = _CONTROL_RE.sub("", text).replace("\r", "\n").replace("\xa0", " ")
    paragraphs = (" ".join(part.split()) for part in _BREAKS_RE.split(text))
    text = "\n\n".join(p for p in paragraphs if p)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, blocks as paragraphs."""
    markup = _CONTROL_RE.sub("", markup[: MAX_CONTENT * 2])
    if "<" not in markup:
        return html.unescape(markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return html.unescape(_TAG_RE.sub(" ", markup))
    for element in list(root.iter(*_DROPPED)):
        element.drop_tree()
    for element in root.iter():
        if element.tag in _BLOCKS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
        elif element.tag == "br":
            element.tail = " " + (element.tail or "")
    return str(root.text_content())


def _plain(value: object, limit: int) -> str:
    """A feed text field (maybe HTML, maybe escaped twice) as clean plain text."""
    text = html_to_text(str(value or ""))
    for _ in range(2):  # "&lt;b&gt;gras&lt;/b&gt;" and "&amp;eacute;" style double escaping
        if _TAG_RE.search(text):
            text = html_to_text(text)
        elif _ENTITY_RE.search(text):
            text = html.unescape(text)
    return clean_text(text, limit)


# --- entries ----------------------------------------------------------------------------------


def _entry_link(raw: Any, base_url: str | None) -> str | None:
    candidates = [raw.get("link")]
    candidates += [
        link.get("href")
        for link in raw.get("links") or []
        if link.get("rel", "alternate") == "alternate"
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            try:
                return canonicalize_url(candidate, base_url)
            except UrlError:
                continue
    return None


def _content_html(raw: Any) -> tuple[str, str | None]:
    """The entry's longest HTML content (cut to ``MAX_CONTENT``) and the base its relative links
    are read against (``_markup_base``)."""
    contents = [
        (str(item.get("value") or ""), _markup_base(item))
        for item in raw.get("content") or []
        if "html" in str(item.get("type") or "text/html")
    ]
    best, base = max(contents, key=lambda content: len(content[0]), default=("", None))
    return best[:MAX_CONTENT], base


def _markup_base(detail: Any) -> str | None:
    """The ``xml:base`` in force where feedparser read a piece of markup (it keeps it as the
    detail's ``base``; the feed's own address when none was declared). feedparser is not asked
    to rewrite the relative links inside markup (``_run_feedparser``): the bot reads markup as
    text, and the one link it takes from it, the image, is resolved here against this base."""
    base = detail.get("base") if isinstance(detail, dict) else None
    return base if isinstance(base, str) and base.strip() else None


def _names(values: list[object]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        name = clean_text(html_to_text(str(value or "")), MAX_NAME)
        if name and "@" not in name and normalize_term(name) not in seen:
            seen[normalize_term(name)] = name
    return tuple(seen.values())[:MAX_NAMES]


def _authors(raw: Any) -> tuple[str, ...]:
    if match := _EMAIL_NAME_RE.match(str(raw.get("author") or "")):
        return _names([match.group(1)])  # "mail@host (Name)": feedparser cuts long TLDs
    names: list[object] = [author.get("name") for author in raw.get("authors") or []]
    return _names(names or [raw.get("author")])


def _categories(raw: Any) -> tuple[str, ...]:
    return _names([tag.get("label") or tag.get("term") for tag in raw.get("tags") or []])


def _published(raw: Any) -> datetime | None:
    """Our own parser first (French dates, naive = Paris), then feedparser's UTC struct."""
    for field in ("published", "updated", "created"):
        value = dict.get(raw, field)  # plain lookup: no feedparser "updated" alias warning
        if isinstance(value, str) and (parsed := parse_date(value)) is not None:
            return parsed
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        if struct := dict.get(raw, field):
            try:
                year, month, day, hour, minute, second = struct[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _image(
    raw: Any, markup: str, base_url: str | None, markup_base: str | None = None
) -> str | None:
    candidates: list[tuple[object, str | None]] = []
    for item in list(raw.get("enclosures") or []) + list(raw.get("media_content") or []):
        url = item.get("href") or item.get("url")
        kind = str(item.get("type") or item.get("medium") or "")
        if kind.startswith("image") or (not kind and _IMAGE_EXT_RE.search(str(url or ""))):
            candidates.append((url, base_url))
    candidates += [(item.get("url"), base_url) for item in raw.get("media_thumbnail") or []]
    candidates += [(src, markup_base or base_url) for src in _IMG_RE.findall(markup)]
    for candidate, base in candidates:
        if isinstance(candidate, str) and (url := absolute_http_url(candidate, base)):
            return url
    return None


def _entry_key(raw: Any, link: str | None, title: str, summary: str) -> str:
    guid = raw.get("id")
    if isinstance(guid, str) and guid.strip():
        guid = guid.strip()
        if len(guid) <= MAX_KEY:
            return guid
        return "sha256:" + hashlib.sha256(guid.encode("utf-8", "replace")).hexdigest()
    if link:
        return link
    digest = hashlib.sha256(f"{title}\n{summary}".encode("utf-8", "replace")).hexdigest()
    return "sha256:" + digest


_CODE_RE = re.compile(r"[{}]|/\*|\*/|\bfunction\s*[\w$]*\s*\(|=>|\b(?:var|let|const)\s+[\w$]+\s*=")


def _title(value: object) -> str:
    """An entry title on one line: its first paragraph that is not script source."""
    for paragraph in _plain(value, MAX_TITLE).split("\n\n"):
        if paragraph and not _CODE_RE.search(paragraph):
            return paragraph
    return ""


def build_entry(raw: Any, base_url: str | None) -> Entry | None:
    """One feedparser entry as an ``Entry``; None when it carries nothing usable."""
    title = _title(raw.get("title"))
    content, content_base = _content_html(raw)
    summary_html = str(raw.get("summary") or "")
    summary = _plain(summary_html or content, MAX_SUMMARY)
    link = _entry_link(raw, base_url)
    if not (title or summary or link):
        return None
    return Entry(
        key=_entry_key(raw, link, title, summary),
        title=title,
        link=link,
        summary=summary,
        content_html=content,
        authors=_authors(raw),
        categories=_categories(raw),
        published=_published(raw),
        image=_image(
            raw,
            content or summary_html,
            base_url,
            content_base if content else _markup_base(raw.get("summary_detail")),
        ),
    )


def _same_item(one: Entry, other: Entry) -> bool:
    if one.link or other.link:
        return one.link == other.link
    return (one.title, one.summary) == (other.title, other.summary)


def _content_id(entry: Entry) -> str:
    basis = entry.link or f"{entry.title}\n{entry.summary}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


def dedupe_entries(entries: list[Entry]) -> tuple[Entry, ...]:
    """Unique keys (F15). A repeated key is dropped when it is the same item; when distinct
    items share a key, each becomes "key#<hash of its link, or title and summary>", so that its
    key depends on the item, not on its position (an item added in front renames nobody)."""
    by_key: dict[str, list[Entry]] = {}
    distinct: list[Entry] = []
    for entry in entries:
        earlier = by_key.setdefault(entry.key, [])
        if not any(_same_item(entry, other) for other in earlier):
            earlier.append(entry)
            distinct.append(entry)
    kept: list[Entry] = []
    used: set[str] = set()
    for entry in distinct:
        if len(by_key[entry.key]) > 1:
            entry = replace(entry, key=f"{entry.key}#{_content_id(entry)}")
        while entry.key in used:  # a renamed key equal to another item's guid: near impossible
            entry = replace(entry, key=entry.key + "#")
        used.add(entry.key)
        kept.append(entry)
    return tuple(kept)


def _run_feedparser(data: bytes, headers: dict[str, str]) -> Any:
    try:
        return feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            resolve_relative_uris=False,  # links inside markup: see ``_markup_base``
            sanitize_html=True,
        )
    except Exception as error:  # feedparser on hostile bytes: whatever breaks is "not a feed"
        raise FeedError("not_a_feed", detail=f"parser failure: {type(error).__name__}") from error


def _feed_link(feed: Any, base_url: str | None) -> str | None:
    link = feed.get("link")
    if not isinstance(link, str) or not link:
        return None
    try:
        return canonicalize_url(link, base_url)
    except UrlError:
        return None


def _is_loose(result: Any) -> bool:
    error = result.get("bozo_exception")
    ignorable = (CharacterEncodingOverride, NonXMLContentType)
    return bool(result.get("bozo")) and error is not None and not isinstance(error, ignorable)


def _entries(raw_entries: list[Any], base_url: str | None) -> tuple[Entry, ...]:
    built: list[Entry] = []
    for raw in raw_entries:
        if len(built) >= MAX_ENTRIES:
            break
        try:
            entry = build_entry(raw, base_url)
        except Exception:  # one odd entry must not lose the others
            log.warning("feed.entry_skipped", exc_info=True)
            continue
        if entry is not None:
            built.append(entry)
    return dedupe_entries(built)


def parse_feed(
    data: bytes, *, base_url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Parse feed ``data`` (bytes as fetched) into a ``ParsedFeed``; see the module policies.

    ``base_url`` (the feed's URL) resolves relative links; ``content_type`` is the HTTP
    Content-Type header, used for the charset. Raises only ``FeedError``.
    """
    if not isinstance(data, bytes | bytearray) or not data.strip():
        raise FeedError("not_a_feed", url=base_url, detail="empty document")
    text = decode_feed(bytes(data), content_type).lstrip("\ufeff \t\r\n")
    if text.startswith("{"):  # JSON: a JSON Feed wherever its keys put "version", or nothing
        try:
            title, link, raw_entries = parse_json_feed(text)
        except FeedError as exc:
            raise FeedError(exc.reason, url=base_url, detail=exc.detail) from exc
        return _parsed(title, {"link": link}, raw_entries, base_url=base_url, loose=False)
    if not text.startswith("<") or _HTML_START_RE.match(text):
        raise FeedError("not_a_feed", url=base_url, detail="not XML")
    xml = defuse_doctype(_as_utf8_xml(text))
    cdf = is_cdf(text)
    links_base = cdf_base(text, base_url) if cdf else base_url
    headers = dict(_XML_HEADERS)
    if links_base:
        headers["content-location"] = links_base
    result = _run_feedparser(xml, headers)
    if not result.get("version") and not cdf:
        raise FeedError("not_a_feed", url=base_url, detail="no RSS, Atom or CDF root")
    loose = _is_loose(result)
    if loose:
        log.debug("feed.bozo url=%s error=%r", base_url, result.get("bozo_exception"))
    feed = result.get("feed") or {}
    raw_entries = list(result.get("entries") or [])
    if cdf:
        cdf_dates_in_utc(raw_entries)
        feed = {**feed, "link": cdf_home(text, links_base) or feed.get("link")}
    return _parsed(feed.get("title"), feed, raw_entries, base_url=links_base, loose=loose)


def _parsed(
    title: object, feed: Any, raw_entries: list[Any], *, base_url: str | None, loose: bool
) -> ParsedFeed:
    entries = _entries(raw_entries, base_url)
    if not entries:
        raise FeedError("empty", url=base_url, detail="no entries")
    feed_title = clean_text(html_to_text(str(title or "")), MAX_FEED_TITLE)
    link = _feed_link(feed, base_url)
    return ParsedFeed(title=feed_title, link=link, entries=entries, is_loose=loose)
