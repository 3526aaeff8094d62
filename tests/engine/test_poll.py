"""The poll cycle against a real feed server, real SQLite and the real core (F1-F20)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from storage.records import FollowDelivery, FollowKind, PostState, TargetKind
from tests.engine.conftest import START, World
from tests.engine.feedserver import from_the_page


async def seen_statuses(world: World) -> dict[str, str]:
    feed = await world.feed()
    rows = await world.storage._fetchall(
        "SELECT key, status FROM seen_entries WHERE feed_id = ?", (feed.id,)
    )
    return {row[0]: row[1] for row in rows}


async def test_f1_first_poll_posts_nothing_and_second_neither(world: World) -> None:
    for n in range(50):
        world.state.add(str(n), published=START - timedelta(hours=n))
    await world.subscribe(100)
    first = await world.poll()
    assert (first.outcome, first.posts) == ("baseline", 0)
    assert len(await seen_statuses(world)) == 50
    assert set((await seen_statuses(world)).values()) == {"baseline"}
    world.clock.advance(timedelta(minutes=11))
    second = await world.poll()
    assert second.posts == 0
    assert await world.storage.list_posts() == []
    assert world.state.page_hits == 0


async def test_new_entry_gives_one_post_per_channel_from_the_page(world: World) -> None:
    world.state.add("old", published=START - timedelta(hours=1))
    await world.subscribe(100)
    await world.subscribe(200)
    await world.poll()
    world.state.etag = '"v2"'
    world.state.add("fresh", published=START)
    report = await world.poll()
    assert (report.outcome, report.articles, report.posts) == ("processed", 1, 2)
    posts = await world.storage.list_posts()
    assert sorted(p.target_id for p in posts) == [100, 200]
    article = await world.storage.get_article(posts[0].article_id)
    assert article is not None and article.text_origin == "page"
    assert from_the_page(article.summary)
    assert article.source == "Le Journal de Test"
    world.state.etag = '"v3"'
    assert (await world.poll()).posts == 0
    assert len(await world.storage.list_posts()) == 2


async def test_page_failure_falls_back_to_feed_text(world: World) -> None:
    await world.subscribe(100)
    world.state.add("a")
    await world.poll()
    world.state.page_status = 404
    world.state.etag = '"v2"'
    world.state.add("b", description="Le conseil municipal a voté le budget de la commune mardi.")
    report = await world.poll()
    assert report.posts == 1
    [post] = await world.storage.list_posts()
    article = await world.storage.get_article(post.article_id)
    assert article is not None and article.text_origin == "feed"


async def test_f2_f4_not_modified_and_identical_body(world: World) -> None:
    await world.subscribe(100)
    world.state.add("a")
    await world.poll()
    feed = await world.feed()
    assert feed.etag == '"v1"'
    world.clock.advance(timedelta(minutes=11))
    report = await world.poll()
    assert report.outcome == "not_modified"
    assert world.state.requests[-1].get("If-None-Match") == '"v1"'
    assert (await world.feed()).etag == '"v1"'
    world.state.flip_etag = True
    flipped = await world.poll()
    assert (flipped.outcome, flipped.posts) == ("unchanged", 0)


@pytest.mark.parametrize("also", ["nothing", "title", "link"])
async def test_f17_rewritten_guids_are_blocked(world: World, also: str) -> None:
    """F17: every GUID rewritten (``?utm=1``) gives no post: the normalised link or the
    normalised title of each entry matches a seen entry, even when the other one changed."""
    await world.subscribe(100)
    for n in range(5):
        world.state.add(str(n))
    await world.poll()
    for item in world.state.items:
        item.guid = f"{item.guid}?utm=1"
        if also == "title":
            item.title = f"{item.title}, mis à jour"
        elif also == "link" and item.link is not None:
            item.link = item.link.replace("/article/", "/articles/")
    world.state.etag = '"v2"'
    report = await world.poll()
    assert report.posts == 0
    statuses = await seen_statuses(world)
    assert sum(1 for s in statuses.values() if s == "blocked_duplicate") == 5


async def test_f16_guidless_items_are_stable(world: World) -> None:
    await world.subscribe(100)
    world.state.add("a", guid=None)
    world.state.add("b", guid=None, link=None)
    await world.poll()
    world.state.etag = '"v2"'
    world.state.add("c", guid=None)
    report = await world.poll()
    assert report.posts == 1
    world.state.etag = '"v3"'
    assert (await world.poll()).posts == 0


async def test_f15_duplicate_guids_post_each_link_once(world: World) -> None:
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()
    world.state.etag = '"v2"'
    world.state.add("x", guid="same")
    world.state.add("y", guid="same")
    await world.poll()
    posts = await world.storage.list_posts()
    urls = [(await world.storage.get_article(p.article_id)).url for p in posts]  # type: ignore[union-attr]
    assert len(urls) == len(set(urls)) and 1 <= len(urls) <= 2


async def test_f18_flood_is_capped_and_never_posted_later(world: World) -> None:
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()
    for n in range(20):
        world.state.add(f"n{n}", published=START - timedelta(minutes=n))
    world.state.etag = '"v2"'
    report = await world.poll()
    assert report.posts == 5
    statuses = await seen_statuses(world)
    assert sum(1 for s in statuses.values() if s == "skipped_flood") == 15
    world.state.etag = '"v3"'
    assert (await world.poll()).posts == 0
    assert len(await world.storage.list_posts()) == 5


async def test_f18_day_cap_per_subscription(world: World) -> None:
    """F18: at most ``max_posts_per_day`` posts per subscription over 24 h, across cycles; the
    entries over the cap are ``skipped_flood`` and never posted later."""
    world.engine.settings = replace(world.engine.settings, max_posts_per_day=7)
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()
    posted = []
    for cycle in range(3):  # 5 (cycle cap), then 2 (day cap), then 0
        for n in range(5):
            world.state.add(f"c{cycle}n{n}", published=world.clock.now() - timedelta(minutes=n))
        world.state.etag = f'"c{cycle}"'
        world.clock.advance(timedelta(minutes=11))
        posted.append((await world.poll()).posts)
    assert posted == [5, 2, 0]
    pending = [p for p in await world.storage.list_posts() if p.state is PostState.PENDING]
    assert len(pending) == 7
    world.clock.advance(timedelta(hours=24))  # a new day: room again, only for new entries
    world.state.add("tomorrow", published=world.clock.now())
    world.state.etag = '"tomorrow"'
    assert (await world.poll()).posts == 1


async def test_f19_old_entries_are_skipped(world: World) -> None:
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()
    world.state.add("ancient", published=START - timedelta(days=3))
    world.state.add("undated")
    world.state.etag = '"v2"'
    report = await world.poll()
    assert report.posts == 1
    assert (await seen_statuses(world))["guid-ancient"] == "skipped_old"


async def test_f20_pruned_articles_are_not_reposted(world: World) -> None:
    """F20: retention deletes the article but keeps its seen key (a tombstone); the feed still
    lists the item, in a changed document (so the body hash of F4 cannot hide a repost)."""
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()
    world.state.add("a")
    world.state.etag = '"v2"'
    assert (await world.poll()).posts == 1
    for claimed in await world.storage.claim_due_posts(now=START):
        await world.storage.mark_sent(claimed.post.id, message_id="1", now=START)
    assert await world.storage.prune_articles(older_than=START + timedelta(days=365)) == 1
    assert await world.storage.list_posts() == []
    world.state.title = "Le Journal de Test, nouvelle formule"
    world.state.etag = '"v3"'
    report = await world.poll()
    assert (report.outcome, report.posts) == ("processed", 0)
    assert (await seen_statuses(world))["guid-a"] == "new"


async def test_filters_and_a_follow_producing_a_dm(world: World) -> None:
    from storage.records import Filters

    sub = await world.subscribe(100)
    await world.storage.set_filters(sub.id, Filters(include=("budget",)))
    for user_id, term in ((42, "Municipal"), (43, "Médiathèque")):
        await world.storage.add_follow(
            kind=FollowKind.TOPIC, term=term, delivery=FollowDelivery.DM,
            now=START, user_id=user_id, guild_id=1,
        )  # fmt: skip
    world.state.add("seed")
    await world.poll()
    world.state.page_status = 404
    budget = "Le conseil a adopté le budget de la commune mardi soir."
    media = "Les lecteurs retrouvent leurs livres dès lundi matin."
    world.state.add("budget", title="Le budget municipal adopté", description=budget)
    world.state.add("media", title="La médiathèque rouvre", description=media)
    world.state.etag = '"v2"'
    await world.poll()
    targets = {}
    for post in await world.storage.list_posts():
        article = await world.storage.get_article(post.article_id)
        assert article is not None
        targets[(post.target_kind, post.target_id)] = article.title
    # The filtered-out article is posted in no channel of the guild, so it is DMed to no one.
    assert targets == {
        (TargetKind.CHANNEL, 100): "Le budget municipal adopté",
        (TargetKind.DM, 42): "Le budget municipal adopté",
    }
    assert all(p.state is PostState.PENDING for p in await world.storage.list_posts())


async def test_d13_lost_seen_table_behaves_as_a_first_run(world: World) -> None:
    """D13: the seen keys are gone while the subscription remains; the next poll of a changed
    feed is a baseline (F1) that posts nothing, not a flood of the old entries."""
    await world.subscribe(100)
    for n in range(10):
        world.state.add(str(n))
    await world.poll()
    async with world.storage._tx() as db:
        await db.execute("DELETE FROM seen_entries")
    world.state.etag = '"v2"'
    world.state.add("10")  # the feed changed too: no body-hash short-cut hides a flood
    report = await world.poll()
    assert (report.outcome, report.posts) == ("baseline", 0)
    assert await world.storage.list_posts() == []
    assert len(await seen_statuses(world)) == 11


async def test_d3_two_concurrent_polls_of_one_feed_enqueue_each_entry_once(world: World) -> None:
    """D3: two polls of the same subscription running at once both find the new entries; the
    outbox still holds exactly one post per entry, and each is claimed exactly once."""
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()
    for n in range(3):
        world.state.add(f"new{n}")
    world.state.etag = '"v2"'
    await asyncio.gather(world.poll(), world.poll())
    posts = await world.storage.list_posts()
    assert len(posts) == 3 and len({p.article_id for p in posts}) == 3
    batches = await asyncio.gather(*(world.storage.claim_due_posts(now=START) for _ in range(2)))
    claimed = [c.post.id for batch in batches for c in batch]
    assert sorted(claimed) == sorted(p.id for p in posts)


async def test_backfill_posts_only_the_newest_n(world: World) -> None:
    for n in range(6):
        world.state.add(str(n), published=START - timedelta(hours=6 - n))
    sub = await world.subscribe(100)
    assert await world.engine.backfill(sub, 2) == 2
    posts = await world.storage.list_posts()
    titles = {(await world.storage.get_article(p.article_id)).entry_key for p in posts}  # type: ignore[union-attr]
    assert titles == {"guid-4", "guid-5"}
    first = await world.poll()
    assert (first.outcome, first.posts) == ("baseline", 0)
    assert len(await world.storage.list_posts()) == 2


async def test_a_valid_feed_without_items_is_a_quiet_success(world: World) -> None:
    """An empty channel is not a fault: no failure counted, no backoff, then items post."""
    await world.subscribe(100)
    first = await world.poll()
    assert first.outcome == "empty"
    feed = await world.feed()
    assert (feed.failure_count, feed.last_error) == (0, None)
    assert feed.next_poll_at is not None
    assert feed.next_poll_at <= world.clock.now() + timedelta(minutes=11)
    world.state.add("first", published=START)
    world.state.etag = '"v2"'  # the content changed, so does its validator
    world.clock.advance(timedelta(minutes=11))
    assert (await world.poll()).outcome == "baseline"  # first items of a new feed: F1
    world.state.add("second", published=START + timedelta(minutes=12))
    world.state.etag = '"v3"'
    world.clock.advance(timedelta(minutes=11))
    report = await world.poll()
    assert (report.outcome, report.posts) == ("processed", 1)


async def test_backfill_applies_the_channel_topic_filter_to_new_and_stored_articles(
    world: World,
) -> None:
    """A backfill posts the newest entries that pass the channel's filters, like a poll would,
    including articles another server's subscription had already stored."""
    from storage.records import FollowDelivery, FollowKind

    world.state.page_status = 404  # the feed's own titles and text are used
    for n in range(6):
        title = f"Le tramway de Lyon, étape {n}" if n % 2 else f"Nouvelle médiathèque {n}"
        world.state.add(str(n), title=title, published=START - timedelta(hours=6 - n))
    elsewhere = await world.subscribe(200, guild_id=2)
    assert await world.engine.backfill(elsewhere, 3) == 3  # stores entries 3, 4 and 5
    await world.storage.add_follow(
        kind=FollowKind.TOPIC, term="tramway", delivery=FollowDelivery.CHANNEL,
        now=START, guild_id=1, channel_id=100,
    )  # fmt: skip
    filtered = await world.subscribe(100)
    assert await world.engine.backfill(filtered, 3) == 3
    posted = [p for p in await world.storage.list_posts() if p.target_id == 100]
    keys = [(await world.storage.get_article(p.article_id)).entry_key for p in posted]  # type: ignore[union-attr]
    # the three newest about the tramway, oldest first: 3 and 5 were stored, 1 is prepared now
    assert keys == ["guid-1", "guid-3", "guid-5"]


