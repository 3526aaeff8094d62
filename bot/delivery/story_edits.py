"""The edits of a story's first post (issue 11): "Aussi chez" grows as outlets retell it.

Storage marks a sent post for an edit when it groups another outlet's article under it
(``edits_wanted``). Each delivery round then rebuilds that post's payload exactly as it was sent
(``bot.delivery.payloads``) plus the outlets now grouped, edits the message, and confirms the
count it read (``mark_story_edited``). An edit is idempotent: one sent twice after a crash shows
the same message, and no edit ever creates one. A message deleted in the meantime (or a
channel gone) settles the edit; a Discord outage leaves it for the next round.
"""

from __future__ import annotations

import logging

from bot.delivery.corrections import MessageEditor
from bot.delivery.payloads import mention_ids, post_payload, webhook_avatars
from bot.delivery.publishers import (
    BadPayload,
    Forbidden,
    OutgoingPost,
    PublishError,
    RateLimited,
    TargetGone,
    Unavailable,
)
from storage.records import ShardScope
from storage.storage import Storage

log = logging.getLogger(__name__)


async def apply_edits(
    storage: Storage,
    editor: MessageEditor,
    *,
    tz: str,
    limit: int = 20,
    shards: ShardScope | None = None,
) -> int:
    """Edit the posts whose story got new outlets (with ``shards``, those of this process's
    guild shards, like its sends); the number of messages edited."""
    due = await storage.due_story_edits(limit, shards)
    if not due:
        return 0
    articles = await storage.articles_by_id([p.article_id for p, _ in due if p.article_id])
    subscriptions = await storage.subscriptions_by_id(
        post.subscription_id for post, _ in due if post.subscription_id is not None
    )
    companions = await storage.companions([post.id for post, _ in due])
    avatars = await webhook_avatars(storage, subscriptions)
    edited = 0
    for post, wanted in due:
        article = articles.get(post.article_id or 0)
        if article is None or post.message_id is None:
            await storage.mark_story_edited(post.id, wanted)
            continue
        mentions = await mention_ids(storage, post.target_kind, post.target_id, article)
        subscription = subscriptions.get(post.subscription_id or 0)
        payload = post_payload(
            post, article, subscription, tz=tz, mentions=mentions,
            companions=companions.get(post.id, []),
            avatars=avatars,
            updated=article.corrections > 0,
        )  # fmt: skip
        try:
            await editor.edit(OutgoingPost(post, payload))
        except (RateLimited, Unavailable) as exc:
            log.info("story edit postponed post_id=%s error=%s", post.id, exc)
            return edited  # the next round tries again
        except (TargetGone, Forbidden, BadPayload) as exc:  # deleted, or no longer ours to edit
            log.info("story edit dropped post_id=%s error=%s", post.id, exc)
        except PublishError as exc:
            log.warning("story edit failed post_id=%s error=%s", post.id, exc)
        else:
            edited += 1
            log.info(
                "story edited post_id=%s outlets=%d", post.id, len(companions.get(post.id, []))
            )
        await storage.mark_story_edited(post.id, wanted)
    return edited
