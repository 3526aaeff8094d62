"""Corrections in storage (migration 0007), on both backends: the recent articles a poll
compares, a correction applied with the poll (the article's text, its hash and count, search),
the posts marked for an edit (sent or in flight, of subscriptions that edit, a follow's DM),
the edit queue (claimed once sent, cleared when edited, given up after its failures)."""

from __future__ import annotations

from datetime import timedelta

from storage.corrections import CORRECTION_WINDOW, EDIT_ATTEMPTS_MAX
from storage.records import ArticleCorrection, FeedSuccess, PlannedPost, PostState
from storage.storage import Storage
from tests.storage.helpers import NOW, article, seen


async def _posted(storage: Storage) -> tuple[int, list[int], int]:
    """A feed, three subscriptions (the third does not edit), one article sent to the first two
    and in flight to the third: (feed id, post ids, article id)."""
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW)
    subs = [
        await storage.add_subscription(guild_id=1, channel_id=10 + n, feed_id=feed.id, now=NOW)
        for n in range(3)
    ]
    await storage.set_corrections(subs[1].id, False)
    assert (await storage.get_subscription(subs[1].id)).corrections is False
    assert subs[0].corrections is True
    new = article(feed.id, "a", entry_hash="0" * 32, title="Le pont rouvre")
    saved = await storage.save_article(
        new, now=NOW, seen=seen("a"), posts=[PlannedPost(s) for s in subs]
    )
    claimed = await storage.claim_due_posts(now=NOW, limit=10)
    for item in claimed[:2]:
        await storage.mark_sent(item.post.id, message_id=f"77{item.post.id}", now=NOW)
    return feed.id, [p.id for p in saved.posts], saved.article.id


async def test_a_correction_edits_the_posts_that_reached_discord(storage: Storage) -> None:
    feed_id, post_ids, article_id = await _posted(storage)
    later = NOW + timedelta(hours=3)
    recent = await storage.recent_articles(feed_id, ["a", "absent"], now=later)
    assert set(recent) == {"a"} and recent["a"].entry_hash == "0" * 32
    assert recent["a"].article_id == article_id and recent["a"].corrections == 0
    fix = ArticleCorrection(article_id, "1" * 32, "MàJ : le pont rouvre lundi", "Nouveau résumé.")
    done = await storage.record_poll(
        feed_id, now=later, success=FeedSuccess(next_poll_at=later), corrections=[fix]
    )
    assert done.edits == 2  # the sent post of the first, the in-flight post of the third
    stored = await storage.get_article(article_id)
    assert stored is not None and stored.title == "MàJ : le pont rouvre lundi"
    assert (stored.entry_hash, stored.corrections, stored.corrected_at) == ("1" * 32, 1, later)
    found = await storage.search_articles(("any", "lundi"))
    assert [a.id for a in found] == [article_id]  # re-indexed on both backends
    marked = {p.id: p.edit_pending for p in await storage.posts_for_article(article_id)}
    assert marked == {post_ids[0]: True, post_ids[1]: False, post_ids[2]: True}

    due = await storage.claim_due_edits(limit=10)
    assert [i.post.id for i in due] == [post_ids[0]]  # the third is not sent yet
    assert due[0].article.title == "MàJ : le pont rouvre lundi"
    await storage.mark_edited(post_ids[0], now=later)
    await storage.mark_sent(post_ids[2], message_id="779", now=later)
    assert [i.post.id for i in await storage.claim_due_edits()] == [post_ids[2]]
    for _ in range(EDIT_ATTEMPTS_MAX):
        await storage.release_edit(post_ids[2], error="500")
    assert await storage.claim_due_edits() == []  # given up
    posts = {p.id: p for p in await storage.posts_for_article(article_id)}
    assert posts[post_ids[0]].edited_at == later and posts[post_ids[2]].edited_at is None


async def test_the_same_text_changes_only_the_hash_and_old_articles_are_left(
    storage: Storage,
) -> None:
    feed_id, _, article_id = await _posted(storage)
    same = ArticleCorrection(article_id, "2" * 32, "Le pont rouvre", "Une phrase de résumé.")
    done = await storage.record_poll(
        feed_id, now=NOW, success=FeedSuccess(next_poll_at=NOW), corrections=[same]
    )
    assert done.edits == 0
    stored = await storage.get_article(article_id)
    assert stored is not None and (stored.entry_hash, stored.corrections) == ("2" * 32, 0)
    assert await storage.claim_due_edits() == []
    too_late = NOW + CORRECTION_WINDOW + timedelta(seconds=1)
    assert await storage.recent_articles(feed_id, ["a"], now=too_late) == {}
    context = await storage.poll_context(feed_id, [], since=NOW, now=NOW)
    assert context.recent == {}  # no entries asked about


async def test_a_post_still_pending_is_not_marked(storage: Storage) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW)
    sub = await storage.add_subscription(guild_id=1, channel_id=10, feed_id=feed.id, now=NOW)
    saved = await storage.save_article(
        article(feed.id, "b", entry_hash="0" * 32), now=NOW, seen=seen("b"),
        posts=[PlannedPost(sub, PostState.PENDING)],
    )  # fmt: skip
    fix = ArticleCorrection(saved.article.id, "3" * 32, "Autre titre", "Autre résumé.")
    done = await storage.record_poll(
        feed.id, now=NOW, success=FeedSuccess(next_poll_at=NOW), corrections=[fix]
    )
    assert done.edits == 0  # it will be rendered from the corrected article
    claimed = await storage.claim_due_posts(now=NOW)
    assert claimed[0].article.title == "Autre titre" and not claimed[0].post.edit_pending
