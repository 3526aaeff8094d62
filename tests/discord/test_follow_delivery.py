"""The three kinds of follow end to end, through the real bot on the stand-in, the real engine,
storage and delivery: a DM follow only fires for its own guild, a mention follow pings exactly
its member in its channel, a channel-level follow filters the channel's subscriptions."""

from __future__ import annotations

from typing import Any

from bot.settings import Settings
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, room, seed  # noqa: F401
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID, MEMBER_ID, OTHER_CHANNEL_ID

GUILD_B = 910_000_000_000_000_002
CHANNEL_B = 920_000_000_000_000_201
BUDGET = "Le conseil municipal vote le budget"
FETE = "La fête du village aura lieu samedi"


async def subscribe(room: Newsroom, **where: Any) -> None:  # noqa: F811
    """``/feed add`` of the newsroom's feed (its entries become the baseline)."""
    room.state.page_status = 404  # the feed's own titles and text: quick and stable
    assert "Abonnement ajouté" in (await add_feed(room, room.feed_url, **where)).texts()


async def publish(room: Newsroom, *titles: str) -> None:  # noqa: F811
    """New items in the feed, one poll, one delivery round."""
    for title in titles:
        key = f"k{len(room.state.items)}"
        room.state.add(key, title=title, published=room.clock.now())
    await room.next_cycle()


def titles(posts: list[dict[str, Any]]) -> list[str]:
    return sorted(p["embeds"][0]["title"] for p in posts)


def dms(room: Newsroom) -> list[dict[str, Any]]:  # noqa: F811
    channel = room.stand_in.world.dm_channels.get(MEMBER_ID)
    return [] if channel is None else room.posts_in(int(channel["id"]))


async def test_a_dm_follow_does_not_fire_for_another_guilds_posts(
    stand_in: StandIn, settings: Settings
) -> None:
    def second_guild(s: StandIn) -> None:
        s.world.add_guild(GUILD_B, "Autre rédaction", {CHANNEL_B: "infos"})

    async with open_newsroom(stand_in, settings, before_start=second_guild) as room:  # noqa: F811
        seed(room, 1)
        await subscribe(room, guild_id=GUILD_B, channel_id=CHANNEL_B)  # only guild B
        follow = await answered(await slash(stand_in, "follow", type="topic", term="budget",
                                            admin=False))  # fmt: skip
        assert "en message privé" in follow.texts()
        assert "aucun flux" in follow.texts()  # guild A has no feed yet: the reply says so
        await publish(room, BUDGET)
        assert titles(room.posts_in(CHANNEL_B)) == [BUDGET]
        assert dms(room) == [] and stand_in.sent("POST", r"/users/@me/channels") == []

        await subscribe(room)  # now guild A posts the same feed too
        await publish(room, f"{BUDGET} de la ville")
        assert titles(room.posts_in(CHANNEL_ID)) == [f"{BUDGET} de la ville"]
        assert titles(dms(room)) == [f"{BUDGET} de la ville"]


async def test_a_mention_follow_pings_exactly_its_member_in_its_channel(
    room: Newsroom,  # noqa: F811
) -> None:
    seed(room, 1)
    await subscribe(room)
    await subscribe(room, channel=OTHER_CHANNEL_ID)
    answer = await answered(
        await slash(room.stand_in, "follow", type="topic", term="Budget", where="mention",
                    admin=False)
    )  # fmt: skip
    assert f"avec une mention dans <#{CHANNEL_ID}>" in answer.texts()
    assert "le message vous mentionnera" in answer.texts()
    await publish(room, BUDGET, FETE)

    posts = {p["embeds"][0]["title"]: p for p in room.posts_in(CHANNEL_ID)}
    assert sorted(posts) == sorted([BUDGET, FETE])
    assert posts[BUDGET]["content"] == f"<@{MEMBER_ID}>"
    assert posts[BUDGET]["allowed_mentions"] == {"parse": [], "users": [MEMBER_ID]}
    assert not posts[FETE].get("content")
    assert posts[FETE]["allowed_mentions"] == {"parse": []}
    elsewhere = room.posts_in(OTHER_CHANNEL_ID)
    assert titles(elsewhere) == sorted([BUDGET, FETE])  # the other channel mentions nobody
    assert all(not p.get("content") and p["allowed_mentions"] == {"parse": []} for p in elsewhere)
    assert dms(room) == []
    listing = await answered(await slash(room.stand_in, "following", admin=False))
    assert f"le thème « Budget » (avec une mention dans <#{CHANNEL_ID}>)" in listing.texts()


async def test_a_channel_filter_follow_keeps_only_matching_articles(
    room: Newsroom,  # noqa: F811
) -> None:
    seed(room, 1)
    await subscribe(room)
    added = await answered(
        await slash(room.stand_in, "follow", type="topic", term="budget", where="channel")
    )
    assert f"Filtre ajouté : <#{CHANNEL_ID}> ne publiera plus que" in added.texts()
    await publish(room, FETE, BUDGET)
    assert titles(room.posts_in()) == [BUDGET]
    assert dms(room) == [] and not room.posts_in()[0].get("content")
    await room.next_cycle()
    assert titles(room.posts_in()) == [BUDGET]  # once

    listing = await answered(await slash(room.stand_in, "following", admin=False))
    assert "Filtres des salons de ce serveur" in listing.texts()
    assert f"le thème « budget » (filtre du salon <#{CHANNEL_ID}>)" in listing.texts()
    [filter_follow] = await room.storage.channel_follows_for_guild(GUILD_ID)
    member = await answered(
        await slash(room.stand_in, "unfollow", follow_id=str(filter_follow.id), admin=False)
    )
    assert "Je ne trouve pas ce suivi" in member.texts()  # only a server manager may remove it
    removed = await answered(
        await slash(room.stand_in, "unfollow", follow_id=str(filter_follow.id))
    )
    assert "Ce salon publie de nouveau tous les articles de ses flux" in removed.texts()
    await publish(room, "Le marché de Noël ouvre ses portes")
    assert titles(room.posts_in()) == sorted([BUDGET, "Le marché de Noël ouvre ses portes"])
