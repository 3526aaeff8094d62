"""The pure-Python regression trees of the sentence stage (``summarizer.trees``): LightGBM's split
rule, the same predictions as LightGBM's own, and damaged trees refused before any walk."""

from __future__ import annotations

import random
from typing import Any

import pytest

from summarizer.trees import Tree, TreeEnsemble, ensemble_from_dict, tree_from_dict

# x[0] <= 0.5 ? (x[1] <= 2.0 ? 1.0 : 2.0) : 3.0
STUMPS: dict[str, Any] = {
    "features": [0, 1], "thresholds": [0.5, 2.0], "left": [1, -1], "right": [-3, -2],
    "leaves": [1.0, 2.0, 3.0],
}  # fmt: skip


def test_a_value_equal_to_the_threshold_goes_left() -> None:
    tree = TreeEnsemble(2, (tree_from_dict(STUMPS, 2),))
    assert tree.predict([0.5, 2.0]) == 1.0
    assert tree.predict([0.5, 2.0000001]) == 2.0
    assert tree.predict([0.50001, -7.0]) == 3.0


def test_an_ensemble_sums_its_trees_and_a_tree_without_split_is_a_leaf() -> None:
    ensemble = ensemble_from_dict(
        {"n_features": 2, "trees": [STUMPS, {"features": [], "thresholds": [], "left": [],
                                              "right": [], "leaves": [0.25]}]},
        2,
    )  # fmt: skip
    assert ensemble.predict([0.0, 0.0]) == 1.25
    assert ensemble.predict([1.0, 0.0]) == 3.25


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"left": [0, -1]}, "later node"),  # a loop back to itself
        ({"right": [-3, 0]}, "later node"),  # back to the root
        ({"right": [-4, -2]}, "existing leaf"),
        ({"features": [0, 2]}, "does not exist"),
        ({"leaves": [1.0, 2.0]}, "n \\+ 1 leaves"),
        ({"thresholds": ["beaucoup", 2.0]}, "malformed"),
        ({"features": None}, "malformed"),
    ],
)
def test_damaged_trees_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tree_from_dict(dict(STUMPS, **change), 2)


def test_trees_for_other_features_are_refused() -> None:
    with pytest.raises(ValueError, match="other features"):
        ensemble_from_dict({"n_features": 3, "trees": [STUMPS]}, 2)
    with pytest.raises(ValueError, match="list of trees"):
        ensemble_from_dict({"n_features": 2}, 2)


def test_the_same_predictions_as_lightgbm() -> None:
    """The trainer's conversion of LightGBM's dump, evaluated by the bot's code, gives LightGBM's
    own predictions, on random points and on points that sit exactly on a threshold."""
    lightgbm = pytest.importorskip("lightgbm")
    np = pytest.importorskip("numpy")
    from benchmarks.ranker_fit import ensemble_from_booster

    rng = random.Random(3)
    x = np.array([[rng.random(), rng.choice((0.0, 1.0)), rng.gauss(0, 2)] for _ in range(600)])
    y = x[:, 0] * 3 + (x[:, 1] > 0.5) * x[:, 2] + np.array([rng.gauss(0, 0.1) for _ in x])
    params = {"objective": "regression", "num_leaves": 7, "min_data_in_leaf": 10, "verbosity": -1}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=30)
    ensemble: TreeEnsemble = ensemble_from_booster(booster.dump_model(), 3)
    on_thresholds = [
        [t.thresholds[0] if t.features[0] == k else row[k] for k in range(3)]
        for t, row in zip(ensemble.trees, x.tolist(), strict=False)
        if t.features
    ]
    points = x.tolist()[:200] + on_thresholds
    expected = booster.predict(np.array(points))
    assert len(ensemble.trees) == 30
    assert all(isinstance(t, Tree) for t in ensemble.trees)
    for point, value in zip(points, expected, strict=True):
        assert ensemble.predict(point) == pytest.approx(float(value), abs=1e-9)


def _walk(tree: Tree, x: list[float]) -> float:
    """The flat arrays read as the module doc says: the test's own reading of a tree."""
    if not tree.features:
        return tree.leaves[0]
    node = 0
    while node >= 0:
        lower = x[tree.features[node]] <= tree.thresholds[node]
        node = tree.left[node] if lower else tree.right[node]
    return tree.leaves[~node]


def test_the_compiled_model_sums_the_shipped_trees_bit_for_bit() -> None:
    """The generated function of the shipped model gives exactly the sum, tree after tree, of
    the flat trees' leaves: on random vectors, on values sitting on the thresholds, on NaN."""
    from summarizer.selection import load_model

    ensemble = load_model().sentence
    thresholds = [t for tree in ensemble.trees for t in tree.thresholds]
    rng = random.Random(14)
    for _ in range(3000):
        x = [
            rng.choice((rng.uniform(-1.0, 3.0), rng.choice(thresholds), 0.0, 1.0, float("nan")))
            for _ in range(ensemble.n_features)
        ]
        expected = 0.0
        for tree in ensemble.trees:
            expected += _walk(tree, x)
        assert ensemble.predict(x) == expected


def test_infinite_and_negative_thresholds_compile_to_their_values() -> None:
    tree = tree_from_dict(
        {"features": [0, 1], "thresholds": [float("-inf"), -0.5], "left": [-1, -2],
         "right": [1, -3], "leaves": [-0.0, float("inf"), -2.5]},
        2,
    )  # fmt: skip
    ensemble = TreeEnsemble(2, (tree,))
    assert ensemble.predict([float("-inf"), 9.0]) == -0.0
    assert ensemble.predict([0.0, -0.5]) == float("inf")
    assert ensemble.predict([0.0, -0.4]) == -2.5
