"""Page boilerplate that trafilatura keeps and members would read (issue 15).

General rules, never one site's: consent banners, newsletter boxes, share widgets and dialogs
pruned from the HTML by their class, id or ARIA role; the site's name and dates cut from the
title in its usual forms (``Titre | Site``, ``Titre - Site``, ``Site : Titre``,
``Titre | Site | 23.05.2011``); labels and unclosed brackets cut from author names; template
tokens (``smart_paging_autop_filter``) cut from sentences; the site's keywords kept as topics only
when the article speaks of them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

from lxml import html as lxml_html

from summarizer.topics import normalize_term

# Parts of a class or id token ("cookie-banner", "mod_newsletter", "shareBar") naming boilerplate.
_BOILERPLATE_PARTS = frozenset(
    {
        "cookie", "cookies", "cookiebanner", "cookieconsent", "consent", "gdpr", "rgpd", "cmp",
        "didomi", "onetrust", "tarteaucitron", "axeptio", "newsletter", "newsletters",
        "subscribe", "inscription", "share", "sharing", "sharebar", "partage", "partager",
        "social", "popup", "popin", "modal", "outbrain", "taboola",
    }
)  # fmt: skip
_TOKEN_PART_RE = re.compile(r"[-_]+|(?<=[a-z])(?=[A-Z])")
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
_KEPT_TAGS = frozenset({"html", "body", "main", "article", "head"})
_MAX_PRUNED_SHARE = 0.5  # never prune an element holding half the page's text: it is the page
_LEAD_PARTS = frozenset({"chapo", "chapeau", "standfirst", "lead", "intro", "incipit"})
_NOT_LEAD_PARTS = _BOILERPLATE_PARTS | {"forum", "comment", "comments", "tags", "tag", "menu"}
_NOT_LEAD_ANCESTORS = frozenset({"nav", "aside", "footer", "form"})
MAX_LEAD_LINK_SHARE = 0.5  # a "lead" that is mostly links is a menu ("En ce moment : ...")

_SEPARATOR_RE = re.compile(r"\s+[|–—·•]\s+|\s+-\s+|\s*\|\s*|\s+:\s+|\s+»\s+")
_DATE_RE = re.compile(
    r"^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}(?:er)?\s+\w+\s+\d{4})$", re.I
)
_MAX_LABEL_WORDS = 4  # a short segment after " | " is a section or a site, not the headline
_HOST_LABELS_SKIPPED = frozenset({"www", "m", "amp", "mobile", "fr", "francais", "french"})

_IDENTIFIER_RE = re.compile(
    r"(?<![\w{%\[])(?:[a-z0-9]+(?:_[a-z0-9]+){2,}|\{\{[^{}]{0,60}\}\}|%%\w{1,40}%%|\[\[\w{1,40}\]\])"
    r"(?![\w}%\]])"
)
_AUTHOR_LABEL_RE = re.compile(
    r"^(?:(?:auteure?s?|autrices?|journalistes?|texte|textes|by)\s*:?\s+"
    r"|(?:par|by)\s+|(?:r[ée]dig[ée]e?|[ée]crite?|publi[ée]e?|propos\s+recueillis)\s+par\s+"
    r"|une?\s+(?:documentaire|reportage|article|podcast|enqu[êe]te|chronique|film|s[ée]rie"
    r"|[ée]mission|tribune|analyse)\s+(?:de|d['’])\s*)",
    re.I,
)
_WEB_ADDRESS_RE = re.compile(r"\(?\s*(?:https?://|www\.)\S*\)?", re.I)
_NOT_ALNUM_RE = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Letters and digits only, casefolded, accents removed: "L’Opinion" -> "lopinion"."""
    # [\W_] is exactly "not str.isalnum()", one C pass instead of one call per character.
    return _NOT_ALNUM_RE.sub("", unicodedata.normalize("NFKD", text.casefold()))


# --- the HTML ------------------------------------------------------------------------------


def _token_parts(element: lxml_html.HtmlElement) -> set[str]:
    tokens = f"{element.get('class') or ''} {element.get('id') or ''}".split()
    return {part.lower() for token in tokens for part in _TOKEN_PART_RE.split(token) if part}


def _is_boilerplate_box(element: lxml_html.HtmlElement) -> bool:
    if (element.get("role") or "").strip().lower() in _DIALOG_ROLES:
        return True
    if (element.get("aria-modal") or "").strip().lower() == "true":
        return True
    return bool(_token_parts(element) & _BOILERPLATE_PARTS)


def prune_boilerplate(root: lxml_html.HtmlElement) -> int:
    """Remove consent banners, newsletter and share boxes and dialogs, in place; their tail
    text is kept. An element holding the page's headline or half its prose is never removed
    (a ``<body class="has-cookie-banner">``). Returns the number of elements removed."""
    body = root.find("body")
    total = _prose(body if body is not None else root)
    removed = 0
    for element in list(root.iter()):
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _KEPT_TAGS or element.getparent() is None:
            continue
        if not _is_boilerplate_box(element) or not _attached(element, root):
            continue
        if element.find(".//h1") is not None or tag == "h1":
            continue
        if total and _prose(element) > total * _MAX_PRUNED_SHARE:
            continue
        element.drop_tree()
        removed += 1
    return removed


