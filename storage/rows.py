"""Row -> dataclass converters shared by the storage modules."""

from __future__ import annotations

import json

from storage.connection import Row
from storage.records import (
    Filters,
    Follow,
    FollowDelivery,
    FollowKind,
    PostFormat,
    PostRecord,
    PostState,
    StoredArticle,
    Subscription,
    SubscriptionState,
    TargetKind,
)
from storage.terms import from_db, from_db_opt


def article_from_row(row: Row) -> StoredArticle:
    return StoredArticle(
        id=row["id"],
        feed_id=row["feed_id"],
        entry_key=row["entry_key"],
        url=row["url"],
        title=row["title"],
        summary=row["summary"],
        text_origin=row["text_origin"],
        authors=tuple(json.loads(row["authors"])),
        topics=tuple(json.loads(row["topics"])),
        published_at=from_db_opt(row["published_at"]),
        source=row["source"],
        site_name=row["site_name"],
        image=row["image"],
        created_at=from_db(row["created_at"]),
        entry_hash=row["entry_hash"],
        corrections=row["corrections"],
        corrected_at=from_db_opt(row["corrected_at"]),
    )


def post_from_row(row: Row) -> PostRecord:
    return PostRecord(
        id=row["id"],
        article_id=row["article_id"],
        target_kind=TargetKind(row["target_kind"]),
        target_id=row["target_id"],
        guild_id=row["guild_id"],
        subscription_id=row["subscription_id"],
        follow_id=row["follow_id"],
        state=PostState(row["state"]),
        nonce=row["nonce"],
        attempts=row["attempts"],
        message_id=row["message_id"],
        created_at=from_db(row["created_at"]),
        sent_at=from_db_opt(row["sent_at"]),
        last_error=row["last_error"],
        first_attempt_at=from_db_opt(row["first_attempt_at"]),
        edit_pending=bool(row["edit_pending"]),
        edited_at=from_db_opt(row["edited_at"]),
    )


def subscription_from_row(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        feed_id=row["feed_id"],
        filters=Filters.from_json(row["filters"]),
        state=SubscriptionState(row["state"]),
        state_reason=row["state_reason"],
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        bad_format_streak=row["bad_format_streak"],
        format=PostFormat(row["format"]),
        template=row["template"],
        crosspost=bool(row["crosspost"]),
        forum_tag_id=row["forum_tag_id"],
        discussion=bool(row["discussion"]),
        grouping=bool(row["grouping"]),
        corrections=bool(row["corrections"]),
        webhook=bool(row["webhook"]),
    )


def follow_from_row(row: Row) -> Follow:
    return Follow(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        channel_id=row["channel_id"],
        kind=FollowKind(row["kind"]),
        term=row["term"],
        term_norm=row["term_norm"],
        delivery=FollowDelivery(row["delivery"]),
        created_at=from_db(row["created_at"]),
    )
