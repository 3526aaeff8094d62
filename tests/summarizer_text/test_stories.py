"""The story matcher (issue 11): its invariants with Hypothesis, and French cases written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.stories import METHODS, StoryArticle, StoryIndex
from summarizer.story_features import story_features

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
_WORDS_A = [
    "Marseille",
    "tribunal",
    "Maritima",
    "quotidien",
    "reprise",
    "offre",
    "2026",
    "salariés",
]
_WORDS_B = ["Kyoto", "glacier", "fonte", "Himalaya", "chercheurs", "1850", "satellite", "neige"]
TEXTS = st.lists(st.sampled_from([*_WORDS_A, "le", "la", "et", ".", "Il", "a"]), min_size=1).map(
    " ".join
) | st.text(max_size=300)


def _article(key: str, title: str, text: str, when: datetime = T0) -> StoryArticle:
    return StoryArticle(key=key, title=title, text=text, published=when, source="test")


@settings(max_examples=150, deadline=None)
@given(
    title=TEXTS,
    text=TEXTS,
    beyond=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=40)),
    method=st.sampled_from(METHODS),
)
def test_never_matches_outside_the_window(
    title: str, text: str, beyond: timedelta, method: str
) -> None:
    index = StoryIndex(window=timedelta(hours=48), method=method)
    index.place(_article("a", title, text))
    later = index.place(_article("b", title, text, T0 + timedelta(hours=48) + beyond))
    earlier = index.place(_article("c", title, text, T0 - timedelta(hours=48) - beyond))
    assert later.is_new and later.story == "b"
    assert earlier.matched != "b" and earlier.matched != "a"


@settings(max_examples=150, deadline=None)
@given(
    title=TEXTS,
    text=TEXTS,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=48)),
    method=st.sampled_from(METHODS),
)
def test_the_same_article_again_always_matches(
    title: str, text: str, gap: timedelta, method: str
) -> None:
    index = StoryIndex(method=method)
    first = index.place(_article("a", title, text))
    again = index.place(_article("b", title, text, T0 + gap))
    assert first.is_new
    features = story_features(title, text)
    if features.is_empty or not features.names:
        assert again.is_new  # nothing to compare, or no name to anchor it: never a guess
    else:
        assert (again.story, again.matched) == ("a", "a")
        assert again.score == pytest.approx(1.0)


@settings(max_examples=150, deadline=None)
@given(
    a=st.lists(st.sampled_from(_WORDS_A), min_size=1, max_size=20).map(" ".join),
    b=st.lists(st.sampled_from(_WORDS_B), min_size=1, max_size=20).map(" ".join),
    method=st.sampled_from(METHODS),
)
def test_unrelated_articles_do_not_match(a: str, b: str, method: str) -> None:
    index = StoryIndex(method=method)
    index.place(_article("a", a, a))
    decision = index.place(_article("b", b, b, T0 + timedelta(hours=1)))
    assert decision.is_new and decision.score == 0.0


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(TEXTS, min_size=1, max_size=40),
    capacity=st.integers(min_value=1, max_value=10),
)
def test_the_index_stays_within_capacity_and_scores_stay_in_bounds(
    texts: list[str], capacity: int
) -> None:
    index = StoryIndex(capacity=capacity)
    for number, text in enumerate(texts):
        decision = index.place(
            _article(str(number), text[:40], text, T0 + timedelta(minutes=number))
        )
        assert 0.0 <= decision.score <= 1.0
        assert len(index) <= capacity
        assert index.place(_article(str(number), "autre", "autre")) == decision  # idempotent


DISPATCH = (
    "Le tribunal de commerce de Marseille a retenu mardi l'offre de reprise du quotidien "
    "La Marseillaise portée par le groupe Maritima Médias. Les 120 salariés du journal, en "
    "redressement judiciaire depuis juin, conservent leur emploi. Le groupe, détenu par la "
    "mairie de Martigues, s'engage à investir 3 millions d'euros sur trois ans. La direction "
    "promet une nouvelle formule en kiosque dès le printemps."
)
REPUBLISHED = (
    "Contacté par nos soins, le syndicat du livre s'est dit soulagé. Les 120 salariés du "
    "journal, en redressement judiciaire depuis juin, conservent leur emploi. Le tribunal de "
    "commerce de Marseille a retenu mardi l'offre de reprise du quotidien La Marseillaise "
    "portée par le groupe Maritima Médias. Avec AFP."
)
SAME_CITY_OTHER_STORY = (
    "Le tribunal correctionnel de Marseille a condamné mardi deux hommes de 24 ans pour le "
    "vol de 300 vélos en libre-service. La métropole estime le préjudice à 200 000 euros. "
    "Les deux prévenus ont fait appel."
)


def test_a_republished_dispatch_joins_the_story_and_another_story_does_not() -> None:
    index = StoryIndex()
    first = index.place(_article("monde", "La Marseillaise reprise par Maritima Médias", DISPATCH))
    copy = index.place(
        _article(
            "figaro",
            "Marseille : le quotidien La Marseillaise sauvé, ses 120 salariés gardent leur emploi",
            REPUBLISHED,
            T0 + timedelta(hours=3),
        )
    )
    other = index.place(
        _article(
            "franceinfo",
            "Marseille : deux hommes condamnés pour le vol de 300 vélos",
            SAME_CITY_OTHER_STORY,
            T0 + timedelta(hours=4),
        )
    )
    assert first.is_new
    assert (copy.story, copy.matched) == ("monde", "monde")
    assert {"marseillaise", "maritima", "120"} <= set(copy.shared)
    assert other.is_new and other.story == "franceinfo"
    assert index.story_of("figaro") == "monde"


def test_an_article_restored_from_storage_is_matched_as_one_placed_here() -> None:
    index = StoryIndex()
    index.add(_article("monde", "La Marseillaise reprise par Maritima Médias", DISPATCH), "s1")
    copy = index.place(
        _article("figaro", "La Marseillaise reprise", REPUBLISHED, T0 + timedelta(hours=1))
    )
    assert copy.story == "s1" and copy.matched == "monde"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        StoryIndex(capacity=0)
    with pytest.raises(ValueError):
        StoryIndex(method="simhash")
