"""Dépêche storage: all the SQL, behind ``storage.storage.Storage``."""

from storage.errors import (
    CorruptDatabaseError,
    IntegrityError,
    MigrationError,
    SchemaVersionError,
    StorageError,
)
from storage.storage import Storage

__all__ = [
    "CorruptDatabaseError",
    "IntegrityError",
    "MigrationError",
    "SchemaVersionError",
    "Storage",
    "StorageError",
]
