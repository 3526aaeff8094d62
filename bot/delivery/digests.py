"""The press review's Discord payload (issue 11, ``/digest now`` and the scheduled digest), pure:
the day's ranked stories (``summarizer.digest.rank_stories``) as embeds, the first titled "La
revue de presse du mardi 3 décembre", each story a bold title, one summary sentence and its
outlets' links, sanitised like every post and within Discord's limits: 4,096 characters of
description per embed (a new embed when a story does not fit), 10 embeds and 6,000 characters
in all per message (the stories that do not fit are left out, the least ranked first).

A scheduled digest is rendered once, when it is enqueued (``digest_message``, stored with its
outbox row), and sent as stored (``digest_payload``): a retry after a crash sends the same
message, and the review is the one of the hour it was due, not of whenever Discord took it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.delivery.embeds import FOOTER, PostPayload, http_url, safe
from bot.delivery.forums import thread_name
from bot.delivery.references import footer_with, post_reference
from storage.records import PostRecord
from summarizer.digest import DigestStory, digest_title

DESCRIPTION_BUDGET = 4000  # of Discord's 4,096 per embed
TOTAL_BUDGET = 5800  # of Discord's 6,000 per message: room for the footer and its reference
MAX_EMBEDS = 10  # Discord's limit per message
# The forum tags a digest's forum post takes (those of the forum's tags that match, as an
# article's topics do; a forum that requires a tag needs one of them, ``/digest schedule``).
TAG_TERMS = ("Revue de presse", "Revue", "Presse", "Actualité", "Actualités", "Infos", "Info")
EMPTY = "Aucun article n'a encore été publié aujourd'hui sur ce serveur."
EMPTY_ON = "Aucun article publié aujourd'hui sur ce serveur ne porte sur {topics}."


def _links(story: DigestStory) -> str:
    parts = []
    for source, url in story.links[:5]:
        name = safe(source, 60) or "lien"
        link = http_url(url)
        parts.append(f"[{name}](<{link}>)" if link else name)
    more = len(story.links) - 5
    return " · ".join(parts) + (f" et {more} autres" if more > 0 else "")


def _block(rank: int, story: DigestStory) -> str:
    told = f" ({story.outlets} sources)" if story.outlets > 1 else ""
    return (
        f"**{rank}. {safe(story.title, 200) or 'Sans titre'}**{told}\n"
        f"{safe(story.sentence, 300)}\n{_links(story)}"
    )


def digest_embeds(
    day: date, stories: Sequence[DigestStory], *, topics: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The embeds of the day's review: the title on the first, the footer on the last, the
    stories in rank order while the message stays within Discord's limits (``topics``: those
    of a scheduled review, named when no story is on them)."""
    title = digest_title(day)
    pages: list[list[str]] = [[]]
    used = len(title) + len(FOOTER)
    for rank, story in enumerate(stories, start=1):
        block = _block(rank, story)
        if used + len(block) + 2 > TOTAL_BUDGET:
            break
        page = pages[-1]
        if page and sum(len(b) + 2 for b in page) + len(block) > DESCRIPTION_BUDGET:
            if len(pages) == MAX_EMBEDS:
                break
            page = []
            pages.append(page)
        page.append(block)
        used += len(block) + 2
    embeds: list[dict[str, Any]] = [
        {"type": "rich", "description": "\n\n".join(page)} for page in pages
    ]
    embeds[0]["title"] = title
    on = " ni ".join(f"« {safe(t, 100)} »" for t in topics)
    embeds[0]["description"] = embeds[0]["description"] or (
        EMPTY_ON.format(topics=on) if on else EMPTY
    )
    embeds[-1]["footer"] = {"text": FOOTER}
    return embeds


def digest_message(
    day: date, stories: Sequence[DigestStory], *, topics: Sequence[str] = ()
) -> dict[str, Any]:
    """What the outbox stores for a scheduled digest: its title and its embeds."""
    return {"title": digest_title(day), "embeds": digest_embeds(day, stories, topics=topics)}


def digest_payload(post: PostRecord, message: Mapping[str, Any]) -> PostPayload:
    """The stored digest as the message to send: the post reference in the last embed's footer
    (``bot.delivery.references``, for reconciliation), the title as a forum post's title."""
    embeds = [dict(embed) for embed in message.get("embeds") or []]
    if not embeds:
        embeds = [{"type": "rich", "description": EMPTY}]
    embeds[-1]["footer"] = {"text": footer_with(FOOTER, post_reference(post.id))}
    title = str(message.get("title") or "La revue de presse")
    return PostPayload(
        content="",
        embed=embeds[0],
        more_embeds=tuple(embeds[1:]),
        thread_name=thread_name(title),
        tag_terms=TAG_TERMS,
    )
