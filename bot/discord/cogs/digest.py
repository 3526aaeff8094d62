"""/digest (/revue, issue 11): the day's press review of this server.

- ``now`` (``maintenant``): on demand, for anyone; ephemeral unless an admin asks for it in
  public.
- ``schedule`` (``programmer``, admins): every day at a local time (``TIMEZONE``, daylight
  saving handled), in a text, announcement or forum channel, optionally only the stories on
  some topics. The digest job (``bot.delivery.daily_digests``) enqueues it into the outbox.
- ``stop`` (``arrêter``, admins) ends a channel's schedule; ``list`` (``liste``) shows them.

Thin: parsing and the French answers; the ranking is ``summarizer.digest``, the embeds
``bot.delivery.digests``, the schedules ``storage.digests``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.daily_digests import day_stories
from bot.delivery.digests import TAG_TERMS, digest_embeds
from bot.delivery.embeds import safe
from bot.delivery.forums import ForumTag, closest_tag
from bot.discord.cogs.checks import admin_only, now_of, services_of, storage_of
from bot.discord.error_handler import CommandFailed
from bot.discord.feed_options import check_postable
from storage.digests import DigestSchedule
from summarizer.digest import DAYS, MONTHS, digest_day, next_digest_at, parse_time_of_day

log = logging.getLogger(__name__)

ONLY_ADMINS_PUBLIC = (
    "Seuls les membres qui gèrent le serveur peuvent publier la revue dans le salon."
)
BAD_TIME = (
    "« {text} » n'est pas une heure : écrivez-la comme 08:00, 8h30 ou 18h (de 00:00 à 23:59)."
)
BAD_CHANNEL = (
    "La revue se publie dans un salon textuel, un salon d'annonces ou un forum : <#{id}> n'en "
    "est pas un. Choisissez un autre salon."
)
NONE_SCHEDULED = "Aucune revue n'est programmée sur ce serveur : « /revue programmer » en crée une."
MAX_TOPICS, TOPIC_MAX = 10, 100


def _topics(text: str | None) -> tuple[str, ...]:
    """« économie, climat » -> ("économie", "climat"): at most ``MAX_TOPICS``, each cut short."""
    found = [part.strip()[:TOPIC_MAX] for part in (text or "").replace(";", ",").split(",")]
    return tuple(dict.fromkeys(t for t in found if t))[:MAX_TOPICS]


def _when(moment: datetime, tz: str) -> str:
    """« mardi 3 décembre à 08:00 » in ``tz``."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} à {local:%H:%M}"


def _zone(tz: str) -> str:
    return "heure de Paris" if tz == "Europe/Paris" else f"fuseau {tz}"


def _line(schedule: DigestSchedule, now: datetime, tz: str) -> str:
    topics = ", ".join(safe(t, 100) for t in schedule.topics)
    on = f", thèmes : {topics}" if topics else ""
    upcoming = next_digest_at(
        now, schedule.at, tz, done_for=schedule.last_day, since=schedule.since
    )
    return (
        f"• <#{schedule.channel_id}> chaque jour à {schedule.at:%H:%M}{on} "
        f"(prochaine : {_when(upcoming, tz)})"
    )


def _listing(schedules: list[DigestSchedule], now: datetime, tz: str) -> str:
    if not schedules:
        return NONE_SCHEDULED
    lines = [_line(s, now, tz) for s in schedules[:20]]
    more = f"\n… et {len(schedules) - 20} autres" if len(schedules) > 20 else ""
    return f"Revues programmées ({_zone(tz)}) :\n" + "\n".join(lines) + more


def check_forum_tag(channel: discord.TextChannel | discord.ForumChannel) -> None:
    """A forum that requires a tag on every post needs one a digest takes (``TAG_TERMS``)."""
    if not isinstance(channel, discord.ForumChannel) or not channel.flags.require_tag:
        return
    tags = [ForumTag(t.id, t.name, t.moderated) for t in channel.available_tags]
    if closest_tag(tags, TAG_TERMS) is None:
        raise CommandFailed(
            f"Le forum <#{channel.id}> exige une étiquette sur chaque publication : ajoutez-lui "
            "une étiquette « Revue de presse » (ou « Actualité », « Presse »), puis réessayez."
        )


