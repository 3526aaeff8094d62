"""The "Aussi chez" line of a story told by several outlets (issue 11), pure.

A channel that already got a story does not get it again from another outlet: its first post
shows "Aussi chez : Franceinfo, Le Figaro" with their links instead. The list stays short
(``SHOWN`` outlets, then "et 3 autres") and inside Discord's limits: a field of at most 1,024
characters in an embed (within the embed's 6,000), a line of the message in a text format
(within 2,000), the post reference kept on the last line. Outlets' names are sanitised like any
article text; only http(s) links to public hosts are linked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.delivery.embeds import (
    CONTENT_MAX,
    FIELD_VALUE_MAX,
    TOTAL_MAX,
    PostPayload,
    embed_length,
    http_url,
    safe,
    truncate,
)
from storage.story_records import Companion

LABEL = "Aussi chez"
SHOWN = 3  # outlets named before "et N autres"
NAME_MAX = 80


def _others(count: int) -> str:
    return f"et {count} autre" if count == 1 else f"et {count} autres"


def _name(companion: Companion, *, link: bool) -> str:
    name = safe(companion.source or companion.title, NAME_MAX) or "un autre site"
    url = http_url(companion.url)
    if not link or url is None:
        return name
    return f"[{name}](<{url}>)"


def also_text(companions: Sequence[Companion], budget: int, *, link: bool = True) -> str:
    """ "Franceinfo, Le Figaro et 3 autres" (with links) in at most ``budget`` characters; ""
    when there is nobody or no room. Links are dropped before names, names before the count."""
    if not companions:
        return ""
    for shown in range(min(SHOWN, len(companions)), 0, -1):
        for with_links in (True, False) if link else (False,):
            names = [_name(c, link=with_links) for c in companions[:shown]]
            rest = len(companions) - shown
            text = ", ".join(names) + (f" {_others(rest)}" if rest else "")
            if len(text) <= budget:
                return text
    text = _others(len(companions)).removeprefix("et ")
    return text if len(text) <= budget else ""


def with_companions(payload: PostPayload, companions: Sequence[Companion]) -> PostPayload:
    """``payload`` with the "Aussi chez" field (embed) or line (text message) added."""
    if not companions:
        return payload
    if payload.embed:
        return replace(payload, embed=_embed_with(payload.embed, companions))
    lines = payload.content.split("\n")
    tail = [lines.pop()] if lines and lines[-1].startswith("-# ") else []
    head = "\n".join(lines)
    budget = CONTENT_MAX - len(head) - sum(len(t) + 1 for t in tail) - len(LABEL) - 5
    text = also_text(companions, budget)
    if not text:
        return payload
    content = "\n".join([part for part in (head, f"-# {LABEL} : {text}") if part] + tail)
    return replace(payload, content=truncate(content, CONTENT_MAX))


ROOM = 300  # what the field needs at least; the summary is shortened to make it


def _embed_with(embed: dict[str, Any], companions: Sequence[Companion]) -> dict[str, Any]:
    fields = [f for f in embed.get("fields", []) if f.get("name") != LABEL]
    base = {**embed, "fields": fields}
    room = TOTAL_MAX - embed_length(base) - len(LABEL)
    description = str(base.get("description", ""))
    if room < ROOM and len(description) > ROOM - room:
        base["description"] = truncate(description, len(description) - (ROOM - room))
        room = TOTAL_MAX - embed_length(base) - len(LABEL)
    room = min(FIELD_VALUE_MAX, room)
    text = also_text(companions, room)
    if not text:
        return embed
    return {**base, "fields": [*fields, {"name": LABEL, "value": text, "inline": False}]}
