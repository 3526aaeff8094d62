"""/feed add|remove|list|test|filter|enable through the real bot on the Discord stand-in, with a
real SQLite file, the real guarded client, engine and delivery, and a local feed server.

The ``Newsroom`` harness lives in ``tests/discord/newsroom.py``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.news import subscribing
from bot.settings import Settings
from storage.records import Filters
from summarizer.catalogue import Source
from tests.discord.newsroom import EPHEMERAL, Newsroom, add_feed, open_newsroom, seed
from tests.discord_stand_in.driver import answered, autocomplete, slash, wait_for
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import (
    CHANNEL_ID,
    EMBED_LINKS,
    GUILD_ID,
    OTHER_CHANNEL_ID,
    SEND_MESSAGES,
    VIEW_CHANNEL,
)
from tests.http.test_netguard import S1_BLOCKED


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


# --- /feed add ---------------------------------------------------------------------------


async def test_add_feed_url_records_entries_as_seen_and_posts_nothing(room: Newsroom) -> None:
    seed(room)
    answer = await add_feed(room, room.feed_url)
    assert answer.response is not None and answer.response["type"] == 5
    assert answer.response["data"]["flags"] & EPHEMERAL
    text = answer.texts()
    assert "Abonnement ajouté" in text and "Le Journal de Test" in text
    assert f"<#{CHANNEL_ID}>" in text and "10 minutes" in text
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.channel_id == CHANNEL_ID
    feed = await room.storage.get_feed(sub.feed_id)
    assert not feed.is_new
    assert await room.storage.known_keys(feed.id, [f"guid-{n}" for n in range(1, 6)]) == {
        f"guid-{n}" for n in range(1, 6)
    }
    await room.next_cycle()
    assert room.posts_in() == []


async def test_a_valid_feed_without_items_can_be_added_then_posts_its_first_article(
    room: Newsroom,
) -> None:
    """A new blog's feed has no items yet: it is a feed, not an error."""
    answer = await add_feed(room, room.feed_url)  # nothing seeded: an empty channel
    assert "Abonnement ajouté" in answer.texts()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    seed(room, 1)
    room.state.etag = '"v-first-item"'
    await room.next_cycle()  # the first items of a feed are its baseline (F1)
    assert room.posts_in() == []
    room.state.add("2", title="Deuxième article du blog", published=room.clock.now())
    room.state.etag = '"v-second-item"'
    await room.next_cycle()
    assert len(room.posts_in()) == 1 and sub.channel_id == CHANNEL_ID


async def test_add_site_url_discovers_its_feed(room: Newsroom) -> None:
    seed(room, 2)
    answer = await add_feed(room, room.base + "/", channel=OTHER_CHANNEL_ID)
    assert "Abonnement ajouté" in answer.texts()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    feed = await room.storage.get_feed(sub.feed_id)
    assert feed.url == room.feed_url and sub.channel_id == OTHER_CHANNEL_ID


