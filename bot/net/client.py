"""The one guarded HTTP client of the project (reliability F2-F4, F9-F14, F23, S1-S10).

``GuardedClient`` is the only place that creates an ``aiohttp.ClientSession``. Every fetch:
checks the URL before any I/O (``bot.net.policy.check_url``), resolves through
``GuardedResolver`` (the policy runs on the addresses actually connected to), follows at most
``max_redirects`` redirects by hand re-validating each hop, enforces one total deadline around
the whole exchange including the body, refuses announced or decoded bodies over the cap, and
sends conditional GET validators.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Self

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.net.body import BodyTooLarge, UnsupportedEncoding, read_decoded
from bot.net.errors import FetchError
from bot.net.policy import GuardedResolver, GuardRefusal, IPNetwork, Target, check_url, redact_url
from bot.net.retry_after import parse_retry_after

if TYPE_CHECKING:
    from types import TracebackType

    from bot.settings import Settings

__all__ = [
    "FetchError",
    "FetchLimits",
    "FetchResult",
    "GuardedClient",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

VERSION = "0.1"
MiB = 1024 * 1024
Kind = Literal["feed", "page", "image"]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_KEPT_HEADERS = ("content-type", "content-encoding", "content-length", "cache-control", "expires")
_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/feed+json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    "image": "image/png, image/jpeg, image/gif, image/webp",
}
# Types we never download past the headers (S16); feeds are often mislabelled, so for feeds
# only obviously binary media are refused.
_REFUSED_PREFIXES = ("image/", "video/", "audio/", "font/", "application/pdf", "application/zip")
_PAGE_REFUSED = (*_REFUSED_PREFIXES, "application/octet-stream")
# A source's icon (a webhook's avatar): only the image types Discord takes as an avatar.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
IMAGE_MAX_BYTES = 1 * MiB


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Deadlines (seconds) and caps (bytes) of one fetch. Tests shorten ``total``."""

    total: float = 20.0
    connect: float = 10.0
    sock_read: float = 10.0
    max_feed_bytes: int = 10 * MiB
    max_page_bytes: int = 5 * MiB
    max_redirects: int = 5

    def cap_for(self, kind: Kind) -> int:
        if kind == "image":
            return min(IMAGE_MAX_BYTES, self.max_page_bytes)
        return self.max_feed_bytes if kind == "feed" else self.max_page_bytes


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful fetch: 200 with the decoded body, or 304 with an empty body."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body_sha256: str = ""
    elapsed: float | None = None  # seconds from the request to the body, redirects included


