"""F5: the Retry-After table (modelled on reader's UPDATE_AFTER_HTTP_DATA), frozen ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.net.client import parse_retry_after

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7200", 7200.0),  # F5: seconds
        (" 120 ", 120.0),
        ("Tue, 24 Nov 2026 12:30:00 GMT", 7200.0),  # F5: an HTTP-date
        ("Tue, 24 Nov 2026 10:29:00 GMT", None),  # F5: a date in the past -> normal interval
        ("99999999", 86400.0),  # F5: capped at 24 h
        ("Fri, 24 Nov 2028 10:30:00 GMT", 86400.0),  # far future date, capped too
        ("-5", None),  # negative
        ("0", None),
        ("soon", None),  # F5: garbage -> normal backoff
        ("1.5", None),
        ("", None),
        (None, None),
        ("\u0663", None),  # a non-ASCII digit is garbage too
    ],
)
def test_f5_retry_after_table(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_f5_retry_after_date_with_aware_non_utc_now() -> None:
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert parse_retry_after("Tue, 24 Nov 2026 11:30:00 GMT", paris) == 3600.0
