"""The sentence features read "selon", "a-t-il", "lundi", "hier"... through case-insensitive
patterns, and the cleaning's paragraph rules "cookies", "ce formulaire", "cliquez ici"...; a
cheap lower-case hint skips the patterns on sentences and paragraphs without any of those words
(issue 14, ``summarizer.hints``). The hint never hides a match: every character the patterns'
``re.IGNORECASE`` equates with one of its letters reads as that letter in the hint's text."""

from __future__ import annotations

import random
import re
import sys

from summarizer import ranking
from summarizer.cleaning import UNIT_HINT, is_boilerplate_unit
from summarizer.hints import lowered as _lowered
from summarizer.ranking import _DAYS, _DAYS_HINT, _REPORTING, _REPORTING_HINT

LETTERS = sorted(set(_REPORTING_HINT.pattern + _DAYS_HINT.pattern + UNIT_HINT.pattern) - {"|"})


def test_every_character_the_patterns_equate_with_a_letter_reads_as_that_letter() -> None:
    any_letter = re.compile("[" + re.escape("".join(LETTERS)) + "]", re.IGNORECASE)
    seen = 0
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if not any_letter.fullmatch(char):
            continue
        for letter in LETTERS:
            if re.fullmatch(re.escape(letter), char, re.IGNORECASE):
                seen += 1
                assert _lowered(char) == letter, (hex(code), letter)
    assert seen > 2 * len(LETTERS)  # upper and lower case at least, and "ſ", "ı", "İ", "K"


def test_the_hints_find_every_sentence_the_patterns_match() -> None:
    words = ["selon", "Selon", "A-T-IL", "déclaré", "DÉCLARÉ", "aujourd'hui", "SAMEDI", "ſamedi",
             "DİMANCHE", "lundı", "hieR", "Kestim", "estimé", "mercredi"]  # fmt: skip
    fillers = ["le", "maire", ",", "-", "«", "»", "2024", "é", "\u0307", "ß", "İ", "ı", "\t"]
    rng = random.Random(14)
    matched = 0
    for _ in range(4000):
        parts = rng.choices(words + fillers * 3, k=rng.randint(1, 8))
        text = rng.choice(("", " ")).join(parts)
        lower = _lowered(text)
        for pattern, hint in ((_REPORTING, _REPORTING_HINT), (_DAYS, _DAYS_HINT)):
            if pattern.search(text):
                matched += 1
                assert hint.search(lower), text
    assert matched > 1000


def test_the_features_flag_reporting_and_days_through_the_hints() -> None:
    infos = ranking.analyse(
        ["Le maire a démissionné LUNDI, a-t-il annoncé.", "Le conseil se réunira en mars."],
        [0, 0], None,
    )  # fmt: skip
    reporting, day = (ranking.FEATURE_NAMES.index(name) for name in ("reporting", "day"))
    assert (infos[0].features[reporting], infos[0].features[day]) == (1.0, 1.0)
    assert (infos[1].features[reporting], infos[1].features[day]) == (0.0, 0.0)


def test_the_paragraph_hint_finds_every_paragraph_the_rules_match() -> None:
    """``is_boilerplate_unit`` with the hint says what its rules alone say, on random short
    paragraphs made of the rules' words in odd cases and spellings."""
    from summarizer import cleaning

    words = ["cookies", "COOKIE", "traceurs", "vous", "Votre", "consentement", "accepter",
             "REFUSEZ", "paramétrer", "déposés", "navigation", "en", "remplissant", "validant",
             "ce", "formulaire", "FORMULAİRE", "liste", "de", "diffusion", "Cliquez", "cliquant",
             "ici", "sur", "le", "lien", "tout", "TOUT", "refuser", "vos", "adresse", "e-mail",
             "données", "personnelles", "ſur", "ceſ", "Kookies"]  # fmt: skip
    fillers = ["le", "site", ",", "«", "»", "2024", "é", "\u0307", "ß", "ı", "\t"]
    rng = random.Random(15)
    matched = 0
    for _ in range(4000):
        line = " ".join(rng.choices(words + fillers * 2, k=rng.randint(1, 10)))
        by_rules = any(
            len(line.split()) <= limit and pattern.search(line)
            for pattern, limit in cleaning._UNIT_RULES
        )
        matched += by_rules
        assert is_boilerplate_unit(line) == by_rules, line
    assert matched > 500
