"""trafilatura for ``extract_article``: the body, and the page fields the article takes from
trafilatura's metadata, and only those (issue 14).

``extract_body`` is ``trafilatura.bare_extraction`` without metadata, with its options built once
per process: building them reads trafilatura's configuration (a tenth of the call on a short
page); each page gets a copy with its own address.

``trafilatura.bare_extraction(with_metadata=True)`` runs ``extract_metadata``: Open Graph and
``<meta>`` tags, JSON-LD, then searches of the whole tree for the title, the author (three
XPath expressions with regular expressions over every element), the canonical URL, the date
(htmldate), the site's name, categories, tags and the license. ``extract_article`` reads the
page's own metadata first (``summarizer.metadata``) and takes trafilatura's value of a field
only when its own is missing; the license it never uses. ``page_fields`` runs the same steps in
the same order, skipping the searches whose result the article would not use:

- the title, author and site name searches when the page's metadata already has them, and the
  author search when no element has a tag or an attribute that trafilatura's author expressions
  (``AUTHOR_XPATHS``: regular expressions over the class and id of every element) could select
  (``_may_name_an_author``: a few equalities, then the words in every class and id at once,
  without regular expressions; it stands aside if a later trafilatura has other expressions);
- the date search (htmldate) when the caller knows the date (the feed dated the entry, and the
  bot keeps the feed's date) or the page's metadata has it;
- the license, always.

So the fields the article uses are trafilatura's own values, cleaned as ``extract_metadata``
cleans them (``Document.clean_and_trim``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging

import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura import metadata as trafilatura_metadata
from trafilatura.settings import Document, Extractor, set_date_params

from summarizer.metadata import PageMetadata
from summarizer.page_dates import use_french_dates

log = logging.getLogger(__name__)

# Each element AUTHOR_XPATHS can select is an <author>, has a <rel> child, or has one of these
# attribute values: their regular expressions and equalities, all in ASCII, read in lower case.
_AUTHOR_WORDS = (
    "author", "zuozhe", "bianji", "xiaobian", "byl", "bbl", "username", "channel-name",
    "submitted-by", "posted-by", "journalist-name", "screenname", "writer",
)  # fmt: skip
_AUTHOR_ELEMENTS = etree.XPath(
    "//author | //rel | //*[@rel='author' or @data-testid='AuthorCard' or @data-testid='AuthorURL'"
    " or contains(@data-component, 'Byline') or contains(@itemprop, 'author')]"
)
_CLASSES_AND_IDS = etree.XPath("//@class | //@id", smart_strings=False)
# sha256 of the AUTHOR_XPATHS the hint was written for (trafilatura 2.3.1).
AUTHOR_XPATHS_READ = "e7cdb233823cbb0a7eadad1211ccea04ebd7789ae4ffc076b2fc765f00286c9f"


@functools.cache
def _hint_applies() -> bool:
    from trafilatura.xpaths import AUTHOR_XPATHS

    paths = "\n".join(str(expression.path) for expression in AUTHOR_XPATHS)
    return hashlib.sha256(paths.encode()).hexdigest() == AUTHOR_XPATHS_READ


def _may_name_an_author(tree: lxml_html.HtmlElement) -> bool:
    """False only when trafilatura's author search cannot find anything (see the module doc).

    The words are looked for in every class and id at once, lowered by Python: that lowers more
    than XPath's ASCII ``translate`` (never less), so it may say True in vain, never False."""
    if not _hint_applies() or _AUTHOR_ELEMENTS(tree):
        return True
    values = "\n".join(_CLASSES_AND_IDS(tree)).lower()  # no word holds a line break
    return any(word in values for word in _AUTHOR_WORDS)


def page_fields(
    tree: lxml_html.HtmlElement, url: str | None, known: PageMetadata, *, date_known: bool
) -> Document:
    """trafilatura's metadata of ``tree`` for the fields ``known`` lacks (see the module doc).

    The date is searched only when neither ``date_known`` nor ``known.published``; that search
    is then htmldate's extensive one, with dateparser in French and English only
    (``summarizer.page_dates``)."""
    tm = trafilatura_metadata
    fields = tm.examine_meta(tree)
    if fields.author and " " not in fields.author:
        fields.author = None  # as extract_metadata: a single word is no byline
    try:
        fields = tm.extract_meta_json(tree, fields)
    except Exception as error:  # as extract_metadata: bugs in json_metadata.py
        log.warning("page.json_ld_error url=%s error=%s", url, type(error).__name__)
    if not fields.title and not known.title:
        fields.title = tm.extract_title(tree)
    if not fields.author and not known.authors and _may_name_an_author(tree):
        fields.author = tm.extract_author(tree)
    if not fields.url:
        fields.url = tm.extract_url(tree, url)
    if not date_known and known.published is None:
        use_french_dates()  # dateparser in French and English, not in every language
        fields.date = htmldate.find_date(tree, **set_date_params(extensive=True), url=fields.url)
    if not fields.sitename and not known.site_name:
        fields.sitename = tm.extract_sitename(tree)
    if fields.sitename:
        fields.sitename = fields.sitename.lstrip("@")
        if fields.sitename and "." not in fields.sitename and not fields.sitename[0].isupper():
            fields.sitename = fields.sitename.title()
    elif fields.url and (match := tm.META_URL.match(fields.url)):
        fields.sitename = match[1]
    if not fields.categories:
        fields.categories = tm.extract_catstags("category", tree)
    if not fields.tags:
        fields.tags = tm.extract_catstags("tag", tree)
    fields.clean_and_trim()
    return fields


def extract_body(tree: lxml_html.HtmlElement, url: str | None) -> object:
    """``trafilatura.bare_extraction(tree, url=url, include_comments=False,
    include_tables=False)``, with the options built once (see the module doc)."""
    options = copy.copy(_options())
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")  # as Extractor
    return trafilatura.bare_extraction(tree, url=url, options=options)


@functools.cache
def _options() -> Extractor:
    return Extractor(output_format="python", comments=False, tables=False)
