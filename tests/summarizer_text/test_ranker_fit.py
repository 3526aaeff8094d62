"""The trainer's two objectives for the sentence trees (``benchmarks.ranker_fit``): both learn,
from sentences of many articles, to put an article's best sentence first."""

from __future__ import annotations

import random

import pytest

from summarizer.ranking import FEATURE_NAMES, SentenceInfo

pytest.importorskip("lightgbm")
np = pytest.importorskip("numpy")


def test_grades_are_relative_to_the_article_best() -> None:
    from benchmarks.ranker_fit import GRADES, grades

    assert grades([0.1, 0.4, 0.2]).tolist() == [GRADES // 4, GRADES, GRADES // 2]
    assert grades([0.0, 0.0]).tolist() == [0, 0]  # nothing matches the reference: no order


def _articles(seed: int, count: int) -> list:  # type: ignore[type-arg]
    """Articles whose sentences' targets grow with feature 2 and fall with feature 5, on a
    per-article offset the trees cannot see (only the order inside an article is learnable)."""
    from benchmarks.evaluation import Record
    from benchmarks.ranker_fit import Item

    rng = random.Random(seed)
    items = []
    for n in range(count):
        offset = rng.uniform(0.0, 0.5)
        infos, targets = [], []
        for index in range(rng.randint(6, 14)):
            features = [rng.random() for _ in FEATURE_NAMES]
            infos.append(SentenceInfo(index, f"phrase {index}", 2, frozenset(), tuple(features)))
            targets.append(offset + 0.4 * features[2] - 0.2 * features[5] + 0.2)
        record = Record(f"a{n}", "test", "", "", "")
        items.append(Item(record, infos, targets))
    return items


@pytest.mark.parametrize("objective", ["regression", "lambdarank"])
def test_both_objectives_rank_an_unseen_article_best_sentence_first(objective: str) -> None:
    from benchmarks.ranker_fit import Config, fit_trees

    config = Config(trees=60, leaves=5, min_leaf=20, learning_rate=0.1, objective=objective)
    trees = fit_trees(_articles(1, 150), config)
    hits = 0
    held = _articles(2, 60)
    for item in held:
        scores = [trees.predict(info.features) for info in item.infos]
        best = max(range(len(scores)), key=scores.__getitem__)
        # The chosen sentence is the best one, or within a hair of it.
        hits += item.targets[best] >= max(item.targets) - 0.05
    assert hits >= 0.8 * len(held)
