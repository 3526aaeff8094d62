"""Huge and deeply nested pages: bounded work, no crash, only ``ExtractionError`` escapes.

These pages are generated here rather than stored (a 6 MiB golden file would bloat the repo).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.article import MAX_ELEMENTS, extract_article
from summarizer.errors import ExtractionError
from summarizer.metadata import MAX_HTML_BYTES

PAGES = Path(__file__).parents[1] / "data" / "pages"
FILLER = (
    "<div class='commentaire'><p>Un lecteur réagit au débat sur la réforme, sans rapport "
    "avec l’article principal, et ajoute quelques remarques de plus.</p></div>\n"
)
BEYOND_CAP = "Ce paragraphe se trouve après la limite de cinq mégaoctets et doit disparaître."


def _six_mib_page() -> bytes:
    article = (PAGES / "techsite.html").read_bytes().split(b"</body>")[0]
    filler = FILLER.encode() * (6 * 1024 * 1024 // len(FILLER.encode()) + 1)
    tail = f"<p>{BEYOND_CAP}</p></body></html>".encode()
    return article + filler + tail


@pytest.mark.timeout(60)
def test_six_mib_page_is_truncated_and_still_gives_the_article() -> None:
    page = _six_mib_page()
    assert len(page) > 6 * 1024 * 1024 > MAX_HTML_BYTES
    article = extract_article(page)
    assert article.title.startswith("Une start-up lyonnaise")
    assert BEYOND_CAP not in article.text


@pytest.mark.timeout(60)
def test_six_mib_str_page_is_truncated_too() -> None:
    page = _six_mib_page().decode()
    try:
        article = extract_article(page)
    except ExtractionError as exc:
        pytest.fail(f"unexpected {exc.reason}")
    assert BEYOND_CAP not in article.text


@pytest.mark.timeout(60)
def test_single_five_mib_text_node_is_handled() -> None:
    words = "Le conseil municipal a voté le budget annuel après un long débat. " * 80_000
    page = f"<html><body><article><p>{words}</p></article></body></html>".encode()
    article = extract_article(page)
    assert article.text.startswith("Le conseil municipal a voté le budget annuel")
    assert len(article.text.encode()) <= MAX_HTML_BYTES


@pytest.mark.timeout(60)
@pytest.mark.parametrize("depth", [100_000, 200_000])
def test_deeply_nested_divs_do_not_crash(depth: int) -> None:  # S15
    paragraph = "<p>Un texte enfoui très profondément dans la page, au milieu des balises.</p>"
    page = "<html><body>" + "<div>" * depth + paragraph + "</div>" * depth + "</body></html>"
    with pytest.raises(ExtractionError) as caught:
        extract_article(page)
    assert caught.value.reason in {"empty", "too_short"}


@pytest.mark.timeout(60)
def test_million_elements_page_does_not_crash() -> None:
    page = "<html><body>" + "<span>a</span>" * 1_000_000 + "</body></html>"
    assert len(page) > MAX_HTML_BYTES  # truncated before parsing, unclosed at the cut
    try:
        extract_article(page)
    except ExtractionError as exc:
        assert exc.reason in {"empty", "too_short"}


@pytest.mark.timeout(60)
def test_page_over_the_element_limit_keeps_its_beginning() -> None:
    """S15: a page with too many elements is cut after ``MAX_ELEMENTS`` (bounded extraction)."""

    def paragraph(number: int) -> str:
        words = f"Au conseil numéro {number}, le maire a présenté un plan de circulation revu."
        return "<p>" + "".join(f"<span>{w} </span>" for w in words.split()) + "</p>"

    count = MAX_ELEMENTS // 4
    assert count * 14 > MAX_ELEMENTS
    body = "".join(paragraph(n) for n in range(count))
    page = f"<html><head><title>Plan</title></head><body><article>{body}</article></body></html>"
    assert len(page) < MAX_HTML_BYTES  # not truncated as text: the element count is the limit
    article = extract_article(page)
    assert "Au conseil numéro 0, le maire a présenté" in article.text
    assert f"Au conseil numéro {count - 1}," not in article.text


def test_an_external_entity_in_a_page_is_not_read(tmp_path: Path) -> None:  # S12
    """XXE in an article page (XHTML with an internal DTD): the file is never read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET", encoding="utf-8")
    body = "".join(
        f"<p>Le conseil municipal a voté le budget de l'année, paragraphe {n}, après un long "
        "débat sur les transports, les écoles et la rénovation des équipements sportifs.</p>"
        for n in range(6)
    )
    page = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "' + secret.as_uri() + '">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Budget voté</title></head>'
        f"<body><article><h1>Budget voté &xxe;</h1>{body}<p>&xxe;</p></article></body></html>"
    ).encode()
    article = extract_article(page, url="https://exemple.fr/budget")
    assert "conseil municipal" in article.text
    assert "MOT-DE-PASSE" not in article.title + article.text


def test_a_hostile_page_date_is_ignored_not_raised() -> None:
    """year 1 in article:published_time overflowed to UTC (OverflowError) before."""
    body = "".join(
        f"<p>Le conseil départemental a présenté son plan pour les routes, point {n}, devant "
        "les élus réunis en séance plénière jeudi matin à la préfecture.</p>"
        for n in range(6)
    )
    page = (
        '<html><head><meta property="article:published_time" content="0001-01-01T00:00:00">'
        f"<title>Plan routier</title></head><body><article><h1>Plan routier</h1>{body}"
        "</article></body></html>"
    )
    article = extract_article(page, url="https://exemple.fr/routes")
    assert article.published is None and "conseil départemental" in article.text
