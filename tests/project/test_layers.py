"""The layout as a rule (docs/architecture.md): rooms that only know the rooms below them, and no
import circle anywhere in bot/, storage/ or summarizer/.

Every import counts: at module level, inside a function, under ``TYPE_CHECKING``. An import of a
package counts as an import of its ``__init__`` module; ``from bot.run import console`` counts as
an import of ``bot.run.console``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("summarizer", "storage", "bot")

# From the bottom up: a module may import its own room and the rooms before it, never after.
ROOMS: tuple[str, ...] = (
    "summarizer",  # the pure core
    "storage",  # all the SQL
    "bot.base",  # bot/errors.py, bot/settings.py, bot/clock.py
    "bot.net",  # fetch: the guarded network client
    "bot.news",  # parse -> extract -> summarize -> store: the poll cycle
    "bot.delivery",  # publish: outbox, rendering, the Publisher seam
    "bot.discord",  # Discord: the app, cogs, the Discord publisher and notifier
    "bot.run",  # entry points: CLI, run modes, wiring, scheduler
)
BASE = {"bot.errors", "bot.settings", "bot.clock", "bot"}
ENTRY = {"bot.__main__"}  # ``python -m bot``: above everything


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imported(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """The project modules named by every import statement of a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                child = f"{module}.{alias.name}"
                yield child if child in known else module


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = imported(tree, name, path.name == "__init__.py", known)
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def room_of(module: str) -> int:
    if module in ENTRY:
        return len(ROOMS)
    if module in BASE:
        return ROOMS.index("bot.base")
    for index in range(len(ROOMS) - 1, -1, -1):
        room = ROOMS[index]
        if module == room or module.startswith(room + "."):
            return index
    raise AssertionError(f"{module} is in no room: add it to ROOMS or move it")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_anywhere() -> None:
    assert cycles(import_graph()) == []


def test_each_room_imports_only_rooms_below_it() -> None:
    upward = [
        f"{module} ({ROOMS[room_of(module)] if module not in ENTRY else 'entry'}) imports "
        f"{target} ({ROOMS[room_of(target)]})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if room_of(target) > room_of(module)
    ]
    assert upward == []


def third_party(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("room", ["bot/net", "bot/news", "bot/delivery"])
def test_the_pipeline_and_the_network_client_never_import_discord(room: str) -> None:
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / room).rglob("*.py"))
        if "discord" in third_party(path)
    ]
    assert offenders == []


def test_the_network_client_knows_nothing_of_the_pipeline() -> None:
    graph = import_graph()
    offenders = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.startswith("bot.net")
        for target in targets
        if not (target.startswith("bot.net") or target in BASE)
    ]
    assert offenders == []


def test_the_checker_sees_a_circle_and_an_upward_import() -> None:
    """The two rules above fail on the graphs they exist to refuse."""
    circle = {"bot.news.engine": {"bot.news.backfill"}, "bot.news.backfill": {"bot.news.engine"}}
    assert cycles(circle) == [["bot.news.backfill", "bot.news.engine"]]
    assert room_of("bot.news.engine") < room_of("bot.discord.app")
    tree = ast.parse("def f():\n    from bot.discord.app import DepecheBot\n")
    known = {"bot.discord.app"}
    assert list(imported(tree, "bot.news.engine", False, known)) == ["bot.discord.app"]
    typed = ast.parse("if TYPE_CHECKING:\n    from bot.run import console\n")
    assert list(imported(typed, "bot.news.x", False, {"bot.run.console"})) == ["bot.run.console"]
