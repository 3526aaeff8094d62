"""trafilatura for the article, doing only the work the article uses (issue 14,
``summarizer.page_fields``): the same body as ``bare_extraction`` with the keyword options, the
same fields as trafilatura's ``extract_metadata`` when the page's own metadata lacks them, and no
search for a field the page's metadata already gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura import metadata as trafilatura_metadata
from trafilatura.settings import set_date_params

from summarizer.metadata import PageMetadata, decode_html
from summarizer.page_fields import extract_body, page_fields

ROOT = Path(__file__).parents[2]
FOLDERS = ("tests/data/pages", "examples/pages", "tests/data/boilerplate")
FILES = sorted(page for folder in FOLDERS for page in (ROOT / folder).glob("*.html"))
FIELDS = ("title", "author", "url", "date", "sitename", "categories", "tags", "image")
URL = "https://www.exemple.fr/article/1"


def _tree(path: Path) -> lxml_html.HtmlElement | None:
    text = decode_html(path.read_bytes()) if b"\x00" not in path.read_bytes()[:1024] else ""
    if not text.strip():
        return None
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
    return lxml_html.document_fromstring(text.encode(), parser=parser)


# The hostile files among them (binary, empty) have no tree to compare: the reliability tests
# feed those to the whole extraction.
PAGES = [path for path in FILES if _tree(path) is not None]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_the_body_is_bare_extractions(path: Path) -> None:
    tree = _tree(path)
    assert tree is not None
    ours = extract_body(tree, URL)
    theirs = trafilatura.bare_extraction(
        tree, url=URL, include_comments=False, include_tables=False
    )
    if theirs is None:
        assert ours is None
        return
    assert ours is not None
    assert ours.text == theirs.text  # type: ignore[attr-defined]
    assert etree.tostring(ours.body) == etree.tostring(theirs.body)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_fields_the_page_lacks_are_extract_metadatas(path: Path) -> None:
    tree = _tree(path)
    assert tree is not None
    ours = page_fields(tree, URL, PageMetadata(), date_known=False)
    theirs = trafilatura_metadata.extract_metadata(tree, URL, set_date_params(extensive=True))
    for field in FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field


def test_what_the_page_metadata_gives_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    searched: list[str] = []
    for name in ("extract_title", "extract_author", "extract_sitename"):
        real = getattr(trafilatura_metadata, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            searched.append(_name)
            return _real(*args)

        monkeypatch.setattr(trafilatura_metadata, name, counted)
    page = (
        "<html><head><title>Le tramway | Journal</title></head><body><h1>Le tramway</h1>"
        "<p class='author'>Par Anne Dupont</p><p>" + "Le tramway roule enfin. " * 30 + "</p>"
        "</body></html>"
    )
    tree = lxml_html.document_fromstring(page)
    known = PageMetadata(
        title="Le tramway", authors=("Anne Dupont",), site_name="Journal",
        published=datetime(2026, 11, 2, tzinfo=UTC),
    )  # fmt: skip
    fields = page_fields(tree, URL, known, date_known=False)
    assert searched == [] and fields.date is None
    fields = page_fields(tree, URL, PageMetadata(), date_known=False)
    assert searched == ["extract_title", "extract_author", "extract_sitename"]
    assert (fields.title, fields.author) == ("Le tramway", "Par Anne Dupont")  # split later


def test_the_author_hint_was_written_for_the_installed_trafilatura() -> None:
    """When trafilatura's author expressions change, the hint stands aside (the full search
    runs); this test says so, so that the hint is read again against the new expressions."""
    from summarizer import page_fields as module

    assert module._hint_applies()


def test_the_author_hint_never_hides_an_author() -> None:
    """Whenever trafilatura's author search finds a name, the hint saw an element for it: on
    random pages whose elements carry class, id, rel, itemprop and data-* values, author-like
    or not, and on the repository's pages."""
    from summarizer.page_fields import _may_name_an_author

    rng = random.Random(18)
    values = "author Author-Name byline BBL writer meta date comments xiaobian channel-name post"
    values = [*values.split(), "AuthorCard", "Byline", "author name", "me"]
    attributes = ["class", "id", "rel", "itemprop", "data-testid", "data-component", "title"]
    tags = ["div", "span", "p", "a", "h3", "address", "strong", "section", "author", "rel"]
    found = 0
    for _ in range(600):
        elements = "".join(
            f"<{tag} {attribute}='{value}'>Anne Dupont et Marc Li</{tag}>"
            for tag, attribute, value in (
                (rng.choice(tags), rng.choice(attributes), rng.choice(values))
                for _ in range(rng.randint(1, 4))
            )
        )
        tree = lxml_html.document_fromstring(f"<html><body><p>Texte.</p>{elements}</body></html>")
        if trafilatura_metadata.extract_author(tree) is not None:
            found += 1
            assert _may_name_an_author(tree), elements
    assert found > 100
    for path in PAGES:
        tree = _tree(path)
        if tree is not None and trafilatura_metadata.extract_author(tree) is not None:
            assert _may_name_an_author(tree), path.name


def test_a_page_without_author_elements_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    searched: list[object] = []
    monkeypatch.setattr(trafilatura_metadata, "extract_author", searched.append)
    tree = lxml_html.document_fromstring("<html><body><p class='texte'>Un texte.</p></body></html>")
    page_fields(tree, URL, PageMetadata(), date_known=True)
    assert searched == []
    from summarizer import page_fields as module

    monkeypatch.setattr(module, "AUTHOR_XPATHS_READ", "another trafilatura")
    module._hint_applies.cache_clear()
    try:
        page_fields(tree, URL, PageMetadata(), date_known=True)
    finally:
        module._hint_applies.cache_clear()
    assert searched == [tree]  # other expressions: the full search runs
