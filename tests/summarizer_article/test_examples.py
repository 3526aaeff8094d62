"""The offline examples (``examples/``) extract cleanly and match their feed."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest

from summarizer.article import extract_article

EXAMPLES = Path(__file__).parents[2] / "examples"
PAGES = sorted((EXAMPLES / "pages").glob("*.html"))


def test_there_are_five_pages_and_a_feed_listing_them() -> None:
    assert len(PAGES) == 5
    feed = feedparser.parse((EXAMPLES / "feed.xml").read_bytes())
    assert not feed.bozo
    slugs = {entry.link.rsplit("/", 1)[-1] for entry in feed.entries}
    assert slugs == {page.stem for page in PAGES}
    assert all(entry.link.startswith("https://exemple.depeche.test/") for entry in feed.entries)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_example_page_extracts_cleanly(page: Path) -> None:
    article = extract_article(page.read_bytes())
    assert article.authors and article.source and article.published is not None
    assert article.site_name == "Le Courrier de l’Exemple"
    for unwanted in ("Passer au contenu", "Pour ne manquer", "Source :", "Politique", "©"):
        assert unwanted not in article.text
    for author in article.authors:
        assert author not in article.text
    sentences = re.findall(r"[.!?…](?:\s|$)", article.text)
    assert 8 <= len(sentences) <= 15
