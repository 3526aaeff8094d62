"""Streaming ``Content-Encoding`` decoding with bounded output (reliability F11, F13).

aiohttp's own decompression is switched off: we decode here, in chunks of at most
``CHUNK`` bytes of output per step, so the body cap is counted on *decompressed* bytes and a
gzip bomb never inflates more than one chunk past the cap. Supports ``gzip``/``x-gzip``
(multi-member), ``deflate`` (zlib-wrapped or raw) and stacked encodings such as
``gzip, gzip``. ``br`` is not advertised (brotli is not a dependency) and is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, Iterable, Iterator

CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class UnsupportedEncoding(ValueError):
    """The response uses a content coding we do not decode."""


class BodyTooLarge(ValueError):
    """The decoded body went past the cap."""


class _ZlibLayer:
    """One zlib-based content coding, decoded incrementally with bounded output."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._obj: zlib._Decompress | None = None
        self._members = 0
        self._done = False

    def _start(self, data: bytes) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # HTTP "deflate" should be zlib-wrapped, but some servers send raw deflate.
        is_zlib = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        buf = data
        while buf and not self._done:
            if self._obj is None:
                if self._members and not buf.startswith(_GZIP_MAGIC):
                    self._done = True  # trailing junk after the last gzip member
                    return
                self._obj = self._start(buf)
            out = self._obj.decompress(buf, CHUNK)
            if out:
                yield out
            buf = self._obj.unconsumed_tail
            while not buf and len(out) == CHUNK and not self._obj.eof:
                out = self._obj.decompress(b"", CHUNK)
                if out:
                    yield out
            if self._obj.eof:
                # Another gzip member may follow (multi-member gzip).
                buf = self._obj.unused_data
                self._obj = None
                self._members += 1
                self._done = not self._gzip

    def flush(self) -> Iterator[bytes]:
        if self._obj is not None and not self._done:
            tail = self._obj.flush()
            if tail:
                yield tail


def _layers_for(content_encoding: str | None) -> list[_ZlibLayer]:
    """Decoders in decoding order (the reverse of the order the codings were applied)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    layers: list[_ZlibLayer] = []
    for coding in reversed(codings):
        if coding in {"gzip", "x-gzip"}:
            layers.append(_ZlibLayer(gzip=True))
        elif coding == "deflate":
            layers.append(_ZlibLayer(gzip=False))
        elif coding != "identity":
            raise UnsupportedEncoding(coding)
    return layers


def _through(layer: _ZlibLayer, chunks: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield from layer.feed(chunk)


def _finish(layers: list[_ZlibLayer]) -> Iterator[bytes]:
    """Flush every layer in order, passing each flushed tail through the later layers."""
    for index, layer in enumerate(layers):
        chunks: Iterable[bytes] = layer.flush()
        for later in layers[index + 1 :]:
            chunks = _through(later, chunks)
        yield from chunks


async def read_decoded(
    raw_chunks: AsyncIterable[bytes], content_encoding: str | None, cap: int
) -> bytes:
    """Read and decode a body, raising ``BodyTooLarge`` as soon as it passes ``cap`` bytes.

    Raises ``UnsupportedEncoding`` for unknown codings and ``zlib.error`` for corrupt data.
    """
    layers = _layers_for(content_encoding)
    body = bytearray()
    raw_total = 0
    async for raw in raw_chunks:
        raw_total += len(raw)
        if raw_total > cap:
            raise BodyTooLarge(f"raw body over {cap} bytes")
        chunks: Iterable[bytes] = (raw,)
        for layer in layers:
            chunks = _through(layer, chunks)
        _append(body, chunks, cap)
    _append(body, _finish(layers), cap)
    return bytes(body)


def _append(body: bytearray, chunks: Iterable[bytes], cap: int) -> None:
    for chunk in chunks:
        body += chunk
        if len(body) > cap:
            raise BodyTooLarge(f"decoded body over {cap} bytes")
