"""The press review's Discord payload (issue 11, ``/digest now``), pure: the day's ranked
stories (``summarizer.digest.rank_stories``) as one embed titled "La revue de presse du mardi 3
décembre", each story a bold title, one summary sentence and its outlets' links, sanitised like
every post and within Discord's limits (4,096 characters of description, 6,000 in all)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.delivery.embeds import FOOTER, http_url, safe
from summarizer.digest import DigestStory, digest_title

DESCRIPTION_BUDGET = 4000
EMPTY = "Aucun article n'a encore été publié aujourd'hui sur ce serveur."


def _links(story: DigestStory) -> str:
    parts = []
    for source, url in story.links[:5]:
        name = safe(source, 60) or "lien"
        link = http_url(url)
        parts.append(f"[{name}](<{link}>)" if link else name)
    more = len(story.links) - 5
    return " · ".join(parts) + (f" et {more} autres" if more > 0 else "")


def digest_embed(day: date, stories: Sequence[DigestStory]) -> dict[str, Any]:
    """One embed: the title of the day, then the stories while they fit."""
    blocks: list[str] = []
    used = 0
    for rank, story in enumerate(stories, start=1):
        told = f" ({story.outlets} sources)" if story.outlets > 1 else ""
        block = (
            f"**{rank}. {safe(story.title, 200) or 'Sans titre'}**{told}\n"
            f"{safe(story.sentence, 300)}\n{_links(story)}"
        )
        if used + len(block) + 2 > DESCRIPTION_BUDGET:
            break
        blocks.append(block)
        used += len(block) + 2
    return {
        "title": digest_title(day),
        "type": "rich",
        "description": "\n\n".join(blocks) or EMPTY,
        "footer": {"text": FOOTER},
    }
