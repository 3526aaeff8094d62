"""French localizations of the slash commands (``app_commands.Translator``).

Discord always sends the default (English) names in interactions; these localizations only
change what French-speaking users see in the command picker."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.discord.locales import fr

log = logging.getLogger(__name__)

FRENCH = discord.Locale.french
_NAME_LOCATIONS = {Where.command_name, Where.group_name, Where.parameter_name, Where.choice_name}
_DESCRIPTION_LOCATIONS = {
    Where.command_description,
    Where.group_description,
    Where.parameter_description,
}


def french(text: str, *, is_name: bool) -> str | None:
    """The French form of a default name or description, or ``None`` when there is none."""
    table = fr.NAMES if is_name else fr.DESCRIPTIONS
    return table.get(text)


class FrenchTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not FRENCH:
            return None
        if context.location in _NAME_LOCATIONS:
            return french(string.message, is_name=True)
        if context.location in _DESCRIPTION_LOCATIONS:
            return french(string.message, is_name=False)
        return None
