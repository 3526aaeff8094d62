"""Output safety asserted on what the stand-in received (S17-S22, X9): a hostile feed goes through
the real engine, delivery and publisher; commands answer through every interaction path; and a
Hypothesis property renders generated articles against the stand-in's own Discord rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.delivery.embeds import render_post
from bot.delivery.references import post_reference, references_in
from bot.settings import Settings
from storage.records import StoredArticle
from summarizer.model import TextOrigin
from tests.discord.newsroom import Newsroom, open_newsroom
from tests.discord.test_faults_delivery import publish_news, subscribe
from tests.discord_stand_in import rules
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import RecordedRequest, StandIn
from tests.discord_stand_in.world import ADMIN_ID

ROLE = "<@&123456789012345678>"
USER = f"<@{ADMIN_ID}>"
HOSTILE_TITLES = [
    f"@everyone @here {ROLE} {USER} alerte",
    "[clic](https://phish.example/) **gras** `code` ||spoiler|| # titre > citation",
    "Contrôle\x00\x07\x1b\u0085 bidi\u202e\u2066\u2069 invisibles\u200b\u200f\u2028\ufeff"
    "\U000e0041 fin",
    "&lt;b&gt;gras&lt;/b&gt; L&#39;&Eacute;lys&eacute;e",
    "T" * 1_000_000,
]
HOSTILE_SUMMARY = (
    "<script>alert('vol')</script><style>body{}</style><img src=x onerror=alert(1)>"
    f"Le texte du résumé @everyone {ROLE} [piège](https://phish.example/) " + "mot " * 25_000
)
HOSTILE_LINKS = ["javascript:alert(1)", "data:text/html,<b>x</b>", "a", "http://169.254.169.254/"]
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}
BARE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


def texts_of(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) for every user-visible text of a message payload."""
    yield "content", body.get("content") or ""
    for embed in body.get("embeds") or []:
        yield "title", embed.get("title") or ""
        yield "description", embed.get("description") or ""
        for item in embed.get("fields") or []:
            yield "field", f"{item['name']} {item['value']}"
        yield "footer", (embed.get("footer") or {}).get("text") or ""


def assert_safe(body: dict[str, Any], *, pinged: tuple[int, ...] = ()) -> None:
    """S18-S22 and X9 on one outgoing message payload."""
    assert rules.check_message(body) == []
    expected = {"parse": []} if not pinged else {"parse": [], "users": list(pinged)}
    assert body["allowed_mentions"] == expected
    for where, text in texts_of(body):
        if where != "content":
            assert not BARE_MENTION.search(text), (where, text[:80])
        for char in text:
            if char == "\n" and where != "title":  # S20: never in a title
                continue
            assert unicodedata.category(char) not in FORBIDDEN_CATEGORIES or char == "\u200b"
            assert not 0x202A <= ord(char) <= 0x202E and not 0x2066 <= ord(char) <= 0x2069
        assert unicodedata.normalize("NFC", text) == text
        assert "<script" not in text and "alert(" not in text and "onerror" not in text
        assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", text)  # no live markdown link
    for embed in body.get("embeds") or []:
        if "url" in embed:
            assert re.match(r"^https?://", embed["url"])


