"""Article dates as members read them: « 4 mai 2015 à 10:30 », or « 4 mai 2015 » when the source
gave no time of day.

A date without a time ("2015-05-04" in a feed or a page) is read as midnight in Paris
(``summarizer.dates``); feedparser's fallback and many feeds write it as midnight UTC. Shown in the
reader's zone it would become a made-up time ("à 00:00", "à 02:00") or even the day before, so a
moment that falls exactly on midnight, to the second, in Paris or in UTC is shown as that day
alone. A real publication at 00:00:00 sharp loses nothing by it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

__all__ = ["article_date"]

_PARIS = ZoneInfo("Europe/Paris")


def article_date(moment: datetime, tz: str) -> str:
    """``moment`` (aware) in the zone ``tz``, in French; the day alone when it carries no time."""
    for zone in (_PARIS, UTC):
        at_zone = moment.astimezone(zone)
        if at_zone.time() == time(0):
            return str(format_date(at_zone.date(), "d MMMM y", locale="fr_FR"))
    local = moment.astimezone(ZoneInfo(tz))
    return str(format_datetime(local, "d MMMM y 'à' HH:mm", locale="fr_FR"))
