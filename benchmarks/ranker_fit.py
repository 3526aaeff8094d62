"""Fitting the two stages of the ``depeche`` selection model (used by ``benchmarks.train_ranker``).

1. Sentence stage: features of every candidate sentence come from ``summarizer.ranking.analyse``
   (the code the bot runs); the target is how well the sentence alone matches the reference, the
   mean of its ROUGE-1 and ROUGE-L F1 (rs-default). LightGBM fits boosted trees to it, either by
   regression on the target itself or by LambdaRank on grades of it within each article (0 to
   ``GRADES``, the article's best sentence at the top: only the order inside an article matters
   to the summary); which of the two is a configuration, chosen by cross-validation. Fitting is
   deterministic (one thread, row-wise histograms, a fixed seed); ``ensemble_from_booster`` turns
   the trees into the pure-Python ``summarizer.trees.TreeEnsemble`` the bot evaluates.
2. Summary stage: in every article, each candidate summary of ``summarizer.selection`` (the
   self-contained subsets of one to three of the ``top_k`` best-scored sentences, within the
   default 500 characters) gets its summary features and its real (R-1 + R-L) / 2. Targets and
   features are centred per article (a listwise objective: only the ranking inside an article
   matters) and a ridge regression (closed form) fits them. The sentence scores it learns from
   are *cross-fitted*: each training article is scored by trees that did not see it, as a new
   article will be. Trees scored on their own training articles are too sure of themselves, and
   a summary stage that learned from them picked fewer, worse sentences on new ones.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.evaluation import Record, Scorer, mean
from summarizer.ranking import FEATURE_NAMES, SentenceInfo, analyse
from summarizer.selection import RankerModel, candidate_sets, choose, summary_features
from summarizer.summary import MAX_INPUT_CHARS, candidate_sentences
from summarizer.trees import Tree, TreeEnsemble

SUMMARY_RIDGE = 1.0  # summary stage
TARGET_R1 = 0.5  # weight of R-1 (vs R-L) in both targets, fixed beforehand: the mean of the two
LIMIT = 3  # summarize's default max_sentences
MAX_CHARS = 500  # summarize's default max_chars
CROSS_FIT_FOLDS = 3  # folds of the cross-fitted sentence scores the summary stage learns from
GRADES = 10  # LambdaRank's relevance grades of a sentence within its article


@dataclass(frozen=True, slots=True)
class Config:
    """Hyper-parameters of one candidate model (chosen by cross-validation, never by hand)."""

    trees: int
    leaves: int
    min_leaf: int  # articles' sentences per leaf, at least
    learning_rate: float
    top_k: int = 5  # the summary stage's pool of best sentences
    objective: str = "regression"  # or "lambdarank"

    def name(self) -> str:
        return (
            f"{self.objective} {self.trees}x{self.leaves} leaves, min {self.min_leaf},"
            f" lr {self.learning_rate}, pool {self.top_k}"
        )


@dataclass(slots=True)
class Item:
    """One training article: its candidate sentences, features and reference."""

    record: Record
    infos: list[SentenceInfo]
    targets: list[float]


class Evaluator:
    """Summary-level ROUGE of chosen sentence sets, memoised per (article, set)."""

    def __init__(self) -> None:
        self.scorer = Scorer()
        self.cache: dict[tuple[int, tuple[int, ...]], tuple[float, float, float]] = {}

    def rouge(self, key: int, item: Item, chosen: Sequence[int]) -> tuple[float, float, float]:
        picked = tuple(sorted(chosen))
        if (key, picked) not in self.cache:
            text = " ".join(item.infos[i].text for i in picked)
            self.cache[(key, picked)] = self.scorer.score(item.record.reference, text)
        return self.cache[(key, picked)]


def build_items(records: Sequence[Record], scorer: Scorer) -> list[Item]:
    items = []
    for record in records:
        sentences, paragraphs = candidate_sentences(record.text[:MAX_INPUT_CHARS])
        if not sentences:
            continue
        infos = analyse(sentences, paragraphs, record.title or None)
        targets = [objective(scorer.score(record.reference, info.text)) for info in infos]
        items.append(Item(record, infos, targets))
    return items


def objective(figures: tuple[float, float, float]) -> float:
    return TARGET_R1 * figures[0] + (1 - TARGET_R1) * figures[2]


def folds_of(keys: Sequence[int], folds: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """(training keys, held-out keys) of each fold, from a seeded shuffle."""
    order = list(keys)
    random.Random(seed).shuffle(order)
    return [
        ([k for pos, k in enumerate(order) if pos % folds != fold],
         [k for pos, k in enumerate(order) if pos % folds == fold])
        for fold in range(folds)
    ]  # fmt: skip


def fit_trees(items: Sequence[Item], config: Config) -> TreeEnsemble:
    """The sentence stage fitted on every sentence of ``items``."""
    import lightgbm  # the training extra: never needed by the bot

    x = np.array([info.features for item in items for info in item.infos], dtype=float)
    params: dict[str, Any] = {
        "objective": config.objective, "num_leaves": config.leaves,
        "learning_rate": config.learning_rate, "min_data_in_leaf": config.min_leaf,
        "num_threads": 1, "deterministic": True, "force_row_wise": True, "seed": 0,
        "verbosity": -1,
    }  # fmt: skip
    if config.objective == "lambdarank":
        y = np.concatenate([grades(item.targets) for item in items])
        params["label_gain"] = list(range(GRADES + 1))
        params["lambdarank_truncation_level"] = 5  # the pool's places, about
        data = lightgbm.Dataset(x, y, group=[len(item.infos) for item in items])
    else:
        y = np.array([t for item in items for t in item.targets], dtype=float)
        data = lightgbm.Dataset(x, y)
    booster = lightgbm.train(params, data, num_boost_round=config.trees)
    return ensemble_from_booster(booster.dump_model(), len(FEATURE_NAMES))


def grades(targets: Sequence[float]) -> np.ndarray:
    """Integer grades of one article's sentences for LambdaRank: 0 to ``GRADES``, by its best."""
    values = np.array(targets, dtype=float)
    best = values.max()
    if best <= 0:
        return np.zeros(len(values), dtype=int)
    return np.floor(values / best * GRADES).astype(int)


