"""Quality floor of the default summarizer on hand-written French articles (tests/data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rouge_score.rouge_scorer import RougeScorer

from summarizer.ranking import FEATURE_NAMES, analyse
from summarizer.selection import load_model
from summarizer.summary import summarize

ARTICLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "data" / "summarizer_text" / "articles.json").read_text("utf-8")
)
ANAPHORIC = ("Il ", "Ils ", "Elle ", "Elles ", "Cette ", "Ce ", "Ces ", "Cela ")


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["title"][:20])
def test_the_key_sentence_is_kept_and_the_summary_stands_alone(article: dict[str, Any]) -> None:
    summary = summarize(article["text"], title=article["title"])
    assert article["key"] in summary.sentences
    assert not summary.sentences[0].startswith(ANAPHORIC)
    assert 1 <= len(summary.sentences) <= 3


def test_mean_rouge_floor_and_not_worse_than_lead() -> None:
    scorer = RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
    ours, lead = [], []
    for article in ARTICLES:
        for bucket, algorithm in ((ours, "depeche"), (lead, "lead")):
            text = summarize(article["text"], title=article["title"], algorithm=algorithm).text
            bucket.append(scorer.score(article["reference"], text)["rouge1"].fmeasure)
    assert sum(ours) / len(ours) >= 0.40
    assert sum(ours) / len(ours) >= sum(lead) / len(lead) - 0.02


def test_model_features_cover_every_sentence() -> None:
    article = ARTICLES[0]
    infos = analyse(["Une phrase.", "Une autre phrase."], [0, 1], article["title"])
    assert [i.index for i in infos] == [0, 1]
    widths = {len(i.features) for i in infos}
    assert widths == {len(FEATURE_NAMES)} == {load_model().sentence.n_features}
