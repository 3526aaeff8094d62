"""Where a subscription posts, through the real bot on the stand-in: a forum post per article
(title within 100 characters, the forum's matching tags, a required tag chosen at subscribe
time), a thread (unarchived when permitted, else the subscription pauses and admins hear of
it), an announcement channel with crossposting; the permissions of each kind named in French;
and exactly once on forum posts, which take no nonce: a post created before a crash is found
by its starter message's reference, active or archived."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.delivery.outbox import Delivery
from bot.delivery.references import post_reference, references_in
from bot.settings import Settings
from storage.records import PostState, SubscriptionState
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, seed
from tests.discord.test_faults_delivery import publish_news
from tests.discord.test_reconcile_history import Died, DiesAfterSend
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import (
    ANNOUNCEMENT,
    BOT_ID,
    CHANNEL_ID,
    CREATE_PUBLIC_THREADS,
    GUILD_ID,
    SEND_IN_THREADS,
    SEND_MESSAGES,
)

FORUM_ID = 920_000_000_000_000_101
REQUIRING_ID = 920_000_000_000_000_201
THREAD_ID = 920_000_000_000_000_301
ARCHIVED_ID = 920_000_000_000_000_302
LOCKED_ID = 920_000_000_000_000_303
NEWS_ID = 920_000_000_000_000_401
TAGS = ["Politique", "Économie", "Le Journal de Test", "Sport", "Culture", "Santé", "Climat"]


def places(stand_in: StandIn) -> None:
    world = stand_in.world
    world.add_forum(FORUM_ID, "revue-de-presse", TAGS)
    world.add_forum(REQUIRING_ID, "forum-strict", ["Journal", "Sport"], require_tag=True)
    world.add_thread(THREAD_ID, "Fil des actus", CHANNEL_ID)
    world.add_thread(ARCHIVED_ID, "Fil endormi", CHANNEL_ID, archived=True)
    world.add_thread(LOCKED_ID, "Fil verrouillé", CHANNEL_ID, archived=True, locked=True)
    world.add_channel(NEWS_ID, "annonces", kind=ANNOUNCEMENT)


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings, before_start=places) as newsroom:
        yield newsroom


async def subscribe_to(room: Newsroom, channel_id: int, **options: Any) -> str:
    seed(room, 1)
    room.state.page_status = 404  # summaries from the feed's own text
    return str((await add_feed(room, room.feed_url, channel=channel_id, **options)).texts())


def forum_posts(room: Newsroom, forum_id: int) -> list[dict[str, Any]]:
    sent = room.stand_in.sent("POST", rf"/channels/{forum_id}/threads")
    return [r.json for r in sent if r.status == 200]


def tag_ids(room: Newsroom, forum_id: int, *names: str) -> list[str]:
    forum = room.stand_in.world.find_channel(forum_id)
    assert forum is not None
    by_name = {tag["name"]: tag["id"] for tag in forum["available_tags"]}
    return [by_name[name] for name in names]


# --- forums -----------------------------------------------------------------------------------


async def test_a_forum_gets_one_post_per_article_with_its_matching_tags(room: Newsroom) -> None:
    assert "Abonnement ajouté" in await subscribe_to(room, FORUM_ID)
    long_title = "Le budget de la ville " + "très " * 40 + "discuté"
    await publish_news(room, long_title, categories=("Économie", "sport"))
    await room.deliver()
    [body] = forum_posts(room, FORUM_ID)
    assert len(body["name"]) == 100 and body["name"].endswith("…")
    # Économie and sport (its topics, accents and case aside) and the feed's own name
    assert body["applied_tags"] == tag_ids(room, FORUM_ID, "Économie", "Le Journal de Test",
                                           "Sport")  # fmt: skip
    assert body["message"]["allowed_mentions"] == {"parse": []}
    assert "nonce" not in body["message"]  # Discord takes none on this route
    [post] = await room.storage.list_posts()
    [thread] = [t for t in room.stand_in.world.guilds[GUILD_ID]["threads"]
                if t["parent_id"] == str(FORUM_ID)]  # fmt: skip
    assert post.state is PostState.SENT and post.message_id == thread["id"]
    [starter] = room.stand_in.world.messages[int(thread["id"])]
    assert references_in(starter) == {post_reference(post.id)}


async def test_never_more_tags_than_discord_allows(room: Newsroom) -> None:
    await subscribe_to(room, FORUM_ID)
    await publish_news(room, "Tout à la fois", categories=tuple(TAGS))
    await room.deliver()
    [body] = forum_posts(room, FORUM_ID)
    assert body["applied_tags"] == tag_ids(room, FORUM_ID, *TAGS[:5])


async def test_a_forum_that_requires_a_tag_gets_the_closest_or_a_clear_refusal(
    room: Newsroom,
) -> None:
    room.state.title = "Gazette du Plateau"
    refused = await subscribe_to(room, REQUIRING_ID)
    assert "exige une étiquette" in refused and "« Journal », « Sport »" in refused
    assert await room.storage.list_for_guild(GUILD_ID) == []
    room.state.title = "Le Journal de Test"
    assert "Abonnement ajouté" in await subscribe_to(room, REQUIRING_ID)
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    [journal] = tag_ids(room, REQUIRING_ID, "Journal")
    assert sub.forum_tag_id == int(journal)
    room.state.title = "Gazette du Plateau"  # the source of the next one matches no tag
    await publish_news(room, "Une nouvelle sans thème connu")
    room.state.title = "Le Journal de Test"
    await publish_news(room, "Le match de samedi", categories=("Sport",))
    await room.deliver()
    assert [b["applied_tags"] for b in forum_posts(room, REQUIRING_ID)] == [
        [journal],  # no tag matched: the one chosen at subscribe time
        tag_ids(room, REQUIRING_ID, "Journal", "Sport"),  # the source's, then the topic's
    ]


@pytest.mark.parametrize("archive", [False, True], ids=["active", "archived"])
async def test_d5_a_forum_post_created_before_a_crash_is_never_posted_twice(
    room: Newsroom, archive: bool
) -> None:
    room.stand_in.world.nonce_window = 0.0  # and a forum post takes no nonce anyway
    await subscribe_to(room, FORUM_ID)
    await publish_news(room, "Le marché couvert rouvre")
    dying = Delivery(room.storage, DiesAfterSend(room.bot), SystemClock())
    with contextlib.suppress(Died):
        await dying.deliver_pending()  # Discord created the post; the bot died before "sent"
    [thread] = room.stand_in.world.guilds[GUILD_ID]["threads"][-1:]
    if archive:  # an hour without activity: the post left the active list
        thread["thread_metadata"]["archived"] = True
    member = room.stand_in.world.users[BOT_ID]
    room.stand_in.world.add_thread(thread_id=int(thread["id"]) + 7, name="Un autre fil",
                                   parent_id=FORUM_ID, owner_id=int(member["id"]))  # fmt: skip
    await room.delivery.recover()  # the restart
    report = await room.deliver()
    [post] = await room.storage.list_posts()
    assert report.sent == 1 and post.state is PostState.SENT
    assert len(forum_posts(room, FORUM_ID)) == 1  # found by its reference, not posted again
    assert post.message_id == thread["id"]


# --- threads ----------------------------------------------------------------------------------


async def test_posts_go_into_the_chosen_thread(room: Newsroom) -> None:
    assert "Abonnement ajouté" in await subscribe_to(room, THREAD_ID)
    await publish_news(room, "Dans le fil")
    await room.deliver()
    [body] = room.posts_in(THREAD_ID)
    assert body["embeds"][0]["title"] == "Dans le fil" and room.posts_in(CHANNEL_ID) == []


async def test_an_archived_thread_is_unarchived_then_posted_in(room: Newsroom) -> None:
    assert "Abonnement ajouté" in await subscribe_to(room, ARCHIVED_ID)
    await publish_news(room, "Le fil se réveille")
    await room.deliver()
    [edit] = room.stand_in.sent("PATCH", rf"/channels/{ARCHIVED_ID}")
    assert edit.json == {"archived": False} and edit.status == 200
    assert len(room.posts_in(ARCHIVED_ID)) == 1


async def test_a_thread_that_cannot_be_reopened_pauses_and_tells_admins(room: Newsroom) -> None:
    assert "Abonnement ajouté" in await subscribe_to(room, THREAD_ID)
    thread = room.stand_in.world.find_channel(THREAD_ID)
    assert thread is not None
    thread["thread_metadata"].update(archived=True, locked=True)  # by a moderator, later
    await publish_news(room, "Le fil est fermé")
    report = await room.deliver()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.PAUSED_PERMISSIONS and "archivé" in str(sub.state_reason)
    assert [n.message for n in report.notices] == [sub.state_reason]
    [post] = await room.storage.list_posts()
    assert post.state is PostState.PENDING and room.posts_in(THREAD_ID) == []  # kept for later


async def test_a_locked_archived_thread_is_refused_at_subscribe_time(room: Newsroom) -> None:
    assert "verrouillé" in await subscribe_to(room, LOCKED_ID)
    assert await room.storage.list_for_guild(GUILD_ID) == []


# --- announcement channels --------------------------------------------------------------------


async def test_an_announcement_channel_crossposts_each_post(room: Newsroom) -> None:
    assert "Abonnement ajouté" in await subscribe_to(room, NEWS_ID, crosspost=True)
    await publish_news(room, "À diffuser", "Aussi à diffuser")
    await room.deliver()
    messages = room.stand_in.world.messages[NEWS_ID]
    assert len(messages) == 2
    assert room.stand_in.world.crossposts == [m["id"] for m in messages]
    assert all(m["flags"] & 1 for m in messages)


async def test_crossposting_is_refused_outside_an_announcement_channel(room: Newsroom) -> None:
    assert "salon d'annonces" in await subscribe_to(room, CHANNEL_ID, crosspost=True)
    assert await room.storage.list_for_guild(GUILD_ID) == []


# --- a discussion thread under each post -----------------------------------------------------


async def test_a_discussion_thread_opens_under_each_post(room: Newsroom) -> None:
    assert "Abonnement ajouté" in await subscribe_to(room, CHANNEL_ID, discussion=True)
    await publish_news(room, "Débat sur le budget")
    await room.deliver()
    [message] = room.stand_in.world.messages[CHANNEL_ID]
    thread = room.stand_in.world.find_channel(int(message["id"]))
    assert thread is not None and thread["parent_id"] == str(CHANNEL_ID)
    assert thread["name"] == "Débat sur le budget"
    [post] = await room.storage.list_posts()
    assert post.state is PostState.SENT and post.message_id == message["id"]


async def test_a_failed_discussion_thread_never_sends_the_post_again(room: Newsroom) -> None:
    await subscribe_to(room, CHANNEL_ID, discussion=True)
    room.stand_in.fail("forbidden", path=rf"/channels/{CHANNEL_ID}/messages/\d+/threads")
    await publish_news(room, "Sans fil cette fois")
    report = await room.deliver()
    [post] = await room.storage.list_posts()
    assert report.sent == 1 and post.state is PostState.SENT
    assert len(room.stand_in.world.messages[CHANNEL_ID]) == 1
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.ACTIVE  # the post went out: nothing to pause


async def test_a_discussion_thread_needs_a_text_channel_and_its_permission(
    room: Newsroom,
) -> None:
    assert "salon textuel ou d'annonces" in await subscribe_to(room, FORUM_ID, discussion=True)
    room.stand_in.world.deny_bot(NEWS_ID, CREATE_PUBLIC_THREADS)
    await room.stand_in.gateway.dispatch(
        "CHANNEL_UPDATE", room.stand_in.world.find_channel(NEWS_ID)
    )
    answer = await subscribe_to(room, NEWS_ID, discussion=True)
    assert "« Créer des fils publics »" in answer
    assert await room.storage.list_for_guild(GUILD_ID) == []


# --- permissions of each kind -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "deny", "named"),
    [
        (FORUM_ID, SEND_MESSAGES, "« Créer des publications »"),
        (THREAD_ID, SEND_IN_THREADS, "« Envoyer des messages dans les fils »"),
        (NEWS_ID, SEND_MESSAGES, "« Envoyer des messages »"),
    ],
)
async def test_each_kind_names_the_permissions_it_misses(
    room: Newsroom, target: int, deny: int, named: str
) -> None:
    parent: Callable[[int], int] = lambda t: CHANNEL_ID if t == THREAD_ID else t  # noqa: E731
    room.stand_in.world.deny_bot(parent(target), deny)
    await room.stand_in.gateway.dispatch(
        "CHANNEL_UPDATE", room.stand_in.world.find_channel(parent(target))
    )
    answer = await subscribe_to(room, target)
    assert "Je ne peux pas publier" in answer and named in answer
    assert await room.storage.list_for_guild(GUILD_ID) == []
