"""T1: the loopback tripwire of ``tests/conftest.py`` really refuses connections off the machine."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def test_t1_tripwire_refuses_non_loopback_and_allows_loopback(loopback_only: list[Any]) -> None:
    """T1: a connection to a non-loopback address is refused and recorded; loopback is allowed.
    UDP sockets are used so that, should the tripwire ever be broken, no packet leaves."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(ConnectionRefusedError, match="test tripwire"):
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1
        sock.connect(("127.0.0.1", 9))
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other,
        pytest.raises(ConnectionRefusedError, match="test tripwire"),
    ):
        other.connect_ex(("192.0.2.2", 9))
    recorded = list(loopback_only)
    loopback_only.clear()  # deliberate violations: the fixture's own check must not fail
    assert recorded == [("192.0.2.1", 9), ("192.0.2.2", 9)]
