"""topics_for and normalize_term."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.topics import MAX_TOPICS, _straight, mid_sentence, normalize_term, topics_for
from summarizer.urls import fold_accents


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("  L’Équipe   de  France ", "l equipe de france"),
        ("L'Élysée-Palais", "l elysee palais"),
        ("INTELLIGENCE Artificielle", "intelligence artificielle"),
        ("Œuvres", "oeuvres"),
        ("Élysée\t\n", "elysee"),
    ],
)
def test_normalize_term(term: str, expected: str) -> None:
    assert normalize_term(term) == expected


def test_categories_come_first_deduplicated_and_cleaned() -> None:
    topics = topics_for(
        "La SNCF annonce une grève pour Noël",
        [
            "Transports",
            "transports",
            "Non classé",
            "Toute l’actualité",
            " Social ,  Économie ",
            "",
            "12345",
        ],
    )
    assert topics == ("Transports", "Social", "Économie")


def test_names_from_the_title_when_there_are_no_categories() -> None:
    topics = topics_for("Emmanuel Macron reçoit Olaf Scholz à l’Élysée", [])
    assert topics == ("Emmanuel Macron", "Olaf Scholz", "Élysée")


def test_acronyms_are_names_even_first() -> None:
    assert topics_for("SNCF : les contrôleurs en grève", [])[0] == "SNCF"


def test_frequent_content_words_fill_in() -> None:
    text = (
        "Les contrôleurs font grève ce week-end. Les trains régionaux sont perturbés. "
        "La grève touche aussi les trains de nuit."
    )
    topics = topics_for("Grève des contrôleurs : les trains perturbés", [], text)
    assert topics[:2] == ("Grève", "trains")
    assert all(normalize_term(t) not in {"des", "les"} for t in topics)


def test_at_most_eight_topics_and_deterministic() -> None:
    categories = [f"Sujet {i}" for i in range(20)]
    first = topics_for("Titre", categories)
    assert len(first) == MAX_TOPICS
    assert first == topics_for("Titre", categories)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.lists(st.text(max_size=30), max_size=12), st.text(max_size=300))
def test_topics_are_unique_and_bounded(title: str, categories: list[str], text: str) -> None:
    topics = topics_for(title, categories, text)
    keys = [normalize_term(t) for t in topics]
    assert len(topics) <= MAX_TOPICS
    assert len(set(keys)) == len(keys)
    assert all(t.strip() and key for t, key in zip(topics, keys, strict=True))
    assert topics == topics_for(title, categories, text)


def test_mid_sentence_is_the_pattern_it_replaces() -> None:
    """``mid_sentence`` answers as ``re.search(rf"[^.!?\\s]\\s+{re.escape(word)}\\b", text)``
    did (issue 14: one compilation per title's word cost more than the topics), on random
    texts of words, spaces, sentence ends, apostrophes and letters that continue a word."""
    rng = random.Random(14)
    words = ["Macron", "SNCF", "l'Élysée", "Jean-Paul", "Paris", "Par", "É", "x_"]
    pieces = [*words, " ", "  ", "\u00a0", "\n", ".", "!", "?", ",", "'", "-", "s", "_", "é", "2"]
    found = 0
    for _ in range(6000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        word = rng.choice(words)
        expected = re.search(rf"[^.!?\s]\s+{re.escape(word)}\b", text) is not None
        assert mid_sentence(word, text) is expected, (word, text)
        found += expected
    assert found > 50  # both answers are tested


def test_straightening_is_the_translation_table_it_replaces() -> None:
    table = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "‐": "-", "–": "-"})
    rng = random.Random(15)
    alphabet = "’‘ʼ`‐–'-—aé \u00a0"
    for _ in range(2000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 10)))
        assert _straight(text) == text.translate(table)


def test_fold_accents_is_the_per_character_definition() -> None:
    """Ligatures and combining marks removed one ``str.replace`` per distinct character give the
    per-character definition (issue 14), on every code point in runs of 500 and on random
    mixes of letters, marks and ligatures."""
    ligatures = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o"})

    def defined(text: str) -> str:
        if text.isascii():
            return text.casefold()
        decomposed = unicodedata.normalize("NFKD", text.translate(ligatures))
        kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return unicodedata.normalize("NFC", kept).casefold()

    for start in range(0, sys.maxunicode + 1, 500):
        text = "".join(map(chr, range(start, min(start + 500, sys.maxunicode + 1))))
        assert fold_accents(text) == defined(text), start
    rng = random.Random(16)
    alphabet = "aeÉéèœŒßøÆç\u0301\u0327\u0308İıſﬁ² '"
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 8)))
        assert fold_accents(text) == defined(text), text
