"""The stand-in's view of Discord: one bot, guilds with channels and roles, messages, commands
and interactions (``interactions.py``). Builds the JSON objects discord.py parses; the ids,
permission bits and object builders live in ``objects.py`` and are re-exported here."""

from __future__ import annotations

import time
from typing import Any

from tests.discord_stand_in.history import without_nonce
from tests.discord_stand_in.interactions import Interaction, InteractionDesk
from tests.discord_stand_in.objects import (
    ADMIN_ID,
    ADMIN_PERMISSIONS,
    ADMINISTRATOR,
    ANNOUNCEMENT,
    BOT_ID,
    BOT_PERMISSIONS,
    BOT_ROLE_ID,
    CHANNEL_ID,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    FORUM,
    GUILD_ID,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    MEMBER_ID,
    MEMBER_PERMISSIONS,
    NEWS_THREAD,
    OTHER_CHANNEL_ID,
    PUBLIC_THREAD,
    READ_HISTORY,
    REQUIRE_TAG,
    SEND_IN_THREADS,
    SEND_MESSAGES,
    TAGS_MAX,
    TEXT,
    THREAD_TYPES,
    VIEW_CHANNEL,
    application_object,
    channel_object,
    guild_object,
    now_iso,
    role_object,
    snowflake,
    snowflake_iso,
    user_object,
)

__all__ = [
    "ADMINISTRATOR",
    "ADMIN_ID",
    "ADMIN_PERMISSIONS",
    "ANNOUNCEMENT",
    "BOT_ID",
    "BOT_PERMISSIONS",
    "BOT_ROLE_ID",
    "CHANNEL_ID",
    "CREATE_PUBLIC_THREADS",
    "EMBED_LINKS",
    "FORUM",
    "GUILD_ID",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MANAGE_THREADS",
    "MEMBER_ID",
    "MEMBER_PERMISSIONS",
    "NEWS_THREAD",
    "OTHER_CHANNEL_ID",
    "PUBLIC_THREAD",
    "READ_HISTORY",
    "REQUIRE_TAG",
    "SEND_IN_THREADS",
    "SEND_MESSAGES",
    "TAGS_MAX",
    "TEXT",
    "THREAD_TYPES",
    "VIEW_CHANNEL",
    "Interaction",
    "World",
    "channel_object",
    "now_iso",
    "role_object",
    "snowflake",
    "snowflake_iso",
    "user_object",
]


