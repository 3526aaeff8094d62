"""F9-F14 and S16: deadlines, body caps after decompression, redirects, content types.

Tests use a 1.5 s total deadline (``TEST_LIMITS``); the defaults stay at 20 s.
"""

from __future__ import annotations

import asyncio
import os
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.net.body import BodyTooLarge, read_decoded
from bot.net.client import FetchError, FetchLimits, GuardedClient
from tests.http.conftest import ClientFactory, Served
from tests.servers import feed_body, state_of

T = TypeVar("T")
MiB = 1024 * 1024
STATM = Path("/proc/self/statm")


def _rss() -> int:
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _peak_rss_growth(awaitable: Awaitable[T]) -> tuple[int, T | BaseException]:
    """Run ``awaitable`` while sampling the current RSS; return the peak growth in bytes."""
    baseline = peak = _rss()
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    try:
        outcome: T | BaseException = await awaitable
    except BaseException as exc:  # the caller inspects the error
        outcome = exc
    done.set()
    await sampler
    return max(peak, _rss()) - baseline, outcome


def test_default_limits_match_the_checklist() -> None:
    limits = FetchLimits()
    assert (limits.total, limits.connect, limits.sock_read) == (20.0, 10.0, 10.0)
    assert (limits.max_feed_bytes, limits.max_page_bytes) == (10 * MiB, 5 * MiB)
    assert limits.max_redirects == 5


async def _reason(client: GuardedClient, url: str, **kwargs: object) -> str:
    with pytest.raises(FetchError) as caught:
        await client.fetch(url, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason


async def test_f9_hanging_server_fails_at_deadline_while_others_succeed(
    client: GuardedClient, hostile: Served
) -> None:
    """F9: one hang among healthy fetches: the others complete, the hang times out."""
    tasks = [client.fetch(hostile.url("/hang"))] + [
        client.fetch(hostile.url(f"/ok?n={i}")) for i in range(6)
    ]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[0], FetchError) and outcomes[0].reason == "timeout"
    assert all(not isinstance(o, BaseException) and o.body == feed_body() for o in outcomes[1:])


async def test_f10_slow_drip_is_cut_at_total_deadline(
    make_client: ClientFactory, hostile: Served
) -> None:
    """F10: a byte every 0.2 s never trips sock_read (1 s); only the total deadline stops it."""
    async with make_client() as client:
        assert await _reason(client, hostile.url("/drip?every=0.2")) == "timeout"
    assert state_of(hostile.app).hits["/drip"] == 1


@pytest.mark.skipif(not STATM.exists(), reason="needs /proc/self/statm")
async def test_f11_one_gib_without_length_stops_at_cap(
    client: GuardedClient, hostile: Served
) -> None:
    growth, outcome = await _peak_rss_growth(client.fetch(hostile.url("/big")))
    assert isinstance(outcome, FetchError) and outcome.reason == "too_large"
    assert growth < 50 * MiB


async def test_f11_page_cap_is_smaller(make_client: ClientFactory, hostile: Served) -> None:
    limits = FetchLimits(total=5, max_feed_bytes=3 * MiB, max_page_bytes=1 * MiB)
    async with make_client(limits=limits) as client:
        result = await client.fetch(hostile.url("/gz?mb=2"), kind="feed")
        assert len(result.body) == 2 * MiB  # fits the feed cap
        assert await _reason(client, hostile.url("/gz?mb=2"), kind="page") == "too_large"


async def test_f12_announced_huge_length_rejected_before_body(
    client: GuardedClient, hostile: Served
) -> None:
    with pytest.raises(FetchError) as caught:
        await client.fetch(hostile.url("/announce-huge"))
    assert caught.value.reason == "too_large"
    assert caught.value.detail == "announced"


