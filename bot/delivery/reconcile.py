"""D5: before re-sending a post that may already have reached Discord, look for it.

A post claimed more than once (``attempts > 1``) was interrupted after the claim: a crash between
the send and the ``sent`` update, a timeout or a 5xx whose message may have been created anyway.
Discord's nonce de-duplication only covers a few minutes, so after a long outage the bot reads the
target channel's last messages and looks for its own message carrying the post's nonce or the
article's URL in the embed. When found, the post is recorded as ``sent`` and nothing is posted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.delivery.embeds import http_url
from storage.records import ClaimedPost, TargetKind
from storage.storage import Storage

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100  # the last 100 messages of the target: one request (Discord's maximum)


@runtime_checkable
class MessageHistory(Protocol):
    """Reads the recent messages of a target as raw Discord message objects (dicts)."""

    async def recent_messages(
        self, target_kind: TargetKind, target_id: int, limit: int
    ) -> Sequence[Mapping[str, Any]]: ...


def history_for(publisher: object) -> MessageHistory | None:
    """The publisher itself when it can read a target's history (the Discord one); None for
    the console publisher: nothing to look at."""
    return publisher if isinstance(publisher, MessageHistory) else None


def find_message(
    messages: Sequence[Mapping[str, Any]], *, nonce: str, url: str | None
) -> Mapping[str, Any] | None:
    """The message carrying ``nonce``, else the one whose embed links to ``url``."""
    for message in messages:
        if message.get("nonce") is not None and str(message["nonce"]) == nonce:
            return message
    if url is None:
        return None
    for message in messages:
        for embed in message.get("embeds") or []:
            if isinstance(embed, Mapping) and embed.get("url") == url:
                return message
    return None


async def already_posted(
    storage: Storage, publisher: object, item: ClaimedPost, *, now: datetime
) -> bool:
    """True when a retried post is found in the target's recent messages (then marked ``sent``).

    Any error while reading the history is logged and answered False: the caller then sends,
    still protected by the nonce inside Discord's window."""
    post = item.post
    if post.attempts <= 1:
        return False
    history = history_for(publisher)
    if history is None:
        return False
    try:
        messages = await history.recent_messages(post.target_kind, post.target_id, HISTORY_LIMIT)
    except Exception as exc:  # a job boundary of its own: reading is best effort
        log.warning("reconcile read failed post_id=%s error=%s", post.id, exc)
        return False
    found = find_message(messages, nonce=post.nonce, url=http_url(item.article.url))
    if found is None:
        return False
    message_id = str(found.get("id")) if found.get("id") is not None else None
    await storage.mark_sent(post.id, message_id=message_id, now=now)
    log.warning("reconciled post already on discord post_id=%s message_id=%s", post.id, message_id)
    return True
