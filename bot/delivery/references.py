"""The post reference: how the bot recognises its own message in a channel's history.

Discord echoes a message's ``nonce`` when it is created but does not keep it: history never
carries it, and ``enforce_nonce`` only de-duplicates for a few minutes. So every message the bot
posts for an outbox row carries a short reference of that row, ``réf. 002a`` (the post id in
hexadecimal, at least four digits), which Discord keeps with the message:

- in the embed footer, after the usual credit (``Résumé automatique extractif · Dépêche ·
  réf. 002a``): the channel post and the DM, which share one renderer;
- on a last line of subtext (``-# réf. 002a``) for a message without an embed, so that a text
  format, a digest or an edit carries the same reference in the same words.

A message edited after a correction says so just before its reference (``· mis à jour ·
réf. 002a`` in the footer, ``-# mis à jour · réf. 002a`` as the last line): the reference stays
the last words, where the search reads it.

Within one database a post id names one post, so the reference never matches another post's
message; the search only looks at the bot's own messages created after the post's first attempt
(``bot.delivery.reconcile``). Article text cannot forge one: it is markdown-escaped, so neither
a ``-#`` line nor a footer can come from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

LABEL = "réf."
_IN_FOOTER = re.compile(r"(?:^|\s)réf\. ([0-9a-f]{4,})$")
UPDATED = "mis à jour"
_IN_CONTENT = re.compile(r"^-# (?:mis à jour · )?réf\. ([0-9a-f]{4,})$", re.MULTILINE)


def post_reference(post_id: int) -> str:
    """The reference of the outbox post ``post_id``: ``"002a"`` for post 42."""
    if post_id < 0:
        raise ValueError(f"post ids are positive, not {post_id}")
    return f"{post_id:04x}"


def footer_with(footer: str, reference: str, *, updated: bool = False) -> str:
    """``footer`` followed by the reference, as an embed footer shows it (``updated``: after
    « mis à jour », for a message edited after a correction)."""
    tail = f"{UPDATED} · {LABEL} {reference}" if updated else f"{LABEL} {reference}"
    return f"{footer} · {tail}" if footer else tail


def content_line(reference: str, *, updated: bool = False) -> str:
    """The reference as the last line of a message without an embed (Discord subtext)."""
    return f"-# {UPDATED} · {LABEL} {reference}" if updated else f"-# {LABEL} {reference}"


def defuse(text: str) -> str:
    """``text`` with every line that reads as a reference turned into plain text (its ``#``
    escaped), so that only the line the bot appends names the post (an admin's template may
    hold anything)."""
    return _IN_CONTENT.sub(lambda match: "-\\#" + match.group(0)[2:], text)


def references_in(message: Mapping[str, Any]) -> set[str]:
    """Every post reference a raw Discord message carries (embed footers, subtext lines)."""
    found: set[str] = set()
    for embed in message.get("embeds") or []:
        if not isinstance(embed, Mapping):
            continue
        footer = embed.get("footer")
        text = footer.get("text") if isinstance(footer, Mapping) else None
        if isinstance(text, str) and (match := _IN_FOOTER.search(text.strip())):
            found.add(match.group(1))
    content = message.get("content")
    if isinstance(content, str):
        found.update(_IN_CONTENT.findall(content))
    return found
