"""The stand-in's ids, permission bits, channel kinds and the JSON objects discord.py parses
(users, roles, channels), with snowflakes of the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.discord_stand_in.history import SnowflakeMaker, snowflake_time_ms

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


def role_object(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
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


def channel_object(channel_id: int, name: str, guild_id: int, position: int) -> dict[str, Any]:
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


def application_object() -> dict[str, Any]:
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


def guild_object(
    guild_id: int, name: str, channels: dict[int, str], bot_user: dict[str, Any]
) -> dict[str, Any]:
    """A guild as GUILD_CREATE carries it: the two roles, ``channels`` (id: name), the bot."""
    return {
        "id": str(guild_id),
        "name": name,
        "owner_id": str(ADMIN_ID),
        "roles": [
            role_object(guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
            role_object(BOT_ROLE_ID, "Dépêche", BOT_PERMISSIONS, 1),
        ],
        "channels": [
            channel_object(cid, cname, guild_id, position)
            for position, (cid, cname) in enumerate(channels.items())
        ],
        "members": [
            {
                "user": bot_user,
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
