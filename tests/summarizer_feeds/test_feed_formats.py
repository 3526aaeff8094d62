"""Issue 15: feeds that exist in the wild. JSON Feed 1 and 1.1 under the same rules as RSS and
Atom, documents decoded by BOM and declared encoding before any fallback, and titles that never
hold script source. Every feed here is written by the test."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from summarizer.discovery import discover_feeds, looks_like_feed
from summarizer.errors import FeedError
from summarizer.feeds import MAX_ENTRIES, MAX_TITLE, parse_feed

JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Le Petit Écho du Vercors",
    "home_page_url": "https://echo-vercors.exemple.fr/",
    "feed_url": "https://echo-vercors.exemple.fr/feed.json",
    "authors": [{"name": "La rédaction du Petit Écho"}],
    "items": [
        {
            "id": "https://echo-vercors.exemple.fr/2026/12/neige-precoce",
            "url": "https://echo-vercors.exemple.fr/2026/12/neige-precoce?utm_source=json",
            "title": "Neige précoce : les stations du Vercors ouvrent samedi",
            "summary": "Trente centimètres sont tombés en deux jours sur les crêtes.",
            "content_html": (
                '<p onclick="voler()">Les remontées de Villard-de-Lans tourneront dès samedi.'
                "</p><script>alert('piège')</script><p>Les pisteurs sont à pied d'œuvre.</p>"
                '<iframe src="https://pub.exemple.com/"></iframe>'
            ),
            "date_published": "2026-12-02T07:30:00+01:00",
            "authors": [{"name": "Élise Faure", "url": "https://echo-vercors.exemple.fr/elise"}],
            "tags": ["Montagne", "Ski", "montagne"],
            "image": "https://echo-vercors.exemple.fr/img/neige.jpg",
        },
        {
            "id": "brève-2",
            "url": "/2026/12/route-fermee",
            "content_text": "La route des Gorges de la Bourne est fermée.\n\nRéouverture lundi.",
            "date_modified": "2026-12-01T18:00:00Z",
        },
    ],
}

JSON_FEED_10 = {
    "version": "https://jsonfeed.org/version/1",
    "title": "Carnet de Lyon",
    "home_page_url": "https://carnet-lyon.exemple.fr",
    "author": {"name": "Paul Merle"},
    "items": [
        {
            "id": 1042,
            "external_url": "https://www.exemple-presse.fr/lyon/fete-des-lumieres",
            "title": "La Fête des lumières attire un million de visiteurs",
            "content_text": "Le bilan de la préfecture est provisoire.",
            "date_published": "2026-12-08T22:15:00+01:00",
            "attachments": [
                {"url": "https://carnet-lyon.exemple.fr/podcast.mp3", "mime_type": "audio/mpeg"},
                {"url": "https://carnet-lyon.exemple.fr/photo.png", "mime_type": "image/png"},
            ],
        }
    ],
}


def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_json_feed_1_1_is_read_like_rss() -> None:
    parsed = parse_feed(_json(JSON_FEED_11), base_url="https://echo-vercors.exemple.fr/feed.json")
    assert parsed.title == "Le Petit Écho du Vercors"
    assert parsed.link == "https://echo-vercors.exemple.fr/"
    first, second = parsed.entries
    assert first.key == "https://echo-vercors.exemple.fr/2026/12/neige-precoce"
    assert first.link == "https://echo-vercors.exemple.fr/2026/12/neige-precoce"  # no utm_*
    assert first.title == "Neige précoce : les stations du Vercors ouvrent samedi"
    assert first.summary == "Trente centimètres sont tombés en deux jours sur les crêtes."
    assert first.published == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
    assert first.authors == ("Élise Faure",)
    assert first.categories == ("Montagne", "Ski")  # deduplicated as RSS categories are
    assert first.image == "https://echo-vercors.exemple.fr/img/neige.jpg"
    # Sanitised as feedparser sanitises RSS content: no script, handler or frame survives.
    assert "Les remontées de Villard-de-Lans" in first.content_html
    for hostile in ("alert", "onclick", "voler", "<script", "<iframe", "pub.exemple.com"):
        assert hostile not in first.content_html
    assert second.key == "brève-2"
    assert second.link == "https://echo-vercors.exemple.fr/2026/12/route-fermee"  # resolved
    assert second.title == ""
    assert second.summary == "La route des Gorges de la Bourne est fermée.\n\nRéouverture lundi."
    assert second.authors == ("La rédaction du Petit Écho",)  # the feed's authors
    assert second.published == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def test_json_feed_1_0_author_numeric_id_external_url_and_attachments() -> None:
    (entry,) = parse_feed(_json(JSON_FEED_10)).entries
    assert entry.key == "1042"
    assert entry.link == "https://www.exemple-presse.fr/lyon/fete-des-lumieres"
    assert entry.authors == ("Paul Merle",)
    assert entry.summary == "Le bilan de la préfecture est provisoire."
    assert entry.image == "https://carnet-lyon.exemple.fr/photo.png"  # the image, not the mp3


def test_json_feed_follows_the_same_limits() -> None:
    items = [
        {"id": f"n{index}", "url": f"https://exemple.fr/{index}", "title": "é" * (MAX_TITLE * 2)}
        for index in range(MAX_ENTRIES + 100)
    ]
    parsed = parse_feed(_json({**JSON_FEED_11, "items": items}))
    assert len(parsed.entries) == MAX_ENTRIES
    assert all(len(entry.title) <= MAX_TITLE for entry in parsed.entries)


@pytest.mark.parametrize(
    "items",
    [
        [{"id": ["a"], "title": {"x": 1}, "url": 7, "tags": "pas une liste", "authors": "x"}],
        [None, 3, "texte", {"id": "ok", "url": "https://exemple.fr/ok", "title": True}],
    ],
)
def test_json_feed_with_wrong_types_keeps_what_is_usable(items: list[object]) -> None:
    try:
        parsed = parse_feed(_json({**JSON_FEED_11, "items": items}))
    except FeedError as error:
        assert error.reason == "empty"
        return
    for entry in parsed.entries:
        assert entry.link in (None, "https://exemple.fr/ok") and entry.title == ""


def test_a_json_feed_without_items_is_empty_and_deep_json_is_not_a_feed() -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(_json({**JSON_FEED_11, "items": []}))
    assert caught.value.reason == "empty"
    deep = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000
    with pytest.raises(FeedError) as caught:
        parse_feed(deep + b"]" * 100_000 + b"}")
    assert caught.value.reason == "not_a_feed"


def test_a_json_feed_with_sorted_keys_is_recognised_by_its_version_at_the_end() -> None:
    """Go's maps and ``sort_keys=True`` write "version" last, after every item: the feed is
    recognised by content wherever the key is, by the parser and by the sniff of /feed add."""
    items = [{**JSON_FEED_11["items"][0], "id": f"neige-{n}"} for n in range(40)]
    data = json.dumps({**JSON_FEED_11, "items": items}, sort_keys=True).encode()
    assert data.rindex(b'"version"') > 16_000  # far past any sniff of the start
    assert looks_like_feed(data)
    parsed = parse_feed(data)
    assert parsed.title == "Le Petit Écho du Vercors" and len(parsed.entries) == 40
    not_a_feed = json.dumps({"items": items, "version": "2.0"}, sort_keys=True).encode()
    assert not looks_like_feed(not_a_feed)
    with pytest.raises(FeedError) as caught:
        parse_feed(not_a_feed)
    assert caught.value.reason == "not_a_feed"


def test_json_feeds_are_recognised_and_discovered() -> None:
    assert looks_like_feed(_json(JSON_FEED_11))
    assert looks_like_feed(b'{"version":"https:\\/\\/jsonfeed.org\\/version\\/1","items":[]}')
    assert not looks_like_feed(b'{"version": "2.0", "items": []}')
    page = (
        b'<html><head><link rel="alternate" type="application/feed+json" href="/feed.json">'
        b"</head><body></body></html>"
    )
    assert discover_feeds(page, "https://echo-vercors.exemple.fr/") == [
        "https://echo-vercors.exemple.fr/feed.json"
    ]


# --- encodings --------------------------------------------------------------------------------

TITLES = {
    "euc-jp": "東京で初雪を観測",
    "euc-kr": "서울에 첫눈이 내렸다",
    "koi8-r": "В Москве выпал первый снег",
    "gb2312": "北京迎来初雪",
    "windows-1255": "שלג ראשון בירושלים",
    "iso-8859-1": "Première neige à Besançon",
}


def _rss(title: str, *, encoding: str | None) -> str:
    prolog = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else ""
    return (
        f'{prolog}<rss version="2.0"><channel><title>{title}</title>'
        "<link>https://exemple.fr/</link><description>d</description><item>"
        f"<title>{title}</title><link>https://exemple.fr/a</link></item></channel></rss>"
    )


@pytest.mark.parametrize("encoding", sorted(TITLES))
def test_a_feed_declared_in_its_prolog_is_decoded_by_that_declaration(encoding: str) -> None:
    title = TITLES[encoding]
    parsed = parse_feed(_rss(title, encoding=encoding).encode(encoding))
    assert parsed.entries[0].title == title
    assert parsed.title == title


@pytest.mark.parametrize("encoding", sorted(TITLES))
def test_a_feed_declared_in_the_http_header_is_decoded_by_that_declaration(encoding: str) -> None:
    title = TITLES[encoding]
    data = _rss(title, encoding=None).encode(encoding)
    parsed = parse_feed(data, content_type=f"application/rss+xml; charset={encoding.upper()}")
    assert parsed.entries[0].title == title


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        ("utf-32-be", b"\x00\x00\xfe\xff"),
        ("utf-32-be", b""),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-32-le", b""),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-8", b"\xef\xbb\xbf"),
    ],
)
def test_wide_encodings_are_read_by_bom_or_by_their_pattern(codec: str, bom: bytes) -> None:
    title = "Éclipse : le ciel de Brest s'assombrit"
    label = codec.split("-")[0] + "-" + codec.split("-")[1]
    data = bom + _rss(title, encoding=label).encode(codec)
    assert parse_feed(data).entries[0].title == title
    assert looks_like_feed(data)  # /feed add's sniff reads it too


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("x-euc-jp", "euc-jp"),
        ("cseuckr", "euc-kr"),
        ("ks_c_5601-1989", "euc-kr"),
        ("koi8", "koi8-r"),
        ("x-gbk", "gb2312"),
        ("csgb2312", "gb2312"),
        ("x-cp1255", "windows-1255"),
        ("windows-31j", "shift_jis"),
    ],
)
def test_browser_labels_python_does_not_know_are_read_as_browsers_read_them(
    label: str, codec: str
) -> None:
    title = {
        "euc-jp": "東京で初雪を観測",
        "euc-kr": "서울에 첫눈이 내렸다",
        "koi8-r": "В Москве выпал первый снег",
        "gb2312": "北京迎来初雪",
        "windows-1255": "שלג ראשון בירושלים",
        "shift_jis": "大阪で初雪を観測",
    }[codec]
    data = _rss(title, encoding=label).encode(codec)
    assert parse_feed(data).entries[0].title == title
    header = _rss(title, encoding=None).encode(codec)
    assert parse_feed(header, content_type=f"text/xml; charset={label}").entries[0].title == title


def test_a_wrong_declaration_falls_through_to_what_the_body_is() -> None:
    """A header's server default (Latin-1) on a UTF-8 body, a UTF-8 prolog on a Latin-1 body,
    and an EUC-JP label on a body that is UTF-8: each reads right."""
    title = "Élysée : le Conseil des ministres avancé"
    utf8 = _rss(title, encoding="utf-8").encode("utf-8")
    assert parse_feed(utf8, content_type="text/xml; charset=ISO-8859-1").entries[0].title == title
    latin = _rss(title, encoding="utf-8").encode("latin-1")
    assert parse_feed(latin).entries[0].title == title
    assert parse_feed(latin, content_type="text/xml; charset=utf-8").entries[0].title == title
    mislabelled = _rss(title, encoding="euc-jp").encode("utf-8")
    assert parse_feed(mislabelled).entries[0].title == title


# --- titles -----------------------------------------------------------------------------------

ESCAPED_PAGE_TITLE = """
&lt;!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "about:blank">
&lt;html>&lt;head>&lt;title>Un titre piégé -- sauriez-vous le lire ?&lt;/title>&lt;/head>
&lt;body onload="lancer();"
>
&lt;!-- &lt;script> -->
&lt;/script>
&lt;script

