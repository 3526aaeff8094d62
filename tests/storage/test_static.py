"""Static guards: storage never reaches the network, so no network await can sit inside one of
its transactions (D2); every write goes through ``_tx`` (a transaction under the lock)."""

from __future__ import annotations

import ast
from pathlib import Path

STORAGE = Path(__file__).resolve().parents[2] / "storage"
FORBIDDEN = ("aiohttp", "discord", "bot", "apscheduler", "requests", "urllib")
DRIVERS = ("connection.py", "sqlite.py", "postgres.py")  # the sessions the modules write through


def test_storage_imports_no_network_or_shell_module() -> None:
    for path in STORAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_writes_only_happen_inside_transactions() -> None:
    for path in STORAGE.glob("*.py"):
        if path.name in DRIVERS:
            continue
        source = path.read_text(encoding="utf-8")
        for keyword in ("INSERT", "UPDATE", "DELETE"):
            for line in source.splitlines():
                if f'"{keyword} ' in line:
                    assert "_fetch" not in line, f"{path.name}: write outside a transaction"
        assert "self._conn.execute(" not in source, f"{path.name} bypasses _tx"
