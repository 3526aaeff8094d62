"""Settings: one object, built from a mapping; every field documented in .env.example."""

from __future__ import annotations

import ast
import ipaddress
import re
from dataclasses import fields
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Z_][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def test_every_setting_is_in_env_example_with_a_french_comment() -> None:
    names = _example_names()
    expected = {field.name.upper() for field in fields(Settings)}
    assert expected <= set(names), f"missing from .env.example: {expected - set(names)}"
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line) and line.split("=")[0] not in {"DISCORD_GATEWAY_URL"}:
            assert lines[index - 1].startswith("#"), f"{line} has no comment above it"


def test_env_example_values_parse_to_the_defaults() -> None:
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            pairs[name] = value
    assert Settings.from_mapping(pairs) == Settings()


def test_parsing_of_typed_values() -> None:
    settings = Settings.from_mapping(
        {
            "DISCORD_GUILD_ID": "123456789012345678",
            "POLL_INTERVAL_MINUTES": "3",
            "DEFAULT_FEEDS": "le-monde, 01net ,",
            "ALLOWED_PRIVATE_NETWORKS": "192.168.1.0/24,10.0.0.5",
            "SHARD_IDS": "0,1",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.discord_guild_id == 123456789012345678
    assert settings.poll_interval_minutes == 3
    assert settings.default_feeds == ("le-monde", "01net")
    assert settings.allowed_private_networks == (
        ipaddress.ip_network("192.168.1.0/24"),
        ipaddress.ip_network("10.0.0.5/32"),
    )
    assert settings.shard_ids == (0, 1)
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POLL_INTERVAL_MINUTES", "souvent"),
        ("POLL_INTERVAL_MINUTES", "0"),
        ("TIMEZONE", "Mars/Olympus_Mons"),
        ("ALLOWED_PRIVATE_NETWORKS", "pas-un-réseau"),
        ("LOG_LEVEL", "BAVARD"),
    ],
)
def test_bad_values_give_a_french_message_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_mapping({name: value})


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POLL_INTERVAL_MINUTES=7\nSUMMARY_MAX_CHARS=300\n", encoding="utf-8")
    monkeypatch.setenv("POLL_INTERVAL_MINUTES", "9")
    settings = load_settings(env_file)
    assert settings.poll_interval_minutes == 9
    assert settings.summary_max_chars == 300


def test_settings_module_does_not_read_the_environment_at_import() -> None:
    tree = ast.parse((ROOT / "bot" / "settings.py").read_text(encoding="utf-8"))
    inside_functions = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef)
        for node in ast.walk(func)
    }
    environ_uses = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}
    ]
    assert environ_uses, "load_settings reads os.environ"
    assert all(id(node) in inside_functions for node in environ_uses)


def test_s24_the_token_never_appears_in_the_settings_repr() -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.fake-token-for-the-repr-test"
    settings = Settings(discord_token=token)
    assert settings.has_token
    assert token not in repr(settings) and token not in str(settings)
    assert "discord_guild_id" in repr(settings)  # the rest is still shown


def test_database_url_chooses_the_backend_and_wins_over_database_path() -> None:
    assert Settings.from_mapping({}).database == Path("depeche.db")
    assert Settings.from_mapping({"DATABASE_PATH": "a.db"}).database == Path("a.db")
    both = {"DATABASE_PATH": "a.db", "DATABASE_URL": "sqlite:///data/b.db"}
    assert Settings.from_mapping(both).database == Path("data/b.db")
    url = "postgresql://depeche:secret@db.example/depeche"
    assert Settings.from_mapping({"DATABASE_URL": url}).database == url
    assert Settings.from_mapping({"DATABASE_URL": " "}).database == Path("depeche.db")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_mapping({"DATABASE_URL": "mysql://h/d"})
