"""Timestamps as the database stores them: fixed-width UTC text that sorts as time does, read
back to the same instant; both conversions are cached (issue 14), never at the cost of a
different answer."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.terms import from_db, to_db


def _instants(count: int) -> list[datetime]:
    rng = random.Random(14)
    start = datetime(1990, 1, 1, tzinfo=UTC)
    zones = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-9, minutes=-30))]
    return [
        (start + timedelta(seconds=rng.uniform(0, 2e9))).astimezone(rng.choice(zones))
        for _ in range(count)
    ]


def test_text_reads_back_as_the_same_instant_and_sorts_as_time() -> None:
    instants = _instants(3000)
    texts = [to_db(moment) for moment in instants]
    assert all(len(text) == len("2026-12-04T09:30:15.123456Z") for text in texts)
    assert [from_db(text) for text in texts] == instants
    assert sorted(texts) == [to_db(moment) for moment in sorted(instants)]


def test_the_cached_answers_are_the_uncached_ones() -> None:
    for moment in _instants(500) * 2:  # the second pass is answered from the caches
        text = to_db(moment)
        assert (
            text
            == to_db.__wrapped__(moment)
            == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        )
        assert from_db(text) == from_db.__wrapped__(text) == moment
    paris = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    assert to_db(paris) == to_db(paris.astimezone(UTC)) == "2026-03-29T01:30:00.000000Z"


def test_a_naive_datetime_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="naive"):
            to_db(datetime(2026, 12, 4, 8, 0))
