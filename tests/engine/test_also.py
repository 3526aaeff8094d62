"""The "Aussi chez" line (issue 11), pure: public links, a short list ("et 3 autres"), Discord's
limits in an embed and in a text message, the post reference kept on the last line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.also import LABEL, also_text, with_companions
from bot.delivery.embeds import CONTENT_MAX, FIELD_VALUE_MAX, TOTAL_MAX, PostPayload, embed_length
from storage.story_records import Companion

OUTLETS = ("Franceinfo", "Le Figaro", "Libération", "Ouest-France", "La Croix", "L'Obs")


def _companions(count: int, url: str = "https://www.exemple.fr/article/{n}") -> list[Companion]:
    return [
        Companion(n, OUTLETS[n % len(OUTLETS)], url.format(n=n), f"Titre {n}") for n in range(count)
    ]


def test_two_outlets_are_linked_and_more_are_counted() -> None:
    two = also_text(_companions(2), 1024)
    assert two == (
        "[Franceinfo](<https://www.exemple.fr/article/0>), "
        "[Le Figaro](<https://www.exemple.fr/article/1>)"
    )
    six = also_text(_companions(6), 1024)
    assert six.endswith(" et 3 autres") and six.count("](<https://") == 3
    assert also_text(_companions(4), 1024).endswith(" et 1 autre")


def test_private_or_hostile_links_are_never_linked() -> None:
    private = _companions(1, "http://127.0.0.1/x{n}") + _companions(1, "javascript:alert({n})")
    assert also_text(private, 1024) == "Franceinfo, Franceinfo"
    assert also_text([Companion(1, "@everyone [clic](https://phish)", None, "t")], 1024) == (
        "@\u200beveryone \\[clic\\]\\(https://phish\\)"
    )


def test_an_embed_gets_one_field_and_a_text_post_one_line_before_its_reference() -> None:
    embed = {"title": "Titre", "description": "x" * 5900, "fields": [], "footer": {"text": "réf"}}
    payload = with_companions(PostPayload(content="", embed=embed), _companions(3))
    [field] = payload.embed["fields"]
    assert field["name"] == LABEL and embed_length(payload.embed) <= TOTAL_MAX
    again = with_companions(payload, _companions(4))  # an edit replaces the field
    assert [f["name"] for f in again.embed["fields"]] == [LABEL]
    text = PostPayload(content="**Titre**\nRésumé.\n-# réf. 002a", embed={})
    lines = with_companions(text, _companions(1)).content.split("\n")
    assert lines[-1] == "-# réf. 002a" and lines[-2].startswith(f"-# {LABEL} : [Franceinfo]")


@settings(max_examples=100, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=40),
    name=st.text(max_size=300),
    body=st.integers(min_value=0, max_value=CONTENT_MAX),
)
def test_limits_hold_whatever_the_outlets(count: int, name: str, body: int) -> None:
    companions = [Companion(n, name, f"https://www.exemple.fr/{'a' * 200}{n}", "t")
                  for n in range(count)]  # fmt: skip
    text = PostPayload(content=("x" * body)[: CONTENT_MAX - 20] + "\n-# réf. 002a", embed={})
    assert len(with_companions(text, companions).content) <= CONTENT_MAX
    embed = {"title": "t" * 256, "description": "d" * 4096, "footer": {"text": "f" * 1500}}
    out = with_companions(PostPayload(content="", embed=embed), companions).embed
    assert embed_length(out) <= TOTAL_MAX
    assert all(len(f["value"]) <= FIELD_VALUE_MAX for f in out.get("fields", []))
