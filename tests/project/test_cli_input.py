"""Issue 15: the ``depeche`` command on bad options and odd input, run as a person would: the
real ``main()`` (or the real program in a subprocess) on files written in ``tmp_path``."""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from bot.run import cli
from tests.project.conftest import ExampleSite

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "examples" / "pages" / "inflation-mars.html"
NO_ENV = ["--env-file", "/nonexistent"]
EMPTY_RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog neuf</title>'
    "<link>https://blog.exemple.fr/</link><description>Bientôt des articles</description>"
    "</channel></rss>"
)


pytestmark = pytest.mark.usefixtures("restore_logging")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0"))


def _depeche(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real program, stdout and stderr to pipes (not a terminal)."""
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *NO_ENV, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--max-sentences", "0", "nombre entier au moins 1 attendu, reçu 0"),
        ("--max-sentences", "-1", "nombre entier au moins 1 attendu, reçu -1"),
        ("--max-chars", "0", "nombre entier au moins 1 attendu, reçu 0"),
        ("--max-sentences", "trois", "nombre entier attendu, reçu « trois »"),
        ("--algorithm", "foo", "« foo » inconnu ; possibles : depeche, lead"),
    ],
)
def test_a_bad_summarize_option_is_a_french_usage_error(
    option: str, value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main([*NO_ENV, "summarize", str(PAGE), option, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : depeche summarize")
    assert f"depeche summarize : erreur : {option} : {words}" in err


def test_argparse_own_errors_are_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main([*NO_ENV, "summarize"])
    assert "erreur : il manque : SOURCE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main([*NO_ENV, "publier"])
    assert "erreur : COMMANDE : choix inconnu 'publier' (possibles : 'run'" in (
        capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        cli.main([*NO_ENV, "preview", "le-monde", "--limit", "21"])
    assert "--limit : nombre entier de 1 à 20 attendu, reçu 21" in capsys.readouterr().err


def test_the_real_program_answers_bad_options_without_a_traceback(tmp_path: Path) -> None:
    done = _depeche("summarize", str(PAGE), "--max-chars", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "--max-chars : nombre entier au moins 1 attendu" in done.stderr
    assert "Traceback" not in done.stderr and "ValueError" not in done.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("programme", Path(sys.executable).resolve().read_bytes()[:200_000]),
        ("image.png", _png()),
        ("archive.gz", gzip.compress(bytes(range(256)) * 64)),
    ],
)
def test_summarize_refuses_binary_input(
    name: str, content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert cli.main([*NO_ENV, "summarize", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing of the blob is printed as a title or a summary
    assert f"Erreur : {path} n'est pas un document texte" in captured.err


def test_summarize_reads_a_gzipped_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inflation.html.gz"
    path.write_bytes(gzip.compress(PAGE.read_bytes()))
    assert cli.main([*NO_ENV, "summarize", str(path)]) == 0
    assert capsys.readouterr().out.startswith("L’inflation ralentit à 1,1 % sur un an en mars")


def test_summarize_says_a_truncated_gzip_file_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "coupé.html.gz"
    path.write_bytes(gzip.compress(PAGE.read_bytes())[:40])
    assert cli.main([*NO_ENV, "summarize", str(path)]) == 1
    assert "fichier gzip illisible ou tronqué" in capsys.readouterr().err


def test_summarize_a_page_too_short_says_why_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "accroche.html"
    path.write_text(
        "<html><head><title>Réforme</title></head><body><article><h1>Réforme des retraites</h1>"
        "<p>Le gouvernement présentera mercredi une nouvelle version de la réforme des retraites "
        "devant le conseil des ministres, selon plusieurs sources concordantes.</p>"
        "<p>La suite de cet article est réservée aux abonnés.</p></article></body></html>",
        encoding="utf-8",
    )
    assert cli.main([*NO_ENV, "summarize", str(path)]) == 1
    err = capsys.readouterr().err
    assert "texte trop court pour un article" in err
    assert "too_short" not in err  # the code is for the log only


def test_preview_of_a_missing_file_says_the_file_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([*NO_ENV, "preview", "/nonexistent.xml"]) == 1
    err = capsys.readouterr().err
    assert "Erreur : fichier introuvable : /nonexistent.xml" in err
    assert "http ou https" in err and "Cette adresse n'est pas valide" not in err


def test_preview_of_an_empty_feed_says_it_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "vide.xml"
    path.write_text(EMPTY_RSS, encoding="utf-8")
    assert cli.main([*NO_ENV, "preview", str(path)]) == 0
    assert (
        capsys.readouterr().out
        == "Ce flux est valide mais ne contient aucun article pour le moment.\n"
    )
    assert cli.main([*NO_ENV, "preview", str(path), "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_preview_of_a_binary_file_is_not_a_feed_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(_png())
    assert cli.main([*NO_ENV, "preview", str(path)]) == 1
    err = capsys.readouterr().err
    assert "flux illisible : ce n'est pas un flux RSS, Atom ou JSON Feed" in err
    assert "not_a_feed" not in err


def test_a_feed_that_cannot_be_fetched_is_called_a_feed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([*NO_ENV, "preview", "http://127.0.0.1:9/flux.xml"]) == 1
    err = capsys.readouterr().err
    assert "impossible de récupérer ce flux : adresse du réseau interne, refusée" in err
    assert "cette page" not in err and "blocked_address" not in err


async def test_preview_no_fetch_reads_the_feed_alone(site: ExampleSite, tmp_path: Path) -> None:
    from bot.run.oneshot import local_feed, preview
    from tests.project.test_cli import _settings

    path = tmp_path / "flux.xml"
    path.write_text(site.feed(), encoding="utf-8")
    local = local_feed(str(path))
    items = await preview(_settings(tmp_path), str(path), limit=2, local=local, fetch_pages=False)
    assert [item.article.title for item in items] == [
        "Un satellite conçu à Toulouse va mesurer la fonte des glaciers alpins",
        "Canicule : les écoles de 16 départements autorisées à fermer vendredi après-midi",
    ]
    assert all(str(item.article.origin) == "feed" for item in items)
    assert site.hits == {}  # no page fetched
    await preview(_settings(tmp_path), str(path), limit=1, local=local)
    assert site.hits.get("satellite-toulouse") == 1  # a local feed's links are still fetched


def test_preview_help_says_local_files_fetch_each_link(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["preview", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Même pour un fichier local, la page de chaque article est téléchargée" in out
    assert "--no-fetch" in out and "options:" in out and "afficher cette aide" in out


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    feed = (ROOT / "examples" / "feed.xml").read_text(encoding="utf-8")
    path = tmp_path / "flux.xml"
    path.write_text(feed.replace("https://exemple.depeche.test", "http://127.0.0.1:9"), "utf-8")
    done = _depeche("preview", str(path), "--no-fetch", "--limit", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    underlines = [line for line in done.stdout.splitlines() if set(line) == {"="}]
    assert len(underlines) == 3
    assert "\r" not in done.stderr and "Préparation des articles" not in done.stderr
