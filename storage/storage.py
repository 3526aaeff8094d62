"""``Storage``: the one narrow async interface to the database.

Open it with ``await Storage.open(path)``; close it with ``await storage.close()``. Each method is
one unit of work (one transaction for writes) and returns dataclasses from ``storage.records``:

- a poll (``storage.polls``): ``poll_context`` (one read), then one write per outcome:
  ``record_poll`` (a 200: seen keys, articles and posts, the feed row), ``record_not_modified``,
  ``record_poll_failure``;
- feeds: ``add_feed``, ``get_feed``, ``feed_by_url``, ``list_feeds``, ``due_feeds``,
  ``due_feeds_with_history`` (with each feed's ``PollHistory``), ``poll_history``,
  ``record_poll_success``, ``set_feed_state``;
- seen keys: ``known_keys``, ``has_seen_entries``, ``blocking_matches``, ``record_seen``;
- articles: ``save_article`` (article + seen key + posts at once), ``get_article``,
  ``article_for_entry``, ``enqueue_post``, ``search_articles``, ``known_authors``,
  ``known_topics``, ``prune_articles``;
- subscriptions: ``add_subscription``, ``remove_subscription``, ``list_for_guild``,
  ``count_for_guild``, ``subscriptions_for_feed``, ``subscriptions_for_channel``,
  ``set_subscription_state``, ``set_channel_state``, ``set_filters``, ``enable_subscription``;
- follows: ``add_follow``, ``remove_follow``, ``remove_channel_follow``,
  ``list_follows_for_user``, ``list_follows_for_channel``, ``channel_follows_for_guild``,
  ``matching_follows``, ``mention_follows``, ``channel_filter_follows``;
- outbox: ``claim_due_posts``, ``mark_sent``, ``mark_failed``, ``release``, ``recover_sending``,
  ``cancel_for_channel``, ``count_posts_since``, ``count_sent_today``, ``posts_for_article``,
  ``list_posts``;
- ``backup(dest_path)`` (online, ``VACUUM INTO``).
"""

from __future__ import annotations

from pathlib import Path

from storage.connection import load_migrations
from storage.polls import PollStore


class Storage(PollStore):
    """The database of one bot process (one connection, one writer lock)."""

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        """Open (creating if absent) and migrate; refuse corrupt, foreign or newer files."""
        migrations = load_migrations()
        conn = await cls._connect(Path(path), migrations)
        return cls(conn, Path(path))

    @staticmethod
    def schema_version() -> int:
        return len(load_migrations())
