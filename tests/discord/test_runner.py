"""``depeche run`` in Discord mode, through the real runner against the stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.run.discord_mode import INVALID_TOKEN, run_discord
from bot.settings import Settings
from tests.discord_stand_in.server import StandIn


async def test_an_invalid_token_gives_a_french_message_and_no_traceback(
    stand_in: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stand_in.fail("unauthorized", method="GET", path=r"/users/@me")
    settings = Settings(
        discord_token="jeton.qui.ne.marche.pas",
        database_path=tmp_path / "depeche.db",
        discord_api_base=stand_in.api_base,
        discord_gateway_url=str(stand_in.gateway.url),
    )
    assert await run_discord(settings) == 1
    err = capsys.readouterr().err
    assert INVALID_TOKEN in err and "Traceback" not in err
    assert not (tmp_path / "depeche.db").exists()  # nothing opened before the login
