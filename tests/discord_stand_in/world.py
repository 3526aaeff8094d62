"""The stand-in's view of Discord: one bot, guilds with channels and roles, messages, commands
and interactions. Builds the JSON objects discord.py parses."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.discord_stand_in.history import SnowflakeMaker, snowflake_time_ms, without_nonce

BOT_ID = 900_000_000_000_000_001
GUILD_ID = 910_000_000_000_000_001
CHANNEL_ID = 920_000_000_000_000_001  # "actualites"
OTHER_CHANNEL_ID = 920_000_000_000_000_002  # "general"
ADMIN_ID = 930_000_000_000_000_001
MEMBER_ID = 930_000_000_000_000_002
BOT_ROLE_ID = 940_000_000_000_000_001

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_HISTORY = 1 << 16
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MANAGE_MESSAGES = 1 << 13
MANAGE_THREADS = 1 << 34
SEND_IN_THREADS = 1 << 38
CREATE_PUBLIC_THREADS = 1 << 35
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | (1 << 31)
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD
BOT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | SEND_IN_THREADS
    | CREATE_PUBLIC_THREADS
)  # fmt: skip

TEXT, ANNOUNCEMENT, NEWS_THREAD, PUBLIC_THREAD, FORUM = 0, 5, 10, 11, 15  # channel types
THREAD_TYPES = (10, 11, 12)
REQUIRE_TAG = 1 << 4  # a forum's channel flag: every post needs a tag
TAGS_MAX = 5  # tags on one forum post

_snowflakes = SnowflakeMaker()  # of the wall clock, like Discord's: ``after=`` a time works


def snowflake() -> int:
    return _snowflakes()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def snowflake_iso(snowflake_id: int) -> str:
    """The ISO time a snowflake was made at (a message's ``timestamp``)."""
    return datetime.fromtimestamp(snowflake_time_ms(snowflake_id) / 1000, UTC).isoformat()


def user_object(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class Interaction:
    id: int
    token: str
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    responded: bool = False
    response: dict[str, Any] | None = None  # the initial callback body
    original: dict[str, Any] | None = None  # the original response message
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    original_deleted: bool = False
    # Whether each follow-up was visible to the whole channel. Like Discord, the first
    # follow-up after a deferral replaces the "thinking" placeholder and keeps the deferral's
    # visibility whatever its own flags say, unless that placeholder was deleted first.
    followup_public: list[bool] = field(default_factory=list)

    @property
    def deferred_publicly(self) -> bool:
        response = self.response or {}
        flags = int((response.get("data") or {}).get("flags") or 0)
        return response.get("type") == 5 and not flags & 64

    def public_texts(self) -> str:
        """The text of the follow-ups everyone in the channel could see."""
        public = [f for f, shown in zip(self.followups, self.followup_public, strict=True) if shown]
        return "\n".join(f.get("content") or "" for f in public)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message payload the bot produced for this interaction, in order."""
        out: list[dict[str, Any]] = []
        if self.response is not None and self.response.get("type") in (4, 7):
            out.append(self.response.get("data") or {})
        return out + self.edits + self.followups

    def texts(self) -> str:
        """All content and embed text of the answers, joined (for assertions)."""
        parts: list[str] = []
        for message in self.messages:
            parts.append(message.get("content") or "")
            for embed in message.get("embeds") or []:
                parts += [embed.get("title") or "", embed.get("description") or ""]
                parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
                parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)


class World:
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
        self.add_guild(
            GUILD_ID, "Rédaction", {CHANNEL_ID: "actualites", OTHER_CHANNEL_ID: "general"}
        )

    # ---- guilds and channels -----------------------------------------------------------------
    def application(self) -> dict[str, Any]:
        return {
            "id": str(BOT_ID),
            "name": "Dépêche",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_object(ADMIN_ID, "admin"),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "interactions_endpoint_url": None,
        }

    def add_guild(self, guild_id: int, name: str, channels: dict[int, str]) -> dict[str, Any]:
        guild = {
            "id": str(guild_id),
            "name": name,
            "owner_id": str(ADMIN_ID),
            "roles": [
                _role(guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
                _role(BOT_ROLE_ID, "Dépêche", BOT_PERMISSIONS, 1),
            ],
            "channels": [
                _channel(cid, cname, guild_id, position)
                for position, (cid, cname) in enumerate(channels.items())
            ],
            "members": [
                {
                    "user": self.bot_user,
                    "roles": [str(BOT_ROLE_ID)],
                    "joined_at": now_iso(),
                    "flags": 0,
                    "deaf": False,
                    "mute": False,
                }
            ],
            "member_count": 3,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "unavailable": False,
            "preferred_locale": "fr",
            "system_channel_id": str(list(channels)[-1]) if channels else None,
        }
        self.guilds[guild_id] = guild
        return guild

    def add_user(self, user_id: int, name: str) -> dict[str, Any]:
        self.users[user_id] = user_object(user_id, name)
        return self.users[user_id]

    def add_channel(
        self, channel_id: int, name: str, guild_id: int = GUILD_ID, *, kind: int = TEXT
    ) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        channel = _channel(channel_id, name, guild_id, len(guild["channels"]))
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
        return BOT_PERMISSIONS & ~denied

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

    # ---- interactions ------------------------------------------------------------------------
    def new_interaction(self, payload: dict[str, Any]) -> Interaction:
        interaction_id = snowflake()
        token = secrets.token_urlsafe(24)
        payload = {**payload, "id": str(interaction_id), "token": token}
        interaction = Interaction(interaction_id, token, payload)
        self.interactions[interaction_id] = interaction
        return interaction

    def by_token(self, token: str) -> Interaction | None:
        for interaction in self.interactions.values():
            if interaction.token == token:
                return interaction
        return None

    def respond(self, interaction: Interaction, body: dict[str, Any]) -> dict[str, Any]:
        interaction.responded = True
        interaction.response = body
        data = body.get("data") or {}
        kind = body["type"]
        channel_id = int(interaction.payload.get("channel_id") or 0)
        if kind in (4, 5):
            interaction.original = self.make_message(channel_id, data, interaction_id=None)
        interaction.changed.set()
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            }
        }
        if interaction.original is not None:
            answer["interaction"]["response_message_id"] = interaction.original["id"]
        return answer

    def add_followup(self, interaction: Interaction, body: dict[str, Any]) -> dict[str, Any]:
        channel_id = int(interaction.payload.get("channel_id") or 0)
        message = self.make_message(channel_id, body, webhook_id=str(BOT_ID))
        replaces_placeholder = (
            (interaction.response or {}).get("type") == 5
            and not interaction.original_deleted
            and not interaction.followups
            and not interaction.edits
        )
        if replaces_placeholder:
            public = interaction.deferred_publicly
        else:
            public = not int(body.get("flags") or 0) & 64
        interaction.followups.append(body)
        interaction.followup_public.append(public)
        interaction.changed.set()
        return message

    def edit_response(
        self, interaction: Interaction, message_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        interaction.edits.append(body)
        base = interaction.original or self.make_message(0, {})
        updated = {**base, **{k: v for k, v in body.items() if k in ("content", "embeds")}}
        if message_id == "@original":
            interaction.original = updated
        interaction.changed.set()
        return updated


def _role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": position > 0,
        "mentionable": False,
        "flags": 0,
    }


def _channel(channel_id: int, name: str, guild_id: int, position: int) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": position,
        "guild_id": str(guild_id),
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }
