"""Behaviour of parse_feed beyond the golden files: S8, caps, hostile fields, keys (F15, F16),
malformed XML (F21), P1 properties."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.errors import FeedError
from summarizer.feeds import MAX_ENTRIES, MAX_SUMMARY, MAX_TITLE, parse_feed


def _rss(
    items: str, channel: str = "<title>Essai</title><link>https://essai.example/</link>"
) -> bytes:
    prolog = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
    return f"{prolog}<channel>{channel}{items}</channel></rss>".encode()


def test_a_path_given_as_bytes_is_never_opened(tmp_path: Path) -> None:
    """S8: feedparser.parse(b"/some/path") would read that file; parse_feed must not."""
    target = tmp_path / "feed.xml"
    target.write_bytes(_rss("<item><title>Fichier local</title></item>"))
    with pytest.raises(FeedError) as caught:
        parse_feed(str(target).encode())
    assert caught.value.reason == "not_a_feed"


def test_s8_markup_bytes_naming_a_local_file_are_parsed_not_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S8: bytes that look like markup can still be a file name: feedparser.parse(b"<rss>") reads
    a file called ``<rss>`` in the working directory. parse_feed parses the bytes themselves."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "<rss>").write_bytes(_rss("<item><guid>g</guid><title>Secret local</title></item>"))
    with pytest.raises(FeedError) as caught:
        parse_feed(b"<rss>")
    assert caught.value.reason in {"not_a_feed", "empty"}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"  \n ",
        b'{"version": "https://example.org/other-json", "items": []}',
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"<!doctype html><html><body>x</body></html>",
        b"<html><head><title>x</title></head></html>",
        b"<foo><bar/></foo>",
        b"\xef\xbb\xbf",
    ],
)
def test_not_a_feed(data: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(data)
    assert caught.value.reason == "not_a_feed"


def test_a_feed_without_entries_is_empty() -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(_rss(""))
    assert caught.value.reason == "empty"


def test_at_most_500_entries_are_kept_in_document_order() -> None:
    items = "".join(
        f"<item><guid isPermaLink='false'>g{i}</guid><title>Article {i}</title></item>"
        for i in range(MAX_ENTRIES + 50)
    )
    feed = parse_feed(_rss(items))
    assert len(feed.entries) == MAX_ENTRIES
    assert [e.key for e in feed.entries[:3]] == ["g0", "g1", "g2"]


def test_long_fields_are_truncated() -> None:
    title, text = "Titre " * 1000, "Phrase longue. " * 5000
    feed = parse_feed(_rss(f"<item><title>{title}</title><description>{text}</description></item>"))
    entry = feed.entries[0]
    assert len(entry.title) <= MAX_TITLE and entry.title.endswith("…")
    assert len(entry.summary) <= MAX_SUMMARY


def test_an_image_in_markup_is_read_against_its_own_xml_base() -> None:
    """feedparser no longer rewrites the links inside markup (issue 14: a third of the parsing
    of a feed with full contents); the one link the bot takes from markup, the image, is still
    resolved against the ``xml:base`` in force there, then the feed's address."""
    entries = (
        "<entry><title>Contenu</title><id>urn:1</id><link href='a/1'/>"
        "<updated>2024-12-02T10:00:00Z</updated>"
        "<content type='html' xml:base='https://photos.example/dossier/'>"
        "&lt;p&gt;&lt;img src=&quot;neige.jpg&quot;&gt;Texte.&lt;/p&gt;</content></entry>"
        "<entry><title>Résumé</title><id>urn:2</id><link href='a/2'/>"
        "<updated>2024-12-02T10:00:00Z</updated>"
        "<summary type='html'>&lt;img src=&quot;mini.png&quot;&gt;Résumé.</summary></entry>"
    )
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
        f' xml:base="https://site.example/base/"><title>A</title>{entries}</feed>'
    ).encode()
    feed = parse_feed(atom, base_url="https://site.example/flux/atom.xml")
    assert [e.image for e in feed.entries] == [
        "https://photos.example/dossier/neige.jpg",
        "https://site.example/base/mini.png",
    ]
    assert [e.link for e in feed.entries] == [
        "https://site.example/base/a/1",
        "https://site.example/base/a/2",
    ]
    rss = _rss(
        "<item><title>Sans base</title><description>&lt;img src='v.jpg'&gt;Un.</description></item>"
    )
    [entry] = parse_feed(rss, base_url="https://essai.example/rubrique/flux.xml").entries
    assert entry.image == "https://essai.example/rubrique/v.jpg"


def test_hostile_links_and_images_are_dropped() -> None:
    items = (
        "<item><title>a</title><link>javascript:alert(1)</link>"
        "<enclosure url='data:image/png;base64,AAAA' type='image/png'/></item>"
        "<item><title>b</title><link>file:///etc/passwd</link></item>"
        "<item><title>c</title><link>https://user:pw@essai.example/x</link></item>"
    )
    feed = parse_feed(_rss(items), base_url="https://essai.example/rss")
    assert [e.link for e in feed.entries] == [None, None, None]
    assert [e.image for e in feed.entries] == [None, None, None]
    assert all(e.key.startswith("sha256:") for e in feed.entries)


def test_html_in_text_fields_is_removed() -> None:
    """S22: escaped tags in the title, script and style in the summary."""
    items = (
        "<item><title>&lt;b&gt;gras&lt;/b&gt; et L&amp;#39;&amp;Eacute;lys&amp;eacute;e</title>"
        "<description><![CDATA[<p onclick='x()'>Texte<script>alert(1)</script>"
        "<style>p{}</style> suite</p>]]></description></item>"
    )
    entry = parse_feed(_rss(items)).entries[0]
    assert entry.title == "gras et L'Élysée"
    assert entry.summary == "Texte suite"


def test_undated_entries_stay_undated() -> None:
    entry = parse_feed(_rss("<item><title>Sans date</title></item>")).entries[0]
    assert entry.published is None


def test_f15_duplicate_guid_with_the_same_link_is_dropped() -> None:
    """F15: a repeated guid with the same (canonical) link is one item; a distinct item sharing
    the guid gets its own key, so no key appears twice."""
    items = (
        "<item><guid isPermaLink='false'>x</guid><title>Un</title><link>https://e.example/1</link></item>"
        "<item><guid isPermaLink='false'>x</guid><title>Un bis</title>"
        "<link>https://e.example/1?utm_source=rss</link></item>"
        "<item><guid isPermaLink='false'>x</guid><title>Deux</title><link>https://e.example/2</link></item>"
    )
    feed = parse_feed(_rss(items))
    assert [e.link for e in feed.entries] == ["https://e.example/1", "https://e.example/2"]
    assert len({e.key for e in feed.entries}) == 2
    assert all(e.key.startswith("x#") for e in feed.entries)


def _guid_item(title: str, link: str) -> str:
    return (
        f"<item><guid isPermaLink='false'>x</guid><title>{title}</title><link>{link}</link></item>"
    )


def test_keys_of_items_sharing_a_guid_do_not_depend_on_their_position() -> None:
    """F15/F16: an item added in front of two items that share its guid renames neither of
    them (else the new one would be taken for an old one and never posted)."""
    first, second = (
        _guid_item("Un", "https://e.example/1"),
        _guid_item("Deux", "https://e.example/2"),
    )
    before = {e.link: e.key for e in parse_feed(_rss(first + second)).entries}
    added = _guid_item("Trois", "https://e.example/3")
    after = {e.link: e.key for e in parse_feed(_rss(added + second + first)).entries}
    assert {link: after[link] for link in before} == before
    assert after["https://e.example/3"] not in before.values()


def test_f16_keys_are_the_guid_then_the_link_then_a_hash_of_title_and_summary() -> None:
    """F16: an item without a guid is keyed by its link; one with neither by
    ``sha256(title + "\\n" + summary)``; the same document gives the same keys again."""
    items = (
        "<item><guid isPermaLink='false'>g-1</guid><title>Avec guid</title>"
        "<link>https://e.example/1</link></item>"
        "<item><title>Sans guid</title><link>https://e.example/2</link></item>"
        "<item><title>Ni guid ni lien</title><description>Le texte seul.</description></item>"
    )
    digest = hashlib.sha256(b"Ni guid ni lien\nLe texte seul.").hexdigest()
    keys = [e.key for e in parse_feed(_rss(items)).entries]
    assert keys == ["g-1", "https://e.example/2", f"sha256:{digest}"]
    assert [e.key for e in parse_feed(_rss(items)).entries] == keys


def test_f21_an_unclosed_tag_keeps_every_entry_and_marks_the_feed_loose() -> None:
    """F21, the policy chosen: feedparser's lenient reading is accepted; the entries around and
    in the broken item are kept and ``is_loose`` is set (logged, not an error)."""
    items = "".join(
        f"<item><guid isPermaLink='false'>m-{n}</guid><title>Article {n}</title>"
        f"<description>{'Un texte <b>coupé' if n == 2 else 'Un texte entier.'}</description>"
        "</item>"
        for n in (1, 2, 3)
    )
    feed = parse_feed(_rss(items))
    assert [e.key for e in feed.entries] == ["m-1", "m-2", "m-3"]
    assert feed.is_loose is True
    assert parse_feed(_rss(items.replace("<b>", ""))).is_loose is False


XMLISH = st.recursive(
    st.text(alphabet="abc <>&;/=\"'é\x00", max_size=20),
    lambda inner: st.builds(
        lambda tag, body: f"<{tag}>{body}</{tag}>",
        st.sampled_from(["rss", "channel", "item", "title", "link", "guid", "feed", "entry", "x"]),
        st.lists(inner, max_size=4).map("".join),
    ),
    max_leaves=20,
)


@pytest.mark.property
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=65536))
def test_p1_arbitrary_bytes_only_raise_feed_error(data: bytes) -> None:
    with contextlib.suppress(FeedError):
        parse_feed(data)


@pytest.mark.property
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(XMLISH, st.sampled_from([b"", b'<?xml version="1.0"?>', b"\xef\xbb\xbf"]))
def test_p1_xmlish_documents_only_raise_feed_error(body: str, prolog: bytes) -> None:
    try:
        feed = parse_feed(prolog + body.encode("utf-8", "surrogatepass"))
    except FeedError:
        return
    assert len({e.key for e in feed.entries}) == len(feed.entries)


@pytest.mark.property
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            b"<rss version='2.0'><channel><item><title>",
            b"<feed xmlns='http://www.w3.org/2005/Atom'>",
            b"<?xml version='1.0' encoding='utf-16'?><rss>",
            b"<!DOCTYPE rss [<!ENTITY a '",
            b"<",
        ]
    ),
    st.binary(max_size=4096),
)
def test_p1_markup_prefixed_bytes_only_raise_feed_error(prefix: bytes, tail: bytes) -> None:
    with contextlib.suppress(FeedError):
        parse_feed(prefix + tail, content_type="application/rss+xml; charset=utf-8")