async def test_add_catalogue_name_uses_the_catalogue_feed_url(
    room: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(room, 2)
    local = Source("le-test", "Le Test", room.feed_url, room.base + "/", ("test",), "Un test.")
    monkeypatch.setattr(
        subscribing, "find_source", lambda name: local if "test" in name.casefold() else None
    )
    answer = await add_feed(room, "Le Test")
    assert "Abonnement ajouté" in answer.texts()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert (await room.storage.get_feed(sub.feed_id)).url == room.feed_url


def test_catalogue_names_resolve_without_any_fetch() -> None:
    assert subscribing.target_url("Le Monde")[0] == "https://www.lemonde.fr/rss/une.xml"
    assert subscribing.target_url("l'équipe")[1] is not None
    assert subscribing.target_url("example.org/flux")[0] == "https://example.org/flux"
    with pytest.raises(subscribing.SubscribeError, match="ni une adresse"):
        subscribing.target_url("un journal imaginaire")


async def test_add_errors_are_clear_and_save_nothing(room: Newsroom) -> None:
    page = await add_feed(room, room.base + "/sans-flux")
    assert page.texts() == subscribing.NOT_A_FEED
    refused = await add_feed(room, "http://10.1.2.3/feed.xml")
    assert refused.texts() == "Impossible de récupérer cette adresse."  # a page or a feed
    missing = await add_feed(room, room.base + "/absent.xml")
    assert missing.texts() == "Impossible de récupérer cette adresse."
    assert await room.storage.list_for_guild(GUILD_ID) == []
    seed(room, 1)
    await add_feed(room, room.feed_url)
    again = await add_feed(room, room.feed_url)
    assert again.texts() == subscribing.ALREADY
    assert len(await room.storage.list_for_guild(GUILD_ID)) == 1


async def test_s1_add_refuses_every_blocked_address(
    room: Newsroom, caplog: pytest.LogCaptureFixture
) -> None:
    """S1: /feed add with each address of the checklist's table is refused by the guard with
    the generic message and saves nothing. The newsroom opens 127.0.0.1/32 for its own feed
    server, so the two spellings of that one address are left out here."""
    caplog.set_level(logging.INFO, logger="bot.net.client")
    table = [a for a in S1_BLOCKED if a not in {"127.0.0.1", "::ffff:127.0.0.1"}]
    for address in table:
        host = f"[{address}]" if ":" in address else address
        answer = await add_feed(room, f"http://{host}/feed.xml")
        assert answer.texts() == "Impossible de récupérer cette adresse.", address
    refusals = [r for r in caplog.records if "reason=blocked_address" in r.getMessage()]
    assert len(refusals) == len(table)
    assert await room.storage.list_for_guild(GUILD_ID) == []


async def test_add_is_refused_to_a_member(room: Newsroom) -> None:  # S25
    answer = await answered(
        await slash(room.stand_in, "feed", "add", source=room.feed_url, admin=False)
    )
    assert "réservée aux personnes qui peuvent gérer le serveur" in answer.texts()
    assert await room.storage.list_for_guild(GUILD_ID) == []
    assert room.state.requests == []
    definition = room.stand_in.world.find_command("feed")[1]
    assert int(definition["default_member_permissions"]) == 1 << 5


@pytest.mark.parametrize(
    ("denied", "label"),
    [
        (VIEW_CHANNEL, "Voir le salon"),
        (SEND_MESSAGES, "Envoyer des messages"),
        (EMBED_LINKS, "Intégrer des liens"),
    ],
    ids=["view", "send", "embed"],
)
async def test_x14_add_checks_the_bots_permissions_in_the_channel(
    stand_in: StandIn, settings: Settings, denied: int, label: str
) -> None:
    """X14: each of View Channel, Send Messages and Embed Links, missing alone, is named in the
    refusal; nothing is saved and the feed is not even fetched."""

    def deny(s: StandIn) -> None:
        s.world.deny_bot(OTHER_CHANNEL_ID, denied)

    async with open_newsroom(stand_in, settings, before_start=deny) as room:
        seed(room, 1)
        answer = await add_feed(room, room.feed_url, channel=OTHER_CHANNEL_ID)
        assert label in answer.texts()
        if denied != VIEW_CHANNEL:  # a hidden channel also hides everything in it
            assert "Voir le salon" not in answer.texts()
        assert await room.storage.list_for_guild(GUILD_ID) == []
        assert room.state.requests == []


async def test_add_respects_the_cap_per_guild(stand_in: StandIn, settings: Settings) -> None:
    async with open_newsroom(stand_in, replace(settings, max_feeds_per_guild=1)) as room:
        seed(room, 1)
        assert "Abonnement ajouté" in (await add_feed(room, room.feed_url)).texts()
        answer = await add_feed(room, room.base + "/", channel=OTHER_CHANNEL_ID)
        assert "limite de 1 abonnements" in answer.texts()
        assert await room.storage.count_for_guild(GUILD_ID) == 1


async def test_backfill_posts_exactly_the_n_newest(room: Newsroom) -> None:
    seed(room, 5)
    room.state.page_status = 404  # summaries from the feed's own text: titles stay the feed's
    answer = await add_feed(room, room.feed_url, backfill=3)
    assert "3 article(s) récent(s)" in answer.texts()
    assert len(room.state.requests) == 1  # one GET serves resolution, first poll and backfill
    await room.deliver()
    await room.deliver()
    titles = sorted(post["embeds"][0]["title"] for post in room.posts_in())
    assert titles == [f"Article numéro {n} du journal" for n in (3, 4, 5)]
    assert all(post["allowed_mentions"] == {"parse": []} for post in room.posts_in())
    await room.next_cycle()
    assert len(room.posts_in()) == 3


# --- /feed list, remove, test, filter, enable ------------------------------------------------


async def test_list_shows_each_subscription_and_its_health(room: Newsroom) -> None:
    empty = await answered(await slash(room.stand_in, "feed", "list"))
    assert "Aucun flux" in empty.texts()
    seed(room, 1)
    await add_feed(room, room.feed_url)
    await room.storage.set_filters(
        (await room.storage.list_for_guild(GUILD_ID))[0].id, Filters(include=("budget",))
    )
    answer = await answered(await slash(room.stand_in, "feed", "list"))
    assert answer.response is not None and answer.response["data"]["flags"] & EPHEMERAL
    text = answer.texts()
    assert "Le Journal de Test" in text and f"<#{CHANNEL_ID}>" in text
    assert "✅ Actif" in text and "Échecs consécutifs : 0" in text
    assert "Dernier relevé réussi : il y a" in text or "Dernier relevé réussi : dans" in text
    assert "mots gardés : budget" in text
    # the tests' bot runs with STORY_GROUPING=non (tests/discord/conftest.py)
    assert "Regroupement des sujets : non (désactivé pour tout le bot)" in text


async def test_remove_with_autocomplete(room: Newsroom) -> None:
    seed(room, 1)
    await add_feed(room, room.feed_url)
    choices = await autocomplete(
        room.stand_in, "feed", "remove", focused="subscription", subscription=""
    )
    assert len(choices) == 1 and "Le Journal de Test" in choices[0]["name"]
    assert "#actualites" in choices[0]["name"]
    answer = await answered(
        await slash(room.stand_in, "feed", "remove", subscription=choices[0]["value"])
    )
    assert "Abonnement retiré" in answer.texts()
    assert await room.storage.list_for_guild(GUILD_ID) == []
    unknown = await answered(await slash(room.stand_in, "feed", "remove", subscription="999"))
    assert "Je ne trouve pas cet abonnement" in unknown.texts()


async def test_a_catalogue_feed_that_cannot_be_fetched_is_called_a_feed(
    room: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: a catalogue name names a feed; its failure says so (the same words for every
    network failure, S10), and nothing is saved."""
    absent = Source("le-test", "Le Test", room.base + "/absent.xml", room.base + "/", (), "")
    monkeypatch.setattr(subscribing, "find_source", lambda name: absent)
    answer = await add_feed(room, "Le Test")
    assert answer.texts() == "Impossible de récupérer ce flux."
    assert await room.storage.list_for_guild(GUILD_ID) == []


async def test_feed_test_says_a_feed_is_empty_or_cannot_be_fetched(room: Newsroom) -> None:
    """Issue 15: an empty feed is empty, not unreadable; a feed gone missing is a feed."""
    await add_feed(room, room.feed_url)  # nothing seeded: a valid feed with no items
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    empty = await answered(await slash(room.stand_in, "feed", "test", subscription=str(sub.id)))
    assert empty.texts() == "Ce flux ne contient aucun article pour le moment."
    room.state.status = 404
    missing = await answered(await slash(room.stand_in, "feed", "test", subscription=str(sub.id)))
    assert missing.texts() == "Impossible de récupérer ce flux."
    for text in (empty.texts(), missing.texts()):
        assert "page" not in text and "lisible" not in text and "(" not in text


async def test_feed_test_renders_the_latest_entry_and_records_nothing(room: Newsroom) -> None:
    seed(room, 3)
    await add_feed(room, room.feed_url)
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    answer = await wait_for(
        await slash(room.stand_in, "feed", "test", subscription=str(sub.id)),
        lambda i: len(i.followups) >= 2,
    )
    assert "« complet »" in answer.followups[0]["content"]  # the subscription's format
    embed = answer.followups[1]["embeds"][0]
    assert "médiathèque" in embed["title"].casefold()
    assert all(followup["flags"] & EPHEMERAL for followup in answer.followups)
    assert await room.storage.list_posts() == []
    assert room.posts_in() == []


async def test_filter_sets_replaces_and_clears(room: Newsroom) -> None:
    seed(room, 1)
    await add_feed(room, room.feed_url)
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    first = await answered(
        await slash(
            room.stand_in, "feed", "filter", subscription=str(sub.id),
            include="Élysée, budget", authors="Agnès Durand",
        )
    )  # fmt: skip
    assert "mots gardés : Élysée, budget" in first.texts()
    stored = await room.storage.get_subscription(sub.id)
    assert stored.filters == Filters(include=("Élysée", "budget"), authors=("Agnès Durand",))
    await answered(
        await slash(room.stand_in, "feed", "filter", subscription=str(sub.id), exclude="sport")
    )
    stored = await room.storage.get_subscription(sub.id)
    assert stored.filters.include == ("Élysée", "budget") and stored.filters.exclude == ("sport",)
    cleared = await answered(
        await slash(room.stand_in, "feed", "filter", subscription=str(sub.id), clear=True)
    )
    assert "aucun" in cleared.texts()
    assert (await room.storage.get_subscription(sub.id)).filters.is_empty


async def test_source_autocomplete_lists_catalogue_names(room: Newsroom) -> None:
    choices = await autocomplete(room.stand_in, "feed", "add", focused="source", source="le")
    assert 0 < len(choices) <= 25
    assert "le-monde" in [c["value"] for c in choices]
    assert all(1 <= len(c["name"]) <= 100 for c in choices)


async def test_new_commands_are_synced_with_french_names(room: Newsroom) -> None:
    commands = {c["name"]: c for c in room.stand_in.world.commands[None]}
    french = {name: c["name_localizations"]["fr"] for name, c in commands.items()}
    assert french["feed"] == "flux" and french["summaries"] == "résumés"
    assert french["follow"] == "suivre" and french["unfollow"] == "ne-plus-suivre"
    assert french["following"] == "suivis"
    subcommands = {o["name"]: o["name_localizations"]["fr"] for o in commands["feed"]["options"]}
    assert subcommands == {
        "add": "ajouter", "remove": "retirer", "list": "liste", "test": "tester",
        "filter": "filtre", "enable": "activer", "format": "format", "export": "exporter",
        "import": "importer", "grouping": "regroupement", "why": "pourquoi",
    }  # fmt: skip
    follow_options = {o["name"]: o for o in commands["follow"]["options"]}
    assert [c["name_localizations"]["fr"] for c in follow_options["type"]["choices"]] == [
        "Thème",
        "Auteur",
    ]
    assert commands["feed"]["dm_permission"] is False  # guild only


def test_views_parse_terms_and_show_dates() -> None:
    from bot.discord.feed_views import parse_terms, when

    assert parse_terms(" Élysée,  budget ,, Élysée ,climat ") == ("Élysée", "budget", "climat")
    assert parse_terms(None) == () and parse_terms(" , ") == ()
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert when(now - timedelta(minutes=5), now=now, tz="Europe/Paris") == "il y a 5 minutes"
    assert when(None, now=now, tz="Europe/Paris") == "jamais"
    old = when(now - timedelta(days=30), now=now, tz="Europe/Paris")
    assert old == "le 25 octobre 2026 à 13:00"