async def test_a_worker_timeout_costs_one_summary_not_the_feed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S14: an entry whose summary times out is posted with its title and link; the entries
    after it are posted too and the feed counts no failure."""
    from bot.news.workers import WorkerTimeout, entry_prepare_task

    world.state.page_status = 404  # the feed's titles and text are used
    world.state.add("old", published=START - timedelta(hours=3))
    await world.subscribe(100)
    await world.poll()  # baseline
    world.state.add("stuck", title="Un texte qui bloque le résumé", published=START)
    world.state.add("fine", title="Un article ordinaire", published=START + timedelta(minutes=1))
    world.state.etag = '"v2"'
    run = world.engine.workers.run

    async def flaky_run(fn, *args, **options):  # type: ignore[no-untyped-def]
        if fn is entry_prepare_task and "bloque" in args[0].title:
            raise WorkerTimeout("entry_prepare_task", 10.0)
        return await run(fn, *args, **options)

    monkeypatch.setattr(world.engine.workers, "run", flaky_run)
    world.clock.advance(timedelta(minutes=11))
    report = await world.poll()
    assert (report.outcome, report.articles, report.posts) == ("processed", 2, 2)
    summaries = {
        (await world.storage.get_article(p.article_id)).title: (  # type: ignore[union-attr]
            await world.storage.get_article(p.article_id)  # type: ignore[union-attr]
        ).summary
        for p in await world.storage.list_posts()
    }
    assert summaries["Un texte qui bloque le résumé"] == ""
    assert summaries["Un article ordinaire"]
    assert (await world.feed()).failure_count == 0
