"""Issue 15: hostile JSON Feeds and CDF channels never crash the parser. Any JSON value in any
field of a JSON Feed, and any attributes and text in a CDF channel, give a ``ParsedFeed`` whose
entries keep the limits, or ``FeedError``; nothing else is ever raised."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from summarizer.errors import FeedError
from summarizer.feeds import MAX_TITLE, parse_feed
from summarizer.model import ParsedFeed

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ITEM_KEYS = st.sampled_from(
    ["id", "url", "external_url", "title", "summary", "content_html", "content_text", "image",
     "date_published", "date_modified", "authors", "author", "tags", "attachments"]
)  # fmt: skip
ITEMS = st.lists(st.dictionaries(ITEM_KEYS, JSON_VALUES, max_size=8) | JSON_VALUES, max_size=6)
VERSIONS = st.sampled_from(["https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1"])


def _checked(data: bytes) -> None:
    try:
        parsed = parse_feed(data, base_url="https://exemple.fr/flux")
    except FeedError as error:
        assert error.reason in ("empty", "not_a_feed")
        return
    assert isinstance(parsed, ParsedFeed) and parsed.entries
    for entry in parsed.entries:
        assert isinstance(entry.title, str) and len(entry.title) <= MAX_TITLE
        assert entry.link is None or entry.link.startswith(("http://", "https://"))
        assert entry.published is None or entry.published.tzinfo is not None


@given(
    VERSIONS, ITEMS, st.dictionaries(st.sampled_from(["title", "author", "authors"]), JSON_VALUES)
)
def test_any_json_in_a_json_feed_is_a_feed_or_a_feed_error(
    version: str, items: list[Any], extra: dict[str, Any]
) -> None:
    _checked(json.dumps({**extra, "version": version, "items": items}).encode())


ATTRIBUTE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(ATTRIBUTE, ATTRIBUTE, st.lists(st.tuples(ATTRIBUTE, ATTRIBUTE, ATTRIBUTE), max_size=4))
def test_any_cdf_channel_is_a_feed_or_a_feed_error(
    base: str, href: str, items: list[tuple[str, str, str]]
) -> None:
    def quoted(value: str) -> str:
        return json.dumps(value)  # a double-quoted attribute, quotes escaped as \\"

    parts = [f"<CHANNEL BASE={quoted(base)} HREF={quoted(href)}><TITLE>Chaîne</TITLE>"]
    for item_href, lastmod, title in items:
        parts.append(
            f"<ITEM HREF={quoted(item_href)} LASTMOD={quoted(lastmod)}><TITLE>{title}</TITLE>"
            "</ITEM>"
        )
    _checked(("".join(parts) + "</CHANNEL>").encode("utf-8", "surrogatepass"))
