"""The hostile HTTP app of reliability.md's harness (bind it on 127.0.0.2, the "public" host).

Endpoints (all record hits and in-flight counts in ``state_of(app)``):

``/ok``, ``/feed``          small valid RSS (``/feed`` has hostile French titles)
``/page``                   small HTML page
``/big``                    1 GiB streamed, no Content-Length
``/announce-huge``          ``Content-Length: 10737418240``
``/gz`` ``/deflate``        bombs of ``?mb=`` (default 1024) MiB of zeros, built 1 MiB at a time
``/gzgz``                   the gzip bomb gzipped again (``Content-Encoding: gzip, gzip``)
``/multigz``                one gzip member per MiB
``/drip``                   1 byte every ``?every=`` seconds (default 1), never ends
``/hang``                   accepts, never answers
``/redir?to=&code=``        redirect to ``to``; ``/loop`` redirects to itself
``/chain?n=6``              n redirects, then 200
``/429?ra=`` ``/503?ra=``   rate limited, with ``Retry-After`` when ``ra`` is given
``/etag``                   ETag + Last-Modified, 304 when a validator matches
``/flip-etag``              same body, a new ETag on every request
``/expires0``               ``Expires: 0`` with ETag and Last-Modified
``/ctype?t=``               the given Content-Type
``/status?code=``           the given status
``/encoding?e=``            a few bytes labelled with the given Content-Encoding
``/slow?delay=``            200 after ``delay`` seconds (concurrency tests)
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Iterator

from aiohttp import web

from tests.servers.state import STATE, ServerState, record

MiB = 1024 * 1024
ETAG = '"depeche-v1"'
LAST_MODIFIED = "Tue, 24 Nov 2026 10:30:00 GMT"

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Fil de test</title><link>http://example.test/</link>
<description>Un flux écrit pour les tests de Dépêche.</description>
<item><title>{title}</title><link>http://example.test/a1</link><guid>a1</guid>
<description>La mairie a voté le budget des cantines scolaires mardi soir.</description></item>
</channel></rss>
"""
HOSTILE_TITLE = "@everyone **Alerte** &lt;b&gt;gras&lt;/b&gt; [clic](https://phish.test) \u202e"
PAGE = """<!doctype html><html lang="fr"><head><title>Page de test</title></head>
<body><article><h1>Le marché couvert rouvre</h1><p>Après deux ans de travaux, le marché
couvert du centre-ville rouvre ses portes samedi matin.</p></article></body></html>
"""


def feed_body(title: str = "Le marché couvert rouvre samedi") -> bytes:
    return RSS.format(title=title).encode("utf-8")


async def _stream(
    request: web.Request, chunks: Iterator[bytes], **headers: str
) -> web.StreamResponse:
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    try:
        for chunk in chunks:
            if chunk:
                await response.write(chunk)
            # Compressing zeros yields little output, so write() rarely waits: yield to the
            # loop at every step so the client under test (same process) gets to run.
            await asyncio.sleep(0)
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        return response
    await response.write_eof()
    return response


def _zeros(mebibytes: int) -> Iterator[bytes]:
    block = bytes(MiB)
    for _ in range(mebibytes):
        yield block


