"""A subscription's post format and destination options (migration 0005): stored at subscribe time,
changed later, read for a round of delivery in one query, on both backends; the schema refuses
an unknown format."""

from __future__ import annotations

import pytest

from storage.errors import NotFoundError, StorageError
from storage.records import PostFormat
from storage.storage import Storage
from tests.storage.helpers import NOW


async def test_a_subscription_keeps_its_format_and_template(storage: Storage) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW)
    plain = await storage.add_subscription(guild_id=1, channel_id=10, feed_id=feed.id, now=NOW)
    assert (plain.format, plain.template) == (PostFormat.COMPLET, None)
    shaped = await storage.add_subscription(
        guild_id=1, channel_id=11, feed_id=feed.id, now=NOW, post_format=PostFormat.MODELE,
        template="**{titre}** — {source}\n{lien}",
    )  # fmt: skip
    assert shaped.format is PostFormat.MODELE
    assert shaped.template == "**{titre}** — {source}\n{lien}"

    changed = await storage.set_format(plain.id, PostFormat.TEXTE, template="{titre}")
    assert (changed.format, changed.template) == (PostFormat.TEXTE, None)  # modele only
    changed = await storage.set_format(shaped.id, PostFormat.MODELE, template="{lien}")
    assert changed.template == "{lien}"

    found = await storage.subscriptions_by_id([plain.id, shaped.id, 999, plain.id])
    assert set(found) == {plain.id, shaped.id}
    assert found[plain.id].format is PostFormat.TEXTE and found[shaped.id].template == "{lien}"
    assert await storage.subscriptions_by_id([]) == {}
    with pytest.raises(NotFoundError):
        await storage.set_format(999, PostFormat.LIEN)


async def test_the_schema_refuses_an_unknown_format(storage: Storage) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW)
    sub = await storage.add_subscription(guild_id=1, channel_id=10, feed_id=feed.id, now=NOW)
    with pytest.raises(StorageError):
        async with storage._tx() as db:
            await db.execute("UPDATE subscriptions SET format = 'html' WHERE id = ?", (sub.id,))
    assert (await storage.get_subscription(sub.id)).format is PostFormat.COMPLET


async def test_a_subscription_keeps_where_its_posts_go(storage: Storage) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW)
    plain = await storage.add_subscription(guild_id=1, channel_id=10, feed_id=feed.id, now=NOW)
    assert (plain.crosspost, plain.forum_tag_id) == (False, None)
    announced = await storage.add_subscription(
        guild_id=1, channel_id=11, feed_id=feed.id, now=NOW, crosspost=True
    )
    forum = await storage.add_subscription(
        guild_id=1, channel_id=12, feed_id=feed.id, now=NOW, forum_tag_id=2**62 + 5
    )
    found = await storage.subscriptions_by_id([announced.id, forum.id])
    assert found[announced.id].crosspost is True
    assert found[forum.id].forum_tag_id == 2**62 + 5  # a snowflake fits
    opened = await storage.add_subscription(
        guild_id=1, channel_id=13, feed_id=feed.id, now=NOW, discussion=True
    )
    assert opened.discussion is True and plain.discussion is False
