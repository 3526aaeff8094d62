"""Normalisation of search and follow terms, and timestamp encoding for the database.

``fold_term`` is the core's ``summarizer.topics.normalize_term``: casefold, accents folded,
words only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from summarizer.topics import article_terms, normalize_term

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def fold_term(term: str) -> str:
    """Casefold, fold accents, keep words only: ``" L'Élysée-Palais "`` -> ``"l elysee palais"``.

    The one normalisation of the project (``summarizer.topics.normalize_term``), so that follows,
    autocomplete and title terms agree with the core."""
    return normalize_term(term)


def title_terms(title: str) -> set[str]:
    """Every run of 1 to 3 consecutive folded words of ``title``: the title part of the core's
    ``article_terms`` (the one matching rule of follows)."""
    return set(article_terms(title, (), ())[0])


@lru_cache(maxsize=8192)  # a poll writes its ``now`` in every row: strftime once (issue 14)
def to_db(moment: datetime) -> str:
    """Encode an aware datetime as fixed-width UTC text (sorts lexically = chronologically)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime(_TS_FORMAT)


def to_db_opt(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment)


@lru_cache(maxsize=8192)  # strptime costs more than the query's row: read each value once
def from_db(text: str) -> datetime:
    return datetime.strptime(text, _TS_FORMAT).replace(tzinfo=UTC)


def from_db_opt(text: object) -> datetime | None:
    return None if text is None else from_db(str(text))
