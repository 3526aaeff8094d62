"""How summarizing time grows with article length: ours vs sumy LexRank.

    python -m benchmarks.scale PATH.jsonl [--sizes 300,1000,5000,20000] [--repeat 5]

Articles of the given word counts are built by concatenating the dev set's bodies (paragraph
by paragraph). Columns: ``depeche`` is the public ``summarize`` as shipped (its input is capped at
20,000 characters, so time stops growing past about 3,000 words); ``depeche-uncapped`` runs the
same pipeline on the whole text, to show how the method itself scales; ``lexrank`` is pysbd
splitting plus sumy LexRank (3 sentences) on the whole text. Times are medians in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pysbd

from benchmarks.evaluation import read_records
from summarizer.ranking import analyse
from summarizer.selection import load_model, select_sentences
from summarizer.summary import candidate_sentences, summarize
from summarizer.sumy_methods import sumy_select


def build_article(paragraphs: Sequence[str], words: int) -> str:
    """Whole paragraphs until ``words`` words, the last one cut at a sentence end if possible."""
    out: list[str] = []
    count = 0
    for paragraph in paragraphs:
        size = len(paragraph.split())
        if count + size > words:
            head = " ".join(paragraph.split()[: words - count])
            cut = head.rfind(". ")
            out.append(head[: cut + 1] if cut > 0 else head + ".")
            break
        out.append(paragraph)
        count += size
    return "\n\n".join(out)


def _uncapped(text: str) -> None:
    sentences, paragraphs = candidate_sentences(text)
    select_sentences(analyse(sentences, paragraphs, None), load_model(), 3)


def _lexrank(segmenter: pysbd.Segmenter) -> Callable[[str], None]:
    def run(text: str) -> None:
        sentences = [s.strip() for p in text.split("\n\n") for s in segmenter.segment(p)]
        sumy_select("lexrank", [s for s in sentences if s], 3)

    return run


def median_ms(func: Callable[[str], object], text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(text)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Summarizer time against article length")
    parser.add_argument("path", type=Path)
    parser.add_argument("--sizes", default="300,1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    paragraphs = [p for r in read_records(args.path) for p in r.text.split("\n\n") if p.strip()]
    segmenter = pysbd.Segmenter(language="fr", clean=False)
    methods: dict[str, Callable[[str], object]] = {
        "depeche": summarize,
        "depeche-uncapped": _uncapped,
        "lexrank": _lexrank(segmenter),
    }
    summarize("Échauffement. Une phrase pour charger le modèle.")
    print(f"{'words':>6} {'chars':>7} " + " ".join(f"{m:>17}" for m in methods) + "  (median ms)")
    for size in (int(s) for s in args.sizes.split(",")):
        text = build_article(paragraphs, size)
        repeat = args.repeat if size <= 5000 else max(1, args.repeat // 2)
        cells = [median_ms(func, text, repeat) for func in methods.values()]
        print(f"{size:>6} {len(text):>7} " + " ".join(f"{c:>17.2f}" for c in cells))


if __name__ == "__main__":
    main()
