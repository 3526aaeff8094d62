"""HTML page, plain text or feed entry -> a clean ``Article`` (pure, offline).

Extraction never downloads anything: the caller fetches the page and passes its bytes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Document

from summarizer.boilerplate import (
    clean_title,
    fold,
    is_lead,
    keyword_in_text,
    prune_boilerplate,
    site_names,
)
from summarizer.cleaning import CleanText, clean_text, match_rule
from summarizer.errors import ExtractionError
from summarizer.metadata import (
    MAX_HTML_BYTES,
    NotHtmlError,
    PageMetadata,
    decode_html,
    parse_iso_datetime,
    read_page_metadata,
    split_authors,
)
from summarizer.model import Article, Entry, TextOrigin
from summarizer.page_fields import extract_body, page_fields
from summarizer.urls import normalize_title

log = logging.getLogger(__name__)

MIN_BODY_WORDS = 40  # below this a page is a teaser (paywall, video page): use the feed instead
_LEAD_XPATH = (
    "//*[self::p or self::div][contains(@class, 'chapo') or contains(@class, 'chapeau')"
    " or contains(@class, 'standfirst') or contains(@class, 'lead') or contains(@class, 'intro')"
    " or contains(@class, 'incipit')]"
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "blockquote", "figcaption", "section", "article", "header", "footer"}
    | {"tr", "pre", "dd", "dt", "ul", "ol", "table"}
)
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
MAX_ELEMENTS = 40_000  # trafilatura needs ~3 s for 40k elements; real articles have far fewer
_NOISE_TAGS = ("script", "style", "svg", "noscript", "iframe", "nav", "aside", "form", "select")
_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "template", "svg")


def extract_article(
    html: bytes | str, *, url: str | None = None, date_known: bool = False
) -> Article:
    """Extract and clean the article of an HTML page.

    htmldate's extensive date search (free text through dateparser) runs only when the date is
    unknown: ``date_known`` (the caller has it, from the feed) and a date in the page's
    metadata both skip it; when it runs, dateparser reads French and English only
    (``summarizer.page_dates``), not every language it knows (issue 15).

    Raises ``ExtractionError`` with reason ``not_html`` (binary input), ``empty`` (no text) or
    ``too_short`` (fewer than ``MIN_BODY_WORDS`` words of body: a teaser or a paywall).
    """
    document = _as_text(html, url)
    try:
        # Comments never reach the text: a template's "<!--smart_paging_autop_filter-->" would.
        parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
        root = lxml_html.document_fromstring(document, parser=parser)
        meta = read_page_metadata(root)
        headlines = [" ".join(h.text_content().split()) for h in root.iter("h1")][:5]
        prune_boilerplate(root)
        leads = _leads(root)  # read before trafilatura prunes the tree in place
        _bound_tree(root, url)
        fields = page_fields(root, url, meta, date_known=date_known)
        extracted = extract_body(root, url or fields.url)
    except (etree.LxmlError, RecursionError, ValueError) as exc:
        raise ExtractionError("empty", url=url, detail=type(exc).__name__) from exc
    if not isinstance(extracted, Document) or not (extracted.text or "").strip():
        raise ExtractionError("empty", url=url)
    names = site_names(meta.site_name, url or fields.url)
    title = clean_title(meta.title or fields.title or "", names=names, headlines=headlines)
    text = _with_lead(leads, extracted.text or "")
    known = _headings(extracted.body)
    cleaned = clean_text(text, title=title, headings=known, site_names=names)
    words = len(cleaned.text.split())
    if words == 0:
        raise ExtractionError("empty", url=url)
    if words < MIN_BODY_WORDS:
        raise ExtractionError("too_short", url=url, detail=f"words={words}")
    return Article(
        title=" ".join(title.split()) or _first_sentence(cleaned.text),
        text=cleaned.text,
        url=url or _http_only(fields.url),
        authors=(
            _not_site(meta.authors, names)
            or _not_site(split_authors(fields.author), names)
            or _not_site(cleaned.authors, names)
        ),
        published=meta.published or parse_iso_datetime(fields.date),
        source=cleaned.source,
        site_name=meta.site_name or fields.sitename or None,
        categories=_categories(
            meta, fields.categories, fields.tags, spoken=f"{title}\n{cleaned.text}"
        ),
        image=meta.image or _http_only(fields.image),
        origin=TextOrigin.PAGE,
    )


def completed_by_entry(page: Article, entry: Entry) -> Article:
    """The page's article completed with what its feed entry knows better: the entry's link,
    date and categories first, the page's title, authors and image first."""
    return replace(
        page,
        title=page.title or entry.title,
        url=entry.link or page.url,
        authors=page.authors or entry.authors,
        published=entry.published or page.published,
        categories=tuple(dict.fromkeys((*entry.categories, *page.categories))),
        image=page.image or entry.image,
    )


