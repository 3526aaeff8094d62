"""The ``depeche`` command and console mode, end to end: real files, a real SQLite database, a
real feed server on 127.0.0.1 serving the project's ``examples/`` (links rewritten to it)."""

from __future__ import annotations

import io
import ipaddress
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from bot.run import cli, logs
from bot.run.console_mode import run_console
from bot.settings import Settings
from tests.project.conftest import ExampleSite

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE_HOST = "https://exemple.depeche.test"
SEED = ROOT.parent / "shared" / "seeds" / "000_fa728835559cb3b8.txt"
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


pytestmark = pytest.mark.usefixtures("restore_logging")


def _settings(tmp_path: Path, **changes: object) -> Settings:
    base = Settings(
        database_path=tmp_path / "depeche.db",
        allowed_private_networks=LOOPBACK,
        default_feeds=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_summarize_the_seed_gives_title_author_source_and_a_clean_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not SEED.is_file():
        pytest.skip("the shared seed is not beside this checkout")
    assert cli.main(["--env-file", "/nonexistent", "summarize", str(SEED), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (
        result["title"] == "Donald Trump a failli quitter Twitter de lui-même pour rejoindre Parler"
    )
    assert result["authors"] == ["Nicolas Lellouche"]
    assert result["source"] == "Buzzfeed"
    assert result["sentences"]
    for forbidden in (
        "Passer au contenu",
        "Pour ne manquer aucune actualité",
        "Nicolas Lellouche",
        "40% de Parler pour Donald Trump",
    ):
        assert forbidden not in result["summary"]
    # Verbatim up to whitespace: cleaning turns the page's non-breaking spaces into spaces.
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    assert all(" ".join(sentence.split()) in text for sentence in result["sentences"])


def test_summarize_an_example_page_prints_french_details(
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = EXAMPLES / "pages" / "inflation-mars.html"
    assert cli.main(["--env-file", "/nonexistent", "summarize", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("L’inflation ralentit à 1,1 % sur un an en mars, selon l’Insee\n")
    assert "Auteur : " in out and "Date : 1 avril 2025 à 09:15" in out
    assert "Passer au contenu" not in out


def test_summarize_missing_file_is_a_french_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--env-file", "/nonexistent", "summarize", "/nonexistent/page.html"]) == 1
    assert "fichier introuvable" in capsys.readouterr().err


def test_summarize_refuses_a_private_address_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--env-file", "/nonexistent", "summarize", "http://127.0.0.1:9/x"]) == 1
    assert "impossible de récupérer cette page" in capsys.readouterr().err


def test_s24_token_shaped_secrets_are_masked_in_the_log_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """S24: a string shaped like a Discord bot token never reaches the log output."""
    token = "MTE5ODc2NTQzMjEwOTg3NjU0MzIx.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789"
    logs.configure_logging("INFO")
    logging.getLogger("bot.login").error("login refused token=%s", token)
    err = capsys.readouterr().err
    assert "login refused token=[jeton masqué]" in err and token not in err


def test_bad_setting_is_reported_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / ".env"
    env.write_text("POLL_INTERVAL_MINUTES=souvent\n", encoding="utf-8")
    assert cli.main(["--env-file", str(env), "sources"]) == 2
    assert "POLL_INTERVAL_MINUTES" in capsys.readouterr().err


def test_sources_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--env-file", "/nonexistent", "sources"]) == 0
    out = capsys.readouterr().out
    assert "le-monde" in out and "franceinfo" in out and len(out.splitlines()) >= 15


async def test_preview_of_a_served_feed_fetches_pages(site: ExampleSite, tmp_path: Path) -> None:
    from bot.run.oneshot import preview

    items = await preview(_settings(tmp_path), f"{site.base}/feed.xml", limit=2)
    assert [item.article.title for item in items] == [
        "Un satellite conçu à Toulouse va mesurer la fonte des glaciers alpins",
        "Canicule : les écoles de 16 départements autorisées à fermer vendredi après-midi",
    ]
    assert site.hits.get("satellite-toulouse") == 1
    assert all(item.summary.sentences for item in items)


async def test_console_mode_shows_the_newest_then_only_new_articles(
    site: ExampleSite, tmp_path: Path
) -> None:
    """Issue 3: console mode runs the real engine and prints a post for a new article, once."""
    settings = _settings(tmp_path, default_feeds=(f"{site.base}/feed.xml",))
    first = io.StringIO()
    assert await run_console(settings, once=True, stream=first) == 0
    printed = first.getvalue()
    assert printed.count("── Publication") == 2  # the two newest entries, shown once
    assert "Un satellite conçu à Toulouse" in printed

    again = io.StringIO()
    assert await run_console(settings, once=True, stream=again) == 0
    assert "── Publication" not in again.getvalue()

    site.extra_items.append(
        "<item><title>Nouvel article : la Loire à son plus bas niveau depuis 1976</title>"
        f"<link>{site.base}/sciences/loire-etiage</link>"  # 404: feed text is used
        "<guid>nouvel-article-loire</guid>"
        "<description>Le fleuve n'a jamais été aussi bas en septembre. Les hydrologues "
        "s'inquiètent pour la faune. Des restrictions d'eau sont prévues.</description></item>"
    )
    third = io.StringIO()
    later = datetime.now(UTC) + timedelta(hours=7)  # past any adaptive interval (at most 6 h)
    with time_machine.travel(later, tick=True):
        assert await run_console(settings, once=True, stream=third) == 0
    out = third.getvalue()
    assert out.count("── Publication") == 1
    assert "la Loire à son plus bas niveau depuis 1976" in out


async def test_console_mode_skips_an_unknown_default_feed_with_a_french_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import Storage

    settings = _settings(tmp_path, default_feeds=("journal-imaginaire",))
    assert await run_console(settings, once=True, stream=io.StringIO()) == 0
    assert "« journal-imaginaire » n'est ni un nom du catalogue" in capsys.readouterr().err
    storage = await Storage.open(settings.database_path)
    try:
        assert await storage.list_feeds() == []  # nothing stored for a name that is not a feed
    finally:
        await storage.close()
