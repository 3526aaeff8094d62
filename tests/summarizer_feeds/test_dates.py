"""parse_date: RFC 822, ISO 8601, French spellings; naive = Europe/Paris; aware UTC or None."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.dates import parse_date


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 24 Nov 2026 10:30:00 +0100", utc(2026, 11, 24, 9, 30)),
        ("Tue, 24 Nov 2026 10:30:00 GMT", utc(2026, 11, 24, 10, 30)),
        ("Tue, 24 Nov 2026 10:30:00 -0000", utc(2026, 11, 24, 10, 30)),
        ("Tue, 24 Nov 2026 10:30:00", utc(2026, 11, 24, 9, 30)),  # naive: Paris (winter)
        ("Tue, 14 Jul 2026 10:30:00", utc(2026, 7, 14, 8, 30)),  # naive: Paris (summer)
        ("24 Nov 2026 10:30 CEST", utc(2026, 11, 24, 8, 30)),
        ("mar., 24 nov. 2026 10:30:00 +0100", utc(2026, 11, 24, 9, 30)),
        ("Mardi 24 novembre 2026 à 10h30", utc(2026, 11, 24, 9, 30)),
        ("24 novembre 2026 à 10h30", utc(2026, 11, 24, 9, 30)),
        ("24 juillet 2026 à 10 h 30 (heure de Paris)", utc(2026, 7, 24, 8, 30)),
        ("le 1er décembre 2026", utc(2026, 11, 30, 23, 0)),
        ("3 févr. 2026 08:15", utc(2026, 2, 3, 7, 15)),
        ("15 août 2026", utc(2026, 8, 14, 22, 0)),
        ("24/11/2026 10:30", utc(2026, 11, 24, 9, 30)),
        ("24/11/2026", utc(2026, 11, 23, 23, 0)),
        ("24.11.2026 - 10:30", utc(2026, 11, 24, 9, 30)),
        ("mar. 24 nov. 2026", utc(2026, 11, 23, 23, 0)),
        ("2026-11-24T10:30:00Z", utc(2026, 11, 24, 10, 30)),
        ("2026-11-24T10:30:00+01:00", utc(2026, 11, 24, 9, 30)),
        ("2026-11-24T10:30:00", utc(2026, 11, 24, 9, 30)),
        ("2026-11-24 10:30", utc(2026, 11, 24, 9, 30)),
        ("2026-11-24", utc(2026, 11, 23, 23, 0)),
        ("20261124T103000Z", utc(2026, 11, 24, 10, 30)),
    ],
)
def test_dates(value: str, expected: datetime) -> None:
    result = parse_date(value)
    assert result == expected
    assert result is not None and result.utcoffset() is not None
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "Bientôt",
        "hier",
        "31/02/2026",
        "32 novembre 2026",
        "0000-00-00",
        "24 brumaire 2026",
        "1234567890123",
        "x" * 500,
        "24/11/26 99:99",
    ],
)
def test_not_dates(value: str) -> None:
    assert parse_date(value) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parse_date_never_raises_and_is_aware_utc(value: str) -> None:
    result = parse_date(value)
    assert result is None or result.tzinfo is UTC


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_iso_round_trip(moment: datetime) -> None:
    assert parse_date(moment.isoformat()) == moment
