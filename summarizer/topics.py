"""Topics of an article, for display and for follows (``/follow``-style subscriptions to a term).

``topics_for`` keeps the publisher's own categories first (cleaned, deduplicated on their
normalised form, original casing kept); when there are few, it adds the salient names of the
title (capitalised words and acronyms, e.g. "Emmanuel Macron", "SNCF"), then the title's content
words that recur most in the text. Everything is deterministic: same input, same tuple.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from summarizer.urls import normalize_title

MAX_TOPICS = 8
FEW_TOPICS = 3  # below this many categories, add names and words from the title
TITLE_RUN_WORDS = 3  # a followed term matches a run of up to this many title words
MAX_TOPIC_LENGTH = 60
GENERIC_CATEGORIES = frozenset(
    {
        "actualite", "actualites", "actu", "a la une", "une", "non classe", "uncategorized",
        "news", "general", "divers", "info", "infos", "article", "articles", "flash", "direct",
        "en direct", "depeche", "depeches", "toute l actualite", "rss",
    }
)  # fmt: skip
_STRAIGHTENED = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("`", "'"), ("‐", "-"), ("–", "-"))
_WORD_RE = re.compile(r"[^\W\d_](?:[\w'-]*\w)?", re.UNICODE)
_ELISION_RE = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)'", re.IGNORECASE)
_SPLIT_RE = re.compile(r"\s*[,;|]\s*")
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+){2,}$")
# Where a run of capitalised title words stops: "Guinée-Conakry | DW" is not one name.
_TITLE_BREAK_RE = re.compile(r"\s[|–—:·•/]\s|\s-\s|[|«»\"“”()\[\]]")


@lru_cache(maxsize=65_536)  # a worker meets the same French words article after article
def normalize_term(term: str) -> str:
    """The comparable form of a topic or followed term: casefolded, accents folded, words only,
    single spaces ("L’Équipe-de  France" -> "l equipe de france"), as in ``normalize_title``
    and the storage's title terms, so a follow matches titles word for word."""
    return normalize_title(term)


