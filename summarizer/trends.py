"""What is rising in a server's feeds (issue 11, ``/trends``), pure: the topics and people of the
last period compared with the week before it.

A term's rise is its count in the period against what the previous week's rate predicts for a
period that long, smoothed by one (``(count + 1) / (expected + 1)``), so that a term never seen
before needs a few articles to rise and a daily topic does not. Terms are compared in their
folded form (accents and case aside) and shown as first written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from summarizer.topics import normalize_term

MIN_COUNT = 2  # a term seen once in the period is not a trend
MIN_RISE = 1.5
BASELINE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Trend:
    term: str
    count: int  # articles of the period with the term
    expected: float  # what the previous week's rate predicts for the period
    rise: float


def count_terms(articles_terms: Iterable[Sequence[str]]) -> tuple[Counter[str], dict[str, str]]:
    """How many articles carry each folded term, and the first spelling of each."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for terms in articles_terms:
        folded = {normalize_term(term): term for term in terms if normalize_term(term)}
        counts.update(folded.keys())
        for key, term in folded.items():
            spelling.setdefault(key, term)
    return counts, spelling


def rising(
    recent: Iterable[Sequence[str]],
    previous: Iterable[Sequence[str]],
    *,
    period: timedelta,
    limit: int = 10,
) -> list[Trend]:
    """The terms of ``recent`` (one sequence of terms per article of the period) that rise most
    against ``previous`` (the articles of the ``BASELINE`` before it), biggest rise first."""
    now_counts, spelling = count_terms(recent)
    before, _ = count_terms(previous)
    scale = period / BASELINE
    found = []
    for key, count in now_counts.items():
        expected = before.get(key, 0) * scale
        rise = (count + 1) / (expected + 1)
        if count >= MIN_COUNT and rise >= MIN_RISE:
            found.append(Trend(spelling[key], count, round(expected, 2), round(rise, 2)))
    found.sort(key=lambda t: (-t.rise, -t.count, normalize_term(t.term)))
    return found[:limit]
