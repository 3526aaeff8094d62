"""The Discord ``Publisher``: channel sends with a deterministic ``nonce`` (``enforce_nonce``),
DMs through ``user.create_dm()``, and discord.py exceptions mapped to ``PublishError``s. It also
reads a target's history for reconciliation (``bot.delivery.reconcile.MessageHistory``).

Retries are discord.py's own (bucket 429s up to ``max_ratelimit_timeout``); nothing here retries
on top of them (X1). discord.py also retries a 500/502/504 five times over about 25 s: each send
gets a short ``budget`` instead, and running out of it counts as ``Unavailable`` (X8), so a 500
storm stops the delivery round after one post (the nonce makes a late success harmless).
Mentions: none, except the follow pings the bot adds itself (S18).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

import discord

from bot.delivery import publishers
from bot.delivery.embeds import PostPayload
from bot.delivery.forums import ForumTag, matching_tags
from bot.discord.webhooks import ChannelWebhooks, WebhookStore
from storage.records import TargetKind

log = logging.getLogger(__name__)

# A Cloudflare-style 429 (no JSON, no Via): the whole bot must cool down (X4).
CLOUDFLARE_COOLDOWN_SECONDS = 600.0
RATE_LIMIT_PAUSE_SECONDS = 5.0  # a JSON 429 without a usable Retry-After header
GONE_CODES = {10003, 10013, 50007}  # Unknown Channel, Unknown User, Cannot DM this user
BAD_FORMAT_CODES = {50035, 50006, 50008}
PUBLISH_BUDGET_SECONDS = 8.0  # > a normal bucket wait, < discord.py's 25 s of 5xx retries
THREAD_ARCHIVED = 50083  # a message to an archived thread
NOT_AUTHOR = 50005  # "Cannot edit a message authored by another user"
ARCHIVED_PAGE = 100  # a forum's most recently archived posts read by reconciliation


def allowed_mentions_for(user_ids: tuple[int, ...] | list[int]) -> discord.AllowedMentions:
    """Nobody, or only the users the bot pings itself for a follow."""
    if not user_ids:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(id=user_id) for user_id in user_ids],
    )


def embed_from(data: dict[str, Any] | None) -> discord.Embed | None:
    return discord.Embed.from_dict(data) if data else None


def embeds_of(payload: PostPayload) -> list[discord.Embed]:
    """The message's embeds: the post's one, then a long digest's next ones (issue 11)."""
    return [discord.Embed.from_dict(e) for e in (payload.embed, *payload.more_embeds) if e]


def _rate_limit_pause(exc: discord.HTTPException) -> float:
    """A 429 that reached us: Discord's own JSON one (``Via`` header, as discord.py tells them
    apart) that outlasted discord.py's retries pauses for its ``Retry-After``; anything else
    is Cloudflare's ban, which needs the long cool-down (X4)."""
    headers = getattr(exc.response, "headers", None) or {}
    is_json = headers.get("Content-Type", "").startswith("application/json")
    if not headers.get("Via") or not is_json:
        return CLOUDFLARE_COOLDOWN_SECONDS
    try:
        return min(max(float(headers.get("Retry-After", "")), 1.0), CLOUDFLARE_COOLDOWN_SECONDS)
    except ValueError:
        return RATE_LIMIT_PAUSE_SECONDS


def map_http_error(exc: discord.HTTPException) -> publishers.PublishError:
    """The ``PublishError`` for a discord.py exception (see ``bot.delivery.publishers``)."""
    detail = f"status={exc.status} code={exc.code}"
    if isinstance(exc, discord.Forbidden):
        if exc.code in GONE_CODES:
            return publishers.TargetGone(detail)
        return publishers.Forbidden(detail)
    if isinstance(exc, discord.NotFound):
        return publishers.TargetGone(detail)
    if isinstance(exc, discord.DiscordServerError):
        return publishers.Unavailable(detail)
    if exc.status == 429:
        return publishers.RateLimited(_rate_limit_pause(exc), detail)
    if exc.status == 400 or exc.code in BAD_FORMAT_CODES:
        return publishers.BadPayload(detail)
    return publishers.Unavailable(detail)


