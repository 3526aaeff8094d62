"""Corrections delivered: the messages of a corrected article edited in place, marked « mis à
jour », never posted again.

``storage.corrections`` marks the sent posts of a corrected article (``edit_pending``); each
round of the delivery job (``Delivery.drain``) then edits their messages, in the subscription's
format, with the same reference and « mis à jour » before it (``bot.delivery.references``), so
reconciliation still recognises the message. An edit is idempotent: after a crash between the
edit and its record the same text is sent again to the same message, which stays one message.
A message deleted meanwhile (404) or that Discord refuses (400) is left as it is, for good; a
rate limit or an outage pauses the job (``DiscordCooldown``) and the edit waits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.clock import Clock
from bot.delivery.cooldown import DiscordCooldown
from bot.delivery.payloads import post_payload, webhook_avatars
from bot.delivery.publishers import (
    BadPayload,
    OutgoingPost,
    RateLimited,
    TargetGone,
    Unavailable,
)
from storage.records import ClaimedPost, ShardScope, Subscription
from storage.storage import Storage
from storage.story_records import Companion

log = logging.getLogger(__name__)

UNAVAILABLE_PAUSE_SECONDS = 30.0


@runtime_checkable
class MessageEditor(Protocol):
    async def edit(self, post: OutgoingPost) -> None:
        """Replace the text of the message ``post.post.message_id`` with ``post.payload``.
        Raises ``PublishError`` subclasses, as ``Publisher.publish``."""
        ...


@dataclass(slots=True)
class EditReport:
    edited: int = 0
    dropped: int = 0  # refused for good (message deleted, payload refused)
    retried: int = 0
    stopped: bool = False


def edit_payload(
    item: ClaimedPost,
    subscription: Subscription | None,
    tz: str,
    *,
    companions: Sequence[Companion] = (),
    avatars: Mapping[int, str] | None = None,
) -> OutgoingPost:
    """The corrected article as the post was sent (format, the outlets grouped under it, the
    source's face for a webhook post), marked « mis à jour ». No mention: the members were
    pinged when it was posted."""
    assert item.article is not None  # edits are claimed with their article (no digest)
    payload = post_payload(
        item.post, item.article, subscription, tz=tz, companions=companions, avatars=avatars,
        updated=True,
    )  # fmt: skip
    return OutgoingPost(item.post, payload)


async def deliver_edits(
    storage: Storage,
    publisher: object,
    clock: Clock,
    cooldown: DiscordCooldown,
    *,
    tz: str,
    limit: int = 20,
    shards: ShardScope | None = None,
) -> EditReport:
    """One round of edits (at most ``limit``); nothing when the publisher cannot edit (a
    test's fake) or Discord is cooling down."""
    report = EditReport()
    if not isinstance(publisher, MessageEditor) or cooldown.active:
        return report
    items = await storage.claim_due_edits(limit=limit, shards=shards)
    wanted = {i.post.subscription_id for i in items if i.post.subscription_id is not None}
    subscriptions = await storage.subscriptions_by_id(wanted) if wanted else {}
    companions = await storage.companions([i.post.id for i in items]) if items else {}
    avatars = await webhook_avatars(storage, subscriptions)
    for item in items:
        post = item.post
        subscription = subscriptions.get(post.subscription_id or 0)
        outgoing = edit_payload(
            item, subscription, tz, companions=companions.get(post.id, []),
            avatars=avatars,
        )  # fmt: skip
        try:
            await publisher.edit(outgoing)
        except RateLimited as exc:
            cooldown.pause(exc.retry_after, reason="rate_limited")
            report.stopped = True
        except Unavailable:
            cooldown.pause(UNAVAILABLE_PAUSE_SECONDS, reason="unavailable")
            report.stopped = True
        except (TargetGone, BadPayload) as exc:
            log.info("edit dropped post_id=%s error=%s", post.id, exc)
            await storage.mark_edited(post.id, now=clock.now(), error=f"edit: {exc}")
            report.dropped += 1
        except Exception as exc:  # a job boundary: Forbidden, or anything unexpected
            log.warning("edit failed post_id=%s error=%r", post.id, exc)
            await storage.release_edit(post.id, error=f"edit: {exc}")
            report.retried += 1
        else:
            await storage.mark_edited(post.id, now=clock.now())
            log.info("post edited post_id=%s message_id=%s", post.id, post.message_id)
            report.edited += 1
        if report.stopped:
            break
    return report
