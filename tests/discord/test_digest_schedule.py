"""The scheduled press review (issue 11, /digest schedule) through the real bot on the stand-in,
with the real APScheduler and the swappable clock set around the hour: posted once at the hour
through the outbox; a restart around the hour (even one that lost the « sent ») posts nothing
more; a bot down at the hour posts it on return the same day, not after midnight; the days of
the clock changes in Paris give one digest each at the right UTC instant; a forum gets a post
titled after the day; refusals are in French."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_EXECUTED  # type: ignore[import-untyped]

from bot.discord.cogs.digest import BAD_CHANNEL, BAD_TIME
from bot.discord.error_handler import NOT_ADMIN
from bot.settings import Settings
from storage.records import PostState
from summarizer.digest import digest_title
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom
from tests.discord.test_scheduled_post import eventually
from tests.discord_stand_in.driver import answered, delete_channel, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import ANNOUNCEMENT, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID

FAST = {"poll_seconds": 0.2, "delivery_seconds": 0.1, "first_run_delay": 0.05,
        "digest_seconds": 0.1}  # fmt: skip
FORUM_ID = 930_000_000_000_000_101
STRICT_ID = 930_000_000_000_000_102  # a forum that requires a tag, none for a digest
NEWS_ID = 930_000_000_000_000_301  # an announcement channel
VOICE_ID = 930_000_000_000_000_201
TUESDAY = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # 06:00 in Paris (UTC+1)


def places(stand_in: StandIn) -> None:
    world = stand_in.world
    world.add_forum(FORUM_ID, "revue-du-jour", ["Sport", "Actualité"])
    world.add_forum(STRICT_ID, "forum-strict", ["Sport"], require_tag=True)
    world.add_channel(NEWS_ID, "annonces", kind=ANNOUNCEMENT)
    voice = world.add_channel(VOICE_ID, "salon-vocal", kind=2)
    voice.update(bitrate=64000, user_limit=0, rtc_region=None)


@contextlib.asynccontextmanager
async def newsroom(
    stand_in: StandIn, settings: Settings, start: datetime
) -> AsyncIterator[Newsroom]:
    async with open_newsroom(
        stand_in, settings, scheduler=FAST, before_start=places, start=start
    ) as room:
        yield room


class Runs:
    """Counts the runs of the scheduler's digest job (APScheduler's own events)."""

    def __init__(self, room: Newsroom) -> None:
        self.count = 0
        scheduler = room.bot.services.scheduler
        assert scheduler is not None
        scheduler.add_listener(self._seen, EVENT_JOB_EXECUTED)

    def _seen(self, event: Any) -> None:
        if event.job_id == "digest":
            self.count += 1

    async def more(self, runs: int = 2) -> None:
        """Wait for ``runs`` more runs: at least one started after the caller's last change."""
        start = self.count
        await eventually(lambda: self.count >= start + runs)


def digests_in(room: Newsroom, channel_id: int = CHANNEL_ID) -> list[dict[str, Any]]:
    """The press reviews the channel shows (messages whose first embed is a review)."""
    return [
        m for m in room.stand_in.world.messages.get(channel_id, [])
        if (m.get("embeds") or [{}])[0].get("title", "").startswith("La revue de presse du ")
    ]  # fmt: skip


async def news(room: Newsroom, key: str, title: str, **options: Any) -> None:
    """A new article in the feed, polled and posted by the scheduled jobs."""
    before = len(room.posts_in())
    room.state.add(key, title=title, published=room.clock.now(), **options)
    room.clock.advance(timedelta(minutes=15))
    await eventually(lambda: len(room.posts_in()) > before)


async def subscribed(room: Newsroom) -> None:
    room.state.page_status = 404  # summaries from the feed's own text
    room.state.add("ancien", title="Un ancien article", published=room.clock.now())
    assert "Abonnement ajouté" in (await add_feed(room, room.feed_url)).texts()


async def schedule(room: Newsroom, **options: Any) -> str:
    answer = await answered(await slash(room.stand_in, "digest", "schedule", **options), 15)
    return answer.texts()


