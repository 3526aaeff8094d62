"""What a person at the terminal reads: console mode and the one-shot commands, run as the real
``python -m bot`` in a subprocess (the real logging set-up, stdout and stderr as a user gets
them), against the examples served on loopback and a feed that fails.

Console mode prints French lines for what matters (a feed's first pass, new articles, a failure
with its reason in words and the next attempt), the posts it would publish, and nothing of the
technical log below WARNING, unless ``LOG_LEVEL=DEBUG``; ``LOG_FILE`` keeps the whole log.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.news.engine import PollReport
from bot.run.console_events import OFFLINE_HINT, describe, describe_cycle, when
from tests.project.conftest import EXAMPLES, ROOT, ExampleSite

TECHNICAL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO) ", re.MULTILINE)


@dataclass
class Run:
    code: int
    out: str
    err: str


async def depeche(tmp_path: Path, *args: str, **env: str) -> Run:
    settings = {
        "DATABASE_PATH": str(tmp_path / "depeche.db"),
        "ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32",
        "DISCORD_TOKEN": "",
        "DEFAULT_FEEDS": "",
        **env,
    }
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LOG_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", os.devnull, *args,
        cwd=ROOT, env={**environ, **settings},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 300)
    return Run(process.returncode or 0, out.decode(), err.decode())


async def test_console_mode_speaks_french_and_keeps_the_technical_log_off_the_terminal(
    site: ExampleSite, tmp_path: Path
) -> None:
    feeds = f"{site.base}/feed.xml,{site.base}/missing/feed.xml"
    run = await depeche(tmp_path, "run", "--once", DEFAULT_FEEDS=feeds)
    assert run.code == 0, run.err
    assert "mode console" in run.err  # the banner
    assert run.out.count("── Publication") == 2  # the two newest entries of the good feed
    assert re.search(r"« .+ » : premier passage, \d+ articles déjà parus sont mis de côté", run.out)
    missing = re.search(r"« .+/missing/feed\.xml » : relève impossible \((.+)\) ; (.+)\.", run.out)
    assert missing is not None, run.out
    assert missing.group(1) == "adresse introuvable sur le site (404)"
    assert re.fullmatch(r"nouvel essai (demain )?vers \d\d:\d\d", missing.group(2))
    assert re.search(r"^\d\d:\d\d — relève de 2 flux : rien de nouveau, 1 flux en échec\.$",
                     run.out, re.MULTILINE)  # fmt: skip
    assert TECHNICAL.search(run.err) is None, run.err
    assert "Traceback" not in run.err and "reason=" not in run.out + run.err


async def test_debug_shows_the_technical_log_and_log_file_keeps_it(
    site: ExampleSite, tmp_path: Path
) -> None:
    feeds = f"{site.base}/missing/feed.xml"
    debug = await depeche(tmp_path / "a", "run", "--once", DEFAULT_FEEDS=feeds, LOG_LEVEL="DEBUG")
    assert debug.code == 0 and TECHNICAL.search(debug.err) is not None
    assert "poll failed feed_id=1 failures=1 reason=not_found" in debug.err
    log_file = tmp_path / "journal" / "depeche.log"
    quiet = await depeche(tmp_path / "b", "run", "--once", DEFAULT_FEEDS=feeds,
                          LOG_FILE=str(log_file))  # fmt: skip
    assert quiet.code == 0 and TECHNICAL.search(quiet.err) is None
    kept = log_file.read_text(encoding="utf-8")
    assert "INFO bot.news.engine: poll failed feed_id=1 failures=1 reason=not_found" in kept


async def test_summarize_and_preview_print_the_result_without_log_lines(
    site: ExampleSite, tmp_path: Path
) -> None:
    page = await depeche(tmp_path, "summarize", str(EXAMPLES / "pages" / "inflation-mars.html"))
    assert page.code == 0 and page.out.startswith("L’inflation ralentit")
    assert TECHNICAL.search(page.err) is None and "WARNING" not in page.err
    preview = await depeche(tmp_path, "preview", f"{site.base}/feed.xml", "--limit", "2")
    assert preview.code == 0, preview.err
    assert "Un satellite conçu à Toulouse" in preview.out
    assert TECHNICAL.search(preview.err) is None, preview.err


NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 14:00 in Paris


def test_a_failure_line_says_why_and_when_in_french() -> None:
    report = PollReport(3, "failed", reason="timeout", title="La Gazette", failures=3,
                        next_poll_at=NOW + timedelta(minutes=40))  # fmt: skip
    assert describe(report, now=NOW, timezone="Europe/Paris") == (
        "« La Gazette » : relève impossible (le site n'a pas répondu à temps) ; "
        "nouvel essai vers 14:40 (3e échec de suite)."
    )
    first = PollReport(3, "failed", reason="whatever", title="", failures=1)
    assert describe(first, now=NOW, timezone="Europe/Paris") == (
        "« flux n° 3 » : relève impossible (erreur inattendue)."
    )


def test_when_names_tomorrow_and_later_days() -> None:
    tz = "Europe/Paris"
    assert when(NOW + timedelta(hours=12), now=NOW, timezone=tz) == "demain vers 02:00"
    assert when(NOW + timedelta(days=2), now=NOW, timezone=tz) == "le 4 décembre vers 14:00"


def test_quiet_feeds_only_count_in_the_cycle_line() -> None:
    reports = [
        PollReport(1, "not_modified", title="A"),
        PollReport(2, "processed", articles=1, posts=1, title="B"),
        PollReport(3, "baseline", skipped=1, title="C"),
        PollReport(4, "processed", title="D"),
    ]
    assert describe_cycle(reports, now=NOW, timezone="Europe/Paris") == [
        "« B » : 1 nouvel article.",
        "« C » : premier passage, 1 article déjà paru est mis de côté ; "
        "seuls les suivants seront publiés.",
        "14:00 — relève de 4 flux : 1 nouvel article.",
    ]
    offline = [PollReport(n, "failed", reason="dns_error", title="X") for n in (1, 2)]
    assert describe_cycle(offline, now=NOW, timezone="Europe/Paris")[-1] == OFFLINE_HINT
    assert OFFLINE_HINT not in describe_cycle(offline[:1], now=NOW, timezone="Europe/Paris")
    assert describe_cycle([], now=NOW, timezone="Europe/Paris") == [
        "14:00 — aucun flux n'était à relever."
    ]
