"""Where posts go: the ``Publisher`` Protocol, its errors, and the console publisher."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Protocol, TextIO

from bot.delivery.embeds import PostPayload
from bot.errors import BotError
from storage.records import PostRecord, TargetKind


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    """One outbox row ready to send: the target, the stored nonce and the rendered payload."""

    post: PostRecord
    payload: PostPayload

    @property
    def target_kind(self) -> TargetKind:
        return self.post.target_kind

    @property
    def target_id(self) -> int:
        return self.post.target_id

    @property
    def nonce(self) -> str:
        return self.post.nonce


class PublishError(BotError):
    """A post could not be published. ``detail`` is for logs."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(detail or type(self).__name__)


class TargetGone(PublishError):
    """The channel or user no longer exists (404 Unknown Channel 10003)."""


class Forbidden(PublishError):
    """Missing access or permissions (403 50001 / 50013)."""


class ThreadClosed(Forbidden):
    """The target thread is archived and the bot may not unarchive it (locked, or missing
    Manage Threads / Send Messages in Threads)."""


class BadPayload(PublishError):
    """Discord refused the message itself (400 Invalid Form Body 50035)."""


class RateLimited(PublishError):
    """Rate limited beyond what the client waits for; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(detail or f"rate limited retry_after={retry_after:g}")


class Unavailable(PublishError):
    """Discord is down or unreachable (5xx, network)."""


class WebhookUnavailable(PublishError):
    """The channel's webhook is gone and cannot be made again (Manage Webhooks missing, or
    Discord's cap): nothing was posted; the subscription falls back to the bot's messages."""


class Publisher(Protocol):
    async def publish(self, post: OutgoingPost) -> str | None:
        """Send ``post``; return the message id (or None). Raise ``PublishError`` subclasses."""
        ...


class ConsolePublisher:
    """Prints a readable French rendering of each post (console mode and the CLI)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._ids = itertools.count(1)

    async def publish(self, post: OutgoingPost) -> str | None:
        self._stream.write(render_text(post) + "\n")
        self._stream.flush()
        return f"console-{next(self._ids)}"

    async def edit(self, post: OutgoingPost) -> None:
        """A corrected article: printed again, said to replace the earlier print."""
        text = render_text(post).replace("── Publication", "── Mise à jour", 1)
        self._stream.write(text + "\n")
        self._stream.flush()


def render_text(post: OutgoingPost) -> str:
    """The post as plain text: target, title, link, summary, details and footer."""
    embed = post.payload.embed
    where = "salon" if post.target_kind is TargetKind.CHANNEL else "message privé"
    lines = [f"── Publication ({where} {post.target_id}) ──"]
    if post.payload.content:
        lines.append(post.payload.content)
    if not embed:  # a text format: the message is its content
        return "\n".join(lines)
    lines.append(f"■ {embed.get('title', '')}")
    if embed.get("url"):
        lines.append(f"  {embed['url']}")
    if embed.get("description"):
        lines.append("")
        lines.append(str(embed["description"]))
    fields = embed.get("fields") or []
    if fields:
        lines.append("")
        lines.extend(f"{item['name']} : {item['value']}" for item in fields)
    footer = embed.get("footer") or {}
    if footer.get("text"):
        lines.append(f"— {footer['text']}")
    return "\n".join(lines)
