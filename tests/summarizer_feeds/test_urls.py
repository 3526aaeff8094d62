"""canonicalize_url, is_http_url, absolute_http_url and normalize_title."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls

from summarizer.errors import UrlError
from summarizer.urls import absolute_http_url, canonicalize_url, is_http_url, normalize_title


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM:80/a/./b/../c#frag", "http://www.example.com/a/c"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        (
            "https://www.lemonde.fr/a.html?utm_source=rss&utm_medium=feed",
            "https://www.lemonde.fr/a.html",
        ),
        ("https://www.lefigaro.fr/a?xtor=RSS-1&id=4", "https://www.lefigaro.fr/a?id=4"),
        ("https://x.fr/a?at_medium=RSS&at_campaign=flux&p=1", "https://x.fr/a?p=1"),
        ("https://x.fr/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&_ga=5&igshid=6", "https://x.fr/a"),
        ("https://x.fr/a?ns_source=a&ns_campaign=b&lmd_medium=al", "https://x.fr/a"),
        ("https://x.fr/a?ref_src=twsrc%5Etfw&ref=rss", "https://x.fr/a"),
        ("https://x.fr/a?ref=chapitre-2", "https://x.fr/a?ref=chapitre-2"),
        ("https://x.fr/a?b=2&a=1&b=1", "https://x.fr/a?a=1&b=2&b=1"),
        ("https://x.fr/a?&&q=%c3%a9", "https://x.fr/a?q=%C3%A9"),
        ("https://x.fr/été à/?q=è", "https://x.fr/%C3%A9t%C3%A9%20%C3%A0/?q=%C3%A8"),
        ("https://exämple.fr/", "https://xn--exmple-cua.fr/"),
        ("https://XN--EXMPLE-CUA.fr/", "https://xn--exmple-cua.fr/"),
        ("http://[::FFFF:7f00:1]:8080/", "http://[::ffff:7f00:1]:8080/"),
        ("  https://x.fr/a\n", "https://x.fr/a"),
        ("https://x.fr/100%", "https://x.fr/100%25"),
    ],
)
def test_canonical_forms(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("/a/b?utm_source=x", "https://site.fr/rss/", "https://site.fr/a/b"),
        ("../img.jpg", "https://site.fr/rss/flux.xml", "https://site.fr/img.jpg"),
        ("//cdn.site.fr/x", "https://site.fr/", "https://cdn.site.fr/x"),
        ("https://autre.fr/", "https://site.fr/", "https://autre.fr/"),
    ],
)
def test_relative_urls_resolve_against_the_base(url: str, base: str, expected: str) -> None:
    assert canonicalize_url(url, base) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "bad_scheme"),
        ("ftp://ftp.example.com/", "bad_scheme"),
        ("gopher://example.com/", "bad_scheme"),
        ("data:text/html,<b>x</b>", "bad_scheme"),
        ("javascript:alert(1)", "bad_scheme"),
        ("feed:https://example.com/rss", "bad_scheme"),
        ("mailto:redaction@example.com", "bad_scheme"),
        ("example.com/rss", "invalid_url"),
        ("//example.com/x", "invalid_url"),
        ("http:///x", "invalid_url"),
        ("http://user@127.0.0.1/", "invalid_url"),
        ("http://evil.test@127.0.0.1/", "invalid_url"),
        ("https://u:p@example.com/", "invalid_url"),
        ("http://example.com:99999/", "invalid_url"),
        ("http://exa mple.com/", "invalid_url"),
        ("http://[::1/", "invalid_url"),
        ("", "invalid_url"),
    ],
)
def test_rejected_urls(url: str, reason: str) -> None:
    """S3 and credentials: rejected before any I/O, with a reason the bot can map."""
    with pytest.raises(UrlError) as caught:
        canonicalize_url(url)
    assert caught.value.reason == reason
    assert not is_http_url(url)


def test_is_http_url() -> None:
    assert is_http_url("https://www.numerama.com/feed/")
    assert not is_http_url("feed://www.numerama.com/feed/")


def test_absolute_http_url_keeps_the_query_verbatim() -> None:
    signed = "https://cdn.example/i.jpg?z=1&utm_source=a&sig=XYZ"
    assert absolute_http_url(signed) == signed
    assert absolute_http_url("/i.png", "https://site.fr/a/") == "https://site.fr/i.png"
    assert absolute_http_url("data:image/png;base64,AA") is None
    assert absolute_http_url("javascript:x") is None


@settings(max_examples=300, deadline=None)
@given(urls())
def test_canonicalisation_is_idempotent_on_urls(url: str) -> None:
    try:
        once = canonicalize_url(url)
    except UrlError:
        return
    assert canonicalize_url(once) == once


URLISH = st.builds(
    lambda scheme, host, path, query, frag: f"{scheme}://{host}{path}?{query}#{frag}",
    st.sampled_from(["http", "https", "HTTP", "hTtPs"]),
    st.sampled_from(["Example.COM", "exämple.fr", "[::1]", "a.b.c:8080", "x.fr:443", "site.fr."]),
    st.text(alphabet="/.%aZé 0-_~:@!$&'()*+,;=", max_size=30).map(lambda p: "/" + p),
    st.text(alphabet="abAB=&%+é;_.~utm_xtor", max_size=30),
    st.text(max_size=5),
)


@settings(max_examples=500, deadline=None)
@given(URLISH)
def test_canonicalisation_is_idempotent_on_awkward_urls(url: str) -> None:
    try:
        once = canonicalize_url(url)
    except UrlError:
        return
    assert canonicalize_url(once) == once
    assert is_http_url(once)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_canonicalize_only_raises_url_error(text: str) -> None:
    with contextlib.suppress(UrlError):
        canonicalize_url(text, "https://base.example/dir/")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("  L’Élysée : «Œuvre» —  ÇA  va! ", "l elysee oeuvre ca va"),
        ("Grève SNCF : les TGV perturbés", "greve sncf les tgv perturbes"),
        ("grève sncf - les tgv perturbés...", "greve sncf les tgv perturbes"),
    ],
)
def test_normalize_title(title: str, expected: str) -> None:
    assert normalize_title(title) == expected