def article_from_text(text: str, *, url: str | None = None) -> Article:
    """Build an article from a plain-text document: title = first real line, then cleaning."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = " ".join(line.split())
        if stripped and match_rule(stripped) is None:
            title, rest = stripped, "\n".join(lines[index + 1 :])
            break
    else:
        raise ExtractionError("empty", url=url, detail="no title line")
    cleaned = clean_text(rest, title=title)
    if not cleaned.text:
        raise ExtractionError("empty", url=url, detail="no body")
    return Article(
        title=title,
        text=cleaned.text,
        url=url,
        authors=cleaned.authors,
        source=cleaned.source,
        origin=TextOrigin.TEXT,
    )


def article_from_entry(entry: Entry) -> Article:
    """The feed's own content as an article: used when the page cannot be fetched or extracted.

    Never raises: an entry without content gives an article with an empty text.
    """
    cleaned = CleanText("")
    if entry.content_html.strip():
        body, headings = html_to_text(entry.content_html)
        cleaned = clean_text(body, title=entry.title, headings=headings)
    if not cleaned.text and entry.summary.strip():
        cleaned = clean_text(entry.summary, title=entry.title)
    return Article(
        title=entry.title,
        text=cleaned.text,
        url=entry.link,
        authors=entry.authors or cleaned.authors,
        published=entry.published,
        source=cleaned.source,
        categories=entry.categories,
        image=_http_only(entry.image),
        origin=TextOrigin.FEED,
    )


def html_to_text(fragment: str) -> tuple[str, tuple[str, ...]]:
    """Plain text of an HTML fragment (one block per line) and the text of its headings."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.LxmlError, ValueError, RecursionError):
        return " ".join(re.sub(r"<[^>]*>", " ", fragment).split()), ()
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    headings: list[str] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _HEADING_TAGS:
            headings.append(" ".join(element.text_content().split()))
        if tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in _BLOCK_TAGS or tag in _HEADING_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line), tuple(h for h in headings if h)


def _as_text(html: bytes | str, url: str | None) -> str:
    if isinstance(html, str):
        document = html[:MAX_HTML_BYTES]
        if "\x00" in document[:1024]:
            raise ExtractionError("not_html", url=url)
    else:
        try:
            document = decode_html(html)
        except NotHtmlError as exc:
            raise ExtractionError("not_html", url=url) from exc
    # lxml refuses a str that still carries an XML encoding declaration (XHTML pages).
    document = _XML_DECLARATION_RE.sub("", document, count=1)
    if not document.strip():
        raise ExtractionError("empty", url=url)
    return document


def _bound_tree(root: lxml_html.HtmlElement, url: str | None) -> None:
    """Keep the tree small enough for a bounded extraction time (a million-element page).

    Over the limit, noise elements (scripts, navigation, forms) are dropped first; a tree still
    over the limit is cut after its first ``MAX_ELEMENTS`` elements in document order, as the
    HTML itself is cut at ``MAX_HTML_BYTES``: the article comes before the comments.
    """
    if _count(root) <= MAX_ELEMENTS:
        return
    etree.strip_elements(root, *_NOISE_TAGS, etree.Comment, with_tail=False)
    count = _count(root)
    if count > MAX_ELEMENTS:
        log.info("page.truncated url=%s elements=%d limit=%d", url, count, MAX_ELEMENTS)
        _cut_after(root, MAX_ELEMENTS)


def _count(root: lxml_html.HtmlElement) -> int:
    return sum(1 for _ in root.iter())


def _cut_after(root: lxml_html.HtmlElement, limit: int) -> None:
    """Remove the element at document position ``limit`` and everything after it."""
    cut = next(e for i, e in enumerate(root.iter()) if i == limit)
    node = cut
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    parent = cut.getparent()
    if parent is not None:
        parent.remove(cut)


def _leads(root: lxml_html.HtmlElement) -> list[str]:
    elements = [e for e in root.xpath(_LEAD_XPATH) if is_lead(e)][:3]
    texts = (" ".join(e.text_content().split()) for e in elements)
    return [text for text in texts if len(text.split()) >= 8]


def _with_lead(leads: list[str], text: str) -> str:
    """Put back the chapô (lead paragraph) when the extractor left it out with the header."""
    flat = " ".join(text.split())
    for lead in leads:
        if lead[:60] not in flat:
            return f"{lead}\n{text}"
    return text


def _headings(body: object) -> tuple[str, ...]:
    if not isinstance(body, etree._Element):
        return ()
    return tuple(" ".join("".join(h.itertext()).split()) for h in body.iter("head"))


def _categories(meta: PageMetadata, *extra: list[str] | None, spoken: str) -> tuple[str, ...]:
    """The page's sections, tags and keywords (``<meta name="keywords">``, JSON-LD, and what
    trafilatura adds). Keywords the article mostly does not speak of are the site's navigation
    ("mode, beaute, joaillerie, deco..." on a nutrition article): then only those it speaks of
    stay (``keyword_in_text``); a short list of the article's own keeps its "climat"."""
    extras = [v.strip() for values in extra for vs in values or [] for v in vs.split(",")]
    own = {c.casefold() for c in meta.categories} - {k.casefold() for k in meta.keywords}
    keywords = {k.casefold(): k for k in (*meta.keywords, *extras) if k and k.casefold() not in own}
    # The article's words only when there are keywords to look for (uncached: one text each).
    words = frozenset(normalize_title(spoken).split()) if keywords else frozenset()
    spoken_of = {key for key, keyword in keywords.items() if keyword_in_text(keyword, words)}
    navigation = len(keywords) - len(spoken_of) > len(keywords) / 2
    result: list[str] = []
    for value in (*meta.categories, *extras):
        # "Santé, alimentation, mode" in one article:tag is the keywords list again.
        parts = [p.strip() for p in value.split(",")] if "," in value else [value]
        if not all(p.casefold() in keywords for p in parts if p):
            parts = [value]
        for part in parts:
            key = part.casefold()
            if part and (key not in keywords or not navigation or key in spoken_of):
                result.append(part)
    seen: dict[str, str] = {}
    for value in result:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())


def _not_site(authors: tuple[str, ...], names: frozenset[str]) -> tuple[str, ...]:
    """Authors that are not the site itself ("L'Opinion" on lopinion.fr is no byline)."""
    return tuple(author for author in authors if fold(author) not in names)


def _http_only(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def _first_sentence(text: str) -> str:
    return text.split("\n", 1)[0][:200]
