"""/follow, /unfollow, /following: a member follows a topic or an author.

A DM follow sends the member each new matching article; a channel follow (``where: channel``,
server managers only) posts matching articles in this channel. The matching and the outbox
rows are storage's (``save_article`` enqueues the posts of matching follows).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.checks import require, services_of
from bot.commands_errors import NOT_ADMIN, CommandFailed
from bot.embeds import safe
from storage.records import Follow, FollowDelivery, FollowKind
from storage.terms import fold_term

log = logging.getLogger(__name__)

MAX_FOLLOWS_PER_MEMBER = 25
TERM_MAX = 100
KIND_LABELS = {FollowKind.TOPIC: "le thème", FollowKind.AUTHOR: "l'auteur"}
WHERE_LABELS = {FollowDelivery.DM: "en message privé", FollowDelivery.CHANNEL: "dans <#{channel}>"}
EMPTY_TERM = "Donnez un thème ou un nom d'auteur d'au moins un mot."
TOO_MANY = (
    f"Vous suivez déjà {MAX_FOLLOWS_PER_MEMBER} thèmes ou auteurs : retirez-en un avec "
    "/ne-plus-suivre avant d'en ajouter un autre."
)
UNKNOWN_FOLLOW = "Je ne trouve pas ce suivi parmi les vôtres : choisissez-le dans la liste."


def follow_label(follow: Follow) -> str:
    where = WHERE_LABELS[follow.delivery].format(channel=follow.channel_id)
    return f"{KIND_LABELS[follow.kind]} « {safe(follow.term, TERM_MAX)} » ({where})"


def choice_label(follow: Follow) -> str:
    kind = "Thème" if follow.kind is FollowKind.TOPIC else "Auteur"
    where = "MP" if follow.delivery is FollowDelivery.DM else "salon"
    return f"{kind} : {follow.term}"[:90] + f" ({where})"


async def follow_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    try:
        storage = services_of(interaction).storage
        if storage is None:
            return []
        folded = fold_term(current)
        follows = await storage.list_follows_for_user(interaction.user.id)
        return [
            app_commands.Choice(name=choice_label(f), value=str(f.id))
            for f in follows
            if folded in f.term_norm
        ][:25]
    except Exception:  # autocomplete never raises
        log.exception("follow autocomplete failed")
        return []


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
            app_commands.Choice(name="Direct message", value="dm"),
            app_commands.Choice(name="This channel", value="channel"),
        ],
    )
    @app_commands.guild_only()
    async def follow(
        self,
        interaction: discord.Interaction,
        kind: str,
        term: str,
        where: str = "dm",
    ) -> None:
        storage = services_of(interaction).storage
        require(storage, "base de données")
        member = interaction.user
        assert interaction.guild is not None and isinstance(member, discord.Member)
        delivery = FollowDelivery(where)
        if delivery is FollowDelivery.CHANNEL and not member.guild_permissions.manage_guild:
            raise CommandFailed(NOT_ADMIN)
        text = " ".join(term.split())[:TERM_MAX]
        if not fold_term(text):
            raise CommandFailed(EMPTY_TERM)
        mine = await storage.list_follows_for_user(member.id)
        if len(mine) >= MAX_FOLLOWS_PER_MEMBER:
            raise CommandFailed(TOO_MANY)
        follow = await storage.add_follow(
            kind=FollowKind(kind), term=text, delivery=delivery, now=datetime.now(UTC),
            guild_id=interaction.guild.id, user_id=member.id,
            channel_id=interaction.channel_id if delivery is FollowDelivery.CHANNEL else None,
        )  # fmt: skip
        log.info("follow added follow_id=%s user_id=%s", follow.id, member.id)
        await interaction.response.send_message(
            f"C'est noté : vous suivez {follow_label(follow)}. "
            "Les nouveaux articles correspondants vous parviendront dès leur publication.",
            ephemeral=True,
        )

    @app_commands.command(name="unfollow", description="Stop following a topic or an author")
    @app_commands.describe(follow_id="The follow to remove")
    @app_commands.autocomplete(follow_id=follow_choices)
    async def unfollow(self, interaction: discord.Interaction, follow_id: str) -> None:
        storage = services_of(interaction).storage
        require(storage, "base de données")
        mine = await storage.list_follows_for_user(interaction.user.id)
        text = follow_id.strip()
        chosen = next((f for f in mine if text.isdigit() and f.id == int(text)), None)
        chosen = chosen or next((f for f in mine if f.term_norm == fold_term(text)), None)
        if chosen is None or not await storage.remove_follow(
            chosen.id, user_id=interaction.user.id
        ):
            raise CommandFailed(UNKNOWN_FOLLOW)
        await interaction.response.send_message(
            f"Vous ne suivez plus {follow_label(chosen)}.", ephemeral=True
        )

    @app_commands.command(name="following", description="List what you follow")
    async def following(self, interaction: discord.Interaction) -> None:
        storage = services_of(interaction).storage
        require(storage, "base de données")
        mine = await storage.list_follows_for_user(interaction.user.id)
        if not mine:
            await interaction.response.send_message(
                "Vous ne suivez rien pour le moment. Essayez /suivre.", ephemeral=True
            )
            return
        lines = [f"• {follow_label(f)}" for f in mine]
        await interaction.response.send_message(
            f"Vous suivez ({len(mine)}/{MAX_FOLLOWS_PER_MEMBER}) :\n" + "\n".join(lines),
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(FollowsCog())
