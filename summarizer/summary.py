"""Extractive French summaries: whole sentences of the article, verbatim, in article order.

``summarize`` is the one entry point. The default ``depeche`` algorithm scores sentences with the
features of ``summarizer.ranking`` (lede and position priors, title overlap, centrality, length,
anaphora) and lets the learned summary-level model of ``summarizer.selection`` pick one to three
of the best ones: it decides the length, and never opens on a sentence that refers back to text
left out (``summarizer.cohesion``). ``lead`` takes the first sentences; the sumy methods are
baselines.
"""

from __future__ import annotations

import re

from summarizer.model import Summary
from summarizer.ranking import analyse
from summarizer.selection import load_model, select_sentences
from summarizer.sentences import split_sentences

__all__ = ["ALGORITHMS", "MAX_INPUT_CHARS", "candidate_sentences", "summarize"]

ALGORITHMS: tuple[str, ...] = (
    "depeche",
    "lead",
    "lexrank",
    "textrank",
    "lsa",
    "luhn",
    "kl",
    "sumbasic",
)
MAX_INPUT_CHARS = 20_000
_MIN_WORDS = 4  # shorter units ("Explications.", "Vidéo.") are poor summaries
_ELLIPSIS = "…"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0\u202f]*\n")
_FINAL_PUNCTUATION = re.compile(r"(?:[.!?…])(?:[\s\u00a0\u202f]*[»”\"’)\]])*$")


def summarize(
    text: str,
    *,
    title: str | None = None,
    max_sentences: int = 3,
    max_chars: int = 500,
    algorithm: str = "depeche",
) -> Summary:
    """Summarize French ``text`` into at most ``max_sentences`` sentences and ``max_chars``.

    Raises ``ValueError`` for an unknown ``algorithm`` or a non-positive budget; any text,
    including an empty one, is accepted (an empty text gives an empty summary).
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown summarization algorithm: {algorithm!r}")
    if max_sentences < 1 or max_chars < 1:
        raise ValueError("max_sentences and max_chars must be positive")
    sentences, paragraphs = candidate_sentences(_cap(text))
    if not sentences:
        return Summary((), algorithm)
    if algorithm == "depeche":
        ranked = _rank_depeche(sentences, paragraphs, title, max_sentences, max_chars)
    elif algorithm == "lead":
        ranked = list(range(len(sentences)))
    else:
        from summarizer.sumy_methods import sumy_select

        ranked = sumy_select(algorithm, sentences, max_sentences) or [0]
    return Summary(_fit(sentences, ranked, max_sentences, max_chars), algorithm)


def _cap(text: str) -> str:
    """The first ``MAX_INPUT_CHARS`` characters, cut back to a white space when possible."""
    if len(text) <= MAX_INPUT_CHARS:
        return text
    head = text[:MAX_INPUT_CHARS]
    space = max(head.rfind(" "), head.rfind("\n"))
    return head[:space] if space > MAX_INPUT_CHARS // 2 else head


def candidate_sentences(text: str) -> tuple[list[str], list[int]]:
    """Summary-worthy sentences (final punctuation, a few words) and their paragraph numbers."""
    sentences: list[str] = []
    paragraphs: list[int] = []
    fallback: list[str] = []
    paragraphs_of_text = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    for number, paragraph in enumerate(paragraphs_of_text):  # blank runs are not paragraphs
        for sentence in split_sentences(paragraph):
            if not _FINAL_PUNCTUATION.search(sentence):
                continue  # a heading or a caption: never part of a summary
            if len(sentence.split()) < _MIN_WORDS:
                fallback.append(sentence)
                continue
            sentences.append(sentence)
            paragraphs.append(number)
    if not sentences and fallback:
        return fallback, list(range(len(fallback)))
    return sentences, paragraphs


def _rank_depeche(
    sentences: list[str],
    paragraphs: list[int],
    title: str | None,
    max_sentences: int,
    max_chars: int,
) -> list[int]:
    """Indices of the sentences to keep, best first (the caller restores text order)."""
    infos = analyse(sentences, paragraphs, title)
    return select_sentences(infos, load_model(), max_sentences, max_chars)


def _fit(
    sentences: list[str], ranked: list[int], max_sentences: int, max_chars: int
) -> tuple[str, ...]:
    """Keep ranked sentences within both budgets, in text order; cut a lone overlong one."""
    kept: list[int] = []
    used = 0
    for index in ranked:
        if len(kept) >= max_sentences:
            break
        extra = len(sentences[index]) + (1 if kept else 0)
        if used + extra <= max_chars:
            kept.append(index)
            used += extra
    if kept:
        return tuple(sentences[i] for i in sorted(kept))
    return (_truncate(sentences[ranked[0]], max_chars),)


def _truncate(sentence: str, max_chars: int) -> str:
    """Cut ``sentence`` at a word boundary so that it and an ellipsis fit in ``max_chars``."""
    limit = max_chars - len(_ELLIPSIS)
    if limit <= 0:
        return _ELLIPSIS[:max_chars]
    head = sentence[: limit + 1]
    space = head.rfind(" ")
    head = head[:space] if 0 < space <= limit else sentence[:limit]
    return head.rstrip(" ,;:") + _ELLIPSIS
