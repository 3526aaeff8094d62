"""Sentence features of the ``depeche`` summarizer (the input of ``summarizer.selection``).

Every sentence of an article gets a small vector of cheap, language-aware features (position and
lede priors, length, overlap with the title, centrality in the article, anaphoric openings,
quotes, ...) and two flags from ``summarizer.cohesion``: whether it depends on the sentence before
it, and whether it leaves a quotation open that the sentence after it goes on with. The first
stage of the model in ``summarizer.selection`` turns the vector into a score that estimates how
much of a lede-style reference the sentence alone would cover. Pure Python: no numpy at run time.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.cohesion import depends_on_previous, quotation_spans
from summarizer.hints import lowered

__all__ = ["FEATURE_NAMES", "SentenceInfo", "analyse", "stems"]

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_STEM_LENGTH = 6

# A compact French stop list (function words, auxiliaries, very common verbs).
_STOP_WORDS_TEXT = """
a à afin ai aie aient ainsi alors au aucun aussi autre autres aux avait avaient avant avec
avoir avons ayant c ça car ce ceci cela celle celles celui cependant ces cet cette ceux
chaque chez comme comment d dans de depuis des deux dont du elle elles en encore entre es
est et été étaient était être eu eux fait faire fois font hors il ils j je jusqu l la le
les leur leurs lors lui m ma mais me même mes moi moins mon ne ni nos notre nous on ont ou
où par parce pas peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui
quoi s sa sans se selon ses si sien son sont sous sur t ta tandis te tes toi ton tous tout
toute toutes très tu un une vers voici voilà vos votre vous y déjà après sera seront
aurait serait dit n cet sous tout ont avait été fait faut va vont
"""
_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_ANAPHORIC_OPENINGS_TEXT = """
il elle ils elles ce cette ces cela ça celui celle ceux celles mais pourtant toutefois
cependant ainsi aussi alors donc enfin lui leur son sa ses là puis ensuite or néanmoins
d'ailleurs ailleurs autre également
"""
_ANAPHORIC_OPENINGS = frozenset(_ANAPHORIC_OPENINGS_TEXT.split())
_REPORTING = re.compile(
    r"\b(?:a-t-il|a-t-elle|ont-ils|ont-elles|selon|affirm|déclar|expliqu|précis|indiqu|ajout|"
    r"estim|souligné|assur)",
    re.IGNORECASE,
)
_DAYS = re.compile(
    r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|hier|aujourd'hui|mercredi)\b",
    re.IGNORECASE,
)
# Words one of the two patterns above needs, in lower case: a sentence without any of them
# (most sentences) is not searched (``summarizer.hints``).
_REPORTING_HINT = re.compile(
    "a-t-il|a-t-elle|ont-ils|ont-elles|selon|affirm|déclar|expliqu|précis|indiqu|ajout|estim"
    "|souligné|assur"
)
_DAYS_HINT = re.compile("lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|hier|aujourd'hui")

FEATURE_NAMES: tuple[str, ...] = (
    "bias",
    "pos_0",
    "pos_1",
    "pos_2",
    "pos_3",
    "pos_4_plus",
    "inv_pos",
    "rel_pos",
    "para_0",
    "para_first",
    "log_words",
    "short",
    "long",
    "title_recall",
    "title_precision",
    "centrality",
    "anaphoric",
    "quote",
    "quote_open",
    "digits",
    "question",
    "reporting",
    "day",
    "capitals",
    "first_short_para",
    "words_15_25",
    "words_25_35",
    "lede_overlap",
    "keywords",
)


@dataclass(frozen=True, slots=True)
class SentenceInfo:
    """One candidate sentence: its place in the article, its stems and its feature vector."""

    index: int  # position among the article's sentences
    text: str
    words: int
    stems: frozenset[str]
    features: tuple[float, ...]
    dependent: bool = False  # opens on a reference to the previous sentence (never index 0)
    continued: bool = False  # leaves a quotation open: the next sentence must follow it


def stems(text: str) -> list[str]:
    """Content-word stems: casefolded words minus stop words, cut to a fixed prefix."""
    return [
        word[:_STEM_LENGTH]
        for word in _WORD.findall(text.casefold())
        if len(word) > 1 and word not in _STOP_WORDS and not word.isdigit()
    ]


def analyse(
    sentences: Sequence[str], paragraphs: Sequence[int], title: str | None
) -> list[SentenceInfo]:
    """Feature vectors for ``sentences`` (``paragraphs[i]`` is sentence i's paragraph number)."""
    stem_lists = [stems(s) for s in sentences]
    doc_counts: Counter[str] = Counter()
    for items in stem_lists:
        doc_counts.update(set(items))
    title_stems = frozenset(stems(title)) if title else frozenset()
    first_para_words = sum(
        len(s.split()) for s, p in zip(sentences, paragraphs, strict=True) if p == 0
    )
    lede = tuple(frozenset(items) for items in stem_lists[:2])
    # Ties broken by the stem itself: set order varies with the hash seed between processes.
    best = heapq.nsmallest(10, doc_counts.items(), key=lambda item: (-item[1], item[0]))
    top = frozenset(s for s, n in best if n > 1)
    repeated = frozenset(s for s, n in doc_counts.items() if n > 1)
    context = _Context(
        len(sentences), paragraphs, repeated, title_stems, first_para_words, _others(lede), top
    )
    quotes = quotation_spans(sentences, paragraphs)
    last = len(sentences) - 1  # the last sentence has no successor to follow it
    infos = []
    for index, text in enumerate(sentences):
        stem_set = frozenset(stem_lists[index])
        tokens = text.split()
        features = _features(index, text, tokens, stem_set, context)
        begins_inside, ends_inside = quotes[index]
        dependent = index > 0 and (begins_inside or depends_on_previous(text))
        continued = ends_inside and index < last
        infos.append(
            SentenceInfo(index, text, len(tokens), stem_set, features, dependent, continued)
        )
    return infos


def _others(lede: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """For sentences 0, 1 and any later one, the stems of the first two sentences but itself."""
    return tuple(
        frozenset().union(*(s for i, s in enumerate(lede) if i != index)) for index in range(3)
    )


@dataclass(frozen=True, slots=True)
class _Context:
    count: int
    paragraphs: Sequence[int]
    repeated: frozenset[str]  # stems used by more than one sentence
    title_stems: frozenset[str]
    first_para_words: int
    lede_others: tuple[frozenset[str], ...]  # ``_others``
    top_stems: frozenset[str]


def _features(
    index: int, text: str, tokens: list[str], stem_set: frozenset[str], ctx: _Context
) -> tuple[float, ...]:
    words = len(tokens)
    para = ctx.paragraphs[index]
    para_first = index == 0 or ctx.paragraphs[index - 1] != para
    shared = len(stem_set & ctx.title_stems)
    # Centrality: share of the sentence's stems that other sentences also use.
    central = len(stem_set & ctx.repeated) / len(stem_set) if stem_set else 0
    first_word = tokens[0].casefold().strip('«"“(—–-,') if tokens else ""
    capitals = sum(1 for w in tokens[1:] if w[:1].isupper())
    lower = lowered(text)
    title_recall = shared / len(ctx.title_stems) if ctx.title_stems else 0.0
    keywords = len(stem_set & ctx.top_stems) / len(ctx.top_stems) if ctx.top_stems else 0.0
    inv_pos = 1.0 / (index + 1)
    return (
        1.0,
        float(index == 0),
        float(index == 1),
        float(index == 2),
        float(index == 3),
        float(index >= 4),
        inv_pos,
        index / max(ctx.count - 1, 1),
        float(para == 0),
        float(para_first),
        math.log(words + 1),
        float(words < 8),
        float(words > 45),
        title_recall,
        shared / len(stem_set) if stem_set else 0.0,
        central,
        float(first_word in _ANAPHORIC_OPENINGS),
        float("«" in text or "“" in text),
        float(text[:1] in '«"“—–-'),
        float(bool(_DIGIT.search(text))),
        float(text.rstrip('»”" )').endswith(("?", "!"))),
        float(bool(_REPORTING_HINT.search(lower) and _REPORTING.search(text))),
        float(bool(_DAYS_HINT.search(lower) and _DAYS.search(text))),
        capitals / words if words else 0.0,
        float(para == 0 and ctx.first_para_words < 15),
        float(15 <= words < 25),
        float(25 <= words < 35),
        len(stem_set & ctx.lede_others[min(index, 2)]) / len(stem_set) if stem_set else 0.0,
        keywords,
    )
