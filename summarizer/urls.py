"""URL canonicalisation and title normalisation (the identity of links and articles).

``canonicalize_url`` gives one spelling per resource so that the same article reached through a
newsletter, a social network or the feed compares equal: scheme and host lowercased, IDNA hosts,
no default port, no fragment, no tracking parameters, remaining parameters sorted by name.
It only accepts absolute http(s) URLs without credentials (reliability S2/S3); the network guard
in ``bot/`` still checks the resolved address before any request.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import idna

from summarizer.errors import UrlError

HTTP_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 4096

# Parameters that never identify a resource (compared case-insensitively).
TRACKING_PARAMS = frozenset(
    {
        "xtor", "xts", "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
        "oly_anon_id", "oly_enc_id", "vero_id", "wt.mc_id", "wt_mc", "ref_src", "ref_url",
        "s_cid", "cmpid", "ito", "__twitter_impression", "guccounter", "spm",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "at_", "ns_", "lmd_", "pk_", "mtm_", "hsa_")
# Generic "where did you come from" parameters: tracking only with a channel-like value.
SOURCE_PARAMS = frozenset({"ref", "source", "src", "from", "via", "origin", "origine"})
SOURCE_VALUES = frozenset(
    {
        "rss", "feed", "feeds", "flux", "atom", "twitter", "x", "facebook", "fb", "tw",
        "linkedin", "newsletter", "nl", "email", "mail", "social", "share", "partage",
        "homepage", "home", "hp", "google", "gnews", "googlenews", "flipboard", "msn",
    }
)  # fmt: skip

_HOST_RE = re.compile(
    r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$"
)
_LONE_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE_RE = re.compile(r"%[0-9a-f]{2}", re.IGNORECASE)
_STRIPPED_RE = re.compile(r"[\x00-\x20\x7f]")  # WHATWG drops tabs/newlines; we drop all controls
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/?:@!$'()*+,;-._~%="


def _fail(reason: str, url: str, detail: str) -> UrlError:
    return UrlError(reason, url=url[:200], detail=detail)


def _clean(text: str) -> str:
    return _STRIPPED_RE.sub("", text.strip().replace(" ", "%20"))


def _quote(text: str, safe: str) -> str:
    """Percent-encode ``text`` idempotently: keep valid escapes (uppercased), fix lone '%'."""
    text = _LONE_PERCENT_RE.sub("%25", text)
    text = _ESCAPE_RE.sub(lambda m: m.group(0).upper(), text)
    return quote(text, safe=safe, encoding="utf-8", errors="strict")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 on an absolute path."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def _canonical_host(host: str, url: str) -> str:
    if not host:
        raise _fail("invalid_url", url, "no host")
    if "%" in host:
        raise _fail("invalid_url", url, "escaped or scoped host")
    if host.startswith("[") or ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host.strip('[]')).compressed}]"
        except ValueError as error:
            raise _fail("invalid_url", url, "bad IPv6 literal") from error
    host = host.lower()
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as error:
            raise _fail("invalid_url", url, "bad international host") from error
    if not _HOST_RE.match(host) or len(host) > 253:
        raise _fail("invalid_url", url, "bad host")
    return host


def _is_tracking(name: str, value: str) -> bool:
    key = unquote(name).strip().lower()
    if key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES):
        return True
    if key in SOURCE_PARAMS:
        val = unquote(value.replace("+", " ")).strip().lower()
        return val in SOURCE_VALUES or val.startswith(("twsrc", "rss", "newsletter"))
    return False


def _canonical_query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name, value = _quote(name, _QUERY_SAFE.replace("=", "")), _quote(value, _QUERY_SAFE)
        if not _is_tracking(name, value):
            pairs.append((name, f"{name}{sep}{value}"))
    pairs.sort(key=lambda pair: pair[0])  # stable: repeated names keep their order
    return "&".join(text for _, text in pairs)


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return the canonical absolute http(s) form of ``url`` (resolved against ``base``).

    Raises ``UrlError`` with reason ``bad_scheme`` (anything but http/https) or ``invalid_url``
    (no host, relative without a base, credentials, bad port or host, too long).
    Idempotent: ``canonicalize_url(canonicalize_url(u)) == canonicalize_url(u)``.
    """
    raw = _clean(url)
    if base:
        raw = urljoin(_clean(base), raw)
    if not raw or len(raw) > MAX_URL_LENGTH:
        raise _fail("invalid_url", url, "empty or too long")
    try:
        parts = urlsplit(raw)
    except ValueError as error:
        raise _fail("invalid_url", url, "unparsable") from error
    scheme = parts.scheme.lower()
    if not scheme:
        raise _fail("invalid_url", url, "relative URL without a base")
    if scheme not in HTTP_SCHEMES:
        raise _fail("bad_scheme", url, scheme)
    if "@" in parts.netloc:
        raise _fail("invalid_url", url, "credentials in URL")
    try:
        port = parts.port
    except ValueError as error:
        raise _fail("invalid_url", url, "bad port") from error
    host = _canonical_host(parts.hostname or "", url)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    try:
        path = _quote(_remove_dot_segments(parts.path or "/"), _PATH_SAFE)
        query = _canonical_query(parts.query)
    except UnicodeError as error:
        raise _fail("invalid_url", url, "bad characters") from error
    return urlunsplit((scheme, netloc, path, query, ""))


def is_http_url(url: str) -> bool:
    """True when ``url`` is an absolute http(s) URL that ``canonicalize_url`` accepts."""
    try:
        canonicalize_url(url)
    except UrlError:
        return False
    return True


def absolute_http_url(url: str, base: str | None = None) -> str | None:
    """Resolve ``url`` and return it when it is usable http(s), else None.

    Unlike ``canonicalize_url`` the query is kept verbatim (signed image URLs stay valid).
    """
    raw = _clean(url)
    try:
        resolved = urljoin(_clean(base), raw) if base else raw
        canonicalize_url(resolved)
        parts = urlsplit(resolved)
    except (UrlError, ValueError):
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


_LIGATURES = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"), ("ß", "ss"), ("ø", "o"))
_NON_WORD_RE = re.compile(r"[\W_]+")


def fold_accents(text: str) -> str:
    """Casefold and strip diacritics: "L'Élysée" -> "l'elysee".

    The ligatures are replaced and the combining marks removed one ``str.replace`` per
    distinct character (a text has a handful), not one Python step per character."""
    if text.isascii():
        return text.casefold()  # most words: nothing to decompose
    for ligature, letters in _LIGATURES:
        if ligature in text:
            text = text.replace(ligature, letters)
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        for mark in [ch for ch in set(decomposed) if unicodedata.combining(ch)]:
            decomposed = decomposed.replace(mark, "")
    return unicodedata.normalize("NFC", decomposed).casefold()


def normalize_title(title: str) -> str:
    """Comparable form of a title: folded, punctuation and whitespace collapsed to one space."""
    return _NON_WORD_RE.sub(" ", fold_accents(title)).strip()
