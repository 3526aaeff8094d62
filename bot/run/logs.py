"""The technical log: where it goes and how much of it the terminal shows.

In Discord mode the terminal is a service's log (journald, a container): every record at
``LOG_LEVEL``. In console mode and the one-shot commands the terminal is the product, read by a
person: it shows the French lines of ``bot.run.console`` and, of the technical log, only
warnings and errors, unless ``LOG_LEVEL=DEBUG`` asks for everything. ``LOG_FILE`` keeps the
whole log at ``LOG_LEVEL`` in a file either way. Token-shaped strings never reach either (S24).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

_SECRET = re.compile(r"([A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,})")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _RedactTokens(logging.Filter):
    """Never let something shaped like a Discord token reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub("[jeton masqué]", message)
            record.args = ()
        return True


def terminal_level(level: str, *, for_a_person: bool) -> int:
    """What the terminal shows: everything at ``level`` for a service, at most warnings for a
    person (everything again with DEBUG)."""
    numeric = logging.getLevelName(level)
    if not for_a_person or numeric <= logging.DEBUG:
        return int(numeric)
    return max(int(numeric), logging.WARNING)


def configure_logging(
    level: str, *, for_a_person: bool = False, log_file: Path | None = None
) -> None:
    """The root logger's handlers: the terminal (stderr), and ``log_file`` when given."""
    redact = _RedactTokens()
    formatter = logging.Formatter(FORMAT)
    terminal = logging.StreamHandler()
    terminal.setLevel(terminal_level(level, for_a_person=for_a_person))
    handlers: list[logging.Handler] = [terminal]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redact)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
