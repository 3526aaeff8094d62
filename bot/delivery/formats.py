"""The formats of a subscription's posts, pure: ``complet`` (the embed of ``embeds``),
``compact``, ``texte``, ``lien`` and ``modèle`` (a template with French placeholders).

Every format keeps what ``embeds.render_post`` keeps: article text cleaned and
markdown-escaped, mentions broken (a zero-width space after ``@`` and ``<``), only http(s) links
(``<``, ``>`` and ``@`` percent-encoded in a message's text, so a link cannot mention anyone),
every Discord limit by construction, and the post reference (``bot.delivery.references``): in
the footer of an embed, else on the message's last line (``-# réf. 002a``). A template is the
admin's text: its literal parts keep their markdown but not their mentions, and no line of it or
of an article can pass for a post reference.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.delivery.dates import article_date
from bot.delivery.embeds import (
    CONTENT_MAX,
    FOOTER,
    TITLE_MAX,
    ZWSP,
    PostPayload,
    clean_text,
    http_url,
    render_post,
    safe,
    truncate,
)
from bot.delivery.references import content_line, defuse, footer_with
from bot.errors import BotError
from storage.records import PostFormat, StoredArticle
from summarizer.sentences import split_sentences

PLACEHOLDERS = ("titre", "résumé", "lien", "auteur", "source", "date", "sujets", "image")
LABELS = {
    PostFormat.COMPLET: "complet",
    PostFormat.COMPACT: "compact",
    PostFormat.TEXTE: "texte",
    PostFormat.LIEN: "lien",
    PostFormat.MODELE: "modèle",
}
DESCRIPTIONS = {
    PostFormat.COMPLET: "la fiche complète : titre, résumé, source, auteur, date et thèmes",
    PostFormat.COMPACT: "une fiche courte : titre, source et une phrase",
    PostFormat.TEXTE: "un message sans fiche, pour qui a désactivé les aperçus",
    PostFormat.LIEN: "le lien seul, avec l'aperçu de Discord",
    PostFormat.MODELE: "votre modèle, avec des variables comme {titre}",
}
TEMPLATE_MAX = 1500  # leaves room for mentions and the reference within Discord's 2,000
MENTIONS_MAX = 300  # characters of follow pings at the head of a text message
SENTENCE_MAX = 350  # the one sentence of ``compact``
VALUE_MAX = 256  # a title, an author list, a source, topics
FLOOR = 80  # characters a value keeps before a link is left out
SHRINKABLE = ("résumé", "titre", "auteur", "sujets", "source", "date")
LINKS = ("lien", "image")

_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?)(\d+)>", re.IGNORECASE)
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class FormatError(BotError):
    """A format or a template an admin typed is refused; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Piece:
    """A part of a message being built: admin text (``key`` None) or a placeholder's value."""

    text: str
    key: str | None = None


