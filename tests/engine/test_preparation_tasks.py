"""How an entry is prepared in the poll cycle (issue 14): one worker round trip per page, the
feed's text when the page's task fails; against the real feed server, SQLite and the core."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.engine.conftest import START, World
from tests.engine.feedserver import from_the_page


async def test_a_page_is_extracted_and_summarized_in_one_worker_round_trip(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: the page's text does not travel back to the bot and out again between its
    extraction and its summary; the entry's date still completes the page's article."""
    world.state.add("old", published=START - timedelta(hours=1))
    await world.subscribe(100)
    await world.poll()
    world.state.etag = '"v2"'
    world.state.add("fresh", published=START)
    run = world.engine.workers.run
    tasks: list[str] = []

    async def counting_run(fn, *args, **options):  # type: ignore[no-untyped-def]
        tasks.append(fn.__name__)
        return await run(fn, *args, **options)

    monkeypatch.setattr(world.engine.workers, "run", counting_run)
    report = await world.poll()
    assert (report.outcome, report.articles) == ("processed", 1)
    assert tasks == ["parse_task", "page_prepare_task"]
    [post] = await world.storage.list_posts()
    article = await world.storage.get_article(post.article_id)
    assert article is not None and article.text_origin == "page"
    assert from_the_page(article.summary)
    assert article.published_at == START


async def test_a_page_whose_worker_times_out_is_summarized_from_the_feed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S14: the page's worker task timed out; the entry is summarized from the feed's text."""
    from bot.news.workers import WorkerTimeout, page_prepare_task

    await world.subscribe(100)
    world.state.add("a")
    await world.poll()
    world.state.etag = '"v2"'
    text = "Le conseil municipal a voté le budget de la commune mardi soir, après trois heures."
    world.state.add("b", description=text)
    run = world.engine.workers.run

    async def stuck_page(fn, *args, **options):  # type: ignore[no-untyped-def]
        if fn is page_prepare_task:
            raise WorkerTimeout("page_prepare_task", 10.0)
        return await run(fn, *args, **options)

    monkeypatch.setattr(world.engine.workers, "run", stuck_page)
    report = await world.poll()
    assert report.posts == 1
    [post] = await world.storage.list_posts()
    article = await world.storage.get_article(post.article_id)
    assert article is not None and article.text_origin == "feed"
    assert article.summary == text
