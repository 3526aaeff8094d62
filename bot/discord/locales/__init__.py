"""User-facing strings kept as data (French localizations of the slash commands)."""
