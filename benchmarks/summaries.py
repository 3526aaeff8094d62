"""Summary quality and speed on a JSONL eval set, one table per slice.

    python -m benchmarks.summaries PATH.jsonl [--json OUT] [--limit N] [--methods a,b,...|all]

The default run (ours, Lead-1/2/3, LexRank at 2 and 3 sentences, LexRank on our splitter) takes
about two minutes on the 1,498 dev articles; ``--methods all`` adds TextRank, LSA, Luhn, KL and
SumBasic (about ten minutes).

Methods: ``depeche`` (ours, the public ``summarize`` with default settings and the article's
title), Lead-1/2/3 and the sumy methods at 2 and 3 sentences on pysbd sentences (the protocol of
the dev set's reference table), and ``lexrank-ours-3`` (sumy LexRank on our splitter). Figures:
ROUGE-1/2/L F1 x100 (rs-default), a bootstrap 95% interval on ROUGE-L, mean summary words and
the time per article (median, p95), sentence splitting included, and ``quotes``: the share of
summaries whose quotation marks do not pair up (as many « as », “ as ”, an even number of ``"``),
i.e. a summary that begins or ends inside a quotation the sentence split cut.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pysbd

from benchmarks.evaluation import (
    Record,
    Scorer,
    bootstrap_ci,
    by_slice,
    mean,
    percentile,
    read_records,
)
from summarizer.sentences import split_sentences
from summarizer.summary import summarize
from summarizer.sumy_methods import SUMY_METHODS, sumy_select

Method = Callable[[Record, list[str]], str]  # (record, pysbd sentences) -> summary text
DEFAULT_METHODS = ("depeche", "lead-1", "lead-2", "lead-3", "lexrank-2", "lexrank-3",
                   "lexrank-ours-3")  # fmt: skip


def _ours(record: Record, _: list[str]) -> str:
    return summarize(record.text, title=record.title or None).text


def _lead(count: int) -> Method:
    return lambda _record, sentences: " ".join(sentences[:count])


def _sumy(name: str, count: int) -> Method:
    def run(_record: Record, sentences: list[str]) -> str:
        return " ".join(sentences[i] for i in sumy_select(name, sentences, count))

    return run


def _sumy_ours(record: Record, _: list[str]) -> str:
    sentences = split_sentences(record.text)
    return " ".join(sentences[i] for i in sumy_select("lexrank", sentences, 3))


def all_methods() -> dict[str, tuple[Method, bool]]:
    """name -> (method, whether it runs on pysbd sentences whose splitting time is added)."""
    methods: dict[str, tuple[Method, bool]] = {"depeche": (_ours, False)}
    for count in (1, 2, 3):
        methods[f"lead-{count}"] = (_lead(count), True)
    for name in SUMY_METHODS:
        for count in (2, 3):
            methods[f"{name}-{count}"] = (_sumy(name, count), True)
    methods["lexrank-ours-3"] = (_sumy_ours, False)
    return methods


def pysbd_split(records: Sequence[Record]) -> tuple[list[list[str]], list[float]]:
    """pysbd sentences of every record and the seconds each split took."""
    segmenter = pysbd.Segmenter(language="fr", clean=False)
    sentences, seconds = [], []
    for record in records:
        start = time.perf_counter()
        parts: list[str] = []
        for paragraph in record.text.split("\n\n"):
            parts.extend(s.strip() for s in segmenter.segment(paragraph) if s.strip())
        seconds.append(time.perf_counter() - start)
        sentences.append(parts)
    return sentences, seconds


def unbalanced_quotes(text: str) -> bool:
    """Whether the quotation marks of ``text`` fail to pair up (a count, whatever the rule of
    ``summarizer.cohesion``)."""
    return (
        text.count("«") != text.count("»")
        or text.count("“") != text.count("”")
        or (text.count('"') % 2 == 1)
    )


def run_method(
    method: Method,
    add_split: bool,
    records: Sequence[Record],
    split: tuple[list[list[str]], list[float]],
    scorer: Scorer,
) -> dict[str, float]:
    rows: list[tuple[float, float, float]] = []
    words: list[float] = []
    millis: list[float] = []
    broken = 0
    for record, sentences, split_seconds in zip(records, split[0], split[1], strict=True):
        start = time.perf_counter()
        summary = method(record, sentences)
        elapsed = time.perf_counter() - start + (split_seconds if add_split else 0.0)
        millis.append(1000 * elapsed)
        words.append(len(summary.split()))
        broken += unbalanced_quotes(summary)
        rows.append(scorer.score(record.reference, summary))
    low, high = bootstrap_ci([r[2] for r in rows])
    return {
        "n": len(rows),
        "rouge1": mean([r[0] for r in rows]),
        "rouge2": mean([r[1] for r in rows]),
        "rougeL": mean([r[2] for r in rows]),
        "rougeL_ci_low": low,
        "rougeL_ci_high": high,
        "words": mean(words),
        "ms_median": percentile(millis, 0.5),
        "ms_p95": percentile(millis, 0.95),
        "quotes_pct": 100 * broken / len(rows) if rows else 0.0,
    }


def print_table(name: str, results: dict[str, dict[str, float]]) -> None:
    n = next(iter(results.values()))["n"] if results else 0
    print(f"\n## slice {name} (n = {n:.0f})")
    print(f"{'method':<16} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'R-L 95% CI':>15} {'words':>6}"
          f" {'ms med':>7} {'ms p95':>7} {'quotes':>7}")  # fmt: skip
    for method, f in results.items():
        ci = f"[{f['rougeL_ci_low']:.2f}, {f['rougeL_ci_high']:.2f}]"
        print(
            f"{method:<16} {f['rouge1']:6.2f} {f['rouge2']:6.2f} {f['rougeL']:6.2f} {ci:>15}"
            f" {f['words']:6.1f} {f['ms_median']:7.2f} {f['ms_p95']:7.2f}"
            f" {f['quotes_pct']:6.1f}%"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Summary quality and speed benchmark")
    parser.add_argument("path", type=Path)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--methods", default="", help="comma-separated names, or all")
    args = parser.parse_args(argv)
    methods = all_methods()
    if not args.methods:
        methods = {m: methods[m] for m in DEFAULT_METHODS}
    elif args.methods != "all":
        wanted = [m.strip() for m in args.methods.split(",") if m.strip()]
        unknown = [m for m in wanted if m not in methods]
        if unknown:
            parser.error(f"unknown methods: {', '.join(unknown)}; known: {', '.join(methods)}")
        methods = {m: methods[m] for m in wanted}
    records = read_records(args.path, args.limit)
    summarize("Échauffement. Une phrase pour charger le modèle.")  # load once, outside timings
    scorer = Scorer()
    report: dict[str, dict[str, dict[str, float]]] = {}
    for name, subset in by_slice(records):
        split = pysbd_split(subset)
        results = {
            method: run_method(func, add_split, subset, split, scorer)
            for method, (func, add_split) in methods.items()
        }
        report[name] = results
        print_table(name, results)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
