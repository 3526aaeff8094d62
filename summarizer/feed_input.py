"""Feed bytes before any parser sees them: their text (F22, issue 15) and a defused DOCTYPE.

Decoding order (XML 1.0 appendix F, RFC 7303, WHATWG labels):

1. a byte order mark (UTF-8, UTF-16 and UTF-32, both byte orders), or the UTF-16/32 pattern of
   a document that starts with ``<`` or ``{`` without one;
2. the declared encodings, the HTTP ``charset`` first, then the XML prolog's ``encoding`` (or a
   JSON Feed, always UTF-8 family): each is used only when the body decodes with it strictly,
   so a mislabelled body falls through to the next one. A Latin-1 or windows-1252 label on a
   body that is valid, non-ASCII UTF-8 is a server default, not a declaration: UTF-8 wins;
3. UTF-8, strictly;
4. windows-1252 (a superset of Latin-1 that decodes any byte).

Labels are read as browsers read them: Latin-1 and ASCII mean windows-1252, GB2312 means
GB18030, EUC-KR means windows-949 (each a superset of the declared one), and the WHATWG labels
Python does not know (``x-euc-jp``, ``ks_c_5601-1989``, ``koi8``, ``x-gbk``, ``x-cp1255``,
``windows-31j``...) name their encoding.
"""

from __future__ import annotations

import codecs
import re

from summarizer.errors import FeedError

_BOMS: tuple[tuple[bytes, str], ...] = (  # longest first: UTF-32 LE starts like UTF-16 LE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# The first character ('<' or '{') of a document without a BOM, in each wide encoding.
_WIDE_STARTS: tuple[tuple[bytes, str], ...] = tuple(
    (char.encode(encoding), encoding)
    for char in "<{"
    for encoding in ("utf-32-be", "utf-32-le", "utf-16-be", "utf-16-le")
)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_PROLOG_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)
_SUPERSETS = {
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "cp1252": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
}
# WHATWG labels Python's codecs do not know, for the encodings feeds are declared in.
_LABELS = {
    **dict.fromkeys(("x-euc-jp", "cseucpkdfmtjapanese"), "euc_jp"),
    **dict.fromkeys(
        ("cseuckr", "csksc56011987", "iso-ir-149", "ks_c_5601-1989", "ksc_5601", "windows-949"),
        "cp949",
    ),
    **dict.fromkeys(("koi", "koi8", "cskoi8r"), "koi8_r"),
    "koi8-ru": "koi8_u",
    **dict.fromkeys(("csgb2312", "gb_2312", "gb_2312-80", "x-gbk", "csiso58gb231280"), "gb18030"),
    "x-cp1255": "cp1255",
    **dict.fromkeys(
        ("csiso88598e", "iso-8859-8-e", "iso88598", "visual", "csiso88598i", "iso-8859-8-i"),
        "iso8859_8",
    ),
    "logical": "iso8859_8",
    **dict.fromkeys(("x-sjis", "windows-31j"), "cp932"),
    **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian"), "mac_cyrillic"),
    **dict.fromkeys(("x-x-big5", "cn-big5"), "big5hkscs"),
    **dict.fromkeys(("windows-874", "dos-874"), "cp874"),
    **dict.fromkeys(("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8"), "utf_8"),
    "x-unicode20utf8": "utf_8",
}
_LATIN = frozenset({"cp1252"})
_PROLOG_SCAN_LIMIT = 1 << 20


def codec_for_label(label: str) -> str | None:
    """The Python codec for an encoding label, widened to its superset; None when unknown."""
    label = label.strip().lower()
    try:
        name = codecs.lookup(_LABELS.get(label, label)).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    return _SUPERSETS.get(name, name)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def declared_encodings(data: bytes, content_type: str | None) -> list[str]:
    """The codecs a document declares: the HTTP charset, then the XML prolog's encoding."""
    labels = []
    if header := _CHARSET_RE.search(content_type or ""):
        labels.append(header.group(1))
    if prolog := _PROLOG_RE.match(data[:1024]):
        labels.append(prolog.group(1).decode("ascii", "replace"))
    codecs_found = [codec for label in labels if (codec := codec_for_label(label))]
    return list(dict.fromkeys(codecs_found))


def decode_feed(data: bytes, content_type: str | None = None) -> str:
    """The text of a feed document (see the module docstring); never raises."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    for start, encoding in _WIDE_STARTS:
        if data.startswith(start):
            return data.decode(encoding, errors="replace")
    as_utf8 = _strict(data, "utf-8")
    for encoding in declared_encodings(data, content_type):
        if encoding in _LATIN and as_utf8 is not None and not data.isascii():
            return as_utf8
        if encoding.startswith(("utf_16", "utf_32")):
            continue  # a wide label on a body without a wide pattern: a wrong label
        if (text := _strict(data, encoding)) is not None:
            return text
    if as_utf8 is not None:
        return as_utf8
    return data.decode("cp1252", errors="replace")


def _skip_quoted(data: bytes, index: int) -> int:
    end = data.find(data[index : index + 1], index + 1)
    return len(data) if end < 0 else end + 1


def defuse_doctype(data: bytes) -> bytes:
    """Remove a DOCTYPE that has an internal subset (entity declarations) from the prolog."""
    head = data[:_PROLOG_SCAN_LIMIT]
    match = re.search(rb"<!doctype", head, re.IGNORECASE)
    if match is None or re.search(rb"<[A-Za-z_]", head[: match.start()]):
        return data  # no DOCTYPE, or it comes after the root element started
    index, depth = match.end(), 0
    while index < len(head):
        char = head[index : index + 1]
        if char in (b'"', b"'"):
            index = _skip_quoted(head, index)
            continue
        if char == b"[":
            depth += 1
        elif char == b"]":
            depth -= 1
        elif char == b">" and depth <= 0:
            if b"[" not in head[match.end() : index]:
                return data  # external DOCTYPE only (e.g. RSS 0.91 Netscape): harmless
            return data[: match.start()] + data[index + 1 :]
        index += 1
    raise FeedError("not_a_feed", detail="unterminated DOCTYPE")
