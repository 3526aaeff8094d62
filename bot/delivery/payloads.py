"""What one outbox post looks like when it is sent or edited: its subscription's format, the
follow pings of its channel, its reference, where it goes, and the outlets grouped under it
(issue 11), the source's face for a webhook post (issue 10). A send and a later edit build it the
same way, so an edit changes only what changed."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.delivery.also import with_companions
from bot.delivery.embeds import PostPayload
from bot.delivery.formats import render
from bot.delivery.forums import thread_name
from bot.delivery.identity import webhook_avatar, webhook_username
from bot.delivery.references import post_reference
from storage.errors import StorageError, UnavailableError
from storage.records import PostFormat, PostRecord, StoredArticle, Subscription, TargetKind
from storage.storage import Storage
from storage.story_records import Companion

log = logging.getLogger(__name__)


async def mention_ids(
    storage: Storage, target_kind: TargetKind, target_id: int, article: StoredArticle
) -> tuple[int, ...]:
    """The members to ping in a channel post: their mention follows of that channel match
    the article. DMs never mention anyone; a failed lookup only costs the pings, but a database
    that is away (``UnavailableError``) holds the post back: it goes out whole, pings included,
    once the server is back (``bot.delivery.owed``)."""
    if target_kind is not TargetKind.CHANNEL:
        return ()
    try:
        follows = await storage.mention_follows(
            target_id, title=article.title, topics=article.topics, authors=article.authors
        )
    except UnavailableError:
        raise
    except StorageError:
        log.exception("mention lookup failed channel_id=%s", target_id)
        return ()
    return tuple(sorted({f.user_id for f in follows if f.user_id is not None}))


async def webhook_avatars(
    storage: Storage, subscriptions: Mapping[int, Subscription]
) -> dict[int, str]:
    """The icons of the feeds whose subscriptions post as their source (issue 10), by feed id:
    one read for a round of sends or edits."""
    feeds = {s.feed_id for s in subscriptions.values() if s.webhook}
    return await storage.feed_avatars(feeds) if feeds else {}


def post_payload(
    post: PostRecord,
    article: StoredArticle,
    subscription: Subscription | None,
    *,
    tz: str,
    mentions: Sequence[int] = (),
    companions: Sequence[Companion] = (),
    avatars: Mapping[int, str] | None = None,
    updated: bool = False,
) -> PostPayload:
    """The post as its subscription shows it; ``avatars`` (``webhook_avatars``) give the
    source's face for a webhook post (issue 10), ``updated`` marks a corrected article (« mis
    à jour »)."""
    payload = render(
        article,
        post_format=subscription.format if subscription else PostFormat.COMPLET,
        template=subscription.template if subscription else None,
        tz=tz,
        mention_ids=mentions,
        reference=post_reference(post.id),
        updated=updated,
    )
    payload = with_companions(payload, companions)
    return replace(
        payload,
        thread_name=thread_name(article.title),
        tag_terms=(*article.topics, article.source or article.site_name or ""),
        fallback_tag=subscription.forum_tag_id if subscription else None,
        crosspost=bool(subscription and subscription.crosspost),
        discussion=bool(subscription and subscription.discussion),
        webhook=bool(subscription and subscription.webhook),
        username=webhook_username(article.source or article.site_name),
        avatar_url=webhook_avatar((avatars or {}).get(subscription.feed_id))
        if subscription
        else None,
    )
