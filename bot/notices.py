"""Telling people about trouble: a feed disabled or gone, a channel the bot can no longer post
in. Console mode prints; Discord mode posts once in the channel concerned, else tries the guild's
system channel, and tolerates every failure (the notice is a courtesy, never a new fault)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import discord

from bot.delivery import DeliveryNotice
from bot.engine import FeedNotice

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)


async def print_notice(notice: FeedNotice | DeliveryNotice) -> None:
    """Console mode: a feed or delivery notice, on stderr."""
    print(f"[avertissement] {notice.message}", file=sys.stderr)


class DiscordNotifier:
    """Posts notices for ``bot``; every Discord error is logged and swallowed."""

    def __init__(self, bot: commands.Bot) -> None:
        self._bot = bot

    async def feed_notice(self, notice: FeedNotice) -> None:
        channels = {sub.channel_id for sub in notice.subscriptions}
        for channel_id in channels:
            await self._send_to_channel(channel_id, notice.message)

    async def delivery_notice(self, notice: DeliveryNotice) -> None:
        # The channel itself is broken (403/404): try the guild's system channel instead.
        guild = self._bot.get_guild(notice.guild_id) if notice.guild_id else None
        target = guild.system_channel if guild else None
        if target is None or target.id == notice.channel_id:
            log.warning("notice not delivered channel_id=%s: %s", notice.channel_id, notice.message)
            return
        await self._send_to_channel(target.id, notice.message)

    async def _send_to_channel(self, channel_id: int, message: str) -> None:
        channel = self._bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.info("notice skipped channel_id=%s reason=unknown_channel", channel_id)
            return
        try:
            await channel.send(message, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("notice failed channel_id=%s status=%s", channel_id, exc.status)
