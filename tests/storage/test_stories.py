"""Stories and decisions (migration 0008, issue 11) on both backends: the matcher's choice kept
with each article, a story already posted in a channel grouped under the first post (no second
post, an edit wanted, one line per outlet), grouping turned off, the held posts and their
reasons, the index rebuilt from storage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.errors import NotFoundError
from storage.records import (
    ArticleIntent,
    FeedSuccess,
    PlannedPost,
    PostState,
    SeenStatus,
    Subscription,
)
from storage.storage import Storage
from storage.story_records import HeldPost, HeldReason, StoryChoice
from tests.storage.helpers import NOW, article, seen


def _story(key: str, story: str, matched: str | None = None) -> StoryChoice:
    return StoryChoice(
        key=key, story=story, score=0.0 if matched is None else 0.5, matched=matched,
        shared=("marseillaise", "maritima") if matched else (), lede=f"Mots de {key.split(':')[1]}",
        published_at=NOW, group_since=NOW - timedelta(hours=48),
    )  # fmt: skip


async def _poll(
    storage: Storage, feed_id: int, key: str, plans: tuple[PlannedPost, ...], story: StoryChoice,
    held: tuple[HeldPost, ...] = (), source: str = "Le Monde",
) -> int:  # fmt: skip
    intent = ArticleIntent(article(feed_id, key, source=source), seen(key), plans, story, held)
    recorded = await storage.record_poll(
        feed_id, now=NOW, success=FeedSuccess(NOW + timedelta(minutes=5)), articles=[intent]
    )
    return recorded.article_ids[0]


async def _two_feeds(storage: Storage) -> tuple[int, int, Subscription, Subscription]:
    monde = await storage.add_feed("https://monde.example/rss", now=NOW, title="Le Monde")
    figaro = await storage.add_feed("https://figaro.example/rss", now=NOW, title="Le Figaro")
    first = await storage.add_subscription(guild_id=1, channel_id=10, feed_id=monde.id, now=NOW)
    second = await storage.add_subscription(guild_id=1, channel_id=10, feed_id=figaro.id, now=NOW)
    return monde.id, figaro.id, first, second


async def test_a_story_already_posted_in_the_channel_is_grouped_not_posted(
    storage: Storage,
) -> None:
    monde, figaro, sub_monde, sub_figaro = await _two_feeds(storage)
    first = await _poll(storage, monde, "a", (PlannedPost(sub_monde),), _story(f"{monde}:a", "s"))
    again = _story(f"{figaro}:b", "s", matched=f"{monde}:a")
    second = await _poll(storage, figaro, "b", (PlannedPost(sub_figaro),), again, source="Figaro")
    [post] = await storage.posts_for_article(first)
    assert await storage.posts_for_article(second) == []  # nothing that could be sent twice
    [decision] = await storage.decisions_for(second)
    assert (decision.reason, decision.group_post_id) == (HeldReason.GROUPED, post.id)
    assert await storage.story_of(second) == StoryChoice(
        key=f"{figaro}:b", story="s", score=0.5, matched=f"{monde}:a",
        shared=("marseillaise", "maritima"), lede="Mots de b", published_at=NOW, group_since=NOW,
    )  # fmt: skip

    assert await storage.due_story_edits() == []  # not sent yet: its first send shows the group
    [claimed] = await storage.claim_due_posts(now=NOW, limit=5)
    await storage.mark_sent(claimed.post.id, message_id="123", now=NOW)
    [(due, wanted)] = await storage.due_story_edits()
    assert (due.id, wanted) == (post.id, 1)
    companions = await storage.companions([post.id])
    assert [(c.article_id, c.source, c.url) for c in companions[post.id]] == [
        (second, "Figaro", "https://exemple.fr/b")
    ]
    await storage.mark_story_edited(post.id, wanted)
    await storage.mark_story_edited(post.id, wanted)  # an edit confirmed twice changes nothing
    assert await storage.due_story_edits() == []


async def test_grouping_turned_off_posts_every_outlet(storage: Storage) -> None:
    monde, figaro, sub_monde, sub_figaro = await _two_feeds(storage)
    plain = await storage.set_grouping(sub_figaro.id, False)
    assert plain.grouping is False and sub_monde.grouping is True
    await _poll(storage, monde, "a", (PlannedPost(sub_monde),), _story(f"{monde}:a", "s"))
    again = _story(f"{figaro}:b", "s", matched=f"{monde}:a")
    second = await _poll(storage, figaro, "b", (PlannedPost(plain),), again)
    [post] = await storage.posts_for_article(second)
    assert post.state is PostState.PENDING and await storage.decisions_for(second) == []
    with pytest.raises(NotFoundError):
        await storage.set_grouping(999, True)


async def test_an_old_or_other_channel_post_does_not_group(storage: Storage) -> None:
    monde, figaro, sub_monde, _ = await _two_feeds(storage)
    elsewhere = await storage.add_subscription(guild_id=1, channel_id=20, feed_id=figaro, now=NOW)
    await _poll(storage, monde, "a", (PlannedPost(sub_monde),), _story(f"{monde}:a", "s"))
    later = _story(f"{figaro}:b", "s", matched=f"{monde}:a")
    second = await _poll(storage, figaro, "b", (PlannedPost(elsewhere),), later)
    assert len(await storage.posts_for_article(second)) == 1  # another channel: its first
    too_late = StoryChoice(
        **{**_fields(later), "key": f"{figaro}:c", "group_since": NOW + timedelta(seconds=1)}
    )
    third = await _poll(storage, figaro, "c", (PlannedPost(elsewhere),), too_late)
    assert len(await storage.posts_for_article(third)) == 1  # the first post is outside 48 h


def _fields(choice: StoryChoice) -> dict[str, object]:
    return {name: getattr(choice, name) for name in StoryChoice.__slots__}  # type: ignore[attr-defined]


async def test_held_posts_keep_their_reason_and_the_index_is_rebuilt(storage: Storage) -> None:
    monde, _, sub_monde, _ = await _two_feeds(storage)
    held = (HeldPost(sub_monde.id, HeldReason.FILTER, "mot exclu : « sport »"),)
    article_id = await _poll(storage, monde, "a", (), _story(f"{monde}:a", f"{monde}:a"), held)
    [decision] = await storage.decisions_for(article_id)
    assert (decision.reason, decision.detail) == (HeldReason.FILTER, "mot exclu : « sport »")
    await _poll(storage, monde, "b", (), _story(f"{monde}:b", f"{monde}:a", f"{monde}:a"))
    rebuilt = await storage.recent_stories(since=NOW - timedelta(days=30), limit=10)
    assert [(s.article_key, s.story_key, s.lede) for s in rebuilt] == [
        (f"{monde}:a", f"{monde}:a", "Mots de a"),
        (f"{monde}:b", f"{monde}:a", "Mots de b"),
    ]
    assert await storage.recent_stories(since=NOW + timedelta(seconds=1), limit=10) == []


async def test_the_trail_of_one_url_in_a_server(storage: Storage) -> None:
    monde, figaro, sub_monde, sub_figaro = await _two_feeds(storage)
    first = await _poll(storage, monde, "a", (PlannedPost(sub_monde),), _story(f"{monde}:a", "s"))
    again = _story(f"{figaro}:b", "s", matched=f"{monde}:a")
    second = await _poll(storage, figaro, "b", (PlannedPost(sub_figaro),), again)
    await storage.record_seen(monde, [seen("vieux", SeenStatus.SKIPPED_OLD)], now=NOW)
    trail = await storage.url_trail([monde, figaro], "exemple.fr/b")
    assert [(s.feed_id, s.key) for s in trail.seen] == [(figaro, "b")]
    assert [a.id for a in trail.articles] == [second] and trail.posts == ()
    [decision] = trail.decisions
    [first_post] = await storage.posts_for_article(first)
    assert trail.group_posts == {first_post.id: first_post} == {decision.group_post_id: first_post}
    old = await storage.url_trail([monde], "exemple.fr/vieux")
    assert [s.status for s in old.seen] == [SeenStatus.SKIPPED_OLD] and old.articles == ()
    assert await storage.url_trail([figaro], "exemple.fr/a") == type(trail)()  # another server's
