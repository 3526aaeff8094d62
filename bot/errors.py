"""The exception root of the async shell. Subclasses live beside the code that raises them
(``bot.net.errors.FetchError``, ``bot.delivery.publishers.PublishError``...) and carry data,
not strings."""

from __future__ import annotations


class BotError(Exception):
    """Root of every error raised by ``bot``."""