def message_requests(stand_in: StandIn) -> list[RecordedRequest]:
    """Every request that creates or edits a message, on every path."""
    out = []
    for request in stand_in.requests:
        if (
            (request.method == "POST" and re.fullmatch(r"/channels/\d+/messages", request.path))
            or (request.method in ("POST", "PATCH") and request.path.startswith("/webhooks/"))
            or (request.path.endswith("/callback") and (request.json or {}).get("type") in (4, 7))
        ):
            out.append(request)
    return out


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def test_hostile_feed_reaches_discord_neutralised(room: Newsroom) -> None:
    """S17 (hostile links never the embed URL), S18 (mentions), S19 (markdown), S20 (controls),
    S21 (lengths: Discord refuses none), S22 (HTML) and X9 (nonce) on what the stand-in received
    on the channel send path."""
    await subscribe(room)
    for n, title in enumerate(HOSTILE_TITLES):
        link = HOSTILE_LINKS[n % len(HOSTILE_LINKS)]
        room.state.add(f"h{n}", title=title, link=link, description=HOSTILE_SUMMARY,
                       published=room.clock.now())  # fmt: skip
    await publish_news(room)
    await room.deliver()

    posts = room.posts_in()
    assert len(posts) == len(HOSTILE_TITLES)  # Discord refused none of them (S21)
    assert all(r.status == 200 for r in room.stand_in.sent())
    for body in posts:
        assert_safe(body)
        assert body["nonce"] and body["enforce_nonce"] is True
        embed = body["embeds"][0]
        assert not embed.get("url", "").startswith(("javascript", "data"))
        assert "169.254.169.254" not in embed.get("url", "")  # S17: never the embed URL
    titles = {body["embeds"][0]["title"] for body in posts}
    assert any(t.startswith("@\u200beveryone @\u200bhere") for t in titles)  # broken mentions
    assert any(t.startswith("\\[clic\\]\\(https://phish.example/\\)") for t in titles)
    assert "gras L'Élysée" in titles
    assert any(len(t) == 256 and t.endswith("…") for t in titles)
    assert any("Contrôle" in t and "fin" in t for t in titles)
    description = posts[0]["embeds"][0]["description"]
    assert "Le texte du résumé" in description and len(description) <= 4096


async def test_every_interaction_path_mentions_nobody(room: Newsroom) -> None:  # X9, S18
    await subscribe(room)
    await publish_news(room, f"Réunion publique @everyone {ROLE}", categories=("Mairie",))
    await room.deliver()
    await answered(await slash(room.stand_in, "help"))
    await answered(await slash(room.stand_in, "ping"))
    await answered(await slash(room.stand_in, "feed", "list"))
    await answered(await slash(room.stand_in, "summary", url="http://10.0.0.1/x"))

    requests = message_requests(room.stand_in)
    kinds = {re.sub(r"\d+", "N", r.path.split("/")[1]) for r in requests}
    assert {"channels", "interactions", "webhooks"} <= kinds
    for request in requests:
        body = request.json if "/callback" not in request.path else request.json["data"]
        assert_safe(body)  # allowed_mentions == {"parse": []} on every path


hostile_text = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(
            [
                "@everyone",
                "@here",
                ROLE,
                USER,
                "[a](https://x.fr)",
                "**",
                "||",
                "`",
                "\u202e",
                "\u2066",
                "\u200b",
                "\ufeff",
                "\x00",
                "\n",
                "<b>",
                "&amp;",
                "&lt;script&gt;",
                "\U000e0041",
                "e\u0301",
            ]
        ),
    ),
    max_size=60,
).map("".join)


def stored(title: str, summary: str, url: str, authors: list[str]) -> StoredArticle:
    return StoredArticle(
        id=1, feed_id=1, entry_key="k", url=url, title=title * 20, summary=summary * 20,
        text_origin=TextOrigin.FEED, authors=tuple(authors), topics=("politique",),
        published_at=datetime(2026, 3, 1, tzinfo=UTC), source="Le Test", site_name=None,
        image=None, created_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip


@pytest.mark.property
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    title=hostile_text,
    summary=hostile_text,
    url=st.one_of(
        st.sampled_from([*HOSTILE_LINKS, "https://exemple.fr/a b", "http://[::1]/x"]), st.text()
    ),
    authors=st.lists(hostile_text, max_size=5),
    pinged=st.lists(st.integers(10**17, 10**19), max_size=3),
    post_id=st.one_of(st.none(), st.integers(1, 2**63 - 1)),
)
def test_property_rendered_posts_pass_the_stand_ins_rules(
    title: str, summary: str, url: str, authors: list[str], pinged: list[int], post_id: int | None
) -> None:  # P2 through the stand-in's own checks, with or without a post reference (D5)
    reference = post_reference(post_id) if post_id is not None else None
    payload = render_post(stored(title, summary, url, authors), tz="Europe/Paris",
                          mention_ids=pinged, reference=reference)  # fmt: skip
    if reference is not None:
        assert references_in({"embeds": [payload.embed]}) == {reference}
    ids = tuple(dict.fromkeys(pinged))
    body = {
        "content": payload.content,
        "embeds": [payload.embed],
        "allowed_mentions": {"parse": [], "users": list(ids)} if ids else {"parse": []},
    }
    if not payload.content:
        body.pop("content")
    assert payload.allowed_user_ids == ids
    assert_safe(body, pinged=ids)
