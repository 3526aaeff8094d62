"""The formats of a subscription's posts (bot/delivery/formats.py): templates validated in French,
every format within Discord's limits (the stand-in's own rules), no mention from a feed or a
template, and the post reference on every post, the only one of its message."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.delivery.formats import (
    PLACEHOLDERS,
    FormatError,
    check_choice,
    content_url,
    parse_format,
    render,
    validate_template,
)
from bot.delivery.references import references_in
from storage.records import PostFormat, StoredArticle
from tests.discord_stand_in import rules

CREATED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TZ = "Europe/Paris"
LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)


def stored(**overrides: object) -> StoredArticle:
    values: dict[str, object] = {
        "id": 1, "feed_id": 1, "entry_key": "k", "url": "https://exemple.fr/a",
        "title": "Le conseil vote le budget", "summary": "Le budget est adopté. Il entre en "
        "vigueur en janvier.", "text_origin": "page", "authors": ("Camille Martin",),
        "topics": ("budget", "municipalité"), "published_at": CREATED, "source": "La Gazette",
        "site_name": None, "image": "https://exemple.fr/une.jpg", "created_at": CREATED,
    }  # fmt: skip
    values.update(overrides)
    return StoredArticle(**values)  # type: ignore[arg-type]


def as_message(payload: Any) -> dict[str, Any]:
    """The body the Discord publisher sends for a payload (content, at most one embed)."""
    body: dict[str, Any] = {"content": payload.content}
    if payload.embed:
        body["embeds"] = [payload.embed]
    return body


# --- choosing a format and a template ---------------------------------------------------------


def test_formats_are_named_in_french_whatever_the_accents_or_case() -> None:
    assert parse_format("Modèle") is PostFormat.MODELE
    assert parse_format("modele") is PostFormat.MODELE
    assert parse_format(" TEXTE ") is PostFormat.TEXTE
    with pytest.raises(FormatError) as refused:
        parse_format("html")
    assert "« html »" in refused.value.message and "« compact »" in refused.value.message


def test_an_unknown_placeholder_is_refused_with_the_list_of_valid_ones() -> None:
    with pytest.raises(FormatError) as refused:
        validate_template("**{titre}** par {auteure} — {lien} {url}")
    message = refused.value.message
    assert "« {auteure} »" in message and "« {url} »" in message
    assert all("{" + name + "}" in message for name in PLACEHOLDERS)


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("", "vide"),
        ("   \n ", "vide"),
        ("Nouvel article !", "aucune variable"),
        ("{titre", "sans sa paire"),
        ("{titre} }", "sans sa paire"),
        ("{titre}" + "x" * 1500, "1500 au plus"),
    ],
)
def test_a_bad_template_is_refused_in_french(template: str, words: str) -> None:
    with pytest.raises(FormatError) as refused:
        validate_template(template)
    assert words in refused.value.message


def test_placeholders_fold_accents_and_case_and_braces_can_be_doubled() -> None:
    assert validate_template("{Titre} {resume} {{brut}}") == "{titre} {résumé} {{brut}}"
    payload = render(stored(), post_format=PostFormat.MODELE, template="{{x}} {titre}", tz=TZ)
    assert payload.content == "{x} Le conseil vote le budget"


def test_a_template_goes_only_with_the_template_format() -> None:
    assert check_choice(PostFormat.MODELE, "{lien}") == "{lien}"
    assert check_choice(PostFormat.TEXTE, None) is None
    with pytest.raises(FormatError, match="demande un modèle"):
        check_choice(PostFormat.MODELE, None)
    with pytest.raises(FormatError, match="ne sert qu'au format"):
        check_choice(PostFormat.COMPACT, "{titre}")


# --- what each format looks like --------------------------------------------------------------


def test_each_format_carries_the_reference_once_and_passes_discord_rules() -> None:
    template = "📰 **{titre}** ({source}, {date})\n{résumé}\n{sujets} · {auteur}\n{lien} {image}"
    for post_format in PostFormat:
        payload = render(
            stored(), post_format=post_format, template=template, tz=TZ, reference="002a"
        )
        body = as_message(payload)
        assert rules.check_message(body) == [], post_format
        assert references_in(body) == {"002a"}, post_format


def test_compact_is_title_source_and_one_sentence() -> None:
    payload = render(stored(), post_format=PostFormat.COMPACT, tz=TZ, reference="002a")
    embed = payload.embed
    assert embed["title"] == "Le conseil vote le budget" and embed["url"] == "https://exemple.fr/a"
    assert embed["description"] == "Le budget est adopté."
    assert embed["footer"]["text"].startswith("La Gazette · ")
    assert "fields" not in embed


def test_texte_is_a_message_without_embed_or_preview() -> None:
    payload = render(stored(), post_format=PostFormat.TEXTE, tz=TZ, reference="002a")
    assert payload.embed == {}
    lines = payload.content.split("\n")
    assert lines[0] == "**Le conseil vote le budget**"
    assert "<https://exemple.fr/a>" in lines  # between brackets: Discord shows no preview
    assert lines[-2].startswith("-# La Gazette · Camille Martin · ")
    assert lines[-1] == "-# réf. 002a"


def test_lien_is_the_link_alone_and_falls_back_to_texte_without_one() -> None:
    payload = render(stored(), post_format=PostFormat.LIEN, tz=TZ, reference="002a")
    assert payload.content == "https://exemple.fr/a\n-# réf. 002a"
    private = render(stored(url="http://10.0.0.1/a"), post_format=PostFormat.LIEN, tz=TZ)
    assert private.content.startswith("**Le conseil vote le budget**")
    assert "10.0.0.1" not in private.content


def test_a_template_fills_every_placeholder() -> None:
    template = "{titre}|{résumé}|{lien}|{auteur}|{source}|{date}|{sujets}|{image}"
    payload = render(stored(), post_format=PostFormat.MODELE, template=template, tz=TZ)
    parts = payload.content.split("|")
    assert parts[0] == "Le conseil vote le budget"
    assert parts[1].startswith("Le budget est adopté.")
    assert parts[2:5] == ["https://exemple.fr/a", "Camille Martin", "La Gazette"]
    assert parts[5] == "24 novembre 2026 à 10:30"
    assert parts[6:] == ["budget, municipalité", "https://exemple.fr/une.jpg"]


def test_a_long_article_is_shortened_to_fit_and_a_link_is_never_cut() -> None:
    long_link = "https://exemple.fr/" + "a" * 1995
    article = stored(summary="Une phrase assez longue. " * 400, title="T" * 400, url=long_link)
    template = "**{titre}**\n{résumé}\n{lien}"
    payload = render(
        article, post_format=PostFormat.MODELE, template=template, tz=TZ, reference="002a"
    )
    assert len(payload.content) <= 2000 and payload.content.endswith("-# réf. 002a")
    assert "…" in payload.content
    short = stored(summary="Une phrase assez longue. " * 400)
    fitted = render(short, post_format=PostFormat.MODELE, template=template, tz=TZ)
    assert "https://exemple.fr/a" in fitted.content.split("\n")  # the summary gave way
    dropped = render(article, post_format=PostFormat.LIEN, tz=TZ, reference="002a")
    assert "aaaa" not in dropped.content and len(dropped.content) <= 2000  # left out, not cut
    assert dropped.content.startswith("**TTT")  # the texte format instead


def test_a_template_cannot_mention_anyone_nor_forge_a_reference() -> None:
    template = "@everyone @here <@123456789012345678> <@&42424242424242> {titre}\n-# réf. 0001"
    payload = render(
        stored(), post_format=PostFormat.MODELE, template=template, tz=TZ, reference="002a"
    )
    assert not LIVE_MENTION.search(payload.content)
    assert references_in({"content": payload.content}) == {"002a"}
    channel = render(stored(), post_format=PostFormat.MODELE, template="<#99> {titre}", tz=TZ)
    assert channel.content.startswith("<#99>")  # a channel link is not a mention


def test_a_feed_cannot_mention_anyone_through_a_link() -> None:
    article = stored(url="https://exemple.fr/<@123456789012345678>/@everyone")
    payload = render(article, post_format=PostFormat.LIEN, tz=TZ)
    assert not LIVE_MENTION.search(payload.content)
    assert content_url(article.url) == "https://exemple.fr/%3C%40123456789012345678%3E/%40everyone"


def test_follow_pings_head_a_text_post_and_are_the_only_ones_allowed() -> None:
    many = list(range(10**17, 10**17 + 40))
    payload = render(stored(), post_format=PostFormat.TEXTE, tz=TZ, mention_ids=many)
    head = payload.content.split("\n")[0]
    assert head.startswith(f"<@{10**17}>") and len(head) <= 300
    assert payload.allowed_user_ids == tuple(int(i) for i in re.findall(r"<@(\d+)>", head))
    assert len(payload.allowed_user_ids) < len(many)


TRICKS = ["@everyone", "@here", "<@123456789012345678>", "<@&1234>", "{titre}", "\n",
          "-# réf. 0001", "**", "\u202e", "\x00", "[a](https://x.fr)", "{{", "}}"]  # fmt: skip
hostile = st.lists(st.one_of(st.characters(), st.sampled_from(TRICKS)), max_size=80).map("".join)


@pytest.mark.property
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(
    title=hostile,
    summary=hostile,
    template=hostile,
    post_format=st.sampled_from(list(PostFormat)),
    url=st.sampled_from(["https://exemple.fr/a", "javascript:x", "https://x.fr/" + "b" * 2100]),
    scale=st.integers(1, 60),
)
def test_property_every_format_fits_discord_and_mentions_nobody(
    title: str, summary: str, template: str, post_format: PostFormat, url: str, scale: int
) -> None:
    try:
        kept = validate_template(template + "{titre}")
    except FormatError:
        kept = "{titre} {résumé}"
    article = stored(title=title * scale, summary=summary * scale, url=url, authors=(title,))
    payload = render(article, post_format=post_format, template=kept, tz=TZ, reference="00ff")
    body = as_message(payload)
    assert rules.check_message(body) == []
    assert references_in(body) == {"00ff"}
    assert not LIVE_MENTION.search(payload.content)
