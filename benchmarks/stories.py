"""Same story, one post (issue 11): the story matcher against labelled stories.

    python -m benchmarks.stories PATH [--json OUT] [--method jaccard|cosine] [--threshold T]
                                      [--min-names N] [--window-hours H]

``PATH`` is JSONL in the format of ``../shared/eval/dev.jsonl``. Records with the same ``story``
field tell the same story; without the field the labels are built by republishing each article
as other outlets do (``benchmarks/story_rewrites.py`` says how). The articles go in date order
through the real ``summarizer.stories.StoryIndex`` (``place``), and the benchmark prints:

- pairwise precision, recall and F1 of the stories formed (a pair of articles is predicted
  together when they ended in the same story, and is right when they share a label), with the
  matcher's own settings (a 48 h window, at most 5,000 articles);
- the median and p99 milliseconds per article of a second pass where the time window is lifted,
  so that the index holds the 5,000 most recent articles whatever their age (the dev set spans
  four years; a 48 h window would hold a handful), with that pass's precision and recall too:
  every earlier article is then a candidate, a harder test of precision.

``--json OUT`` writes ``{"precision", "recall", "f1", "ms_per_article"}`` (the first pass's
scores, the second pass's median).

Methods compared on ``../shared/eval/dev.jsonl`` (1,498 records, 4,792 articles with their
republications; 6,455 pairs to find), precision / recall on the 48 h pass, then on the pass at
5,000 articles, with the median ms per article (2-core machine under load):

| method | 48 h | 5,000 articles | ms |
|---|---|---|---|
| **Jaccard of the words, >= 0.32, 2 names** (default) | 0.992 / 0.960 | 0.992 / 0.963 | 0.47 |
| Jaccard >= 0.28 | 0.991 / 0.977 | 0.990 / 0.979 | |
| Jaccard >= 0.40 | 0.996 / 0.888 | 0.996 / 0.893 | |
| TF-IDF cosine >= 0.60, 2 names | 0.993 / 0.928 | 0.977 / 0.947 | 0.52 |
| TF-IDF cosine >= 0.50, 1 name | 0.988 / 0.980 | 0.944 / 0.984 | |
| 64-bit SimHash of the TF-IDF words, >= 0.5 / 0.6 similar bits | 0.993 / 0.740 | 0.977 / 0.799 | |
| TF-IDF cosine >= 0.50, 2 names, an 80-word lede (not 160) | 0.988 / 0.896 | 0.926 / 0.903 | 0.27 |

SimHash was measured by a throwaway subclass, not kept: it loses half the pairs at any useful
precision. The cosine's precision falls when every old article is a candidate (its IDF rewards
rare, shared words of different stories); the Jaccard's does not, and it needs no IDF. About
half the "false" merges left are not: the dev set holds the same AFP story twice from Orange
(two updates of one dispatch), which the labels count as two stories. MinHash with LSH bands
would only estimate the Jaccard that the inverted index lets us compute exactly.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.story_rewrites import LabelledArticle, labelled
from summarizer.stories import DEFAULT_MIN_NAMES, METHODS, StoryArticle, StoryIndex

UNBOUNDED = timedelta(days=365 * 100)


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for keys in groups.values():
        ordered = sorted(keys)
        out.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    return out


def score(articles: Sequence[LabelledArticle], predicted: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of ``predicted`` (key -> story) against the labels."""
    gold: dict[str, list[str]] = {}
    guess: dict[str, list[str]] = {}
    for item in articles:
        gold.setdefault(item.story, []).append(item.key)
        guess.setdefault(predicted[item.key], []).append(item.key)
    gold_pairs, guess_pairs = _pairs(gold), _pairs(guess)
    right = len(gold_pairs & guess_pairs)
    precision = right / len(guess_pairs) if guess_pairs else 1.0
    recall = right / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pairs": len(gold_pairs),
        "predicted_pairs": len(guess_pairs),
    }


def run(
    articles: Sequence[LabelledArticle], index: StoryIndex
) -> tuple[dict[str, str], list[float], list[int]]:
    """Place every article; the stories, the milliseconds and the window's size per article."""
    predicted: dict[str, str] = {}
    timings: list[float] = []
    sizes: list[int] = []
    for item in articles:
        story = StoryArticle(item.key, item.title, item.text, item.published, item.outlet)
        sizes.append(len(index))
        started = time.perf_counter()
        decision = index.place(story)
        timings.append((time.perf_counter() - started) * 1000)
        predicted[item.key] = decision.story
    return predicted, timings, sizes


def _p99(values: Sequence[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


def read_records(path: Path) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}:{number} : ligne JSON illisible ({error.msg})") from error
        if not isinstance(record, dict) or not record.get("id") or not record.get("date"):
            raise SystemExit(f"{path}:{number} : enregistrement sans « id » ou sans « date »")
        records.append(record)
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesure le regroupement des articles en sujets.")
    parser.add_argument("path", type=Path, help="fichier JSONL (format de dev.jsonl)")
    parser.add_argument("--json", type=Path, help="écrit les chiffres dans ce fichier JSON")
    parser.add_argument("--window-hours", type=float, default=48.0, help="fenêtre (heures)")
    parser.add_argument("--threshold", type=float, default=None, help="seuil (selon la méthode)")
    parser.add_argument("--method", choices=METHODS, default="jaccard", help="mesure de similarité")
    parser.add_argument("--min-names", type=int, default=DEFAULT_MIN_NAMES, help="noms communs")
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(f"Fichier introuvable : {args.path}", file=sys.stderr)
        return 2
    articles, how = labelled(read_records(args.path))
    settings: dict[str, Any] = {
        "threshold": args.threshold,
        "min_names": args.min_names,
        "method": args.method,
    }
    window = timedelta(hours=args.window_hours)
    predicted, _, _ = run(articles, StoryIndex(window=window, **settings))
    first = score(articles, predicted)
    predicted_5k, timings, sizes = run(articles, StoryIndex(window=UNBOUNDED, **settings))
    second = score(articles, predicted_5k)
    full = [ms for ms, size in zip(timings, sizes, strict=True) if size >= 4_000] or timings
    stories = Counter(item.story for item in articles)
    print(f"{len(articles)} articles, {len(stories)} sujets ({how})")
    print(
        f"fenêtre {args.window_hours:g} h : précision {first['precision']:.4f}, rappel "
        f"{first['recall']:.4f}, F1 {first['f1']:.4f} ({first['predicted_pairs']} paires "
        f"prédites, {first['pairs']} attendues)"
    )
    print(
        f"fenêtre des {max(sizes)} derniers articles : précision {second['precision']:.4f}, "
        f"rappel {second['recall']:.4f}, F1 {second['f1']:.4f}"
    )
    median = statistics.median(timings)
    print(
        f"ms par article : médiane {median:.3f}, p99 {_p99(timings):.3f} ; fenêtre >= 4000 : "
        f"médiane {statistics.median(full):.3f}, p99 {_p99(full):.3f}"
    )
    if args.json:
        figures = {key: first[key] for key in ("precision", "recall", "f1")}
        figures["ms_per_article"] = round(statistics.median(full), 4)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
