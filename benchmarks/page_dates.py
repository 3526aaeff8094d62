"""How long extraction spends on dates (issue 15): trafilatura asks htmldate, whose extensive
search may load dateparser's locales. Prints, in a fresh process each, the first and the next
extractions of a page whose date is in its metadata, of one whose date is only in its text and
of the pages given, whether dateparser was imported at all, and the cost of its locales alone.
"file-date-known" is the bot's case: the feed dated the entry (``date_known=True``), so the
extensive search is skipped. When the search runs, dateparser reads French and English only
(``summarizer.page_dates``). Measured on ../shared/pages/arteradio.com-nuls.html (no date in
its metadata), first page of a process: 2.7 s with dateparser in every language (its locales
loading), 0.31 s in French and English, 0.05 s with the date known; the 14 pages' dates are
the same either way (on a busy 2-core machine; figures vary by a factor of two).

    .venv/bin/python -m benchmarks.page_dates [PAGE.html ...]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BODY = "".join(
    f"<p>Le chœur fut fondé en 19{index:02d} ; il chanta le trois mai à la cathédrale, puis "
    "chaque mardi et jeudi dans l'ancienne salle paroissiale de la ville haute.</p>"
    for index in range(40)
)
DATED = (
    "<html><head><title>Histoire du chœur</title>"
    '<meta property="article:published_time" content="2026-11-02T08:00:00+01:00"></head>'
    f"<body><div class='date'>Mis à jour le 3 mars 2019</div><article>{BODY}</article></body>"
    "</html>"
)
UNDATED = DATED.replace('<meta property="article:published_time"', '<meta name="x"')


def _child(kind: str, page: str) -> None:
    from summarizer.article import extract_article

    pages = {"dated": DATED, "undated": UNDATED}
    html = pages[kind] if kind in pages else Path(page).read_bytes()
    known = kind == "file-date-known"
    times = []
    for _ in range(3):
        start = time.perf_counter()
        try:
            extract_article(html, date_known=known)
        except Exception as error:  # a page too short still shows its timing
            print(f"  ({type(error).__name__})", end="")
        times.append(time.perf_counter() - start)
    loaded = "dateparser" in sys.modules
    print(
        f"  first {times[0] * 1000:7.1f} ms, then {min(times[1:]) * 1000:6.1f} ms"
        f" (dateparser imported: {'yes' if loaded else 'no'})"
    )


def _locales(which: str) -> None:
    from dateparser import DateDataParser

    languages = None if which == "all" else which.split(",")
    start = time.perf_counter()
    DateDataParser(languages=languages).get_date_data("Mis à jour le 3 mars 2019")
    took = (time.perf_counter() - start) * 1000
    print(f"  dateparser's first unreadable string, languages {which}: {took:.0f} ms")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2] if len(argv) > 2 else "")
        return 0
    if argv[:1] == ["--locales"]:
        _locales(argv[1])
        return 0
    runs = [("dated", ""), ("undated", "")]
    runs += [(kind, page) for page in argv for kind in ("file", "file-date-known")]
    for kind, page in runs:
        print(f"{kind} {page}".rstrip(), flush=True)
        subprocess.run([sys.executable, "-m", "benchmarks.page_dates", "--child", kind, page])
    for which in ("all", "fr,en"):  # a fresh process each
        subprocess.run([sys.executable, "-m", "benchmarks.page_dates", "--locales", which])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
