"""Shared helpers of the benchmarks: reading a JSONL eval file, ROUGE scoring, bootstrap CIs.

Scoring follows the dev set's README: ``rouge_score`` with its default tokenizer and no stemming
("rs-default"), F1 x 100.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rouge_score.rouge_scorer import RougeScorer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True, slots=True)
class Record:
    """One evaluation article: what the summarizer sees, and the reference it is scored on."""

    id: str
    slice: str
    title: str
    text: str
    reference: str


def read_records(path: Path, limit: int | None = None) -> list[Record]:
    """Records of a JSONL file (fields ``id``, ``slice``, ``title``, ``text``, ``reference``)."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            records.append(
                Record(
                    id=str(raw.get("id", len(records))),
                    slice=str(raw.get("slice", "all")),
                    title=str(raw.get("title") or ""),
                    text=str(raw["text"]),
                    reference=str(raw["reference"]),
                )
            )
            if limit is not None and len(records) >= limit:
                break
    return records


def by_slice(records: Sequence[Record]) -> Iterator[tuple[str, list[Record]]]:
    """(slice name, its records), in order of first appearance."""
    names = list(dict.fromkeys(r.slice for r in records))
    for name in names:
        yield name, [r for r in records if r.slice == name]


class Scorer:
    """ROUGE-1/2/L F1 x 100 with rouge_score's default tokenizer, no stemming."""

    def __init__(self) -> None:
        self._scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=False)

    def score(self, reference: str, summary: str) -> tuple[float, float, float]:
        scores = self._scorer.score(reference, summary)
        return (
            100 * scores["rouge1"].fmeasure,
            100 * scores["rouge2"].fmeasure,
            100 * scores["rougeL"].fmeasure,
        )


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def bootstrap_ci(values: Sequence[float], rounds: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the mean of ``values`` (seeded: reproducible)."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(mean([values[rng.randrange(n)] for _ in range(n)]) for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