def article_terms(
    title: str, topics: Iterable[str], authors: Iterable[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """The terms a follow of an article can match: ``(topic_terms, author_terms)``.

    Topic terms are the article's normalised topics plus every run of 1 to ``TITLE_RUN_WORDS``
    consecutive normalised title words; author terms are the normalised authors. A topic follow
    matches when its ``normalize_term`` form is in the first set, an author follow when it is in
    the second. The one matching rule of the project: storage's indexed lookup of follows and
    the engine's channel filters both use it, so they cannot disagree."""
    words = normalize_term(title).split()
    runs = {
        " ".join(words[start : start + size])
        for size in range(1, TITLE_RUN_WORDS + 1)
        for start in range(len(words) - size + 1)
    }
    topic_terms = (runs | {normalize_term(topic) for topic in topics}) - {""}
    author_terms = {normalize_term(author) for author in authors} - {""}
    return frozenset(topic_terms), frozenset(author_terms)


@cache
def _stop_words() -> frozenset[str]:
    from sumy.utils import get_stop_words  # sumy ships its French list: offline

    words = {normalize_term(word) for word in get_stop_words("french")}
    return frozenset(words | {"c'est", "selon", "apres", "avant", "plus", "tres", "tout"})


def _straight(text: str) -> str:
    """Curly apostrophes and dashes made straight, one ``str.replace`` each: a character per
    character ``str.translate`` through a dict costs more than the rest of the topics."""
    for curly, straight in _STRAIGHTENED:
        if curly in text:
            text = text.replace(curly, straight)
    return text


def _clean_category(value: str) -> str:
    """A publisher's category as a topic, or "" for a generic one ("À la une") or a code of
    its CMS: an identifier with "_" ("culture_culture-lifestyle") or a lower-case slug of
    three words or more ("article-payant-classique")."""
    text = " ".join(_straight(value).split()).strip(" .:-#/>")
    if not text or len(text) > MAX_TOPIC_LENGTH or not any(ch.isalpha() for ch in text):
        return ""
    if "_" in text or _SLUG_RE.match(text):
        return ""
    return "" if normalize_term(text) in GENERIC_CATEGORIES else text


def _words(text: str) -> list[str]:
    """Words of ``text`` with elisions removed ("l'Élysée" -> "Élysée"); ``_content_words``
    counts the same words by their distinct spellings."""
    words = (_ELISION_RE.sub("", word) for word in _WORD_RE.findall(_straight(text)))
    return [word for word in words if word]


@lru_cache(maxsize=65_536)
def _spelling_key(spelling: str) -> str:
    """``normalize_term`` of a spelling of the text without its elision, in one cached call."""
    return normalize_term(_ELISION_RE.sub("", spelling))


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and normalize_term(word) not in _stop_words()


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and sum(ch.isupper() for ch in word) >= 2


def _names(title: str, text: str) -> list[str]:
    """Runs of capitalised words in the title; the title's first word only when it is an
    acronym, part of a run, or written capitalised in the middle of a sentence of ``text``."""
    names: list[str] = []
    for chunk in _TITLE_BREAK_RE.split(title):
        names.extend(_chunk_names(_words(chunk), text))
    return names


def _chunk_names(words: list[str], text: str) -> list[str]:
    """``_names`` of one part of the title (a part opens like a sentence)."""
    names: list[str] = []
    index = 0
    while index < len(words):
        start, run = index, []
        while index < len(words) and _is_name_word(words[index]):
            run.append(words[index])
            index += 1
        if not run:
            index += 1
            continue
        first_alone = start == 0 and len(run) == 1 and not _is_acronym(run[0])
        if first_alone and not mid_sentence(run[0], text):
            continue
        names.append(" ".join(run))
    return names


def mid_sentence(word: str, text: str) -> bool:
    """Whether ``word`` is in ``text`` after white space that follows anything but the end of a
    sentence: ``re.search(rf"[^.!?\\s]\\s+{re.escape(word)}\\b", text)``, without compiling a
    pattern for each title's word (a compilation costs more than the rest of the topics)."""
    start = text.find(word) if word else -1
    while start != -1:
        end = start + len(word)
        if _is_word_char(word[-1]) != (end < len(text) and _is_word_char(text[end])):  # \b
            before = start
            while before > 0 and text[before - 1].isspace():
                before -= 1
            if 0 < before < start and text[before - 1] not in ".!?":
                return True
        start = text.find(word, start + 1)
    return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # the \w of ``re``


def _content_words(title: str, text: str) -> list[str]:
    """Title words that are not stop words, most frequent in title and text first."""
    candidates: dict[str, str] = {}
    for word in _words(title):
        key = normalize_term(word)
        if len(key) >= 4 and key not in _stop_words() and key not in candidates:
            candidates[key] = word
    counts: Counter[str] = Counter()
    # Each distinct spelling is read once: a text repeats its words.
    spellings = Counter(_WORD_RE.findall(_straight(f"{title} {text}")))
    for spelling, seen in spellings.items():
        if (key := _spelling_key(spelling)) in candidates:
            counts[key] += seen
    order = sorted(candidates, key=lambda key: -counts[key])  # stable: title order on ties
    return [candidates[key] for key in order]


def topics_for(title: str, categories: Sequence[str], text: str = "") -> tuple[str, ...]:
    """The article's topics: categories first, then (when fewer than three) title names and
    frequent title words; at most eight, unique by ``normalize_term``, original casing kept."""
    topics: dict[str, str] = {}

    def add(candidate: str) -> None:
        # Compared without spaces too: "Protection de l'environnement" and "Protection de
        # lenvironnement" (an apostrophe lost) are one topic.
        key = normalize_term(candidate).replace(" ", "")
        if key and key not in topics and len(topics) < MAX_TOPICS:
            topics[key] = candidate

    for category in categories:
        for part in _SPLIT_RE.split(str(category)):
            if cleaned := _clean_category(part):
                add(cleaned)
    if len(topics) < FEW_TOPICS:
        for name in _names(title, text[:20_000]):
            add(name)
    if len(topics) < FEW_TOPICS:
        named = {word for topic in topics.values() for word in normalize_term(topic).split()}
        for word in _content_words(title, text[:20_000]):
            if len(topics) >= FEW_TOPICS:
                break
            if not set(normalize_term(word).split()) <= named:  # "Delevoye", "Jean-Paul"
                add(word)
    return tuple(topics.values())
