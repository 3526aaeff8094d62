"""The sumy baselines (LexRank, TextRank, LSA, Luhn, KL, SumBasic), fed by our own splitter.

sumy's document model is built directly from sentences we already split (no NLTK punkt), words
come from a small regex tokenizer, and every summarizer uses ``Stemmer("french")`` and
``get_stop_words("french")`` as sumy intends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

__all__ = ["SUMY_METHODS", "WordTokenizer", "sumy_select"]

_CLASSES: dict[str, Callable[..., Any]] = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "lsa": LsaSummarizer,
    "luhn": LuhnSummarizer,
    "kl": KLSummarizer,
    "sumbasic": SumBasicSummarizer,
}
SUMY_METHODS: tuple[str, ...] = tuple(_CLASSES)
_WORD = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE)


class WordTokenizer:
    """The tokenizer object sumy's model expects; sentences are split beforehand."""

    language = "french"

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(_WORD.findall(sentence))


@cache
def _summarizer(name: str) -> Any:
    instance = _CLASSES[name](Stemmer("french"))
    instance.stop_words = get_stop_words("french")
    return instance


def sumy_select(name: str, sentences: Sequence[str], count: int) -> list[int]:
    """Indices (in text order) of the ``count`` sentences sumy's ``name`` method picks."""
    if name not in _CLASSES:
        raise ValueError(f"unknown sumy method: {name}")
    if not sentences or count < 1:
        return []
    tokenizer = WordTokenizer()
    document = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])
    picked = _summarizer(name)(document, count)
    positions: dict[str, list[int]] = {}
    for index, text in enumerate(sentences):
        positions.setdefault(text.strip(), []).append(index)
    chosen: list[int] = []
    for sentence in picked:
        free = positions.get(str(sentence), [])
        if free:
            chosen.append(free.pop(0))
    return sorted(chosen)
