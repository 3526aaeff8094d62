"""/follow, /unfollow, /following through the real bot, and a followed topic end to end: a
scheduled poll of a new article gives one channel post and one DM to the follower. The other
kinds of follow end to end are in ``test_follow_delivery.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.discord.cogs.follows import MAX_FOLLOWS_PER_MEMBER
from bot.settings import Settings
from storage.records import FollowDelivery, FollowKind
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, room, seed  # noqa: F401
from tests.discord.test_scheduled_post import FAST, eventually
from tests.discord_stand_in.driver import answered, autocomplete, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import ADMIN_ID, CHANNEL_ID, GUILD_ID, MEMBER_ID

EPHEMERAL = 64


async def test_follow_list_and_unfollow(room: Newsroom) -> None:  # noqa: F811
    stand_in = room.stand_in
    answer = await answered(
        await slash(stand_in, "follow", type="topic", term="  Élysée ", admin=False)
    )
    assert answer.response is not None and answer.response["data"]["flags"] & EPHEMERAL
    assert "vous suivez le thème « Élysée » (en message privé)" in answer.texts()
    await answered(await slash(stand_in, "follow", type="author", term="Agnès Durand", admin=False))
    [author, topic] = await room.storage.list_follows_for_user(MEMBER_ID)
    assert (topic.kind, topic.term, topic.delivery) == (
        FollowKind.TOPIC,
        "Élysée",
        FollowDelivery.DM,
    )
    assert author.kind is FollowKind.AUTHOR and author.guild_id == GUILD_ID
    listing = await answered(await slash(stand_in, "following", admin=False))
    assert "(2/25)" in listing.texts() and "l'auteur « Agnès Durand »" in listing.texts()
    choices = await autocomplete(
        stand_in, "unfollow", focused="follow_id", follow_id="ely", admin=False
    )
    assert [c["name"] for c in choices] == ["Thème : Élysée (MP)"]
    gone = await answered(
        await slash(stand_in, "unfollow", follow_id=choices[0]["value"], admin=False)
    )
    assert "Vous ne suivez plus le thème « Élysée »" in gone.texts()
    assert [f.term for f in await room.storage.list_follows_for_user(MEMBER_ID)] == ["Agnès Durand"]
    other = await answered(await slash(stand_in, "unfollow", follow_id=str(author.id)))
    assert "Je ne trouve pas ce suivi" in other.texts()  # the admin cannot remove it


async def test_channel_filter_needs_manage_guild(room: Newsroom) -> None:  # noqa: F811
    refused = await answered(
        await slash(room.stand_in, "follow", type="topic", term="climat", where="channel",
                    admin=False)
    )  # fmt: skip
    assert "Le filtre de salon est réservé aux personnes qui peuvent gérer" in refused.texts()
    assert await room.storage.list_follows_for_channel(CHANNEL_ID) == []
    done = await answered(
        await slash(room.stand_in, "follow", type="topic", term="climat", where="channel")
    )
    assert f"Filtre ajouté : <#{CHANNEL_ID}>" in done.texts()
    assert "Ce salon n'est abonné à aucun flux" in done.texts()  # nothing to filter yet
    [follow] = await room.storage.list_follows_for_channel(CHANNEL_ID)
    assert follow.delivery is FollowDelivery.CHANNEL and follow.term == "climat"
    assert (follow.user_id, follow.guild_id) == (None, GUILD_ID)
    assert await room.storage.list_follows_for_user(ADMIN_ID) == []  # not the admin's own


async def test_unfollow_offers_channel_filters_to_managers_only(room: Newsroom) -> None:  # noqa: F811
    await answered(
        await slash(room.stand_in, "follow", type="author", term="Agnès Durand", where="channel")
    )
    await answered(
        await slash(room.stand_in, "follow", type="topic", term="climat", where="mention",
                    admin=False)
    )  # fmt: skip
    admin = await autocomplete(room.stand_in, "unfollow", focused="follow_id", follow_id="")
    assert [c["name"] for c in admin] == ["Auteur : Agnès Durand (filtre de salon)"]
    member = await autocomplete(
        room.stand_in, "unfollow", focused="follow_id", follow_id="", admin=False
    )
    assert [c["name"] for c in member] == ["Thème : climat (mention)"]
    gone = await answered(await slash(room.stand_in, "unfollow", follow_id="agnès durand"))
    assert f"Filtre retiré : <#{CHANNEL_ID}> ne filtre plus sur l'auteur" in gone.texts()
    assert await room.storage.channel_follows_for_guild(GUILD_ID) == []
    [mention] = await room.storage.list_follows_for_user(MEMBER_ID)
    assert mention.channel_id == CHANNEL_ID  # the member's follow is untouched


async def test_follow_cap_and_empty_terms(room: Newsroom) -> None:  # noqa: F811
    empty = await answered(
        await slash(room.stand_in, "follow", type="topic", term=" ‑ ", admin=False)
    )
    assert "au moins un mot" in empty.texts()
    now = datetime.now(UTC)
    for n in range(MAX_FOLLOWS_PER_MEMBER):
        await room.storage.add_follow(
            kind=FollowKind.TOPIC, term=f"thème {n}", delivery=FollowDelivery.DM, now=now,
            guild_id=GUILD_ID, user_id=MEMBER_ID,
        )  # fmt: skip
    over = await answered(
        await slash(room.stand_in, "follow", type="topic", term="un de trop", admin=False)
    )
    assert over.texts().startswith(f"Vous suivez déjà {MAX_FOLLOWS_PER_MEMBER}")
    assert len(await room.storage.list_follows_for_user(MEMBER_ID)) == MAX_FOLLOWS_PER_MEMBER
    choices = await autocomplete(
        room.stand_in, "unfollow", focused="follow_id", follow_id="", admin=False
    )
    assert len(choices) == 25


async def test_followed_topic_gets_one_channel_post_and_one_dm(
    stand_in: StandIn, settings: Settings
) -> None:
    async with open_newsroom(stand_in, settings, scheduler=FAST) as room:  # noqa: F811
        seed(room, 2)
        room.state.page_status = 404
        await add_feed(room, room.feed_url)
        await answered(await slash(stand_in, "follow", type="topic", term="Budget", admin=False))
        title = "Le conseil municipal vote le budget"
        room.state.add("budget", title=title, published=room.clock.now())
        room.state.add("autre", title="La fête du village aura lieu samedi",
                       published=room.clock.now())  # fmt: skip
        room.clock.advance(timedelta(minutes=15))
        await eventually(lambda: MEMBER_ID in stand_in.world.dm_channels)
        dm_channel = int(stand_in.world.dm_channels[MEMBER_ID]["id"])
        await eventually(lambda: len(room.posts_in(dm_channel)) == 1)
        await eventually(lambda: len(room.posts_in()) == 2)
        [dm] = room.posts_in(dm_channel)
        assert dm["embeds"][0]["title"] == title
        assert dm["allowed_mentions"]["parse"] == []
        channel_titles = sorted(p["embeds"][0]["title"] for p in room.posts_in())
        assert channel_titles == ["La fête du village aura lieu samedi", title]
        dm_creations = stand_in.sent("POST", r"/users/@me/channels")
        assert [int(r.json["recipient_id"]) for r in dm_creations] == [MEMBER_ID]


async def test_where_choices_are_synced_in_french(room: Newsroom) -> None:  # noqa: F811
    [command] = [c for c in room.stand_in.world.commands[None] if c["name"] == "follow"]
    where = next(o for o in command["options"] if o["name"] == "where")
    assert [(c["value"], c["name_localizations"]["fr"]) for c in where["choices"]] == [
        ("dm", "Message privé"),
        ("mention", "Me mentionner dans ce salon"),
        ("channel", "Ce salon (filtre, admins)"),
    ]
    assert where["name_localizations"]["fr"] == "où" and where["required"] is False
