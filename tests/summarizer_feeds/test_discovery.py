"""discover_feeds on small pages, and looks_like_feed."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.discovery import discover_feeds, looks_like_feed

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"


def _page(head: str, body: str = "") -> bytes:
    head = f"<head><meta charset='utf-8'>{head}</head>"
    return f"<!DOCTYPE html><html>{head}<body>{body}</body></html>".encode()


def test_link_alternate_rss_first_then_atom_and_comments_last() -> None:
    page = _page(
        "<link rel='alternate' type='application/atom+xml' href='/atom.xml'>"
        "<link rel='alternate' type='application/rss+xml' title='Flux des commentaires'"
        " href='/comments/feed/'>"
        "<link rel='stylesheet' href='/style.css'>"
        "<link rel='alternate' type='application/rss+xml' href='https://journal.example/rss.xml'>"
        "<link rel='alternate' type='text/html' hreflang='en' href='/en/'>"
    )
    assert discover_feeds(page, "https://journal.example/actu/") == [
        "https://journal.example/rss.xml",
        "https://journal.example/atom.xml",
        "https://journal.example/comments/feed/",
    ]


def test_relative_urls_use_the_base_element_and_duplicates_go() -> None:
    page = _page(
        "<base href='https://cdn.journal.example/site/'>"
        "<link rel='Alternate' type='application/RSS+XML; charset=utf-8'"
        " href='flux.xml?utm_source=x'>"
        "<link rel='alternate' type='application/rss+xml' href='flux.xml'>"
    )
    assert discover_feeds(page, "https://journal.example/") == [
        "https://cdn.journal.example/site/flux.xml"
    ]


def test_anchor_hints_come_after_declared_feeds() -> None:
    page = _page(
        "<link rel='alternate' type='application/rss+xml' href='/rss.xml'>",
        "<a href='/feed/'>Flux</a><a href='/politique.rss'>Politique</a>"
        "<a href='/article/feedback'>Avis</a><a href='javascript:void(0)'>x</a>"
        "<a href='mailto:a@b.example'>mail</a><a href='/rss/'>RSS</a>",
    )
    assert discover_feeds(page, "https://journal.example/") == [
        "https://journal.example/rss.xml",
        "https://journal.example/feed/",
        "https://journal.example/politique.rss",
        "https://journal.example/rss/",
    ]


def test_hostile_and_unusable_hrefs_are_skipped() -> None:
    page = _page(
        "<link rel='alternate' type='application/rss+xml' href='javascript:alert(1)'>"
        "<link rel='alternate' type='application/rss+xml' href='file:///etc/passwd'>"
        "<link rel='alternate' type='application/rss+xml' href='feed://journal.example/rss'>"
        "<link rel='alternate' type='application/rss+xml'>"
    )
    assert discover_feeds(page, "https://journal.example/") == []


@pytest.mark.parametrize("html", [b"", b"\x00\x01\x02", b"pas du html", b"<html></html>"])
def test_no_feed_no_crash(html: bytes) -> None:
    assert discover_feeds(html, "https://journal.example/") == []


def test_the_golden_html_page_declares_its_feed() -> None:
    html = (DATA / "html_page.html").read_bytes()
    assert discover_feeds(html, "https://journal.example/") == ["https://journal.example/rss.xml"]


@pytest.mark.parametrize(
    "name", ["rss091.xml", "rss10_rdf.xml", "rss20_content.xml", "atom.xml", "billion_laughs.xml"]
)
def test_golden_feeds_look_like_feeds(name: str) -> None:
    assert looks_like_feed((DATA / name).read_bytes())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b'{"items": []}',
        b"<!DOCTYPE html><html><head><link type='application/rss+xml'></head></html>",
        b"<html><body><rss>citation</rss></body></html>",
        b"\x89PNG\r\n",
    ],
)
def test_non_feeds_do_not_look_like_feeds(data: bytes) -> None:
    assert not looks_like_feed(data)


def test_utf16_feed_looks_like_feed() -> None:
    data = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"></rss>'.encode("utf-16")
    assert looks_like_feed(data)
