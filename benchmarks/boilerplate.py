"""Boilerplate that reaches what members read (issue 15): real pages, extracted as the bot does.

    python -m benchmarks.boilerplate [DIR] [--json OUT] [--verbose]

``DIR`` (default ``../shared/pages``) holds HTML pages and an ``expected.json`` mapping each file
to its ``url``, ``with`` snippets (main text a good extraction keeps) and ``without`` snippets
(boilerplate it leaves out), as in trafilatura's evaluation set. Each page goes through the bot's
own steps (``extract_article`` with the page's URL, ``summarize`` with the default settings,
``topics_for``) and is checked for:

- ``without`` snippets in the title, the summary, the topics, the authors or the article text (a
  snippet that is part of the page's own ``<h1>`` headline is the article's title, not
  boilerplate in it);
- ``with`` snippets in the article text, counted among those trafilatura itself keeps (the
  sub-headings the project drops from the text on purpose count as kept);
- the classes of boilerplate of the issue, on any page (``lint``): the site's name or a date as a
  segment of the title (``Titre | Site``, ``Site : Titre``, ``Titre - Site | 23.05.2011``), a label
  or an unclosed bracket in an author (``Auteur X``, ``Par X``, ``X (www.site.com``), cookie,
  consent, form or newsletter text, "lire aussi" and share prompts, identifier-like template
  tokens (``smart_paging_autop_filter``) or the title repeated inside a summary sentence, and
  topics that are section codes (``culture_culture-lifestyle``), near-duplicates once accents and
  apostrophes are folded, or hold the site's name (``Guinée-Conakry DW``).

A page passes with none of these. Topics that occur neither in the title nor in the text are
listed (``off-text``) for a look, not counted: a publisher's section ("Société") rarely does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
from lxml import html as lxml_html

from summarizer.article import extract_article
from summarizer.cleaning import is_heading
from summarizer.errors import ExtractionError
from summarizer.metadata import decode_html
from summarizer.summary import summarize
from summarizer.topics import normalize_term, topics_for

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "pages"
_SEGMENT_SPLIT_RE = re.compile(r"\s+[|–—-]\s+|\s+:\s+|\s*\|\s*")
_DATE_ONLY_RE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_AUTHOR_LABEL_RE = re.compile(
    r"^(?:auteure?s?|par|by|r[ée]dig[ée]e?\s+par|[ée]crit\s+par|propos\s+recueillis\s+par"
    r"|un(?:e)?\s+(?:documentaire|reportage|article|podcast|enqu[êe]te|chronique)\s+de)\b",
    re.I,
)
_BOILERPLATE_RE = re.compile(
    r"\bcookies?\b|\btraceurs\b|consentement|tout\s+(?:refuser|accepter)|\bformulaire\b"
    r"|\bnewsletters?\b|liste\s+de\s+diffusion|\babonnez[\s-]vous\b|\binscrivez[\s-]vous\b"
    r"|\bcliquez\b|\bcliquant\b|\b(?:[àa]\s+)?lire\s+aussi\b|\bpartager\s+(?:sur|cet)\b"
    r"|\bci-dessous\b",
    re.I,
)
_TOKEN_RE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+){2,}\b|\{\{.*?\}\}|%%\w+%%|\[\[\w+\]\]")


@dataclass
class PageResult:
    """What one page gave and what is wrong with it (``problems`` empty: it passes)."""

    name: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    without_found: dict[str, list[str]] = field(default_factory=dict)
    with_kept: int = 0
    with_expected: int = 0  # the snippets trafilatura itself keeps
    with_missing: list[str] = field(default_factory=list)
    lint: list[str] = field(default_factory=list)
    off_text_topics: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def problems(self) -> list[str]:
        found = [f"without in {where}: {snips}" for where, snips in self.without_found.items()]
        missing = [f"with missing: {snippet!r}" for snippet in self.with_missing]
        return ([self.error] if self.error else []) + found + missing + self.lint

    @property
    def passed(self) -> bool:
        return not self.problems


def _flat(text: str) -> str:
    return " ".join(text.split())


def _fold(text: str) -> str:
    """Compact comparable form: accents, case, apostrophes and spaces folded away."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def site_names(site_name: str | None, url: str | None) -> set[str]:
    """Folded forms of the site's name: ``site_name`` and the URL's domain label."""
    names = {_fold(site_name)} if site_name else set()
    host = urlsplit(url or "").hostname or ""
    labels = [label for label in host.split(".") if label not in {"www", "m", "fr", "amp"}]
    if labels:
        names.add(_fold(labels[0] if len(labels) == 1 else labels[-2]))
        names.add(_fold("".join(labels)))
    return {name for name in names if len(name) >= 2}