def ensemble_from_booster(dump: dict[str, Any], n_features: int) -> TreeEnsemble:
    """LightGBM's ``dump_model()`` as a ``TreeEnsemble`` (numerical splits only)."""
    return TreeEnsemble(n_features, tuple(_flatten(t["tree_structure"]) for t in dump["tree_info"]))


def _flatten(root: dict[str, Any]) -> Tree:
    features: list[int] = []
    thresholds: list[float] = []
    left: list[int] = []
    right: list[int] = []
    leaves: list[float] = []

    def walk(node: dict[str, Any]) -> int:
        if "leaf_value" in node:
            leaves.append(float(node["leaf_value"]))
            return ~(len(leaves) - 1)
        if node["decision_type"] != "<=":
            raise ValueError(f"unsupported split {node['decision_type']!r}")
        index = len(features)
        features.append(int(node["split_feature"]))
        thresholds.append(float(node["threshold"]))
        left.append(0)
        right.append(0)
        left[index] = walk(node["left_child"])
        right[index] = walk(node["right_child"])
        return index

    walk(root)
    return Tree(tuple(features), tuple(thresholds), tuple(left), tuple(right), tuple(leaves))


def cross_fitted_scores(items: Sequence[Item], config: Config, seed: int = 1) -> list[list[float]]:
    """Each item's sentence scores from trees fitted on the other folds."""
    scores: list[list[float]] = [[] for _ in items]
    for train_keys, held_keys in folds_of(range(len(items)), CROSS_FIT_FOLDS, seed):
        trees = fit_trees([items[k] for k in train_keys], config)
        for k in held_keys:
            scores[k] = [trees.predict(info.features) for info in items[k].infos]
    return scores


def fit_summary_weights(
    items: Sequence[Item],
    keys: Sequence[int],
    scores: Sequence[Sequence[float]],
    top_k: int,
    ev: Evaluator,
) -> np.ndarray:
    """Listwise ridge fit of the summary stage on ``items`` (per-article centred rows)."""
    xs, ys = [], []
    for key, item, item_scores in zip(keys, items, scores, strict=True):
        sets = candidate_sets(item.infos, item_scores, top_k, LIMIT, MAX_CHARS)
        x = np.array([summary_features(item.infos, item_scores, c) for c in sets], dtype=float)
        y = np.array([objective(ev.rouge(key, item, c)) for c in sets], dtype=float)
        xs.append(x - x.mean(axis=0))
        ys.append(y - y.mean())
    x_all, y_all = np.vstack(xs), np.concatenate(ys)
    penalty = SUMMARY_RIDGE * np.eye(x_all.shape[1])
    return np.linalg.solve(x_all.T @ x_all + penalty, x_all.T @ y_all)


def train(items: Sequence[Item], keys: Sequence[int], config: Config, ev: Evaluator) -> RankerModel:
    """Both stages fitted on ``items`` (``keys`` name them in the evaluator's memo)."""
    trees = fit_trees(items, config)
    summary_weights = fit_summary_weights(
        items, keys, cross_fitted_scores(items, config), config.top_k, ev
    )
    return RankerModel(trees, tuple(summary_weights.tolist()), config.top_k)


def evaluate(
    items: Sequence[Item], keys: Sequence[int], model: RankerModel, ev: Evaluator
) -> list[tuple[float, float, float, float, float]]:
    """R-1, R-2, R-L, summary words and sentences of ``model`` on each of ``items``."""
    rows = []
    for key, item in zip(keys, items, strict=True):
        scores = [model.score(i.features) for i in item.infos]
        chosen = choose(item.infos, scores, model, LIMIT, MAX_CHARS)
        r1, r2, rl = ev.rouge(key, item, chosen)
        words = float(sum(item.infos[i].words for i in chosen))
        rows.append((r1, r2, rl, words, float(len(chosen))))
    return rows


def means(rows: Sequence[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(mean([row[k] for row in rows]) for k in range(len(rows[0])))
