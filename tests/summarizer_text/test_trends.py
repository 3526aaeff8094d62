"""/trends' pure core (issue 11): terms rising over the period against the previous week."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.trends import MIN_COUNT, rising

DAY = timedelta(hours=24)


def test_a_new_topic_rises_and_a_daily_one_does_not() -> None:
    recent = [["Retraites", "Assemblée"]] * 6 + [["Météo"]] * 3 + [["Élysée"]]
    previous = [["météo"]] * 21 + [["assemblee"]] * 7  # 3 a day, 1 a day
    trends = rising(recent, previous, period=DAY)
    assert [(t.term, t.count) for t in trends] == [("Retraites", 6), ("Assemblée", 6)]
    assert trends[0].expected == 0 and trends[0].rise == 7.0
    assert trends[1].expected == 1.0 and trends[1].rise == 3.5


@settings(max_examples=100, deadline=None)
@given(
    recent=st.lists(st.lists(st.sampled_from(["a", "B", "é", "E", "x"]), max_size=3), max_size=30),
    previous=st.lists(st.lists(st.sampled_from(["a", "b", "e"]), max_size=3), max_size=60),
)
def test_every_trend_is_seen_enough_and_rises(
    recent: list[list[str]], previous: list[list[str]]
) -> None:
    trends = rising(recent, previous, period=DAY)
    for trend in trends:
        assert trend.count >= MIN_COUNT and trend.rise >= 1.5
    assert [t.rise for t in trends] == sorted((t.rise for t in trends), reverse=True)
    assert len({t.term.casefold() for t in trends}) == len(trends)