@pytest.mark.skipif(not STATM.exists(), reason="needs /proc/self/statm")
@pytest.mark.parametrize("path", ["/gz", "/deflate", "/gzgz", "/multigz"])
async def test_f13_compression_bombs_cut_after_decompression(
    client: GuardedClient, hostile: Served, path: str
) -> None:
    """F13: gzip, deflate, double gzip and multi-member gzip bombs of 1 GiB of zeros."""
    growth, outcome = await _peak_rss_growth(client.fetch(hostile.url(path)))
    assert isinstance(outcome, FetchError), outcome
    assert outcome.reason == "too_large"
    assert "decoded" in outcome.detail
    assert growth < 50 * MiB


def _packed_zeros(mebibytes: int, wbits: int) -> bytes:
    """``mebibytes`` MiB of zeros compressed (31: gzip, 15: zlib-wrapped deflate), built 1 MiB
    at a time (about 1 KiB per MiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(MiB)
    return b"".join(packer.compress(block) for _ in range(mebibytes)) + packer.flush()


@pytest.mark.parametrize("wbits", [31, 15])  # gzip, deflate
async def test_f13_a_dense_bomb_in_one_read_inflates_one_step_past_the_cap(wbits: int) -> None:
    """F13: 256 MiB of zeros compressed into one network read of about 256 KiB (under the raw
    cap): decoding stops one ``CHUNK`` past the 1 MiB cap instead of inflating the whole read."""
    packed = _packed_zeros(256, wbits)

    async def one_read() -> AsyncIterator[bytes]:
        yield packed

    cap = 1 * MiB
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            await read_decoded(one_read(), "gzip" if wbits == 31 else "deflate", cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(packed) < cap
    assert peak < 4 * cap


@pytest.mark.parametrize("path", ["/gz?mb=2", "/deflate?mb=2", "/gzgz?mb=2", "/multigz?mb=3"])
async def test_f13_small_compressed_bodies_decode_exactly(
    client: GuardedClient, hostile: Served, path: str
) -> None:
    result = await client.fetch(hostile.url(path))
    mebibytes = int(path.rsplit("=", 1)[1])
    assert result.body == bytes(mebibytes * MiB)


async def test_f14_chain_of_six_redirects_fails_without_reaching_target(
    client: GuardedClient, hostile: Served
) -> None:
    assert await _reason(client, hostile.url("/chain?n=6")) == "too_many_redirects"
    hits = state_of(hostile.app).hits
    assert hits["/chain"] == 6  # n=6..1; the final n=0 is never requested


async def test_f14_five_redirects_are_followed(client: GuardedClient, hostile: Served) -> None:
    result = await client.fetch(hostile.url("/chain?n=5"))
    assert result.status == 200
    assert result.final_url == hostile.url("/chain?n=0")
    assert result.url == hostile.url("/chain?n=5")


async def test_f14_redirect_loop(client: GuardedClient, hostile: Served) -> None:
    assert await _reason(client, hostile.url("/loop")) == "too_many_redirects"
    assert state_of(hostile.app).hits["/loop"] == 6


@pytest.mark.parametrize("target", ["ftp://127.0.0.2/feed.xml", "file:///etc/hostname"])
async def test_f14_redirect_to_other_scheme_is_refused(
    client: GuardedClient, hostile: Served, target: str
) -> None:
    assert await _reason(client, hostile.url(f"/redir?to={target}")) == "bad_scheme"


@pytest.mark.parametrize(
    "ctype", ["image/png", "video/mp4", "application/pdf", "application/octet-stream"]
)
async def test_s16_pages_refuse_non_html_types(
    client: GuardedClient, hostile: Served, ctype: str
) -> None:
    with pytest.raises(FetchError) as caught:
        await client.fetch(hostile.url(f"/ctype?t={ctype}"), kind="page")
    assert caught.value.reason == "bad_content_type"
    assert caught.value.user_message == "Type de contenu non pris en charge."


async def test_s16_feeds_tolerate_mislabelled_text_types(
    client: GuardedClient, hostile: Served
) -> None:
    result = await client.fetch(hostile.url("/ctype?t=text/html"))
    assert result.content_type == "text/html"
    assert await _reason(client, hostile.url("/ctype?t=image/png")) == "bad_content_type"
