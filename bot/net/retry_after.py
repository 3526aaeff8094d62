"""``Retry-After`` parsing (reliability F4, F5): delta seconds or an HTTP-date."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER = 24 * 3600.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from ``now``, capped at 24 h.

    ``None`` when the header is missing, garbage, zero, negative or a date in the past:
    the caller then applies its normal interval or backoff.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        seconds: float | None = float(int(text))
    else:
        seconds = _seconds_until_date(text, now)
    if seconds is None or seconds <= 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def _seconds_until_date(text: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return (when - now).total_seconds()
