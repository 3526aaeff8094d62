"""What the ``/feed`` commands accept, with Discord types: the post formats (choices, an admin's
choice validated in French) and where a subscription posts (a text or announcement channel, a
forum, a thread; the bot's permissions there for that kind, the missing ones named in French;
crossposting; a forum's required tag)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.delivery.embeds import safe
from bot.delivery.formats import FormatError, check_choice, parse_format
from bot.delivery.forums import ForumTag, closest_tag
from bot.discord import feed_views
from bot.discord.cogs.checks import fetcher_of
from bot.discord.error_handler import CommandFailed
from bot.news.avatars import find_avatar
from bot.news.preparation import Fetcher
from storage.records import FeedRecord, PostFormat, Subscription
from storage.storage import Storage

Postable = discord.TextChannel | discord.ForumChannel | discord.Thread
SEE, EMBED, HISTORY = (
    ("view_channel", "Voir le salon"),
    ("embed_links", "Intégrer des liens"),
    ("read_message_history", "Voir les anciens messages"),  # D5: re-checks before a re-send
)
PERMISSIONS = {  # what each kind of place needs, named as Discord's settings name them
    "text": (SEE, ("send_messages", "Envoyer des messages"), EMBED, HISTORY),
    "forum": (SEE, ("send_messages", "Créer des publications"), EMBED, HISTORY),
    "thread": (SEE, ("send_messages_in_threads", "Envoyer des messages dans les fils"), EMBED,
               HISTORY),
}  # fmt: skip
NOT_POSTABLE = (
    "Choisissez un salon textuel, un salon d'annonces, un forum ou un fil de discussion pour "
    "publier les articles."
)
NOT_ANNOUNCEMENT = (
    "La diffusion aux serveurs abonnés n'existe que dans un salon d'annonces : choisissez-en "
    "un, ou retirez l'option « diffuser »."
)
NOT_DISCUSSABLE = (
    "Un fil de discussion sous chaque article ne s'ouvre que dans un salon textuel ou "
    "d'annonces : un forum en ouvre déjà un par article, un fil ne peut pas en contenir."
)
DISCUSSION_PERMISSION = ("create_public_threads", "Créer des fils publics")
WEBHOOK_PERMISSION = ("manage_webhooks", "Gérer les webhooks")
NOT_WEBHOOKABLE = (
    "L'identité de la source (un webhook) n'existe que dans un salon textuel ou d'annonces : "
    "choisissez-en un, ou retirez l'option « identité-source »."
)
LOCKED_THREAD = (
    "Ce fil est verrouillé et archivé : il me faut la permission « Gérer les fils » pour le "
    "rouvrir. Rouvrez-le ou choisissez un autre salon."
)
FORMAT_CHOICES = [
    app_commands.Choice(name="Full card", value=PostFormat.COMPLET.value),
    app_commands.Choice(name="Compact card", value=PostFormat.COMPACT.value),
    app_commands.Choice(name="Plain text", value=PostFormat.TEXTE.value),
    app_commands.Choice(name="Link only", value=PostFormat.LIEN.value),
    app_commands.Choice(name="My template", value=PostFormat.MODELE.value),
]


def chosen_format(value: str | None, template: str | None) -> tuple[PostFormat, str | None]:
    """The format and validated template an admin chose (a template alone means ``modèle``;
    ``\\n`` in it is a line break, which a slash option cannot hold); a French
    ``CommandFailed`` otherwise."""
    if template is not None:
        template = template.replace("\\n", "\n")
    try:
        if value is None:
            post_format = PostFormat.MODELE if template else PostFormat.COMPLET
        else:
            post_format = parse_format(value)
        return post_format, check_choice(post_format, template)
    except FormatError as exc:
        raise CommandFailed(exc.message) from exc


def kind_of(channel: Postable) -> str:
    if isinstance(channel, discord.Thread):
        return "thread"
    return "forum" if isinstance(channel, discord.ForumChannel) else "text"


def missing_permissions(channel: Postable, me: discord.Member) -> list[str]:
    """The French names of the permissions the bot lacks in ``channel`` for its kind (X14)."""
    granted = channel.permissions_for(me)
    return [label for name, label in PERMISSIONS[kind_of(channel)] if not getattr(granted, name)]


def check_postable(channel: Postable, guild: discord.Guild) -> None:
    missing = missing_permissions(channel, guild.me)
    if missing:
        raise CommandFailed(
            f"Je ne peux pas publier dans <#{channel.id}> : il me manque "
            + ", ".join(f"« {m} »" for m in missing)
            + ". Donnez-moi ces permissions dans ce salon puis réessayez."
        )
    closed = isinstance(channel, discord.Thread) and channel.archived and channel.locked
    if closed and not channel.permissions_for(guild.me).manage_threads:
        raise CommandFailed(LOCKED_THREAD)


def check_crosspost(channel: Postable, crosspost: bool) -> None:
    if crosspost and not (isinstance(channel, discord.TextChannel) and channel.is_news()):
        raise CommandFailed(NOT_ANNOUNCEMENT)


def check_discussion(channel: Postable, guild: discord.Guild, discussion: bool) -> None:
    """A thread under each post needs a text or announcement channel and Create Public
    Threads there."""
    if not discussion:
        return
    if not isinstance(channel, discord.TextChannel):
        raise CommandFailed(NOT_DISCUSSABLE)
    name, label = DISCUSSION_PERMISSION
    if not getattr(channel.permissions_for(guild.me), name):
        raise CommandFailed(
            f"Je ne peux pas ouvrir de fil sous les articles dans <#{channel.id}> : il me "
            f"manque « {label} ». Donnez-moi cette permission dans ce salon puis réessayez."
        )


def check_webhook(channel: Postable, guild: discord.Guild, webhook: bool) -> None:
    """Posting as the source needs a text or announcement channel and Manage Webhooks there."""
    if not webhook:
        return
    if not isinstance(channel, discord.TextChannel):
        raise CommandFailed(NOT_WEBHOOKABLE)
    name, label = WEBHOOK_PERMISSION
    if not getattr(channel.permissions_for(guild.me), name):
        raise CommandFailed(
            f"Je ne peux pas publier sous le nom de la source dans <#{channel.id}> : il me "
            f"manque « {label} ». Donnez-moi cette permission dans ce salon puis réessayez."
        )


def forum_tag_for(channel: Postable, *names: str | None) -> int | None:
    """For a forum that requires a tag: the tag closest to the feed's ``names`` (its title, its
    source), applied to every post no other tag matches; a French refusal when none does."""
    if not isinstance(channel, discord.ForumChannel) or not channel.flags.require_tag:
        return None
    tags = [ForumTag(t.id, t.name, t.moderated) for t in channel.available_tags]
    found = closest_tag(tags, [name for name in names if name])
    if found is not None:
        return found.id
    listed = ", ".join(f"« {safe(t.name, 50)} »" for t in tags if not t.moderated) or "aucune"
    raise CommandFailed(
        f"Le forum <#{channel.id}> exige une étiquette sur chaque publication et aucune ne "
        f"correspond à ce flux (étiquettes possibles : {listed}). Ajoutez au forum une "
        "étiquette au nom de la source ou du thème du flux, puis réessayez."
    )


async def target_channel(interaction: discord.Interaction, chosen: object | None) -> Postable:
    """The place to post in: the chosen channel or thread (this channel by default), from the
    cache, else fetched (an archived thread is not cached)."""
    guild = interaction.guild
    assert guild is not None  # guild_only
    wanted = getattr(chosen, "id", None) or interaction.channel_id or 0
    channel = guild.get_channel_or_thread(wanted)
    if channel is None:
        try:
            channel = await guild.fetch_channel(wanted)
        except discord.HTTPException as exc:
            raise CommandFailed(NOT_POSTABLE) from exc
    if not isinstance(channel, discord.TextChannel | discord.ForumChannel | discord.Thread):
        raise CommandFailed(NOT_POSTABLE)
    return channel


async def reply(interaction: discord.Interaction, text: str) -> None:
    """The ephemeral answer, as a follow-up once the command deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def remember_avatar(storage: Storage, fetcher: Fetcher, feed: FeedRecord) -> None:
    """The source's icon for webhook identity, found once (``bot.news.avatars``) and kept."""
    await storage.set_feed_avatar(feed.id, await find_avatar(fetcher, feed.site_url, feed.url))


async def apply_options(
    interaction: discord.Interaction,
    storage: Storage,
    sub: Subscription,
    feed: FeedRecord,
    *,
    corrections: bool | None,
    webhook: bool | None,
) -> str:
    """``/feed format``'s options besides the format; what changed, in French ("" if none).
    Webhook identity fetches the icon: the command defers first."""
    notes = []
    if webhook is not None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        assert guild is not None
        if webhook:
            channel = guild.get_channel_or_thread(sub.channel_id)
            if not isinstance(channel, discord.TextChannel):
                raise CommandFailed(NOT_WEBHOOKABLE)
            check_webhook(channel, guild, True)
            await remember_avatar(storage, fetcher_of(interaction), feed)
        await storage.set_webhook_identity(sub.id, webhook)
        notes.append(feed_views.webhook_text(feed, webhook))
    if corrections is not None:
        await storage.set_corrections(sub.id, corrections)
        notes.append(feed_views.corrections_text(feed, corrections))
    return " ".join(notes)
