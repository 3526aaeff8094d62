"""htmldate's free-text date search, in the languages of the pages the bot reads (issue 15).

When a page's date is in neither the feed nor its metadata, trafilatura asks htmldate for an
extensive search, and htmldate hands the date-like strings it finds to dateparser. htmldate
builds that parser with ``languages=None``: dateparser then tries every language it knows, and
the first string it cannot read loads all of its locales (1.5 to 5 s, once per process: the
first page of every CLI run and of every worker). Restricted to French and English, the same
search costs about 0.1 s on first use and reads the same French and English dates.

``use_french_dates()`` replaces htmldate's parser factory (``get_external_parser``, a
module-level function its extractor calls by name) with one that builds that restricted
parser, with htmldate's own settings. It runs once per process, before the first extensive
search; when a later htmldate no longer has that factory, nothing is replaced and the search
is htmldate's own (slower, not wrong). A test checks that the replacement takes effect.
"""

from __future__ import annotations

import functools
import importlib
import logging
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
# htmldate 1.x's settings for its external parser (htmldate/extractors.py), kept the same.
_SETTINGS = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}


@functools.cache
def french_date_parser() -> Any:
    """dateparser's ``DateDataParser`` for ``LANGUAGES`` only, built once per process."""
    from dateparser import DateDataParser

    return DateDataParser(languages=list(LANGUAGES), settings=dict(_SETTINGS))


@functools.cache
def use_french_dates() -> bool:
    """Make htmldate's extensive search use ``french_date_parser``; True when it does."""
    try:
        extractors: Any = importlib.import_module("htmldate.extractors")
    except ImportError:
        return False
    if not callable(getattr(extractors, "get_external_parser", None)):
        log.warning("page_dates.unpatched reason=no get_external_parser in htmldate")
        return False
    extractors.get_external_parser = french_date_parser
    return True
