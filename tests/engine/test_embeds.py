"""Rendering: Discord limits, mentions, markdown, control characters, French dates (S17-S22, P2)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.embeds import FOOTER, embed_length, http_url, render_post
from bot.delivery.references import references_in
from storage.records import StoredArticle
from summarizer.dates import parse_date

CREATED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def stored(**overrides: object) -> StoredArticle:
    values: dict[str, object] = {
        "id": 1, "feed_id": 1, "entry_key": "k", "url": "https://exemple.fr/a",
        "title": "Titre", "summary": "Résumé.", "text_origin": "page", "authors": (),
        "topics": (), "published_at": CREATED, "source": "Le Journal", "site_name": None,
        "image": None, "created_at": CREATED,
    }  # fmt: skip
    values.update(overrides)
    return StoredArticle(**values)  # type: ignore[arg-type]


def test_an_outbox_post_ends_its_footer_with_its_reference() -> None:
    """The reference reconciliation finds the message by (D5): discreet, after the credit, and
    counted in the embed's 6,000 characters; previews and /summary carry none."""
    payload = render_post(stored(summary="x" * 9000), tz="Europe/Paris", reference="002a")
    assert payload.embed["footer"]["text"] == f"{FOOTER} · réf. 002a"
    assert references_in({"embeds": [payload.embed]}) == {"002a"}
    assert embed_length(payload.embed) <= 6000
    assert render_post(stored(), tz="Europe/Paris").embed["footer"]["text"] == FOOTER


def all_text(payload_embed: dict[str, object]) -> str:
    parts = [str(payload_embed.get("title", "")), str(payload_embed.get("description", ""))]
    for item in payload_embed.get("fields", []):  # type: ignore[attr-defined]
        parts.extend([item["name"], item["value"]])
    return "\n".join(parts)


def test_french_date_source_and_footer() -> None:
    payload = render_post(stored(authors=("Agnès Durand",), topics=("Culture",)), tz="Europe/Paris")
    fields = {f["name"]: f["value"] for f in payload.embed["fields"]}
    assert fields["Publié le"] == "24 novembre 2026 à 10:30"
    assert fields["Source"] == "Le Journal" and fields["Auteur"] == "Agnès Durand"
    assert payload.embed["footer"]["text"] == FOOTER
    assert payload.embed["url"] == "https://exemple.fr/a"
    assert payload.content == "" and payload.allowed_user_ids == ()


@pytest.mark.parametrize(
    ("written", "tz", "shown"),
    [
        ("2015-05-04", "Europe/Paris", "4 mai 2015"),  # a page's or a feed's date alone
        ("2015-05-04", "America/Montreal", "4 mai 2015"),  # not « 3 mai 2015 à 18:00 »
        ("Mon, 04 May 2015 00:00:00 GMT", "Europe/Paris", "4 mai 2015"),  # midnight UTC
        ("4 mai 2015", "Europe/Paris", "4 mai 2015"),
        ("2015-05-04T10:30:00+02:00", "Europe/Paris", "4 mai 2015 à 10:30"),
        ("2015-05-04T00:00:30+02:00", "Europe/Paris", "4 mai 2015 à 00:00"),  # a real time
        ("2015-05-04T10:30:00+02:00", "America/Montreal", "4 mai 2015 à 04:30"),
    ],
)
def test_a_date_without_a_time_of_day_shows_the_day_alone(
    written: str, tz: str, shown: str
) -> None:
    published = parse_date(written)
    assert published is not None
    payload = render_post(stored(published_at=published), tz=tz)
    fields = {f["name"]: f["value"] for f in payload.embed["fields"]}
    assert fields["Publié le"] == shown


def test_mentions_markdown_and_hostile_urls_are_neutralised() -> None:
    payload = render_post(
        stored(
            title="@everyone [clic](https://phish.test) **gras** <@&123456789012345678>",
            summary="Salut @here <@123456789012345678> ||spoiler|| `code`",
            url="javascript:alert(1)",
            image="data:image/png;base64,xx",
        ),
        tz="Europe/Paris",
    )
    text = all_text(payload.embed)
    assert "@everyone" not in text and "@here" not in text
    assert not re.search(r"<@[&!]?\d+>", text)
    assert "[clic](" not in text and "**" not in text and "||" not in text
    assert "url" not in payload.embed and "thumbnail" not in payload.embed


def test_html_and_invisible_characters_are_stripped() -> None:
    """S20 and S22: entities decoded, tags and script text dropped, bidi and controls gone."""
    payload = render_post(
        stored(
            title="&lt;b&gt;L&#39;Élysée&lt;/b&gt;\u202e\u200b\x07",
            summary="<script>alert(1)</script>Le texte\u2066 reste.",
        ),
        tz="Europe/Paris",
    )
    assert payload.embed["title"] == "L'Élysée"
    assert payload.embed["description"] == "Le texte reste."


