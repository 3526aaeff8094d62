"""Scripted failures of the stand-in: a fault answers the next requests of a route (or every
one for a while) with one of Discord's error answers (``FAULTS``)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

RATE_LIMIT_BODY = {"message": "You are being rate limited.", "retry_after": 1.0, "global": False}


@dataclass
class Fault:
    """A scripted failure: the next ``times`` requests matching ``method`` + ``path`` fail; with
    ``seconds``, every matching request fails for that long after the first one (a window, like
    Discord's global rate limit, which answers 429 to everything until it resets)."""

    method: str
    path: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int
    seconds: float | None = None
    until: float | None = None

    def applies(self, method: str, path: str) -> bool:
        if self.method != method or not self.path.fullmatch(path):
            return False
        if self.seconds is None:
            if self.times <= 0:
                return False
            self.times -= 1
            return True
        now = time.monotonic()
        if self.until is None:
            self.until = now + self.seconds
        return now < self.until


FAULTS: dict[str, tuple[int, Any, dict[str, str]]] = {
    "ratelimit": (429, RATE_LIMIT_BODY, {"Via": "1.1 google"}),
    "global_ratelimit": (429, {**RATE_LIMIT_BODY, "global": True}, {"Via": "1.1 google"}),
    "cloudflare": (429, "error code: 1015", {"Content-Type": "text/plain"}),
    "unauthorized": (401, {"code": 0, "message": "401: Unauthorized"}, {}),
    "forbidden": (403, {"code": 50013, "message": "Missing Permissions"}, {}),
    "missing_access": (403, {"code": 50001, "message": "Missing Access"}, {}),
    "not_found": (404, {"code": 10003, "message": "Unknown Channel"}, {}),
    "invalid_form": (400, {"code": 50035, "message": "Invalid Form Body", "errors": {}}, {}),
    "server_error": (500, {"code": 0, "message": "500: Internal Server Error"}, {}),
    "unavailable": (503, {"code": 0, "message": "503: Service Unavailable"}, {}),
}
