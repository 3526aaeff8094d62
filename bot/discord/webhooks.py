"""Webhook identity on Discord: one webhook per channel, created by the bot and reused, each
article executed through it with ``wait=True`` under the source's name and avatar.

A webhook an admin deleted answers 404 10015: it is forgotten and made again once (nothing was
posted by the failed execution); when it cannot be made (Manage Webhooks missing, Discord's
cap), ``WebhookUnavailable`` sends the subscription back to the bot's own messages (the
outbox tells the admins). Executions take no nonce: after an uncertain outcome (timeout, 5xx)
the outbox's reconciliation reads the channel's history, where ``is_own`` recognises the
messages of the channel's webhook (its id, remembered before the read), by their reference.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

import discord

from bot.delivery import publishers
from storage.webhooks import ChannelWebhook

log = logging.getLogger(__name__)

WEBHOOK_NAME = "Dépêche"
UNKNOWN_WEBHOOK = 10015


class WebhookStore(Protocol):
    async def channel_webhook(self, channel_id: int) -> ChannelWebhook | None: ...

    async def save_webhook(
        self, channel_id: int, webhook_id: int, token: str, *, now: Any
    ) -> None: ...

    async def forget_webhook(self, channel_id: int, webhook_id: int) -> None: ...


class ChannelWebhooks:
    def __init__(self, client: discord.Client, store: WebhookStore) -> None:
        self._client = client
        self._store = store
        self._known: set[str] = set()  # ids of the webhooks this bot posted through

    def is_own(self, message: Mapping[str, Any]) -> bool:
        return str(message.get("webhook_id") or "") in self._known

    async def remember(self, channel_id: int) -> None:
        """Before reading a channel's history: its webhook's messages are the bot's."""
        hook = await self._store.channel_webhook(channel_id)
        if hook is not None:
            self._known.add(str(hook.webhook_id))

    async def send(
        self, channel_id: int, post: publishers.OutgoingPost, mentions: discord.AllowedMentions
    ) -> discord.WebhookMessage:
        hook = await self._store.channel_webhook(channel_id) or await self._create(channel_id)
        try:
            return await self._execute(hook, post, mentions)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_WEBHOOK:
                raise
            log.warning("webhook gone channel_id=%s webhook_id=%s", channel_id, hook.webhook_id)
            await self._store.forget_webhook(channel_id, hook.webhook_id)
            hook = await self._create(channel_id)  # once: a second 404 is raised
            return await self._execute(hook, post, mentions)

    async def edit(self, channel_id: int, message_id: int, post: publishers.OutgoingPost) -> bool:
        """A correction of a message the channel's webhook posted, through that webhook (no
        one else may edit it). False when the channel has no webhook or the message is not
        its own (404): the caller edits it as the bot's."""
        hook = await self._store.channel_webhook(channel_id)
        if hook is None:
            return False
        self._known.add(str(hook.webhook_id))
        webhook = discord.Webhook.partial(hook.webhook_id, hook.token, client=self._client)
        embed = discord.Embed.from_dict(post.payload.embed) if post.payload.embed else None
        try:
            await webhook.edit_message(
                message_id,
                content=post.payload.content or None,
                embeds=[embed] if embed is not None else [],
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound:
            return False
        return True

    async def _create(self, channel_id: int) -> ChannelWebhook:
        try:
            data = await self._client.http.create_webhook(channel_id, name=WEBHOOK_NAME)
        except discord.HTTPException as exc:
            if exc.status >= 500:
                raise
            detail = f"webhook not created status={exc.status} code={exc.code}"
            raise publishers.WebhookUnavailable(detail) from exc
        hook = ChannelWebhook(channel_id, int(data["id"]), str(data["token"]))
        await self._store.save_webhook(
            channel_id, hook.webhook_id, hook.token, now=discord.utils.utcnow()
        )
        log.info("webhook created channel_id=%s webhook_id=%s", channel_id, hook.webhook_id)
        return hook

    async def _execute(
        self, hook: ChannelWebhook, post: publishers.OutgoingPost, mentions: discord.AllowedMentions
    ) -> discord.WebhookMessage:
        self._known.add(str(hook.webhook_id))
        payload = post.payload
        webhook = discord.Webhook.partial(hook.webhook_id, hook.token, client=self._client)
        embed = discord.Embed.from_dict(payload.embed) if payload.embed else None
        missing: Any = discord.utils.MISSING
        return await webhook.send(
            content=payload.content or missing,
            embeds=[embed] if embed is not None else missing,
            username=payload.username or missing,
            avatar_url=payload.avatar_url or missing,
            allowed_mentions=mentions,
            wait=True,
        )
