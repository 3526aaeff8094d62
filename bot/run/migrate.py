"""``depeche migrate-db SOURCE TARGET``: copy a database into an empty one, SQLite to PostgreSQL
or back (``storage.copy``), and say in French what was copied.

SOURCE and TARGET are written as ``DATABASE_URL`` is (a path, ``sqlite:///PATH`` or
``postgresql://...``). A SOURCE file must exist (a missing path would otherwise open as a new,
empty database); SOURCE and TARGET must differ; TARGET is created or migrated to the current
schema, then refused unless it holds no row. The bot should be stopped during the copy.
"""

from __future__ import annotations

from pathlib import Path

from bot.run.console import UserFacingError
from storage.connection import parse_target, redact
from storage.copy import CopyReport
from storage.errors import StorageError
from storage.storage import Storage

TABLE_NAMES = {
    "feeds": "flux",
    "seen_entries": "clés d'articles vus",
    "articles": "articles",
    "terms": "termes",
    "subscriptions": "abonnements",
    "follows": "suivis",
    "posts": "publications",
    "digest_schedules": "revues programmées",
    "digests": "revues du jour",
}


def _where(text: str, role: str) -> Path | str:
    try:
        where = parse_target(text)
    except StorageError as exc:
        raise UserFacingError(f"{role} : {exc}") from exc
    return where


async def migrate_db(source_text: str, target_text: str) -> CopyReport:
    source, target = _where(source_text, "Source"), _where(target_text, "Cible")
    if isinstance(source, Path) and not source.is_file():
        raise UserFacingError(f"La base source {source} n'existe pas : rien n'a été copié.")
    same = (
        source.resolve() == target.resolve()
        if isinstance(source, Path) and isinstance(target, Path)
        else source == target
    )
    if same:
        raise UserFacingError("La source et la cible sont la même base : rien n'a été copié.")
    try:
        origin = await Storage.open(source)
    except StorageError as exc:
        raise UserFacingError(f"Source : {exc}") from exc
    try:
        try:
            destination = await Storage.open(target)
        except StorageError as exc:
            raise UserFacingError(f"Cible : {exc}") from exc
        try:
            return await origin.copy_into(destination)
        except StorageError as exc:
            raise UserFacingError(str(exc)) from exc
        finally:
            await destination.close()
    finally:
        await origin.close()


def describe(report: CopyReport, source: str, target: str) -> str:
    """The French summary the CLI prints."""
    lines = [f"Copie terminée de {redact(source)} vers {redact(target)} (nombres vérifiés) :"]
    lines += [f"  {TABLE_NAMES.get(t, t)} : {n}" for t, n in report.counts.items()]
    lines.append(
        "Lancez le bot sur la nouvelle base (DATABASE_URL) : les publications en attente "
        "partiront une fois, celles déjà faites ne repartiront pas."
    )
    return "\n".join(lines)
