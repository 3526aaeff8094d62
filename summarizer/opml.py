"""OPML, pure: the subscriptions of a server written as an OPML 2.0 document, and the feed
outlines of an OPML document read back, with the XML safety feeds get.

Reading refuses what a hostile file could use: a document over ``MAX_BYTES``, any DOCTYPE (so
no entity can expand, the « billion laughs », and no external entity or DTD is ever fetched:
lxml parses with entities unresolved, no network, no DTD), more than ``MAX_OUTLINES`` outlines,
and a root that is not ``<opml>``. Outlines nest (folders): every outline with an ``xmlUrl``
counts, wherever it is; its ``text`` (or ``title``) names it. Nothing here fetches anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from summarizer.errors import SummarizerError

MAX_BYTES = 1024 * 1024
MAX_OUTLINES = 1000
TEXT_MAX = 300


class OpmlError(SummarizerError):
    """The file is no OPML document the bot reads (``reason``; ``detail`` in French)."""


@dataclass(frozen=True, slots=True)
class Outline:
    xml_url: str
    title: str = ""
    html_url: str | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )  # fmt: skip


def parse_opml(data: bytes) -> list[Outline]:
    """The feed outlines of ``data``, in document order, duplicates kept once; raises
    ``OpmlError`` (French ``detail``) for anything else."""
    if len(data) > MAX_BYTES:
        raise OpmlError("too_large", detail=f"le fichier dépasse {MAX_BYTES // 1024} Kio")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise OpmlError("doctype", detail="une déclaration DOCTYPE ou ENTITY est refusée")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise OpmlError("invalid_xml", detail="ce n'est pas un document XML lisible") from exc
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise OpmlError("not_opml", detail="ce n'est pas un fichier OPML (pas de balise <opml>)")
    found: list[Outline] = []
    seen: set[str] = set()
    for count, node in enumerate(root.iter("{*}outline", "outline")):
        if count >= MAX_OUTLINES:
            raise OpmlError("too_many", detail=f"plus de {MAX_OUTLINES} entrées")
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        title = " ".join((node.get("text") or node.get("title") or "").split())[:TEXT_MAX]
        html = (node.get("htmlUrl") or node.get("htmlurl") or "").strip() or None
        found.append(Outline(url, title, html))
    return found


def render_opml(title: str, outlines: Sequence[Outline], *, now: datetime | None = None) -> bytes:
    """An OPML 2.0 document of ``outlines`` (type ``rss``), UTF-8 with its declaration."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = etree.SubElement(root, "body")
    for outline in outlines:
        node = etree.SubElement(body, "outline", type="rss")
        node.set("text", outline.title or outline.xml_url)
        node.set("title", outline.title or outline.xml_url)
        node.set("xmlUrl", outline.xml_url)
        if outline.html_url:
            node.set("htmlUrl", outline.html_url)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
