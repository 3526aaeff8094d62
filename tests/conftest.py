"""Shared pytest configuration. Area-specific fixtures live in each tests/<area>/conftest.py.

The tripwire below runs for every test (reliability T1): a test whose process tries to connect
anywhere but loopback fails, so no test can depend on DNS or the internet. Subprocesses (the
chaos tests) are not covered; they only ever get loopback addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse (and record) any socket connection to a non-loopback address."""
    violations: list[Any] = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def allowed(address: Any) -> bool:
        if not isinstance(address, tuple):
            return True  # unix sockets
        host = str(address[0]).split("%", 1)[0]
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(address):
            violations.append(address)
            raise ConnectionRefusedError(f"test tripwire: {address}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(address):
            violations.append(address)
            raise ConnectionRefusedError(f"test tripwire: {address}")
        return original_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield violations
    assert violations == [], f"a test tried to leave the machine: {violations}"
