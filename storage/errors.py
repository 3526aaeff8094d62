"""The exceptions of ``storage``. One root; every driver error is wrapped into a subclass.

Messages are in French: the CLI shows them to the person running the bot.
"""

from __future__ import annotations

from pathlib import Path

RESTORE_HELP = (
    "Arrêtez le bot, mettez ce fichier de côté, copiez à sa place votre dernière sauvegarde "
    "(créée par « depeche backup »), supprimez les fichiers -wal et -shm voisins, puis relancez."
)


class StorageError(Exception):
    """Root of every error raised by ``storage``."""


class SchemaVersionError(StorageError):
    """The database was written by a newer version of the bot, or is not a Dépêche database."""

    def __init__(self, path: Path | str, found: int, supported: int, detail: str = "") -> None:
        self.path = path
        self.found = found
        self.supported = supported
        message = detail or (
            f"La base {path} est au schéma {found}, plus récent que celui de ce programme "
            f"({supported}). Mettez Dépêche à jour ou utilisez une autre base."
        )
        super().__init__(message)


class CorruptDatabaseError(StorageError):
    """The database file is unreadable or damaged. Nothing is created over it."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"La base {path} est illisible ou endommagée ({detail}). "
            f"Aucune base neuve n'a été créée par-dessus. {RESTORE_HELP}"
        )


class MigrationError(StorageError):
    """A migration failed; it was rolled back and the schema is unchanged."""


class IntegrityError(StorageError):
    """A constraint was violated (unique key, foreign key, check)."""


class BusyError(StorageError):
    """The database stayed locked longer than the busy timeout."""


class UnavailableError(StorageError):
    """The database server cannot be reached (refused, down, connection lost)."""

    def __init__(self, location: str, detail: str) -> None:
        self.location = location
        self.detail = detail
        super().__init__(f"La base de données {location} est injoignable ({detail}).")


class NotFoundError(StorageError):
    """The requested row does not exist."""
