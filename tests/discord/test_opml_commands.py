"""/feed export and /feed import through the real bot on the stand-in, attachments in the
interaction and in the answer as Discord carries them: an OPML round trip from one channel to
another (added, already there, refused and why), an oversized file refused before it is read,
a hostile one refused by the XML safety."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from summarizer.opml import MAX_BYTES, Outline, parse_opml, render_opml
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, seed
from tests.discord.test_faults_delivery import publish_news
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID
from tests.engine.test_opml import LAUGHS


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def test_an_opml_round_trip_between_two_channels(room: Newsroom) -> None:
    seed(room, 2)
    room.state.page_status = 404
    assert "Abonnement ajouté" in (await add_feed(room, room.feed_url)).texts()
    exported = await answered(await slash(room.stand_in, "feed", "export"))
    [message] = exported.messages
    [attachment] = message["attachments"]
    assert attachment["filename"] == "depeche-abonnements.opml"
    [call] = room.stand_in.sent("POST", r"/interactions/\d+/[^/]+/callback")[-1:]
    [upload] = call.files  # sent as Discord takes files: multipart, payload_json + files[0]
    outlines = parse_opml(upload.data)
    assert outlines == [Outline(room.feed_url, "Le Journal de Test", f"{room.base}/")]

    document = render_opml("Mes flux", [*outlines, Outline("ftp://journal.example/rss", "FTP")])
    given = room.stand_in.attachments.upload("mes-flux.opml", document)
    answer = await answered(
        await slash(room.stand_in, "feed", "import", file=given, channel=OTHER_CHANNEL_ID), 15
    )
    text = answer.texts()
    assert text.startswith("Import OPML : 1 ajouté(s), 0 déjà là, 1 refusé(s)."), text
    assert "FTP (ftp://journal.example/rss) : refusé, " in text
    subs = await room.storage.list_for_guild(GUILD_ID)
    assert sorted(s.channel_id for s in subs) == sorted([CHANNEL_ID, OTHER_CHANNEL_ID])
    assert len({s.feed_id for s in subs}) == 1  # the same feed, now in two channels
    again = await answered(
        await slash(room.stand_in, "feed", "import", file=given, channel=OTHER_CHANNEL_ID), 15
    )
    assert again.texts().startswith("Import OPML : 0 ajouté(s), 1 déjà là, 1 refusé(s).")
    await publish_news(room, "Un article après l'import")
    await room.deliver()
    assert {r.path for r in room.stand_in.sent("POST", r"/channels/\d+/messages")} == {
        f"/channels/{CHANNEL_ID}/messages", f"/channels/{OTHER_CHANNEL_ID}/messages",
    }  # fmt: skip
    assert len(room.posts_in(OTHER_CHANNEL_ID)) == 1  # nothing old posted by the import


async def test_an_oversized_or_hostile_file_is_refused(room: Newsroom) -> None:
    huge = room.stand_in.attachments.upload(
        "enorme.opml", b"<opml>" + b" " * MAX_BYTES + b"</opml>"
    )
    answer = await answered(await slash(room.stand_in, "feed", "import", file=huge))
    assert "trop gros" in answer.texts()
    assert room.stand_in.sent("GET", r"/cdn/attachments/.*") == []  # never downloaded
    laughs = room.stand_in.attachments.upload("rires.opml", LAUGHS)
    answer = await answered(await slash(room.stand_in, "feed", "import", file=laughs))
    assert "Ce fichier OPML est refusé" in answer.texts() and "DOCTYPE" in answer.texts()
    assert await room.storage.list_for_guild(GUILD_ID) == []
