"""CPU work off the event loop: a small process pool with a hard timeout per task.

``await workers.run(fn, *args)`` runs a picklable module-level function in a worker process,
with the pool's hard timeout (10 s unless told) or the one ``run`` names. On timeout the pool is
recycled (its processes are killed) so a runaway parse cannot hold a worker forever. Tasks wait
for a free worker by priority: an ``urgent`` one (``/summary``, the CLI: someone waits) goes
before the poll cycle's queued pages. ``WorkerPool(mode="thread")`` runs tasks in threads
instead, for tests where processes are awkward (a timed-out thread is abandoned, not killed).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import multiprocessing
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

from bot.errors import BotError

log = logging.getLogger(__name__)

T = TypeVar("T")
Mode = Literal["process", "thread"]
DEFAULT_TIMEOUT = 10.0


class WorkerTimeout(BotError):
    """A task exceeded its hard timeout; the pool was recycled."""

    def __init__(self, name: str, timeout: float) -> None:
        self.name = name
        self.timeout = timeout
        super().__init__(f"worker task timed out task={name} timeout={timeout:g}")


class _Slots:
    """A semaphore whose waiters are served by priority, then in arrival order: a person's
    ``/summary`` waits for the next free worker, not behind a poll cycle's hundred pages."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrival = itertools.count()

    async def acquire(self, priority: int) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._arrival), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed a slot, cancelled before using it: pass it on
            raise  # a cancelled waiter stays in the heap as done; ``release`` skips it

    def release(self) -> None:
        while self._waiters:
            _, _, turn = heapq.heappop(self._waiters)
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1

    @contextlib.asynccontextmanager
    async def held(self, priority: int) -> AsyncIterator[None]:
        await self.acquire(priority)
        try:
            yield
        finally:
            self.release()


URGENT, BACKGROUND = 0, 1  # priorities: someone is waiting for the answer, or nobody is


class WorkerPool:
    """CPU work off the event loop. At most ``size`` tasks are handed to the executor at a time,
    so a task's hard timeout counts its own run, not the time it waited for a free worker (S13)."""

    def __init__(
        self, *, size: int = 2, mode: Mode = "process", timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._size = size
        self._mode = mode
        self._timeout = timeout  # each task's hard limit unless ``run`` names another
        self._executor: Executor | None = None
        self._slots = _Slots(size)
        self._generation = 0  # bumped at every recycle

    def _pool(self) -> Executor:
        if self._executor is None:
            if self._mode == "process":
                context = multiprocessing.get_context("forkserver")
                self._executor = ProcessPoolExecutor(self._size, mp_context=context)
            else:
                self._executor = ThreadPoolExecutor(self._size, thread_name_prefix="depeche-cpu")
        return self._executor

    async def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        timeout: float | None = None,  # noqa: ASYNC109 - it also kills the worker
        urgent: bool = False,
    ) -> T:
        """Run ``fn(*args)`` in the pool; raise ``WorkerTimeout`` after ``timeout`` seconds (the
        pool's, by default) of running. An ``urgent`` task (someone waits for it) takes the next
        free worker before every background task queued. A task killed because another one timed
        out (the pool is recycled under it) runs once more on the new pool."""
        name = getattr(fn, "__name__", repr(fn))
        timeout = self._timeout if timeout is None else timeout
        for attempt in (1, 2):
            async with self._slots.held(URGENT if urgent else BACKGROUND):
                generation = self._generation
                try:
                    future = asyncio.get_running_loop().run_in_executor(self._pool(), fn, *args)
                    return await asyncio.wait_for(future, timeout)
                except TimeoutError:
                    log.warning("worker timeout task=%s timeout=%s", name, timeout)
                    self._recycle()
                    raise WorkerTimeout(name, timeout) from None
                except BrokenProcessPool:
                    if generation != self._generation and attempt == 1:
                        log.info("worker task restarted after a recycle task=%s", name)
                        continue
                    log.error("worker pool broken task=%s", name)
                    self._recycle()
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _recycle(self) -> None:
        """Drop the current pool, killing its processes (a stuck task cannot be cancelled)."""
        executor, self._executor = self._executor, None
        self._generation += 1
        if executor is None:
            return
        if isinstance(executor, ProcessPoolExecutor):
            # No public API kills a busy worker; _processes is stable across CPython 3.8-3.13.
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


# --- picklable tasks ----------------------------------------------------------------------


def parse_task(data: bytes, base_url: str | None, content_type: str | None) -> Any:
    from summarizer.feeds import parse_feed

    return parse_feed(data, base_url=base_url, content_type=content_type)


def extract_task(html: bytes, url: str | None, date_known: bool = False) -> Any:
    from summarizer.article import extract_article

    return extract_article(html, url=url, date_known=date_known)


def entry_article_task(entry: Any) -> Any:
    from summarizer.article import article_from_entry

    return article_from_entry(entry)


def summarize_task(
    text: str,
    title: str | None,
    categories: tuple[str, ...],
    budget: tuple[int, int, str],
) -> tuple[Any, tuple[str, ...]]:
    """Summary and topics of one article in one round trip."""
    from summarizer.summary import summarize

    max_sentences, max_chars, algorithm = budget
    summary = summarize(
        text, title=title, max_sentences=max_sentences, max_chars=max_chars, algorithm=algorithm
    )
    return summary, compute_topics(title or "", categories, text)


Prepared = tuple[Any, Any, tuple[str, ...], Any]  # article, summary, topics, story features


def page_prepare_task(
    html: bytes, url: str | None, entry: Any, budget: tuple[int, int, str]
) -> Prepared | None:
    """A page's article, completed by its feed ``entry`` when there is one
    (``summarizer.article.completed_by_entry``), with its summary, topics and story features
    (``_summarized``): ``extract_task`` then ``summarize_task`` in one round trip, so the text
    does not travel back to the bot and out again between the two (issue 14). None when the
    page has no text."""
    from summarizer.article import completed_by_entry, extract_article

    date_known = entry is not None and entry.published is not None
    article = extract_article(html, url=url, date_known=date_known)
    if not article.text.strip():
        return None
    if entry is not None:
        article = completed_by_entry(article, entry)
    return _summarized(article, budget)


def entry_prepare_task(entry: Any, budget: tuple[int, int, str]) -> Prepared:
    """The feed's own content as the article (``entry_article_task``), summarized, tagged and
    with its story features, in one round trip."""
    return _summarized(entry_article_task(entry), budget)


def _summarized(article: Any, budget: tuple[int, int, str]) -> Prepared:
    """``article`` with its summary and topics (``summarize_task``) and the features the story
    matcher compares (``summarizer.story_features``, of the title and lede the bot's
    ``StoryMatcher`` reads), computed here rather than on the bot's event loop."""
    from summarizer.story_features import lede_of, story_features

    summary, topics = summarize_task(article.text, article.title, article.categories, budget)
    story = story_features(article.title, lede_of(article.text or summary.text))
    return article, summary, topics, story


def compute_topics(title: str, categories: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The article's topics (``summarizer.topics.topics_for``)."""
    from summarizer.topics import topics_for

    return tuple(topics_for(title, categories, text))
