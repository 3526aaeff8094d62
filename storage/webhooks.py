"""Webhook identity: one webhook per channel, created by the bot and reused (its id and token),
the subscriptions that post through it, and each feed's avatar (the site's icon URL as the bot
found it, fetched once and kept). The token is a secret: never logged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.connection import Connection, in_chunks
from storage.errors import NotFoundError
from storage.terms import to_db


@dataclass(frozen=True, slots=True)
class ChannelWebhook:
    channel_id: int
    webhook_id: int
    token: str

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"ChannelWebhook(channel_id={self.channel_id}, webhook_id={self.webhook_id})"


class WebhookStore(Connection):
    async def channel_webhook(self, channel_id: int) -> ChannelWebhook | None:
        row = await self._fetchone(
            "SELECT webhook_id, token FROM webhooks WHERE channel_id = ?", (channel_id,)
        )
        return None if row is None else ChannelWebhook(channel_id, int(row[0]), row[1])

    async def save_webhook(
        self, channel_id: int, webhook_id: int, token: str, *, now: datetime
    ) -> None:
        """The channel's webhook (a new one replaces the one Discord lost)."""
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO webhooks (channel_id, webhook_id, token, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET"
                " webhook_id = excluded.webhook_id, token = excluded.token,"
                " created_at = excluded.created_at",
                (channel_id, webhook_id, token, to_db(now)),
            )

    async def forget_webhook(self, channel_id: int, webhook_id: int) -> None:
        """Discord deleted it (404): forgotten, unless another one replaced it meanwhile."""
        async with self._tx() as db:
            await db.execute(
                "DELETE FROM webhooks WHERE channel_id = ? AND webhook_id = ?",
                (channel_id, webhook_id),
            )

    async def set_webhook_identity(self, subscription_id: int, enabled: bool) -> None:
        """Whether the subscription posts through its channel's webhook as the source."""
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE subscriptions SET webhook = ? WHERE id = ?",
                (int(enabled), subscription_id),
            )
        if not changed:
            raise NotFoundError(f"subscription {subscription_id}")

    async def set_feed_avatar(self, feed_id: int, avatar_url: str | None) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE feeds SET avatar_url = ? WHERE id = ?", (avatar_url, feed_id))

    async def feed_avatars(self, feed_ids: Iterable[int]) -> dict[int, str]:
        """The avatar URL of each of ``feed_ids`` that has one."""
        found: dict[int, str] = {}
        for chunk, marks in in_chunks(sorted(set(feed_ids))):
            rows = await self._fetchall(
                f"SELECT id, avatar_url FROM feeds WHERE id IN ({marks})"
                " AND avatar_url IS NOT NULL",
                tuple(chunk),
            )
            found.update({int(r[0]): r[1] for r in rows})
        return found
