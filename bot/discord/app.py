"""The discord.py application: ``DepecheBot``.

Start-up happens once, in ``setup_hook``: the services are built by a factory the CLI passes in
(storage, guarded HTTP client, engine, scheduler), the cogs are loaded, the French translator is
set, the command tree is synced only when its payload changed, and the scheduler is started.
``on_ready`` can fire many times (reconnects) and never restarts anything (X10).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import discord
from discord.ext import commands

from bot.discord.error_handler import install_error_handler
from bot.discord.translator import FrenchTranslator
from bot.news.engine import Engine
from bot.news.preparation import Fetcher
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.storage import Storage

log = logging.getLogger(__name__)

COGS: tuple[str, ...] = (
    "bot.discord.cogs.general",
    "bot.discord.cogs.summary",
    "bot.discord.cogs.feeds",
    "bot.discord.cogs.search",
    "bot.discord.cogs.follows",
    "bot.discord.cogs.digest",
    "bot.discord.cogs.trends",
)


class SchedulerLike(Protocol):
    """What the app needs from the APScheduler ``AsyncIOScheduler``."""

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


@dataclass
class Services:
    """What the cogs and the app use; wired in one place (``bot.run.discord_mode``). A field is
    None until wired (console-mode leftovers, a start-up failure): commands then answer politely
    through ``bot.discord.cogs.checks``."""

    storage: Storage | None = None
    fetcher: Fetcher | None = None  # the entered ``bot.net.client.GuardedClient``
    engine: Engine | None = None  # ``poll_feed`` and the backfill of ``/feed add``
    scheduler: SchedulerLike | None = None
    workers: WorkerPool | None = None  # CPU work off the event loop
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


ServicesFactory = Callable[["DepecheBot"], Awaitable[Services]]


def command_sync_path(settings: Settings) -> Path:
    """The small file next to the database holding the hash of the last synced commands (next
    to ``DATABASE_PATH`` when the database is on a PostgreSQL server)."""
    target = settings.database
    db = target if isinstance(target, Path) else Path(settings.database_path)
    return db.with_name(db.name + ".commands.sha256")


class DepecheBot(commands.Bot):
    """The bot. ``build_services`` is awaited once in ``setup_hook``."""

    def __init__(
        self,
        settings: Settings,
        build_services: ServicesFactory | None = None,
        *,
        cogs: Sequence[str] = COGS,
        **options: Any,
    ) -> None:
        options.setdefault("guild_ready_timeout", 2.0)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=60,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.services = Services()
        self._build_services = build_services
        self._cogs = tuple(cogs)
        self.scheduler_starts = 0
        self.ready_count = 0

    async def setup_hook(self) -> None:
        if self._build_services is not None:
            self.services = await self._build_services(self)
        for cog in self._cogs:
            await self.load_extension(cog)
        await self.tree.set_translator(FrenchTranslator())
        install_error_handler(self.tree)
        await self.sync_commands()
        self._start_scheduler()

    def _start_scheduler(self) -> None:
        scheduler = self.services.scheduler
        if scheduler is None or self.scheduler_starts:
            return
        scheduler.start()
        self.scheduler_starts += 1
        log.info("scheduler started")

    async def on_ready(self) -> None:
        self.ready_count += 1
        user_id = self.user.id if self.user else None
        log.info("ready user_id=%s guilds=%d count=%d", user_id, len(self.guilds), self.ready_count)

    # ---- command sync ------------------------------------------------------------------------
    def _sync_target(self) -> discord.Object | None:
        guild_id = self.settings.discord_guild_id
        return discord.Object(id=guild_id) if guild_id else None

    async def commands_hash(self, guild: discord.Object | None) -> str:
        """A hash of the translated payload that ``tree.sync`` would send, and of its target."""
        translator = self.tree.translator
        commands_ = self.tree._get_all_commands(guild=guild)
        payload = [
            await c.get_translated_payload(self.tree, translator)
            if translator
            else c.to_dict(self.tree)
            for c in commands_
        ]
        text = json.dumps(
            {"target": guild.id if guild else None, "commands": payload}, sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync to ``DISCORD_GUILD_ID`` or globally, only when the payload changed."""
        guild = self._sync_target()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = await self.commands_hash(guild)
        path = command_sync_path(self.settings)
        previous = path.read_text().strip() if path.exists() else ""
        if digest == previous and not force:
            log.info("commands unchanged, sync skipped target=%s", guild.id if guild else "global")
            return False
        synced = await self.tree.sync(guild=guild)
        path.write_text(digest + "\n")
        log.info("commands synced count=%d target=%s", len(synced), guild.id if guild else "global")
        return True

    # ---- channel and guild removal (X6) ------------------------------------------------------
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self._forget_channels([channel.id], reason="channel_deleted")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self._forget_channels([c.id for c in guild.channels], reason="guild_removed")

    async def _forget_channels(self, channel_ids: list[int], *, reason: str) -> None:
        storage = self.services.storage
        if storage is None:
            return
        for channel_id in channel_ids:
            for follow in await storage.list_follows_for_channel(channel_id):
                await storage.remove_follow(follow.id)
            cancelled = await storage.cancel_for_channel(channel_id)  # follow posts too (X6)
            if await storage.forget_digest_channel(channel_id):  # its daily digest (issue 11)
                log.info("digest schedule removed channel_id=%s reason=%s", channel_id, reason)
            if cancelled:
                log.info("posts cancelled channel_id=%s count=%d", channel_id, cancelled)
            for subscription in await storage.subscriptions_for_channel(channel_id):
                await storage.remove_subscription(subscription.id)
                log.info(
                    "subscription removed subscription_id=%s channel_id=%s reason=%s",
                    subscription.id,
                    channel_id,
                    reason,
                )

    async def close(self) -> None:
        scheduler = self.services.scheduler
        if scheduler is not None and self.scheduler_starts:
            try:
                scheduler.shutdown(wait=False)
            except Exception:  # shutting down: log and go on
                log.exception("scheduler shutdown failed")
        for closer in reversed(self.services.closers):
            try:
                await closer()
            except Exception:
                log.exception("service close failed")
        self.services.closers.clear()
        await super().close()


class ShardedDepecheBot(DepecheBot, commands.AutoShardedBot):
    """The same bot, sharded (``SHARD_COUNT`` set)."""


def create_bot(
    settings: Settings, build_services: ServicesFactory | None = None, **options: Any
) -> DepecheBot:
    """``DepecheBot``, or ``ShardedDepecheBot`` when ``settings.shard_count`` is set."""
    if settings.shard_count:
        options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids:
            options.setdefault("shard_ids", list(settings.shard_ids))
        return ShardedDepecheBot(settings, build_services, **options)
    return DepecheBot(settings, build_services, **options)
