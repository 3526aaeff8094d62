"""D5: before re-sending a post that may already have reached Discord, look for it.

A post claimed more than once (``attempts > 1``) was interrupted after the claim: a crash between
the send and the ``sent`` update, a timeout or a 5xx whose message may have been created anyway.
Discord's nonce de-duplication only covers a few minutes and its history never shows a nonce, so
the bot recognises its message by what Discord keeps: the post reference every message carries
(``bot.delivery.references``, ``réf. 002a`` in the embed footer or a subtext line).

Where it looks: the target's messages created after the post's first attempt (``after=`` the
snowflake of that time, minus ``SEARCH_MARGIN`` for the clocks of this host and Discord), read
forward page by page (100 messages, Discord's maximum) until the present, so a busy channel
after a long outage still shows the post; at most ``MAX_PAGES`` pages. Only the bot's own
messages count. When found, the post is recorded as ``sent`` and nothing is posted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.delivery.embeds import http_url
from bot.delivery.references import post_reference, references_in
from storage.records import ClaimedPost, PostRecord, TargetKind
from storage.storage import Storage

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # messages per history request: Discord's maximum
MAX_PAGES = 50  # 5,000 messages after the first attempt; beyond, the post is sent again
SEARCH_MARGIN = timedelta(minutes=2)  # this host's clock may run ahead of Discord's
DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01 UTC, the origin of snowflakes


@runtime_checkable
class MessageHistory(Protocol):
    """Reads a target's history as raw Discord message objects (dicts)."""

    async def messages_after(
        self, target_kind: TargetKind, target_id: int, *, after: int, limit: int
    ) -> Sequence[Mapping[str, Any]]:
        """``GET /channels/{id}/messages?after=&limit=``: up to ``limit`` (1-100) of the
        messages created after the snowflake ``after``, the oldest of them, newest first, every
        author."""
        ...

    def is_own(self, message: Mapping[str, Any]) -> bool:
        """True when the bot itself posted ``message``."""
        ...


class HistoryTooLong(Exception):
    """More than ``MAX_PAGES`` pages of messages since the first attempt."""


def history_for(publisher: object) -> MessageHistory | None:
    """The publisher itself when it can read a target's history (the Discord one); None for
    the console publisher: nothing to look at."""
    return publisher if isinstance(publisher, MessageHistory) else None


def snowflake_before(moment: datetime) -> int:
    """A snowflake lower than the id of any message created at ``moment`` or later."""
    millis = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return max((millis << 22) - 1, 0)


def search_start(post: PostRecord) -> datetime:
    """Where the search begins: the first attempt (else the enqueueing), minus the margin."""
    return (post.first_attempt_at or post.created_at) - SEARCH_MARGIN


def find_message(
    messages: Sequence[Mapping[str, Any]],
    history: MessageHistory,
    *,
    reference: str,
    url: str | None,
) -> Mapping[str, Any] | None:
    """The bot's own message carrying ``reference``. A message without any reference (posted by
    a version of the bot before references) is matched by its embed's link to ``url``."""
    own = [m for m in messages if history.is_own(m)]
    for message in own:
        if reference in references_in(message):
            return message
    if url is None:
        return None
    for message in own:
        if references_in(message):
            continue
        for embed in message.get("embeds") or []:
            if isinstance(embed, Mapping) and embed.get("url") == url:
                return message
    return None


async def find_posted(
    history: MessageHistory, post: PostRecord, *, url: str | None
) -> Mapping[str, Any] | None:
    """Page forward from ``search_start(post)`` to the present; the post's message or None.
    Raises ``HistoryTooLong`` past ``MAX_PAGES`` pages, and whatever the reads raise."""
    cursor = snowflake_before(search_start(post))
    reference = post_reference(post.id)
    for _ in range(MAX_PAGES):
        page = await history.messages_after(
            post.target_kind, post.target_id, after=cursor, limit=PAGE_LIMIT
        )
        found = find_message(page, history, reference=reference, url=url)
        if found is not None:
            return found
        if len(page) < PAGE_LIMIT:
            return None  # the present is reached
        cursor = max(int(message["id"]) for message in page)
    raise HistoryTooLong(f"more than {MAX_PAGES * PAGE_LIMIT} messages since the first attempt")


async def already_posted(
    storage: Storage, publisher: object, item: ClaimedPost, *, now: datetime
) -> bool:
    """True when a retried post is found in the target's history (then marked ``sent``).

    Any error while reading the history is logged and answered False: the caller then sends,
    still protected by the nonce inside Discord's window."""
    post = item.post
    if post.attempts <= 1:
        return False
    history = history_for(publisher)
    if history is None:
        return False
    try:
        url = http_url(item.article.url) if item.article is not None else None  # a digest: none
        found = await find_posted(history, post, url=url)
    except Exception as exc:  # a job boundary of its own: reading is best effort
        log.warning("reconcile read failed post_id=%s error=%s", post.id, exc)
        return False
    if found is None:
        return False
    message_id = str(found.get("id")) if found.get("id") is not None else None
    await storage.mark_sent(post.id, message_id=message_id, now=now)
    log.warning("reconciled post already on discord post_id=%s message_id=%s", post.id, message_id)
    return True
