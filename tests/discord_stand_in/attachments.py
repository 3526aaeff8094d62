"""Attachments, as Discord handles them for interactions:

- a member's file given to a slash command's attachment option (type 11): Discord keeps it on
  its CDN and sends the interaction ``resolved.attachments[id]`` (``id``, ``filename``, ``size``,
  ``url``, ``content_type``); ``Attachments.upload`` plays the member, and the CDN route
  (``GET /cdn/attachments/{id}/{filename}``) serves it to ``Attachment.read()``;
- a file in an answer (an interaction response or follow-up, a message): discord.py sends
  ``multipart/form-data`` with a ``payload_json`` part and ``files[n]`` parts, the payload's
  ``attachments`` naming each by its index; at most 10 files and ``SIZE_LIMIT`` bytes in all
  (413 40005 otherwise), each one named in ``attachments``. ``read_body`` parses it; the message
  then carries full attachment objects served by the CDN route, like Discord's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord_stand_in.objects import snowflake

if TYPE_CHECKING:
    from tests.discord_stand_in.server import StandIn

SIZE_LIMIT = 8 * 1024 * 1024  # the interactions' attachment_size_limit (driver.py)
FILES_MAX = 10


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Attachments:
    base: str = ""  # the stand-in's API base, once started
    files: dict[int, Upload] = field(default_factory=dict)

    def upload(self, filename: str, data: bytes, content_type: str = "text/xml") -> dict[str, Any]:
        """Keep a file on the "CDN"; its attachment object, as interactions resolve it."""
        attachment_id = snowflake()
        self.files[attachment_id] = Upload(filename, data, content_type)
        url = f"{self.base}/cdn/attachments/{attachment_id}/{filename}"
        return {
            "id": str(attachment_id), "filename": filename, "size": len(data), "url": url,
            "proxy_url": url, "content_type": content_type, "ephemeral": False,
        }  # fmt: skip


class TooLarge(Exception):
    pass


async def read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """The JSON payload of a request and its files (``multipart/form-data`` as discord.py
    sends it, or plain JSON)."""
    if not request.can_read_body:
        return None, []
    if request.content_type != "multipart/form-data":
        raw = await request.read()
        return (json.loads(raw) if raw and request.content_type == "application/json" else None), []
    payload: Any = None
    uploads: list[Upload] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        data = await part.read()  # type: ignore[union-attr]
        name = part.name or ""  # type: ignore[union-attr]
        if name == "payload_json":
            payload = json.loads(data)
        elif name.startswith("files["):
            kind = part.headers.get("Content-Type", "application/octet-stream")  # type: ignore[union-attr]
            uploads.append(Upload(part.filename or "fichier", bytes(data), kind))  # type: ignore[union-attr]
    return payload, uploads


def attach(stand_in: StandIn, payload: Any, uploads: list[Upload]) -> Any:
    """The payload with its ``attachments`` as Discord returns them (CDN URLs); raises
    ``TooLarge`` past Discord's limits."""
    if len(uploads) > FILES_MAX or sum(len(u.data) for u in uploads) > SIZE_LIMIT:
        raise TooLarge
    if not isinstance(payload, dict):
        return payload
    target = payload.get("data") if isinstance(payload.get("data"), dict) else payload
    named = {str(a.get("id")): a for a in target.get("attachments") or []}
    out = []
    for index, upload in enumerate(uploads):
        stored = stand_in.attachments.upload(upload.filename, upload.data, upload.content_type)
        description = named.get(str(index), {}).get("description")
        out.append({**stored, **({"description": description} if description else {})})
    target["attachments"] = out
    return payload


def register(stand_in: StandIn) -> None:
    from tests.discord_stand_in import server as srv

    async def cdn(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        upload = stand_in.attachments.files.get(int(params["attachment_id"]))
        if upload is None or upload.filename != params["filename"]:
            return srv.error_response(404, 0, "404: Not Found")
        return web.Response(body=upload.data, content_type=upload.content_type.split(";")[0])

    stand_in.add_route("GET", "/cdn/attachments/{attachment_id}/{filename}", cdn)
