"""Issue 15: htmldate's extensive date search (free text through dateparser, whose locales take
seconds on first use in a process) runs only when the date is unknown. A date in the page's
metadata, or one the caller already has from the feed (``date_known``), skips it. Timings are
in ``benchmarks/page_dates.py``; here the search is counted, not timed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import htmldate.core
import pytest

from summarizer.article import extract_article

BODY = "".join(
    "<p>Le chœur chante le dimanche à la cathédrale, puis chaque mardi et chaque jeudi dans "
    f"l'ancienne salle paroissiale de la ville haute, pour la {rank} fois cette saison.</p>"
    for rank in ("première", "deuxième", "troisième", "quatrième", "cinquième", "sixième")
)
UNDATED = (
    "<html><head><title>Histoire du chœur</title></head><body><article>"
    f"{BODY}<div>Répétition générale le mardi douze, salle Rameau.</div></article></body></html>"
)
DATED = UNDATED.replace(
    "</title>",
    '</title><meta property="article:published_time" content="2026-11-02T08:00:00+01:00">',
)


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each free-text segment htmldate's extensive search examines (the real step still runs)."""
    segments: list[str] = []
    real = htmldate.core.compare_reference

    def counted(reference: Any, expression: str, options: Any) -> Any:
        segments.append(expression)
        return real(reference, expression, options)

    monkeypatch.setattr(htmldate.core, "compare_reference", counted)
    return segments


def test_a_page_without_a_known_date_is_searched(searched: list[str]) -> None:
    assert extract_article(UNDATED).text
    assert searched  # the control: this page does reach the extensive search


def test_a_date_in_the_metadata_skips_the_search(searched: list[str]) -> None:
    article = extract_article(DATED)
    assert article.published == datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    assert searched == []


def test_a_date_known_from_the_feed_skips_the_search(searched: list[str]) -> None:
    article = extract_article(UNDATED, date_known=True)
    assert article.text and article.published is None  # the caller keeps the feed's date
    assert searched == []
