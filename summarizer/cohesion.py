"""Sentences that cannot open a summary: French openings that refer back to earlier text.

A summary is read without the article, so its sentences must stand on their own. A sentence that
opens on a subject pronoun ("Il a ajouté…"), a demonstrative ("Cette décision…", "Si ces
discussions…", "Ce dernier…") or a connective that answers the previous sentence ("Mais",
"Pourtant", "Par ailleurs", ...) is *dependent*: ``depends_on_previous`` flags it, and the
selection keeps it only right after the sentence it follows (see ``summarizer.selection``).

Openings that look alike but point at the calendar or at nothing are not flagged: "Ce lundi",
"Cette semaine", "Cet été" (deictic time), "Il y a", "Il faut" (impersonal), "Alors que"
(a subordinate clause).

Quotations cut by the sentence split are the other half of the rule (``quotation_spans``): a
sentence that begins inside a quotation (``… de la Terre", a tweeté l'administrateur``) cannot
open a summary either, and one that leaves a quotation open at its end must be followed by the
sentence that goes on with it. Quotation marks are followed through each paragraph (« », “ ”,
and straight quotes read as opening or closing by what surrounds them); a paragraph starts
outside any quotation, so one stray mark never reaches past its paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["depends_on_previous", "quotation_spans"]

_PRONOUNS = r"il|elle|ils|elles|celui-ci|celle-ci|ceux-ci|celles-ci|cela|ceci|ça|lui|eux"
_CONNECTIVES = (
    r"mais|pourtant|cependant|toutefois|néanmoins|or|donc|ainsi|alors|aussi|enfin|ensuite|puis"
    r"|et|également|par ailleurs|en outre|de plus|en effet|d['’]ailleurs|en revanche"
    r"|au contraire|pour autant|malgré cela|malgré tout|du coup|dès lors|de son côté"
    r"|de leur côté|pour sa part|pour leur part|quant (?:à|aux?)"
    r"|selon (?:lui|elle|eux|elles)|d['’]après (?:lui|elle|eux|elles)"
    r"|pour (?:lui|elle|eux|elles)"
    # cause, consequence, concession, restatement: each answers the sentence before it
    r"|car|par conséquent|en conséquence|de ce fait|de même|à ce titre|à cet égard|à ce propos"
    r"|à l['’]inverse|à l['’]opposé|autrement dit|en somme|bref|certes|sinon|d['’]autant"
    r"|finalement|au final|en définitive|en tout cas|toujours est-il|reste que|là encore"
    r"|pour cela|pour ce faire|une fois de plus|de fait"
)
_DEMONSTRATIVES = r"ce|cet|cette|ces|c['’]est|c['’]était|ce dernier|cette dernière"
# What may follow a demonstrative without making it anaphoric: the calendar.
_TIME_WORDS = (
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|matin|soir|midi|week-end|weekend"
    r"|jour|mois|année|an|semaine|trimestre|printemps|été|automne|hiver|après-midi|nuit"
    r"|derniers jours|dernières semaines|dernières années|derniers mois|dernières heures"
)
_NOT_DEPENDENT = re.compile(
    rf"(?:il (?:y a|y avait|faut|fallait|reste|était une fois)\b"
    rf"|alors qu|ainsi qu|aussi bien|ce sont|c['’]étaient"
    rf"|(?:{_DEMONSTRATIVES}) (?:{_TIME_WORDS})\b(?!-l[àa]))",
    re.IGNORECASE,
)
_DEPENDENT = re.compile(
    rf"(?:(?:si|mais|et|car|or|comme|quand|lorsque|puisque|pourtant) )?"
    rf"(?:{_PRONOUNS}|{_DEMONSTRATIVES}|{_CONNECTIVES})(?=[\s,;:.!?’'-]|$)",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^[\s\"«“‘(—–-]*")


def depends_on_previous(sentence: str) -> bool:
    """Whether ``sentence`` opens on a reference to the text before it (see the module doc)."""
    head = _LEADING.sub("", sentence, count=1) if sentence[:1] in "—–-(" else sentence.lstrip()
    if not head[:1].isupper():
        return False  # a quotation or a lower-case fragment: judged elsewhere
    if _NOT_DEPENDENT.match(head):
        return False
    return _DEPENDENT.match(head) is not None


_OPENING = frozenset("«“")
_QUOTE_RE = re.compile(r'[«»“”"]')
_BEFORE_OPENING = frozenset(" \t\n([{'’‘—–-/")  # what may precede a straight opening quote


def _straight_opens(sentence: str, at: int, inside: bool) -> bool:
    """Whether the straight quote at ``at`` opens a quotation, from the characters around it:
    at the start or after a space, a bracket or an apostrophe (d'"additifs") and before a
    non-space it opens; after a non-space it closes; alone between spaces, it closes the
    quotation that is open, if any."""
    before = sentence[at - 1] if at > 0 else " "
    after = sentence[at + 1] if at + 1 < len(sentence) else " "
    if before in _BEFORE_OPENING and not after.isspace():
        return True
    if before not in _BEFORE_OPENING:
        return False
    return not inside


def quotation_spans(sentences: Sequence[str], paragraphs: Sequence[int]) -> list[tuple[bool, bool]]:
    """For each sentence: (it begins inside a quotation, it ends inside one), following the
    quotation marks through its paragraph (``paragraphs[i]`` is sentence i's paragraph)."""
    spans: list[tuple[bool, bool]] = []
    depth = 0
    paragraph = None
    for sentence, number in zip(sentences, paragraphs, strict=True):
        if number != paragraph:
            depth, paragraph = 0, number
        begins_inside = depth > 0
        for match in _QUOTE_RE.finditer(sentence):
            mark = match.group()
            opens = mark in _OPENING or (
                mark == '"' and _straight_opens(sentence, match.start(), depth > 0)
            )
            if opens:
                depth += 1
            elif depth > 0:
                depth -= 1
            else:
                begins_inside = True  # it closes a quotation opened before it
        spans.append((begins_inside, depth > 0))
    return spans
