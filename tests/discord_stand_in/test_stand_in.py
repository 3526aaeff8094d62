"""The stand-in itself: the unmodified discord.py client logs in, syncs, answers, and the rules
are enforced."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.discord_stand_in import rules
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID


class TinyBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="echo", description="Répète")
        async def echo(interaction: discord.Interaction, texte: str) -> None:
            await interaction.response.send_message(texte)

        @self.tree.command(name="lent", description="Diffère puis répond")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("fini")


async def test_login_sync_and_slash_round_trip(stand_in: StandIn) -> None:
    bot = TinyBot()
    async with running(bot):
        assert bot.user is not None and bot.get_guild(GUILD_ID) is not None
        await bot.tree.sync()
        assert [c["name"] for c in stand_in.world.commands[None]] == ["echo", "lent"]
        echo = await answered(await slash(stand_in, "echo", texte="bonjour"))
        assert echo.texts() == "bonjour"
        slow = await answered(await slash(stand_in, "lent"))
        assert slow.response == {"type": 5, "data": {}} or slow.response["type"] == 5
        assert slow.texts() == "fini"
        sent = await bot.get_partial_messageable(CHANNEL_ID).send("salut", nonce="n1")
        again = await bot.get_partial_messageable(CHANNEL_ID).send("salut", nonce="n1")
        assert sent.id == again.id and len(stand_in.world.messages[CHANNEL_ID]) == 1


async def test_rules_reject_oversized_payloads(stand_in: StandIn) -> None:
    bot = TinyBot()
    async with running(bot):
        channel = bot.get_partial_messageable(CHANNEL_ID)
        with pytest.raises(discord.HTTPException) as caught:
            await channel.send("x" * 2001)
        assert caught.value.code == 50035
        with pytest.raises(discord.HTTPException):
            await channel.send(embed=discord.Embed(title="t" * 257))


def test_command_name_rule() -> None:
    assert rules.is_valid_command_name("résumé")
    assert rules.is_valid_command_name("ne-plus-suivre")
    assert not rules.is_valid_command_name("Résumé")
    assert not rules.is_valid_command_name("deux mots")
    assert not rules.is_valid_command_name("x" * 33)
    assert rules.check_command({"name": "a", "description": ""}) != []
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    assert rules.check_command({"name": "a", "description": "b", "choices": choices}) != []
