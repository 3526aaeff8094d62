"""``GuardedClient.from_settings`` and ``FetchError``'s data and French messages."""

from __future__ import annotations

import ipaddress

import pytest

from bot.net.client import GuardedClient
from bot.net.errors import GENERIC_MESSAGE, GENERIC_MESSAGES, REASONS, FetchError
from bot.settings import Settings
from tests.http.conftest import TEST_LIMITS, Served
from tests.servers import state_of


async def test_from_settings_user_agent_and_allowed_networks(hostile: Served) -> None:
    """F23: the one User-Agent names the bot and its contact URL from the settings."""
    settings = Settings.from_mapping(
        {
            "CONTACT_URL": "https://exemple.test/contact",
            "ALLOWED_PRIVATE_NETWORKS": "127.0.0.2/32",
            "PER_HOST_CONCURRENCY": "1",
        }
    )
    assert settings.allowed_private_networks == (ipaddress.ip_network("127.0.0.2/32"),)
    async with GuardedClient.from_settings(settings, limits=TEST_LIMITS) as client:
        result = await client.fetch(hostile.url("/ok"))
    assert result.status == 200
    sent = state_of(hostile.app).headers_of("/ok")[0]
    assert sent["User-Agent"] == "Depeche/0.1 (+https://exemple.test/contact)"


async def test_unsupported_content_encoding_is_an_http_error(
    client: GuardedClient, hostile: Served
) -> None:
    """br is not advertised (brotli is not installed); a server that sends it anyway fails."""
    with pytest.raises(FetchError) as caught:
        await client.fetch(hostile.url("/encoding?e=br"))
    assert caught.value.reason == "http_error"
    assert "br" in caught.value.detail
    sent = state_of(hostile.app).headers_of("/encoding")[0]
    assert "br" not in sent["Accept-Encoding"]


def test_every_network_reason_has_the_generic_message() -> None:
    specific = {"invalid_url", "bad_scheme", "bad_content_type"}
    for reason in REASONS - specific:
        assert FetchError(reason, url="http://x.test/").user_message == GENERIC_MESSAGE
    for reason in specific:
        assert FetchError(reason, url="http://x.test/").user_message != GENERIC_MESSAGE


def test_s10_the_generic_message_names_a_page_a_feed_or_an_address_never_a_reason() -> None:
    """Issue 15: a feed that cannot be fetched is called a feed; within each kind every network
    failure still reads the same (S10)."""
    specific = {"invalid_url", "bad_scheme", "bad_content_type"}
    for what, text in GENERIC_MESSAGES.items():
        answers = {
            FetchError(r, url="http://x.test/").message_about(what) for r in REASONS - specific
        }
        assert answers == {text}
    assert GENERIC_MESSAGES["feed"] == "Impossible de récupérer ce flux."
    assert GENERIC_MESSAGES["page"] == GENERIC_MESSAGE


def test_unknown_reason_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        FetchError("teapot", url="http://x.test/")


def test_fetch_error_str_redacts_and_carries_data() -> None:
    error = FetchError("rate_limited", url="http://u:p@x.test/a?k=1", status=429, retry_after=60)
    assert str(error) == "rate_limited url=http://x.test/a status=429 retry_after=60"
    assert (error.status, error.retry_after) == (429, 60)
