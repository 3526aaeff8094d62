"""D5 unit rules of ``bot.delivery.reconcile``: what counts as "already on Discord", and when
to look."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.delivery.publishers import ConsolePublisher
from bot.delivery.reconcile import already_posted, find_message, history_for
from storage.records import PlannedPost, PostState, TargetKind
from storage.storage import Storage
from tests.storage.helpers import NOW, article, feed_with_subscription, seen

URL = "https://exemple.fr/k"


def message(mid: str, *, nonce: str | None = None, url: str | None = None) -> dict[str, Any]:
    return {"id": mid, "nonce": nonce, "embeds": [{"url": url}] if url else []}


def test_d5_found_by_nonce_first_then_by_article_url() -> None:
    history = [message("1", url=URL), message("2", nonce="n-1")]
    assert find_message(history, nonce="n-1", url=URL)["id"] == "2"  # type: ignore[index]
    assert find_message(history, nonce="other", url=URL)["id"] == "1"  # type: ignore[index]
    assert find_message(history, nonce="other", url=None) is None
    assert find_message(history, nonce="other", url="https://exemple.fr/autre") is None


class History:
    def __init__(self, messages: list[dict[str, Any]], *, fail: bool = False) -> None:
        self.messages, self.fail, self.reads = messages, fail, 0

    async def recent_messages(
        self, target_kind: TargetKind, target_id: int, limit: int
    ) -> Sequence[Mapping[str, Any]]:
        self.reads += 1
        if self.fail:
            raise OSError("history unavailable")
        return self.messages


async def test_d5_only_retried_posts_are_looked_up_and_found_ones_are_marked_sent(
    tmp_path: Path,
) -> None:
    storage = await Storage.open(tmp_path / "depeche.db")
    try:
        feed_id, sub_id = await feed_with_subscription(storage)
        sub = await storage.get_subscription(sub_id)
        await storage.save_article(
            article(feed_id, "k"), now=NOW, seen=seen("k"), posts=[PlannedPost(sub)]
        )
        [first] = await storage.claim_due_posts(now=NOW)
        history = History([message("77", url=URL)])
        assert not await already_posted(storage, history, first, now=NOW)
        assert history.reads == 0  # a first attempt costs no request
        await storage.release(first.post.id)
        [second] = await storage.claim_due_posts(now=NOW)
        assert not await already_posted(storage, History([], fail=True), second, now=NOW)
        assert await already_posted(storage, history, second, now=NOW)
        [post] = await storage.list_posts()
        assert post.state is PostState.SENT and post.message_id == "77"
    finally:
        await storage.close()


def test_d5_history_reader_for_each_publisher() -> None:
    history = History([])
    assert history_for(history) is history
    assert history_for(ConsolePublisher(stream=None)) is None  # type: ignore[arg-type]
