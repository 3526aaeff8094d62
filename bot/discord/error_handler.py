"""The one error handler of the slash commands: a short French ephemeral message for the user,
the details (with ids) in the logs, never a traceback in Discord."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands

from bot.errors import BotError
from storage.errors import UnavailableError

log = logging.getLogger(__name__)

UNEXPECTED = "Une erreur inattendue est survenue. Réessayez dans quelques minutes."
NOT_ADMIN = "Cette commande est réservée aux personnes qui peuvent gérer le serveur."
GUILD_ONLY = "Cette commande ne fonctionne que sur un serveur."
# The database server is restarting or unreachable (storage.postgres reconnects meanwhile).
DATABASE_DOWN = "La base de données est indisponible, réessayez dans un instant."


class CommandFailed(BotError, app_commands.AppCommandError):
    """Raised by a cog with a French message for the user (no traceback, logged at INFO)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAdmin(app_commands.CheckFailure):
    """The runtime check behind ``default_permissions(manage_guild=True)`` failed."""


def user_message(error: app_commands.AppCommandError) -> str | None:
    """The French message for an expected error, or ``None`` for an unexpected one."""
    original = getattr(error, "original", error)
    if isinstance(original, CommandFailed):
        return original.message
    if isinstance(original, UnavailableError):
        return DATABASE_DOWN
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Doucement : réessayez dans {math.ceil(error.retry_after)} s."
    if isinstance(error, NotAdmin | app_commands.MissingPermissions):
        return NOT_ADMIN
    if isinstance(error, app_commands.NoPrivateMessage):
        return GUILD_ONLY
    if isinstance(error, app_commands.BotMissingPermissions):
        return "Il me manque des permissions ici : " + ", ".join(error.missing_permissions) + "."
    if isinstance(error, app_commands.TransformerError):
        return "Cette valeur n'est pas valable : vérifiez ce que vous avez saisi."
    if isinstance(error, app_commands.CheckFailure):
        return "Vous ne pouvez pas utiliser cette commande ici."
    return None


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    command = interaction.command.qualified_name if interaction.command else "?"
    message = user_message(error)
    ids = (interaction.id, command, interaction.user.id, interaction.guild_id)
    if message is None:
        log.error(
            "command failed interaction_id=%s command=%s user_id=%s guild_id=%s",
            *ids,
            exc_info=getattr(error, "original", error),
        )
        message = UNEXPECTED
    else:
        log.info(
            "command refused interaction_id=%s command=%s user_id=%s guild_id=%s reason=%s",
            *ids,
            type(getattr(error, "original", error)).__name__,
        )
    await reply_ephemeral(interaction, message)


async def reply_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Answer privately, whatever was done before; failures are logged.

    After a deferral, Discord's first follow-up replaces the "thinking" placeholder and keeps
    its visibility, so after a public ``defer()`` an "ephemeral" follow-up would be public: the
    placeholder is deleted first, then the follow-up is private."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.info("placeholder delete failed interaction_id=%s status=%s",
                         interaction.id, exc.status)  # fmt: skip
        await interaction.followup.send(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("error reply failed interaction_id=%s", interaction.id)


def install_error_handler(tree: app_commands.CommandTree[discord.Client]) -> None:
    tree.error(on_app_command_error)