async def test_a_digest_is_posted_once_at_its_hour(stand_in: StandIn, settings: Settings) -> None:
    async with newsroom(stand_in, settings, TUESDAY) as room:
        runs = Runs(room)
        await subscribed(room)
        await news(room, "n1", "Le conseil municipal vote le budget")
        await news(room, "n2", "La bourse de Paris recule", categories=("Économie",))
        reply = await schedule(room, time="8h", channel=CHANNEL_ID)
        on_topic = await schedule(room, time="08:00", channel=OTHER_CHANNEL_ID, topics="économie")
        assert f"<#{OTHER_CHANNEL_ID}> chaque jour à 08:00, thèmes : économie" in on_topic
        assert "Revue de presse programmée : chaque jour à 08:00 (heure de Paris)" in reply
        assert f"<#{CHANNEL_ID}> chaque jour à 08:00 (prochaine : mardi 8 décembre à 08:00)" in (
            reply
        )
        room.clock.set(datetime(2026, 12, 8, 6, 59, 59, tzinfo=UTC))  # 07:59:59 in Paris
        await runs.more()
        assert await enqueued(room) == 0
        room.clock.set(datetime(2026, 12, 8, 7, 0, 0, tzinfo=UTC))
        await eventually(lambda: len(digests_in(room)) == 1)
        [digest] = digests_in(room)
        [embed] = digest["embeds"]
        assert embed["title"] == "La revue de presse du mardi 8 décembre"
        first, second = embed["description"].split("\n\n")  # the most recent first
        assert first.startswith("**1. La bourse de Paris recule**")
        assert second.startswith("**2. Le conseil municipal vote le budget**")
        await eventually(lambda: len(digests_in(room, OTHER_CHANNEL_ID)) == 1)
        [economy] = digests_in(room, OTHER_CHANNEL_ID)
        assert economy["embeds"][0]["description"].split("\n\n") == [first]
        [request] = [p for p in room.posts_in() if p["embeds"][0]["title"] == embed["title"]]
        assert request["allowed_mentions"] == {"parse": []} and request["enforce_nonce"] is True
        for hours in (1, 5, 16):  # later the same day: due again only tomorrow
            room.clock.set(datetime(2026, 12, 8, 7, tzinfo=UTC) + timedelta(hours=hours))
            await runs.more()
            assert await enqueued(room) == 1
        assert len(digests_in(room)) == 1
        sent = [p for p in await room.storage.list_posts() if p.article_id is None]
        assert [p.state for p in sent] == [PostState.SENT, PostState.SENT]
        await room.storage.remove_digest_schedule(GUILD_ID, OTHER_CHANNEL_ID)
        room.clock.set(datetime(2026, 12, 9, 7, 0, tzinfo=UTC))  # Wednesday 08:00
        await eventually(lambda: len(digests_in(room)) == 2)
        assert digests_in(room)[1]["embeds"][0]["title"] == digest_title(date(2026, 12, 9))


async def test_a_restart_around_the_hour_posts_once(stand_in: StandIn, settings: Settings) -> None:
    """The first process posted the digest at 08:00 and died before recording it sent (its
    row is left ``sending``); the restarted one finds the message and posts nothing more."""
    async with newsroom(stand_in, settings, TUESDAY) as room:
        await subscribed(room)
        await news(room, "n1", "Le conseil municipal vote le budget")
        await schedule(room, time="08:00", channel=CHANNEL_ID)
        room.clock.set(datetime(2026, 12, 8, 7, 0, 1, tzinfo=UTC))
        await eventually(lambda: len(digests_in(room)) == 1)
        [post] = [p for p in await room.storage.list_posts() if p.article_id is None]
        await eventually(lambda: _state(settings, post.id) == "sent")
    with contextlib.closing(sqlite3.connect(settings.database)) as conn, conn:
        conn.execute(  # the « sent » lost in the crash
            "UPDATE posts SET state = 'sending', message_id = NULL, sent_at = NULL WHERE id = ?",
            (post.id,),
        )
    restart = datetime(2026, 12, 8, 7, 0, 40, tzinfo=UTC)
    async with newsroom(stand_in, settings, restart) as room:
        runs = Runs(room)
        assert await room.delivery.recover() == 1  # as bot.run.runtime does at start-up
        await eventually(lambda: _state(settings, post.id) == "sent")
        await runs.more(3)
        assert len(digests_in(room)) == 1 and await enqueued(room) == 1
        assert len(await room.storage.list_posts()) == 2  # the article and the one digest
        [found] = [p for p in await room.storage.list_posts() if p.article_id is None]
        assert found.message_id == digests_in(room)[0]["id"]  # reconciled, not sent again