def _prose(element: lxml_html.HtmlElement) -> int:
    """Characters of readable text: a form's long ``<select>`` of local groups is none."""
    skipped = {"select", "option", "script", "style", "noscript", "template"}
    return sum(
        len((node.text or "").strip()) + len((node.tail or "").strip())
        for node in element.iter()
        if isinstance(node.tag, str) and node.tag not in skipped
    )


def _attached(element: lxml_html.HtmlElement, root: lxml_html.HtmlElement) -> bool:
    """Whether ``element`` is still in the tree (an ancestor may have been dropped)."""
    node = element
    while (parent := node.getparent()) is not None:
        node = parent
    return node is root


def is_lead(element: lxml_html.HtmlElement) -> bool:
    """Whether ``element`` is an article's chapô (lead paragraph): a class or id token ending
    in chapo, chapeau, standfirst, lead, intro or incipit ("article-chapo", "bloc__intro"), not
    a comment, tag list, newsletter or menu box, not inside a nav, aside, footer or form,
    and not mostly links."""
    tokens = f"{element.get('class') or ''} {element.get('id') or ''}".split()
    ends = {_TOKEN_PART_RE.split(token)[-1].lower() for token in tokens}
    if not ends & _LEAD_PARTS or _token_parts(element) & _NOT_LEAD_PARTS:
        return False
    if any(a.tag in _NOT_LEAD_ANCESTORS for a in element.iterancestors()):
        return False
    text = len(" ".join(element.text_content().split()))
    linked = sum(len(" ".join(a.text_content().split())) for a in element.iter("a"))
    return text > 0 and linked <= text * MAX_LEAD_LINK_SHARE


# --- names of the site --------------------------------------------------------------------


def site_names(site_name: str | None, url: str | None) -> frozenset[str]:
    """Folded forms the site's name takes: ``site_name`` (og:site_name, the publisher) and the
    URL's domain ("www.lapresse.tn" -> "lapresse"; "madame.lefigaro.fr" -> "lefigaro" and
    "madamelefigaro"; a name given as a domain, "Gala.fr", also as "gala")."""
    names: set[str] = set()
    if site_name:
        names.add(fold(site_name))
        if "." in site_name and " " not in site_name.strip():
            names.add(fold(site_name.rsplit(".", 1)[0]))
    host = (urlsplit(url).hostname or "") if url and "://" in url else ""
    labels = [label for label in host.lower().split(".")[:-1] if label]
    meaningful = [label for label in labels if label not in _HOST_LABELS_SKIPPED]
    if meaningful:
        names.add(fold(meaningful[-1]))
        names.add(fold("".join(meaningful)))
    return frozenset(name for name in names if len(name) >= 2)


# --- the title ------------------------------------------------------------------------------


def clean_title(title: str, *, names: Collection[str] = (), headlines: Iterable[str] = ()) -> str:
    """The headline without the site's name, dates and section labels around it.

    ``Titre | Site``, ``Titre - Site``, ``Titre – Rubrique | Site | 23.05.2011``, ``Site : Titre``:
    a segment is cut from either end when it is one of the site's ``names`` (folded, see
    ``site_names``) or a date; after a `` | `` a short trailing segment (a section) goes too, and a
    title whose leading segments are one of the page's ``headlines`` (``<h1>``) keeps just them.
    The headline itself is never emptied: at least one segment stays.
    """
    text = " ".join(title.split())
    parts = _segments(text)
    if len(parts) == 1:
        return text
    heads = {fold(h) for h in headlines if len(h.split()) >= 2}
    for end in range(1, len(parts)):
        if fold("".join(f"{sep}{seg}" for sep, seg in parts[:end])) in heads:
            return _join(parts[:end])
    changed, cut_site = True, False
    while changed and len(parts) > 1:
        changed = False
        last_sep, last = parts[-1]
        head_words = sum(len(seg.split()) for _, seg in parts[:-1])
        label = len(last.split()) <= _MAX_LABEL_WORDS and head_words >= 2 * len(last.split())
        section = (
            cut_site and len(last.split()) <= 2 and head_words >= 4
        )  # "Titre – Rubrique | Site"
        if (
            _is_name_or_date(last, names)
            or section
            or (last_sep.strip() == "|" and label and head_words >= 4)
        ):
            cut_site = cut_site or fold(last.strip()) in names
            parts.pop()
            changed = True
        elif _is_name_or_date(parts[0][1], names):
            parts.pop(0)
            parts[0] = ("", parts[0][1])
            changed = True
    return _join(parts)


