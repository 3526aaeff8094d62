"""S1, S2, S3, S7: the SSRF policy as pure functions (no I/O)."""

from __future__ import annotations

import ipaddress

import pytest

from bot.net.policy import GuardRefusal, check_url, is_public_address, redact_url

# S1: the reliability checklist's address table; every one must be blocked.
S1_BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "192.0.0.8",
    "198.18.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd00::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::",
    "64:ff9b::a9fe:a9fe",
    "2001:0:4136:e378:8000:63bf:3f57:fdf2",
    "2001:db8::1",
    # extra embeddings of private v4 addresses
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:a00:1::",
    "64:ff9b::10.0.0.1",
]
PUBLIC_CONTROLS = ["93.184.216.34", "2606:4700::1111", "1.1.1.1", "2a00:1450:4007:80a::200e"]

# Advocate's test_safecurl_blacklist netblocks, swept at the edges and the middle.
SAFECURL_NETBLOCKS = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/29",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
]


@pytest.mark.parametrize("address", S1_BLOCKED)
def test_s1_address_table_is_blocked(address: str) -> None:
    assert not is_public_address(address)
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC_CONTROLS)
def test_s1_public_controls_are_allowed(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize("netblock", SAFECURL_NETBLOCKS)
def test_s1_safecurl_netblocks_swept(netblock: str) -> None:
    network = ipaddress.ip_network(netblock)
    samples = [
        network.network_address,
        network.network_address + 1,
        network.network_address + network.num_addresses // 2,
        network.broadcast_address - 1,
        network.broadcast_address,
    ]
    for sample in samples:
        assert not is_public_address(sample), sample
        assert not is_public_address(ipaddress.ip_address(f"::ffff:{sample}")), sample


def test_s1_allowed_networks_open_only_the_chosen_range() -> None:
    allowed = (ipaddress.ip_network("192.168.1.0/24"),)
    assert is_public_address("192.168.1.20", allowed)
    assert is_public_address("::ffff:192.168.1.20", allowed)
    assert not is_public_address("192.168.2.20", allowed)
    assert not is_public_address("127.0.0.1", allowed)


def test_s1_default_policy_refuses_loopback_used_by_tests() -> None:
    assert not is_public_address("127.0.0.2")
    assert is_public_address("127.0.0.2", (ipaddress.ip_network("127.0.0.2/32"),))


def _refusal(url: str, allowed: tuple[ipaddress.IPv4Network, ...] = ()) -> str:
    with pytest.raises(GuardRefusal) as caught:
        check_url(url, allowed)
    return caught.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://LOCALHOST./",
        "http://foo.localhost/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::ffff:7f00:1]/",
        "http://[::1]:8080/",
        "http://\u24dbocalhost/",  # circled l, IDNA-maps to localhost
        "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/",  # fullwidth
        "http://\u2460\u2461\u2466.0.0.1/",  # circled digits -> 127.0.0.1
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_s2_odd_forms_of_private_hosts_are_blocked(url: str) -> None:
    assert _refusal(url) == "blocked_address"


@pytest.mark.parametrize(
    "url",
    ["http://user@127.0.0.2/", "http://evil.test@127.0.0.2/", "http://a:b@news.test/"],
)
def test_s2_userinfo_is_rejected(url: str) -> None:
    allowed = (ipaddress.ip_network("127.0.0.2/32"),)
    assert _refusal(url, allowed) == "invalid_url"


def test_s2_punycode_that_does_not_round_trip_is_invalid() -> None:
    assert _refusal("http://xn--localhost-/") == "invalid_url"


def test_s2_non_canonical_public_literal_is_rejected() -> None:
    assert _refusal("http://1572395042/") == "invalid_url"  # 93.184.216.34 as one integer


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.test/feed.xml",
        "gopher://example.test/",
        "data:text/html,<b>x</b>",
        "javascript:alert(1)",
        "feed://example.test/rss",
        "example.test/rss",
        "//example.test/x",
    ],
)
def test_s3_only_http_and_https_schemes(url: str) -> None:
    assert _refusal(url) == "bad_scheme"


@pytest.mark.parametrize("port", [22, 25, 6379, 11211])
def test_s7_ports_outside_allowlist_blocked_for_literals(port: int) -> None:
    assert _refusal(f"http://93.184.216.34:{port}/") == "bad_port"


@pytest.mark.parametrize("port", [80, 443, 8080, 8443])
def test_s7_allowlisted_ports_accepted(port: int) -> None:
    target = check_url(f"http://93.184.216.34:{port}/rss")
    assert target.port == port


def test_names_pass_url_check_and_are_judged_at_resolution() -> None:
    target = check_url("https://www.exemple.fr/flux.xml")
    assert target.address is None and target.host == "www.exemple.fr" and target.port == 443


def test_idn_host_is_encoded_before_checks() -> None:
    assert check_url("https://évian.fr/").host == "xn--vian-9oa.fr"


def test_s24_redact_url_removes_credentials_and_query() -> None:
    redacted = redact_url("https://alice:hunter2@news.test/rss?token=abc#frag")
    assert "alice" not in redacted and "hunter2" not in redacted and "abc" not in redacted
    assert redacted == "https://news.test/rss"
