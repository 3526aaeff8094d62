"""Line rules of ``clean_text``: boilerplate out, every ordinary body sentence kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.cleaning import LINE_RULES, LineKind, clean_text, is_heading, is_person_name
from summarizer.metadata import MAX_HTML_BYTES, decode_html, split_authors

BODY = [
    "Le Premier ministre a présenté mardi un plan de 2.600 logements sociaux en Île-de-France.",
    "Les élus de l’opposition ont salué « un premier pas » tout en réclamant davantage de moyens.",
]


def _clean(*lines: str) -> str:
    return clean_text("\n\n".join([BODY[0], *lines, BODY[1]])).text


@pytest.mark.parametrize(
    "line",
    [
        "Passer au contenu",
        "Aller au contenu principal",
        "Skip to content",
        "🔴 Pour ne manquer aucune actualité de 01net, suivez-nous sur Google Actualités.",
        "👉 Suivez-nous sur WhatsApp",
        "Abonnez-vous à notre newsletter quotidienne",
        "➡️ Inscrivez-vous à notre newsletter pour recevoir l’essentiel de l’actualité",
        "Lire aussi : La réforme des retraites adoptée",
        "À lire aussi – Le budget 2025 en cinq chiffres",
        "LIRE AUSSI >> Les prix de l’énergie repartent à la hausse",
        "Voir aussi : notre dossier spécial",
        "Publicité",
        "Partager sur Facebook",
        "Cet article a été publié initialement le 3 mars 2024.",
        "Nous utilisons des cookies pour vous offrir la meilleure expérience possible.",
        "Accepter les cookies",
        "© AFP",
        "Crédit photo : Jean Dupuis / AFP",
        "Il vous reste 75% de cet article à lire.",
        "Cet article est réservé aux abonnés.",
        "L’article Le budget adopté est apparu en premier sur Le Journal.",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    text = _clean(line)
    assert text == "\n\n".join(BODY)


@pytest.mark.parametrize(
    "sentence",
    [
        "Il faut lire aussi le rapport de la Cour des comptes pour comprendre ce choix.",
        "Selon une source proche du dossier, la décision sera prise avant l’été.",
        "La source de ce conflit remonte à la réforme de 2019, explique le ministre.",
        "Pour lire la suite des négociations, les syndicats attendent la réunion de jeudi.",
        "Partager les richesses reste l’objectif affiché du texte, selon ses auteurs.",
        "Publicité mensongère : l’enseigne a été condamnée à 3,5 millions d’euros d’amende.",
        "Par ailleurs, le ministre a promis une réponse avant la fin du mois.",
        "Photographier les bureaux de vote reste interdit, rappelle la préfecture.",
        "Les abonnés au gaz verront leur facture baisser de 3,5 % au 1er juillet.",
    ],
)
def test_ordinary_body_sentences_are_kept(sentence: str) -> None:
    assert sentence in _clean(sentence).split("\n\n")


def test_source_lines_become_metadata() -> None:
    assert clean_text(f"{BODY[0]}\n\nSource : Buzzfeed").source == "Buzzfeed"
    assert clean_text(f"{BODY[0]}\n\nSource: Le Monde.").source == "Le Monde"
    assert clean_text(f"{BODY[0]}\n\nSources : AFP et Reuters").source == "AFP et Reuters"
    assert clean_text(f"{BODY[0]}\n\n(Avec AFP)").source == "AFP"
    cleaned = clean_text(f"{BODY[0]}\n\nSource : Buzzfeed")
    assert cleaned.text == BODY[0]


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("Nicolas Lellouche", ("Nicolas Lellouche",)),
        ("Par Marie-Hélène de La Tour", ("Marie-Hélène de La Tour",)),
        ("Par Léa Martin et Hugo Bernard", ("Léa Martin", "Hugo Bernard")),
        ("J.-P. Durand, Ana Li", ("J.-P. Durand", "Ana Li")),
    ],
)
def test_bylines_at_the_end(byline: str, authors: tuple[str, ...]) -> None:
    cleaned = clean_text("\n\n".join([*BODY, byline]))
    assert cleaned.byline == byline
    assert cleaned.authors == authors
    assert cleaned.text == "\n\n".join(BODY)


def test_par_byline_at_the_top() -> None:
    cleaned = clean_text("\n\n".join(["Par Camille Moreau", *BODY]))
    assert cleaned.authors == ("Camille Moreau",)
    assert cleaned.text == "\n\n".join(BODY)


def test_last_line_that_is_not_a_name_is_kept() -> None:
    cleaned = clean_text("\n\n".join([*BODY, "Le vote aura lieu le 12 mars"]))
    assert cleaned.byline is None
    assert cleaned.text.endswith("Le vote aura lieu le 12 mars")


def test_headings_are_removed_and_reported() -> None:
    cleaned = clean_text("\n\n".join([BODY[0], "40% de Parler pour Donald Trump", BODY[1]]))
    assert cleaned.headings == ("40% de Parler pour Donald Trump",)
    assert cleaned.text == "\n\n".join(BODY)
    known = clean_text(
        f"{BODY[0]}\nPourquoi maintenant ?\n{BODY[1]}", headings=["Pourquoi maintenant ?"]
    )
    assert known.text == "\n\n".join(BODY)


def test_list_items_and_punctuated_short_lines_are_not_headings() -> None:
    assert not is_heading("- 2.600 logements")
    assert not is_heading("Le texte a été adopté.")
    assert is_heading("Un calendrier serré")


def test_hard_wrapped_paragraph_is_joined() -> None:
    cleaned = clean_text(
        "Le conseil municipal a voté\nle budget après un long débat.\n\nFin du texte."
    )
    assert (
        cleaned.text.split("\n\n")[0]
        == "Le conseil municipal a voté le budget après un long débat."
    )


def test_rules_are_data() -> None:
    assert len(LINE_RULES) >= 20
    assert {rule.kind for rule in LINE_RULES} == set(LineKind)


def test_split_authors() -> None:
    assert split_authors("Par Léa Martin et Hugo Bernard") == ("Léa Martin", "Hugo Bernard")
    assert split_authors("Léa Martin, Hugo Bernard; Ana Li") == (
        "Léa Martin",
        "Hugo Bernard",
        "Ana Li",
    )
    assert split_authors("La Rédaction") == ()
    assert split_authors("Rédaction Le Quotidien") == ()
    assert split_authors("Léa Martin lea.martin@exemple.test") == ("Léa Martin",)
    assert split_authors(["Ana Li", "ana li"]) == ("Ana Li",)


def test_person_names() -> None:
    assert is_person_name("Nicolas Lellouche")
    assert not is_person_name("Toutes les personnes interrogées")
    assert not is_person_name("Google Actualités 2024")
    assert not is_person_name("Rédaction")


def test_decode_truncates_at_the_cap_without_breaking_utf8() -> None:
    data = b"<p>" + "é".encode() * (MAX_HTML_BYTES // 2 + 10)
    text = decode_html(data)
    assert len(text.encode()) <= MAX_HTML_BYTES
    assert "\ufffd" not in text and "Ã" not in text


_LINES = st.sampled_from(
    [
        *BODY,
        "Passer au contenu",
        "Source : AFP",
        "Lire aussi : le dossier",
        "Un sous-titre court",
        "Camille Moreau",
        "Il faut lire la source du texte avec attention, dit-elle.",
    ]
)


@given(st.lists(_LINES, max_size=12))
def test_cleaning_only_removes_whole_units_in_order(lines: list[str]) -> None:
    out = clean_text("\n\n".join(lines)).text
    kept = out.split("\n\n") if out else []
    remaining = iter(lines)
    assert all(any(unit == line for line in remaining) for unit in kept)
    for sentence in (*BODY, "Il faut lire la source du texte avec attention, dit-elle."):
        assert out.count(sentence) == lines.count(sentence)
