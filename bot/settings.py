"""The one ``Settings`` object, built once at start-up from the environment and ``.env``.

Nothing here reads ``os.environ`` at import time: ``load_settings()`` is called by the CLI.
Every field has an entry in ``.env.example`` (a test checks it).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from storage.connection import parse_target
from storage.errors import StorageError


class SettingsError(Exception):
    """A setting has an invalid value. The message is in French, for the person running the bot."""


def _text(raw: str) -> str:
    return raw.strip()


def _optional_int(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


def _names(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part, strict=False) for part in _names(raw))


def _shards(raw: str) -> tuple[int, ...]:
    return tuple(int(part) for part in _names(raw))


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError(level)
    return level


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(raw) from exc
    return raw.strip()


def _flag(raw: str) -> bool:
    value = raw.strip().casefold()
    if value in {"oui", "1", "true", "vrai", "yes", "on"}:
        return True
    if value in {"non", "0", "false", "faux", "no", "off"}:
        return False
    raise ValueError(raw)


def _database_url(raw: str) -> str:
    try:
        parse_target(raw)
    except StorageError as exc:
        raise ValueError(raw) from exc
    return raw.strip()


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the bot, with its default. Names match the environment variables."""

    discord_token: str = dataclasses.field(default="", repr=False)  # S24: never in a repr
    discord_guild_id: int | None = None
    database_path: Path = Path("depeche.db")
    # Chooses the backend; when set, DATABASE_PATH is not used. It may hold a password: no repr.
    database_url: str = dataclasses.field(default="", repr=False)
    poll_interval_minutes: int = 10
    default_feeds: tuple[str, ...] = ("franceinfo", "01net", "le-monde")
    summary_algorithm: str = "depeche"
    summary_max_sentences: int = 3
    summary_max_chars: int = 500
    timezone: str = "Europe/Paris"
    max_posts_per_cycle: int = 5
    max_posts_per_day: int = 50
    # Issue 11: a story a channel already got within 48 h from another outlet edits the first
    # post ("Aussi chez") instead of posting again; per subscription with /feed regroupement.
    story_grouping: bool = True
    max_feeds_per_guild: int = 30
    summary_cooldown_seconds: int = 30
    fetch_concurrency: int = 20
    per_host_concurrency: int = 2
    allowed_private_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    contact_url: str = "https://github.com/depeche-bot/depeche"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()
    # How long a process holds a feed it polls (storage.leases): longer than one poll.
    feed_lease_seconds: int = 600
    # This process's name on its leases; empty: the host's name and SHARD_IDS.
    process_name: str = ""
    log_level: str = "INFO"
    log_file: Path | None = None  # the whole technical log, whatever the terminal shows
    discord_api_base: str = ""
    discord_gateway_url: str = ""

    @property
    def database(self) -> Path | str:
        """What ``Storage.open`` takes: ``DATABASE_URL`` (a path, ``sqlite:///PATH`` or
        ``postgresql://...``) when set, else ``DATABASE_PATH``."""
        return parse_target(self.database_url) if self.database_url else self.database_path

    @property
    def has_token(self) -> bool:
        return bool(self.discord_token)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str | None]) -> Settings:
        """Build settings from a mapping of ``NAME -> value``; unknown names are ignored."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = env.get(field.name.upper())
            if raw is None or (raw.strip() == "" and field.name not in _ALLOW_EMPTY):
                continue
            parse = _PARSERS.get(field.name, _text)
            try:
                values[field.name] = parse(raw)
            except ValueError as exc:
                raise SettingsError(
                    f"Réglage {field.name.upper()} invalide : {raw!r}. "
                    f"Voir .env.example pour les valeurs possibles."
                ) from exc
        settings = cls(**values)
        settings._check()
        return settings

    def _check(self) -> None:
        for name in (
            "poll_interval_minutes",
            "summary_max_sentences",
            "summary_max_chars",
            "max_posts_per_cycle",
            "fetch_concurrency",
            "per_host_concurrency",
            "feed_lease_seconds",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"Réglage {name.upper()} : il faut un entier supérieur à 0.")


_ALLOW_EMPTY = {"default_feeds", "allowed_private_networks", "shard_ids", "log_file"}

_PARSERS: dict[str, Callable[[str], Any]] = {
    "discord_guild_id": _optional_int,
    "database_path": lambda raw: Path(raw.strip()).expanduser(),
    "database_url": _database_url,
    "poll_interval_minutes": int,
    "default_feeds": _names,
    "summary_max_sentences": int,
    "summary_max_chars": int,
    "timezone": _timezone,
    "max_posts_per_cycle": int,
    "max_posts_per_day": int,
    "story_grouping": _flag,
    "max_feeds_per_guild": int,
    "summary_cooldown_seconds": int,
    "fetch_concurrency": int,
    "per_host_concurrency": int,
    "allowed_private_networks": _networks,
    "shard_count": _optional_int,
    "shard_ids": _shards,
    "feed_lease_seconds": int,
    "log_level": _log_level,
    "log_file": lambda raw: Path(raw.strip()).expanduser() if raw.strip() else None,
}


def load_settings(env_file: str | Path = ".env") -> Settings:
    """Read ``.env`` (if present) then the process environment, which wins."""
    merged: dict[str, str | None] = dict(dotenv_values(env_file)) if Path(env_file).exists() else {}
    merged.update(os.environ)
    return Settings.from_mapping(merged)
