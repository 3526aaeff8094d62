"""SSRF through real ``fetch`` calls: S1 sample, S2, S4-S7, S9, S10, and the default policy.

The hostile app on 127.0.0.2 is the only "public" host; the private app on 127.0.0.1 counts
hits and every test here asserts it saw none.
"""

from __future__ import annotations

import logging
import socket

import pytest

from bot.net.client import FetchError, GuardedClient
from bot.net.errors import GENERIC_MESSAGE
from tests.http.conftest import TEST_LIMITS, USER_AGENT, ClientFactory, Served
from tests.servers import FakeResolver, state_of


def _port(served: Served) -> int:
    return int(served.base.rsplit(":", 1)[1])


async def _refused(client: GuardedClient, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await client.fetch(url)
    return caught.value


async def test_default_policy_refuses_loopback(hostile: Served, private: Served) -> None:
    """Without ALLOWED_PRIVATE_NETWORKS even the test hosts are refused, before any I/O."""
    async with GuardedClient(user_agent=USER_AGENT, limits=TEST_LIMITS) as client:
        for served in (hostile, private):
            error = await _refused(client, served.url("/ok"))
            assert error.reason == "blocked_address"
    assert state_of(hostile.app).total_hits == 0
    assert state_of(private.app).total_hits == 0


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "fd00::1",
    ],
)
async def test_s1_blocked_answers_through_fetch(
    make_client: ClientFactory, private: Served, address: str
) -> None:
    """S1 sample: a name resolving to a blocked address is refused at connect time."""
    resolver = FakeResolver({"victim.test": [address]})
    async with make_client(resolver=resolver) as client:
        error = await _refused(client, f"http://victim.test:{_port(private)}/admin")
    assert error.reason == "blocked_address"
    assert resolver.queries == ["victim.test"]
    assert state_of(private.app).total_hits == 0


@pytest.mark.parametrize(
    "template",
    [
        "http://localhost:{port}/",
        "http://LOCALHOST.:{port}/",
        "http://foo.localhost:{port}/",
        "http://2130706433:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://0x7f.1:{port}/",
        "http://127.1:{port}/",
        "http://[::ffff:7f00:1]:{port}/",
        "http://user@127.0.0.1:{port}/",
        "http://evil.test@127.0.0.1:{port}/",
        "http://127.0.0.2@127.0.0.1:{port}/",
        "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:{port}/",
        "http://xn--localhost-:{port}/",
    ],
)
async def test_s2_url_forms_never_reach_private_listener(
    client: GuardedClient, private: Served, template: str
) -> None:
    error = await _refused(client, template.format(port=_port(private)))
    assert error.reason in {"blocked_address", "invalid_url"}
    assert state_of(private.app).total_hits == 0


@pytest.mark.parametrize(
    "url", ["file:///etc/hostname", "ftp://x/", "gopher://x/", "data:,x", "javascript:alert(1)"]
)
async def test_s3_schemes_rejected_with_generic_message(client: GuardedClient, url: str) -> None:
    error = await _refused(client, url)
    assert error.reason == "bad_scheme"
    assert "hostname" not in error.user_message and "http" in error.user_message


@pytest.mark.parametrize(
    "to",
    [
        "http://127.0.0.1:{port}/secret",
        "http://intranet.test:{port}/secret",
        "http://loop.test:{port}/secret",
        "http://[::1]:{port}/secret",
        "file:///etc/hostname",
    ],
)
async def test_s4_redirect_from_public_to_private_blocked_at_hop(
    client: GuardedClient, hostile: Served, private: Served, to: str
) -> None:
    target = to.format(port=_port(private))
    error = await _refused(client, hostile.url(f"/redir?to={target}"))
    assert error.reason in {"blocked_address", "bad_scheme"}
    assert state_of(hostile.app).hits["/redir"] == 1
    assert state_of(private.app).total_hits == 0


