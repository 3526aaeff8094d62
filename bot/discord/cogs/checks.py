"""Checks shared by the cogs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import discord
from discord import app_commands

from bot.discord.app import DepecheBot, Services
from bot.discord.error_handler import CommandFailed, NotAdmin
from bot.news.preparation import Fetcher
from bot.news.workers import WorkerPool
from storage.storage import Storage

T = TypeVar("T")


def is_guild_admin(interaction: discord.Interaction) -> bool:
    """The runtime half of ``default_permissions(manage_guild=True)`` (admins can override the
    default in the server settings, so the bot checks again)."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise app_commands.NoPrivateMessage()
    if not member.guild_permissions.manage_guild:
        raise NotAdmin()
    return True


admin_only = app_commands.check(is_guild_admin)


def services_of(interaction: discord.Interaction) -> Services:
    bot: DepecheBot = interaction.client  # type: ignore[assignment]
    return bot.services


def require(service: T | None, what: str) -> T:
    """The service, or a polite refusal when it is not wired (console mode, start-up failure)."""
    if service is None:
        raise CommandFailed(f"Le service « {what} » n'est pas disponible pour le moment.")
    return service


def storage_of(interaction: discord.Interaction) -> Storage:
    return require(services_of(interaction).storage, "base de données")


def fetcher_of(interaction: discord.Interaction) -> Fetcher:
    return require(services_of(interaction).fetcher, "téléchargement")


def workers_of(interaction: discord.Interaction) -> WorkerPool:
    return require(services_of(interaction).workers, "résumé")


def now_of(services: Services) -> datetime:
    """The engine's (swappable) clock, for what commands store; the system clock without one."""
    return services.engine.clock.now() if services.engine is not None else datetime.now(UTC)