S19_TITLE = "[clic](https://phish.example/) **gras** `code` ||spoiler|| # titre > citation"
S19_SUMMARY = "# Un titre\n> une citation\n[piège](https://phish.example/) ~~barré~~ __souligné__"


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_s19_markdown_and_links_are_rendered_literally() -> None:
    """S19: every markdown character of the title and summary is escaped, so Discord shows the
    text as written; the only link is the article URL the bot sets itself."""
    payload = render_post(stored(title=S19_TITLE, summary=S19_SUMMARY), tz="Europe/Paris")
    embed = payload.embed
    for text, original in ((embed["title"], S19_TITLE), (embed["description"], S19_SUMMARY)):
        assert not re.search(r"(?<!\\)[*_~`|>#\[\]()]", text), text
        assert _unescaped(text) == original  # literal: nothing lost, nothing added
    assert embed["url"] == "https://exemple.fr/a"
    assert "thumbnail" not in embed and payload.content == ""


S20_HOSTILE = (
    "A\x00\x07\x1b\x7f\x85\x9fB\u202aC\u202eD\u2066E\u2069F\u200bG\u200fH\u2028I\u2029J"
    "\ufeffK\U000e0041\U000e007fL\u061cM"
)


def test_s20_controls_bidi_and_invisibles_are_stripped_and_text_is_nfc() -> None:
    """S20: C0/C1 controls, bidi embeddings and isolates, zero-width and BOM, line and paragraph
    separators and tag characters leave no trace in the title, the author or the summary;
    newlines survive only in the description; the output is NFC ("e" + U+0301 becomes "é")."""
    payload = render_post(
        stored(
            title=S20_HOSTILE + "\nsuite Ele\u0301gie",
            summary=S20_HOSTILE + "\nseconde ligne Ele\u0301gie",
            authors=(S20_HOSTILE,),
        ),
        tz="Europe/Paris",
    )
    cleaned = "AB C D E F G H I J K L M"  # controls dropped, invisibles now plain spaces
    assert payload.embed["title"] == cleaned + " suite Elégie"  # the newline is gone too
    assert payload.embed["description"] == cleaned + "\nseconde ligne Elégie"
    assert {f["name"]: f["value"] for f in payload.embed["fields"]}["Auteur"] == cleaned


def test_s21_every_limit_holds_with_every_field_at_its_maximum() -> None:
    """S21: a 1 MB title, a 100 kB summary and long author, source and topic fields: title
    <= 256, description <= 4096, each field <= 1024, the whole embed <= 6000 and the content
    <= 2000, every cut marked with an ellipsis."""
    payload = render_post(
        stored(
            title="T" * 1_000_000,
            summary="Une phrase du résumé. " * 5_000,
            authors=tuple("Auteur" + "x" * 300 for _ in range(8)),
            topics=tuple("Thème" + "y" * 300 for _ in range(6)),
            source="S" * 5_000,
        ),
        tz="Europe/Paris",
        mention_ids=range(10**17, 10**17 + 200),
    )
    embed = payload.embed
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert 0 < len(embed["description"]) <= 4096 and embed["description"].endswith("…")
    assert embed_length(embed) <= 6000
    assert len(payload.content) <= 2000


BAD = st.sampled_from(["@everyone", "@here", "<@123>", "\u202e", "\x00", "**", "\n", "é", "[a](b)"])
TEXT = st.lists(st.one_of(st.text(max_size=50), BAD), max_size=40).map("".join)


@pytest.mark.property
@settings(deadline=None)
@given(
    title=st.one_of(TEXT, st.text(min_size=300, max_size=5000)),
    summary=st.one_of(TEXT, st.text(min_size=5000, max_size=20000)),
    authors=st.lists(TEXT, max_size=5).map(tuple),
    topics=st.lists(TEXT, max_size=8).map(tuple),
    url=st.one_of(st.none(), st.text(max_size=30), st.just("https://exemple.fr/x")),
    date=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_rendered_posts_respect_discord_limits(  # P2
    title: str, summary: str, authors: tuple[str, ...], topics: tuple[str, ...],
    url: str | None, date: datetime | None,
) -> None:  # fmt: skip
    payload = render_post(
        stored(title=title, summary=summary, authors=authors, topics=topics, url=url,
               published_at=date, source=title),
        tz="Europe/Paris",
    )  # fmt: skip
    embed = payload.embed
    assert 0 < len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert embed_length(embed) <= 6000
    assert len(embed.get("fields", [])) <= 25
    assert all(len(f["value"]) <= 1024 and f["value"] for f in embed.get("fields", []))
    assert len(payload.content) <= 2000
    assert embed.get("url") is None or re.match(r"^https?://", embed["url"])
    text = all_text(embed)
    assert "@everyone" not in text and "@here" not in text
    assert not re.search(r"<@[&!]?\d+>", text)
    ours = text.replace("@\u200b", "@").replace("<\u200b", "<")  # our mention breakers
    for ch in ours.replace("\n", ""):
        assert unicodedata.category(ch) not in ("Cc", "Cf"), repr(ch)
    assert "\n" not in embed["title"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8080/admin",
        "http://10.0.0.8/intranet",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0177.0.0.1/",  # octal
        "http://0x7f.1/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[2002:a9fe:a9fe::1]/",  # 6to4 of 169.254.169.254
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://[fd00::1]/",
    ],
)
def test_s17_internal_hosts_are_never_the_embed_link(url: str) -> None:
    """S17: the embed link follows the fetch policy of bot.net.policy, every address form."""
    assert http_url(url) is None


def test_s17_public_links_are_kept_whatever_their_port() -> None:
    for url in (
        "https://www.lemonde.fr/a.html",
        "http://93.184.215.14:8000/page",
        "https://[2a00:1450::1]/",
    ):
        assert http_url(url) == url
