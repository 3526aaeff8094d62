"""Issue 15: the installed ``depeche`` program (``.venv/bin/depeche``, the console script), run
in a subprocess as a person runs it: each odd option or odd input gets one French message,
the right exit status and never a traceback. Feeds and pages are files written by the tests
or served on loopback (``ALLOWED_PRIVATE_NETWORKS`` lets the program reach 127.0.0.1)."""

from __future__ import annotations

import asyncio
import fcntl
import gzip
import os
import pty
import struct
import subprocess
import sys
import termios
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from tests.servers import serve

ROOT = Path(__file__).resolve().parents[2]
DEPECHE = Path(sys.executable).with_name("depeche")
PAGE = ROOT / "examples" / "pages" / "inflation-mars.html"
FEEDS = ROOT / "tests" / "data" / "feeds"
NO_ENV = ("--env-file", "/nonexistent")
ENGLISH_CODES = ("(empty)", "too_short", "not_a_feed", "dns_error", "blocked_address", "not_found")


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str


def _env() -> dict[str, str]:
    return {**os.environ, "LOG_LEVEL": "WARNING", "ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8"}


def depeche(*args: str, cwd: Path) -> Done:
    """The real program, stdout and stderr to pipes (not a terminal)."""
    done = subprocess.run(
        [str(DEPECHE), *NO_ENV, *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return _done(done.returncode, done.stdout, done.stderr, cwd)


def _done(code: int, out: str, err: str, cwd: Path) -> Done:
    """The answer, the test's own directory named TMP (its name may hold any word)."""
    return Done(code, out.replace(str(cwd), "TMP"), err.replace(str(cwd), "TMP"))


async def depeche_async(*args: str, cwd: Path) -> Done:
    """The same, without blocking the loop that serves the test's feeds and pages."""
    process = await asyncio.create_subprocess_exec(
        str(DEPECHE), *NO_ENV, *args, cwd=cwd, env=_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return _done(process.returncode, out.decode(), err.decode(), cwd)


def _clean(done: Done) -> None:
    """What every answer shares: no traceback, no English exception, no reason code."""
    for text in (done.err, done.out):
        assert "Traceback" not in text and "Error:" not in text
        for code in ENGLISH_CODES:
            assert code not in text, code


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))


def test_the_program_is_installed() -> None:
    assert DEPECHE.is_file() and os.access(DEPECHE, os.X_OK)


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--max-sentences", "0", "--max-sentences : nombre entier au moins 1 attendu, reçu 0"),
        ("--max-sentences", "-1", "--max-sentences : nombre entier au moins 1 attendu, reçu -1"),
        ("--max-chars", "0", "--max-chars : nombre entier au moins 1 attendu, reçu 0"),
        ("--algorithm", "foo", "--algorithm : « foo » inconnu ; possibles : depeche, lead"),
    ],
)
def test_a_bad_option_is_one_french_line_and_status_2(
    option: str, value: str, words: str, tmp_path: Path
) -> None:
    done = depeche("summarize", str(PAGE), option, value, cwd=tmp_path)
    assert done.code == 2
    assert done.err.startswith("utilisation : depeche summarize")
    assert f"depeche summarize : erreur : {words}" in done.err
    assert done.out == ""
    _clean(done)
    assert "ValueError" not in done.err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ls", Path("/bin/ls").read_bytes() if Path("/bin/ls").is_file() else b"\x7fELF\0\0\0"),
        ("photo.png", _png()),
        ("archive.gz", gzip.compress(bytes(range(256)) * 64)),
    ],
)
def test_binary_input_is_refused_in_french(name: str, content: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    done = depeche("summarize", str(path), cwd=tmp_path)
    assert done.code == 1
    assert done.out == ""  # no screen of binary as a title or a summary
    assert done.err == (
        f"Erreur : TMP/{name} n'est pas un document texte (programme, image ou archive ?) : "
        "il faut une page HTML ou un fichier texte.\n"
    )
    _clean(done)


def test_the_system_ls_is_refused_too(tmp_path: Path) -> None:
    if not Path("/bin/ls").is_file():
        pytest.skip("no /bin/ls here")
    done = depeche("summarize", "/bin/ls", cwd=tmp_path)
    assert done.code == 1 and "Erreur : /bin/ls n'est pas un document texte" in done.err
    _clean(done)


def test_a_gzipped_page_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "inflation.html.gz"
    path.write_bytes(gzip.compress(PAGE.read_bytes()))
    done = depeche("summarize", str(path), cwd=tmp_path)
    assert done.code == 0, done.err
    assert done.out.startswith("L’inflation ralentit à 1,1 % sur un an en mars")
    _clean(done)


@pytest.mark.parametrize("command", ["preview", "summarize"])
def test_a_missing_file_is_said_missing(command: str, tmp_path: Path) -> None:
    done = depeche(command, "/nonexistent.xml", cwd=tmp_path)
    assert done.code == 1
    assert done.err.startswith("Erreur : fichier introuvable : /nonexistent.xml")
    assert "Cette adresse n'est pas valide" not in done.err
    _clean(done)


@pytest.mark.parametrize(
    ("command", "words"),
    [("summarize", "il faut une page HTML ou un texte"), ("preview", "il faut un fichier de flux")],
)
def test_a_directory_is_said_to_be_a_directory(command: str, words: str, tmp_path: Path) -> None:
    done = depeche(command, str(tmp_path), cwd=tmp_path)
    assert done.code == 1
    assert done.err == f"Erreur : TMP est un dossier : {words}.\n"
    _clean(done)


def test_a_file_the_system_cannot_read_says_why_in_french(tmp_path: Path) -> None:
    """/proc/self/mem opens but cannot be read from its start (EIO): the system's English words
    ("Input/output error") stay out of the message."""
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc here")
    done = depeche("summarize", "/proc/self/mem", cwd=tmp_path)
    assert done.code == 1
    assert done.err == "Erreur : impossible de lire /proc/self/mem : erreur de lecture du disque.\n"
    assert "Input/output" not in done.err
    _clean(done)


@pytest.mark.parametrize(("command", "words"), [("summarize", "une page HTML"), ("preview", "un")])
def test_an_empty_file_is_said_empty(command: str, words: str, tmp_path: Path) -> None:
    (tmp_path / "vide.html").write_bytes(b" \n\n ")
    done = depeche(command, str(tmp_path / "vide.html"), cwd=tmp_path)
    assert done.code == 1
    assert done.err.startswith(f"Erreur : TMP/vide.html est vide : il faut {words}")
    _clean(done)


@pytest.mark.parametrize("name", ["json_feed_v1.jsonfeed", "cdf_channel.cdf", "utf32_be.xml"])
def test_a_feed_given_to_summarize_points_to_preview(name: str, tmp_path: Path) -> None:
    """A feed is not a page: summarizing it as one printed its markup as a title."""
    done = depeche("summarize", str(FEEDS / name), cwd=tmp_path)
    assert done.code == 1 and done.out == ""
    assert done.err == (
        f"Erreur : {FEEDS / name} est un flux, pas une page : "
        f"« depeche preview {FEEDS / name} » montre ses articles.\n"
    )
    _clean(done)


def test_a_page_too_short_says_why_in_words(tmp_path: Path) -> None:
    path = tmp_path / "accroche.html"
    path.write_text(
        "<html><head><title>Réforme</title></head><body><article><h1>La réforme</h1><p>Le "
        "gouvernement présentera mercredi sa réforme, selon plusieurs sources.</p><p>La suite "
        "est réservée aux abonnés.</p></article></body></html>",
        encoding="utf-8",
    )
    done = depeche("summarize", str(path), cwd=tmp_path)
    assert done.code == 1
    assert "texte trop court pour un article" in done.err
    _clean(done)


@pytest.mark.parametrize("name", ["empty_rss.xml", "empty_atom.xml", "empty_json_feed.jsonfeed"])
def test_an_empty_feed_is_said_empty(name: str, tmp_path: Path) -> None:
    done = depeche("preview", str(FEEDS / name), cwd=tmp_path)
    assert done.code == 0, done.err
    assert done.out == "Ce flux est valide mais ne contient aucun article pour le moment.\n"
    assert "lisible" not in done.err
    _clean(done)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("json_feed_v11.jsonfeed", "Neige précoce : les stations ouvrent samedi"),
        ("json_feed_v1.jsonfeed", "La Fête des lumières attire les foules sur la colline"),
        ("cdf_channel.cdf", "Le marché de Noël ouvre ses chalets sur le quai"),
        ("utf32_be.xml", "Éclipse : le ciel de Brest s'assombrit"),
        ("declared_koi8_r.xml", "В Москве выпал первый снег"),
        ("declared_euc_jp.xml", "東京で初雪を観測"),
        ("script_title.xml", "Le maire inaugure la passerelle"),
    ],
)
def test_feeds_in_the_wild_preview_without_fetching(name: str, title: str, tmp_path: Path) -> None:
    done = depeche("preview", str(FEEDS / name), "--no-fetch", "--limit", "20", cwd=tmp_path)
    assert done.code == 0, done.err
    assert title in done.out.splitlines()
    for code in ("function", "window.open", "alert(", "color: red"):
        assert code not in done.out
    _clean(done)