class DiscordPublisher:
    """Implements ``bot.delivery.publishers.Publisher`` on top of a logged-in discord.py client."""

    def __init__(
        self,
        client: discord.Client,
        *,
        budget: float = PUBLISH_BUDGET_SECONDS,
        webhooks: WebhookStore | None = None,
    ) -> None:
        self._client = client
        self._budget = budget
        # Webhook identity (``bot.discord.webhooks``): only with a store for the webhooks.
        self._webhooks = ChannelWebhooks(client, webhooks) if webhooks is not None else None

    def attach_webhooks(self, store: WebhookStore) -> None:
        """Webhook identity once storage is open (the run mode builds the publisher first)."""
        self._webhooks = ChannelWebhooks(self._client, store)

    @property
    def client(self) -> discord.Client:
        return self._client

    async def messages_after(
        self, target_kind: TargetKind, target_id: int, *, after: int, limit: int
    ) -> Sequence[Mapping[str, Any]]:
        """``bot.delivery.reconcile.MessageHistory``: one page of the target's history, the
        ``limit`` messages created after the snowflake ``after`` (``GET /channels/{id}/messages``,
        raw objects, newest first), within the send budget."""
        try:
            async with asyncio.timeout(self._budget):
                channel_id = target_id
                if target_kind is TargetKind.DM:
                    channel_id = (await self._dm_channel(target_id)).id
                else:
                    forum = self._client.get_channel(target_id)
                    if isinstance(forum, discord.ForumChannel):
                        return await self._forum_posts_after(forum, after=after, limit=limit)
                if self._webhooks is not None:
                    await self._webhooks.remember(channel_id)
                page = await self._client.http.logs_from(channel_id, limit, after=after)
        except TimeoutError as exc:
            raise publishers.Unavailable(f"no history within {self._budget:g} s") from exc
        except discord.HTTPException as exc:
            raise map_http_error(exc) from exc
        return cast("list[Mapping[str, Any]]", page)

    def is_own(self, message: Mapping[str, Any]) -> bool:
        """True for a message the logged-in bot posted (its author is the bot user)."""
        me = self._client.user
        author = message.get("author")
        if self._webhooks is not None and self._webhooks.is_own(message):
            return True
        return me is not None and isinstance(author, Mapping) and author.get("id") == str(me.id)

    async def publish(self, post: publishers.OutgoingPost) -> str | None:
        payload = post.payload
        kind = str(getattr(post.target_kind, "value", post.target_kind))
        try:
            async with asyncio.timeout(self._budget):
                place = await self._place(post.target_id) if kind != "dm" else None
                if isinstance(place, discord.ForumChannel):
                    message_id = await self._forum_post(place, payload)
                    log.info("published forum post target=%s thread_id=%s", kind, message_id)
                    return message_id
                if isinstance(place, discord.Thread) and place.archived:
                    await self._reopen(place)
                destination = await self._destination(kind, post.target_id)
                try:
                    if (
                        payload.webhook
                        and self._webhooks
                        and isinstance(place, discord.TextChannel)
                    ):
                        mentions = allowed_mentions_for(tuple(payload.allowed_user_ids))
                        message: discord.Message = await self._webhooks.send(
                            place.id, post, mentions
                        )
                    else:
                        message = await self._send(destination, post)
                except discord.HTTPException as exc:
                    if exc.code != THREAD_ARCHIVED:
                        raise
                    await self._reopen(place or await self._client.fetch_channel(post.target_id))
                    message = await self._send(destination, post)  # nothing was created
        except TimeoutError as exc:
            log.warning(
                "publish over budget target=%s:%s nonce=%s", kind, post.target_id, post.nonce
            )
            raise publishers.Unavailable(f"no answer within {self._budget:g} s") from exc
        except discord.RateLimited as exc:
            raise publishers.RateLimited(exc.retry_after) from exc
        except discord.HTTPException as exc:
            error = map_http_error(exc)
            log.warning(
                "publish failed target=%s:%s nonce=%s error=%s %s",
                kind,
                post.target_id,
                post.nonce,
                type(error).__name__,
                error,
            )
            raise error from exc
        log.info("published target=%s:%s message_id=%s", kind, post.target_id, message.id)
        if payload.crosspost:
            await self._crosspost(message)
        if payload.discussion:
            await self._open_discussion(message, payload.thread_name)
        return str(message.id)

    async def edit(self, post: publishers.OutgoingPost) -> None:
        """``bot.delivery.corrections.MessageEditor``: the sent post's message edited in place
        (``PATCH /channels/{channel}/messages/{message}``), in a forum post's thread for a
        forum, a thread unarchived first when Discord says it is archived."""
        message_id = int(post.post.message_id or 0)
        embed = embed_from(post.payload.embed)
        try:
            async with asyncio.timeout(self._budget):
                channel_id = post.target_id
                if post.target_kind is TargetKind.DM:
                    channel_id = (await self._dm_channel(post.target_id)).id
                elif isinstance(self._client.get_channel(post.target_id), discord.ForumChannel):
                    channel_id = message_id  # a forum post's thread has its message's id
                elif self._webhooks is not None and await self._webhooks.edit(
                    channel_id, message_id, post
                ):
                    log.info("edited through webhook message_id=%s", message_id)
                    return
                with discord.http.handle_message_parameters(
                    content=post.payload.content or None,
                    embeds=[embed] if embed is not None else [],
                    allowed_mentions=discord.AllowedMentions.none(),
                ) as params:
                    try:
                        await self._client.http.edit_message(channel_id, message_id, params=params)
                    except discord.HTTPException as exc:
                        if exc.code != THREAD_ARCHIVED:
                            raise
                        await self._reopen(await self._client.fetch_channel(channel_id))
                        await self._client.http.edit_message(channel_id, message_id, params=params)
        except TimeoutError as exc:
            raise publishers.Unavailable(f"no answer within {self._budget:g} s") from exc
        except discord.RateLimited as exc:
            raise publishers.RateLimited(exc.retry_after) from exc
        except discord.HTTPException as exc:
            if exc.code == NOT_AUTHOR:  # never the bot's to edit (a webhook's, say): for good
                raise publishers.BadPayload(f"status={exc.status} code={exc.code}") from exc
            raise map_http_error(exc) from exc
        log.info("edited target=%s message_id=%s", post.target_id, message_id)

    async def _send(
        self, destination: discord.abc.Messageable, post: publishers.OutgoingPost
    ) -> discord.Message:
        payload = post.payload
        return await destination.send(
            content=payload.content or None,
            embeds=embeds_of(payload),
            nonce=post.nonce,
            allowed_mentions=allowed_mentions_for(tuple(payload.allowed_user_ids)),
        )

    async def _reopen(self, thread: object) -> None:
        """Unarchive the target thread before posting; ``ThreadClosed`` when Discord refuses
        (locked, or permissions missing): the subscription pauses and admins are told."""
        if not isinstance(thread, discord.Thread):
            raise publishers.BadPayload("archived target that is not a thread")
        try:
            await self._client.http.edit_channel(thread.id, archived=False)
        except discord.Forbidden as exc:
            raise publishers.ThreadClosed(f"thread archived status={exc.status}") from exc
        log.info("thread unarchived thread_id=%s", thread.id)

    async def _crosspost(self, message: discord.Message) -> None:
        """Publish an announcement channel's post to the following servers. The message exists
        whatever happens here: a failure is logged, never raised (raising would re-send it)."""
        try:
            async with asyncio.timeout(self._budget):
                await self._client.http.publish_message(message.channel.id, message.id)
        except (discord.HTTPException, TimeoutError) as exc:
            log.warning("crosspost failed message_id=%s error=%r", message.id, exc)

    async def _open_discussion(self, message: discord.Message, name: str) -> None:
        """A public thread under the post, named after the article. The message exists whatever
        happens here: a failure is logged, never raised."""
        try:
            async with asyncio.timeout(self._budget):
                await self._client.http.start_thread_with_message(
                    message.channel.id, message.id, name=name or "Discussion",
                    auto_archive_duration=1440,
                )  # fmt: skip
        except (discord.HTTPException, TimeoutError) as exc:
            log.warning("discussion thread failed message_id=%s error=%r", message.id, exc)

    async def _forum_post(self, forum: discord.ForumChannel, payload: PostPayload) -> str:
        """One forum post (a thread and its first message) per article, titled after it, with
        the forum's matching tags. Forum posts take no nonce: an uncertain one is found again
        by reconciliation (``_forum_posts_after``). Returns the thread's id, which is its
        starter message's."""
        me = forum.guild.me
        tags = [ForumTag(t.id, t.name, t.moderated) for t in forum.available_tags]
        applied = matching_tags(
            tags, payload.tag_terms, fallback=payload.fallback_tag,
            can_moderate=me is not None and forum.permissions_for(me).manage_threads,
        )  # fmt: skip
        embeds = embeds_of(payload)
        channel_payload: dict[str, Any] = {
            "name": payload.thread_name or "Sans titre",
            "auto_archive_duration": forum.default_auto_archive_duration or 1440,
            "applied_tags": [str(tag) for tag in applied],
        }
        with discord.http.handle_message_parameters(
            content=payload.content or discord.utils.MISSING,
            embeds=embeds or discord.utils.MISSING,
            allowed_mentions=allowed_mentions_for(tuple(payload.allowed_user_ids)),
            channel_payload=channel_payload,
        ) as params:
            data = await self._client.http.start_thread_in_forum(forum.id, params=params)
        return str(data["id"])

    async def _forum_posts_after(
        self, forum: discord.ForumChannel, *, after: int, limit: int
    ) -> list[Mapping[str, Any]]:
        """A forum's "history" for reconciliation: the starter messages of the bot's posts in
        it created after ``after`` (oldest ``limit`` of them, newest first), from the guild's
        active threads and the forum's most recently archived ones."""
        me = self._client.user
        active = await self._client.http.get_active_threads(forum.guild.id)
        archived = await self._client.http.get_public_archived_threads(
            forum.id, limit=ARCHIVED_PAGE
        )
        threads = {
            int(t["id"]): t
            for t in [*active.get("threads", []), *archived.get("threads", [])]
            if str(t.get("parent_id")) == str(forum.id)
            and me is not None and str(t.get("owner_id")) == str(me.id)
            and int(t["id"]) > after
        }  # fmt: skip
        starters: list[Mapping[str, Any]] = []
        for thread_id in sorted(threads)[:limit]:
            try:
                message = await self._client.http.get_message(thread_id, thread_id)
            except discord.NotFound:  # the starter message was deleted: nothing to match
                continue
            starters.append(cast("Mapping[str, Any]", message))
        return starters[::-1]

    async def _place(self, channel_id: int) -> object:
        """The channel or thread, from the cache, else fetched: a process just started delivers
        before the gateway has sent its guilds, and a forum or a webhook subscription must not
        then be sent to as a plain channel (a post as the bot, or Discord's 400 in a forum)."""
        return self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)

    async def _destination(self, kind: str, target_id: int) -> discord.abc.Messageable:
        if kind != "dm":
            return self._client.get_partial_messageable(target_id)
        return await self._dm_channel(target_id)

    async def _dm_channel(self, user_id: int) -> discord.DMChannel:
        user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
        return await user.create_dm()
