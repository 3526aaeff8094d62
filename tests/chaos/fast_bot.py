"""The real ``depeche run`` (Discord mode) with the scheduler's intervals shortened.

The chaos driver starts this module in a subprocess: everything is the production code path
(settings from the environment, ``Storage.open``, ``recover``, discord.py against the stand-in,
the process pool, the guarded client), except that the poll job first runs after ~0.1 s and the
delivery job every ``CHAOS_DELIVERY_SECONDS`` (default 0.2 s) instead of every 5 s, so that a kill
window of a second lands inside real work. With ``CHAOS_FEED_SECONDS``, a feed is due again that
many seconds after a poll instead of ``POLL_INTERVAL_MINUTES`` (a feed that grows during the run).
"""

from __future__ import annotations

import functools
import os
import sys
from datetime import timedelta

from bot.news.engine import Engine
from bot.run import cli
from bot.run import runtime as runner
from bot.run.scheduler import build_scheduler


def main() -> int:
    if feed_seconds := os.environ.get("CHAOS_FEED_SECONDS"):
        interval = timedelta(seconds=float(feed_seconds))
        Engine.interval = property(lambda self: interval)  # type: ignore[method-assign,assignment]
    runner.build_scheduler = functools.partial(  # type: ignore[assignment]
        build_scheduler,
        poll_seconds=float(os.environ.get("CHAOS_POLL_SECONDS", "2")),
        delivery_seconds=float(os.environ.get("CHAOS_DELIVERY_SECONDS", "0.2")),
        first_run_delay=0.1,
    )
    return cli.main(["--env-file", os.devnull, "run"])


if __name__ == "__main__":
    sys.exit(main())
