"""Train the ``depeche`` selection models from a JSONL dev set, with k-fold cross-validation.

    python -m benchmarks.train_ranker PATH.jsonl [--out summarizer/data/ranker.json]
        [--slice orangesum] [--folds 5] [--seed 0]

1. Sentence stage: features of every candidate sentence come from ``summarizer.ranking.analyse``
   (the code the bot runs); the target is how well the sentence alone matches the reference, the
   mean of its ROUGE-1 and ROUGE-L F1 (rs-default); a ridge regression (closed form) fits it.
2. Summary stage: in every article, each candidate summary of ``summarizer.selection`` (the
   self-contained subsets of one to three of the ``TOP_K`` best-scored sentences, within the
   default 500 characters) gets its summary features and its real (R-1 + R-L) / 2. Targets and
   features are centred per article (a listwise objective: only the ranking inside an article
   matters) and a second ridge regression fits them.
3. k-fold cross-validation repeats 1-2 on k-1 folds and scores the held-out fold with the public
   selection code; the figures printed are the held-out ones. The shipped model is then fitted on
   every record. Everything is deterministic (closed forms, seeded fold assignment).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.evaluation import Record, Scorer, mean, read_records
from summarizer.ranking import FEATURE_NAMES, SentenceInfo, analyse
from summarizer.selection import (
    SUMMARY_FEATURE_NAMES,
    RankerModel,
    candidate_sets,
    choose,
    summary_features,
)
from summarizer.summary import MAX_INPUT_CHARS, candidate_sentences

RIDGE = 1.0  # sentence stage; tried 30: held-out R-1 30.80 (worse)
SUMMARY_RIDGE = 1.0  # summary stage
TARGET_R1 = 0.5  # weight of R-1 (vs R-L) in the targets; R-1 alone: 30.57 (worse)
TOP_K = 5  # size of the sentence pool; 4 and 7 gave held-out R-1 31.47 and 31.40 (5: 31.48)
LIMIT = 3  # summarize's default max_sentences
MAX_CHARS = 500  # summarize's default max_chars


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
        targets = []
        for info in infos:
            r1, _, rl = scorer.score(record.reference, info.text)
            targets.append(_objective((r1, 0.0, rl)))
        items.append(Item(record, infos, targets))
    return items


def fit_weights(items: Sequence[Item]) -> np.ndarray:
    rows = [
        (info.features, target)
        for item in items
        for info, target in zip(item.infos, item.targets, strict=True)
    ]  # every sentence: fitting on the first 5 or 8 only did worse
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows], dtype=float)
    penalty = RIDGE * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # no shrinkage on the bias
    return np.linalg.solve(x.T @ x + penalty, x.T @ y)


def fit_summary_weights(
    items: Sequence[Item], keys: Sequence[int], weights: np.ndarray, ev: Evaluator
) -> np.ndarray:
    """Listwise ridge fit of the summary stage on ``items`` (per-article centred rows)."""
    xs, ys = [], []
    for key, item in zip(keys, items, strict=True):
        scores = [float(np.dot(weights, info.features)) for info in item.infos]
        sets = candidate_sets(item.infos, scores, TOP_K, LIMIT, MAX_CHARS)
        x = np.array([summary_features(item.infos, scores, c) for c in sets], dtype=float)
        y = np.array([_objective(ev.rouge(key, item, c)) for c in sets], dtype=float)
        xs.append(x - x.mean(axis=0))
        ys.append(y - y.mean())
    x_all, y_all = np.vstack(xs), np.concatenate(ys)
    penalty = SUMMARY_RIDGE * np.eye(x_all.shape[1])
    return np.linalg.solve(x_all.T @ x_all + penalty, x_all.T @ y_all)


def train(items: Sequence[Item], keys: Sequence[int], ev: Evaluator) -> RankerModel:
    weights = fit_weights(items)
    summary_weights = fit_summary_weights(items, keys, weights, ev)
    return RankerModel(tuple(weights.tolist()), tuple(summary_weights.tolist()), TOP_K)


def _objective(figures: tuple[float, float, float]) -> float:
    return TARGET_R1 * figures[0] + (1 - TARGET_R1) * figures[2]


def evaluate(
    items: Sequence[Item], keys: Sequence[int], model: RankerModel, ev: Evaluator
) -> tuple[float, float, float, float, float]:
    """Mean R-1, R-2, R-L, summary words and sentences of ``model`` on ``items``."""
    rows = []
    for key, item in zip(keys, items, strict=True):
        scores = [model.score(i.features) for i in item.infos]
        chosen = choose(item.infos, scores, model, LIMIT, MAX_CHARS)
        r1, r2, rl = ev.rouge(key, item, chosen)
        words = float(sum(item.infos[i].words for i in chosen))
        rows.append((r1, r2, rl, words, float(len(chosen))))
    return tuple(mean([row[k] for row in rows]) for k in range(5))  # type: ignore[return-value]


def cross_validate(items: list[Item], folds: int, seed: int, ev: Evaluator) -> None:
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    held: list[tuple[float, float, float, float, float]] = []
    print(f"{folds}-fold cross-validation on {len(items)} articles (held-out folds):")
    print("fold    n    R-1    R-2    R-L  words sentences")
    for fold in range(folds):
        test_keys = [k for pos, k in enumerate(order) if pos % folds == fold]
        train_keys = [k for pos, k in enumerate(order) if pos % folds != fold]
        model = train([items[k] for k in train_keys], train_keys, ev)
        figures = evaluate([items[k] for k in test_keys], test_keys, model, ev)
        held.append(figures)
        print(
            f"{fold:>4} {len(test_keys):>4} {figures[0]:6.2f} {figures[1]:6.2f} {figures[2]:6.2f}"
            f" {figures[3]:6.1f} {figures[4]:9.2f}"
        )
    means = [mean([h[k] for h in held]) for k in range(5)]
    print(
        f"mean      {means[0]:6.2f} {means[1]:6.2f} {means[2]:6.2f} {means[3]:6.1f} {means[4]:9.2f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--out", type=Path, default=Path("summarizer/data/ranker.json"))
    parser.add_argument("--slice", default="orangesum")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    records = [r for r in read_records(args.path) if r.slice == args.slice]
    ev = Evaluator()
    items = build_items(records, ev.scorer)
    if args.folds > 1:
        cross_validate(items, args.folds, args.seed, ev)
    keys = list(range(len(items)))
    model = train(items, keys, ev)
    figures = evaluate(items, keys, model, ev)
    data = {
        "features": list(FEATURE_NAMES),
        "weights": [round(w, 6) for w in model.weights],
        "summary_features": list(SUMMARY_FEATURE_NAMES),
        "summary_weights": [round(w, 6) for w in model.summary_weights],
        "top_k": model.top_k,
        "trained_on": {
            "slice": args.slice,
            "articles": len(items),
            "training_rouge": [round(f, 2) for f in figures[:3]],
        },
    }
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    r1, r2, rl = figures[:3]
    print(f"wrote {args.out} (training R-1/R-2/R-L {r1:.2f}/{r2:.2f}/{rl:.2f})")


if __name__ == "__main__":
    main()
