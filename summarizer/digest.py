"""The daily press review (issue 11, ``/digest``), pure: which stories, in which order, under
which title, and when the next one is due.

- ``rank_stories``: the day's articles grouped by story (``summarizer.stories``' decision), each
  story ranked by how many outlets told it, then by how recent its latest article is; each keeps
  one summary sentence (its first article's) and every outlet's link, one per outlet.
- ``on_topics``: a scheduled digest's topics keep the stories one of whose articles carries one.
- ``digest_title``: "La revue de presse du mardi 3 décembre" (French names, no locale needed).
- ``next_digest_at``: the next UTC instant at which the local time in ``tz`` is ``hh:mm`` and
  the digest of that local day is not yet done, across daylight-saving changes: a time that does
  not exist that day (02:30 on the last Sunday of March in Paris) is taken one hour later, and a
  time that happens twice (02:30 on the last Sunday of October) is taken the first time only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from summarizer.topics import normalize_term

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
MAX_STORIES = 10


@dataclass(frozen=True, slots=True)
class DigestArticle:
    story: str  # the story key the matcher gave the article
    title: str
    sentence: str  # one summary sentence
    source: str
    url: str | None
    published: datetime  # aware
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DigestStory:
    title: str
    sentence: str
    links: tuple[tuple[str, str | None], ...]  # (outlet, url), first teller first
    outlets: int
    latest: datetime


def rank_stories(
    articles: Sequence[DigestArticle], *, limit: int = MAX_STORIES
) -> tuple[DigestStory, ...]:
    """The day's main stories, most told first, then most recent (see the module docstring)."""
    stories: dict[str, list[DigestArticle]] = {}
    for article in sorted(articles, key=lambda a: (a.published, a.title)):
        stories.setdefault(article.story, []).append(article)
    ranked: list[DigestStory] = []
    for told in stories.values():
        first = told[0]
        links: dict[str, str | None] = {}
        for article in told:
            links.setdefault(article.source or article.title, article.url)
        ranked.append(
            DigestStory(
                title=first.title,
                sentence=first.sentence,
                links=tuple(links.items()),
                outlets=len(links),
                latest=told[-1].published,
            )
        )
    ranked.sort(key=lambda s: (-s.outlets, -s.latest.timestamp(), s.title))
    return tuple(ranked[:limit])


def on_topics(articles: Sequence[DigestArticle], topics: Sequence[str]) -> list[DigestArticle]:
    """The articles of the stories one of whose articles carries one of ``topics`` (accents
    and case folded); every article when ``topics`` is empty."""
    wanted = {normalize_term(t) for t in topics} - {""}
    if not wanted:
        return list(articles)
    kept = {a.story for a in articles if wanted & {normalize_term(t) for t in a.topics}}
    return [a for a in articles if a.story in kept]


def digest_title(day: date) -> str:
    """ "La revue de presse du mardi 3 décembre" ("1er" for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"La revue de presse du {DAYS[day.weekday()]} {number} {MONTHS[day.month - 1]}"


def local_instant(day: date, at: time, tz: str) -> datetime:
    """``day`` at ``at`` in ``tz`` as an aware UTC datetime: a wall time skipped by the clock
    change is moved forward by the gap (zoneinfo reads it with the offset before the change); a
    repeated one is its first occurrence (``fold=0``)."""
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def digest_day(moment: datetime, tz: str) -> date:
    """The local day of ``moment`` in ``tz``."""
    return moment.astimezone(ZoneInfo(tz)).date()


def next_digest_at(
    now: datetime, at: time, tz: str, *, done_for: date | None, since: datetime | None = None
) -> datetime:
    """When the next digest is due: today's at ``at`` if it is not done yet (even if that time
    has passed: a bot that was down posts it on return, the same day), else tomorrow's; never
    an instant before ``since`` (when the schedule was set: one set at 21:00 for 08:00 starts
    the next day)."""
    today = digest_day(now, tz)
    day = today if done_for is None or done_for < today else done_for + timedelta(days=1)
    instant = local_instant(day, at, tz)
    if since is not None and instant < since:
        instant = local_instant(day + timedelta(days=1), at, tz)
    return instant


_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")


def parse_time_of_day(text: str) -> time | None:
    """A time of day as people write it: ``08:00``, ``8:30``, ``8h30``, ``18h``; None when it is
    not one (``25:00``, ``8:75``, ``midi``)."""
    match = _TIME.match(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)