def _state(settings: Settings, post_id: int) -> str:
    with contextlib.closing(sqlite3.connect(settings.database)) as conn:
        return str(conn.execute("SELECT state FROM posts WHERE id = ?", (post_id,)).fetchone()[0])


async def test_a_bot_down_at_the_hour_posts_on_return_the_same_day_only(
    stand_in: StandIn, settings: Settings
) -> None:
    async with newsroom(stand_in, settings, TUESDAY) as room:
        await subscribed(room)
        await news(room, "n1", "Le conseil municipal vote le budget")
        await schedule(room, time="08:00", channel=CHANNEL_ID)
        await schedule(room, time="09:30", channel=OTHER_CHANNEL_ID)
    # down from 06:15 to 15:00 (Paris): both hours missed
    async with newsroom(stand_in, settings, datetime(2026, 12, 8, 14, tzinfo=UTC)) as room:
        await eventually(lambda: len(digests_in(room)) == 1)
        await eventually(lambda: len(digests_in(room, OTHER_CHANNEL_ID)) == 1)
        [digest] = digests_in(room)
        assert digest["embeds"][0]["title"] == "La revue de presse du mardi 8 décembre"
        assert "Le conseil municipal vote le budget" in digest["embeds"][0]["description"]
        await Runs(room).more(3)
        assert len(digests_in(room)) == 1 and await enqueued(room) == 1
        await room.storage.remove_digest_schedule(GUILD_ID, OTHER_CHANNEL_ID)
    # down again over Wednesday's hour, back after midnight: Wednesday's is not posted
    async with newsroom(stand_in, settings, datetime(2026, 12, 9, 23, 30, tzinfo=UTC)) as room:
        runs = Runs(room)
        await runs.more(3)
        assert len(digests_in(room)) == 1 and await enqueued(room) == 1
        room.clock.set(datetime(2026, 12, 10, 7, 0, tzinfo=UTC))  # Thursday 08:00
        await eventually(lambda: len(digests_in(room)) == 2)
        assert digests_in(room)[1]["embeds"][0]["title"] == digest_title(date(2026, 12, 10))
        [schedule_row] = await room.storage.digest_schedules(GUILD_ID)
        days = [day for day, _ in await room.storage.digest_posts(schedule_row.id)]
        assert days == [date(2026, 12, 8), date(2026, 12, 10)]


async def enqueued(room: Newsroom, channel_id: int = CHANNEL_ID) -> int:
    """The digests the outbox holds for a channel (enqueued by the job: sent or not yet)."""
    posts = await room.storage.list_posts()
    return len([p for p in posts if p.article_id is None and p.target_id == channel_id])


async def _walk(
    room: Newsroom, runs: Runs, moments: list[tuple[datetime, int, int]]
) -> None:  # fmt: skip
    """At each UTC moment, once the job ran there: the digests of each channel, enqueued and
    then shown."""
    for moment, early, late in moments:
        room.clock.set(moment)
        await runs.more()
        counts = (await enqueued(room), await enqueued(room, OTHER_CHANNEL_ID))
        assert counts == (early, late), moment

        def shown(wanted: tuple[int, int] = counts) -> bool:
            return (len(digests_in(room)), len(digests_in(room, OTHER_CHANNEL_ID))) == wanted

        await eventually(shown)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def test_the_spring_change_gives_one_digest_each_at_the_right_instant(
    stand_in: StandIn, settings: Settings
) -> None:
    """Sunday 29 March 2026 in Paris: 02:00 becomes 03:00 (at 01:00 UTC). 02:30 does not exist
    that day: it is taken one hour later, at 03:30 CEST (01:30 UTC); 08:00 is 06:00 UTC."""
    async with newsroom(stand_in, settings, _utc(2026, 3, 28, 20, 0)) as room:
        runs = Runs(room)
        await schedule(room, time="02:30", channel=CHANNEL_ID)
        await schedule(room, time="08:00", channel=OTHER_CHANNEL_ID)
        await _walk(room, runs, [
            (_utc(2026, 3, 29, 0, 59, 59), 0, 0),  # 01:59:59 CET
            (_utc(2026, 3, 29, 1, 0, 0), 0, 0),  # 03:00 CEST
            (_utc(2026, 3, 29, 1, 29, 59), 0, 0),
            (_utc(2026, 3, 29, 1, 30, 0), 1, 0),  # 03:30 CEST
            (_utc(2026, 3, 29, 5, 59, 59), 1, 0),
            (_utc(2026, 3, 29, 6, 0, 0), 1, 1),  # 08:00 CEST
            (_utc(2026, 3, 29, 21, 59, 0), 1, 1),  # 23:59 CEST
            (_utc(2026, 3, 30, 0, 29, 59), 1, 1),
            (_utc(2026, 3, 30, 0, 30, 0), 2, 1),  # Monday 02:30 CEST
        ])  # fmt: skip
        assert digests_in(room)[0]["embeds"][0]["title"] == "La revue de presse du dimanche 29 mars"


