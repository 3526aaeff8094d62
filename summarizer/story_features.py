"""What the story matcher compares: the words and the names of an article's title and lede.

An outlet that republishes a dispatch keeps its facts (the people, places, organisations and
figures) and most of its opening words, but rewrites the title, moves or trims the lede, cuts
sentences and adds its own. So an article is reduced to:

- ``words``: the content words of the title and of the first ``LEDE_WORDS`` words of the text
  (casefolded, accents folded, elisions and French stop words removed, a plural ``s``/``x``
  dropped), each with a weight: title words count ``TITLE_WEIGHT`` times;
- ``names``: the named entities, i.e. capitalised words that do not open a sentence, acronyms
  and numbers of two digits or more, in the same folded form (a subset of the words, weighted
  again by ``NAME_WEIGHT``).

Pure and deterministic: same title and text, same features.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from summarizer.urls import fold_accents

LEDE_WORDS = 160  # the lede: what every republication keeps in some form
TITLE_WEIGHT = 2.0
NAME_WEIGHT = 1.5
MIN_WORD_LENGTH = 3
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_TOKEN_RE = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?|[^\W\d_]+(?:['-][^\W\d_]+)*", re.UNICODE)
_ELISION_RE = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)'", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?:«»\"“”]$")
_EXTRA_STOP = frozenset(
    {
        "selon", "apres", "avant", "plus", "tres", "tout", "tous", "toute", "toutes", "cette",
        "ces", "ete", "etre", "fait", "faire", "dont", "mais", "aussi", "deux", "trois", "lors",
        "depuis", "encore", "ainsi", "alors", "entre", "sans", "sous", "vers", "chez", "comme",
        "video", "photo", "photos", "direct", "info", "exclusif", "afp", "jeudi", "lundi", "mardi",
        "mercredi", "vendredi", "samedi", "dimanche", "hier", "aujourd", "hui", "demain",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """The comparable form of one article (see the module docstring)."""

    words: dict[str, float]  # folded word -> weight (title, lede, names)
    names: frozenset[str]  # folded named entities and numbers

    @property
    def is_empty(self) -> bool:
        return not self.words


@cache
def _stop_words() -> frozenset[str]:
    from sumy.utils import get_stop_words  # sumy ships its French list: offline

    return frozenset({fold_accents(word) for word in get_stop_words("french")} | _EXTRA_STOP)


@lru_cache(maxsize=131_072)
def _fold(word: str) -> str:
    """The folded, singular form of a word ("Élysées" -> "elysee"); numbers lose separators."""
    if word[:1].isdigit():
        return re.sub(r"[.,\s]", "", word)
    folded = fold_accents(_ELISION_RE.sub("", word))
    if len(folded) > 4 and folded[-1] in "sx" and folded[-2] not in "su":
        folded = folded[:-1]
    return folded


def _is_name(token: str, previous: str | None) -> bool:
    """A number of two digits or more, an acronym, or a capitalised word inside a sentence."""
    if token[:1].isdigit():
        return len(token) >= 2
    if len(token) >= 2 and sum(ch.isupper() for ch in token) >= 2:
        return True
    core = _ELISION_RE.sub("", token)
    if not core[:1].isupper():
        return False
    return previous is not None and not _SENTENCE_END_RE.search(previous)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(folded word, is a name) for every kept token of ``text``, in order."""
    out: list[tuple[str, bool]] = []
    previous: str | None = None
    stop = _stop_words()
    for match in _TOKEN_RE.finditer(text.translate(_APOSTROPHES)):
        token = match.group()
        folded = _fold(token)
        if folded not in stop and (len(folded) >= MIN_WORD_LENGTH or folded.isdigit()):
            # Whether it is a name is read only for the words kept.
            before = text[max(0, match.start() - 2) : match.start()].strip()
            out.append((folded, _is_name(token, before if previous is not None else None)))
        previous = token
    return out


def lede_of(text: str, words: int = LEDE_WORDS) -> str:
    """The first ``words`` words of ``text`` (the lede and what follows it)."""
    parts = text.split(maxsplit=words)
    return " ".join(parts[:words])


def story_features(title: str, text: str) -> StoryFeatures:
    """The features of an article from its title and its text (only the lede is read)."""
    weights: dict[str, float] = {}
    names: set[str] = set()
    for source, weight in ((title, TITLE_WEIGHT), (lede_of(text), 1.0)):
        for word, is_name in _tokens(source):
            weights[word] = weights.get(word, 0.0) + weight
            if is_name:
                names.add(word)
    for name in names:
        weights[name] *= NAME_WEIGHT
    return StoryFeatures(words=weights, names=frozenset(names))
