"""Issue 15: CDF (Microsoft's Channel Definition Format), the ``<CHANNEL>`` feeds of Internet
Explorer's active channels, read like RSS. The golden document is
``tests/data/feeds/cdf_channel.cdf``; the cases below are written by the test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from summarizer.discovery import looks_like_feed
from summarizer.errors import FeedError
from summarizer.feeds import parse_feed

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "feeds" / "cdf_channel.cdf"


def _cdf(channel_attributes: str, items: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<CHANNEL {channel_attributes}>'
        f"<TITLE>Chaîne d'essai</TITLE><ABSTRACT>Pour voir.</ABSTRACT>{items}</CHANNEL>"
    ).encode()


def test_a_cdf_channel_is_a_feed_with_its_items() -> None:
    assert looks_like_feed(GOLDEN.read_bytes())
    parsed = parse_feed(GOLDEN.read_bytes(), base_url="https://gazette-rive.exemple.fr/c.cdf")
    assert parsed.title == "La Gazette de la Rive"
    assert parsed.link == "https://gazette-rive.exemple.fr/"  # the root's HREF, not Culture's
    assert [entry.title for entry in parsed.entries] == [
        "Le marché de Noël ouvre ses chalets sur le quai",
        "Régate : le club de voile remporte la coupe d'automne",
        "Une exposition de photographies anciennes à la mairie",  # in a sub-channel
    ]


def test_lastmod_is_gmt_and_base_resolves_relative_hrefs() -> None:
    data = _cdf(
        'HREF="https://exemple.fr/" BASE="https://exemple.fr/chaine/"',
        '<ITEM HREF="a.html" LASTMOD="2026-07-14T22:30"><TITLE>Feu d\'artifice</TITLE></ITEM>',
    )
    (entry,) = parse_feed(data, base_url="https://ailleurs.exemple.net/flux.cdf").entries
    assert entry.link == "https://exemple.fr/chaine/a.html"
    # GMT by the format's definition: not read as Paris time (which would give 20:30 UTC).
    assert entry.published == datetime(2026, 7, 14, 22, 30, tzinfo=UTC)


def test_a_hostile_base_is_ignored_and_the_document_url_resolves() -> None:
    data = _cdf(
        'HREF="javascript:alert(1)" BASE="javascript:alert(1)//"',
        '<ITEM HREF="b.html"><TITLE>Un titre</TITLE></ITEM>',
    )
    parsed = parse_feed(data, base_url="https://exemple.fr/flux/chaine.cdf")
    assert parsed.entries[0].link == "https://exemple.fr/flux/b.html"
    assert parsed.link is None or parsed.link.startswith("https://")


def test_a_channel_without_items_is_empty_and_other_roots_are_not_feeds() -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(_cdf('HREF="https://exemple.fr/"', ""))
    assert caught.value.reason == "empty"
    for document in (b"<?xml version='1.0'?><chaine><item>x</item></chaine>", b"<channels/>"):
        assert not looks_like_feed(document)
        with pytest.raises(FeedError) as caught:
            parse_feed(document)
        assert caught.value.reason == "not_a_feed"