async def test_the_autumn_change_gives_one_digest_each_at_the_right_instant(
    stand_in: StandIn, settings: Settings
) -> None:
    """Sunday 25 October 2026 in Paris: 03:00 becomes 02:00 (at 01:00 UTC), so 02:30 happens
    twice (00:30 and 01:30 UTC): the first one only; 08:00 is 07:00 UTC."""
    async with newsroom(stand_in, settings, _utc(2026, 10, 24, 20, 0)) as room:
        runs = Runs(room)
        await schedule(room, time="02:30", channel=CHANNEL_ID)
        await schedule(room, time="08:00", channel=OTHER_CHANNEL_ID)
        await _walk(room, runs, [
            (_utc(2026, 10, 25, 0, 29, 59), 0, 0),
            (_utc(2026, 10, 25, 0, 30, 0), 1, 0),  # 02:30 CEST
            (_utc(2026, 10, 25, 1, 30, 0), 1, 0),  # 02:30 CET, the second time
            (_utc(2026, 10, 25, 6, 59, 59), 1, 0),  # 07:59:59 CET
            (_utc(2026, 10, 25, 7, 0, 0), 1, 1),  # 08:00 CET
            (_utc(2026, 10, 25, 22, 59, 0), 1, 1),  # 23:59 CET
            (_utc(2026, 10, 26, 1, 29, 59), 1, 1),
            (_utc(2026, 10, 26, 1, 30, 0), 2, 1),  # Monday 02:30 CET
        ])  # fmt: skip
        assert digests_in(room, OTHER_CHANNEL_ID)[0]["embeds"][0]["title"] == (
            "La revue de presse du dimanche 25 octobre"
        )


async def test_a_forum_gets_a_post_titled_after_the_day(
    stand_in: StandIn, settings: Settings
) -> None:
    async with newsroom(stand_in, settings, TUESDAY) as room:
        reply = await schedule(room, time="07:45", channel=FORUM_ID)
        assert f"dans <#{FORUM_ID}> (un nouveau sujet du forum)" in reply
        room.clock.set(_utc(2026, 12, 8, 6, 45))

        def threads() -> list[dict[str, Any]]:
            sent = room.stand_in.sent("POST", rf"/channels/{FORUM_ID}/threads")
            return [r.json for r in sent if r.status in (200, 201)]

        await eventually(lambda: len(threads()) == 1)
        [body] = threads()
        assert body["name"] == "La revue de presse du mardi 8 décembre"
        forum = room.stand_in.world.find_channel(FORUM_ID)
        assert forum is not None
        assert body["applied_tags"] == [t["id"] for t in forum["available_tags"]
                                        if t["name"] == "Actualité"]  # fmt: skip
        assert body["message"]["embeds"][0]["title"] == body["name"]
        assert "Aucun article" in body["message"]["embeds"][0]["description"]


