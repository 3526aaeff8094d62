"""S12: entity and DTD attacks, in a feed and in an article page, against the real parsers.

Billion laughs, quadratic blow-up, external entities (a file and an HTTP URL), a parameter entity
and an external DTD. Nothing is expanded, no secret text comes out, the listener on 127.0.0.1 that
the documents point at is never contacted, and each parse stays within 10 MB of Python memory.
These pin today's feedparser, trafilatura and lxml behaviour (with ``feed_input.defuse_doctype`` in
front of feedparser) as regression tests. The checklist's < 1 s per parse is a figure, not an
assertion here: timings are never test assertions on these machines.
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from summarizer.article import extract_article
from summarizer.errors import ExtractionError, FeedError
from summarizer.feeds import parse_feed

SECRET = "MOT-DE-PASSE-SECRET"
MEMORY_CAP = 10 * 1024 * 1024
BODY = "".join(
    f"<p>Le conseil municipal a voté le budget de l'année, paragraphe {n}, après un long débat "
    "sur les transports, les écoles et la rénovation des équipements sportifs.</p>"
    for n in range(6)
)


@dataclass
class Listener:
    url: str
    hits: list[str]


@pytest.fixture
def listener() -> Iterator[Listener]:
    """An HTTP server on 127.0.0.1 that serves the secret to anyone who asks, and counts them."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = f'<!ENTITY leak "{SECRET}">'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Listener(f"http://127.0.0.1:{server.server_address[1]}", hits)
    finally:
        server.shutdown()
        server.server_close()


def doctypes(listener: Listener, secret: Path, root: str) -> dict[str, tuple[str, str]]:
    """Attack name -> (DOCTYPE, entity reference to place in the text)."""
    laughs = ['<!ENTITY lol0 "lollollollollollollollollollol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    big = "a" * 50_000
    return {
        "billion_laughs": (f"<!DOCTYPE {root} [{''.join(laughs)}]>", "&lol9;"),
        "quadratic_blowup": (
            f'<!DOCTYPE {root} [<!ENTITY big "{big}">]>',
            "&big;" * 20_000,  # 1 GB of text if expanded
        ),
        "xxe_file": (f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', "&xxe;"),
        "xxe_http": (f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{listener.url}/xxe">]>', "&xxe;"),
        "parameter_entity": (
            f'<!DOCTYPE {root} [<!ENTITY % remote SYSTEM "{listener.url}/param.dtd"> %remote;]>',
            "&leak;",
        ),
        "external_dtd": (f'<!DOCTYPE {root} SYSTEM "{listener.url}/external.dtd">', "&leak;"),
    }


ATTACKS = list(doctypes(Listener("http://127.0.0.1:9", []), Path("/s"), "rss"))


def feed_document(doctype: str, reference: str) -> bytes:
    return (
        f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>Flux {reference}'
        f"</title><item><title>Budget {reference}</title><link>https://exemple.fr/budget</link>"
        f"<description>Le budget est voté. {reference}</description></item></channel></rss>"
    ).encode()


def page_document(doctype: str, reference: str) -> bytes:
    return (
        f'<?xml version="1.0"?>{doctype}<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f"<title>Budget voté {reference}</title></head><body><article><h1>Budget voté</h1>{BODY}"
        f"<p>{reference}</p></article></body></html>"
    ).encode()


def parse_feed_texts(data: bytes) -> list[str]:
    try:
        feed = parse_feed(data)
    except FeedError:
        return []
    return [feed.title] + [part for e in feed.entries for part in (e.title, e.summary)]


def extract_page_texts(data: bytes) -> list[str]:
    try:
        article = extract_article(data, url="https://exemple.fr/budget")
    except ExtractionError:
        return []
    return [article.title, article.text]


PARSERS: dict[str, tuple[str, Callable[[str, str], bytes], Callable[[bytes], list[str]]]] = {
    "feed": ("rss", feed_document, parse_feed_texts),
    "page": ("html", page_document, extract_page_texts),
}


@pytest.mark.parametrize("where", list(PARSERS))
@pytest.mark.parametrize("attack", ATTACKS)
def test_s12_entities_and_dtds_are_never_expanded_nor_fetched(
    attack: str, where: str, listener: Listener, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    root, build, parse = PARSERS[where]
    doctype, reference = doctypes(listener, secret, root)[attack]
    data = build(doctype, reference)
    tracemalloc.start()
    try:
        texts = parse(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert listener.hits == []
    assert all(SECRET not in text for text in texts)
    assert all("lollollollollollollollollollollollol" not in text for text in texts)
    assert all("a" * 1000 not in text for text in texts)
    assert sum(map(len, texts)) < len(data) + 1000  # nothing grew beyond the document itself
    assert peak < MEMORY_CAP, f"{peak / 1e6:.1f} MB"
    if where == "page":  # the article itself still comes through
        assert any("conseil municipal" in text for text in texts)
