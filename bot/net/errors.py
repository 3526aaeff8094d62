"""``FetchError``: every failure of ``bot.net.client.GuardedClient.fetch``, as data (S10, S24)."""

from __future__ import annotations

from typing import Literal

from bot.errors import BotError
from bot.net.policy import redact_url

REASONS = frozenset(
    {
        "invalid_url",
        "bad_scheme",
        "bad_port",
        "blocked_address",
        "dns_error",
        "connection_error",
        "tls_error",
        "timeout",
        "too_large",
        "too_many_redirects",
        "http_error",
        "not_found",
        "gone",
        "rate_limited",
        "bad_content_type",
    }
)

# One generic text for every network failure, so users cannot probe the internal network
# (S10): a blocked address, a refused connection, a timeout and a TLS error look the same.
# The same text names what was asked for: a page, a feed, or an address that may be either.
GENERIC_MESSAGE = "Impossible de récupérer cette page."
GENERIC_MESSAGES = {
    "page": GENERIC_MESSAGE,
    "feed": "Impossible de récupérer ce flux.",
    "address": "Impossible de récupérer cette adresse.",
}
_USER_MESSAGES = {
    "invalid_url": "Cette adresse n'est pas valide : il faut une adresse web en http ou https.",
    "bad_scheme": "Cette adresse n'est pas valide : il faut une adresse web en http ou https.",
    "bad_content_type": "Type de contenu non pris en charge.",
}


class FetchError(BotError):
    """A fetch failed. ``reason`` is one of ``REASONS``; details are for logs only."""

    def __init__(
        self,
        reason: str,
        *,
        url: str,
        status: int | None = None,
        retry_after: float | None = None,
        detail: str = "",
    ) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown fetch error reason: {reason}")
        self.reason = reason
        self.url = url
        self.status = status
        self.retry_after = retry_after
        self.detail = detail
        self.elapsed: float | None = None  # how long the server took to fail, when it was asked
        parts = [reason, f"url={redact_url(url)}"]
        if status is not None:
            parts.append(f"status={status}")
        if retry_after is not None:
            parts.append(f"retry_after={retry_after:g}")
        if detail:
            parts.append(f"detail={detail}")
        super().__init__(" ".join(parts))

    @property
    def user_message(self) -> str:
        """French text for Discord or CLI users about a page; never says why the network
        refused."""
        return self.message_about("page")

    def message_about(self, what: Literal["page", "feed", "address"]) -> str:
        """``user_message`` naming what was asked for: a page, a feed (a catalogue name,
        ``/feed test``), or an address that may be a page or a feed (``/feed add URL``)."""
        return _USER_MESSAGES.get(self.reason, GENERIC_MESSAGES[what])
