"""OPML in and out, without Discord (``/feed export``, ``/feed import`` and ``depeche opml``).

Export: a guild's subscriptions (each feed once) as an OPML document. Import: each feed outline
of a document validated as ``/feed add`` validates what a user typed (``resolve_source``: the
address fetched through the guarded client and parsed, or its page's advertised feed), within
the server's cap, then subscribed without posting anything old; a French line per outline says
whether it was added, already there, or refused and why. One outline's failure never stops the
others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.net.errors import FetchError
from bot.news.preparation import Fetcher
from bot.news.subscribing import ALREADY, SubscribeError, check_capacity, resolve_source, subscribe
from bot.news.workers import WorkerPool
from storage.storage import Storage
from summarizer.errors import UrlError
from summarizer.opml import Outline, parse_opml, render_opml
from summarizer.urls import canonicalize_url

ADDED, PRESENT, REFUSED = "ajouté", "déjà là", "refusé"
REPORT_MAX = 1900  # a Discord message, with room for the heading


@dataclass(frozen=True, slots=True)
class ImportLine:
    outline: Outline
    status: str  # ADDED, PRESENT or REFUSED
    reason: str = ""  # French, for a refusal

    def text(self) -> str:
        name = self.outline.title or self.outline.xml_url
        line = f"{name} ({self.outline.xml_url}) : {self.status}"
        return f"{line}, {self.reason}" if self.reason else line


@dataclass(slots=True)
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    def summary(self) -> str:
        if not self.lines:
            return "Aucun flux dans ce fichier OPML (aucune entrée avec une adresse xmlUrl)."
        return (
            f"Import OPML : {self.count(ADDED)} ajouté(s), {self.count(PRESENT)} déjà là, "
            f"{self.count(REFUSED)} refusé(s)."
        )

    def french(self, limit: int | None = REPORT_MAX) -> str:
        """The summary, then one line per outline (cut with a count when over ``limit``)."""
        out = [self.summary()]
        for number, line in enumerate(self.lines):
            candidate = "\n".join([*out, f"- {line.text()}"])
            if limit is not None and len(candidate) > limit - 40:
                out.append(f"… et {len(self.lines) - number} autre(s).")
                break
            out.append(f"- {line.text()}")
        return "\n".join(out)


async def export_guild(storage: Storage, guild_id: int, *, now: datetime) -> bytes:
    outlines: list[Outline] = []
    seen: set[int] = set()
    for sub in await storage.list_for_guild(guild_id):
        if sub.feed_id in seen:
            continue
        seen.add(sub.feed_id)
        feed = await storage.get_feed(sub.feed_id)
        outlines.append(Outline(feed.url, feed.title, feed.site_url))
    return render_opml("Abonnements Dépêche", outlines, now=now)


def _canonical(url: str) -> str | None:
    try:
        return canonicalize_url(url)
    except UrlError:
        return None


async def _already(storage: Storage, guild_id: int, channel_id: int, url: str) -> bool:
    canonical = _canonical(url)
    feed = await storage.feed_by_url(canonical) if canonical else None
    if feed is None:
        return False
    return any(
        s.feed_id == feed.id and s.channel_id == channel_id
        for s in await storage.list_for_guild(guild_id)
    )


async def import_outlines(
    outlines: Sequence[Outline],
    *,
    storage: Storage,
    fetcher: Fetcher,
    workers: WorkerPool,
    engine: Any,
    guild_id: int,
    channel_id: int,
    user_id: int | None,
    cap: int,
    now: datetime,
) -> ImportReport:
    report = ImportReport()
    for outline in outlines:
        try:
            if await _already(storage, guild_id, channel_id, outline.xml_url):
                report.lines.append(ImportLine(outline, PRESENT))
                continue
            await check_capacity(storage, guild_id, cap)
            resolved = await resolve_source(outline.xml_url, fetcher=fetcher, workers=workers)
            await subscribe(
                resolved, storage=storage, engine=engine, guild_id=guild_id,
                channel_id=channel_id, user_id=user_id, backfill=0, now=now,
            )  # fmt: skip
        except SubscribeError as exc:
            status = PRESENT if exc.message == ALREADY else REFUSED
            reason = "" if status == PRESENT else exc.message
            report.lines.append(ImportLine(outline, status, reason))
        except FetchError as exc:
            report.lines.append(ImportLine(outline, REFUSED, exc.user_message))
        else:
            report.lines.append(ImportLine(outline, ADDED))
    return report


def read_outlines(data: bytes) -> list[Outline]:
    """``parse_opml`` (raises ``summarizer.opml.OpmlError`` with a French ``detail``)."""
    return parse_opml(data)
