"""T1: the loopback tripwire of ``tests/conftest.py`` really refuses connections off the machine."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT


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


def test_a_database_left_open_by_a_failing_test_does_not_hang_the_run() -> None:
    """With tests/conftest.py loaded, a process that exits with an aiosqlite connection still
    open ends (a failing test keeps its connection alive in the traceback; the run used to hang
    at exit, out of pytest-timeout's reach)."""
    code = (
        "import asyncio, aiosqlite, tests.conftest\n"
        "async def main():\n"
        "    global kept\n"
        "    kept = await aiosqlite.connect(':memory:')\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0
