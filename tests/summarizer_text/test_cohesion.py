"""Self-contained summaries: dependent openings are flagged and never open a summary."""

from __future__ import annotations

import pytest

from summarizer.cohesion import depends_on_previous
from summarizer.ranking import SentenceInfo, analyse
from summarizer.selection import candidate_sets, load_model, select_sentences
from summarizer.summary import candidate_sentences, summarize


@pytest.mark.parametrize(
    "sentence",
    [
        "Il a ajouté que le chantier reprendrait lundi.",
        "Elles demandent des bus plus fréquents.",
        "Cette décision a été prise après deux ans de débats.",
        "Ces travaux coûteront 3 millions d'euros.",
        "Si ces discussions n'ont pas abouti, le projet reste sur la table.",
        "Ce dernier a refusé de commenter.",
        "Celui-ci n'a pas répondu.",
        "Mais la préfecture s'y oppose.",
        "Pourtant, rien n'a changé.",
        "Par ailleurs, la ville recrute.",
        "En outre, le budget augmente.",
        "De plus, les horaires changent.",
        "Ainsi, la ligne fermera plus tôt.",
        "Alors, le maire a tranché.",
        "C'est la première fois depuis 1976.",
        "Selon lui, la situation est grave.",
        "— Il a démenti toute faute.",
    ],
)
def test_openings_that_refer_back_are_dependent(sentence: str) -> None:
    assert depends_on_previous(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Le conseil municipal de Rennes a voté lundi la gratuité des transports.",
        "Ce lundi, le conseil municipal a voté la gratuité.",
        "Cette semaine, trois lignes ferment.",
        "Cet été, la Loire a atteint son plus bas niveau.",
        "Il y a deux ans, le projet avait été abandonné.",
        "Il faut attendre la fin des travaux.",
        "Alors que la saison commence, les stations manquent de neige.",
        "Celine Dion chantera à Paris.",
        "Orange a annoncé des résultats en hausse.",
        "Selon Météo-France, la vague de chaleur durera.",
        "Ce sont sept personnes qui ont été interpellées.",
        "« Il faut agir vite », a déclaré la ministre.",
        "",
    ],
)
def test_self_contained_openings_are_not_dependent(sentence: str) -> None:
    assert not depends_on_previous(sentence)


# Each connective answers the sentence before it (cause, consequence, concession, restatement,
# contrast, a second subject): one opening per connective of the rule.
_CONNECTIVE_OPENINGS = [
    "Car oui, l'intestin est un deuxième cerveau.",
    "En effet, les prix ont baissé.",
    "De plus, la ligne sera prolongée.",
    "Par ailleurs, la ville recrute.",
    "En outre, le budget augmente.",
    "Pour autant, rien n'est joué.",
    "Quant à la mairie, elle n'a pas répondu.",
    "Quant au préfet, il temporise.",
    "Quant aux syndicats, ils appellent à la grève.",
    "À ce titre, il sera entendu.",
    "À cet égard, le rapport est sévère.",
    "À ce propos, la ministre a été interrogée.",
    "Par conséquent, la séance est levée.",
    "En conséquence, le club fait appel.",
    "De ce fait, le chantier prend du retard.",
    "De même, les loyers augmentent.",
    "À l'inverse, les ventes reculent.",
    "À l’opposé, la droite applaudit.",
    "Autrement dit, rien ne change.",
    "En somme, le compte n'y est pas.",
    "Bref, la saison est lancée.",
    "Certes, le déficit se réduit.",
    "Sinon, le projet sera abandonné.",
    "D'autant que la demande reste forte.",
    "Finalement, le match a eu lieu.",
    "Au final, trois candidats restent en lice.",
    "En définitive, le texte est adopté.",
    "En tout cas, la question reste ouverte.",
    "Toujours est-il que le budget manque.",
    "Reste que la facture s'alourdit.",
    "Là encore, les chiffres divergent.",
    "Pour cela, il faudra voter une loi.",
    "Pour ce faire, la région emprunte.",
    "Une fois de plus, la séance a été suspendue.",
    "De fait, la grève se poursuit.",
    "Cependant, la date n'est pas fixée.",
    "Néanmoins, le chantier continue.",
    "Dès lors, tout s'accélère.",
    "Pour sa part, le maire se tait.",
]


@pytest.mark.parametrize("sentence", _CONNECTIVE_OPENINGS)
def test_each_french_connective_makes_an_opening_dependent(sentence: str) -> None:
    assert depends_on_previous(sentence)