async def test_refusals_are_in_french(stand_in: StandIn, settings: Settings) -> None:
    async with newsroom(stand_in, settings, TUESDAY) as room:
        member = await answered(
            await slash(room.stand_in, "digest", "schedule", time="08:00", channel=CHANNEL_ID,
                        admin=False), 15,
        )  # fmt: skip
        assert NOT_ADMIN in member.texts()
        assert BAD_TIME.format(text="25:00") in await schedule(
            room, time="25:00", channel=CHANNEL_ID
        )
        assert BAD_CHANNEL.format(id=VOICE_ID) in await schedule(
            room, time="08:00", channel=VOICE_ID
        )
        strict = await schedule(room, time="08:00", channel=STRICT_ID)
        assert f"Le forum <#{STRICT_ID}> exige une étiquette sur chaque publication" in strict
        assert await room.storage.digest_schedules(GUILD_ID) == []
        assert "Revue de presse programmée" in await schedule(room, time="08:00", channel=NEWS_ID)
        assert await room.storage.remove_digest_schedule(GUILD_ID, NEWS_ID)
        listing = await answered(await slash(room.stand_in, "digest", "list"), 15)
        assert "Aucune revue n'est programmée sur ce serveur" in listing.texts()
        await schedule(room, time="18:30", channel=CHANNEL_ID, topics="Économie, climat")
        listing = await answered(await slash(room.stand_in, "digest", "list"), 15)
        assert f"<#{CHANNEL_ID}> chaque jour à 18:30, thèmes : Économie, climat" in (
            listing.texts()
        )
        stopped = await answered(await slash(room.stand_in, "digest", "stop"), 15)
        assert f"Revue de presse arrêtée dans <#{CHANNEL_ID}>." in stopped.texts()
        again = await answered(await slash(room.stand_in, "digest", "stop"), 15)
        assert "Aucune revue n'est programmée sur ce serveur" in again.texts()


async def test_a_deleted_channel_ends_its_schedule(stand_in: StandIn, settings: Settings) -> None:
    async with newsroom(stand_in, settings, TUESDAY) as room:
        await schedule(room, time="08:00", channel=OTHER_CHANNEL_ID)
        await schedule(room, time="09:00", channel=CHANNEL_ID)
        await delete_channel(room.stand_in, OTHER_CHANNEL_ID)

        async def left() -> bool:
            found = await room.storage.digest_schedules(GUILD_ID)
            return [s.channel_id for s in found] == [CHANNEL_ID]

        await eventually(left)


CITIES = ("Lille", "Brest", "Nantes", "Dijon", "Rouen", "Nancy", "Pau", "Metz", "Tours", "Caen",
          "Reims", "Amiens")  # fmt: skip
TOPICS = ("la rénovation du théâtre", "un nouveau tramway", "la fermeture d'une usine",
          "les inondations du printemps", "le festival de jazz", "la grève des éboueurs",
          "un record de chaleur", "la réouverture du musée", "le budget des écoles",
          "une épidémie de grippe", "le marathon annuel", "la pénurie de médecins")  # fmt: skip


async def test_a_long_review_is_sent_as_several_embeds_discord_accepts(
    stand_in: StandIn, settings: Settings
) -> None:
    wide = replace(settings, max_posts_per_cycle=20)  # the twelve articles in one poll
    async with newsroom(stand_in, wide, TUESDAY) as room:
        await subscribed(room)
        for n, (city, topic) in enumerate(zip(CITIES, TOPICS, strict=True)):
            words = " ".join(f"{city}{k}" for k in range(40))  # nothing shared between items
            room.state.add(
                f"long{n}", title=f"{city} : {topic}, " + "détails " * 20,
                description=f"À {city}, {topic} occupe la ville et {words}. Elle en parle.",
                published=room.clock.now(),
            )  # fmt: skip
        room.clock.advance(timedelta(minutes=15))

        async def stored() -> bool:
            return len(await room.storage.articles_since([1], TUESDAY)) == len(CITIES)

        await eventually(stored)
        await schedule(room, time="07:00", channel=CHANNEL_ID)
        room.clock.set(_utc(2026, 12, 8, 6, 0))
        await eventually(lambda: len(digests_in(room)) == 1)
        [digest] = digests_in(room)
        embeds = digest["embeds"]
        assert len(embeds) >= 2 and embeds[0]["title"] == "La revue de presse du mardi 8 décembre"
        blocks = [b for e in embeds for b in e["description"].split("\n\n")]
        assert [b.split(".")[0] for b in blocks] == [f"**{n}" for n in range(1, len(blocks) + 1)]
        assert len(blocks) >= 6
        [post] = [p for p in await room.storage.list_posts() if p.article_id is None]
        assert post.state is PostState.SENT
