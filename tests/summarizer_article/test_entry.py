"""``article_from_entry``: the feed's own content when the page is unavailable."""

from __future__ import annotations

from datetime import UTC, datetime

from summarizer.article import article_from_entry, html_to_text
from summarizer.model import Entry, TextOrigin

CONTENT = """
<p>La mairie de Nantes a annoncé <strong>la gratuité</strong> des transports le week-end.</p>
<h2>Un coût de 3,5 millions d’euros</h2>
<p>La mesure coûtera environ 3,5 millions d’euros par an, selon l’adjoint aux mobilités.<br>
Elle entrera en vigueur le 1er septembre.</p>
<script>alert("x")</script>
<p>À lire aussi : Les bus électriques arrivent à Rennes</p>
<p>Source : Ouest Matin</p>
<p>L’article La gratuité des transports à Nantes est apparu en premier sur Ouest Matin.</p>
"""
PUBLISHED = datetime(2025, 5, 14, 8, 0, tzinfo=UTC)


def _entry(**changes: object) -> Entry:
    fields: dict[str, object] = {
        "key": "guid-1",
        "title": "Nantes rend ses transports gratuits le week-end",
        "link": "https://exemple.depeche.test/nantes-transports",
        "summary": "La mairie de Nantes annonce la gratuité des transports le week-end.",
        "content_html": CONTENT,
        "authors": ("Ana Li",),
        "categories": ("Mobilités",),
        "published": PUBLISHED,
        "image": "https://exemple.depeche.test/img/tram.jpg",
    }
    fields.update(changes)
    return Entry(**fields)  # type: ignore[arg-type]


def test_content_html_is_cleaned_to_paragraphs() -> None:
    article = article_from_entry(_entry())
    assert article.origin is TextOrigin.FEED
    assert article.text.split("\n\n") == [
        "La mairie de Nantes a annoncé la gratuité des transports le week-end.",
        "La mesure coûtera environ 3,5 millions d’euros par an, selon l’adjoint aux mobilités.",
        "Elle entrera en vigueur le 1er septembre.",
    ]
    assert article.source == "Ouest Matin"
    assert article.title == "Nantes rend ses transports gratuits le week-end"
    assert article.url == "https://exemple.depeche.test/nantes-transports"
    assert article.authors == ("Ana Li",)
    assert article.categories == ("Mobilités",)
    assert article.published == PUBLISHED
    assert article.image == "https://exemple.depeche.test/img/tram.jpg"


def test_summary_is_used_without_content() -> None:
    article = article_from_entry(_entry(content_html=""))
    assert article.text == "La mairie de Nantes annonce la gratuité des transports le week-end."


def test_entry_without_any_text_gives_an_empty_article() -> None:
    article = article_from_entry(_entry(content_html="", summary="", authors=()))
    assert article.text == ""
    assert article.title.startswith("Nantes")


def test_non_http_image_is_dropped() -> None:
    assert article_from_entry(_entry(image="javascript:alert(1)")).image is None


def test_html_to_text_reports_headings_and_drops_scripts() -> None:
    text, headings = html_to_text(CONTENT)
    assert headings == ("Un coût de 3,5 millions d’euros",)
    assert "alert" not in text
    assert "la gratuité des transports" in text
