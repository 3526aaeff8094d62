"""A scriptable ``AbstractResolver`` (reliability harness item 2).

``FakeResolver({"news.test": ["127.0.0.2"]})`` answers fixed addresses;
``FakeResolver(scripted={"rebind.test": [["127.0.0.2"], ["127.0.0.1"]]})`` answers the n-th
list on the n-th query (the last one repeats): DNS rebinding. Unknown names fail like DNS.
Put it *under* the guard (``GuardedClient(resolver=FakeResolver(...))``) so the guard's own
logic runs for real.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping, Sequence

from aiohttp.abc import AbstractResolver, ResolveResult


class FakeResolver(AbstractResolver):
    def __init__(
        self,
        static: Mapping[str, Sequence[str]] | None = None,
        *,
        scripted: Mapping[str, Sequence[Sequence[str]]] | None = None,
    ) -> None:
        self.static = dict(static or {})
        self.scripted = dict(scripted or {})
        self.queries: list[str] = []

    def _answer(self, host: str) -> Sequence[str]:
        count = self.queries.count(host)
        if host in self.scripted:
            answers = self.scripted[host]
            return answers[min(count - 1, len(answers) - 1)]
        if host in self.static:
            return self.static[host]
        raise socket.gaierror(socket.EAI_NONAME, f"unknown test name {host}")

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.queries.append(host)
        results: list[ResolveResult] = []
        for address in self._answer(host):
            version = ipaddress.ip_address(address).version
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=port,
                    family=socket.AF_INET6 if version == 6 else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
            )
        return results

    async def close(self) -> None:
        return None
