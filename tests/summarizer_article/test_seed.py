"""Acceptance: the seed page (plain text) and our own equivalent page (text and HTML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.article import article_from_text, extract_article
from summarizer.model import Article, TextOrigin

SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"
SEED = SEEDS / "000_fa728835559cb3b8.txt"
PAGES = Path(__file__).parents[1] / "data" / "pages"


def _paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def _assert_clean(article: Article, *, title: str, author: str, source: str, heading: str) -> None:
    assert article.title == title
    assert article.authors == (author,)
    assert article.source == source
    for unwanted in ("Passer au contenu", "Pour ne manquer aucune actualité", author):
        assert unwanted not in article.text
    assert heading not in _paragraphs(article.text)
    assert f"\n{heading}\n" not in f"\n{article.text}\n"
    assert title not in article.text


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed folder is not available")
def test_seed_page() -> None:
    raw = SEED.read_text(encoding="utf-8")
    article = article_from_text(raw)
    _assert_clean(
        article,
        title="Donald Trump a failli quitter Twitter de lui-même pour rejoindre Parler",
        author="Nicolas Lellouche",
        source="Buzzfeed",
        heading="40% de Parler pour Donald Trump",
    )
    assert article.origin is TextOrigin.TEXT
    body = [p for p in _paragraphs(raw) if len(p.split()) > 15 and not p.startswith("🔴")]
    assert len(body) == 4
    assert _paragraphs(article.text) == body  # every body paragraph kept, in order, verbatim


def _own_page_expectations(article: Article) -> None:
    _assert_clean(
        article,
        title="Une start-up lyonnaise a failli racheter un réseau social concurrent de Mastodon",
        author="Camille Moreau",
        source="Numerama",
        heading="35% du capital sur la table",
    )


def test_own_page_as_text() -> None:
    raw = (PAGES / "techsite.txt").read_text(encoding="utf-8")
    article = article_from_text(raw, url="https://techinfo.test/a")
    _own_page_expectations(article)
    assert article.url == "https://techinfo.test/a"
    body = [p for p in _paragraphs(raw) if len(p.split()) > 15 and not p.startswith("🔴")]
    assert len(body) == 4
    assert _paragraphs(article.text) == body


def test_own_page_as_html_gives_the_same_clean_article() -> None:
    from_text = article_from_text((PAGES / "techsite.txt").read_text(encoding="utf-8"))
    from_html = extract_article((PAGES / "techsite.html").read_bytes())
    _own_page_expectations(from_html)
    assert from_html.text == from_text.text
    assert from_html.origin is TextOrigin.PAGE


def test_text_with_windows_newlines_and_par_byline() -> None:
    raw = (PAGES / "techsite.txt").read_text(encoding="utf-8")
    raw = raw.replace("Camille Moreau", "Par Camille Moreau et Ana Li").replace("\n", "\r\n")
    article = article_from_text(raw)
    assert article.authors == ("Camille Moreau", "Ana Li")
    assert "\r" not in article.text
    assert len(_paragraphs(article.text)) == 4
