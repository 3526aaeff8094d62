"""Rendering: Discord limits, mentions, markdown, control characters, French dates (S17-S22, P2)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.embeds import FOOTER, embed_length, render_post
from storage.records import StoredArticle

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
    payload = render_post(
        stored(
            title="&lt;b&gt;L&#39;Élysée&lt;/b&gt;\u202e\u200b\x07",
            summary="<script>alert(1)</script>Le texte\u2066 reste.",
        ),
        tz="Europe/Paris",
    )
    assert payload.embed["title"] == "L'Élysée"
    assert payload.embed["description"] == "Le texte reste."


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
