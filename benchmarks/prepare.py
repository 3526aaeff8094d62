"""CPU of one prepared article, side by side with another version of the code, in one run.

    python -m benchmarks.prepare ../shared/eval/dev.jsonl [--limit 300] [--baseline REF]
                                 [--rounds 3] [--json OUT]

What the bot's worker processes do for one new entry (``bot.news.workers``): extract the page
(``extract_task``: parse, extraction, metadata, cleaning), then summary and topics
(``summarize_task``), the two calls every version has (today's bot runs both in one
``page_prepare_task``, with the entry's fields and the story features); and, per feed,
``parse_task`` on a feed of 30 entries, with descriptions only and with every article whole in
``content:encoded``. Pages are built from the dev set's bodies as the pipeline benchmark's farm
builds them (``benchmarks.farm``).

Each version runs in its own Python process (``--baseline REF`` is a git commit, tag or branch,
checked out into a temporary folder with ``git worktree``; without it, the baseline is
``HEAD`` and the current tree is the work tree, uncommitted changes included). The rounds
alternate between the two (A B A B ...) so a busy machine slows both alike; each article keeps
its lowest CPU time (``time.process_time``) over the rounds. Printed: median and p95 ms of CPU
per article and per feed for both, and their ratio. ``--json OUT`` writes
``{"prepare_ms_median": .., "baseline_ms_median": .., ...}``.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FEED_ENTRIES = 30
BUDGET = (3, 500, "depeche")  # the settings' defaults: 3 sentences, 500 characters


# --- the measuring side: runs inside the tree under test -----------------------------------


def measure(tree: Path, material: Path) -> dict[str, list[float]]:
    """CPU ms per page and per feed, with ``tree``'s code (imported from there, not from here)."""
    sys.path.insert(0, str(tree))
    from bot.news import workers  # the version under test

    if not Path(workers.__file__).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"measured the wrong tree: {workers.__file__} is not under {tree}")

    pages, feeds, full_feeds = pickle.loads(material.read_bytes())
    # The entries are dated by their feed: a version that can use it is told, as the bot does.
    dated = (True,) if "date_known" in inspect.signature(workers.extract_task).parameters else ()
    page_ms, feed_ms = [], []
    for url, html in pages:
        start = time.process_time()
        article = workers.extract_task(html, url, *dated)
        workers.summarize_task(article.text, article.title, article.categories, BUDGET)
        page_ms.append((time.process_time() - start) * 1000)
    full_ms = []
    for documents, times in ((feeds, feed_ms), (full_feeds, full_ms)):
        for url, data in documents:
            start = time.process_time()
            workers.parse_task(data, url, "application/rss+xml")
            times.append((time.process_time() - start) * 1000)
    return {"pages": page_ms, "feeds": feed_ms, "full_feeds": full_ms}


# --- the driving side ----------------------------------------------------------------------


Documents = list[tuple[str, bytes]]  # (address, bytes)


def build_material(dev: Path, limit: int) -> tuple[Documents, Documents, Documents]:
    """The pages, the feeds as the farm serves them (a 300-character description per entry)
    and the same feeds with each article whole in ``content:encoded`` (paragraphs, a relative
    link and image, as many publishers' feeds carry them)."""
    from benchmarks.evaluation import read_records
    from benchmarks.farm import page_html as _page

    records = [r for r in read_records(dev, limit) if len(r.text.split()) >= 60]
    pages = [
        (f"https://site-{n % 7}.exemple.fr/article/{n}", _page(r.title or r.text[:60], r.text))
        for n, r in enumerate(records)
    ]
    feeds, full_feeds = [], []
    for start in range(0, len(records), FEED_ENTRIES):
        for whole, out in ((False, feeds), (True, full_feeds)):
            items = "".join(
                f"<item><title>{escape(r.title or r.text[:60])}</title>"
                f"<link>https://site-1.exemple.fr/article/{start + k}</link>"
                f"<guid>a-{start + k}</guid><pubDate>Tue, 24 Nov 2026 10:{k:02d}:00 +0100</pubDate>"
                f"<description>{escape(r.text[:300])}</description>"
                f"{_content(r.text, start + k) if whole else ''}</item>"
                for k, r in enumerate(records[start : start + FEED_ENTRIES])
            )
            feed = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
                ' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                f"<title>Journal</title><link>https://site-1.exemple.fr/</link>{items}"
                "</channel></rss>"
            )
            out.append((f"https://site-1.exemple.fr/rss/{start}.xml", feed.encode()))
    return pages, feeds, full_feeds


def _content(text: str, n: int) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    html = f"<img src='/images/{n}.jpg'>{paragraphs}<p><a href='/rubrique/{n}'>Lire aussi</a></p>"
    return f"<content:encoded><![CDATA[{html}]]></content:encoded>"


@contextlib.contextmanager
def checked_out(ref: str) -> Iterator[Path]:
    """``ref`` in a temporary git worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="depeche-baseline-") as folder:
        tree = Path(folder) / "tree"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", "--quiet", str(tree), ref], check=True)
        try:
            yield tree
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)


def run_round(tree: Path, material: Path) -> dict[str, list[float]]:
    """One measurement in a fresh process, so no import or cache of the other version leaks."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(tree), str(material)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tree)
    return dict(json.loads(done.stdout.splitlines()[-1]))


def best_of(rounds: Sequence[dict[str, list[float]]], key: str) -> list[float]:
    return [min(values) for values in zip(*(r[key] for r in rounds), strict=True)]


def p95(values: Sequence[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def report(label: str, baseline: list[float], current: list[float]) -> dict[str, float]:
    b_med, c_med = statistics.median(baseline), statistics.median(current)
    print(
        f"{label:<22} baseline median {b_med:7.2f} p95 {p95(baseline):7.2f}   "
        f"current median {c_med:7.2f} p95 {p95(current):7.2f}   ratio {c_med / b_med:5.2f}"
    )
    return {"baseline_median": b_med, "current_median": c_med, "ratio": c_med / b_med}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[2]), Path(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dev", type=Path)
    parser.add_argument("--limit", type=int, default=300, help="articles read from the dev set")
    parser.add_argument("--baseline", default="HEAD", help="git ref to compare with (HEAD)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per version, alternated")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pages, feeds, full_feeds = build_material(args.dev, args.limit)
    results: dict[str, list[dict[str, list[float]]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory() as folder, checked_out(args.baseline) as base:
        material = Path(folder) / "material.pickle"
        material.write_bytes(pickle.dumps((pages, feeds, full_feeds)))
        for _ in range(args.rounds):
            results["baseline"].append(run_round(base, material))
            results["current"].append(run_round(ROOT, material))
    print(
        f"{len(pages)} pages, {len(feeds)} feeds of {FEED_ENTRIES} entries, baseline "
        f"{args.baseline}, {args.rounds} alternated rounds each, CPU ms (best of the rounds)"
    )
    figures: dict[str, Any] = {
        "article": report(
            "prepared article", best_of(results["baseline"], "pages"),
            best_of(results["current"], "pages"),
        ),
        "feed": report(
            "parsed feed", best_of(results["baseline"], "feeds"),
            best_of(results["current"], "feeds"),
        ),
        "full_feed": report(
            "feed, whole contents", best_of(results["baseline"], "full_feeds"),
            best_of(results["current"], "full_feeds"),
        ),
    }  # fmt: skip
    if args.json:
        figures["prepare_ms_median"] = figures["article"]["current_median"]
        figures["baseline_ms_median"] = figures["article"]["baseline_median"]
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