def fold(text: str) -> str:
    """Case, accents and spaces folded: « Résumé » and « resume » name the same placeholder."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


_BY_FOLD = {fold(name): name for name in PLACEHOLDERS}
_FORMATS_BY_FOLD = {fold(label): fmt for fmt, label in LABELS.items()}


def placeholder_list() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def parse_format(text: str) -> PostFormat:
    """A format from its French name (« modèle », « Modele », « texte »...)."""
    found = _FORMATS_BY_FOLD.get(fold(text))
    if found is None:
        names = ", ".join(f"« {label} »" for label in LABELS.values())
        raise FormatError(f"Format inconnu : « {text[:50]} ». Formats possibles : {names}.")
    return found


def parse_template(template: str) -> list[Piece]:
    """The template's pieces; raises ``FormatError`` (in French) when it is empty, too long,
    has an unknown placeholder or an unpaired brace, or no placeholder at all."""
    if not template.strip():
        raise FormatError(
            "Le modèle est vide : écrivez le message avec des variables, par exemple "
            f"« **{{titre}}** {{lien}} ». Variables possibles : {placeholder_list()}."
        )
    if len(template) > TEMPLATE_MAX:
        raise FormatError(
            f"Le modèle fait {len(template)} caractères ; {TEMPLATE_MAX} au plus, pour que "
            "l'article y tienne dans la limite de Discord."
        )
    pieces: list[Piece] = []
    unknown: list[str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        if match.start() > position:
            pieces.append(Piece(template[position : match.start()]))
        token = match.group(0)
        if token in ("{{", "}}"):
            pieces.append(Piece(token[0]))
        elif match.group(1) is None:
            raise FormatError(
                f"Accolade « {token} » sans sa paire dans le modèle. Les variables s'écrivent "
                f"entre accolades ({placeholder_list()}) ; doublez-la (« {token * 2} ») pour "
                "l'afficher."
            )
        else:
            name = _BY_FOLD.get(fold(match.group(1)))
            if name is None:
                unknown.append("{" + match.group(1)[:40] + "}")
            else:
                pieces.append(Piece("", name))
        position = match.end()
    if position < len(template):
        pieces.append(Piece(template[position:]))
    if unknown:
        listed = ", ".join(f"« {item} »" for item in dict.fromkeys(unknown))
        raise FormatError(
            f"Variable inconnue dans le modèle : {listed}. Variables possibles : "
            f"{placeholder_list()}."
        )
    if not any(piece.key for piece in pieces):
        raise FormatError(
            "Le modèle ne contient aucune variable : ajoutez-en au moins une "
            f"({placeholder_list()})."
        )
    return pieces


def validate_template(template: str) -> str:
    """The template as it will be stored (placeholders spelt as in ``PLACEHOLDERS``, braces
    doubled where they were); raises ``FormatError``."""
    out = []
    for piece in parse_template(template):
        if piece.key is not None:
            out.append("{" + piece.key + "}")
        else:
            out.append(piece.text.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def check_choice(post_format: PostFormat, template: str | None) -> str | None:
    """The template to store with ``post_format`` (validated), None for the other formats."""
    if post_format is not PostFormat.MODELE:
        if template:
            raise FormatError(
                "Un modèle ne sert qu'au format « modèle » : choisissez ce format ou retirez "
                "le modèle."
            )
        return None
    if template is None:
        raise FormatError(
            f"Le format « modèle » demande un modèle, par exemple « **{{titre}}** — {{source}} "
            f"{{lien}} ». Variables possibles : {placeholder_list()}."
        )
    return validate_template(template)


# --- rendering -------------------------------------------------------------------------------


def content_url(url: str | None) -> str | None:
    """A shown http(s) link, safe inside a message's text: ``<``, ``>`` and ``@`` encoded."""
    shown = http_url(url)
    if shown is None:
        return None
    return shown.replace("<", "%3C").replace(">", "%3E").replace("@", "%40")


def break_mentions(text: str) -> str:
    """Admin text with its mentions broken (``@everyone``, ``@here``, users and roles), its
    channel links and markdown kept; control and invisible characters dropped."""
    cleaned = []
    for ch in unicodedata.normalize("NFC", text):
        if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            cleaned.append(ch)
    text = "".join(cleaned)
    return _MENTION.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)


def values(article: StoredArticle, tz: str) -> dict[str, str]:
    """Each placeholder's text for ``article``, cleaned and escaped (links: ``content_url``)."""
    date = article_date(article.published_at, tz) if article.published_at else ""
    return {
        "titre": safe(article.title, VALUE_MAX) or "Sans titre",
        "résumé": safe(article.summary, CONTENT_MAX, keep_newlines=True),
        "lien": content_url(article.url) or "",
        "auteur": safe(", ".join(article.authors), VALUE_MAX),
        "source": safe(article.source or article.site_name, VALUE_MAX),
        "date": date,
        "sujets": safe(", ".join(article.topics[:6]), VALUE_MAX),
        "image": content_url(article.image) or "",
    }


def fit(pieces: Sequence[Piece], budget: int) -> str:
    """The pieces joined within ``budget`` characters. The longest shortenable values are cut
    first (with an ellipsis) down to ``FLOOR`` characters each; then a link that still does not
    fit is left out rather than cut; then the values are cut further."""
    texts = [piece.text for piece in pieces]

    def over() -> int:
        return sum(len(text) for text in texts) - budget

    def shrink(floor: int) -> bool:
        sizes: dict[str, int] = {}
        for piece, text in zip(pieces, texts, strict=True):
            if piece.key in SHRINKABLE and len(text) > floor:
                sizes[piece.key] = sizes.get(piece.key, 0) + len(text)
        if not sizes:
            return False
        key = max(sizes, key=lambda k: sizes[k])
        slots = [i for i, p in enumerate(pieces) if p.key == key and len(texts[i]) > floor]
        keep = max(floor, max(len(texts[i]) for i in slots) - math.ceil(over() / len(slots)))
        for index in slots:
            texts[index] = truncate(texts[index], keep) if keep > 1 else ""
        return True

    while over() > 0 and shrink(FLOOR):
        pass
    while over() > 0:
        links = [i for i, p in enumerate(pieces) if p.key in LINKS and texts[i]]
        if not links:
            break
        texts[max(links, key=lambda i: len(texts[i]))] = ""
    while over() > 0 and shrink(0):
        pass
    joined = "".join(texts)
    return joined if len(joined) <= budget else truncate(joined, budget)


