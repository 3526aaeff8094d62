"""Regression trees in pure Python: the sentence scorer of the ``depeche`` summarizer.

A ``TreeEnsemble`` is the sum of small binary regression trees (gradient boosting), trained
offline by ``benchmarks/train_ranker.py`` with LightGBM and shipped as JSON in
``summarizer/data/ranker.json``. Each tree is stored flat: internal node ``i`` compares feature
``features[i]`` with ``thresholds[i]`` and goes to ``left[i]`` when the value is lower or equal
(LightGBM's rule), else to ``right[i]``; a child ``c < 0`` is the leaf ``~c`` (``-1`` is leaf 0).
Children always come after their parent, so a walk ends; ``tree_from_dict`` checks this and every
index, so a damaged file is refused instead of looping or failing halfway through a summary.

At load, the ensemble becomes one generated Python function: each tree a nested conditional
expression over the vector's values (``x[3] <= 0.5``), the leaves added in tree order as the walk
adds them, so a prediction is the walk's own sum, bit for bit (the source only holds the
``repr`` of ints and floats, read back exactly). 5 to 8 microseconds per sentence for the 100
trees of 7 leaves shipped today, against 18 to 40 for the walk over nested tuples it replaced
(the same vectors, busy machine of this project; the whole summary: `benchmarks/summaries.py`).
No numpy at run time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Tree", "TreeEnsemble", "ensemble_from_dict"]


@dataclass(frozen=True, slots=True)
class Tree:
    """One regression tree, flat (see the module doc); ``TreeEnsemble`` compiles it."""

    features: tuple[int, ...]
    thresholds: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    leaves: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """A sum of trees over vectors of ``n_features`` values."""

    n_features: int
    trees: tuple[Tree, ...]
    _predict: Callable[[Sequence[float]], float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_predict", _compile(self.trees))

    def predict(self, x: Sequence[float]) -> float:
        """The sum of the trees' leaves for ``x``."""
        return self._predict(x)


def _compile(trees: Sequence[Tree]) -> Callable[[Sequence[float]], float]:
    """One function summing the trees' leaves for ``x``: ``total = 0.0`` then, tree after tree,
    ``total += (left if x[f] <= t else right)``, as a walk adds them. The source holds nothing
    but the ``repr`` of ints and floats (``inf``/``nan`` named), never text from the file."""
    used = sorted({int(f) for tree in trees for f in tree.features})
    lines = ["def predict(x):"]
    lines += [f"    x{f} = x[{f}]" for f in used]  # each value read once, as x[f] would be
    lines.append("    total = 0.0")
    lines += [f"    total += {_expression(tree, 0)}" for tree in trees]
    lines.append("    return total")
    namespace: dict[str, object] = {"inf": math.inf, "nan": math.nan}
    exec(compile("\n".join(lines), "<summarizer.trees>", "exec"), namespace)
    function = namespace["predict"]
    assert callable(function)
    return function


def _expression(tree: Tree, node: int) -> str:
    if not tree.features:
        return _number(tree.leaves[0])
    if node < 0:
        return _number(tree.leaves[~node])
    feature, threshold = int(tree.features[node]), _number(tree.thresholds[node])
    left, right = _expression(tree, tree.left[node]), _expression(tree, tree.right[node])
    return f"({left} if x{feature} <= {threshold} else {right})"


def _number(value: float) -> str:
    """A float's exact literal: ``repr`` reads back as the same float; ``inf``, ``-inf`` and
    ``nan`` are names of the generated function's namespace. Parenthesised: ``-0.5``."""
    return f"({float(value)!r})"


def ensemble_from_dict(data: object, n_features: int) -> TreeEnsemble:
    """A ``TreeEnsemble`` from its JSON form; ``ValueError`` when it is malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("trees"), list):
        raise ValueError("sentence trees must be an object with a list of trees")
    if data.get("n_features") != n_features:
        raise ValueError("sentence trees were trained on other features")
    return TreeEnsemble(n_features, tuple(tree_from_dict(t, n_features) for t in data["trees"]))


def tree_from_dict(data: object, n_features: int) -> Tree:
    if not isinstance(data, dict):
        raise ValueError("a tree must be an object")
    try:
        features = tuple(int(v) for v in data["features"])
        thresholds = tuple(float(v) for v in data["thresholds"])
        left = tuple(int(v) for v in data["left"])
        right = tuple(int(v) for v in data["right"])
        leaves = tuple(float(v) for v in data["leaves"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"malformed tree: {error}") from error
    nodes = len(features)
    if not (len(thresholds) == len(left) == len(right) == nodes) or len(leaves) != nodes + 1:
        raise ValueError("a tree of n splits has n thresholds, 2n children and n + 1 leaves")
    if any(not 0 <= f < n_features for f in features):
        raise ValueError("a tree splits on a feature that does not exist")
    for node, children in enumerate(zip(left, right, strict=True)):
        for child in children:
            if (child >= 0 and not node < child < nodes) or (child < 0 and ~child >= len(leaves)):
                raise ValueError("a tree's child must be a later node or an existing leaf")
    return Tree(features, thresholds, left, right, leaves)
