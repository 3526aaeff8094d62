"""``depeche opml export FICHIER [--guild ID]`` and ``depeche opml import FICHIER --guild ID
--channel ID``: the server's subscriptions to and from an OPML file, on the bot's database,
through the guarded client (each imported feed validated as ``/feed add`` does, nothing old
posted: the first poll is the baseline)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SystemClock
from bot.net.client import GuardedClient
from bot.news.engine import Engine
from bot.news.opml import ImportReport, export_guild, import_outlines, read_outlines
from bot.news.workers import WorkerPool
from bot.run.console import UserFacingError
from bot.settings import Settings
from storage import Storage
from storage.errors import StorageError
from summarizer.opml import MAX_BYTES, OpmlError, Outline, render_opml


async def _open(settings: Settings) -> Storage:
    try:
        return await Storage.open(settings.database)
    except StorageError as exc:
        raise UserFacingError(str(exc)) from exc


async def export_data(settings: Settings, guild_id: int | None) -> bytes:
    """The OPML document of a server's subscriptions (every server's feeds without one)."""
    storage = await _open(settings)
    now = datetime.now(UTC)
    try:
        if guild_id is not None:
            data = await export_guild(storage, guild_id, now=now)
        else:  # every feed a server follows
            feeds = [f for f in await storage.list_feeds() if not f.is_default]
            outlines = [Outline(f.url, f.title, f.site_url) for f in feeds]
            data = render_opml("Abonnements Dépêche", outlines, now=now)
    finally:
        await storage.close()
    return data


def write_file(path: Path, data: bytes) -> int:
    """Write the OPML file; the number of feeds in it."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserFacingError(f"{path} : écriture impossible ({exc.strerror}).") from exc
    return len(read_outlines(data))


def read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserFacingError(f"{path} : fichier trop gros ({MAX_BYTES // 1024} Kio au plus).")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UserFacingError(f"{path} : fichier introuvable.") from exc
    except OSError as exc:
        raise UserFacingError(f"{path} : lecture impossible ({exc.strerror}).") from exc


def outlines_of(path: Path) -> list[Outline]:
    try:
        return read_outlines(read_file(path))
    except OpmlError as exc:
        raise UserFacingError(f"{path} : fichier OPML refusé, {exc.detail}.") from exc


async def import_outlines_into(
    settings: Settings, outlines: list[Outline], *, guild_id: int, channel_id: int
) -> ImportReport:
    storage = await _open(settings)
    workers = WorkerPool(size=1)
    try:
        async with GuardedClient.from_settings(settings) as fetcher:
            engine = Engine(settings, storage, fetcher, workers, SystemClock())
            return await import_outlines(
                outlines, storage=storage, fetcher=fetcher, workers=workers, engine=engine,
                guild_id=guild_id, channel_id=channel_id, user_id=None,
                cap=settings.max_feeds_per_guild, now=datetime.now(UTC),
            )  # fmt: skip
    finally:
        workers.close()
        await storage.close()
