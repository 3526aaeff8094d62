"""``Storage``: the one narrow async interface to the database.

Open it with ``await Storage.open(target)`` (``DATABASE_URL``: a path or ``sqlite:///PATH``, the
default backend, or ``postgresql://...``, see ``storage.connection.parse_target``); close it with
``await storage.close()``. Each method is one unit of work (one transaction for writes) and
returns dataclasses from ``storage.records``:

- a poll (``storage.polls``): ``poll_context`` (one read), then one write per outcome:
  ``record_poll`` (a 200: seen keys, articles and posts, the feed row), ``record_not_modified``,
  ``record_poll_failure``;
- feeds: ``add_feed``, ``get_feed``, ``feed_by_url``, ``list_feeds``, ``due_feeds``,
  ``due_feeds_with_history`` (with each feed's ``PollHistory``), ``poll_history``,
  ``record_poll_success``, ``set_feed_state``;
- feed leases (``storage.leases``, several processes): ``claim_due_feeds``, ``release_leases``,
  ``feed_leases``;
- seen keys: ``known_keys``, ``has_seen_entries``, ``blocking_matches``, ``record_seen``;
- articles: ``save_article`` (article + seen key + posts at once), ``get_article``,
  ``article_for_entry``, ``enqueue_post``, ``search_articles``, ``known_authors``,
  ``known_topics``, ``prune_articles``;
- subscriptions: ``add_subscription``, ``remove_subscription``, ``list_for_guild``,
  ``count_for_guild``, ``subscriptions_for_feed``, ``subscriptions_for_channel``,
  ``set_subscription_state``, ``set_channel_state``, ``set_filters``, ``set_format``,
  ``subscriptions_by_id``, ``enable_subscription``;
- follows: ``add_follow``, ``remove_follow``, ``remove_channel_follow``,
  ``list_follows_for_user``, ``list_follows_for_channel``, ``channel_follows_for_guild``,
  ``matching_follows``, ``mention_follows``, ``channel_filter_follows``;
- outbox: ``claim_due_posts``, ``mark_sent``, ``mark_failed``, ``release``, ``recover_sending``,
  ``cancel_for_channel``, ``count_posts_since``, ``count_sent_today``, ``posts_for_article``,
  ``list_posts``;
- daily digests (``storage.digests``, issue 11): ``set_digest_schedule``, ``digest_schedules``,
  ``remove_digest_schedule``, ``forget_digest_channel``, ``due_digests``, ``enqueue_digest``
  (once per schedule and local day, into the outbox), ``digest_posts``;
- ``copy_into(target)``: every row into an empty database of either backend (``storage.copy``,
  ``depeche migrate-db``);
- ``backup(dest_path)`` (SQLite: online, ``VACUUM INTO``; PostgreSQL: ``pg_dump``'s job).
"""

from __future__ import annotations

from pathlib import Path

from storage.connection import POSTGRESQL, SQLITE, Database, load_migrations, parse_target
from storage.copy import CopyStore
from storage.digests import DigestScheduleStore
from storage.errors import StorageError
from storage.polls import PollStore
from storage.sqlite import SqliteDatabase


class Storage(PollStore, CopyStore, DigestScheduleStore):
    """The database of one bot process (one writer lock; SQLite: one connection, PostgreSQL: a
    small pool)."""

    @classmethod
    async def open(cls, target: Path | str) -> Storage:
        """Open (creating if absent) and migrate; refuse corrupt, foreign or newer databases."""
        where = parse_target(target)
        database: Database
        if isinstance(where, Path):
            database = await SqliteDatabase.open(where, load_migrations(SQLITE))
        else:
            try:
                from storage.postgres import PostgresDatabase  # asyncpg: only for PostgreSQL
            except ImportError as exc:
                raise StorageError(
                    "PostgreSQL demande le pilote asyncpg : installez Dépêche avec "
                    "« pip install 'depeche[postgresql]' »."
                ) from exc
            database = await PostgresDatabase.open(where, load_migrations(POSTGRESQL))
        return cls(database)

    @staticmethod
    def schema_version() -> int:
        return len(load_migrations())
