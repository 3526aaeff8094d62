"""The French source catalogue and its lookups."""

from __future__ import annotations

import re

import pytest

from summarizer.catalogue import CATALOGUE, find_source, search_sources
from summarizer.urls import canonicalize_url

REQUIRED = {
    "01net", "le-monde", "franceinfo", "le-figaro", "liberation", "20-minutes", "numerama",
    "frandroid", "les-numeriques", "next", "france-24", "rfi", "ouest-france", "l-equipe",
    "courrier-international", "le-parisien", "mediapart", "les-echos", "bfmtv", "korben",
}  # fmt: skip


def test_the_catalogue_is_complete_and_well_formed() -> None:
    slugs = [source.slug for source in CATALOGUE]
    assert len(CATALOGUE) >= 18
    assert len(set(slugs)) == len(slugs)
    assert set(slugs) >= REQUIRED
    for source in CATALOGUE:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", source.slug)
        assert source.feed_url.startswith("https://")
        assert canonicalize_url(source.feed_url)
        assert canonicalize_url(source.site_url)
        assert source.name and source.description


def test_no_two_sources_share_a_lookup_form() -> None:
    for source in CATALOGUE:
        for name in (source.slug, source.name, *source.aliases):
            assert find_source(name) is source, name


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("Le Monde", "le-monde"),
        ("le-monde", "le-monde"),
        ("LEMONDE", "le-monde"),
        ("  le   monde ", "le-monde"),
        ("l'equipe", "l-equipe"),
        ("L'Équipe", "l-equipe"),
        ("L’ÉQUIPE", "l-equipe"),
        ("Libération", "liberation"),
        ("libe", "liberation"),
        ("France Info", "franceinfo"),
        ("Ouest France", "ouest-france"),
        ("next inpact", "next"),
        ("01NET", "01net"),
    ],
)
def test_find_source(query: str, slug: str) -> None:
    found = find_source(query)
    assert found is not None and found.slug == slug


@pytest.mark.parametrize("query", ["", "   ", "Le Journal Imaginaire", "-"])
def test_unknown_sources(query: str) -> None:
    assert find_source(query) is None


def test_search_sources_for_autocomplete() -> None:
    assert [s.slug for s in search_sources("le m")][:1] == ["le-monde"]
    assert "les-numeriques" in [s.slug for s in search_sources("numér")]
    assert [s.slug for s in search_sources("equi")] == ["l-equipe"]
    assert len(search_sources("", limit=5)) == 5
    assert len(search_sources("")) == min(25, len(CATALOGUE))
    assert search_sources("zzz") == []
