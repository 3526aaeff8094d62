"""The two-stage learned selection of the ``depeche`` summarizer.

1. Sentence stage: boosted regression trees (``summarizer.trees``) score every sentence's
   features (``summarizer.ranking``), estimating how well that sentence alone would match a
   lede-style reference.
2. Summary stage: the ``top_k`` best sentences form a pool; every subset of one to three of them
   that reads on its own and fits the character budget is a candidate summary, described by a
   few summary-level features (its length in words, how far its sentences' scores fall below the
   best one, adjacency, overlap, where it starts, ...). A second linear model, trained listwise
   (within each article, on the ROUGE of every candidate), picks the candidate. Length control and
   the decision to add a second or third sentence are thus learned together.

Self-containment: a sentence flagged ``dependent`` (it opens on "Il", "Cette décision", "Mais",
..., or inside a quotation; see ``summarizer.cohesion``) may only appear right after the sentence
it follows, so it never opens a summary; one flagged ``continued`` (it leaves a quotation open)
only right before the sentence that goes on with it, so it never ends one. Both models come
from ``benchmarks/train_ranker.py`` and ship as ``summarizer/data/ranker.json``. Pure Python: no
numpy at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import combinations

from summarizer.ranking import FEATURE_NAMES, SentenceInfo
from summarizer.trees import TreeEnsemble, ensemble_from_dict

__all__ = [
    "MAX_SET",
    "SUMMARY_FEATURE_NAMES",
    "RankerModel",
    "candidate_sets",
    "choose",
    "load_model",
    "model_from_dict",
    "select_sentences",
    "summary_features",
]

MAX_SET = 3  # the summary stage considers summaries of one to three sentences
_MODEL_FILE = "ranker.json"
_MAX_SHARED = 0.8  # two sentences sharing more of their content words repeat each other
_POS_0, _TITLE_RECALL, _FIRST_SHORT_PARA, _INV_POS = (
    FEATURE_NAMES.index(name) for name in ("pos_0", "title_recall", "first_short_para", "inv_pos")
)

SUMMARY_FEATURE_NAMES: tuple[str, ...] = (
    "n_1",
    "n_2",
    "n_3",
    "sum_gap",
    "max_gap",
    "min_gap",
    "first_gap",
    "log_words",
    "words_lt_20",
    "words_20_30",
    "words_30_40",
    "words_40_55",
    "words_55_70",
    "words_ge_70",
    "has_0",
    "has_1",
    "adjacent",
    "overlap",
    "first_pos_0",
    "first_title_recall",
    "first_log_words",
    "multi_first_log_words",
    "multi_first_short_para",
    "multi_first_gap",
    "multi_min_gap",
    "multi_last_inv_pos",
)
_WORD_BINS = (20, 30, 40, 55, 70)


@dataclass(frozen=True, slots=True)
class RankerModel:
    """The sentence scorer, the candidate-summary scorer and the size of the sentence pool."""

    sentence: TreeEnsemble  # over FEATURE_NAMES
    summary_weights: tuple[float, ...]  # over SUMMARY_FEATURE_NAMES
    top_k: int

    def score(self, features: Sequence[float]) -> float:
        return self.sentence.predict(features)

    def summary_score(self, features: Sequence[float]) -> float:
        return sum(w * x for w, x in zip(self.summary_weights, features, strict=True))


@lru_cache(maxsize=1)
def load_model() -> RankerModel:
    """The model shipped in ``summarizer/data`` (read once)."""
    raw = resources.files("summarizer").joinpath("data", _MODEL_FILE).read_text("utf-8")
    return model_from_dict(json.loads(raw))


def model_from_dict(data: dict[str, object]) -> RankerModel:
    """A model from its JSON form; raises ``ValueError`` when it was trained on other features."""
    names, summary_names = data.get("features"), data.get("summary_features")
    if not isinstance(names, list) or tuple(names) != FEATURE_NAMES:
        raise ValueError("ranker features do not match this version of the code")
    if not isinstance(summary_names, list) or tuple(summary_names) != SUMMARY_FEATURE_NAMES:
        raise ValueError("ranker summary features do not match this version of the code")
    summary_weights = data.get("summary_weights")
    if not isinstance(summary_weights, list):
        raise ValueError("ranker summary weights must be a list")
    if len(summary_weights) != len(SUMMARY_FEATURE_NAMES):
        raise ValueError("ranker summary weights do not match the number of summary features")
    if not isinstance(data.get("top_k"), int):
        raise ValueError("ranker top_k must be an integer")
    return RankerModel(
        sentence=ensemble_from_dict(data.get("sentence_trees"), len(FEATURE_NAMES)),
        summary_weights=tuple(float(w) for w in summary_weights),
        top_k=int(data["top_k"]),  # type: ignore[call-overload]
    )


def select_sentences(
    infos: Sequence[SentenceInfo], model: RankerModel, limit: int, max_chars: int | None = None
) -> list[int]:
    """Indices of the chosen sentences, best first (the caller restores text order)."""
    return choose(infos, [model.score(info.features) for info in infos], model, limit, max_chars)


def choose(
    infos: Sequence[SentenceInfo],
    scores: Sequence[float],
    model: RankerModel,
    limit: int,
    max_chars: int | None = None,
) -> list[int]:
    """``select_sentences`` with the sentence scores already computed (the training loop's)."""
    if not infos:
        return []
    sets = candidate_sets(infos, scores, model.top_k, limit, max_chars)
    best = max(sets, key=lambda c: model.summary_score(summary_features(infos, scores, c)))
    return sorted(best, key=lambda i: (-scores[i], i))


def candidate_sets(
    infos: Sequence[SentenceInfo],
    scores: Sequence[float],
    top_k: int,
    limit: int,
    max_chars: int | None = None,
) -> list[tuple[int, ...]]:
    """Self-contained, non-repetitive subsets (text order) of the best ``top_k`` sentences that
    fit the budgets.

    When the pool has no sentence that may be a summary on its own (neither ``dependent`` nor
    ``continued``), the best one that may is added; when nothing qualifies at all, that best one
    (or, when there is none, the best sentence) is the only candidate.
    """
    order = sorted(range(len(infos)), key=lambda i: (-scores[i], i))
    alone = next((i for i in order if not (infos[i].dependent or infos[i].continued)), None)
    pool = order[:top_k]
    if alone is not None and alone not in pool:  # then no sentence of the pool stands alone
        pool.append(alone)
    pool.sort()
    sets = [
        subset
        for size in range(1, min(limit, MAX_SET) + 1)
        for subset in combinations(pool, size)
        if _self_contained(infos, subset)
        and _fits(infos, subset, max_chars)
        and _distinct(infos, subset)
    ]
    return sets or [(order[0] if alone is None else alone,)]


def _self_contained(infos: Sequence[SentenceInfo], subset: tuple[int, ...]) -> bool:
    """No dependent sentence opens the summary or follows anything but its own predecessor, and
    a sentence that leaves a quotation open is followed by its own successor."""
    last = len(subset) - 1
    return all(
        (not infos[i].dependent or (pos > 0 and subset[pos - 1] == i - 1))
        and (not infos[i].continued or (pos < last and subset[pos + 1] == i + 1))
        for pos, i in enumerate(subset)
    )


def _distinct(infos: Sequence[SentenceInfo], subset: tuple[int, ...]) -> bool:
    """No two sentences repeat each other (same text, or most content words shared)."""
    for a, b in combinations(subset, 2):
        first, second = infos[a], infos[b]
        if first.text == second.text:
            return False
        smaller = min(len(first.stems), len(second.stems))
        if smaller and len(first.stems & second.stems) / smaller > _MAX_SHARED:
            return False
    return True


def _fits(infos: Sequence[SentenceInfo], subset: tuple[int, ...], max_chars: int | None) -> bool:
    if max_chars is None:
        return True
    return sum(len(infos[i].text) for i in subset) + len(subset) - 1 <= max_chars


def summary_features(
    infos: Sequence[SentenceInfo], scores: Sequence[float], subset: tuple[int, ...]
) -> tuple[float, ...]:
    """The SUMMARY_FEATURE_NAMES vector of the candidate ``subset`` (indices in text order)."""
    size = len(subset)
    top = max(scores)
    gaps = [scores[i] - top for i in subset]
    words = sum(infos[i].words for i in subset)
    first, last = infos[subset[0]], infos[subset[-1]]
    multi = float(size > 1)
    rest = frozenset().union(*(infos[i].stems for i in subset[1:]))
    overlap = len(first.stems & rest) / len(rest) if rest else 0.0
    first_log_words = math.log(first.words + 1)
    bounds = zip((0, *_WORD_BINS), _WORD_BINS, strict=False)
    bins = [float(low <= words < high) for low, high in bounds]
    return (
        float(size == 1),
        float(size == 2),
        float(size == 3),
        sum(gaps),
        max(gaps),
        min(gaps),
        gaps[0],
        math.log(words + 1),
        *bins,
        float(words >= _WORD_BINS[-1]),
        float(0 in subset),
        float(1 in subset),
        float(size > 1 and subset[1] == subset[0] + 1),
        overlap,
        first.features[_POS_0],
        first.features[_TITLE_RECALL],
        first_log_words,
        multi * first_log_words,
        multi * first.features[_FIRST_SHORT_PARA],
        multi * gaps[0],
        multi * min(gaps),
        multi * last.features[_INV_POS],
    )
