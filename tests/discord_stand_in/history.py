"""Discord's snowflakes and message history, as the stand-in (and the tests' fake channels) serve
them. Pure functions, no server.

- A snowflake is ``(milliseconds since 2015-01-01 UTC) << 22`` plus worker, process and
  increment bits, so an id says when its object was created and ids of later objects are larger.
  Clients turn a time into an id for ``after=`` and ``before=`` (discord.py's
  ``utils.time_snowflake``).
- ``GET /channels/{id}/messages`` takes at most one of ``before``, ``after`` and ``around`` (a
  message id or any snowflake) and ``limit`` (1-100, default 50). Whatever the cursor, the page
  is sorted **newest first**: ``before=X`` gives the ``limit`` newest messages older than X,
  ``after=X`` the ``limit`` *oldest* messages newer than X (so a client pages forward by taking
  the first, newest, id of each page as the next ``after``), ``around=X`` the message X when it
  exists with up to ``limit // 2`` on each side (discord.py: "if the limit is an even number
  then this will return at most limit + 1 messages"). Without a cursor, the newest ``limit``.
- A message's ``nonce`` is echoed in the create response and in the gateway's MESSAGE_CREATE,
  but not kept: history never carries it (discord.py's ``Message.nonce``: "ephemeral").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
LIMIT_RANGE = (1, 100)
DEFAULT_LIMIT = 50
CURSORS = ("before", "after", "around")


class HistoryQueryError(ValueError):
    """The query Discord refuses with 400 Invalid Form Body (50035); ``field`` is the culprit."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def snowflake_at(milliseconds: int) -> int:
    """The lowest snowflake of the Unix time ``milliseconds``."""
    return max(milliseconds - DISCORD_EPOCH_MS, 0) << 22


def snowflake_time_ms(snowflake: int) -> int:
    """The Unix time (milliseconds) a snowflake was made at."""
    return (snowflake >> 22) + DISCORD_EPOCH_MS


class SnowflakeMaker:
    """Increasing snowflakes of the current time (``now_ms``, wall clock by default)."""

    def __init__(self, now_ms: Any = None) -> None:
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._last = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self._last = max(snowflake_at(int(self._now_ms())), self._last + 1)
            return self._last

    @classmethod
    def following(cls, clock: Any) -> SnowflakeMaker:
        """Snowflakes of a ``bot.clock`` clock's time (a test's frozen clock)."""

        def now_ms() -> int:
            moment: datetime = clock.now()
            return int(moment.timestamp() * 1000)

        return cls(now_ms)


def parse_query(query: Mapping[str, str]) -> tuple[str | None, int | None, int]:
    """``(cursor name, cursor id, limit)`` from the query string, validated like Discord."""
    raw_limit = query.get("limit")
    if raw_limit is None:
        limit = DEFAULT_LIMIT
    else:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise HistoryQueryError("limit", f"Value {raw_limit!r} is not int.") from None
        low, high = LIMIT_RANGE
        if not low <= limit <= high:
            raise HistoryQueryError("limit", f"int value should be between {low} and {high}.")
    given = [name for name in CURSORS if name in query]
    if len(given) > 1:
        # Discord documents the three as mutually exclusive; refusing the mix keeps a client
        # from relying on whichever one a server would pick.
        raise HistoryQueryError(given[1], f"{' and '.join(given)} are mutually exclusive.")
    if not given:
        return None, None, limit
    name = given[0]
    try:
        cursor = int(query[name])
    except ValueError:
        raise HistoryQueryError(name, f"Value {query[name]!r} is not snowflake.") from None
    if cursor < 0:
        raise HistoryQueryError(name, f"Value {query[name]!r} is not snowflake.")
    return name, cursor, limit


def history_page(
    messages: Sequence[Mapping[str, Any]], cursor: str | None, at: int | None, limit: int
) -> list[Mapping[str, Any]]:
    """One page of ``messages`` (in creation order, oldest first), newest first."""
    ordered = sorted(messages, key=lambda m: int(m["id"]))
    if cursor is None or at is None:
        chosen = ordered[-limit:]
    elif cursor == "before":
        chosen = [m for m in ordered if int(m["id"]) < at][-limit:]
    elif cursor == "after":
        chosen = [m for m in ordered if int(m["id"]) > at][:limit]
    else:  # around
        half = limit // 2
        older = [m for m in ordered if int(m["id"]) < at][-half:] if half else []
        itself = [m for m in ordered if int(m["id"]) == at]
        newer = [m for m in ordered if int(m["id"]) > at][:half]
        chosen = older + itself + newer
    return list(reversed(chosen))


def without_nonce(message: Mapping[str, Any]) -> dict[str, Any]:
    """The message as history returns it: every field but the ephemeral ``nonce``."""
    return {key: value for key, value in message.items() if key != "nonce"}


BOT_AUTHOR: dict[str, Any] = {"id": "900000000000000001", "username": "Dépêche", "bot": True}


class ChannelLog:
    """Messages per target as Discord keeps them, for the tests' fake publishers: ids are
    snowflakes of ``clock``'s time (the wall clock without one), no nonce is kept, and
    ``messages_after`` pages like Discord (``bot.delivery.reconcile.MessageHistory``)."""

    def __init__(self, clock: Any = None) -> None:
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.history_reads = 0
        self._ids = SnowflakeMaker.following(clock) if clock is not None else SnowflakeMaker()

    def record(
        self, target_id: int, payload: Any, *, author: Mapping[str, Any] = BOT_AUTHOR
    ) -> dict[str, Any]:
        """Keep a message built from a ``PostPayload`` (content and embed) and return it."""
        embed = getattr(payload, "embed", None)
        message = {
            "id": str(self._ids()),
            "author": dict(author),
            "content": getattr(payload, "content", "") or "",
            "embeds": [embed] if embed else [],
        }
        self.messages.setdefault(target_id, []).append(message)
        return message

    def chatter(self, target_id: int, count: int) -> None:
        """``count`` messages from a member (a busy channel)."""
        member = {"id": "930000000000000002", "username": "membre", "bot": False}
        for n in range(count):
            message = {"id": str(self._ids()), "author": member, "content": f"m{n}", "embeds": []}
            self.messages.setdefault(target_id, []).append(message)

    async def messages_after(
        self, target_kind: Any, target_id: int, *, after: int, limit: int
    ) -> Sequence[Mapping[str, Any]]:
        self.history_reads += 1
        cursor, at, checked = parse_query({"after": str(after), "limit": str(limit)})
        return history_page(self.messages.get(target_id, []), cursor, at, checked)

    def is_own(self, message: Mapping[str, Any]) -> bool:
        author = message.get("author")
        return isinstance(author, Mapping) and author.get("id") == BOT_AUTHOR["id"]
