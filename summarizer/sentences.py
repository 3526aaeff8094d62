"""French sentence splitting: offline, pure Python, rule-based.

``split_sentences(text)`` returns the sentences of ``text`` in order; each one is a verbatim,
whitespace-trimmed substring of the input. The rules, in order of application:

* a blank line is a hard boundary (paragraphs never share a sentence);
* inside a paragraph, a line without final punctuation is a heading, its own unit, unless the
  next line starts in lower case (a hard-wrapped sentence) or the line ends with ``,``/``:``/``;``;
* a candidate boundary is ``.``, ``!``, ``?``, ``…`` or ``...`` (optionally followed by closing
  quotes or brackets, ``dit. »``) followed by white space; it is kept when the next word opens a
  sentence (capital letter, digit, opening quote, dash) and the word before the full stop is not
  an abbreviation (``M.``, ``Mme``, ``cf.``, ``av. J.-C.``, ``art.``) or an initial (``J. K.``);
* full stops inside URLs and e-mail addresses never split; decimals (``2.600``, ``3,5 %``) never
  offer a candidate since no white space follows their separator.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

# Words that end with a full stop without ending the sentence (compared case-sensitively
# first, then in lower case for the lower-case forms).
_ABBREVIATIONS = frozenset(
    {
        "M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Me", "Mgr", "Dr", "Drs", "Pr", "Prs",
        "St", "Ste", "Sts", "Stes", "Cie", "Jr", "Sr", "Vve", "Gal", "Gén", "Col", "Cdt",
        "Lt", "Sgt", "cf", "Cf", "av", "apr", "env", "ex", "Ex", "p", "pp", "art", "Art",
        "n", "nº", "n°", "vol", "Vol", "chap", "Chap", "éd", "Éd", "fig", "Fig",
        "tél", "Tél", "bd", "boul", "r", "janv", "févr", "avr", "juil", "sept", "oct",
        "nov", "déc", "hab", "approx", "coll", "dir", "trad", "ibid", "op",
        "cit", "vs", "resp", "ss", "sq", "suiv", "math", "hist", "réf", "Réf", "etc.-",
    }
)  # fmt: skip
# Abbreviations that may also end a sentence: they split only before a capitalised word that
# is not itself a name-like continuation (handled by the generic rule).
_SOFT_ABBREVIATIONS = frozenset({"etc", "J.-C", "apr. J.-C", "av. J.-C"})

_CANDIDATE = re.compile(r"(?:\.{3}|[.!?…])+(?:[\s\u00a0\u202f]*[»”\"’)\]])*(?=\s|$)")
_URL_OR_EMAIL = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[\w-]+)+/\S*",
    re.IGNORECASE,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0\u202f]*\n\s*")
_LINE_BREAK = re.compile(r"\n")
_OPENERS = "«\"“‘'([-–—¿¡"
_TERMINATED = re.compile(r"(?:\.{3}|[.!?…])+(?:[\s\u00a0\u202f]*[»”\"’)\]])*\s*$")
_CONTINUED = re.compile(r"[,:;(«\-–—]\s*$")
_NON_SPACE = re.compile(r"\S")
_ELISION = re.compile(r"['’]")
_INITIAL = re.compile(r"^(?:\w+-)?[A-ZÀ-ÖØ-Þ]$")


def split_sentences(text: str) -> list[str]:
    """Split French ``text`` into sentences, each a trimmed verbatim substring of ``text``."""
    sentences: list[str] = []
    for start, end in _units(text):
        unit = text[start:end]
        protected = _protected_spans(unit)
        cursor = 0
        for match in _CANDIDATE.finditer(unit):
            if _inside(match.start(), protected) or not _is_boundary(unit, match):
                continue
            _append(sentences, unit[cursor : match.end()])
            cursor = match.end()
        _append(sentences, unit[cursor:])
    return sentences


def _append(out: list[str], piece: str) -> None:
    piece = piece.strip()
    if piece:
        out.append(piece)


def _units(text: str) -> list[tuple[int, int]]:
    """Paragraphs, with heading lines cut out as units of their own: (start, end) spans."""
    units: list[tuple[int, int]] = []
    start = 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        units.extend(_paragraph_units(text, start, brk.start()))
        start = brk.end()
    units.extend(_paragraph_units(text, start, len(text)))
    return units


def _paragraph_units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if "\n" not in text[start:end]:
        return [(start, end)]
    units: list[tuple[int, int]] = []
    unit_start = start
    line_start = start
    for brk in _LINE_BREAK.finditer(text, start, end):
        line = text[line_start : brk.start()]
        nxt = _NON_SPACE.search(text, brk.end(), end)
        if line.strip() and _ends_unit(line, nxt.group() if nxt else ""):
            units.append((unit_start, brk.start()))
            unit_start = brk.end()
        line_start = brk.end()
    units.append((unit_start, end))
    return units


def _ends_unit(line: str, following: str) -> bool:
    """``following`` is the first non-space character after the line ("" at the end)."""
    if _TERMINATED.search(line):
        return False  # the sentence rules decide at the full stop itself
    if _CONTINUED.search(line):
        return False
    return not following.islower()


def _protected_spans(unit: str) -> list[tuple[int, int]]:
    if "." not in unit or ("@" not in unit and "/" not in unit and "www" not in unit.lower()):
        return []
    spans = []
    for match in _URL_OR_EMAIL.finditer(unit):
        end = match.end()
        # A URL's own trailing punctuation ends the sentence, not the URL.
        while end > match.start() and unit[end - 1] in '.!?…»)"”’':
            end -= 1
        spans.append((match.start(), end))
    return spans


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _is_boundary(unit: str, match: re.Match[str]) -> bool:
    following = _NON_SPACE.search(unit, match.end())
    if following is None:
        return True
    first = following.group()
    if first.islower():
        return False  # "M. le maire", "« Quoi ? » a-t-il dit", "etc. et"
    opens = first.isupper() or first.isdigit() or first in _OPENERS
    if not opens:
        return False
    punct = match.group()
    if punct[0] != "." or punct.startswith("..."):
        return True  # "?", "!", "…", "..." before a capital
    word = _word_before(unit, match.start())
    if not word:
        return True
    if word in _SOFT_ABBREVIATIONS or word.endswith("J.-C"):
        return not first.isdigit()
    if word in _ABBREVIATIONS or (word.lower() in _ABBREVIATIONS and not word[0].isupper()):
        return False
    if word[-1].isdigit() and first.isdigit():
        return True
    return not _INITIAL.match(word)


def _word_before(unit: str, position: int) -> str:
    start = position
    while start > 0 and not unit[start - 1].isspace():
        start -= 1
    word = unit[start:position].lstrip("«\"“‘'([")
    # An elided article belongs to the next word: "l'art." is "art.".
    return _ELISION.split(word)[-1]
