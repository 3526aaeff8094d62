"""Golden pages: ``tests/data/pages/<name>.html`` with the expected values in ``<name>.json``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import MIN_BODY_WORDS, extract_article
from summarizer.errors import ExtractionError
from summarizer.metadata import decode_html
from summarizer.model import TextOrigin

PAGES = Path(__file__).parents[1] / "data" / "pages"
GOLDEN = sorted(p.stem for p in PAGES.glob("*.json"))


def _load(name: str) -> tuple[bytes, dict[str, Any]]:
    return (PAGES / f"{name}.html").read_bytes(), json.loads((PAGES / f"{name}.json").read_text())


def test_golden_set_is_complete() -> None:
    assert {"techsite", "jsonld_two_authors", "paywall", "latin1", "empty", "binary"} <= set(GOLDEN)


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_page(name: str) -> None:
    html, spec = _load(name)
    if "error" in spec:
        with pytest.raises(ExtractionError) as caught:
            extract_article(html, url=spec["url"])
        assert caught.value.reason == spec["error"]
        assert caught.value.url == spec["url"]
        return
    article = extract_article(html, url=spec["url"])
    expected = spec["expected"]
    assert article.origin is TextOrigin.PAGE
    assert article.url == spec["url"]
    assert article.title == expected["title"]
    assert article.authors == tuple(expected["authors"])
    assert article.source == expected["source"]
    assert article.site_name == expected["site_name"]
    assert article.published == datetime.fromisoformat(expected["published"])
    assert article.categories == tuple(expected["categories"])
    assert article.image == expected["image"]
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == expected["paragraphs"]
    for fragment in expected["text_contains"]:
        assert fragment in article.text
    for fragment in expected["text_excludes"]:
        assert fragment not in article.text
    for heading in expected["heading_lines"]:
        assert heading not in paragraphs
        assert heading not in article.text
    assert len(article.text.split()) >= MIN_BODY_WORDS


def test_published_is_aware_utc() -> None:
    html, spec = _load("jsonld_two_authors")
    published = extract_article(html, url=spec["url"]).published
    assert published is not None
    assert published.utcoffset() is not None
    assert published.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_latin1_page_given_as_str_is_the_same() -> None:
    html, spec = _load("latin1")
    from_bytes = extract_article(html, url=spec["url"])
    from_str = extract_article(html.decode("cp1252"), url=spec["url"])
    assert from_bytes == from_str
    assert "Élysée" in from_bytes.title


def test_utf8_page_without_declared_charset_is_decoded() -> None:
    html, _ = _load("techsite")
    undeclared = html.replace(b'<meta charset="utf-8">', b"")
    assert b"charset" not in undeclared
    assert extract_article(undeclared).text == extract_article(html).text


def test_latin1_bytes_without_declared_charset_fall_back_to_windows_1252() -> None:
    html, _ = _load("latin1")
    undeclared = html.replace(b"; charset=iso-8859-1", b"")
    article = extract_article(undeclared)
    assert article.title == "L'Élysée prépare un remaniement avant la rentrée"
    assert "�" not in article.text


def test_mislabelled_latin1_declared_as_utf8_is_still_readable() -> None:
    html, _ = _load("latin1")
    mislabelled = html.replace(b"charset=iso-8859-1", b"charset=utf-8")
    article = extract_article(mislabelled)
    assert article.title == "L'Élysée prépare un remaniement avant la rentrée"


def test_utf8_bom_wins_over_a_wrong_declaration() -> None:
    html, _ = _load("techsite")
    with_bom = b"\xef\xbb\xbf" + html.replace(b'charset="utf-8"', b'charset="iso-8859-1"')
    assert extract_article(with_bom).title == extract_article(html).title


def test_teaser_page_is_too_short_so_the_caller_uses_the_feed() -> None:
    html, _ = _load("paywall")
    with pytest.raises(ExtractionError) as caught:
        extract_article(html)
    assert caught.value.reason == "too_short"
    assert "words=" in caught.value.detail


@pytest.mark.parametrize(
    "blob",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\x00\x01\x02\x03" * 64, b"\x1f\x8b\x08\x00rest"],
)
def test_other_binary_blobs_are_not_html(blob: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_article(blob)
    assert caught.value.reason == "not_html"


@pytest.mark.parametrize("document", ["", "   \n\t ", b"", b"\n\n"])
def test_blank_input_is_empty(document: str | bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_article(document)
    assert caught.value.reason == "empty"


@pytest.mark.parametrize("as_bytes", [True, False])
def test_xhtml_page_with_an_xml_declaration(as_bytes: bool) -> None:
    html, _ = _load("techsite")
    xhtml = b'<?xml version="1.0" encoding="utf-8"?>\n' + html.split(b"\n", 1)[1]
    article = extract_article(xhtml if as_bytes else xhtml.decode())
    assert article.source == "Numerama"
    assert article.authors == ("Camille Moreau",)


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("x-gbk", "gbk", "北京迎来初雪"),
        ("koi8", "koi8-r", "В Москве выпал первый снег"),
        ("x-cp1255", "cp1255", "שלג ראשון בירושלים"),
        ("cseuckr", "euc-kr", "서울에 첫눈이 내렸다"),
        ("ISO-8859-1", "cp1252", "Première neige à Besançon, 5 € le chocolat"),
    ],
)
def test_a_page_declared_with_a_browser_label_is_decoded_by_it(
    label: str, codec: str, text: str
) -> None:
    """Issue 15: the labels browsers know and Python does not name their encoding."""
    page = f'<html><head><meta charset="{label}"><title>{text}</title></head></html>'
    assert text in decode_html(page.encode(codec))