# Words that begin like a connective but are names, nouns or time: the rule looks at whole words.
@pytest.mark.parametrize(
    "sentence",
    [
        "Carole Delga a présenté son budget.",
        "Carrefour ferme deux magasins.",
        "Certains élus réclament un vote.",
        "Brefs échanges entre les deux dirigeants.",
        "Sinonyme est une start-up rennaise.",
        "Finalistes de la coupe, les Bleus rentrent.",
        "Reste du monde : les marchés reculent.",
        "Depuis ce lundi, la ligne est fermée.",
        "En ce moment, les prix baissent.",
        "De faits divers en faits divers, la ville s'inquiète.",
        "Quantité de voyageurs ont été bloqués.",
    ],
)
def test_words_that_only_begin_like_a_connective_are_not_dependent(sentence: str) -> None:
    assert not depends_on_previous(sentence)


def test_the_first_sentence_of_an_article_is_never_flagged() -> None:
    infos = analyse(["Il pleut sur Brest depuis dix jours.", "Il neige à Lyon."], [0, 0], None)
    assert [i.dependent for i in infos] == [False, True]


def _infos(sentences: list[str]) -> list[SentenceInfo]:
    return analyse(sentences, list(range(len(sentences))), None)


SENTENCES = [
    "Le conseil régional a adopté vendredi un plan de 40 millions d'euros pour les lycées.",
    "Ce plan prévoit la rénovation de douze établissements d'ici à 2027.",
    "Mais les syndicats d'enseignants jugent l'enveloppe insuffisante.",
    "La rénovation énergétique des bâtiments scolaires reste une priorité régionale.",
]


def test_a_dependent_sentence_only_follows_its_predecessor() -> None:
    infos = _infos(SENTENCES)
    scores = [0.0, 9.0, 8.0, 1.0]  # the dependent ones score best
    sets = candidate_sets(infos, scores, top_k=4, limit=3)
    assert sets
    for subset in sets:
        assert not infos[subset[0]].dependent
        for pos, index in enumerate(subset[1:], start=1):
            if infos[index].dependent:
                assert subset[pos - 1] == index - 1
    assert (1,) not in sets and (0, 2) not in sets and (0, 1, 2) in sets


def test_when_the_pool_holds_only_dependent_sentences_a_standalone_one_is_added() -> None:
    infos = _infos(SENTENCES)
    sets = candidate_sets(infos, [5.0, 9.0, 8.0, 1.0], top_k=2, limit=2)
    assert (0,) in sets
    assert all(not infos[s[0]].dependent for s in sets)


def test_repeated_sentences_are_never_chosen_together() -> None:
    repeated = ["La grève des contrôleurs aériens perturbe les vols au départ de Nice."] * 3
    chosen = select_sentences(_infos(repeated), load_model(), 3)
    assert len(chosen) == 1


def test_the_summary_does_not_open_on_a_dependent_sentence() -> None:
    text = "\n\n".join(
        [
            "Un incendie a détruit dans la nuit de samedi un entrepôt de la zone portuaire de "
            "Dunkerque, sans faire de victime.",
            "Il a fallu six heures aux pompiers pour maîtriser le feu. Cette intervention a "
            "mobilisé quatre-vingts sapeurs-pompiers venus de tout le département.",
            "Ce dernier abritait des pièces détachées automobiles. Mais l'origine du sinistre "
            "reste inconnue, selon la préfecture du Nord.",
        ]
    )
    article = candidate_sentences(text)[0]
    for max_sentences in (1, 2, 3):
        summary = summarize(text, title="Incendie d'un entrepôt", max_sentences=max_sentences)
        assert summary.sentences
        assert not depends_on_previous(summary.sentences[0])
        assert len(summary.sentences) <= max_sentences
        for before, sentence in zip(summary.sentences, summary.sentences[1:], strict=False):
            if depends_on_previous(sentence):
                assert article.index(before) == article.index(sentence) - 1


def test_a_model_trained_on_other_features_is_refused() -> None:
    import json
    from importlib import resources

    from summarizer.selection import model_from_dict

    data = json.loads(resources.files("summarizer").joinpath("data", "ranker.json").read_text())
    assert model_from_dict(data) == load_model()
    for key in ("features", "summary_features"):
        broken = dict(data, **{key: data[key][:-1]})
        with pytest.raises(ValueError, match="features"):
            model_from_dict(broken)


def test_blank_lines_do_not_shift_paragraph_numbers() -> None:
    """Paragraph numbers feed the ranker's position features: leading or doubled blank lines
    (raw text given to ``depeche summarize``) must not push the lead to paragraph 1."""
    text = (
        "Le maire a présenté le budget de la ville ce lundi matin devant le conseil.\n\n"
        "Il prévoit une hausse des dépenses pour les écoles et les transports publics."
    )
    expected = candidate_sentences(text)
    assert expected[1] == [0, 1]
    for variant in ("\n\n" + text, text.replace("\n\n", "\n\n\n\n"), " \n \n" + text + "\n\n"):
        assert candidate_sentences(variant) == expected
