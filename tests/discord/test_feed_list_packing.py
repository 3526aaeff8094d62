"""/feed list packing: Discord counts 6,000 characters over all the embeds of one message."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord.feed_views import EMBEDS_PER_MESSAGE, FIELDS_PER_EMBED, pack_fields
from tests.discord_stand_in.rules import check_message

TITLE = "Flux du serveur"
FOOTER = "250 abonnement(s)"

field_text = st.tuples(st.text(min_size=1, max_size=256), st.text(min_size=1, max_size=1024))


@settings(max_examples=200, deadline=None)
@given(st.lists(field_text, max_size=250))
def test_every_message_passes_discord_rules_and_keeps_every_field_in_order(
    fields: list[tuple[str, str]],
) -> None:
    messages = pack_fields(fields, title=TITLE)
    flattened = [field for message in messages for embed in message for field in embed]
    assert flattened == fields
    for number, message in enumerate(messages):
        assert 1 <= len(message) <= EMBEDS_PER_MESSAGE
        assert all(len(embed) <= FIELDS_PER_EMBED for embed in message)
        payload = {
            "embeds": [
                {
                    "title": TITLE,
                    "fields": [{"name": n, "value": v} for n, v in embed],
                    **({"footer": {"text": FOOTER}} if number == 0 and index == 0 else {}),
                }
                for index, embed in enumerate(message)
            ]
        }
        if fields:
            assert check_message(payload) == []


def test_thirty_realistic_subscriptions_need_two_messages() -> None:
    """The case that used to be refused by Discord (about 6,600 characters in one message)."""
    field = ("Le Monde · Actualités à la une" + " " * 20, "x" * 200)
    messages = pack_fields([field] * 30, title=TITLE)
    assert len(messages) == 2
