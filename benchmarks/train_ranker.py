"""Train the ``depeche`` selection models from a JSONL dev set; estimate them honestly.

    python -m benchmarks.train_ranker PATH.jsonl [--out summarizer/data/ranker.json]
        [--slice orangesum] [--folds 5] [--inner-folds 3] [--seed 0] [--no-write]

How the two stages are fitted: ``benchmarks.ranker_fit``. Which configuration of the sentence
trees to ship (``CONFIGS``) is itself chosen by cross-validation, so the estimate printed is a
*nested* one: in each of the ``--folds`` outer folds, an inner ``--inner-folds`` cross-validation
on the outer training articles alone picks the configuration, both stages are fitted on those
articles, and the held-out fold is scored with the public selection code. No choice made on the
whole set reaches a held-out fold (the targets' weights, the ridge and the pool size were fixed
beforehand, not tuned). The shipped model is then the configuration that a plain cross-validation
on every record prefers, fitted on every record. Everything is deterministic (seeded folds,
single-threaded LightGBM).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from benchmarks.evaluation import read_records
from benchmarks.ranker_fit import (
    Config,
    Evaluator,
    Item,
    evaluate,
    folds_of,
    means,
    objective,
    train,
)
from summarizer.ranking import FEATURE_NAMES
from summarizer.selection import SUMMARY_FEATURE_NAMES, RankerModel, model_from_dict
from summarizer.trees import TreeEnsemble

# Candidates for the sentence trees, all cheap to walk in pure Python (at most a few hundred
# comparisons per sentence; 200 trees of 15 leaves did as well and cost 2.5 times as much).
# The pool of the summary stage (``top_k``) and the trees' objective are chosen the same way.
CONFIGS = (
    Config(trees=100, leaves=7, min_leaf=100, learning_rate=0.1),
    Config(trees=200, leaves=5, min_leaf=200, learning_rate=0.07),
    Config(trees=200, leaves=5, min_leaf=200, learning_rate=0.07, top_k=6),
    Config(trees=100, leaves=7, min_leaf=100, learning_rate=0.1, objective="lambdarank"),
    Config(trees=200, leaves=5, min_leaf=200, learning_rate=0.07, objective="lambdarank"),
    Config(trees=200, leaves=5, min_leaf=200, learning_rate=0.07, top_k=6, objective="lambdarank"),
)


def choose_config(
    items: Sequence[Item], keys: Sequence[int], folds: int, seed: int, ev: Evaluator
) -> Config:
    """The configuration of ``CONFIGS`` with the best held-out objective on ``keys`` alone."""
    if len(CONFIGS) == 1:
        return CONFIGS[0]
    best: tuple[float, Config] | None = None
    for config in CONFIGS:
        rows = []
        for train_keys, held_keys in folds_of(keys, folds, seed):
            model = train([items[k] for k in train_keys], train_keys, config, ev)
            rows += evaluate([items[k] for k in held_keys], held_keys, model, ev)
        score = sum(objective((r[0], r[1], r[2])) for r in rows) / len(rows)
        if best is None or score > best[0]:
            best = (score, config)
    assert best is not None
    return best[1]


def cross_validate(items: list[Item], folds: int, inner: int, seed: int, ev: Evaluator) -> None:
    print(f"nested {folds}-fold cross-validation on {len(items)} articles (held-out folds;")
    print(
        f"configuration chosen in each fold by {inner}-fold cross-validation of its training part):"
    )
    print("fold    n    R-1    R-2    R-L  words sentences  configuration")
    held: list[tuple[float, ...]] = []
    for fold, (train_keys, test_keys) in enumerate(folds_of(range(len(items)), folds, seed)):
        config = choose_config(items, train_keys, inner, seed + 1, ev)
        model = train([items[k] for k in train_keys], train_keys, config, ev)
        rows = evaluate([items[k] for k in test_keys], test_keys, model, ev)
        held += rows
        f = means(rows)
        print(
            f"{fold:>4} {len(test_keys):>4} {f[0]:6.2f} {f[1]:6.2f} {f[2]:6.2f}"
            f" {f[3]:6.1f} {f[4]:9.2f}  {config.name()}"
        )
    m = means(held)
    print(f"mean      {m[0]:6.2f} {m[1]:6.2f} {m[2]:6.2f} {m[3]:6.1f} {m[4]:9.2f}")


def model_to_dict(
    model: RankerModel, config: Config, articles: int, slice_: str
) -> dict[str, object]:
    return {
        "features": list(FEATURE_NAMES),
        "sentence_trees": _trees_to_dict(model.sentence),
        "summary_features": list(SUMMARY_FEATURE_NAMES),
        "summary_weights": [round(w, 6) for w in model.summary_weights],
        "top_k": model.top_k,
        "trained_on": {"slice": slice_, "articles": articles, "configuration": config.name()},
    }


def _trees_to_dict(ensemble: TreeEnsemble) -> dict[str, object]:
    return {
        "n_features": ensemble.n_features,
        "trees": [
            {"features": list(t.features), "thresholds": list(t.thresholds), "left": list(t.left),
             "right": list(t.right), "leaves": [round(v, 6) for v in t.leaves]}
            for t in ensemble.trees
        ],
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--out", type=Path, default=Path("summarizer/data/ranker.json"))
    parser.add_argument("--slice", default="orangesum")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--inner-folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="estimate only")
    args = parser.parse_args(argv)
    from benchmarks.ranker_fit import build_items

    records = [r for r in read_records(args.path) if r.slice == args.slice]
    ev = Evaluator()
    items = build_items(records, ev.scorer)
    if args.folds > 1:
        cross_validate(items, args.folds, args.inner_folds, args.seed, ev)
    if args.no_write:
        return
    keys = list(range(len(items)))
    config = choose_config(items, keys, max(args.folds, 2), args.seed, ev)
    data = model_to_dict(train(items, keys, config, ev), config, len(items), args.slice)
    shipped = model_from_dict(data)  # as the bot will read it (leaves rounded)
    f = means(evaluate(items, keys, shipped, ev))
    args.out.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: {config.name()} (training R-1/R-2/R-L {f[0]:.2f}/{f[1]:.2f}/{f[2]:.2f})"
    )


if __name__ == "__main__":
    main()