def _compressed(chunks: Iterator[bytes], wbits: int, sync: bool = False) -> Iterator[bytes]:
    """Compress lazily; ``sync`` flushes after every input chunk so output keeps coming."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    for chunk in chunks:
        yield compressor.compress(chunk)
        if sync and chunk:
            yield compressor.flush(zlib.Z_SYNC_FLUSH)
    yield compressor.flush()


def _gzip_members(mebibytes: int) -> Iterator[bytes]:
    for block in _zeros(mebibytes):
        yield from _compressed(iter((block,)), 31)


def _mb(request: web.Request) -> int:
    return int(request.query.get("mb", "1024"))


async def big(request: web.Request) -> web.StreamResponse:
    return await _stream(request, _zeros(1024), **{"Content-Type": "application/rss+xml"})


async def announce_huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    response.content_length = 10 * 1024 * MiB
    await response.prepare(request)
    try:
        await response.write(b"<rss>")
        await asyncio.sleep(30)
    except (ConnectionError, asyncio.CancelledError):
        pass
    return response


def _bomb(wbits: int, encoding: str) -> Callable[[web.Request], object]:
    async def handler(request: web.Request) -> web.StreamResponse:
        chunks = _compressed(_zeros(_mb(request)), wbits)
        return await _stream(
            request, chunks, **{"Content-Type": "application/rss+xml", "Content-Encoding": encoding}
        )

    return handler


async def gzgz(request: web.Request) -> web.StreamResponse:
    chunks = _compressed(_compressed(_zeros(_mb(request)), 31), 31, sync=True)
    headers = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"}
    return await _stream(request, chunks, **headers)


async def multigz(request: web.Request) -> web.StreamResponse:
    headers = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
    return await _stream(request, _gzip_members(_mb(request)), **headers)


async def drip(request: web.Request) -> web.StreamResponse:
    every = float(request.query.get("every", "1"))
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    try:
        while True:
            await response.write(b" ")
            await asyncio.sleep(every)
    except (ConnectionError, asyncio.CancelledError):
        return response


async def hang(request: web.Request) -> web.StreamResponse:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def _redirect(location: str, code: int = 302) -> web.Response:
    return web.Response(status=code, headers={"Location": location})


async def redir(request: web.Request) -> web.Response:
    return _redirect(request.query["to"], int(request.query.get("code", "302")))


async def loop(request: web.Request) -> web.Response:
    return _redirect("/loop")


async def chain(request: web.Request) -> web.Response:
    n = int(request.query.get("n", "6"))
    if n <= 0:
        return web.Response(body=feed_body(), content_type="application/rss+xml")
    return _redirect(f"/chain?n={n - 1}")


def _limited(status: int) -> Callable[[web.Request], object]:
    async def handler(request: web.Request) -> web.Response:
        headers = {"Retry-After": request.query["ra"]} if "ra" in request.query else {}
        return web.Response(status=status, text="trop de requêtes", headers=headers)

    return handler


async def etag(request: web.Request) -> web.Response:
    validators = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
    if request.headers.get("If-None-Match") == ETAG or (
        "If-None-Match" not in request.headers
        and request.headers.get("If-Modified-Since") == LAST_MODIFIED
    ):
        return web.Response(status=304, headers=validators)
    return web.Response(body=feed_body(), content_type="application/rss+xml", headers=validators)


async def flip_etag(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    state.counter += 1
    headers = {"ETag": f'"flip-{state.counter}"'}
    return web.Response(body=feed_body(), content_type="application/rss+xml", headers=headers)


async def expires0(request: web.Request) -> web.Response:
    headers = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED, "Expires": "0"}
    return web.Response(body=feed_body(), content_type="application/rss+xml", headers=headers)


async def ctype(request: web.Request) -> web.Response:
    return web.Response(body=b"\x89PNG....", headers={"Content-Type": request.query["t"]})


async def status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.query["code"]), text="statut demandé")


async def encoding(request: web.Request) -> web.Response:
    headers = {"Content-Encoding": request.query["e"], "Content-Type": "application/rss+xml"}
    return web.Response(body=b"\x0b\x02\x80<rss/>\x03", headers=headers)


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("delay", "0.2")))
    return web.Response(body=feed_body(), content_type="application/rss+xml")


async def ok(request: web.Request) -> web.Response:
    return web.Response(body=feed_body(), content_type="application/rss+xml", charset="utf-8")


async def hostile_feed(request: web.Request) -> web.Response:
    return web.Response(body=feed_body(HOSTILE_TITLE), content_type="application/rss+xml")


async def page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


ROUTES: dict[str, Callable[[web.Request], object]] = {
    "/ok": ok,
    "/feed": hostile_feed,
    "/page": page,
    "/big": big,
    "/announce-huge": announce_huge,
    "/gz": _bomb(31, "gzip"),
    "/deflate": _bomb(15, "deflate"),
    "/gzgz": gzgz,
    "/multigz": multigz,
    "/drip": drip,
    "/hang": hang,
    "/redir": redir,
    "/loop": loop,
    "/chain": chain,
    "/429": _limited(429),
    "/503": _limited(503),
    "/etag": etag,
    "/flip-etag": flip_etag,
    "/expires0": expires0,
    "/ctype": ctype,
    "/status": status,
    "/encoding": encoding,
    "/slow": slow,
}


def hostile_app() -> web.Application:
    """A fresh hostile app; read what it saw with ``state_of(app)``."""
    app = web.Application(middlewares=[record])
    app[STATE] = ServerState()
    for path, handler in ROUTES.items():
        app.router.add_get(path, handler)  # type: ignore[arg-type]
    return app