class GuardedClient:
    """Async context manager owning the session, the guarded resolver and the semaphores."""

    def __init__(
        self,
        *,
        user_agent: str,
        allowed_networks: Sequence[IPNetwork] = (),
        limits: FetchLimits = FetchLimits(),
        resolver: AbstractResolver | None = None,
        global_concurrency: int = 10,
        per_host_concurrency: int = 2,
    ) -> None:
        self._user_agent = user_agent
        self._allowed = tuple(allowed_networks)
        self._limits = limits
        self._resolver = GuardedResolver(self._allowed, inner=resolver)
        self._global_limit = global_concurrency
        self._global = asyncio.Semaphore(global_concurrency)
        self._per_host = per_host_concurrency
        self._host_slots: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> GuardedClient:
        """The client configured from ``Settings`` (user agent with the contact URL)."""
        kwargs: dict[str, object] = {
            "user_agent": f"Depeche/{VERSION} (+{settings.contact_url})",
            "allowed_networks": settings.allowed_private_networks,
            "global_concurrency": settings.fetch_concurrency,
            "per_host_concurrency": settings.per_host_concurrency,
        }
        kwargs.update(overrides)
        return cls(**kwargs)  # type: ignore[arg-type]

    async def __aenter__(self) -> Self:
        connector = aiohttp.TCPConnector(
            resolver=self._resolver,
            use_dns_cache=False,
            force_close=True,  # no pooled connection may skip the resolver check (S5)
            limit=self._global_limit,
            limit_per_host=self._per_host,
        )
        limits = self._limits
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=limits.total, connect=limits.connect, sock_read=limits.sock_read
            ),
            trust_env=False,  # HTTP(S)_PROXY must not bypass the guard (S9)
            auto_decompress=False,  # we decode ourselves and count decoded bytes (F13)
            headers={"User-Agent": self._user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._resolver.close()

    async def fetch(
        self,
        url: str,
        *,
        kind: Kind = "feed",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url`` under every guard; raise ``FetchError`` on any failure."""
        try:
            return await self._fetch(url, kind, etag, last_modified)
        except FetchError as exc:  # INFO: the caller decides (a feed's poll failure is a
            log.info(  # WARNING in the engine; a page falls back to the feed's text)
                "fetch failed reason=%s url=%s status=%s detail=%s",
                exc.reason,
                redact_url(url),
                exc.status,
                exc.detail,
            )
            raise

    async def _fetch(
        self, url: str, kind: Kind, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        first = self._check(url, url)
        headers = {"Accept": _ACCEPT[kind], "Accept-Language": "fr-FR, fr;q=0.9, en;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._global, self._host_slot(first.host):
            started = time.monotonic()  # the server's time, not the wait for a slot
            try:
                async with asyncio.timeout(self._limits.total):
                    result = await self._follow(url, first, kind, headers)
            except TimeoutError:
                error = FetchError("timeout", url=url, detail="total deadline")
                error.elapsed = time.monotonic() - started
                raise error from None
            except FetchError as exc:
                exc.elapsed = time.monotonic() - started
                raise
            return replace(result, elapsed=time.monotonic() - started)

    async def _follow(
        self, url: str, target: Target, kind: Kind, headers: dict[str, str]
    ) -> FetchResult:
        first_host = target.host
        for _ in range(self._limits.max_redirects + 1):
            same_host = target.host == first_host
            async with contextlib.nullcontext() if same_host else self._host_slot(target.host):
                outcome = await self._request(url, target, kind, headers)
            if isinstance(outcome, FetchResult):
                return outcome
            target = outcome
        raise FetchError("too_many_redirects", url=url, detail=f"> {self._limits.max_redirects}")

    async def _request(
        self, url: str, target: Target, kind: Kind, headers: dict[str, str]
    ) -> FetchResult | Target:
        if self._session is None:
            raise RuntimeError("GuardedClient used outside 'async with'")
        try:
            async with self._session.get(
                target.url, headers=headers, allow_redirects=False
            ) as response:
                return await self._handle(url, target, kind, headers, response)
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError("timeout", url=url, detail="aiohttp timeout") from None
        except aiohttp.ClientError as exc:
            raise _from_client_error(exc, url) from None

    async def _handle(
        self,
        url: str,
        target: Target,
        kind: Kind,
        headers: Mapping[str, str],
        response: aiohttp.ClientResponse,
    ) -> FetchResult | Target:
        status = response.status
        if status in _REDIRECTS and "Location" in response.headers:
            return self._check(response.headers["Location"], url, base=target.url)
        if status == 304:
            return _result(url, target, response, b"", sent=headers)
        _raise_for_status(url, response)
        content_type = response.content_type.lower() if "Content-Type" in response.headers else ""
        if kind == "image":
            refused = content_type not in IMAGE_TYPES
        else:
            refused = content_type.startswith(
                _PAGE_REFUSED if kind == "page" else _REFUSED_PREFIXES
            )
        if refused:
            raise FetchError("bad_content_type", url=url, status=status, detail=content_type)
        cap = self._limits.cap_for(kind)
        if response.content_length is not None and response.content_length > cap:
            raise FetchError("too_large", url=url, status=status, detail="announced")
        encoding = response.headers.get("Content-Encoding")
        try:
            body = await read_decoded(response.content.iter_chunked(64 * 1024), encoding, cap)
        except BodyTooLarge as exc:
            raise FetchError("too_large", url=url, status=status, detail=str(exc)) from None
        except (UnsupportedEncoding, zlib.error) as exc:
            raise FetchError("http_error", url=url, status=status, detail=f"body: {exc}") from None
        return _result(url, target, response, body)

    def _check(self, raw: str, url: str, base: URL | None = None) -> Target:
        try:
            candidate = base.join(URL(raw)) if base is not None else raw
            return check_url(candidate, self._allowed)
        except GuardRefusal as exc:
            raise FetchError(exc.reason, url=url, detail=exc.detail) from None
        except (ValueError, UnicodeError) as exc:
            raise FetchError("invalid_url", url=url, detail=str(exc)) from None

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        """Per-host semaphore (F23); entries are dropped when no fetch uses them."""
        semaphore, users = self._host_slots.get(host, (asyncio.Semaphore(self._per_host), 0))
        self._host_slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._host_slots[host]
            if users <= 1:
                del self._host_slots[host]
            else:
                self._host_slots[host] = (semaphore, users - 1)


def _raise_for_status(url: str, response: aiohttp.ClientResponse) -> None:
    status = response.status
    if 200 <= status < 300:
        return
    if status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
        raise FetchError("rate_limited", url=url, status=status, retry_after=retry_after)
    reason = {404: "not_found", 410: "gone"}.get(status, "http_error")
    raise FetchError(reason, url=url, status=status)


def _keeps_validators(response: aiohttp.ClientResponse) -> bool:
    """False when the server says validators must not be kept (``Expires: 0``, no-store)."""
    if response.headers.get("Expires", "").strip() in {"0", "-1"}:
        return False
    return "no-store" not in response.headers.get("Cache-Control", "").lower()


def _result(
    url: str,
    target: Target,
    response: aiohttp.ClientResponse,
    body: bytes,
    sent: Mapping[str, str] | None = None,
) -> FetchResult:
    """Build the result; on 304 the validators we sent stand when the server omits them."""
    keep = _keeps_validators(response)
    has_type = "Content-Type" in response.headers
    sent = sent or {}
    etag = response.headers.get("ETag") or sent.get("If-None-Match")
    modified = response.headers.get("Last-Modified") or sent.get("If-Modified-Since")
    return FetchResult(
        url=url,
        final_url=str(target.url),
        status=response.status,
        body=body,
        content_type=response.content_type if has_type else None,
        charset=response.charset,
        etag=etag if keep else None,
        last_modified=modified if keep else None,
        headers={
            name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers
        },
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def _from_client_error(exc: aiohttp.ClientError, url: str) -> FetchError:
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, GuardRefusal):
            return FetchError(cause.reason, url=url, detail=cause.detail)
        if isinstance(exc, aiohttp.ClientSSLError) or isinstance(cause, ssl.SSLError):
            return FetchError("tls_error", url=url, detail=detail)
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return FetchError("dns_error", url=url, detail=detail)
    if isinstance(exc, aiohttp.InvalidURL):
        return FetchError("invalid_url", url=url, detail=detail)
    return FetchError("connection_error", url=url, detail=detail)
