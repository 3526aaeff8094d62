"""/summaries: full-text search of stored articles through the real bot and a real SQLite file.
The French articles below were written for these tests."""

from __future__ import annotations

from datetime import timedelta

from storage.records import NewArticle
from tests.discord.newsroom import Newsroom, room  # noqa: F401
from tests.discord_stand_in.driver import answered, autocomplete, slash

ARTICLES = [
    ("Réunion de crise à l'Élysée", ("Agnès Durand",), ("politique", "Élysée"), 3,
     "Le président a réuni ses ministres mardi matin. La séance a duré trois heures."),
    ("Le budget de l'Élysée en hausse", ("Paul Martin",), ("budget",), 1,
     "Les dépenses de la présidence augmentent de deux pour cent. Les députés s'interrogent."),
    ("Marée noire sur la côte bretonne", ("Agnès Durand",), ("environnement",), 2,
     "Des nappes d'hydrocarbures ont touché trois plages. Les bénévoles se mobilisent."),
]  # fmt: skip


async def store_articles(newsroom: Newsroom) -> None:
    now = newsroom.clock.now()
    for number, (title, authors, topics, age, summary) in enumerate(ARTICLES):
        article = NewArticle(
            feed_id=None, entry_key=None, url=f"https://journal.example/a{number}", title=title,
            summary=summary, text_origin="page", authors=authors, topics=topics,
            published_at=now - timedelta(hours=age), source="Le Journal de Test",
        )  # fmt: skip
        await newsroom.storage.save_article(article, now=now)


async def test_summaries_by_topic_with_accents_folded_latest_first(room: Newsroom) -> None:  # noqa: F811
    await store_articles(room)
    answer = await answered(await slash(room.stand_in, "summaries", topic="elysee"))
    assert answer.response is not None and answer.response["type"] == 5
    [message] = answer.followups
    titles = [embed["title"] for embed in message["embeds"]]
    assert titles == ["Le budget de l'Élysée en hausse", "Réunion de crise à l'Élysée"]
    first = message["embeds"][0]
    assert first["url"] == "https://journal.example/a1"
    assert "Le Journal de Test" in first["description"]
    assert "Les dépenses de la présidence augmentent de deux pour cent." in first["description"]
    assert "députés" not in first["description"]  # only the first sentence
    assert message["allowed_mentions"] == {"parse": []}


async def test_summaries_by_author_case_and_accents_folded(room: Newsroom) -> None:  # noqa: F811
    await store_articles(room)
    answer = await answered(await slash(room.stand_in, "summaries", author="AGNES durand"))
    titles = [embed["title"] for embed in answer.followups[0]["embeds"]]
    assert titles == ["Marée noire sur la côte bretonne", "Réunion de crise à l'Élysée"]
    both = await answered(
        await slash(room.stand_in, "summaries", topic="Élysée", author="Agnès Durand", count=1)
    )
    assert [e["title"] for e in both.followups[0]["embeds"]] == ["Réunion de crise à l'Élysée"]


async def test_summaries_friendly_messages(room: Newsroom) -> None:  # noqa: F811
    await store_articles(room)
    nothing = await answered(await slash(room.stand_in, "summaries"))
    assert nothing.texts().startswith("Indiquez un thème ou un auteur")
    assert nothing.response is not None and nothing.response["data"]["flags"] & 64
    missing = await answered(await slash(room.stand_in, "summaries", topic="football"))
    assert missing.texts().startswith("Je n'ai trouvé aucun article enregistré sur « football »")


async def test_summaries_autocomplete_known_topics_and_authors(room: Newsroom) -> None:  # noqa: F811
    await store_articles(room)
    topics = await autocomplete(room.stand_in, "summaries", focused="topic", topic="el")
    assert [c["name"] for c in topics] == ["Élysée"]
    authors = await autocomplete(room.stand_in, "summaries", focused="author", author="")
    assert authors[0]["name"] == "Agnès Durand" and len(authors) == 2
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in topics + authors)
