"""Hypothesis invariants of splitting and summarizing on arbitrary text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.sentences import split_sentences
from summarizer.summary import ALGORITHMS, summarize

# Sentence-like French text: words, punctuation that matters to the splitter, line breaks.
_PIECES = st.sampled_from(
    ["Le", "maire", "M.", "Mme", "a", "dit", "« oui »", "2.600", "3,5 %", "J.-C.", "etc.",
     "Paris", "été", "!", "?", "…", "...", ".", ",", "\n", "\n\n", "www.a.fr", "x@y.fr",
     "Il", "Cette", "décision", "J.", "» ", "\u00a0"]
)  # fmt: skip
FRENCHISH = st.lists(_PIECES, max_size=80).map(" ".join)
ANY_TEXT = st.one_of(FRENCHISH, st.text(max_size=400))


def _in_order(source: str, parts: tuple[str, ...] | list[str]) -> bool:
    cursor = 0
    for part in parts:
        found = source.find(part, cursor)
        if found < 0:
            return False
        cursor = found + len(part)
    return True


@given(ANY_TEXT)
def test_split_gives_trimmed_verbatim_substrings_in_order(text: str) -> None:
    sentences = split_sentences(text)
    assert all(s and s == s.strip() for s in sentences)
    assert _in_order(text, sentences)


@given(
    ANY_TEXT,
    st.sampled_from(ALGORITHMS),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=600),
)
@settings(max_examples=150, deadline=None)
def test_summary_is_verbatim_ordered_and_within_budget(
    text: str, algorithm: str, max_sentences: int, max_chars: int
) -> None:
    summary = summarize(text, algorithm=algorithm, max_sentences=max_sentences, max_chars=max_chars)
    assert summary.algorithm == algorithm
    assert len(summary.sentences) <= max_sentences
    assert len(summary.text) <= max_chars
    whole = [s for s in summary.sentences if not s.endswith("…") or s in text]
    assert _in_order(text, whole)
    if len(whole) < len(summary.sentences):  # the cut overlong sentence
        (cut,) = summary.sentences
        assert text.find(cut[:-1]) >= 0 or not cut[:-1]


@given(FRENCHISH, st.one_of(st.none(), FRENCHISH))
@settings(max_examples=100, deadline=None)
def test_depeche_is_deterministic(text: str, title: str | None) -> None:
    assert summarize(text, title=title) == summarize(text, title=title)