def test_a_binary_file_is_not_a_feed_in_words(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(_png())
    done = depeche("preview", str(path), cwd=tmp_path)
    assert done.code == 1
    assert done.err == "Erreur : flux illisible : ce n'est pas un flux RSS, Atom ou JSON Feed.\n"
    _clean(done)


def test_preview_help_says_links_are_fetched_and_offers_no_fetch(tmp_path: Path) -> None:
    done = depeche("preview", "--help", cwd=tmp_path)
    assert done.code == 0
    text = " ".join(done.out.split())
    assert "Même pour un fichier local, la page de chaque article est téléchargée" in text
    assert "--no-fetch ne télécharger aucune page d'article" in text


# --- served on loopback -----------------------------------------------------------------------

EMPTY_FEED = (FEEDS / "empty_rss.xml").read_bytes()


@pytest.fixture
async def web_site() -> AsyncIterator[str]:
    async def empty(request: web.Request) -> web.Response:
        return web.Response(body=EMPTY_FEED, content_type="application/rss+xml")

    async def rss(request: web.Request) -> web.Response:
        body = (ROOT / "examples" / "feed.xml").read_bytes()
        return web.Response(body=body, content_type="application/rss+xml")

    async def json_feed(request: web.Request) -> web.Response:
        body = (FEEDS / "json_feed_v1.jsonfeed").read_bytes()
        return web.Response(body=body, content_type="application/feed+json")

    app = web.Application()
    app.router.add_get("/vide.xml", empty)
    app.router.add_get("/feed.json", json_feed)
    app.router.add_get("/flux.xml", rss)
    async with serve(app) as base_url:
        yield base_url.rstrip("/")


async def test_a_served_empty_feed_is_said_empty(web_site: str, tmp_path: Path) -> None:
    done = await depeche_async("preview", f"{web_site}/vide.xml", cwd=tmp_path)
    assert done.code == 0, done.err
    assert done.out == "Ce flux est valide mais ne contient aucun article pour le moment.\n"
    _clean(done)


async def test_a_served_json_feed_is_read(web_site: str, tmp_path: Path) -> None:
    done = await depeche_async("preview", f"{web_site}/feed.json", "--no-fetch", cwd=tmp_path)
    assert done.code == 0, done.err
    assert "Deux nouvelles pistes cyclables sur les quais" in done.out.splitlines()
    _clean(done)


async def test_a_served_feed_given_to_summarize_points_to_preview(
    web_site: str, tmp_path: Path
) -> None:
    done = await depeche_async("summarize", f"{web_site}/flux.xml", cwd=tmp_path)
    assert done.code == 1 and done.out == ""
    assert done.err == (
        f"Erreur : {web_site}/flux.xml est un flux, pas une page : "
        f"« depeche preview {web_site}/flux.xml » montre ses articles.\n"
    )
    _clean(done)


async def test_a_feed_that_cannot_be_fetched_is_called_a_feed(
    web_site: str, tmp_path: Path
) -> None:
    done = await depeche_async("preview", f"{web_site}/absent.xml", cwd=tmp_path)
    assert done.code == 1
    assert done.err == (
        "Erreur : impossible de récupérer ce flux : adresse introuvable sur le site (404).\n"
    )
    _clean(done)
    page = await depeche_async("summarize", f"{web_site}/absent.html", cwd=tmp_path)
    assert page.code == 1
    assert "Erreur : impossible de récupérer cette page : adresse introuvable" in page.err
    _clean(page)


# --- the progress bar -------------------------------------------------------------------------


def _feed_file(tmp_path: Path) -> Path:
    feed = (ROOT / "examples" / "feed.xml").read_text(encoding="utf-8")
    path = tmp_path / "flux.xml"
    path.write_text(feed.replace("https://exemple.depeche.test", "http://127.0.0.1:9"), "utf-8")
    return path


def test_no_progress_bar_when_stderr_is_a_file(tmp_path: Path) -> None:
    done = depeche("preview", str(_feed_file(tmp_path)), "--no-fetch", cwd=tmp_path)
    assert done.code == 0, done.err
    assert "\r" not in done.err and "Préparation des articles" not in done.err
    _clean(done)


def test_the_progress_bar_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    """The control of the test above: with stderr on a terminal (80 columns), the bar is there."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    command = [str(DEPECHE), *NO_ENV, "preview", str(_feed_file(tmp_path)), "--no-fetch"]
    with subprocess.Popen(
        command, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=follower
    ) as process:
        os.close(follower)
        drawn = b""
        try:
            while chunk := os.read(leader, 65536):
                drawn += chunk
        except OSError:  # EIO: the program ended and closed the terminal's other side
            pass
        finally:
            os.close(leader)
        assert process.wait(timeout=120) == 0
    assert "\rPréparation des articles:" in drawn.decode("utf-8", "replace")
