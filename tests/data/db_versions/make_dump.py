"""Write ``vN.sql``: an SQL dump of a database at schema version N, with representative rows
(feeds, seen keys, articles, subscriptions, follows, posts in every state).

    .venv/bin/python -m tests.data.db_versions.make_dump [VERSION]

Run it once per schema version, when the migration that creates version N is added, and commit
the dump; ``VERSION`` builds an older schema by applying only the first migrations. D7 upgrades
every committed dump to the current version. An existing dump is never overwritten (it records a
released schema). French text written for the project.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from storage.connection import SQLITE, load_migrations
from storage.records import (
    ArticleCorrection,
    ArticleIntent,
    FeedSuccess,
    FollowDelivery,
    FollowKind,
    NewArticle,
    PlannedPost,
    PostFormat,
    PostState,
    SeenKey,
    SeenStatus,
    Subscription,
)
from storage.sqlite import SqliteDatabase
from storage.storage import Storage
from storage.story_records import HeldPost, HeldReason, StoryChoice

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TEMPLATE = "**{titre}** — {source} {lien}"


def _article(feed_id: int, n: int) -> NewArticle:
    return NewArticle(
        feed_id=feed_id, entry_key=f"guid-{n}", url=f"https://gazette.example/article/{n}",
        title=f"Le marché couvert rouvre ses portes, épisode {n}",
        summary="Le conseil municipal a voté la rénovation. Les commerçants reviendront en juin.",
        text_origin="page", authors=("Camille Martin",), topics=("commerce", "municipalité"),
        published_at=NOW - timedelta(hours=n), source="La Gazette", entry_hash=f"{n:032x}",
    )  # fmt: skip


async def populate(path: Path, version: int) -> None:
    database = await SqliteDatabase.open(path, load_migrations(SQLITE)[:version])
    storage = Storage(database)
    try:
        feed = await storage.add_feed("https://gazette.example/rss", now=NOW, title="La Gazette")
        other = await storage.add_feed("https://radio.example/flux.xml", now=NOW, title="Radio")
        subs = [
            await storage.add_subscription(guild_id=11, channel_id=101, feed_id=feed.id, now=NOW),
            await storage.add_subscription(guild_id=11, channel_id=102, feed_id=feed.id, now=NOW),
            await storage.add_subscription(guild_id=12, channel_id=201, feed_id=other.id, now=NOW),
        ]
        await storage.add_follow(
            guild_id=11, user_id=501, channel_id=None, kind=FollowKind.TOPIC, term="Commerce",
            delivery=FollowDelivery.DM, now=NOW,
        )  # fmt: skip
        await storage.record_seen(
            feed.id, [SeenKey("guid-old", None, "ancien titre", SeenStatus.BASELINE)], now=NOW
        )
        for n in range(4):
            seen = SeenKey(f"guid-{n}", f"gazette.example/article/{n}", None, SeenStatus.NEW)
            plans = [PlannedPost(subs[0]), PlannedPost(subs[1], PostState.SKIPPED_FLOOD)]
            await storage.save_article(_article(feed.id, n), now=NOW, seen=seen, posts=plans)
        if version >= 5:  # post formats and destinations
            await storage.set_format(subs[1].id, PostFormat.MODELE, template=TEMPLATE)
            await storage.set_format(subs[2].id, PostFormat.TEXTE)
        if version >= 6:  # a process died mid-poll: its lease on the first feed is still held
            await storage.claim_due_feeds(
                NOW, 1, owner="hote-b:4242:0badcafe", lease=timedelta(minutes=10)
            )
        claimed = await storage.claim_due_posts(now=NOW, limit=3)
        await storage.mark_sent(claimed[0].post.id, message_id="990000000000000123", now=NOW)
        await storage.mark_failed(claimed[1].post.id, error="400 Invalid Form Body")
        # claimed[2] stays "sending" (a crash), the fourth stays "pending"
        if version >= 7:  # corrections and webhook identity
            await storage.set_corrections(subs[1].id, False)
            fix = ArticleCorrection(
                claimed[0].article.id, "f" * 32, "Le marché couvert rouvre ses portes (MàJ)",
                claimed[0].article.summary,
            )  # fmt: skip
            await storage.record_poll(
                feed.id, now=NOW, success=FeedSuccess(next_poll_at=NOW), corrections=[fix]
            )
            await storage.set_webhook_identity(subs[0].id, True)
            await storage.set_feed_avatar(feed.id, "https://gazette.example/apple-touch-icon.png")
            await storage.save_webhook(101, 990000000000000777, "jeton-du-webhook", now=NOW)
        if version >= 8:  # same story, one post (issue 11)
            await _stories(storage, feed.id, subs[0])
        if version >= 9:  # the daily digest (issue 11): a schedule, its day's digest enqueued
            await _digest(storage)
    finally:
        await storage.close()


async def _stories(storage: Storage, feed_id: int, sub: Subscription) -> None:
    """Version 8 (issue 11): one story posted twice by the feed (a republication) in channel
    101, the second article grouped under the first one's post, and an article held by a
    filter."""
    since, first = NOW - timedelta(hours=48), f"{feed_id}:guid-10"
    for n, matched in ((10, None), (12, first)):
        story = StoryChoice(
            key=f"{feed_id}:guid-{n}", story=first, score=0.0 if matched is None else 0.61,
            matched=matched, shared=("gazette",) if matched else (), lede="marche couvert rouvre",
            published_at=NOW, group_since=since,
        )  # fmt: skip
        intent = ArticleIntent(
            _article(feed_id, n), SeenKey(f"guid-{n}", None, None, SeenStatus.NEW),
            (PlannedPost(sub),), story,
        )  # fmt: skip
        await storage.record_poll(feed_id, now=NOW, success=FeedSuccess(NOW), articles=[intent])
    held = HeldPost(sub.id, HeldReason.FILTER, "mot exclu : « travaux »")
    intent = ArticleIntent(
        _article(feed_id, 11), SeenKey("guid-11", None, None, SeenStatus.FILTERED), (), None,
        (held,),
    )  # fmt: skip
    await storage.record_poll(feed_id, now=NOW, success=FeedSuccess(NOW), articles=[intent])


async def _digest(storage: Storage) -> None:
    """Version 9 (issue 11): channel 101's digest at 08:00 on « commerce », the one of 20
    November enqueued (pending in the outbox, with no article), channel 102's at 18:30."""
    await storage.set_digest_schedule(
        guild_id=11, channel_id=101, at=time(8, 0), topics=("commerce",), created_by=501,
        now=NOW - timedelta(days=1),
    )  # fmt: skip
    await storage.set_digest_schedule(
        guild_id=11, channel_id=102, at=time(18, 30), created_by=501, now=NOW
    )
    [due] = await storage.due_digests(NOW, "Europe/Paris")
    title = "La revue de presse du vendredi 20 novembre"
    embed = {"type": "rich", "title": title, "description": "**1. Le marché couvert rouvre**"}
    message = {"title": title, "embeds": [embed]}
    await storage.enqueue_digest(due, message, stories=1, now=NOW)


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def dump(path: Path) -> tuple[int, str]:
    """Schema objects in creation order (FTS shadow tables left to their virtual table), then
    the rows of every ordinary table; the triggers rebuild the full-text index on load."""
    conn = sqlite3.connect(path)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        kinds = {name: kind for _, name, kind, *_ in conn.execute("PRAGMA table_list")}
        objects = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
        lines = [f"PRAGMA application_id = {app_id};", f"PRAGMA user_version = {version};"]
        lines.append("BEGIN;")
        lines += [f"{sql};" for _, name, sql in objects if kinds.get(name) != "shadow"]
        for kind, name, _ in objects:
            if kind != "table" or kinds.get(name) != "table":
                continue
            for row in conn.execute(f'SELECT * FROM "{name}"'):
                values = ", ".join(_literal(v) for v in row)
                lines.append(f'INSERT INTO "{name}" VALUES ({values});')
        lines.append("COMMIT;")
    finally:
        conn.close()
    return version, "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    wanted = int(args[0]) if args else Storage.schema_version()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "depeche.db"
        asyncio.run(populate(db, wanted))
        version, text = dump(db)
    target = HERE / f"v{version}.sql"
    if target.exists():
        print(f"{target} exists already: a released schema's dump is never rewritten.")
        return 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
