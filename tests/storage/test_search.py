"""Full-text search, autocomplete, follow matching, backup and restore (D10)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from storage.records import FollowDelivery, FollowKind, PlannedPost, PostState, TargetKind
from storage.storage import Storage
from tests.storage.helpers import NOW, article, feed_with_subscription, seen


async def test_search_folds_accents_and_case(database: Path | str) -> None:
    storage = await Storage.open(database)
    try:
        await storage.save_article(
            article(None, None, title="Une élève primée", summary="Concours national."), now=NOW
        )
        await storage.save_article(
            article(None, None, title="Conseil", summary="Réunion à l'Élysée ce matin.",
                    authors=("Agnès Durand",), topics=("Politique",)),
            now=NOW,
        )  # fmt: skip
        assert [a.title for a in await storage.search_articles(("any", "eleve"))] == [
            "Une élève primée"
        ]
        assert [a.title for a in await storage.search_articles(("any", "ELYSEE"))] == ["Conseil"]
        assert [a.title for a in await storage.search_articles(("author", "agnes"))] == ["Conseil"]
        assert await storage.search_articles(("topic", "agnes")) == []
        assert [a.title for a in await storage.search_articles(("topic", "politique"))] == [
            "Conseil"
        ]
        assert await storage.search_articles(("any", '"; DROP TABLE articles; --')) == []
        assert await storage.known_authors("agn") == ["Agnès Durand"]
        assert await storage.known_topics("POLI") == ["Politique"]
    finally:
        await storage.close()


async def test_follows_match_topics_authors_and_title_words(database: Path | str) -> None:
    storage = await Storage.open(database)
    try:
        feed_id, sub_id = await feed_with_subscription(storage, guild_id=1)
        sub = await storage.get_subscription(sub_id)
        dm = await storage.add_follow(
            kind=FollowKind.TOPIC, term="Élysée", delivery=FollowDelivery.DM, now=NOW, user_id=7,
            guild_id=1,
        )  # fmt: skip
        again = await storage.add_follow(
            kind=FollowKind.TOPIC, term="elysee", delivery=FollowDelivery.DM, now=NOW, user_id=7,
            guild_id=1,
        )  # fmt: skip
        assert again.id == dm.id
        await storage.add_follow(
            kind=FollowKind.AUTHOR, term="agnès durand", delivery=FollowDelivery.DM,
            now=NOW, user_id=9, guild_id=1,
        )  # fmt: skip
        await storage.add_follow(
            kind=FollowKind.TOPIC, term="football", delivery=FollowDelivery.DM, now=NOW, user_id=8,
            guild_id=1,
        )  # fmt: skip
        result = await storage.save_article(
            article(feed_id, "k1", title="Réunion à l'Élysée", authors=("Agnès Durand",)),
            now=NOW, posts=[PlannedPost(sub)],
        )  # fmt: skip
        targets = sorted((p.target_kind, p.target_id) for p in result.posts)
        assert targets == [(TargetKind.CHANNEL, 100), (TargetKind.DM, 7), (TargetKind.DM, 9)]
        assert await storage.remove_follow(dm.id, user_id=8) is False
        assert await storage.remove_follow(dm.id, user_id=7) is True
        assert [f.term for f in await storage.list_follows_for_user(7)] == []
    finally:
        await storage.close()


async def test_backup_then_restore_enqueues_nothing_again(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "depeche.db")
    try:  # an unclosed connection's thread would keep the process alive after a failure
        feed_id, sub_id = await feed_with_subscription(storage)
        sub = await storage.get_subscription(sub_id)

        async def writer(n: int) -> None:
            await storage.save_article(
                article(feed_id, f"k{n}"), now=NOW, seen=seen(f"k{n}"), posts=[PlannedPost(sub)]
            )

        await writer(0)
        [claimed] = await storage.claim_due_posts(now=NOW)
        await storage.mark_sent(claimed.post.id, message_id="1", now=NOW)
        backup_path = tmp_path / "backups" / "copy.db"
        await asyncio.gather(storage.backup(backup_path), *(writer(n) for n in range(1, 20)))
    finally:
        await storage.close()

    restored = await Storage.open(backup_path)
    try:
        check = await restored._fetchone("PRAGMA integrity_check")
        assert check is not None and check[0] == "ok"
        assert await restored.known_keys(feed_id, ["k0"]) == {"k0"}
        again = await restored.save_article(
            article(feed_id, "k0"), now=NOW, posts=[PlannedPost(sub)]
        )
        assert [p.state for p in again.posts] == [PostState.SENT]
        claimable = await restored.claim_due_posts(now=NOW, limit=100)
        assert "k0" not in {c.article.entry_key for c in claimable}
    finally:
        await restored.close()


async def test_search_returns_the_newest_of_all_matches_for_topic_and_author(
    database: Path | str,
) -> None:
    """/summaries: the newest matching articles, however many match and however well they
    rank (a strong match on an old article does not push out a newer, weaker one)."""
    storage = await Storage.open(database)
    try:
        for n in range(120):
            strong = "climat " * 5 if n < 60 else "climat"  # the oldest match best
            await storage.save_article(
                article(None, f"a{n}", title=f"Article {n:03d} {strong}",
                        published_at=NOW - timedelta(hours=120 - n),
                        authors=("Agnès Durand",) if n % 2 else ("Paul Martin",)),
                now=NOW,
            )  # fmt: skip
        newest = await storage.search_articles(("topic", "climat"), limit=5)
        assert [a.title[:11] for a in newest] == [
            f"Article {n:03d}" for n in (119, 118, 117, 116, 115)
        ]
        both = await storage.search_articles(("topic", "climat"), ("author", "agnes"), limit=3)
        assert [a.title[:11] for a in both] == [f"Article {n:03d}" for n in (119, 117, 115)]
        assert await storage.search_articles(("topic", "climat"), ("author", "nobody")) == []
        assert await storage.search_articles(("topic", None), ("author", "  ")) == []
    finally:
        await storage.close()
