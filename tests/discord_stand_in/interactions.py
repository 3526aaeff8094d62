"""The stand-in's interactions: one initial response, follow-ups through the interaction's
webhook, edits of the original response, and what each answer showed to whom."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from tests.discord_stand_in.objects import BOT_ID, snowflake


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


class InteractionDesk:
    """The interaction half of the stand-in's ``World`` (a mixin: ``World`` makes the messages)."""

    interactions: dict[int, Interaction]

    def make_message(self, channel_id: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        raise NotImplementedError

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
