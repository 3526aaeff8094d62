"""Quotations cut by the sentence split: a summary never begins or ends inside one."""

from __future__ import annotations

import pytest

from summarizer.cohesion import quotation_spans
from summarizer.ranking import analyse
from summarizer.selection import candidate_sets
from summarizer.summary import candidate_sentences, summarize


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Le ministre a parlé jeudi devant les députés.", (False, False)),
        ('"Sans touristes, Venise est morte", constate un gondolier.', (False, False)),
        ("« Il faut agir. Maintenant », a-t-il dit.", (False, False)),
        ("Elle a parlé d’un “choc” pour la ville.", (False, False)),
        ('Au total, 60 % d\'"additifs multi-usages" ont brûlé.', (False, False)),
        ("La découverte est majeure\", a tweeté l'administrateur.", (True, False)),
        ("C'est inacceptable », a réagi le syndicat.", (True, False)),
        ('"Ça fait longtemps que je me bats pour le vélo.', (False, True)),
        ("« Nous ne céderons pas, a déclaré la ministre.", (False, True)),
        ('Il a parlé de "sursaut " devant la presse.', (False, False)),  # a space before it
    ],
)
def test_each_sentence_is_read_for_the_quotations_it_opens_and_closes(
    sentence: str, expected: tuple[bool, bool]
) -> None:
    assert quotation_spans([sentence], [0]) == [expected]


def test_a_quotation_is_followed_across_the_sentences_of_its_paragraph() -> None:
    sentences = [
        "Le pont est fermé.",
        "La préfecture parle d'un pont \"complètement fermé dans le sens Brésil-France.",
        "Le passage vers la Guyane est interdit.",
        "Aucune exception n'est prévue\", a précisé la préfecture.",
        "Les contrôles reprendront lundi.",
    ]
    assert quotation_spans(sentences, [0] * 5) == [
        (False, False),
        (False, True),
        (True, True),  # no mark of its own: inside the quotation all along
        (True, False),
        (False, False),
    ]


def test_a_stray_mark_does_not_reach_past_its_paragraph() -> None:
    sentences = ['Le "projet de loi est adopté.', "Le Sénat vote mardi.", "La séance est levée."]
    assert quotation_spans(sentences, [0, 0, 1]) == [(False, True), (True, True), (False, False)]


ARTICLE = [
    "La préfecture de Guyane a renforcé jeudi les restrictions contre l'épidémie.",
    "Le pont de l'Oyapock est \"complètement fermé dans le sens Brésil-France.",
    'Le franchissement de la frontière est ainsi interdit", a précisé la préfecture.',
    "Les bars et restaurants fermeront sur tout le territoire guyanais.",
]


def test_a_sentence_inside_a_quotation_is_dependent_and_one_that_opens_it_is_continued() -> None:
    infos = analyse(ARTICLE, [0, 0, 0, 1], None)
    assert [i.dependent for i in infos] == [False, False, True, False]
    assert [i.continued for i in infos] == [False, True, False, False]


def test_a_quotation_left_open_at_the_end_of_a_paragraph_still_needs_the_next_sentence() -> None:
    infos = analyse(['Le maire a écrit : "Nous partirons.', "Rien n'a changé.", 'Il dit "non.'],
                    [0, 1, 1], None)  # fmt: skip
    assert [i.continued for i in infos] == [True, False, False]  # the last has no successor


def test_when_no_sentence_of_the_pool_stands_alone_the_best_one_that_does_is_the_summary() -> None:
    infos = analyse(ARTICLE, [0, 0, 0, 1], None)
    scores = [1.0, 9.0, 8.0, 0.5]
    assert candidate_sets(infos, scores, top_k=1, limit=3) == [(0,)]  # not the quotation's half
    assert (0,) in candidate_sets(infos, scores, top_k=2, limit=3)


def test_candidate_summaries_keep_a_cut_quotation_whole() -> None:
    infos = analyse(ARTICLE, [0, 0, 0, 1], None)
    scores = [1.0, 9.0, 8.0, 0.5]  # the two halves of the quotation score best
    sets = candidate_sets(infos, scores, top_k=4, limit=3)
    assert (1, 2) in sets and (0, 1, 2) in sets
    for subset in sets:
        if 2 in subset:  # the second half never opens a summary, and follows the first
            assert subset[0] != 2 and subset[subset.index(2) - 1] == 1
        if 1 in subset:  # the first half never ends one, and the second follows it
            assert subset[-1] != 1 and subset[subset.index(1) + 1] == 2
    assert (1,) not in sets and (2,) not in sets and (0, 1) not in sets and (1, 3) not in sets


def _balanced(sentences: tuple[str, ...]) -> bool:
    """The summary, read as one text, closes every quotation it opens and no other."""
    return quotation_spans([" ".join(sentences)], [0]) == [(False, False)]


def test_a_summary_neither_begins_nor_ends_inside_a_quotation() -> None:
    text = "\n\n".join(
        [
            "La préfecture de Guyane a encore renforcé jeudi soir les mesures de restriction "
            "pour lutter contre l'épidémie de Covid-19 sur tout le territoire.",
            "Le pont de Saint-Georges de l'Oyapock est désormais \"complètement fermé dans le "
            "sens Brésil-France. Le franchissement de la frontière vers la Guyane est ainsi "
            'complètement interdit", a précisé la préfecture de Guyane dans un communiqué.',
            "Les bars et les restaurants de Guyane fermeront à partir de samedi, et le "
            "couvre-feu commencera désormais à 19 heures dans les quartiers les plus touchés.",
        ]
    )
    sentences = candidate_sentences(text)[0]
    assert any(quotation_spans([s], [0])[0] != (False, False) for s in sentences)  # a cut quote
    for max_sentences in (1, 2, 3):
        for max_chars in (200, 300, 500):
            summary = summarize(
                text, title="La Guyane ferme sa frontière", max_sentences=max_sentences,
                max_chars=max_chars,
            )  # fmt: skip
            assert summary.sentences
            assert _balanced(summary.sentences), summary.sentences
