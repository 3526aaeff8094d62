"""Issue 15: htmldate's extensive date search (free text through dateparser, whose locales take
seconds on first use in a process) runs only when the date is unknown, and then in French and
English only. A date in the page's
metadata, or one the caller already has from the feed (``date_known``), skips it. Timings are
in ``benchmarks/page_dates.py``; here the search is counted, not timed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import htmldate
import htmldate.core
import htmldate.extractors
import pytest

from summarizer.article import extract_article
from summarizer.page_dates import LANGUAGES, french_date_parser

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


def test_the_free_text_search_reads_french_and_english_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """dateparser in every language loads all its locales on the first string it cannot read
    (1.5 to 5 s per process); the search asks a parser limited to French and English, which
    still reads a French date htmldate's own patterns leave to it."""
    parser = french_date_parser()
    asked: list[str] = []
    real = parser.get_date_data

    def counted(text: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(parser, "get_date_data", counted)
    page = UNDATED.replace("<article>", "<article><div class='date'>jeudi 03 déc. 2026</div>")
    article = extract_article(page)
    assert article.published == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # Paris midnight
    assert asked == ["jeudi 03 déc. 2026"]  # the free text went to our parser
    assert htmldate.extractors.get_external_parser() is parser
    assert parser.languages == list(LANGUAGES) == ["fr", "en"]


@pytest.fixture
def date_searches(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each htmldate search of the page, extensive or not (issue 14: none when the date is
    known, not even the quick one whose result the article would not use)."""
    calls: list[bool] = []
    real = htmldate.find_date

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("extensive_search")))
        return real(*args, **kwargs)

    monkeypatch.setattr(htmldate, "find_date", counted)
    return calls


def test_a_known_date_runs_no_date_search_at_all(date_searches: list[bool]) -> None:
    assert extract_article(UNDATED, date_known=True).published is None
    assert extract_article(DATED).published == datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    assert date_searches == []
    assert extract_article(UNDATED).text
    assert date_searches == [True]  # the control: an unknown date is searched, extensively
