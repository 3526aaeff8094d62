"""Delivery: the outbox drained into a ``Publisher``, never twice and never lost.

A post is ``sending`` before the publisher is called and ``sent`` after it returns; a crash in
between leaves it ``sending`` and ``recover()`` puts it back to ``pending`` at start-up; a storage
fault that only kept the outcome from being written (a database restart) is made good by the
same process at its next round (``bot.delivery.owed``), not ten minutes later. Before a
retried post is sent again, reconciliation looks for its message by the post reference every
message carries (``bot.delivery.references``); the stored deterministic nonce also lets Discord
drop a duplicate inside its few minutes. A channel post mentions the members
whose mention follows of that channel match the article (looked up at delivery time). A daily
digest (issue 11) is a post with no article: it goes out as the message stored with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.delivery import reconcile
from bot.delivery.budget import RequestBudget
from bot.delivery.cooldown import DiscordCooldown
from bot.delivery.corrections import MessageEditor, deliver_edits
from bot.delivery.digests import digest_payload
from bot.delivery.embeds import PostPayload
from bot.delivery.owed import Owed
from bot.delivery.payloads import mention_ids, post_payload, webhook_avatars
from bot.delivery.publishers import (
    BadPayload,
    Forbidden,
    OutgoingPost,
    Publisher,
    PublishError,
    RateLimited,
    TargetGone,
    ThreadClosed,
    Unavailable,
    WebhookUnavailable,
)
from bot.delivery.story_edits import apply_edits
from storage.errors import StorageError, UnavailableError
from storage.records import (
    ClaimedPost,
    ShardScope,
    Subscription,
    SubscriptionState,
    TargetKind,
)
from storage.storage import Storage
from storage.story_records import Companion

CHANNEL = TargetKind.CHANNEL

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
UNAVAILABLE_PAUSE_SECONDS = 30.0  # after a 5xx or a network failure (X8)
PARALLEL_TARGETS = 10  # channels (or DMs) sent to at once in one round


@dataclass(frozen=True, slots=True)
class DeliveryNotice:
    """Something the guild admins should hear about (French ``message``)."""

    guild_id: int | None
    channel_id: int
    message: str


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    released: int = 0
    edited: int = 0  # messages edited: corrections, and stories' « Aussi chez » (issue 11)
    stopped: bool = False  # circuit breaker tripped (rate limit or outage)
    notices: list[DeliveryNotice] = field(default_factory=list)
    blocked: set[tuple[TargetKind, int]] = field(default_factory=set)  # no more sends this round
    subscriptions: dict[int, Subscription] = field(default_factory=dict)  # their formats
    avatars: dict[int, str] = field(default_factory=dict)  # feed id: icon, for webhook posts


class Delivery:
    def __init__(
        self,
        storage: Storage,
        publisher: Publisher,
        clock: Clock,
        *,
        tz: str = "Europe/Paris",
        cooldown: DiscordCooldown | None = None,
        parallel_targets: int = PARALLEL_TARGETS,
        shards: ShardScope | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.storage = storage
        self.publisher = publisher
        self.clock = clock
        self.tz = tz
        self.cooldown = cooldown or DiscordCooldown(clock)
        self.parallel_targets = max(1, parallel_targets)
        # Several processes: this one sends the posts of its guild shards (and DMs with shard 0).
        self.shards = shards
        # This process's share of Discord's global 50 requests/s (bot.delivery.budget).
        self.budget = budget
        # The outcomes of claimed posts a storage fault kept from being written (bot.delivery.owed).
        self.owed = Owed()

    async def recover(self) -> int:
        """At start-up: posts left ``sending`` by a crash are sent again (same nonce); only
        those of this process's shards, which no other process sends."""
        count = await self.storage.recover_sending(self.shards)
        if count:
            log.warning("recovered in-flight posts count=%d", count)
        return count

    async def deliver_pending(self, limit: int = 20) -> DeliveryReport:
        """One round: claim up to ``limit`` due posts and send them, ``parallel_targets``
        channels (or DMs) at a time, each target's posts in order. Discord's per-channel
        buckets then no longer hold every other channel back; its global limit is discord.py's."""
        report = DeliveryReport()
        if self.cooldown.active:  # X3/X4/X8: not one request until the pause is over
            report.stopped = True
            return report
        await self.owed.settle(self.storage, self.shards)  # a failed round's outcomes first
        try:
            claimed = await self.storage.claim_due_posts(
                now=self.clock.now(), limit=limit, shards=self.shards
            )
        except Exception:
            self.owed.claim_failed()  # it may have committed before the connection went
            raise
        self.owed.claimed(claimed)
        try:
            return await self._send_claimed(claimed, report)
        except BaseException:
            self.owed.round_failed()  # written at the start of the next round
            raise

    async def _send_claimed(
        self, claimed: list[ClaimedPost], report: DeliveryReport
    ) -> DeliveryReport:
        wanted = {i.post.subscription_id for i in claimed if i.post.subscription_id is not None}
        if wanted:  # each post in its subscription's format, read once per round
            report.subscriptions = await self.storage.subscriptions_by_id(wanted)
            report.avatars = await webhook_avatars(self.storage, report.subscriptions)
        by_target: dict[tuple[TargetKind, int], list[ClaimedPost]] = {}
        for item in claimed:
            by_target.setdefault((item.post.target_kind, item.post.target_id), []).append(item)
        targets = iter(by_target.values())
        faults: list[Exception] = []

        async def lane() -> None:
            for items in targets:  # shared iterator: each target is taken by one lane
                for item in items:
                    try:
                        await self._deliver_or_release(item, report)
                    except Exception as exc:  # a storage fault (disk full, D12): stop every lane
                        faults.append(exc)
                        report.stopped = True
                    else:
                        self.owed.settled(item.post.id)

        await asyncio.gather(*(lane() for _ in range(min(self.parallel_targets, len(by_target)))))
        if faults:  # every lane has ended: fail the round loudly, at the job boundary; the rows
            raise faults[0]  # stay "sending" until the next round writes what is owed
        if report.stopped:
            log.warning("delivery paused released=%d", report.released)
        return report

    async def drain(self, *, budget_seconds: float, batch: int = 50) -> DeliveryReport:
        """The scheduled job: rounds until nothing is due, the breaker trips, or the time
        budget (shorter than the job's interval) is spent."""
        total = DeliveryReport()
        deadline = time.monotonic() + budget_seconds
        while True:
            report = await self.deliver_pending(limit=batch)
            total.sent += report.sent
            total.failed += report.failed
            total.released += report.released
            total.notices.extend(report.notices)
            total.stopped = report.stopped
            done = report.sent + report.failed + report.released
            if report.stopped or done < batch or time.monotonic() >= deadline:
                break
        if not total.stopped and time.monotonic() < deadline:  # new posts first, then edits
            edits = await deliver_edits(
                self.storage, self.publisher, self.clock, self.cooldown,
                tz=self.tz, limit=batch, shards=self.shards,
            )  # fmt: skip
            total.edited, total.stopped = edits.edited, edits.stopped
        await self._edit_stories(total)
        return total

    async def _deliver_or_release(self, item: ClaimedPost, report: DeliveryReport) -> None:
        if report.stopped or (item.post.target_kind, item.post.target_id) in report.blocked:
            await self.storage.release(item.post.id, attempted=False)
            report.released += 1
            return
        await self._deliver_one(item, report)

    async def _deliver_one(self, item: ClaimedPost, report: DeliveryReport) -> None:
        post = item.post
        if await reconcile.already_posted(self.storage, self.publisher, item, now=self.clock.now()):
            report.sent += 1  # D5: it reached Discord before a crash or outage; not sent again
            return
        outgoing = OutgoingPost(post, await self._payload(item, report))
        if report.stopped:  # another lane tripped the breaker while this one was preparing
            await self.storage.release(post.id, attempted=False)
            report.released += 1
            return
        if self.budget is not None:
            await self.budget.take()
        self.owed.handed(post.id)
        try:
            message_id = await self.publisher.publish(outgoing)
        except (RateLimited, Unavailable) as exc:
            report.stopped = True  # before any await, so that no other lane starts a send
            if isinstance(exc, RateLimited):
                self.cooldown.pause(exc.retry_after, reason="rate_limited")
            else:
                self.cooldown.pause(UNAVAILABLE_PAUSE_SECONDS, reason="unavailable")
            # A 429 created nothing; a 5xx or a network failure may have: reconcile then.
            attempted = not isinstance(exc, RateLimited)
            await self.storage.release(post.id, error=str(exc), attempted=attempted)
            report.released += 1
        except Forbidden as exc:
            await self._forbidden(item, exc, report)
        except TargetGone as exc:
            await self._gone(item, exc, report)
        except WebhookUnavailable as exc:
            await self._no_webhook(item, exc, report)
        except BadPayload as exc:
            switched = await self.storage.mark_failed(post.id, error=str(exc), bad_format=True)
            report.failed += 1
            if switched:
                report.blocked.add((post.target_kind, post.target_id))
                report.notices.append(DeliveryNotice(post.guild_id, post.target_id, _BAD_FORMAT))
        except (PublishError, Exception) as exc:  # job boundary: an unknown error, log and go on
            log.exception("publish crashed post_id=%s", post.id)
            if post.attempts >= MAX_ATTEMPTS:
                await self.storage.mark_failed(post.id, error=f"unexpected: {exc}")
                report.failed += 1
            else:
                await self.storage.release(post.id, error=f"unexpected: {exc}")
                report.released += 1
                report.stopped = True
        else:
            self.owed.created(post.id, message_id, self.clock.now())
            await self.storage.mark_sent(post.id, message_id=message_id, now=self.clock.now())
            report.sent += 1

    async def _payload(self, item: ClaimedPost, report: DeliveryReport) -> PostPayload:
        """The article's post in its subscription's format, or a digest's stored message."""
        post = item.post
        if item.article is None:  # a digest (issue 11): rendered when it was enqueued
            return digest_payload(post, item.digest or {})
        mentions = await mention_ids(self.storage, post.target_kind, post.target_id, item.article)
        subscription = report.subscriptions.get(post.subscription_id or 0)
        companions = await self._companions(post.id) if post.target_kind is CHANNEL else []
        return post_payload(
            post,
            item.article,
            subscription,
            tz=self.tz,
            mentions=mentions,
            companions=companions,
            avatars=report.avatars,
        )

    async def _edit_stories(self, report: DeliveryReport) -> None:
        """Issue 11: the first posts of stories other outlets now tell, edited once sent."""
        if report.stopped or not isinstance(self.publisher, MessageEditor):
            return
        try:
            report.edited += await apply_edits(
                self.storage, self.publisher, tz=self.tz, shards=self.shards
            )
        except UnavailableError as exc:  # the server restarts: the edits wait for the next round
            log.warning("story edits skipped database unavailable: %s", exc.detail)
        except StorageError:
            log.exception("story edits failed")

    async def _companions(self, post_id: int) -> list[Companion]:
        """The outlets already grouped under a post not sent yet (issue 11); a database that is
        away holds the post back rather than send it without them."""
        try:
            return (await self.storage.companions([post_id])).get(post_id, [])
        except UnavailableError:
            raise
        except StorageError:
            log.exception("companions lookup failed post_id=%s", post_id)
            return []

    async def _forbidden(self, item: ClaimedPost, exc: Forbidden, report: DeliveryReport) -> None:
        post = item.post
        if post.target_kind is TargetKind.DM or post.subscription_id is None:
            await self.storage.mark_failed(post.id, error=str(exc))
            report.failed += 1
            return
        reason = _THREAD_CLOSED if isinstance(exc, ThreadClosed) else _FORBIDDEN
        await self.storage.set_channel_state(
            post.target_id, SubscriptionState.PAUSED_PERMISSIONS, reason=reason
        )
        # refused (403): nothing was created; sent once permissions are back
        await self.storage.release(post.id, error=str(exc), attempted=False)
        report.blocked.add((post.target_kind, post.target_id))
        report.released += 1
        report.notices.append(DeliveryNotice(post.guild_id, post.target_id, reason))

    async def _no_webhook(
        self, item: ClaimedPost, exc: WebhookUnavailable, report: DeliveryReport
    ) -> None:
        """Back to the bot's own messages: nothing was posted, so the post goes out again, as
        the bot, in a later round; admins are told once."""
        post = item.post
        if post.subscription_id is not None:
            await self.storage.set_webhook_identity(post.subscription_id, False)
        await self.storage.release(post.id, error=str(exc), attempted=False)
        report.released += 1
        report.blocked.add((post.target_kind, post.target_id))
        report.notices.append(DeliveryNotice(post.guild_id, post.target_id, _NO_WEBHOOK))

    async def _gone(self, item: ClaimedPost, exc: TargetGone, report: DeliveryReport) -> None:
        post = item.post
        await self.storage.mark_failed(post.id, error=str(exc))
        report.failed += 1
        report.blocked.add((post.target_kind, post.target_id))
        if post.target_kind is TargetKind.CHANNEL:
            await self.storage.set_channel_state(
                post.target_id, SubscriptionState.CHANNEL_GONE, reason=_GONE
            )
            await self.storage.cancel_for_channel(post.target_id)
            await self.storage.forget_digest_channel(post.target_id)  # no more daily digests


_FORBIDDEN = (
    "Le bot n'a plus le droit de publier dans ce salon (voir, envoyer des messages, intégrer "
    "des liens). Rétablissez ces permissions puis utilisez /flux activer."
)
_THREAD_CLOSED = (
    "Le fil de discussion de cet abonnement est archivé et je ne peux pas le rouvrir (fil "
    "verrouillé, ou permission « Gérer les fils » ou « Envoyer des messages dans les fils » "
    "manquante). Rouvrez le fil puis utilisez /flux activer."
)
_GONE = "Le salon n'existe plus."
_NO_WEBHOOK = (
    "Le webhook de ce salon a été supprimé et je ne peux pas en créer un autre (permission "
    "« Gérer les webhooks » manquante, ou trop de webhooks dans le salon) : les articles sont "
    "de nouveau publiés sous le nom du bot. Rétablissez la permission puis choisissez "
    "l'identité de la source avec /flux format."
)
_BAD_FORMAT = (
    "Discord a refusé plusieurs messages de suite pour ce flux ; l'abonnement est suspendu. "
    "Utilisez /flux activer pour réessayer."
)
