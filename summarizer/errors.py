"""The exceptions of the pure core. One root; subclasses carry data."""

from __future__ import annotations


class SummarizerError(Exception):
    """Root of every error raised by ``summarizer``."""

    def __init__(self, reason: str, *, url: str | None = None, detail: str = "") -> None:
        self.reason = reason
        self.url = url
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class FeedError(SummarizerError):
    """A document could not be read as a feed (reason: ``not_a_feed``, ``empty``, ...)."""


class ExtractionError(SummarizerError):
    """No article text could be extracted (reason: ``empty``, ``not_html``, ...)."""


class UrlError(SummarizerError):
    """A URL is malformed or uses a scheme we do not fetch (reason: ``bad_scheme``, ...)."""
