"""Post formats through the real bot on the stand-in: chosen at /feed add, changed with
/feed format, shown by /feed test; each format of a hostile feed reaches Discord within its
limits and mentions nobody; a text post interrupted by a crash is found by its reference and
never posted twice."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.delivery.outbox import Delivery
from bot.delivery.references import post_reference, references_in
from bot.discord.app import DepecheBot
from bot.discord.publisher import DiscordPublisher
from bot.settings import Settings
from storage.records import PlannedPost, PostFormat, PostState
from storage.storage import Storage
from tests.discord.newsroom import EPHEMERAL, Newsroom, add_feed, open_newsroom, seed
from tests.discord.test_faults_delivery import publish_news
from tests.discord.test_output_safety import (
    HOSTILE_LINKS,
    HOSTILE_SUMMARY,
    HOSTILE_TITLES,
    assert_safe,
)
from tests.discord.test_reconcile_history import Died, DiesAfterSend
from tests.discord_stand_in.driver import answered, slash, wait_for
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import BOT_ID, CHANNEL_ID, GUILD_ID, Interaction
from tests.storage.helpers import NOW, article, feed_with_subscription, seen

LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def subscribed(room: Newsroom, **options: str) -> int:
    seed(room, 1)
    room.state.page_status = 404  # summaries from the feed's own text
    answer = await add_feed(room, room.feed_url, **options)
    assert "Abonnement ajouté" in answer.texts(), answer.texts()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    return sub.id


async def test_feed_add_takes_a_format_and_posts_use_it(room: Newsroom) -> None:
    sub_id = await subscribed(room, format="texte")
    assert (await room.storage.get_subscription(sub_id)).format is PostFormat.TEXTE
    await publish_news(room, "Le marché couvert rouvre samedi")
    await room.deliver()
    [body] = room.posts_in()
    assert "embeds" not in body or body["embeds"] == []
    assert body["content"].startswith("**Le marché couvert rouvre samedi**")
    [post] = await room.storage.list_posts()
    assert references_in(body) == {post_reference(post.id)}
    assert_safe(body)


async def test_a_template_with_an_unknown_placeholder_is_refused_before_anything(
    room: Newsroom,
) -> None:
    seed(room, 1)
    answer = await add_feed(room, room.feed_url, template="{titre} — {journal}")
    text = answer.texts()
    assert "Variable inconnue dans le modèle : « {journal} »" in text
    assert "{titre}, {résumé}, {lien}, {auteur}, {source}, {date}, {sujets}, {image}" in text
    assert await room.storage.list_for_guild(GUILD_ID) == []
    assert room.state.requests == []  # refused before the feed was fetched


async def test_feed_format_changes_the_next_posts(room: Newsroom) -> None:
    sub_id = await subscribed(room)
    answer = await answered(
        await slash(room.stand_in, "feed", "format", subscription=str(sub_id),
                    template="📰 {titre}\\n{lien}\\n-# réf. 0001")
    )  # fmt: skip
    assert "« modèle »" in answer.texts()
    stored = await room.storage.get_subscription(sub_id)
    assert stored.format is PostFormat.MODELE
    assert stored.template == "📰 {titre}\n{lien}\n-# réf. 0001"  # \n: a line break
    await publish_news(room, "Fermeture du pont @everyone")
    await room.deliver()
    [body] = room.posts_in()
    [post] = await room.storage.list_posts()
    assert body["content"].split("\n")[0] == "📰 Fermeture du pont @\u200beveryone"
    assert references_in(body) == {post_reference(post.id)}  # the template's one is defused
    assert_safe(body)
    refused = await answered(
        await slash(room.stand_in, "feed", "format", subscription=str(sub_id), format="lien",
                    template="{titre}")
    )  # fmt: skip
    assert "ne sert qu'au format « modèle »" in refused.texts()
    current = await answered(await slash(room.stand_in, "feed", "format", subscription=str(sub_id)))
    assert "Format actuel" in current.texts() and "« modèle »" in current.texts()


async def previewed(room: Newsroom, **options: str) -> Interaction:
    """/feed test: its header, then the preview, two private follow-ups."""
    interaction = await slash(room.stand_in, "feed", "test", **options)
    return await wait_for(interaction, lambda i: len(i.followups) >= 2)


async def test_feed_test_shows_any_format_before_it_is_chosen(room: Newsroom) -> None:
    sub_id = await subscribed(room, format="compact")
    shown = await previewed(room, subscription=str(sub_id), format="lien")
    assert "« lien »" in shown.followups[0]["content"]
    preview = shown.followups[1]
    assert preview["flags"] & EPHEMERAL and preview["allowed_mentions"] == {"parse": []}
    # The test feed links to 127.0.0.1, never shown (S17): « lien » falls back to « texte ».
    assert preview["content"].startswith("**Article numéro 1 du journal**")
    assert "127.0.0.1" not in preview["content"] and not preview.get("embeds")
    tried = await previewed(room, subscription=str(sub_id), template="Nouveau : {titre}")
    assert tried.followups[1]["content"].startswith("Nouveau : Article numéro 1")
    own = await previewed(room, subscription=str(sub_id))
    assert "« compact »" in own.followups[0]["content"]
    assert own.followups[1]["embeds"][0]["title"] == "Article numéro 1 du journal"
    assert await room.storage.list_posts() == [] and room.posts_in() == []
    assert (await room.storage.get_subscription(sub_id)).format is PostFormat.COMPACT


@pytest.mark.parametrize("post_format", [f for f in PostFormat if f is not PostFormat.COMPLET])
async def test_a_hostile_feed_reaches_discord_neutralised_in_every_format(
    room: Newsroom, post_format: PostFormat
) -> None:
    template = "{titre} {auteur} {source}\\n{résumé}\\n{lien} {image} {sujets} {date}"
    options = {"format": post_format.value}
    if post_format is PostFormat.MODELE:
        options["template"] = template
    await subscribed(room, **options)
    for n, title in enumerate(HOSTILE_TITLES):
        link = HOSTILE_LINKS[n % len(HOSTILE_LINKS)]
        room.state.add(f"h{n}", title=title, link=link, description=HOSTILE_SUMMARY,
                       published=room.clock.now())  # fmt: skip
    await publish_news(room)
    await room.deliver()
    posts = room.posts_in()
    assert len(posts) == len(HOSTILE_TITLES)  # Discord refused none of them
    references = set()
    for body in posts:
        assert_safe(body)
        assert not LIVE_MENTION.search(body.get("content") or "")
        assert "javascript:" not in (body.get("content") or "")
        [reference] = references_in(body)
        references.add(reference)
    assert len(references) == len(posts)


async def test_d5_a_text_post_created_before_a_crash_is_found_by_its_reference(
    tmp_path: Path, stand_in: StandIn, bot: DepecheBot
) -> None:
    stand_in.world.nonce_window = 0.0  # Discord would accept the nonce again
    db = tmp_path / "depeche.db"
    storage = await Storage.open(db)
    try:
        feed_id, sub_id = await feed_with_subscription(storage, channel_id=CHANNEL_ID)
        sub = await storage.set_format(sub_id, PostFormat.LIEN)
        await storage.save_article(
            article(feed_id, "k", url=None, title="Marché couvert sans lien"),
            now=NOW, seen=seen("k"), posts=[PlannedPost(sub)],
        )  # fmt: skip
        delivery = Delivery(storage, DiesAfterSend(bot), SystemClock())
        with contextlib.suppress(Died):
            await delivery.deliver_pending()
    finally:
        await storage.close()
    storage = await Storage.open(db)  # the restart
    try:
        delivery = Delivery(storage, DiscordPublisher(bot), SystemClock())
        await delivery.recover()
        report = await delivery.deliver_pending()
        [post] = await storage.list_posts()
    finally:
        await storage.close()
    messages = stand_in.world.messages[CHANNEL_ID]
    assert report.sent == 1 and post.state is PostState.SENT
    assert len(stand_in.sent("POST")) == 1 and len(messages) == 1  # never posted twice
    [message] = messages
    assert message["author"]["id"] == str(BOT_ID) and message["embeds"] == []
    assert references_in(message) == {post_reference(post.id)} and post.message_id == message["id"]
