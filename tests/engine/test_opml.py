"""OPML: the pure reader refuses what a hostile file could use (entities, external DTDs, a huge
or deep file, no <opml>) and reads nested outlines once each; the CLI's export and import make a
round trip on a real database and a loopback feed server, each outline validated as /feed add
does (added, already there, refused and why), nothing old posted."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.run import cli, opml_cli
from bot.run.console import UserFacingError
from bot.settings import Settings
from storage.storage import Storage
from summarizer.opml import MAX_BYTES, MAX_OUTLINES, OpmlError, Outline, parse_opml, render_opml
from tests.engine.feedserver import FeedState, feed_app
from tests.servers import serve

NOW = datetime.now(UTC)
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://a.example/rss"/></body></opml>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">
<opml version="2.0"><body><outline xmlUrl="https://a.example/rss"/></body></opml>"""
NESTED = """<?xml version="1.0" encoding="utf-8"?>
<opml version="1.0"><head><title>Mes flux</title></head><body>
<outline text="Actualité">
  <outline text="Le  Journal" type="rss" xmlUrl="https://journal.example/rss"
           htmlUrl="https://journal.example/"/>
  <outline text="Doublon" xmlUrl="https://journal.example/rss"/>
</outline>
<outline title="Radio" xmlUrl="https://radio.example/flux.xml"/>
<outline text="Un dossier sans flux"/>
</body></opml>""".encode()


def test_the_reader_refuses_what_a_hostile_file_could_use() -> None:
    for data, reason in (
        (LAUGHS, "doctype"),
        (EXTERNAL, "doctype"),
        (b"<rss><channel/></rss>", "not_opml"),
        (b"\x00\x01 pas du XML", "invalid_xml"),
        (b"<opml>" + b" " * MAX_BYTES + b"</opml>", "too_large"),
    ):
        with pytest.raises(OpmlError) as caught:
            parse_opml(data)
        assert caught.value.reason == reason and caught.value.detail
    many = "".join(f'<outline xmlUrl="https://a.example/{n}"/>' for n in range(MAX_OUTLINES + 1))
    with pytest.raises(OpmlError):
        parse_opml(f"<opml><body>{many}</body></opml>".encode())


def test_nested_outlines_are_read_once_each_and_written_back() -> None:
    outlines = parse_opml(NESTED)
    assert outlines == [
        Outline("https://journal.example/rss", "Le Journal", "https://journal.example/"),
        Outline("https://radio.example/flux.xml", "Radio", None),
    ]
    assert parse_opml(render_opml("Abonnements", outlines)) == outlines


def _settings(tmp_path: Path) -> Settings:
    return replace(
        Settings(database_path=tmp_path / "depeche.db"),
        allowed_private_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        max_feeds_per_guild=3,
    )


async def test_export_then_import_is_a_round_trip(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    state = FeedState(etag=None)
    state.add("1", title="La médiathèque ouvre")
    async with serve(feed_app(state)) as base:
        state.base = base
        feed_url = f"{base}/feed.xml"
        storage = await Storage.open(settings.database_path)
        feed = await storage.add_feed(feed_url, now=NOW, title="Le Journal de Test")
        await storage.add_subscription(guild_id=7, channel_id=70, feed_id=feed.id, now=NOW)
        await storage.close()
        data = await opml_cli.export_data(settings, 7)
        path = tmp_path / "abonnements.opml"
        assert opml_cli.write_file(path, data) == 1
        assert parse_opml(path.read_bytes()) == [Outline(feed_url, "Le Journal de Test", None)]

        extra = [
            Outline("ftp://journal.example/rss", "FTP"),
            Outline("http://127.0.0.1:9/flux.xml", "Fermé"),
        ]
        outlines = [*opml_cli.outlines_of(path), *extra]
        report = await opml_cli.import_outlines_into(settings, outlines, guild_id=8, channel_id=80)
        assert [line.status for line in report.lines] == ["ajouté", "refusé", "refusé"]
        assert all(line.reason for line in report.lines[1:])
        again = await opml_cli.import_outlines_into(
            settings, outlines[:1], guild_id=8, channel_id=80
        )
        assert [line.status for line in again.lines] == ["déjà là"]
        text = report.french()
        assert text.startswith("Import OPML : 1 ajouté(s), 0 déjà là, 2 refusé(s).")
    storage = await Storage.open(settings.database_path)
    try:
        [sub] = await storage.list_for_guild(8)
        assert sub.channel_id == 80 and sub.feed_id == feed.id  # the same feed, reused
        assert await storage.list_posts() == []  # nothing old posted
    finally:
        await storage.close()


def test_the_cli_says_what_is_wrong_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_PATH={tmp_path / 'depeche.db'}\n", encoding="utf-8")
    assert cli.main(["--env-file", str(env), "opml", "import", str(tmp_path / "absent.opml"),
                     "--guild", "1", "--channel", "2"]) == 1  # fmt: skip
    assert "fichier introuvable" in capsys.readouterr().err
    bad = tmp_path / "rires.opml"
    bad.write_bytes(LAUGHS)
    assert cli.main(["--env-file", str(env), "opml", "import", str(bad),
                     "--guild", "1", "--channel", "2"]) == 1  # fmt: skip
    assert "DOCTYPE" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:  # argparse: --guild and --channel required
        cli.main(["--env-file", str(env), "opml", "import", str(bad)])
    assert exited.value.code == 2
    assert "il manque" in capsys.readouterr().err
    out = tmp_path / "vide.opml"
    assert cli.main(["--env-file", str(env), "opml", "export", str(out)]) == 0
    assert "0 flux écrits" in capsys.readouterr().out and parse_opml(out.read_bytes()) == []
    with pytest.raises(UserFacingError):
        opml_cli.read_file(tmp_path)
