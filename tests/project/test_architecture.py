"""Static guards over the code (reliability T5, house style): they read source, not behaviour."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "summarizer", "storage")
IMPURE = {"asyncio", "aiohttp", "discord", "aiosqlite", "sqlite3", "apscheduler"}


def _sources(*packages: str) -> Iterator[tuple[Path, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    yield from (node for node in ast.walk(tree) if isinstance(node, ast.Call))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def test_the_core_imports_no_io_library() -> None:
    offenders = []
    for path, tree in _sources("summarizer"):
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in IMPURE]
    assert offenders == []


def test_sql_lives_in_storage_only() -> None:
    offenders = []
    for path, tree in _sources("bot", "summarizer"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                if module and module.split(".")[0] in {"aiosqlite", "sqlite3"}:
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_feedparser_is_only_given_bytes_in_one_place() -> None:
    """S8, T5: never feedparser.parse(<url or path>); the one call site passes a bytes variable."""
    sites = []
    for path, tree in _sources(*PACKAGES):
        for call in _calls(tree):
            if _dotted(call.func) == "feedparser.parse":
                sites.append((path.relative_to(ROOT).as_posix(), call))
    assert [site for site, _ in sites] == ["summarizer/feeds.py"]
    for _, call in sites:
        argument = call.args[0]
        assert not isinstance(argument, ast.Constant | ast.JoinedStr)


def test_no_download_helpers_anywhere() -> None:
    """S8, T5 and the offline rule: no trafilatura.fetch_url, no nltk.download."""
    for path, tree in _sources(*PACKAGES):
        for call in _calls(tree):
            name = _dotted(call.func)
            assert not name.endswith("fetch_url"), path
            assert name != "nltk.download", path


def test_one_http_client_module() -> None:
    """T5 (harness item 8): aiohttp.ClientSession is created only by the guarded client."""
    sites = {
        path.relative_to(ROOT).as_posix()
        for path, tree in _sources(*PACKAGES)
        for call in _calls(tree)
        if _dotted(call.func).endswith("ClientSession")
    }
    assert sites <= {"bot/net/client.py"}


def test_allowed_mentions_are_never_wider_than_none_or_explicit_users() -> None:
    """T5 and S18: no allowed_mentions argument opens everyone, roles or all mentions."""
    for path, tree in _sources("bot"):
        for call in _calls(tree):
            for keyword in call.keywords:
                if keyword.arg != "allowed_mentions":
                    continue
                value = keyword.value
                text = ast.unparse(value)
                assert "everyone=True" not in text and "roles=True" not in text, path
                assert "AllowedMentions.all" not in text, path


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_small(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines"


def test_the_core_downloads_nothing() -> None:
    """The pure core never fetches: no download helper is imported or called in summarizer/."""
    forbidden = {"fetch_url", "fetch_response", "urlopen", "download"}
    for path, tree in _sources("summarizer"):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not {alias.name for alias in node.names} & forbidden, path
            if isinstance(node, ast.Attribute):
                assert node.attr not in forbidden, f"{path.name} uses .{node.attr}"
