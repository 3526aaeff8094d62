"""The daily press review's pure core (issue 11): ranking, the French title, and when the next
digest is due across the daylight-saving changes of March and October (Europe/Paris)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.digest import (
    DigestArticle,
    digest_day,
    digest_title,
    local_instant,
    next_digest_at,
    on_topics,
    parse_time_of_day,
    rank_stories,
)

PARIS = "Europe/Paris"
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _article(story: str, source: str, hours: float) -> DigestArticle:
    url = f"https://www.exemple.fr/{story}/{source}"
    return DigestArticle(
        story, f"Titre {story}", f"Phrase {story}.", source, url, T0 + timedelta(hours=hours)
    )


def test_stories_told_by_more_outlets_come_first_then_the_most_recent() -> None:
    ranked = rank_stories(
        [_article("a", "Le Monde", 1), _article("b", "Le Monde", 2), _article("a", "Le Figaro", 3),
         _article("c", "Franceinfo", 5), _article("a", "Le Figaro", 4)]
    )  # fmt: skip
    assert [s.title for s in ranked] == ["Titre a", "Titre c", "Titre b"]
    assert ranked[0].outlets == 2 and [name for name, _ in ranked[0].links] == [
        "Le Monde", "Le Figaro"
    ]  # fmt: skip
    assert rank_stories([], limit=3) == ()


def test_the_french_title() -> None:
    assert digest_title(date(2026, 12, 1)) == "La revue de presse du mardi 1er décembre"
    assert digest_title(date(2026, 8, 15)) == "La revue de presse du samedi 15 août"


def test_daylight_saving_days_in_paris() -> None:
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    assert local_instant(spring, time(2, 30), PARIS) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert local_instant(spring, time(8, 0), PARIS) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert local_instant(autumn, time(2, 30), PARIS) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_instant(autumn, time(8, 0), PARIS) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    at=st.times(),
    done=st.sampled_from([None, -1, 0]),
)
def test_one_digest_per_local_day_never_two(now: datetime, at: time, done: int | None) -> None:
    today = digest_day(now, PARIS)
    done_for = None if done is None else today + timedelta(days=done)
    due = next_digest_at(now, at, PARIS, done_for=done_for)
    local = due.astimezone(ZoneInfo(PARIS))
    expected_day = today + timedelta(days=1) if done == 0 else today
    assert local.date() == expected_day  # today's if not done yet, else tomorrow's, never twice
    wall = local.time().replace(tzinfo=None)
    shifted = (datetime.combine(local.date(), at) + timedelta(hours=1)).time()
    assert wall.replace(microsecond=0, second=0) in {  # the time, or after a spring gap
        at.replace(microsecond=0, second=0),
        shifted.replace(microsecond=0, second=0),
    }
    then = next_digest_at(due, at, PARIS, done_for=local.date())
    assert then > due and digest_day(then, PARIS) == local.date() + timedelta(days=1)


def test_a_time_of_day_as_people_write_it() -> None:
    written = {"08:00": time(8), "8h30": time(8, 30), "18h": time(18), " 7:05 ": time(7, 5),
               "0:00": time(0), "23.59": time(23, 59)}  # fmt: skip
    for text, wanted in written.items():
        assert parse_time_of_day(text) == wanted, text
    for text in ("25:00", "24:00", "8:75", "midi", "", "8:5", "-1:00", "08:00:00"):
        assert parse_time_of_day(text) is None, text


def test_a_schedule_set_after_its_hour_starts_the_next_day() -> None:
    at, set_at = time(8), datetime(2026, 12, 1, 20, tzinfo=UTC)  # 21:00 in Paris
    assert next_digest_at(set_at, at, PARIS, done_for=None, since=set_at) == datetime(
        2026, 12, 2, 7, tzinfo=UTC
    )
    morning = datetime(2026, 12, 1, 6, tzinfo=UTC)  # set at 07:00: today's 08:00 still counts
    assert next_digest_at(morning, at, PARIS, done_for=None, since=morning) == datetime(
        2026, 12, 1, 7, tzinfo=UTC
    )


def test_topics_keep_the_stories_one_of_whose_articles_carries_one() -> None:
    plain = _article("a", "Le Monde", 1)
    tagged = replace(_article("a", "Le Figaro", 2), topics=("Économie mondiale", "Climat"))
    other = replace(_article("b", "Franceinfo", 3), topics=("Sport",))
    articles = [plain, tagged, other]
    assert on_topics(articles, ["climat"]) == [plain, tagged]  # the whole story, both outlets
    assert on_topics(articles, ["ÉCONOMIE MONDIALE", "sport"]) == articles
    assert on_topics(articles, []) == articles
    assert on_topics(articles, ["politique"]) == []
