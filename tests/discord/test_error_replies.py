"""The central error handler answers privately, even after a public deferral."""

from __future__ import annotations

from bot.discord.app import Services
from tests.discord.conftest import BotFactory
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn


async def test_an_error_after_a_public_deferral_is_shown_only_to_the_user(
    stand_in: StandIn, make_bot: BotFactory
) -> None:
    """/summaries defers publicly; a failure after that (here: no storage) must not replace
    the public "thinking" message with the error for the whole channel to see."""
    bot = make_bot(Services(), cogs=("bot.discord.cogs.search",))
    async with running(bot):
        call = await answered(await slash(stand_in, "summaries", topic="climat"))
    assert call.response is not None and call.response["type"] == 5  # deferred, publicly
    assert call.original_deleted and call.followup_public == [False]
    assert call.public_texts() == ""
    assert call.texts()  # the user did get a (French) explanation
