"""Webhook identity, pure: the name a post shows as its author (the source's, within Discord's
rules for webhook names: 1-80 characters, never « clyde » or « discord ») and its avatar (only
an http(s) address that is not internal, S17)."""

from __future__ import annotations

import re

from bot.delivery.embeds import clean_text, http_url, truncate

NAME_MAX = 80
DEFAULT_NAME = "Dépêche"
_REFUSED = re.compile(r"clyde|discord", re.IGNORECASE)


def webhook_username(source: str | None) -> str:
    """The source's name as a webhook may show it (« Dépêche » when nothing is left)."""
    name = _REFUSED.sub("", clean_text(source or ""))
    name = " ".join(name.split()).strip(" -·|:")
    return truncate(name, NAME_MAX) if name else DEFAULT_NAME


def webhook_avatar(url: str | None) -> str | None:
    return http_url(url)
