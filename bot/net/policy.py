"""SSRF policy: which URLs and addresses the bot may fetch (reliability S1-S7).

Two layers, both applied on every hop of every fetch:

* ``check_url`` runs before any I/O: scheme, userinfo, port, ``localhost`` names and IP
  literals (including odd IPv4 forms such as ``2130706433`` or ``0x7f.1``).
* ``GuardedResolver`` wraps the real resolver: every address of the answer must be public,
  otherwise the whole answer is refused (S6). aiohttp connects to exactly the addresses the
  resolver returned and its DNS cache is disabled, so DNS rebinding (S5) is defeated.

``allowed_networks`` (setting ``ALLOWED_PRIVATE_NETWORKS``) lets a self-hoster open chosen
private networks; hosts in those networks may also use any port.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})
ALLOWED_PORTS = frozenset({80, 443, 8080, 8443})

_BLOCKED_V4 = (
    "0.0.0.0/8",  # "this" network
    "10.0.0.0/8",  # RFC 1918
    "100.64.0.0/10",  # CGNAT
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
    "172.16.0.0/12",  # RFC 1918
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # TEST-NET-1
    "192.88.99.0/24",  # 6to4 relay anycast
    "192.168.0.0/16",  # RFC 1918
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # TEST-NET-2
    "203.0.113.0/24",  # TEST-NET-3
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, broadcast 255.255.255.255
)
_BLOCKED_V6 = (
    "::/128",  # unspecified
    "::1/128",  # loopback
    "::/96",  # IPv4-compatible (deprecated)
    "::ffff:0:0/96",  # IPv4-mapped (checked through the embedded v4 as well)
    "64:ff9b::/96",  # NAT64 well-known prefix (embedded v4 checked as well)
    "64:ff9b:1::/48",  # local-use NAT64
    "100::/64",  # discard-only
    "2001::/23",  # IETF protocol assignments, includes Teredo 2001::/32
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4 (embedded v4 checked as well)
    "3fff::/20",  # documentation (RFC 9637)
    "fc00::/7",  # unique local
    "fe80::/10",  # link-local
    "fec0::/10",  # site-local (deprecated)
    "ff00::/8",  # multicast
)
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net) for net in (*_BLOCKED_V4, *_BLOCKED_V6)
)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class GuardRefusal(OSError):
    """The policy refused a URL or an address. ``reason`` is a ``FetchError`` reason.

    It subclasses ``OSError`` so that aiohttp wraps it (as the cause of a connector error)
    when the resolver raises it, instead of leaking half-open state.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by a mapped, compatible, 6to4 or NAT64 IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    packed = ip.packed
    if packed[:12] == bytes(12) or packed[:12] == bytes.fromhex("0064ff9b0000000000000000"):
        return ipaddress.IPv4Address(packed[12:])
    return None


def _in_networks(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def is_public_address(ip: IPAddress | str, allowed_networks: Sequence[IPNetwork] = ()) -> bool:
    """True when ``ip`` may be fetched: public, or inside one of ``allowed_networks``."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    if _in_networks(address, allowed_networks):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the v4 host itself
            return is_public_address(address.ipv4_mapped, allowed_networks)
        embedded = _embedded_v4(address)
        if embedded is not None and not is_public_address(embedded, allowed_networks):
            return False
    if _in_networks(address, BLOCKED_NETWORKS):
        return False
    # Backstop: whatever the standard library knows to be non-global stays blocked too.
    return address.is_global and not address.is_multicast


def _parse_ip_literal(host: str) -> IPAddress | None:
    """An IP literal host, including the legacy IPv4 forms that ``inet_aton`` accepts."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(ch in "0123456789abcdefx." for ch in host.lower()):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed ``check_url``: the exact ``yarl.URL`` handed to aiohttp."""

    url: URL
    host: str
    port: int
    address: IPAddress | None  # set when the host is an IP literal


def check_url(raw: str | URL, allowed_networks: Sequence[IPNetwork] = ()) -> Target:
    """Validate a URL before any I/O; raise ``GuardRefusal`` when it must not be fetched."""
    try:
        url = raw if isinstance(raw, URL) else URL(raw.strip())
        host = (url.raw_host or "").lower()
        _ = url.host  # IDNA must round-trip (rejects forged punycode labels)
        port = url.port
    except (ValueError, UnicodeError) as exc:
        raise GuardRefusal("invalid_url", f"unparsable: {exc}") from None
    if url.scheme.lower() not in ALLOWED_SCHEMES:
        raise GuardRefusal("bad_scheme", f"scheme={url.scheme or '(none)'}")
    if not host or port is None:
        raise GuardRefusal("invalid_url", "no host")
    if url.raw_user is not None or url.raw_password is not None:
        raise GuardRefusal("invalid_url", "userinfo in URL")
    bare = host.rstrip(".")
    if bare in _LOCAL_NAMES or bare.endswith(".localhost"):
        raise GuardRefusal("blocked_address", f"local name {bare}")
    address = _parse_ip_literal(bare.strip("[]").split("%25", 1)[0])
    if address is not None:
        if not is_public_address(address, allowed_networks):
            raise GuardRefusal("blocked_address", f"address {address}")
        if address.version == 4 and str(address) != bare:
            raise GuardRefusal("invalid_url", f"non-canonical address {bare}")
        if port not in ALLOWED_PORTS and not _in_networks(address, allowed_networks):
            raise GuardRefusal("bad_port", f"port {port}")
    return Target(url=url, host=bare, port=port, address=address)


class GuardedResolver(AbstractResolver):
    """Resolve, then refuse the whole answer if any address is not public (S5, S6, S7)."""

    def __init__(
        self,
        allowed_networks: Sequence[IPNetwork] = (),
        inner: AbstractResolver | None = None,
    ) -> None:
        self._allowed = tuple(allowed_networks)
        self._inner = inner
        self._owns_inner = inner is None

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = DefaultResolver()
        answers = await self._inner.resolve(host, port, family)
        if not answers:
            raise GuardRefusal("dns_error", f"no address for {host}")
        addresses = [ipaddress.ip_address(answer["host"]) for answer in answers]
        for address in addresses:
            if not is_public_address(address, self._allowed):
                raise GuardRefusal("blocked_address", f"{host} resolves to {address}")
        in_allowed = all(_in_networks(address, self._allowed) for address in addresses)
        if port not in ALLOWED_PORTS and not in_allowed:
            raise GuardRefusal("bad_port", f"port {port}")
        return answers

    async def close(self) -> None:
        if self._inner is not None and self._owns_inner:
            await self._inner.close()


def redact_url(url: str | URL) -> str:
    """The URL without userinfo, query or fragment, for logs (S24)."""
    try:
        parsed = url if isinstance(url, URL) else URL(url)
        return str(parsed.with_user(None).with_query(None).with_fragment(None))
    except (ValueError, UnicodeError, TypeError):
        return "<invalid url>"
