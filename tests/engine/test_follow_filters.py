"""Channel-level follows as topic filters in the engine's planning (no fan-out), DM follows
scoped to the guild an article is posted in, and the one matching rule shared by storage and
the engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.news.preparation import PreparedArticle
from bot.news.selection import matches_follows
from storage.records import Filters, Follow, FollowDelivery, FollowKind, TargetKind
from storage.storage import Storage
from summarizer.model import Article, Summary
from tests.engine.conftest import START, World
from tests.engine.test_poll import seen_statuses

BUDGET = "Le budget municipal adopté"
MEDIA = "La médiathèque rouvre ses portes"


async def channel_filter(world: World, channel_id: int, term: str, **kw: object) -> Follow:
    kind = kw.pop("kind", FollowKind.TOPIC)
    return await world.storage.add_follow(
        kind=kind, term=term, delivery=FollowDelivery.CHANNEL, now=START,  # type: ignore[arg-type]
        guild_id=1, channel_id=channel_id, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


async def baseline(world: World) -> None:
    world.state.add("seed")
    assert (await world.poll()).outcome == "baseline"
    world.state.page_status = 404  # the feed's own titles and text are kept


async def new_items(world: World, *items: tuple[str, dict[str, object]]) -> None:
    for number, (title, extra) in enumerate(items):
        world.state.add(f"n{number}", title=title, published=START, **extra)
    world.state.etag = '"v2"'
    assert (await world.poll()).outcome == "processed"


async def titles_by_target(world: World) -> dict[tuple[TargetKind, int], list[str]]:
    found: dict[tuple[TargetKind, int], list[str]] = defaultdict(list)
    for post in await world.storage.list_posts():
        article = await world.storage.get_article(post.article_id)
        assert article is not None
        found[(post.target_kind, post.target_id)].append(article.title)
    return {target: sorted(titles) for target, titles in found.items()}


async def test_a_channel_filter_keeps_only_matching_posts_and_never_fans_out(
    world: World,
) -> None:
    await world.subscribe(100)
    await world.subscribe(200)
    await channel_filter(world, 100, "Budget")
    await channel_filter(world, 300, "médiathèque")  # a channel with no subscription
    await baseline(world)
    await new_items(world, (BUDGET, {}), (MEDIA, {}))
    assert await titles_by_target(world) == {
        (TargetKind.CHANNEL, 100): [BUDGET],
        (TargetKind.CHANNEL, 200): sorted([BUDGET, MEDIA]),
    }
    statuses = await seen_statuses(world)
    assert statuses["guid-n0"] == statuses["guid-n1"] == "new"


async def test_filters_add_up_with_the_subscriptions_own_filter(world: World) -> None:
    sub = await world.subscribe(100)
    await world.storage.set_filters(sub.id, Filters(exclude=("grève",)))
    await channel_filter(world, 100, "budget")
    await channel_filter(world, 100, "Agnès Durand", kind=FollowKind.AUTHOR)
    await baseline(world)
    await new_items(
        world,
        (BUDGET, {}),
        ("Le budget bloqué par une grève des agents", {}),
        (MEDIA, {"author": "Agnès Durand"}),
        ("La fête du village aura lieu samedi", {}),
    )
    assert await titles_by_target(world) == {(TargetKind.CHANNEL, 100): sorted([BUDGET, MEDIA])}
    statuses = await seen_statuses(world)
    assert [statuses[f"guid-n{n}"] for n in range(4)] == ["new", "filtered", "new", "filtered"]


async def test_a_dm_follow_needs_a_post_in_its_own_guild(world: World) -> None:
    await world.subscribe(100, guild_id=1)
    await channel_filter(world, 100, "budget")
    for user_id, guild_id in ((41, 1), (42, 2)):
        await world.storage.add_follow(
            kind=FollowKind.TOPIC, term="médiathèque", delivery=FollowDelivery.DM, now=START,
            guild_id=guild_id, user_id=user_id,
        )  # fmt: skip
    await world.storage.add_follow(
        kind=FollowKind.TOPIC, term="budget", delivery=FollowDelivery.DM, now=START,
        guild_id=1, user_id=43,
    )  # fmt: skip
    await baseline(world)
    await new_items(world, (BUDGET, {}), (f"{MEDIA} et le budget", {}), (MEDIA, {}))
    targets = await titles_by_target(world)
    # MEDIA alone is filtered out of channel 100: it is posted nowhere, so no DM for it.
    assert targets == {
        (TargetKind.CHANNEL, 100): sorted([BUDGET, f"{MEDIA} et le budget"]),
        (TargetKind.DM, 41): [f"{MEDIA} et le budget"],
        (TargetKind.DM, 43): sorted([BUDGET, f"{MEDIA} et le budget"]),
    }


async def test_channel_filters_are_loaded_once_per_poll(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.subscribe(100)
    await world.subscribe(200)
    await channel_filter(world, 100, "budget")
    calls: list[list[int]] = []
    original = world.storage.channel_filter_follows

    async def counted(channel_ids: object) -> dict[int, tuple[Follow, ...]]:
        ids = sorted(channel_ids)  # type: ignore[call-overload]
        calls.append(ids)
        return await original(ids)

    monkeypatch.setattr(world.storage, "channel_filter_follows", counted)
    await baseline(world)
    await new_items(world, (BUDGET, {}), (MEDIA, {}), ("Un troisième article", {}))
    assert calls == [[100, 200]]


def prepared(title: str, topics: tuple[str, ...], authors: tuple[str, ...]) -> PreparedArticle:
    article = Article(title=title, text="Un texte.", authors=authors)
    return PreparedArticle(article, Summary(("Un texte.",), "depeche"), topics)


VOTE = "Le conseil municipal vote le budget"
CASES = [  # (kind, followed term, title, topics, authors, expected)
    (FollowKind.TOPIC, "Élysée", "Réunion à l'Élysée ce matin", (), (), True),
    (FollowKind.TOPIC, "conseil municipal vote", VOTE, (), (), True),
    (FollowKind.TOPIC, "conseil municipal vote le", VOTE, (), (), False),
    (FollowKind.TOPIC, "budg", VOTE, (), (), False),
    (FollowKind.TOPIC, "Politique locale", "Un titre", ("politique  LOCALE",), (), True),
    (FollowKind.TOPIC, "SNCF", "La S.N.C.F. annonce des travaux", (), (), False),
    (FollowKind.TOPIC, "Agnès Durand", "Un titre", (), ("Agnès Durand",), False),
    (FollowKind.AUTHOR, "agnes durand", "Un titre", (), ("Agnès  Durand",), True),
    (FollowKind.AUTHOR, "Durand", "Durand", ("Durand",), ("Agnès Durand",), False),
    (FollowKind.AUTHOR, "l'équipe", "Un titre", (), ("L’Équipe",), True),
]  # fmt: skip


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "depeche.db")
    yield opened
    await opened.close()


@pytest.mark.parametrize(("kind", "term", "title", "topics", "authors", "expected"), CASES)
async def test_storage_and_engine_share_one_matching_rule(
    storage: Storage,
    kind: FollowKind,
    term: str,
    title: str,
    topics: tuple[str, ...],
    authors: tuple[str, ...],
    expected: bool,
) -> None:
    follow = await storage.add_follow(
        kind=kind, term=term, delivery=FollowDelivery.CHANNEL, now=datetime.now(UTC),
        guild_id=1, channel_id=100,
    )  # fmt: skip
    found = await storage.matching_follows(title=title, topics=topics, authors=authors)
    assert (follow.id in {f.id for f in found}) is expected
    assert matches_follows([follow], prepared(title, topics, authors)) is expected
