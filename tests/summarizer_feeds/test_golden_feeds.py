"""Golden feeds: each tests/data/feeds/<name>.json holds the expected parse of its document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import FeedError
from summarizer.feeds import parse_feed
from summarizer.model import ParsedFeed

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
GOLDEN = sorted(DATA.glob("*.json"))


def _as_dict(feed: ParsedFeed) -> dict[str, Any]:
    return {
        "title": feed.title,
        "link": feed.link,
        "is_loose": feed.is_loose,
        "entries": [
            {
                "key": e.key,
                "title": e.title,
                "link": e.link,
                "summary": e.summary,
                "content_html": e.content_html,
                "authors": list(e.authors),
                "categories": list(e.categories),
                "published": e.published.isoformat() if e.published else None,
                "image": e.image,
            }
            for e in feed.entries
        ],
    }


def test_there_is_a_golden_file_for_every_document() -> None:
    documents = {p.stem for p in DATA.iterdir() if p.suffix != ".json"}
    assert documents == {p.stem for p in GOLDEN}
    assert len(GOLDEN) >= 12


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.stem)
def test_golden_feed(golden: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))
    data = (DATA / expected["file"]).read_bytes()
    kwargs = {"base_url": expected["base_url"], "content_type": expected["content_type"]}
    if expected["error"]:
        with pytest.raises(FeedError) as caught:
            parse_feed(data, **kwargs)
        assert caught.value.reason == expected["error"]
        return
    actual = _as_dict(parse_feed(data, **kwargs))
    for field in ("title", "link", "is_loose"):
        assert actual[field] == expected[field], field
    assert len(actual["entries"]) == len(expected["entries"])
    for got, want in zip(actual["entries"], expected["entries"], strict=True):
        assert got == want


@pytest.mark.parametrize(
    "content_type",
    [None, "application/rss+xml; charset=ISO-8859-1", "text/xml", "application/xml; charset=utf-8"],
)
def test_mislabelled_latin1_body_reads_elysee(content_type: str | None) -> None:
    """F22: a Latin-1 body declaring utf-8, with or without a Latin-1 charset header."""
    data = (DATA / "latin1_declared_utf8.xml").read_bytes()
    feed = parse_feed(data, content_type=content_type)
    assert feed.entries[0].title == "Élysée"
    assert "à l'Élysée" in feed.entries[0].summary
    assert feed.is_loose is False


@pytest.mark.parametrize("content_type", [None, "text/xml", "application/xml; charset=utf-8"])
def test_f22_latin1_signs_outside_iso8859_15_survive_the_mislabel(content_type: str | None) -> None:
    """F22: in a Latin-1 body declaring utf-8, "½" (0xBD) stays "½": the body is read as
    windows-1252, not left to a guess (iso8859-15 would turn it into "œ")."""
    data = (DATA / "latin1_declared_utf8.xml").read_bytes()
    data = data.replace("Élysée".encode("latin-1"), "Élysée : ½ journée".encode("latin-1"), 1)
    feed = parse_feed(data, content_type=content_type)
    assert feed.entries[0].title == "Élysée : ½ journée"


def test_utf8_body_labelled_latin1_is_read_as_utf8() -> None:
    data = (DATA / "rss20_content.xml").read_bytes()
    feed = parse_feed(data, content_type="application/rss+xml; charset=ISO-8859-1")
    assert feed.title == "Le Quotidien Numérique"


def test_keys_are_stable_across_polls() -> None:
    """F16: the same document gives the same keys on every poll (no dates, no counters)."""
    for name in ("no_guid.xml", "duplicate_guids.xml", "rss20_content.xml"):
        data = (DATA / name).read_bytes()
        first = [e.key for e in parse_feed(data).entries]
        second = [e.key for e in parse_feed(data).entries]
        assert first == second
        assert len(set(first)) == len(first)


def test_billion_laughs_stays_inert() -> None:  # S12
    for name in ("billion_laughs.xml", "billion_laughs_oneline.xml"):
        feed = parse_feed((DATA / name).read_bytes())
        texts = [feed.title] + [e.title + e.summary for e in feed.entries]
        assert all("lollol" not in text for text in texts)
        assert all(len(text) < 100 for text in texts)


def test_external_entity_is_not_read(tmp_path: Path) -> None:  # S12
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-SECRET", encoding="utf-8")
    data = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "'
        + secret.as_uri()
        + '">]><rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
        "<link>https://x.example/1</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(data)
    assert "MOT-DE-PASSE" not in feed.entries[0].title + feed.title