def _segments(text: str) -> list[tuple[str, str]]:
    """``[(separator before, segment), ...]``; the first separator is ""."""
    parts: list[tuple[str, str]] = []
    cursor, separator = 0, ""
    for match in _SEPARATOR_RE.finditer(text):
        segment = text[cursor : match.start()]
        if segment.strip():
            parts.append((separator, segment))
            separator = match.group()
        else:
            separator += match.group()
        cursor = match.end()
    parts.append((separator, text[cursor:]))
    return [(sep, seg) for sep, seg in parts if seg.strip()] or [("", text)]


def _join(parts: list[tuple[str, str]]) -> str:
    text = "".join((sep if index else "") + seg for index, (sep, seg) in enumerate(parts))
    return text.strip(" -|:–—·•")


def _is_name_or_date(segment: str, names: Collection[str]) -> bool:
    stripped = segment.strip()
    return fold(stripped) in names or bool(_DATE_RE.match(stripped))


def is_title_line(line: str, title: str, names: Collection[str] = ()) -> bool:
    """Whether a text line is the title again, with or without the site's decorations."""
    key = _title_key(title)
    if not key or not (_folds_to(line, key, start=True) or _folds_to(line, key, start=False)):
        return False
    return fold(line) == key or fold(clean_title(line, names=names, headlines=(title,))) == key


@functools.lru_cache(maxsize=256)
def _title_key(title: str) -> str:
    """``fold(title)``, once per article rather than once per line of its text."""
    return fold(title)


def _folds_to(line: str, key: str, *, start: bool) -> bool:
    """``fold(line).startswith(key)`` (or ``endswith``) folding only as much of the line as
    needed: ``fold`` of a concatenation is the concatenation of the ``fold`` (casefolding and
    NFKD work character by character, and the only characters NFKD reorders, combining marks,
    are no letters or digits), so the fold of the line's first (last) characters is the start
    (end) of the line's fold. A few characters that disagree with the key end the search: a
    paragraph is not folded for each title, nor its first hundred characters for each line."""
    size = 8
    while True:
        part = fold(line[:size] if start else line[-size:])
        common = min(len(part), len(key))
        head, tail = (part[:common], key[:common]) if start else (part[-common:], key[-common:])
        if common and head != tail:
            return False
        if len(part) >= len(key) or size >= len(line):
            return part.startswith(key) if start else part.endswith(key)
        size *= 2


def strip_title_prefix(unit: str, title: str) -> str:
    """A paragraph that opens with the title ("Titre Un jugement ne fait pas...") without it."""
    if len(title.split()) < 3 or not unit.startswith(title[:1]):
        return unit
    words = title.split()
    head = unit.split()
    if len(head) <= len(words) or [fold(w) for w in head[: len(words)]] != [fold(w) for w in words]:
        return unit
    rest = " ".join(head[len(words) :])
    return rest if rest[:1].isupper() or rest[:1] in '«"“' else unit


# --- sentences, authors, keywords -----------------------------------------------------------


def strip_template_tokens(text: str) -> str:
    """Text without identifier-like tokens (``smart_paging_autop_filter``, ``{{ title }}``,
    ``%%excerpt%%``) that a template left in a sentence; other words untouched."""
    if "_" not in text and "{{" not in text and "%%" not in text and "[[" not in text:
        return text
    return " ".join(_IDENTIFIER_RE.sub(" ", text).split())


def clean_author(name: str) -> str:
    """An author's name without its label ("Auteur Anna K.", "Un documentaire de X",
    "Rédigé par X") and without a web address or an unclosed bracket ("Deutsche Welle
    (www.dw.com" -> "Deutsche Welle")."""
    text = " ".join(name.split())
    for _ in range(2):  # "Texte : par X"
        text = _AUTHOR_LABEL_RE.sub("", text, count=1)
    text = _WEB_ADDRESS_RE.sub(" ", text)
    if text.count("(") > text.count(")"):
        text = text[: text.rfind("(")]
    if text.count("[") > text.count("]"):
        text = text[: text.rfind("[")]
    return " ".join(text.split()).strip(" -–—:,;(")


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word[-1] in "sx" else word


def _same_word(word: str, stem: str) -> bool:
    """``word`` is ``stem`` or one of its inflections ("nucleaire" / "nucleaires")."""
    return word.startswith(stem) and len(word) - len(stem) <= 2


def keyword_in_text(keyword: str, words: Collection[str]) -> bool:
    """Whether the article speaks of ``keyword``: each of its words of three letters or more
    (plural or singular, "nucléaire" for "nucléaires") begins a word of ``words`` (the
    normalised words of the title and text). Site-wide navigation keywords ("mode, beaute,
    joaillerie" on a nutrition article) do not."""
    wanted = [_stem(w) for w in normalize_term(keyword).split() if len(w) >= 3]
    if not wanted:
        return False
    return all(stem in words or any(_same_word(w, stem) for w in words) for stem in wanted)