class DigestCog(commands.Cog):
    digest = app_commands.Group(
        name="digest", description="The day's main stories on this server", guild_only=True
    )

    @digest.command(name="now", description="Show today's press review")
    @app_commands.describe(public="Post it in the channel for everyone (admins)")
    async def now(self, interaction: discord.Interaction, public: bool = False) -> None:
        guild = interaction.guild
        assert guild is not None
        member = interaction.user
        is_admin = isinstance(member, discord.Member) and member.guild_permissions.manage_guild
        if public and not is_admin:
            raise CommandFailed(ONLY_ADMINS_PUBLIC)
        storage = storage_of(interaction)
        tz = interaction.client.settings.timezone  # type: ignore[attr-defined]
        day = digest_day(now_of(services_of(interaction)), tz)
        stories = await day_stories(storage, guild.id, day, tz)
        log.info("digest shown guild_id=%s stories=%d public=%s", guild.id, len(stories), public)
        await interaction.response.send_message(
            embeds=[discord.Embed.from_dict(e) for e in digest_embeds(day, stories)],
            ephemeral=not public,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @digest.command(name="schedule", description="Post the press review every day at a time")
    @app_commands.describe(
        time="Time of day, Paris time (08:00, 18h30)",
        channel="A text, announcement or forum channel",
        topics="Only the stories on these topics, separated by commas",
    )
    @admin_only
    async def schedule(
        self,
        interaction: discord.Interaction,
        time: app_commands.Range[str, 1, 10],
        channel: discord.abc.GuildChannel,
        topics: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        at = parse_time_of_day(time)
        if at is None:
            raise CommandFailed(BAD_TIME.format(text=safe(time, 20)))
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise CommandFailed(BAD_CHANNEL.format(id=channel.id))
        check_postable(channel, guild)
        check_forum_tag(channel)
        storage = storage_of(interaction)
        tz = interaction.client.settings.timezone  # type: ignore[attr-defined]
        now = now_of(services_of(interaction))
        schedule = await storage.set_digest_schedule(
            guild_id=guild.id, channel_id=channel.id, at=at, topics=_topics(topics),
            created_by=interaction.user.id, now=now,
        )  # fmt: skip
        log.info(
            "digest scheduled guild_id=%s channel_id=%s at=%s by=%s",
            guild.id, channel.id, schedule.at, interaction.user.id,
        )  # fmt: skip
        where = "un nouveau sujet du forum" if isinstance(channel, discord.ForumChannel) else ""
        head = (
            f"Revue de presse programmée : chaque jour à {at:%H:%M} ({_zone(tz)}) dans "
            f"<#{channel.id}>{' (' + where + ')' if where else ''}."
        )
        listing = _listing(await storage.digest_schedules(guild.id), now, tz)
        await interaction.response.send_message(
            f"{head}\n\n{listing}", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @digest.command(name="stop", description="Stop a scheduled press review")
    @app_commands.describe(channel="The channel whose press review stops")
    @admin_only
    async def stop(
        self, interaction: discord.Interaction, channel: discord.abc.GuildChannel | None = None
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        storage = storage_of(interaction)
        schedules = await storage.digest_schedules(guild.id)
        if channel is None:
            if not schedules:
                raise CommandFailed(NONE_SCHEDULED)
            if len(schedules) > 1:
                where = ", ".join(f"<#{s.channel_id}>" for s in schedules[:20])
                raise CommandFailed(
                    f"Plusieurs revues sont programmées ({where}) : précisez le salon."
                )
            channel_id = schedules[0].channel_id
        else:
            channel_id = channel.id
        if not await storage.remove_digest_schedule(guild.id, channel_id):
            raise CommandFailed(f"Aucune revue n'est programmée dans <#{channel_id}>.")
        log.info("digest stopped guild_id=%s channel_id=%s", guild.id, channel_id)
        await interaction.response.send_message(
            f"Revue de presse arrêtée dans <#{channel_id}>.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @digest.command(name="list", description="Show the scheduled press reviews")
    @admin_only
    async def list_schedules(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        assert guild is not None
        storage = storage_of(interaction)
        tz = interaction.client.settings.timezone  # type: ignore[attr-defined]
        listing = _listing(
            await storage.digest_schedules(guild.id), now_of(services_of(interaction)), tz
        )
        await interaction.response.send_message(
            listing, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DigestCog())