async def test_s4_relative_redirect_on_public_host_is_followed(
    client: GuardedClient, hostile: Served
) -> None:
    result = await client.fetch(hostile.url("/redir?to=/ok&code=301"))
    assert result.final_url == hostile.url("/ok")


async def test_s5_dns_rebinding_blocked_after_first_answer(
    make_client: ClientFactory, hostile: Served, private: Served
) -> None:
    """S5: same name, same port; the second answer points at the private listener."""
    resolver = FakeResolver(scripted={"rebind.test": [["127.0.0.2"], ["127.0.0.1"]]})
    port = _port(hostile)
    async with make_client(resolver=resolver) as client:
        first = await client.fetch(f"http://rebind.test:{port}/ok")
        second = await _refused(client, f"http://rebind.test:{port}/ok")
    assert first.status == 200
    assert second.reason == "blocked_address"
    assert resolver.queries == ["rebind.test", "rebind.test"]  # no DNS cache
    assert state_of(private.app).total_hits == 0


async def test_s5_pooled_connections_do_not_skip_resolution(
    make_client: ClientFactory, hostile: Served
) -> None:
    resolver = FakeResolver({"news.test": ["127.0.0.2"]})
    async with make_client(resolver=resolver) as client:
        for _ in range(3):
            await client.fetch(f"http://news.test:{_port(hostile)}/ok")
    assert resolver.queries == ["news.test"] * 3


async def test_s6_mixed_answer_rejected_outright(
    client: GuardedClient, hostile: Served, resolver: FakeResolver
) -> None:
    error = await _refused(client, f"http://mixed.test:{_port(hostile)}/ok")
    assert error.reason == "blocked_address"
    assert state_of(hostile.app).total_hits == 0


@pytest.mark.parametrize("port", [22, 25, 6379, 11211])
async def test_s7_names_on_odd_ports_blocked_before_connect(
    make_client: ClientFactory, port: int
) -> None:
    resolver = FakeResolver({"public.test": ["93.184.216.34"]})
    async with make_client(resolver=resolver) as client:
        error = await _refused(client, f"http://public.test:{port}/")
    assert error.reason == "bad_port"


async def test_s9_proxy_environment_is_ignored(
    monkeypatch: pytest.MonkeyPatch, client: GuardedClient, hostile: Served, private: Served
) -> None:
    """S9: HTTP(S)_PROXY points at the private listener; it is neither used nor a bypass."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, private.base)
    result = await client.fetch(hostile.url("/ok"))
    assert result.status == 200
    error = await _refused(client, "http://169.254.169.254/latest/meta-data/")
    assert error.reason == "blocked_address"
    assert state_of(private.app).total_hits == 0


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


async def test_s10_same_user_message_for_every_network_failure(
    client: GuardedClient, hostile: Served, private: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """S10: blocked, unknown name, refused, TLS failure and timeout all read the same to the
    user; the logs keep the real reason."""
    caplog.set_level(logging.INFO, logger="bot.net.client")  # details: in the INFO log
    cases = {
        "blocked_address": private.url("/"),
        "dns_error": "http://nowhere.test/",
        "connection_error": f"http://127.0.0.2:{_free_port('127.0.0.2')}/",
        "tls_error": hostile.url("/ok").replace("http://", "https://"),
        "timeout": hostile.url("/hang"),
    }
    errors = [await _refused(client, url) for url in cases.values()]
    assert [e.reason for e in errors] == list(cases)
    assert {e.user_message for e in errors} == {GENERIC_MESSAGE}
    assert all(f"reason={reason}" in caplog.text for reason in cases)
    assert state_of(private.app).total_hits == 0


async def test_s24_credentials_never_logged(
    client: GuardedClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    error = await _refused(client, "http://alice:hunter2@10.0.0.1/rss")
    assert "hunter2" not in caplog.text and "alice" not in caplog.text
    assert "hunter2" not in str(error)