def lint(
    title: str,
    authors: Sequence[str],
    summary: Sequence[str],
    topics: Sequence[str],
    *,
    site_name: str | None,
    url: str | None,
) -> list[str]:
    """The issue's classes of boilerplate found in what a member reads."""
    problems: list[str] = []
    names = site_names(site_name, url)
    segments = [s for s in _SEGMENT_SPLIT_RE.split(title) if s.strip()]
    if len(segments) > 1:
        for segment in segments:
            folded = _fold(segment)
            if folded in names or _DATE_ONLY_RE.match(segment.strip()):
                problems.append(f"title segment {segment.strip()!r}")
    for author in authors:
        if _AUTHOR_LABEL_RE.match(author):
            problems.append(f"author label {author!r}")
        if author.count("(") != author.count(")") or "www." in author or "://" in author:
            problems.append(f"author bracket or address {author!r}")
    folded_title = _fold(title)
    for sentence in summary:
        if match := _BOILERPLATE_RE.search(sentence):
            problems.append(f"summary boilerplate {match.group()!r}: {sentence[:80]!r}")
        if match := _TOKEN_RE.search(sentence):
            problems.append(f"summary token {match.group()!r}")
        folded = _fold(sentence)
        if len(folded_title) >= 20 and folded_title in folded and folded != folded_title:
            problems.append(f"title repeated in {sentence[:80]!r}")
    seen: dict[str, str] = {}
    for topic in topics:
        if "_" in topic:
            problems.append(f"topic code {topic!r}")
        folded = _fold(topic)
        if folded in seen:
            problems.append(f"topic duplicate {seen[folded]!r} / {topic!r}")
        seen.setdefault(folded, topic)
        words = normalize_term(topic).split()
        runs = {
            "".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
        }
        if runs & names:
            problems.append(f"topic holds the site name {topic!r}")
    return problems


def _headline(document: str) -> str:
    try:
        root = lxml_html.document_fromstring(document)
    except (ValueError, lxml_html.etree.LxmlError):
        return ""
    return " ".join(_flat(h.text_content()) for h in root.iter("h1"))


def check_page(name: str, html: bytes, spec: dict[str, object]) -> PageResult:
    """Run one page through the bot's steps and check it against ``spec``."""
    result = PageResult(name)
    url = str(spec.get("url") or "") or None
    with_snippets = [str(s) for s in spec.get("with", []) or []]  # type: ignore[attr-defined]
    without = [str(s) for s in spec.get("without", []) or []]  # type: ignore[attr-defined]
    try:
        article = extract_article(html, url=url)
    except ExtractionError as exc:
        result.error = f"extraction failed ({exc.reason})"
        return result
    summary = summarize(article.text, title=article.title)
    topics = topics_for(article.title, article.categories, article.text)
    result.title, result.authors = article.title, list(article.authors)
    result.summary, result.topics = list(summary.sentences), list(topics)
    document = decode_html(html)
    headline = _headline(document)
    places = {
        "title": article.title,
        "summary": summary.text,
        "topics": " · ".join(topics),
        "authors": " · ".join(article.authors),
        "text": article.text,
    }
    for where, text in places.items():
        found = [s for s in without if s in text and not (where == "title" and s in headline)]
        if found:
            result.without_found[where] = found
    raw = trafilatura.extract(document, url=url, include_comments=False, include_tables=False)
    theirs, ours = _flat(raw or ""), _flat(article.text)
    headings = [_flat(line) for line in (raw or "").splitlines() if is_heading(_flat(line))]
    for snippet in with_snippets:
        flat = _flat(snippet)
        if flat not in theirs:
            continue
        result.with_expected += 1
        if flat in ours or any(flat in heading for heading in headings):
            result.with_kept += 1
        else:
            result.with_missing.append(snippet)
    result.lint = lint(
        article.title, article.authors, summary.sentences, topics,
        site_name=article.site_name, url=url,
    )  # fmt: skip
    folded_text = normalize_term(f"{article.title} {article.text}")
    result.off_text_topics = [t for t in topics if normalize_term(t) not in folded_text]
    return result


def run(directory: Path) -> list[PageResult]:
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    results = []
    for name in sorted(expected):
        path = directory / name
        if path.is_file():
            results.append(check_page(name, path.read_bytes(), expected[name]))
    return results


def _print(results: list[PageResult], verbose: bool) -> None:
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        print(f"{mark} {r.name}")
        print(f"     title:   {r.title!r}")
        print(f"     authors: {r.authors}")
        print(f"     topics:  {r.topics}")
        found = "; ".join(f"{w}: {s}" for w, s in r.without_found.items()) or "none"
        print(f"     without found: {found}")
        print(f"     with kept: {r.with_kept}/{r.with_expected} (of those trafilatura keeps)")
        for problem in r.problems:
            if not problem.startswith("without in"):
                print(f"     - {problem}")
        if r.off_text_topics:
            print(f"     off-text topics (not counted): {r.off_text_topics}")
        if verbose:
            for sentence in r.summary:
                print(f"     | {sentence}")
    passed = sum(r.passed for r in results)
    rate = passed / len(results) if results else 0.0
    clean = sum(not r.without_found for r in results)
    kept = sum(r.with_kept for r in results)
    expected = sum(r.with_expected for r in results)
    print(
        f"\npages {len(results)}: pass {passed}/{len(results)} ({rate:.0%}); "
        f"no without snippet {clean}/{len(results)}; with kept {kept}/{expected}; "
        f"lint problems {sum(len(r.lint) for r in results)}; "
        f"off-text topics {sum(len(r.off_text_topics) for r in results)} (not counted)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.boilerplate", description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--json", type=Path, help="write the per-page results here")
    parser.add_argument("--verbose", action="store_true", help="print the summaries too")
    args = parser.parse_args(argv)
    if not (args.directory / "expected.json").is_file():
        print(f"no expected.json in {args.directory}", file=sys.stderr)
        return 2
    results = run(args.directory)
    _print(results, args.verbose)
    if args.json:
        rows = [asdict(r) | {"passed": r.passed, "problems": r.problems} for r in results]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
