"""Checks shared by the cogs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord.error_handler import CommandFailed, NotAdmin

if TYPE_CHECKING:
    from bot.discord.app import DepecheBot, Services


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


def require(service: object, what: str) -> None:
    """Refuse politely when a service is not wired (console mode, start-up failure)."""
    if service is None:
        raise CommandFailed(f"Le service « {what} » n'est pas disponible pour le moment.")


def now_of(services: Any) -> datetime:
    """The engine's (swappable) clock, for what commands store; the system clock without one."""
    clock = getattr(services.engine, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)
