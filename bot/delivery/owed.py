"""What this process still owes the outbox after a storage fault in a delivery round.

A claimed post's outcome is written once Discord has answered (``mark_sent``, ``release``,
``mark_failed``). When that write fails (the PostgreSQL server restarts, the disk is full, D12),
the round fails at its boundary and the row stays ``sending``; left alone it would wait
``STALE_SENDING`` (10 minutes) before being claimed again, and so would every post claimed in
the same round that was never handed to the publisher. The process knows better: ``Owed`` keeps,
for each post claimed in a failed round, what happened to it here:

- Discord created it (the publisher returned a message id): it is confirmed ``sent`` with that
  id, and nothing is posted again;
- it was handed to the publisher without a recorded answer (a timeout, a 5xx, a refused write
  after an error): it goes back to ``pending`` counted as an attempt, so that its next claim
  looks for it in the target's history first (D5, ``bot.delivery.reconcile``; Discord keeps no
  nonce, the post reference in the message is what is found);
- it never left this process: back to ``pending``, not counted.

``Delivery`` writes these at the start of its next round, before it claims anything; while the
database is still away that raises again at the job boundary and nothing is lost from memory.
A claim whose own transaction failed may have committed before the connection went (its rows
``sending``, unknown here): then the posts of this process's shards left ``sending`` go back to
``pending`` as at start-up (``recover_sending``), which is safe because no other process sends
them and no round of this one is in flight between two rounds (the delivery job never overlaps).
A crash of the process loses this memory; ``Delivery.recover`` at the next start covers that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from storage.records import ClaimedPost, ShardScope
from storage.storage import Storage

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Outcome:
    """What this process knows of one claimed post."""

    handed: bool = False  # given to the publisher: Discord may have created the message
    created: bool = False  # Discord answered with the message
    message_id: str | None = None
    at: datetime | None = None  # when Discord's answer came


class Owed:
    def __init__(self) -> None:
        self._open: dict[int, Outcome] = {}  # claimed in the current round, not settled yet
        self._owed: dict[int, Outcome] = {}  # from failed rounds: written before the next claim
        self._claim_unsure = False

    def __len__(self) -> int:
        return len(self._owed) + int(self._claim_unsure)

    def claimed(self, items: list[ClaimedPost]) -> None:
        self._open.update((item.post.id, Outcome()) for item in items)

    def handed(self, post_id: int) -> None:
        if (outcome := self._open.get(post_id)) is not None:
            outcome.handed = True

    def created(self, post_id: int, message_id: str | None, at: datetime) -> None:
        if (outcome := self._open.get(post_id)) is not None:
            outcome.created, outcome.message_id, outcome.at = True, message_id, at

    def settled(self, post_id: int) -> None:
        """Its outcome is written (sent, failed or released)."""
        self._open.pop(post_id, None)

    def claim_failed(self) -> None:
        self._claim_unsure = True

    def round_failed(self) -> None:
        """The round ended on an error: what is still open is owed."""
        for post_id, outcome in self._open.items():
            log.warning("post outcome owed post_id=%d created=%s message_id=%s",
                        post_id, outcome.created, outcome.message_id)  # fmt: skip
        self._owed.update(self._open)
        self._open.clear()

    async def settle(self, storage: Storage, shards: ShardScope | None) -> int:
        """Write what is owed (raises while the database is still away); how many posts."""
        count = 0
        for post_id, outcome in list(self._owed.items()):
            if outcome.created and outcome.at is not None:
                await storage.mark_sent(post_id, message_id=outcome.message_id, now=outcome.at)
            else:
                await storage.release(post_id, attempted=outcome.handed)
            del self._owed[post_id]
            count += 1
        if self._claim_unsure:
            count += await storage.recover_sending(shards)
            self._claim_unsure = False
        if count:
            log.warning("owed post outcomes settled count=%d", count)
        return count
