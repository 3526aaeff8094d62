"""Static guards for the extraction modules: no download, no async or storage imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2] / "summarizer"
MODULES = ["article.py", "cleaning.py", "metadata.py"]
FORBIDDEN_IMPORTS = {"asyncio", "aiohttp", "discord", "aiosqlite", "sqlite3", "apscheduler"}
FORBIDDEN_CALLS = {"fetch_url", "fetch_response", "urlopen", "download"}


@pytest.mark.parametrize("module", MODULES)
def test_module_stays_pure_and_offline(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {(node.module or "").split(".")[0]}
            assert not {a.name for a in node.names} & FORBIDDEN_CALLS, module
        else:
            names = set()
        assert not names & FORBIDDEN_IMPORTS, f"{module} imports {names & FORBIDDEN_IMPORTS}"
        if isinstance(node, ast.Attribute):
            assert node.attr not in FORBIDDEN_CALLS, f"{module} uses .{node.attr}"
