"""Golden cases of the French sentence splitter, one group per rule of its contract."""

from __future__ import annotations

import pytest

from summarizer.sentences import split_sentences

CASES = {
    "abbreviations": (
        "M. Dupont est arrivé. Mme Durand aussi. MM. Martin et Petit sont partis.",
        ["M. Dupont est arrivé.", "Mme Durand aussi.", "MM. Martin et Petit sont partis."],
    ),
    "titles_and_saints": (
        "Le Dr Martin et le Pr. Leroy ont parlé. Il vit à St. Malo. Voir cf. Le Monde p. 12.",
        [
            "Le Dr Martin et le Pr. Leroy ont parlé.",
            "Il vit à St. Malo.",
            "Voir cf. Le Monde p. 12.",
        ],
    ),
    "era": (
        "Il est né en 63 av. J.-C. à Rome. Il meurt en 14 apr. J.-C. Son fils règne.",
        ["Il est né en 63 av. J.-C. à Rome.", "Il meurt en 14 apr. J.-C.", "Son fils règne."],
    ),
    "article_and_number": (
        "Selon l'art. 3 du code, c'est interdit. Le n° 5 est gagnant. Voir l'Art. 12 ensuite.",
        [
            "Selon l'art. 3 du code, c'est interdit.",
            "Le n° 5 est gagnant.",
            "Voir l'Art. 12 ensuite.",
        ],
    ),
    "etc_ends_sentence": (
        "Il vend des pommes, des poires, etc. Le marché ferme à midi.",
        ["Il vend des pommes, des poires, etc.", "Le marché ferme à midi."],
    ),
    "initials": (
        "J. K. Rowling a écrit un livre. Jean-M. Le Pen aussi. C'est tout.",
        ["J. K. Rowling a écrit un livre.", "Jean-M. Le Pen aussi.", "C'est tout."],
    ),
    "numbers": (
        "Le navire peut contenir 2.600 passagers. La hausse est de 3,5 %. Soit 1.2 million. Bien.",
        [
            "Le navire peut contenir 2.600 passagers.",
            "La hausse est de 3,5 %.",
            "Soit 1.2 million.",
            "Bien.",
        ],
    ),
    "quote_ends_sentence": (
        "« Nous partirons demain », a-t-il dit. « C'est fini. » Ensuite il est parti.",
        ["« Nous partirons demain », a-t-il dit.", "« C'est fini. »", "Ensuite il est parti."],
    ),
    "quote_then_lower_case": (
        "« Vraiment ? » a-t-elle demandé. Oui.",
        ["« Vraiment ? » a-t-elle demandé.", "Oui."],
    ),
    "said_then_closing_quote": (
        "Il a conclu : « Nous partons, a-t-il dit. » Puis le silence.",
        ["Il a conclu : « Nous partons, a-t-il dit. »", "Puis le silence."],
    ),
    "ellipses": (
        "Il hésita… Puis il parla. Et alors... Rien ne vint. Des pommes… et des poires.",
        [
            "Il hésita…",
            "Puis il parla.",
            "Et alors...",
            "Rien ne vint.",
            "Des pommes… et des poires.",
        ],
    ),
    "question_exclamation": (
        "Qui a gagné ? Personne ! Le match est nul.",
        ["Qui a gagné ?", "Personne !", "Le match est nul."],
    ),
    "urls_and_emails": (
        "Voir https://www.exemple.fr/a.b?x=1. Écrivez à jean.dupont@exemple.fr. "
        "Ou www.site.fr. Fin.",
        [
            "Voir https://www.exemple.fr/a.b?x=1.",
            "Écrivez à jean.dupont@exemple.fr.",
            "Ou www.site.fr.",
            "Fin.",
        ],
    ),
    "paragraph_break_is_hard": (
        "Une phrase sans fin\n\nune autre commence en minuscule.",
        ["Une phrase sans fin", "une autre commence en minuscule."],
    ),
    "heading_line": (
        "Les faits\nLe texte commence ici. Il continue.\n\nDeuxième partie\n\nFin du texte.",
        ["Les faits", "Le texte commence ici.", "Il continue.", "Deuxième partie", "Fin du texte."],
    ),
    "hard_wrapped_line": (
        "Une phrase coupée\nen deux lignes. Fin.",
        ["Une phrase coupée\nen deux lignes.", "Fin."],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    text, expected = CASES[name]
    assert split_sentences(text) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_sentences_are_verbatim_and_ordered(name: str) -> None:
    text = CASES[name][0]
    cursor = 0
    for sentence in split_sentences(text):
        assert sentence == sentence.strip()
        found = text.find(sentence, cursor)
        assert found >= 0
        cursor = found + len(sentence)


def test_empty_and_blank_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


def test_non_breaking_spaces_before_punctuation() -> None:
    text = "Pourquoi\u00a0? Parce que\u202f! « Oui\u00a0», dit-il. Bon."
    assert split_sentences(text) == [
        "Pourquoi\u00a0?",
        "Parce que\u202f!",
        "« Oui\u00a0», dit-il.",
        "Bon.",
    ]
