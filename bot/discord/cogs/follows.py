"""/follow, /unfollow, /following: follow a topic or an author.

Three places a follow applies (``where``):

- ``dm`` (default): the member gets a DM for each matching article posted in this server;
- ``mention``: the member is mentioned in this channel's posts of matching articles;
- ``channel`` (server managers only): a topic filter on this channel: while it has any, its
  subscriptions only post the articles that match at least one of them.

The matching is the core's ``article_terms``; storage enqueues the DMs, delivery adds the
mentions, the engine applies the channel filters. This cog only records and lists them.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.embeds import CONTENT_MAX, safe, truncate
from bot.discord.cogs.checks import now_of, services_of, storage_of
from bot.discord.error_handler import CommandFailed
from storage.records import Follow, FollowDelivery, FollowKind
from storage.storage import Storage
from storage.terms import fold_term

log = logging.getLogger(__name__)

MAX_FOLLOWS_PER_MEMBER = 25
MAX_CHANNEL_FILTERS_PER_GUILD = 25
TERM_MAX = 100
DM, MENTION, CHANNEL = "dm", "mention", "channel"  # the ``where`` choices
KIND_LABELS = {FollowKind.TOPIC: "le thème", FollowKind.AUTHOR: "l'auteur"}
EMPTY_TERM = "Donnez un thème ou un nom d'auteur d'au moins un mot."
TOO_MANY = (
    f"Vous suivez déjà {MAX_FOLLOWS_PER_MEMBER} thèmes ou auteurs : retirez-en un avec "
    "/ne-plus-suivre avant d'en ajouter un autre."
)
TOO_MANY_FILTERS = (
    f"Ce serveur a déjà {MAX_CHANNEL_FILTERS_PER_GUILD} filtres de salon : retirez-en un avec "
    "/ne-plus-suivre avant d'en ajouter un autre."
)
FILTER_NOT_ADMIN = (
    "Le filtre de salon est réservé aux personnes qui peuvent gérer le serveur. Choisissez "
    "« Message privé » ou « Me mentionner dans ce salon » pour suivre ce thème vous-même."
)
UNKNOWN_FOLLOW = "Je ne trouve pas ce suivi parmi les vôtres : choisissez-le dans la liste."
NO_GUILD_FEEDS = (
    " Ce serveur n'est abonné à aucun flux pour le moment : rien ne vous sera envoyé tant "
    "qu'un flux n'y est pas ajouté (/flux ajouter)."
)
NO_CHANNEL_FEEDS = (
    " Attention : ce salon n'est abonné à aucun flux pour le moment, aucun article n'y est publié."
)
NO_CHANNEL_FEEDS_FILTER = (
    " Ce salon n'est abonné à aucun flux pour le moment : le filtre s'appliquera aux flux que "
    "vous y ajouterez avec /flux ajouter."
)


def is_channel_filter(follow: Follow) -> bool:
    return follow.delivery is FollowDelivery.CHANNEL and follow.user_id is None


def where_label(follow: Follow) -> str:
    if follow.delivery is FollowDelivery.DM:
        return "en message privé"
    if is_channel_filter(follow):
        return f"filtre du salon <#{follow.channel_id}>"
    return f"avec une mention dans <#{follow.channel_id}>"


def follow_label(follow: Follow) -> str:
    return f"{KIND_LABELS[follow.kind]} « {safe(follow.term, TERM_MAX)} » ({where_label(follow)})"


def choice_label(follow: Follow) -> str:
    kind = "Thème" if follow.kind is FollowKind.TOPIC else "Auteur"
    if follow.delivery is FollowDelivery.DM:
        where = "MP"
    else:
        where = "filtre de salon" if is_channel_filter(follow) else "mention"
    return f"{kind} : {follow.term}"[:80] + f" ({where})"


def is_manager(interaction: discord.Interaction) -> bool:
    member = interaction.user
    return isinstance(member, discord.Member) and member.guild_permissions.manage_guild


async def removable_follows(storage: Storage, interaction: discord.Interaction) -> list[Follow]:
    """The member's own follows, then (for a server manager) this server's channel filters."""
    follows = await storage.list_follows_for_user(interaction.user.id)
    if interaction.guild is not None and is_manager(interaction):
        follows += await storage.channel_follows_for_guild(interaction.guild.id)
    return follows


async def follow_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    try:
        storage = services_of(interaction).storage
        if storage is None:
            return []
        folded = fold_term(current)
        follows = await removable_follows(storage, interaction)
        return [
            app_commands.Choice(name=choice_label(f), value=str(f.id))
            for f in follows
            if folded in f.term_norm
        ][:25]
    except Exception:  # autocomplete never raises
        log.exception("follow autocomplete failed")
        return []


async def check_caps(storage: Storage, where: str, user_id: int, guild_id: int) -> None:
    if where == CHANNEL:
        if len(await storage.channel_follows_for_guild(guild_id)) >= MAX_CHANNEL_FILTERS_PER_GUILD:
            raise CommandFailed(TOO_MANY_FILTERS)
    elif len(await storage.list_follows_for_user(user_id)) >= MAX_FOLLOWS_PER_MEMBER:
        raise CommandFailed(TOO_MANY)


async def follow_reply(storage: Storage, follow: Follow, guild_id: int) -> str:
    """What the new follow does, in French, with a warning when nothing can be posted yet."""
    if follow.delivery is FollowDelivery.DM:
        text = (
            f"C'est noté : vous suivez {follow_label(follow)}. Chaque nouvel article "
            "correspondant publié par un flux de ce serveur vous sera envoyé en message privé."
        )
        return text + ("" if await storage.count_for_guild(guild_id) else NO_GUILD_FEEDS)
    assert follow.channel_id is not None
    has_feeds = bool(await storage.subscriptions_for_channel(follow.channel_id))
    channel = f"<#{follow.channel_id}>"
    if not is_channel_filter(follow):
        text = (
            f"C'est noté : vous suivez {follow_label(follow)}. Quand un article correspondant "
            f"sera publié dans {channel}, le message vous mentionnera."
        )
        return text + ("" if has_feeds else NO_CHANNEL_FEEDS)
    text = (
        f"Filtre ajouté : {channel} ne publiera plus que les articles de ses flux qui "
        f"correspondent à {KIND_LABELS[follow.kind]} « {safe(follow.term, TERM_MAX)} » "
        "ou à l'un de ses autres filtres."
    )
    return text + ("" if has_feeds else NO_CHANNEL_FEEDS_FILTER)


async def unfollow_reply(storage: Storage, follow: Follow) -> str:
    if not is_channel_filter(follow):
        return f"Vous ne suivez plus {follow_label(follow)}."
    assert follow.channel_id is not None
    term = f"{KIND_LABELS[follow.kind]} « {safe(follow.term, TERM_MAX)} »"
    text = f"Filtre retiré : <#{follow.channel_id}> ne filtre plus sur {term}."
    left = await storage.channel_filter_follows([follow.channel_id])
    if not left:
        text += " Ce salon publie de nouveau tous les articles de ses flux."
    return text


async def following_text(storage: Storage, interaction: discord.Interaction) -> str:
    mine = await storage.list_follows_for_user(interaction.user.id)
    if mine:
        lines = [f"• {follow_label(f)}" for f in mine]
        text = f"Vous suivez ({len(mine)}/{MAX_FOLLOWS_PER_MEMBER}) :\n" + "\n".join(lines)
    else:
        text = "Vous ne suivez rien pour le moment. Essayez /suivre."
    if interaction.guild is not None:
        filters = await storage.channel_follows_for_guild(interaction.guild.id)
        if filters:
            lines = [f"• {follow_label(f)}" for f in filters]
            text += (
                "\n\nFiltres des salons de ce serveur (seuls les articles correspondants y "
                "sont publiés) :\n" + "\n".join(lines)
            )
    return truncate(text, CONTENT_MAX)


class FollowsCog(commands.Cog):
    @app_commands.command(name="follow", description="Get new articles on a topic or by an author")
    @app_commands.rename(kind="type")
    @app_commands.describe(
        kind="Follow a topic or an author",
        term="Topic or author to follow",
        where="Where to receive them (default: direct message)",
    )
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="Topic", value="topic"),
            app_commands.Choice(name="Author", value="author"),
        ],
        where=[
            app_commands.Choice(name="Direct message", value=DM),
            app_commands.Choice(name="Mention me in this channel", value=MENTION),
            app_commands.Choice(name="This channel (filter, admins)", value=CHANNEL),
        ],
    )
    @app_commands.guild_only()
    async def follow(
        self, interaction: discord.Interaction, kind: str, term: str, where: str = DM
    ) -> None:
        services = services_of(interaction)
        storage = storage_of(interaction)
        assert interaction.guild is not None
        if where == CHANNEL and not is_manager(interaction):
            raise CommandFailed(FILTER_NOT_ADMIN)
        text = " ".join(term.split())[:TERM_MAX]
        if not fold_term(text):
            raise CommandFailed(EMPTY_TERM)
        user_id, guild_id = interaction.user.id, interaction.guild.id
        await check_caps(storage, where, user_id, guild_id)
        follow = await storage.add_follow(
            kind=FollowKind(kind), term=text, now=now_of(services), guild_id=guild_id,
            delivery=FollowDelivery.DM if where == DM else FollowDelivery.CHANNEL,
            user_id=None if where == CHANNEL else user_id,
            channel_id=None if where == DM else interaction.channel_id,
        )  # fmt: skip
        log.info("follow added follow_id=%s user_id=%s where=%s", follow.id, user_id, where)
        reply = await follow_reply(storage, follow, guild_id)
        await interaction.response.send_message(reply, ephemeral=True)

    @app_commands.command(name="unfollow", description="Stop following a topic or an author")
    @app_commands.describe(follow_id="The follow to remove")
    @app_commands.autocomplete(follow_id=follow_choices)
    async def unfollow(self, interaction: discord.Interaction, follow_id: str) -> None:
        storage = storage_of(interaction)
        candidates = await removable_follows(storage, interaction)
        text = follow_id.strip()
        chosen = next((f for f in candidates if text.isdigit() and f.id == int(text)), None)
        chosen = chosen or next((f for f in candidates if f.term_norm == fold_term(text)), None)
        if chosen is None or not await self._remove(storage, interaction, chosen):
            raise CommandFailed(UNKNOWN_FOLLOW)
        reply = await unfollow_reply(storage, chosen)
        await interaction.response.send_message(reply, ephemeral=True)

    @staticmethod
    async def _remove(storage: Storage, interaction: discord.Interaction, follow: Follow) -> bool:
        if is_channel_filter(follow) and interaction.guild is not None:
            return await storage.remove_channel_follow(follow.id, guild_id=interaction.guild.id)
        return await storage.remove_follow(follow.id, user_id=interaction.user.id)

    @app_commands.command(name="following", description="List what you follow")
    async def following(self, interaction: discord.Interaction) -> None:
        storage = storage_of(interaction)
        text = await following_text(storage, interaction)
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(FollowsCog())
