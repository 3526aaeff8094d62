"""Admission of ``/summary`` calls (S11).

``SummaryGate`` admits a call only when its user has none in flight and is past the cooldown,
and fewer than ``max_in_flight`` calls run overall; the others are refused at once with a
French message.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

BUSY = "Vous avez déjà un résumé en cours : attendez qu'il se termine."
FULL = "Trop de résumés sont en cours en ce moment : réessayez dans une minute."
COOLDOWN = "Doucement : réessayez dans {seconds} s."


class SummaryGate:
    """Per user: one call in flight and ``cooldown`` seconds between starts; globally:
    at most ``max_in_flight`` calls. ``monotonic`` is swappable for tests."""

    def __init__(
        self,
        *,
        cooldown: float = 30.0,
        max_in_flight: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cooldown = cooldown
        self.max_in_flight = max_in_flight
        self._monotonic = monotonic
        self._in_flight: set[int] = set()
        self._last_start: dict[int, float] = {}
        self.peak = 0

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def refusal(self, user_id: int) -> str | None:
        """The French refusal for ``user_id`` now, or ``None`` when the call may start."""
        if user_id in self._in_flight:
            return BUSY
        now = self._monotonic()
        last = self._last_start.get(user_id)
        if last is not None and now - last < self.cooldown:
            return COOLDOWN.format(seconds=max(1, math.ceil(self.cooldown - (now - last))))
        if len(self._in_flight) >= self.max_in_flight:
            return FULL
        return None

    def enter(self, user_id: int) -> str | None:
        """Admit ``user_id`` (returns ``None``) or return the refusal; admitted calls must
        ``leave`` when done."""
        refusal = self.refusal(user_id)
        if refusal is not None:
            return refusal
        self._in_flight.add(user_id)
        self._last_start[user_id] = self._monotonic()
        self.peak = max(self.peak, len(self._in_flight))
        self._forget_old()
        return None

    def leave(self, user_id: int) -> None:
        self._in_flight.discard(user_id)

    def _forget_old(self) -> None:
        if len(self._last_start) < 1024:
            return
        horizon = self._monotonic() - self.cooldown
        for user_id, started in list(self._last_start.items()):
            if started < horizon:
                del self._last_start[user_id]
