"""Back-pressure for Discord: the delivery cool-down (X3, X4, X8).

``DiscordCooldown`` remembers until when the delivery path must not send anything (a huge
``retry_after``, a Cloudflare-style 429, an outage); it reads a swappable ``Clock`` so tests move
time instead of sleeping. Notices wait it out too (``bot.discord.notifier``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import Clock

log = logging.getLogger(__name__)

MAX_PAUSE = timedelta(hours=24)


class DiscordCooldown:
    """No delivery request before ``until`` (aware UTC), as read from ``clock``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.until: datetime | None = None

    def pause(self, seconds: float, *, reason: str) -> datetime:
        """Extend the pause to at least ``seconds`` from now (capped at 24 h)."""
        delay = min(timedelta(seconds=max(seconds, 0.0)), MAX_PAUSE)
        until = self._clock.now() + delay
        if self.until is None or until > self.until:
            self.until = until
            log.warning("discord cool-down seconds=%.0f reason=%s", delay.total_seconds(), reason)
        return self.until

    def remaining(self) -> float:
        """Seconds left in the pause (0 when sending is allowed)."""
        if self.until is None:
            return 0.0
        left = (self.until - self._clock.now()).total_seconds()
        if left <= 0:
            self.until = None
            return 0.0
        return left

    @property
    def active(self) -> bool:
        return self.remaining() > 0