>
function lancer()
{
/* &lt;script>
function cachee() { var texte = "commentaire"; }
&lt; /script>
*/
  alert("exécuté");
}
            &lt;/script

>
&lt;h1>Le script a-t-il tourné ?&lt;/h1>
&lt;div onmouseover="lancer();">Survolez-moi&lt;/div>
&lt;/body>&lt;/html>
"""


@pytest.mark.parametrize(
    "feed",
    [
        '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>'
        f'<title type="text/html" mode="escaped">{ESCAPED_PAGE_TITLE}</title></entry></feed>',
        '<rss version="2.0"><channel><title>t</title><link>https://exemple.fr/</link>'
        f"<item><title>{ESCAPED_PAGE_TITLE}</title><link>https://exemple.fr/a</link></item>"
        "</channel></rss>",
    ],
)
def test_a_title_never_holds_script_source(feed: str) -> None:
    title = parse_feed(feed.encode("utf-8")).entries[0].title
    assert "\n" not in title
    for code in ("function", "alert", "{", "}", "/*", "var texte", "lancer"):
        assert code not in title
    assert title in ("Un titre piégé -- sauriez-vous le lire ?", "Le script a-t-il tourné ?")


def test_ordinary_titles_are_kept_whole() -> None:
    for title in (
        "Budget 2027 : l'Assemblée adopte la partie recettes",
        "« On n'a rien vu venir » : à Nice, les commerçants face à la crue",
        "Ligue 1 : Lens - Lille (2-1), le derby pour les Sang et Or",
    ):
        assert parse_feed(_rss(title, encoding="utf-8").encode()).entries[0].title == title
