"""Issue 15, end to end: a JSON Feed and a CDF channel subscribed with /feed add through the
real bot on the Discord stand-in (real SQLite file, guarded client, engine, workers and
delivery, a local feed server): the first poll posts nothing, a new item is posted once, with
its page fetched and summarized. The documents are written by the test."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest

from bot.settings import Settings
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom
from tests.discord_stand_in.server import StandIn


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


def _json_feed(room: Newsroom, keys: list[str], now: datetime) -> bytes:
    items = [
        {
            "id": f"carnet-{key}",
            "url": f"{room.base}/article/{key}?utm_source=jsonfeed",
            "title": f"Le carnet du quartier, épisode {key}",
            "content_text": "Une courte note du carnet.",
            "date_published": (now - timedelta(minutes=int(key))).isoformat(),
            "authors": [{"name": "Claire Vidal"}],
        }
        for key in keys
    ]
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Le Carnet", "items": items}
    return json.dumps(document, ensure_ascii=False).encode()


def _cdf(room: Newsroom, keys: list[str], now: datetime) -> bytes:
    stamps = {key: f"{now - timedelta(minutes=int(key)):%Y-%m-%dT%H:%M}" for key in keys}
    items = "".join(
        f'<ITEM HREF="article/{key}" LASTMOD="{stamps[key]}">'
        f"<TITLE>La chaîne du port, nouvelle {key}</TITLE><ABSTRACT>Une nouvelle.</ABSTRACT></ITEM>"
        for key in keys
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><CHANNEL HREF="{room.base}/" '
        f'BASE="{room.base}/"><TITLE>La Chaîne du port</TITLE>{items}</CHANNEL>'
    ).encode()


Build = Callable[[Newsroom, list[str], datetime], bytes]


@pytest.mark.parametrize(
    ("make", "content_type"),
    [(_json_feed, "application/feed+json"), (_cdf, "application/x-cdf")],
    ids=["json-feed", "cdf"],
)
async def test_a_feed_in_the_wild_is_subscribed_then_posts_each_new_item_once(
    room: Newsroom, make: Build, content_type: str
) -> None:
    now = room.clock.now()
    room.state.headers = {"Content-Type": content_type}
    room.state.body = make(room, ["10", "20"], now)
    answer = await add_feed(room, room.feed_url)
    assert "Abonnement ajouté" in answer.texts(), answer.texts()
    await room.next_cycle()
    assert room.posts_in() == []  # the first poll is the baseline (F1)
    room.state.body = make(room, ["3", "10", "20"], now)
    room.state.etag = '"v-new-item"'
    await room.next_cycle()
    posts = room.posts_in()
    # The item's page was fetched and read: its headline titles the post.
    assert [post["embeds"][0]["title"] for post in posts] == [
        r"Une médiathèque ouvre ses portes \(3\)"
    ]
    await room.next_cycle()
    assert len(room.posts_in()) == 1  # never twice
