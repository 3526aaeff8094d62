"""Telling people about trouble: a feed disabled or gone, a channel the bot can no longer post
in. Console mode prints (``bot.run.console.print_notice``); Discord mode posts once in the
channel concerned, else tries the guild's system channel, and tolerates every failure (the
notice is a courtesy, never a new fault).

During a Discord cool-down (X4: a Cloudflare-style ban, which every request extends; X3/X8 huge
waits) notices are held in memory, at most ``HELD_MAX``, and posted once it is over, so the whole
bot, not only the delivery path, stays silent. A restart forgets held notices: what they say is
also in ``/feed list``. Interaction replies are not held: a member is waiting for that one answer,
and the per-user ``/summary`` gate bounds how many there can be."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING

import discord

from bot.delivery.cooldown import DiscordCooldown
from bot.delivery.outbox import DeliveryNotice
from bot.news.engine import FeedNotice

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

HELD_MAX = 50  # notices kept through a cool-down; beyond that the oldest go (logged)
RELEASE_CHECK_SECONDS = 1.0


class DiscordNotifier:
    """Posts notices for ``bot``; every Discord error is logged and swallowed. ``cooldown`` is
    the delivery's (set once the runtime is open): while it is active, notices are held."""

    def __init__(self, bot: commands.Bot, cooldown: DiscordCooldown | None = None) -> None:
        self._bot = bot
        self.cooldown = cooldown
        self._held: deque[tuple[int, str]] = deque()
        self._releaser: asyncio.Task[None] | None = None

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

    @property
    def held(self) -> int:
        return len(self._held)

    async def released(self) -> None:
        """Return once every held notice has been posted (or given up)."""
        if self._releaser is not None:
            await self._releaser

    def _cooling(self) -> bool:
        return self.cooldown is not None and self.cooldown.active

    async def _send_to_channel(self, channel_id: int, message: str) -> None:
        if not self._cooling() and not self._held:
            await self._post(channel_id, message)
            return
        if len(self._held) >= HELD_MAX:
            _, dropped = self._held.popleft()
            log.warning("held notice dropped (too many): %s", dropped)
        self._held.append((channel_id, message))
        log.info("notice held during the discord cool-down channel_id=%s", channel_id)
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.create_task(self._release(), name="held-notices")

    async def _release(self) -> None:
        while self._held:
            if self._cooling():
                assert self.cooldown is not None
                await asyncio.sleep(min(self.cooldown.remaining(), RELEASE_CHECK_SECONDS))
                continue
            channel_id, message = self._held.popleft()
            await self._post(channel_id, message)

    async def _post(self, channel_id: int, message: str) -> None:
        channel = self._bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.info("notice skipped channel_id=%s reason=unknown_channel", channel_id)
            return
        try:
            await channel.send(message, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("notice failed channel_id=%s status=%s", channel_id, exc.status)
