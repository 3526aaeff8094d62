"""Line-level cleaning of article text, shared by the page, feed and plain-text paths.

The rules are data: each ``LineRule`` is a compiled pattern matched at the start of a line (after
any emoji or punctuation prefix) with a word limit, so a long body paragraph is never taken for
boilerplate, and a sentence that merely mentions "lire" or "source" is kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from summarizer.boilerplate import is_title_line, strip_template_tokens, strip_title_prefix
from summarizer.hints import lowered
from summarizer.metadata import split_authors

_PREFIX = r"^[\W_]*"  # emoji, arrows, bullets, guillemets, spaces
_TERMINAL = tuple('.!?…:;»"”)]')
_FINAL = tuple(".!?…")
_BULLETS = ("- ", "• ", "* ", "– ", "— ")
_PARTICLES = frozenset(
    {"de", "du", "des", "d'", "d’", "le", "la", "les", "van", "von", "der", "den", "di", "da"}
    | {"dos", "ben", "ibn", "el", "al", "y"}
)
_NAME_TOKEN_RE = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|[A-ZÀ-ÖØ-Þ]\.(?:-[A-ZÀ-ÖØ-Þ]\.)?)$")
_BYLINE_RE = re.compile(r"^(?:par|by)\s+(?P<value>.+?)\s*$", re.I)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
HEADING_MAX_WORDS = 12
_BYLINE_MAX_CHARS = 120
HEADING_MAX_CHARS = 90


class LineKind(StrEnum):
    SKIP_LINK = "skip_link"
    PROMO = "promo"
    CREDIT = "credit"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class LineRule:
    """A boilerplate line: ``pattern`` (matched after the prefix) on a line of <= max_words."""

    kind: LineKind
    pattern: re.Pattern[str]
    max_words: int


def _rule(kind: LineKind, pattern: str, max_words: int = 30) -> LineRule:
    return LineRule(kind, re.compile(_PREFIX + pattern, re.I), max_words)


LINE_RULES: tuple[LineRule, ...] = (
    _rule(
        LineKind.SKIP_LINK,
        r"(?:passer|aller|acc[ée]der|sauter)\s+(?:directement\s+)?(?:au|à\s+la|a\s+la)\s+"
        r"(?:contenu|navigation|menu|recherche)",
        8,
    ),
    _rule(LineKind.SKIP_LINK, r"skip\s+to\s+(?:main\s+)?(?:content|navigation)", 8),
    _rule(LineKind.PROMO, r"pour\s+ne\s+(?:rien\s+)?manquer\s+(?:aucune?|rien)\b", 40),
    _rule(LineKind.PROMO, r"suivez[\s-]+nous\b"),
    _rule(LineKind.PROMO, r"abonnez[\s-]+vous\b", 40),
    _rule(LineKind.PROMO, r"inscrivez[\s-]+vous\b", 40),
    _rule(LineKind.PROMO, r"recevez\s+(?:gratuitement\s+)?(?:notre|nos|la)\s+newsletter"),
    _rule(LineKind.PROMO, r"(?:[àa]\s+)?(?:lire|voir)\s+(?:aussi|[ée]galement)\b"),
    _rule(LineKind.PROMO, r"(?:lire|voir)\s+la\s+suite\b|continuer\s+(?:[àa]\s+lire|la\s+lecture)"),
    _rule(LineKind.PROMO, r"publicit[ée]\W*$", 2),
    _rule(LineKind.PROMO, r"partager\b(?:\s+(?:sur|cet\s+article|l['’]article)\b|\W*$)", 12),
    _rule(LineKind.PROMO, r"cet\s+article\s+a\s+[ée]t[ée]\s+(?:initialement\s+)?(?:publi|mis)", 40),
    _rule(LineKind.PROMO, r"l['’]article\s+.+\s+est\s+apparu\s+en\s+premier\s+sur\b", 40),
    _rule(LineKind.PROMO, r"the\s+post\s+.+\s+appeared\s+first\s+on\b", 40),
    _rule(LineKind.PROMO, r"(?:cet\s+article\s+est\s+)?r[ée]serv[ée]\s+aux\s+abonn[ée]s", 20),
    _rule(LineKind.PROMO, r"il\s+vous\s+reste\s+\d+\s*%\s+de\s+(?:cet|l['’])\s*article", 20),
    _rule(LineKind.PROMO, r"d[ée]j[àa]\s+abonn[ée]", 12),
    _rule(
        LineKind.PROMO, r"(?:nous\s+utilisons|ce\s+site(?:\s+web)?\s+utilise)\s+des\s+cookies", 80
    ),
    _rule(
        LineKind.PROMO,
        r"(?:accepter|refuser|g[ée]rer|param[ée]trer)\s+(?:tous\s+)?(?:les\s+)?cookies",
        12,
    ),
    _rule(LineKind.PROMO, r"en\s+poursuivant\s+votre\s+navigation", 60),
    _rule(LineKind.PROMO, r"tous\s+droits\s+r[ée]serv[ée]s", 15),
    _rule(LineKind.CREDIT, r"©|\(c\)\s", 15),
    LineRule(LineKind.CREDIT, re.compile(r"^(?:\(\d{1,2}\)|\[\d{1,2}\])\s"), 80),  # a note
    _rule(LineKind.CREDIT, r"cr[ée]dits?\s*(?:photos?|images?)?\s*:", 15),
    _rule(LineKind.CREDIT, r"(?:photos?|illustration|image)\s*:", 12),
    _rule(LineKind.SOURCE, r"sources?\s*:\s*(?P<value>.+?)\W*$", 15),
    _rule(LineKind.SOURCE, r"avec\s+(?P<value>(?:l['’])?(?:afp|reuters|ap|belga)\b.*?)\W*$", 6),
)


# Boilerplate found anywhere in a short paragraph (``is_boilerplate_unit``), with word limits.
_UNIT_RULES: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        re.compile(
            r"^(?=.*\b(?:cookies?|traceurs)\b)(?=.*\b(?:vous|votre|vos|consentement|accepte[rz]?"
            r"|refuse[rz]?|param[ée]tr\w+|d[ée]pos[ée]s|finalit[ée]s|navigation)\b)",
            re.I,
        ),
        80,
    ),
    (re.compile(r"\ben\s+(?:remplissant|validant|soumettant)\s+ce\s+formulaire\b", re.I), 60),
    (re.compile(r"\bliste\s+de\s+diffusion\b|\bce\s+formulaire\b", re.I), 30),
    (re.compile(r"\b(?:cliquez|cliquer|cliquant)\s+(?:ici|sur|le\s+lien)\b", re.I), 30),
    (re.compile(r"\btout\s+(?:refuser|accepter)\b", re.I), 40),
    (re.compile(r"\b(?:votre|vos)\s+(?:adresse\s+e-?mail|donn[ée]es\s+personnelles)\b", re.I), 40),
)
# A word each rule above needs, in lower case (``summarizer.hints``): a paragraph with none of
# them, most of an article, is not searched.
UNIT_HINT = re.compile("cookie|traceurs|formulaire|diffusion|cliqu|tout|adresse|personnelles")
_UNIT_MAX_WORDS = max(limit for _, limit in _UNIT_RULES)


@dataclass(frozen=True, slots=True)
class CleanText:
    """Cleaned body text (paragraphs separated by a blank line) and what was taken out of it."""

    text: str
    source: str | None = None
    byline: str | None = None
    headings: tuple[str, ...] = ()

    @property
    def authors(self) -> tuple[str, ...]:
        """The names of the byline ("Par A et B" -> ("A", "B"))."""
        if self.byline is None:
            return ()
        match = _BYLINE_RE.match(self.byline)
        return split_authors(match.group("value") if match else self.byline)


def match_rule(line: str) -> tuple[LineRule, re.Match[str]] | None:
    """The first rule matching ``line`` (within its word limit), else None."""
    words = len(line.split())
    for rule in LINE_RULES:
        if words <= rule.max_words and (match := rule.pattern.match(line)):
            return rule, match
    return None


def clean_text(
    text: str,
    *,
    title: str | None = None,
    headings: Collection[str] = (),
    site_names: Collection[str] = (),
) -> CleanText:
    """Drop skip links, promotions, consent and form text, credits, the byline, sub-headings
    and the title repeated (also with the site's name, ``site_names`` as ``boilerplate.
    site_names`` gives them, or opening a paragraph); cut template tokens; extract the source.

    ``headings`` are sub-headings already known (from the HTML); others are guessed: short
    lines without final punctuation followed by more text.
    """
    known = {_key(h) for h in headings} | ({_key(title)} if title else set())
    units: list[str] = []
    source: str | None = None
    removed: list[str] = []
    for raw in _units(text):
        line = strip_template_tokens(raw)
        if title:
            line = strip_title_prefix(line, title)
        if not line:
            continue
        found = match_rule(line)
        if found is not None:
            rule, match = found
            if rule.kind is LineKind.SOURCE and source is None:
                source = match.group("value").strip()
        elif _key(line) in known and not _is_lead_paragraph(line):
            if not title or _key(line) != _key(title):
                removed.append(line)
        elif (title and is_title_line(line, title, site_names)) or is_boilerplate_unit(line):
            continue
        else:
            units.append(line)
    byline = _pop_byline(units)
    body: list[str] = []
    for index, unit in enumerate(units):
        if index < len(units) - 1 and is_heading(unit):
            removed.append(unit)
        else:
            body.append(unit)
    return CleanText("\n\n".join(body), source or None, byline, tuple(removed))


def is_boilerplate_unit(line: str) -> bool:
    """A paragraph that speaks to the reader about the site rather than the news: a consent
    notice (cookies or tracers with "vous", "votre", "consentement", "accepter", "refuser"), a
    form or subscription box ("En remplissant ce formulaire", "liste de diffusion"), a click
    instruction ("cliquez sur l'icône ci-dessous"). Each within a word limit, so an article
    about cookies or newsletters keeps its paragraphs."""
    words = len(line.split())
    if words > _UNIT_MAX_WORDS or not UNIT_HINT.search(lowered(line)):
        return False
    return any(words <= limit and pattern.search(line) for pattern, limit in _UNIT_RULES)


def _is_lead_paragraph(line: str) -> bool:
    """A known heading that reads as a paragraph: long, ending a sentence (a chapô set in an
    ``<h2>``, "Chargé de porter la réforme, X a su gagner la confiance de Y. ..."), kept."""
    return len(line.split()) > HEADING_MAX_WORDS and line.rstrip(' »”"’)').endswith(_FINAL)


def is_heading(line: str) -> bool:
    """A short line with no final punctuation that is not a list item."""
    return (
        len(line) <= HEADING_MAX_CHARS
        and len(line.split()) <= HEADING_MAX_WORDS
        and not line.endswith(_TERMINAL)
        and not line.startswith(_BULLETS)
    )


def is_person_name(text: str) -> bool:
    """Whether ``text`` reads as one or more person names ("Jean-Marc de La Tour et Ana Li")."""
    names = split_authors(text)
    return bool(names) and all(_is_one_name(name) for name in names)


def _is_one_name(name: str) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 5 or any(c.isdigit() for c in name):
        return False
    capitals = [t for t in tokens if t.casefold() not in _PARTICLES]
    return len(capitals) >= 2 and all(_NAME_TOKEN_RE.match(t) for t in capitals)


def _pop_byline(units: list[str]) -> str | None:
    """Remove and return the byline: a "Par X" line near either end, else a final name line."""
    candidates = [*range(min(3, len(units))), *range(max(0, len(units) - 3), len(units))]
    for index in dict.fromkeys(candidates):
        if len(units[index]) > _BYLINE_MAX_CHARS:
            continue
        match = _BYLINE_RE.match(units[index])
        if match and is_person_name(match.group("value")):
            return units.pop(index)
    if units and len(units[-1]) <= _BYLINE_MAX_CHARS and is_person_name(units[-1].strip(" .")):
        return units.pop()
    return None


def _units(text: str) -> list[str]:
    """Non-empty lines, with hard-wrapped continuation lines joined to the line they continue."""
    text = _CONTROL_RE.sub("", unicodedata.normalize("NFC", text)).replace("\r", "\n")
    units: list[str] = []
    previous_blank = True
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            previous_blank = True
            continue
        if units and not previous_blank and _continues(units[-1], line):
            units[-1] = f"{units[-1]} {line}"
        else:
            units.append(line)
        previous_blank = False
    return units


def _continues(previous: str, line: str) -> bool:
    return not previous.endswith(_TERMINAL) and (line[0].islower() or previous.endswith(","))


def _key(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .")