class World(InteractionDesk):
    def __init__(self, *, nonce_window: float, interaction_deadline: float) -> None:
        self.nonce_window = nonce_window
        self.interaction_deadline = interaction_deadline
        self.bot_user = user_object(BOT_ID, "Dépêche", bot=True)
        self.users: dict[int, dict[str, Any]] = {
            BOT_ID: self.bot_user,
            ADMIN_ID: user_object(ADMIN_ID, "admin"),
            MEMBER_ID: user_object(MEMBER_ID, "membre"),
        }
        self.guilds: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.nonces: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_puts: dict[int | None, int] = {}
        self.interactions: dict[int, Interaction] = {}
        self.dm_channels: dict[int, dict[str, Any]] = {}
        self.crossposts: list[str] = []  # ids of the messages published to followers
        self.granted = 0  # permissions given to the bot's role beyond BOT_PERMISSIONS
        self.add_guild(
            GUILD_ID, "Rédaction", {CHANNEL_ID: "actualites", OTHER_CHANNEL_ID: "general"}
        )

    # ---- guilds and channels -----------------------------------------------------------------
    def application(self) -> dict[str, Any]:
        return application_object()

    def add_guild(self, guild_id: int, name: str, channels: dict[int, str]) -> dict[str, Any]:
        guild = guild_object(guild_id, name, channels, self.bot_user)
        self.guilds[guild_id] = guild
        return guild

    def add_user(self, user_id: int, name: str) -> dict[str, Any]:
        self.users[user_id] = user_object(user_id, name)
        return self.users[user_id]

    def add_channel(
        self, channel_id: int, name: str, guild_id: int = GUILD_ID, *, kind: int = TEXT
    ) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        channel = channel_object(channel_id, name, guild_id, len(guild["channels"]))
        channel["type"] = kind
        guild["channels"].append(channel)
        return channel

    def add_forum(
        self,
        channel_id: int,
        name: str,
        tags: list[str],
        *,
        require_tag: bool = False,
        guild_id: int = GUILD_ID,
    ) -> dict[str, Any]:
        """A forum channel (type 15) with ``tags`` as its available tags (ids from 1)."""
        forum = self.add_channel(channel_id, name, guild_id, kind=FORUM)
        forum.pop("last_message_id", None)
        forum.update(
            available_tags=[
                {"id": str(channel_id + n + 1), "name": tag, "moderated": False,
                 "emoji_id": None, "emoji_name": None}
                for n, tag in enumerate(tags)
            ],
            flags=REQUIRE_TAG if require_tag else 0,
            default_auto_archive_duration=1440,
            default_thread_rate_limit_per_user=0,
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
        )  # fmt: skip
        return forum

    def add_thread(
        self,
        thread_id: int,
        name: str,
        parent_id: int,
        *,
        archived: bool = False,
        locked: bool = False,
        owner_id: int = ADMIN_ID,
        applied_tags: list[str] | None = None,
        kind: int = PUBLIC_THREAD,
    ) -> dict[str, Any]:
        """A public thread of ``parent_id``, in the guild's ``threads`` (as GUILD_CREATE lists
        them; Discord lists only active ones there, the stand-in's gateway follows that)."""
        parent = self.find_channel(parent_id)
        assert parent is not None
        guild = self.guilds[int(parent["guild_id"])]
        thread = {
            "id": str(thread_id),
            "type": kind,
            "guild_id": parent["guild_id"],
            "parent_id": str(parent_id),
            "owner_id": str(owner_id),
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "applied_tags": applied_tags or [],
            "thread_metadata": {
                "archived": archived,
                "locked": locked,
                "auto_archive_duration": 1440,
                "archive_timestamp": snowflake_iso(thread_id),
                "create_timestamp": snowflake_iso(thread_id),
            },
        }
        guild["threads"].append(thread)
        return thread

    def bot_permissions(self, channel_id: int) -> int:
        """The bot's permissions in a guild channel: its role's, less its member overwrite's
        denials (a thread has its parent's)."""
        channel = self.find_channel(channel_id)
        assert channel is not None
        if channel.get("type") in THREAD_TYPES:
            channel = self.find_channel(int(channel["parent_id"])) or channel
        denied = 0
        for overwrite in channel.get("permission_overwrites") or []:
            if overwrite["id"] == str(BOT_ID):
                denied |= int(overwrite["deny"])
        return (BOT_PERMISSIONS | self.granted) & ~denied

    def grant_bot(self, permissions: int) -> None:
        """More permissions for the bot's role (before it connects: GUILD_CREATE has them)."""
        self.granted |= permissions
        for guild in self.guilds.values():
            for role in guild["roles"]:
                if role["id"] == str(BOT_ROLE_ID):
                    role["permissions"] = str(int(role["permissions"]) | permissions)

    def get_message(self, channel_id: int, message_id: int) -> dict[str, Any] | None:
        for message in self.messages.get(channel_id, []):
            if int(message["id"]) == message_id:
                return message
        return None

    def find_channel(self, channel_id: int) -> dict[str, Any] | None:
        for guild in self.guilds.values():
            for channel in [*guild["channels"], *guild["threads"]]:
                if int(channel["id"]) == channel_id:
                    return channel
        for channel in self.dm_channels.values():
            if int(channel["id"]) == channel_id:
                return channel
        return None

    def remove_channel(self, channel_id: int) -> dict[str, Any] | None:
        for guild in self.guilds.values():
            for kind in ("channels", "threads"):
                for channel in list(guild[kind]):
                    if int(channel["id"]) == channel_id:
                        guild[kind].remove(channel)
                        return channel
        return None

    def deny_bot(self, channel_id: int, deny: int) -> None:
        """Add a channel overwrite denying ``deny`` to the bot's member."""
        channel = self.find_channel(channel_id)
        assert channel is not None
        channel["permission_overwrites"].append(
            {"id": str(BOT_ID), "type": 1, "allow": "0", "deny": str(deny)}
        )

    def bot_can_send(self, channel_id: int) -> bool:
        channel = self.find_channel(channel_id)
        assert channel is not None
        if channel.get("type") == 1:
            return True
        needed = VIEW_CHANNEL | SEND_MESSAGES
        if channel.get("type") in THREAD_TYPES:
            needed = VIEW_CHANNEL | SEND_IN_THREADS
        return self.bot_permissions(channel_id) & needed == needed

    def dm_channel(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = int(body["recipient_id"])
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = {
                "id": str(snowflake()),
                "type": 1,
                "recipients": [self.users[user_id]],
                "last_message_id": None,
            }
        return self.dm_channels[user_id]

    # ---- messages ----------------------------------------------------------------------------
    def make_message(self, channel_id: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message_id = snowflake()
        message = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": snowflake_iso(message_id),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "components": [],
            "nonce": body.get("nonce"),
            **extra,
        }
        return message

    def post_message(self, channel_id: int, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Create a message; ``(the create response, created)``. With ``enforce_nonce``, a nonce
        repeated in the same channel within ``nonce_window`` seconds returns the earlier message
        (``created`` False) instead; after the window it creates a new one, as Discord does.

        ``messages`` keeps what Discord keeps: the message without its nonce. The response (and
        the gateway's MESSAGE_CREATE) carry it."""
        nonce = body.get("nonce")
        key = (channel_id, str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.nonces.get(key)
            if seen is not None and time.monotonic() - seen[0] < self.nonce_window:
                return seen[1], False
        message = self.make_message(channel_id, body)
        self.messages.setdefault(channel_id, []).append(without_nonce(message))
        if nonce is not None:
            self.nonces[key] = (time.monotonic(), message)
        return message, True

    def add_message(
        self, channel_id: int, author: dict[str, Any], content: str, **extra: Any
    ) -> dict[str, Any]:
        """A message someone else posted in the channel (a member's chatter), as stored."""
        message = self.make_message(channel_id, {"content": content}, author=author, **extra)
        stored = without_nonce(message)
        self.messages.setdefault(channel_id, []).append(stored)
        return stored

    # ---- commands ----------------------------------------------------------------------------
    def store_commands(
        self, scope: int | None, payload: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        stored = []
        for command in payload:
            entry = {
                **command,
                "id": str(snowflake()),
                "application_id": str(BOT_ID),
                "version": str(snowflake()),
            }
            entry.setdefault("type", 1)
            if scope is not None:
                entry["guild_id"] = str(scope)
            stored.append(entry)
        self.commands[scope] = stored
        self.command_puts[scope] = self.command_puts.get(scope, 0) + 1
        return stored

    def find_command(self, name: str) -> tuple[int | None, dict[str, Any]]:
        for scope, commands in self.commands.items():
            for command in commands:
                if command["name"] == name:
                    return scope, command
        raise KeyError(f"command {name!r} was never synced")
