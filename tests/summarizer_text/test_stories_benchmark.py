"""benchmarks/stories.py on small JSONL files written here (the figures are in its docstring)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.stories import main
from benchmarks.story_rewrites import labelled, original, republications

STORIES = {
    "marseillaise": (
        "La Marseillaise reprise par Maritima Médias",
        "Le tribunal de commerce de Marseille a retenu mardi l'offre de reprise du quotidien La "
        "Marseillaise portée par le groupe Maritima Médias. Les 120 salariés conservent leur "
        "emploi. Le groupe, détenu par la mairie de Martigues, investira 3 millions d'euros.",
    ),
    "glaciers": (
        "Les glaciers des Alpes ont perdu 10 % de leur volume en deux ans",
        "Selon une étude de l'Académie suisse des sciences publiée jeudi, les glaciers des Alpes "
        "ont perdu 10 % de leur volume depuis 2022. Le Rhône et l'Aletsch reculent de 50 mètres "
        "par an. Les chercheurs de Zurich appellent à réduire les émissions.",
    ),
}


def _records(with_story: bool) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for number, (story, (title, text)) in enumerate(STORIES.items()):
        for copy, outlet in enumerate(("Le Monde", "Le Figaro")):
            record: dict[str, object] = {
                "id": f"{story}-{copy}",
                "outlet": outlet,
                "title": title if copy == 0 else f"VIDÉO. {title}",
                "date": f"2026-12-0{number + 1}T0{copy + 8}:00:00+01:00",
                "text": text if copy == 0 else f"{text} Avec AFP.",
            }
            if with_story:
                record["story"] = story
            out.append(record)
    return out


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_labelled_records_are_scored_and_written_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "stories.jsonl", _records(with_story=True))
    assert main([str(source), "--json", str(tmp_path / "out.json")]) == 0
    figures = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert set(figures) == {"precision", "recall", "f1", "ms_per_article"}
    assert (figures["precision"], figures["recall"]) == (1.0, 1.0)
    assert "4 articles, 2 sujets (champ story)" in capsys.readouterr().out


def test_without_labels_republications_are_built_the_same_way_every_run() -> None:
    records = _records(with_story=False)
    first, how = labelled(records)
    again, _ = labelled(records)
    assert how == "republications simulées" and first == again
    for record in records:
        article = original(record)
        for copy in republications(article):
            assert copy.story == article.story and copy.outlet != article.outlet
            assert copy.published > article.published
    assert [item.published for item in first] == sorted(item.published for item in first)


def test_a_broken_line_is_named_in_french(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "a", "date": "2026-12-01"}\n{pas du json\n', "utf-8")
    with pytest.raises(SystemExit, match=r"bad\.jsonl:2 : ligne JSON illisible"):
        main([str(source)])
    assert main([str(tmp_path / "absent.jsonl")]) == 2
