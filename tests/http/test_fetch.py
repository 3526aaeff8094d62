"""Happy paths, conditional GET (F2, F3, F4), status mapping (F5, F8) and politeness headers."""

from __future__ import annotations

import hashlib

import pytest

from bot.net.client import FetchError, GuardedClient
from tests.http.conftest import USER_AGENT, Served
from tests.servers import ETAG, LAST_MODIFIED, feed_body, state_of


async def test_fetch_ok_returns_body_and_metadata(client: GuardedClient, hostile: Served) -> None:
    result = await client.fetch(hostile.url("/ok"))
    assert result.status == 200
    assert result.body == feed_body()
    assert result.content_type == "application/rss+xml"
    assert result.charset == "utf-8"
    assert result.final_url == result.url == hostile.url("/ok")
    assert result.body_sha256 == hashlib.sha256(feed_body()).hexdigest()
    assert result.headers["content-type"].startswith("application/rss+xml")


async def test_f23_one_honest_user_agent_and_feed_accept(
    client: GuardedClient, hostile: Served
) -> None:
    await client.fetch(hostile.url("/ok"))
    await client.fetch(hostile.url("/page"), kind="page")
    feed_headers, page_headers = (
        state_of(hostile.app).requests[-2][1],
        state_of(hostile.app).requests[-1][1],
    )
    assert feed_headers["User-Agent"] == page_headers["User-Agent"] == USER_AGENT
    assert "application/rss+xml" in feed_headers["Accept"]
    assert page_headers["Accept"].startswith("text/html")
    assert "gzip" in feed_headers["Accept-Encoding"]


async def test_fetch_by_name_through_resolver(client: GuardedClient, hostile: Served) -> None:
    port = hostile.base.rsplit(":", 1)[1]
    result = await client.fetch(f"http://news.test:{port}/ok")
    assert result.status == 200 and result.body == feed_body()


async def test_f2_conditional_get_sends_validators_and_handles_304(
    client: GuardedClient, hostile: Served
) -> None:
    first = await client.fetch(hostile.url("/etag"))
    assert (first.status, first.etag, first.last_modified) == (200, ETAG, LAST_MODIFIED)
    second = await client.fetch(
        hostile.url("/etag"), etag=first.etag, last_modified=first.last_modified
    )
    sent = state_of(hostile.app).headers_of("/etag")[-1]
    assert sent["If-None-Match"] == ETAG
    assert sent["If-Modified-Since"] == LAST_MODIFIED
    assert second.status == 304
    assert second.body == b""
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)


async def test_f2_first_request_has_no_conditional_headers(
    client: GuardedClient, hostile: Served
) -> None:
    await client.fetch(hostile.url("/etag"))
    sent = state_of(hostile.app).headers_of("/etag")[0]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


async def test_f3_expires_zero_drops_validators(client: GuardedClient, hostile: Served) -> None:
    result = await client.fetch(hostile.url("/expires0"))
    assert result.status == 200
    assert result.etag is None and result.last_modified is None


async def test_f4_flipping_etag_same_body_same_hash(client: GuardedClient, hostile: Served) -> None:
    one = await client.fetch(hostile.url("/flip-etag"))
    two = await client.fetch(hostile.url("/flip-etag"), etag=one.etag)
    assert one.etag != two.etag
    assert one.body_sha256 == two.body_sha256


@pytest.mark.parametrize(
    ("path", "status", "reason", "retry_after"),
    [
        ("/429?ra=7200", 429, "rate_limited", 7200.0),
        ("/429?ra=99999999", 429, "rate_limited", 86400.0),
        ("/429?ra=bientot", 429, "rate_limited", None),
        ("/503?ra=Mon,%2001%20Jan%201990%2000:00:00%20GMT", 503, "rate_limited", None),
        ("/503", 503, "rate_limited", None),
        ("/status?code=404", 404, "not_found", None),
        ("/status?code=410", 410, "gone", None),
        ("/status?code=500", 500, "http_error", None),
        ("/status?code=403", 403, "http_error", None),
    ],
)
async def test_f5_f8_status_mapping(
    client: GuardedClient,
    hostile: Served,
    path: str,
    status: int,
    reason: str,
    retry_after: float | None,
) -> None:
    with pytest.raises(FetchError) as caught:
        await client.fetch(hostile.url(path))
    assert (caught.value.reason, caught.value.status) == (reason, status)
    assert caught.value.retry_after == retry_after


async def test_f5_retry_after_as_future_http_date(client: GuardedClient, hostile: Served) -> None:
    with pytest.raises(FetchError) as caught:
        await client.fetch(hostile.url("/429?ra=Fri,%2001%20Jan%202100%2000:00:00%20GMT"))
    assert caught.value.retry_after == 86400.0  # far future, capped at 24 h


async def test_client_outside_context_manager_is_a_programming_error(hostile: Served) -> None:
    client = GuardedClient(user_agent=USER_AGENT)
    with pytest.raises(RuntimeError):
        await client.fetch("http://93.184.216.34/")