def _mentions(mention_ids: Sequence[int]) -> tuple[str, tuple[int, ...]]:
    """The pings at the head of a text message (at most ``MENTIONS_MAX`` characters) and the
    users they name, the only ones ``allowed_mentions`` lets through."""
    kept: list[int] = []
    line = ""
    for user_id in dict.fromkeys(int(i) for i in mention_ids):
        candidate = f"{line} <@{user_id}>" if line else f"<@{user_id}>"
        if len(candidate) > MENTIONS_MAX:
            break
        line, kept = candidate, [*kept, user_id]
    return line, tuple(kept)


def _text_message(
    pieces: Sequence[Piece],
    fallback: Sequence[Piece],
    *,
    mention_ids: Sequence[int],
    reference: str | None,
    updated: bool = False,
) -> PostPayload:
    """A message without embed: follow pings, the pieces (``fallback``, the ``texte`` ones, when
    nothing of them fits or shows), then the reference line."""
    head, pinged = _mentions(mention_ids)
    tail = content_line(reference, updated=updated) if reference else ""
    budget = CONTENT_MAX - (len(head) + 1 if head else 0) - (len(tail) + 1 if tail else 0)
    body = fit(pieces, budget).strip() or fit(fallback, budget).strip()
    body = defuse(body)
    lines = [part for part in (head, body, tail) if part]
    return PostPayload(content="\n".join(lines), embed={}, allowed_user_ids=pinged)


def _texte_pieces(found: dict[str, str]) -> list[Piece]:
    pieces = [Piece("**"), Piece(found["titre"], "titre"), Piece("**")]
    if found["résumé"]:
        pieces += [Piece("\n"), Piece(found["résumé"], "résumé")]
    if found["lien"]:  # between brackets: no preview, as the reader asked for text
        pieces += [Piece("\n"), Piece("<" + found["lien"] + ">", "lien")]
    credit = [(key, found[key]) for key in ("source", "auteur", "date") if found[key]]
    if credit:
        pieces.append(Piece("\n-# "))
        for number, (key, text) in enumerate(credit):
            pieces += [Piece(" · ")] if number else []
            pieces.append(Piece(text, key))
    return pieces


def _template_pieces(template: str, found: dict[str, str]) -> list[Piece]:
    out = []
    for piece in parse_template(template):
        if piece.key is None:
            out.append(Piece(break_mentions(piece.text)))
        else:
            out.append(Piece(found[piece.key], piece.key))
    return out


def first_sentence(summary: str) -> str:
    text = clean_text(summary)
    sentences = split_sentences(text) if text else []
    return sentences[0] if sentences else text


def _compact(
    article: StoredArticle,
    *,
    mention_ids: Sequence[int],
    reference: str | None,
    updated: bool = False,
) -> PostPayload:
    title = safe(article.title, TITLE_MAX) or "Sans titre"
    embed: dict[str, Any] = {"title": title, "type": "rich"}
    url = http_url(article.url)
    if url:
        embed["url"] = url
    sentence = safe(first_sentence(article.summary), SENTENCE_MAX)
    if sentence:
        embed["description"] = sentence
    # A footer shows no markdown: the source is cleaned, its mentions broken, not escaped.
    source = truncate(break_mentions(clean_text(article.source or article.site_name or "")), 200)
    credit = f"{source} · {FOOTER}" if source else FOOTER
    footer = footer_with(credit, reference, updated=updated) if reference else credit
    embed["footer"] = {"text": footer}
    head, pinged = _mentions(mention_ids)
    return PostPayload(content=head, embed=embed, allowed_user_ids=pinged)


def render(
    article: StoredArticle,
    *,
    post_format: PostFormat = PostFormat.COMPLET,
    template: str | None = None,
    tz: str,
    mention_ids: Sequence[int] = (),
    reference: str | None = None,
    updated: bool = False,
) -> PostPayload:
    """The payload of ``article`` in ``post_format``. A ``lien`` post without a link that can
    be shown whole, a ``modèle`` without a valid template or whose text comes out empty fall
    back to ``texte``. ``updated``: a message edited after a correction (« mis à jour »
    before the reference)."""
    if post_format is PostFormat.COMPLET:
        return render_post(
            article, tz=tz, mention_ids=mention_ids, reference=reference, updated=updated
        )
    if post_format is PostFormat.COMPACT:
        return _compact(article, mention_ids=mention_ids, reference=reference, updated=updated)
    found = values(article, tz)
    texte = _texte_pieces(found)
    pieces = texte
    if post_format is PostFormat.LIEN:
        pieces = [Piece(found["lien"], "lien")]
    elif post_format is PostFormat.MODELE and template:
        try:
            pieces = _template_pieces(template, found)
        except FormatError:  # stored before a rule changed: the article still goes out
            pieces = texte
    return _text_message(
        pieces, texte, mention_ids=mention_ids, reference=reference, updated=updated
    )
