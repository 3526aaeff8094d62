"""The press review's embeds (issue 11), pure: a long review split over several embeds within
Discord's limits (4,096 characters of description each, 10 embeds and 6,000 characters per
message), the stories in rank order, the reference of its outbox row in the last footer."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.delivery.digests import digest_embeds, digest_message, digest_payload
from bot.delivery.references import references_in
from storage.records import PostRecord, PostState, TargetKind
from summarizer.digest import DigestStory

DAY = date(2026, 12, 8)
T0 = datetime(2026, 12, 8, 7, tzinfo=UTC)


def _story(n: int, size: int) -> DigestStory:
    links = tuple((f"Source {k}", f"https://www.exemple.fr/{n}/{k}") for k in range(7))
    return DigestStory(f"Sujet {n} " + "mot " * size, "Phrase " * size, links, 7, T0)


def _size(embed: dict[str, object]) -> int:
    footer = embed.get("footer") or {}
    return sum(len(str(embed.get(k) or "")) for k in ("title", "description")) + len(
        str(footer.get("text", "") if isinstance(footer, dict) else "")
    )


def test_a_long_review_takes_several_embeds_within_discords_limits() -> None:
    stories = [_story(n, 40) for n in range(1, 11)]
    embeds = digest_embeds(DAY, stories)
    assert 2 <= len(embeds) <= 10
    assert embeds[0]["title"] == "La revue de presse du mardi 8 décembre"
    assert all("title" not in e for e in embeds[1:]) and "footer" in embeds[-1]
    assert all(len(e["description"]) <= 4096 for e in embeds)
    assert sum(_size(e) for e in embeds) <= 6000 - 20  # room for the reference
    ranks = [
        int(b.split(".")[0].strip("*")) for e in embeds for b in e["description"].split("\n\n")
    ]
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) >= 4


def test_a_short_review_is_one_embed_and_an_empty_one_says_so() -> None:
    [embed] = digest_embeds(DAY, [_story(1, 3)])
    assert embed["description"].startswith("**1. Sujet 1")
    [empty] = digest_embeds(DAY, [])
    assert empty["description"] == "Aucun article n'a encore été publié aujourd'hui sur ce serveur."
    [none_on] = digest_embeds(DAY, [], topics=("Économie", "climat"))
    assert none_on["description"] == (
        "Aucun article publié aujourd'hui sur ce serveur ne porte sur « Économie » ni « climat »."
    )


def test_the_stored_message_is_sent_with_its_reference_and_the_days_title() -> None:
    message = digest_message(DAY, [_story(n, 40) for n in range(1, 11)])
    post = PostRecord(42, None, TargetKind.CHANNEL, 1, 2, None, None, PostState.SENDING,
                      "n", 1, None, T0, None, None)  # fmt: skip
    payload = digest_payload(post, message)
    embeds = [payload.embed, *payload.more_embeds]
    assert len(embeds) == len(message["embeds"]) and payload.thread_name == message["title"]
    assert references_in({"embeds": embeds}) == {"002a"}
    assert embeds[-1]["footer"]["text"].endswith("· réf. 002a")
    assert sum(_size(e) for e in embeds) <= 6000
