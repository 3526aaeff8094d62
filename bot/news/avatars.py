"""A source's face for webhook identity: the site's icon (its apple-touch-icon logo, else its
icon, else ``/favicon.ico``), found on its home page and checked through the guarded client
(an image Discord takes as an avatar, at most 1 MiB), so that Discord is only ever handed a
public address that answered with an image. Found once per feed and kept
(``Storage.set_feed_avatar``); none found means the webhook's own avatar."""

from __future__ import annotations

import logging

from bot.net.errors import FetchError
from bot.news.preparation import Fetcher
from summarizer.discovery import discover_icons

log = logging.getLogger(__name__)

CANDIDATES = 4  # icons tried at most per feed


async def find_avatar(fetcher: Fetcher, site_url: str | None, feed_url: str) -> str | None:
    """The first icon of the source's site that answers with an image, or None."""
    home = site_url or feed_url
    html, base = b"", home
    if site_url:
        try:
            page = await fetcher.fetch(site_url, kind="page")
            html, base = page.body, page.final_url
        except FetchError as exc:
            log.info("avatar home page failed url=%s reason=%s", site_url, exc.reason)
    for url in discover_icons(html, base)[:CANDIDATES]:
        try:
            found = await fetcher.fetch(url, kind="image")
        except FetchError as exc:
            log.info("avatar candidate refused url=%s reason=%s", url, exc.reason)
            continue
        if found.status == 200 and found.body:
            return str(found.final_url)
    return None
