"""Tolerant date parsing for feeds and pages: RFC 822, ISO 8601 and the usual French spellings.

``parse_date`` never raises: it returns an aware UTC datetime, or None when the value is not a
date it can read. Times without an offset are taken as Europe/Paris wall-clock time (French
sources write local time); a date without a time means midnight in Paris.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from feedparser.datetimes import _parse_date as feedparser_parse_date

from summarizer.urls import fold_accents

PARIS = ZoneInfo("Europe/Paris")
MAX_INPUT = 200
MIN_YEAR, MAX_YEAR = 1900, 2200

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2,
    "mars": 3, "mar": 3, "avril": 4, "avr": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "jun": 6,
    "juillet": 7, "juil": 7, "jul": 7, "aout": 8, "aou": 8, "aug": 8, "septembre": 9,
    "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12, "january": 1, "february": 2, "march": 3, "april": 4,
    "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12,
}  # fmt: skip
NAMED_OFFSETS = {"z": 0, "ut": 0, "utc": 0, "gmt": 0, "cet": 60, "cest": 120, "met": 60,
                 "mest": 120, "bst": 60, "wet": 0, "west": 60}  # fmt: skip

_DAY_NAMES = (
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mar|mer|jeu|ven|sam|dim"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
)
_TZ = r"(?P<tz>[+-]\d{2}:?\d{2}|[+-]\d{2}\b|z|utc|gmt|ut|cest|cet|mest|met|bst|west|wet)?"
_TIME = (
    r"(?:\s*(?:a|,|-|t|@)?\s*(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?"
    r"(?:\s*(?::|min)\s*(?P<second>\d{2}))?(?:[.,]\d+)?\s*(?:s\b)?)?"
)
_WORDY_RE = re.compile(
    rf"^(?:{_DAY_NAMES}\.?,?\s+)?(?:le\s+)?(?P<day>\d{{1,2}})(?:er)?\s+"
    rf"(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{{4}}){_TIME}\s*{_TZ}$"
)
_NUMERIC_RE = re.compile(
    rf"^(?:{_DAY_NAMES}\.?,?\s+)?(?:le\s+)?(?P<day>\d{{1,2}})[/.-](?P<month>\d{{1,2}})[/.-]"
    rf"(?P<year>\d{{4}}){_TIME}\s*{_TZ}$"
)
_PAREN_RE = re.compile(r"\s*\((?:heure de paris|[a-z ]+)\)\s*$")


def _offset(tz: str | None) -> timezone | ZoneInfo:
    if not tz:
        return PARIS
    if tz in NAMED_OFFSETS:
        return timezone(timedelta(minutes=NAMED_OFFSETS[tz]))
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _to_utc(value: datetime) -> datetime | None:
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    return value.astimezone(UTC)


def _from_match(match: re.Match[str], month: int) -> datetime | None:
    groups = match.groupdict()
    try:
        naive = datetime(
            int(groups["year"]),
            month,
            int(groups["day"]),
            int(groups["hour"] or 0),
            int(groups["minute"] or 0),
            int(groups["second"] or 0),
        )
        return _to_utc(naive.replace(tzinfo=_offset(groups["tz"])))
    except (ValueError, OverflowError):
        return None


def _parse_french(text: str) -> datetime | None:
    folded = _PAREN_RE.sub("", fold_accents(text)).strip()
    folded = re.sub(r"\s+", " ", folded)
    if match := _WORDY_RE.match(folded):
        month = MONTHS.get(match.group("month"))
        return _from_match(match, month) if month else None
    if match := _NUMERIC_RE.match(folded):
        return _from_match(match, int(match.group("month")))
    return None


def _parse_rfc822(text: str) -> datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value.tzinfo is None:
        zone = text.rsplit(None, 1)[-1].lower()
        if zone == "-0000":
            value = value.replace(tzinfo=UTC)  # RFC 5322: UTC, local zone unknown
        elif zone in NAMED_OFFSETS:
            value = value.replace(tzinfo=_offset(zone))
    return _to_utc(value)


def _parse_iso(text: str) -> datetime | None:
    candidate = text.strip()
    if not re.match(r"^\d{4}-?\d{2}-?\d{2}(?:$|[T ])", candidate):
        return None
    try:
        return _to_utc(datetime.fromisoformat(candidate.replace(" ", "T", 1)))
    except (ValueError, OverflowError):
        return None


def _parse_with_feedparser(text: str) -> datetime | None:
    try:
        parsed = feedparser_parse_date(text)
        if parsed is None:
            return None
        year, month, day, hour, minute, second = parsed[:6]
        return _to_utc(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def parse_date(value: str) -> datetime | None:
    """Parse ``value`` into an aware UTC datetime; None when it is not a readable date.

    Accepts RFC 822 ("Tue, 24 Nov 2026 10:30:00 +0100", also with French day and month names),
    ISO 8601, "24 novembre 2026 à 10h30", "24/11/2026 10:30", "mar. 24 nov. 2026". Naive times
    are Europe/Paris. Never raises.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_INPUT or (text.isdigit() and len(text) != 8):
        return None
    for parser in (_parse_iso, _parse_rfc822, _parse_french, _parse_with_feedparser):
        try:
            result = parser(text)
        except Exception:  # a third-party parser choking on odd input is "no date"
            result = None
        if result is not None:
            return result
    return None
