"""Labelled stories for ``benchmarks/stories.py``: records that carry ``story``, or republications.

A record of ``../shared/eval/dev.jsonl`` is one article of one outlet. When the records carry no
``story`` field, each one becomes a story of its own, told again by 0 to 4 other outlets the way
French outlets republish an AFP dispatch (seeded by the record's id, so every run builds the same
set). Each republication:

- comes from another outlet (Franceinfo, Le Figaro, Libération, ...), 30 minutes to 8 hours later;
- gets a new title, one of: the original with one to three words dropped and its two halves
  around " : " swapped or one of them kept; the opening words (8 to 14) of the lede; the
  original with an outlet's label ("VIDÉO. ", "INFO FRANCEINFO. ", " - Le Parisien");
- has its lede moved (half the time the first paragraph goes after the second or third);
- loses 20 to 45 % of its sentences at random (at least three are kept), lede included;
- gains one or two sentences of its own at the start or the end ("Avec AFP.", "Contacté par
  Le Figaro, le ministère n'a pas souhaité réagir.").

The original's text is its ``reference`` (the chapô) followed by its ``text``, as a page shows it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

OUTLETS = (
    "Franceinfo", "Le Figaro", "Le Monde", "Libération", "Ouest-France", "20 Minutes",
    "Le Parisien", "BFMTV", "La Croix", "L'Obs",
)  # fmt: skip
COPIES = (0, 1, 1, 2, 2, 2, 3, 3, 4, 4)  # how many outlets retell a story, drawn uniformly
LABELS = ("VIDÉO. ", "INFO FRANCEINFO. ", "DIRECT. ", "ENQUÊTE. ", "")
SUFFIXES = (" - Le Parisien", " | Franceinfo", " - Le Figaro", "")
ADDED = (
    "Avec AFP.",
    "Contacté par {outlet}, le ministère n'a pas souhaité réagir.",
    "Plus d'informations à suivre.",
    "Selon nos informations, l'enquête se poursuit.",
    "Cet article a été mis à jour dans la soirée.",
)
_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-Ý«\"])")


@dataclass(frozen=True, slots=True)
class LabelledArticle:
    key: str
    story: str
    outlet: str
    title: str
    text: str
    published: datetime


def parse_when(value: str) -> datetime:
    """The record's date, aware (a bare date is noon UTC)."""
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(hour=12, tzinfo=datetime.now().astimezone().tzinfo).astimezone()
    return when


def original(record: dict[str, Any]) -> LabelledArticle:
    reference = str(record.get("reference") or "").strip()
    body = str(record.get("text") or "").strip()
    text = f"{reference}\n\n{body}" if reference else body
    return LabelledArticle(
        key=str(record["id"]),
        story=str(record.get("story") or record["id"]),
        outlet=str(record.get("outlet") or ""),
        title=str(record.get("title") or ""),
        text=text,
        published=parse_when(str(record["date"])),
    )


def _new_title(rng: random.Random, title: str, text: str, outlet: str) -> str:
    kind = rng.random()
    if kind < 0.4:
        halves = [part for part in title.split(" : ") if part]
        if len(halves) == 2:
            halves = rng.choice([halves[::-1], [halves[0]], [halves[1]], halves])
        words = " : ".join(halves).split()
        for _ in range(min(rng.randint(1, 3), max(0, len(words) - 4))):
            del words[rng.randrange(1, len(words))]
        return " ".join(words)
    if kind < 0.8:
        words = text.split()[: rng.randint(8, 14)]
        return " ".join(words).rstrip(",;:") or title
    suffix = rng.choice(SUFFIXES).replace("Le Parisien", outlet)
    return f"{rng.choice(LABELS)}{title}{suffix}"


def _new_text(rng: random.Random, text: str, outlet: str) -> str:
    paragraphs = [part for part in text.split("\n\n") if part.strip()]
    if len(paragraphs) >= 3 and rng.random() < 0.5:
        lede = paragraphs.pop(0)
        paragraphs.insert(rng.randint(1, 2), lede)
    sentences = [s for part in paragraphs for s in _SENTENCE_RE.split(part.strip()) if s]
    keep = max(3, round(len(sentences) * (1 - rng.uniform(0.2, 0.45))))
    chosen = sorted(rng.sample(range(len(sentences)), min(keep, len(sentences))))
    kept = [sentences[index] for index in chosen]
    for _ in range(rng.randint(1, 2)):
        added = rng.choice(ADDED).format(outlet=outlet)
        if rng.random() < 0.5:
            kept.insert(0, added)
        else:
            kept.append(added)
    return " ".join(kept)


def republications(article: LabelledArticle) -> list[LabelledArticle]:
    """The other outlets' versions of ``article`` (see the module docstring)."""
    rng = random.Random(sha256(article.key.encode()).digest())
    outlets = [name for name in OUTLETS if name != article.outlet]
    copies: list[LabelledArticle] = []
    for number, outlet in enumerate(rng.sample(outlets, rng.choice(COPIES)), start=1):
        copies.append(
            LabelledArticle(
                key=f"{article.key}#{number}",
                story=article.story,
                outlet=outlet,
                title=_new_title(rng, article.title, article.text, outlet),
                text=_new_text(rng, article.text, outlet),
                published=article.published + timedelta(minutes=rng.randint(30, 480)),
            )
        )
    return copies


def labelled(records: list[dict[str, Any]]) -> tuple[list[LabelledArticle], str]:
    """Every article to feed, in date order, and how the labels were made."""
    originals = [original(record) for record in records]
    if any(record.get("story") for record in records):
        articles, how = originals, "champ story"
    else:
        articles = [copy for item in originals for copy in (item, *republications(item))]
        how = "republications simulées"
    articles.sort(key=lambda item: (item.published, item.key))
    return articles, how
